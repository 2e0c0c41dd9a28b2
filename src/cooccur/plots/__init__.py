"""Every figure of the book, by subject: :mod:`~cooccur.plots.style` (the common style and pieces),
:mod:`~cooccur.plots.runs` (single runs and Figure 1), :mod:`~cooccur.plots.phases` (the two phases and the
balance), :mod:`~cooccur.plots.sweeps` (sweep tables: the atlas, beyond the paper) and
:mod:`~cooccur.plots.related` (the neighbouring papers). ``plot_*`` functions draw on a given Axes; the others
return a whole Figure, so a chapter draws a figure with one call: ``glue_figure("fig_x", plots.width_sweep(...))``.

For a gradient-descent run (method "euler") the x axis is the training iteration t / step, as in the paper;
for the adaptive flow it is the flow time t. One style for all: seaborn's "whitegrid" theme, set when this module
is imported.

The legibility rule every figure keeps, the layout check (:func:`~cooccur.plots.style.collisions`), the tidying
every figure function ends with (:func:`~cooccur.plots.style.tidy`) and the colours shared by the figures are in
:mod:`~cooccur.plots.style`.
"""

from __future__ import annotations

from cooccur.plots.interactive import atlas_explorer, figure1_explorer  # noqa: F401
from cooccur.plots.phases import (  # noqa: F401
    EXPONENT_RANGE,
    G_by_setting,
    attention_vs_length,
    balance,
    balance_stress,
    loss_and_structure,
    loss_ratios_by_type,
    margin_split,
    margin_sums,
    phase2_correlations,
    rise_first,
    sandwich,
    width_orders,
    width_sweep,
)
from cooccur.plots.related import (  # noqa: F401
    markov_basins,
    markov_gpt_losses,
    markov_init,
    markov_landscape,
    plot_markov_landscape,
    scan_snap_entropy,
    scan_snap_maps,
    scan_snap_transition,
)
from cooccur.plots.runs import (  # noqa: F401
    data_examples,
    descent_vs_flow,
    eq5_check,
    figure1,
    figure1_seeds,
    gd_vs_flow,
    init_comparison,
    plot_data_examples,
    summary_figure,
)
from cooccur.plots.style import (  # noqa: F401
    DPI_KEY,
    FIGURE1_PAIRS,
    FIGURE_DPI,
    HOLDS_CMAP,
    MAX_COLUMNS,
    MIN_FONT_KEY,
    PANEL_SIZE,
    ROLE_COLORS,
    TYPE_COLOURS,
    TYPE_LABELS,
    band_legend,
    collisions,
    compact_number,
    mark_phase_boundary,
    panels,
    plain_log_ticks,
    plot_band,
    plot_G,
    plot_losses_by_type,
    plot_matrix,
    plot_score_correlations,
    plot_sums_of_g,
    png_bytes,
    shade_phases,
    smallest_font_pt,
    tidy,
    time_axis,
)
from cooccur.plots.sweeps import (  # noqa: F401
    atlas_maps,
    atlas_rate,
    lazy_rich,
    memorisation,
    plot_premise_outline,
    width_limit,
)
