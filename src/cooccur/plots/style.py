"""The figures' common style: the theme, the panel grid and its legibility rule, the PNG a figure is shown as,
and the pieces several figures draw (a run's time axis, its phases, G, the losses by type, bands over seeds).

Legibility: the book shows a figure as a PNG of :data:`FIGURE_DPI` pixels per inch (:func:`png_bytes`), scaled
down by the browser when it is wider than the content column (688 px in a 1300-px window). Text of ``f`` points
in a figure ``w`` inches wide is then shown at ``f * FIGURE_DPI / 96 * min(1, 688 / (w * FIGURE_DPI))`` CSS
points. So multi-panel figures wrap at :data:`MAX_COLUMNS` panels of :data:`PANEL_SIZE` (:func:`panels`), and
no text is smaller than seaborn's "small" (10 pt): about 8 pt or more on the page. Each PNG carries, as text
chunks, its smallest font size in points and its dpi, so the browser test computes the size of the smallest text
of every figure on the page and fails under 8 pt.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cooccur.claims import SCORE_SIGNS
from cooccur.trajectory import Trajectory

sns.set_theme(context="notebook", style="whitegrid", palette="deep")


#: The four score correlations of Figure 1(a) and Theorem 3.2, as (key word, query word) indices into A.
FIGURE1_PAIRS = tuple(SCORE_SIGNS)


#: Pixels per inch of the book's figures.
FIGURE_DPI = 100


#: PNG text keys of the legibility metadata (see the module docstring).
MIN_FONT_KEY, DPI_KEY = "cooccur-min-font-pt", "cooccur-dpi"


#: Width and height (inches) of one panel, and the most panels side by side: two panels and their labels make a
#: figure of about 8.6 in, shown at about 0.8 of its size in the book's content column.
PANEL_SIZE = (4.3, 3.5)


MAX_COLUMNS = 2


def panels(n: int, height: float = PANEL_SIZE[1], sharey: bool = False,
           columns: int = MAX_COLUMNS) -> tuple[Figure, list[Axes]]:
    """A figure of ``n`` panels in reading order, ``columns`` to a row (more columns make narrower panels, never
    a wider figure than :data:`MAX_COLUMNS` panels of :data:`PANEL_SIZE`), each ``height`` inches high; the
    panels of a last, incomplete row are centred. ``sharey`` shares every panel's y axis."""
    ncols = min(n, columns)
    nrows = -(-n // ncols)
    width = PANEL_SIZE[0] * min(ncols, MAX_COLUMNS)
    fig = plt.figure(figsize=(width, height * nrows), constrained_layout=True)
    grid = fig.add_gridspec(nrows, 2 * ncols)  # half-width slots, so a lone last panel can sit in the middle
    axes: list[Axes] = []
    for i in range(n):
        row, col = divmod(i, ncols)
        if row == nrows - 1 and n % ncols:
            col += (ncols - n % ncols) / 2
        left = round(2 * col)
        axes.append(fig.add_subplot(grid[row, left:left + 2], sharey=axes[0] if sharey and axes else None))
    return fig, axes


def smallest_font_pt(fig: Figure) -> float:
    """The smallest font size (points) of any visible, non-empty text of ``fig``: labels, ticks, legends,
    titles, annotations."""
    fig.canvas.draw()  # tick labels exist only once drawn

    def shown(text) -> bool:
        return text.get_visible() and bool(text.get_text().strip()) and (text.axes is None or text.axes.get_visible())

    sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if shown(t)]
    return float(min(sizes)) if sizes else float(plt.rcParams["font.size"])


def png_bytes(fig: Figure) -> bytes:
    """The figure as the book shows it: PNG at :data:`FIGURE_DPI`, white background (legible in the dark theme
    too), tight bounding box, with its smallest font size and dpi as text chunks."""
    buffer = io.BytesIO()
    metadata = {MIN_FONT_KEY: f"{smallest_font_pt(fig):.2f}", DPI_KEY: str(FIGURE_DPI)}
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", facecolor="white", metadata=metadata)
    return buffer.getvalue()


TYPE_LABELS = ("type 1 (µ1 and µ2, y=+1)", "type 2 (µ1 only, y=-1)", "type 3 (µ2 only, y=-1)", "type 4 (neither, y=-1)")


def time_axis(traj: Trajectory) -> tuple[np.ndarray, str, float]:
    """x values, axis label and the factor that turns flow time into them."""
    sim = traj.meta.get("experiment", {}).get("sim", {})
    if sim.get("method") == "euler":
        step = float(sim["step"])
        return traj.t / step, f"iteration (gradient descent, lr {step:g})", 1 / step
    return traj.t, "gradient-flow time t", 1.0


def mark_phase_boundary(ax: Axes, traj: Trajectory) -> None:
    """Vertical red line at T1 (the end of Phase 1), with a legend entry."""
    if np.isfinite(traj.T1):
        _, _, factor = time_axis(traj)
        ax.axvline(
            traj.T1 * factor, color="red", lw=1.2, ls="--", label=f"end of Phase 1 ($T_1$ = {traj.T1 * factor:.3g})"
        )


def plot_score_correlations(ax: Axes, traj: Trajectory, pairs=FIGURE1_PAIRS) -> None:
    """Figure 1(a): attention score correlations mu_k^T W_K^T W_Q mu_q against training time."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", len(pairs))
    for (k, q), color in zip(pairs, colors):
        ax.plot(x, traj.A[:, k, q], color=color, label=rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$")
    mark_phase_boundary(ax, traj)
    ax.set_xlabel(label)
    ax.set_ylabel("attention score correlation (dimensionless)")
    ax.set_title("(a) attention score correlation")
    ax.legend(fontsize="small")


def plot_losses_by_type(ax: Axes, traj: Trajectory, log: bool = False) -> None:
    """Figure 1(b): the training loss and the mean loss of each sample type."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", 5)
    ax.plot(x, traj.loss, color=colors[0], lw=2, label="loss (all samples)")
    for k in range(4):
        ax.plot(x, traj.loss_by_type[:, k], color=colors[k + 1], label=TYPE_LABELS[k])
    mark_phase_boundary(ax, traj)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("logistic loss (nats)")
    ax.set_title("(b) training loss")
    ax.legend(fontsize="small")


ROLE_COLORS = {"mu1": "#1f77b4", "mu2": "#ff7f0e", "mu3": "#2ca02c", "filler": "#d9d9d9"}


def plot_G(ax: Axes, traj: Trajectory) -> None:
    """The linear MLP function G(mu_1), G(mu_2), G(mu_3) and the mean over filler words."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", 4)
    for k, color in zip(range(3), colors):
        ax.plot(x, traj.G[:, k], color=color, label=rf"$G(\mu_{k + 1})$")
    ax.plot(x, traj.G[:, 3:].mean(axis=1), color=colors[3], ls=":", label="mean $G$ of filler words")
    ax.axhline(0, color="black", lw=0.6)
    mark_phase_boundary(ax, traj)
    ax.set_xlabel(label)
    ax.set_ylabel(r"$G(\mu) = a^\top W W_V \mu$ (output units)")
    ax.legend(fontsize="small")


def plot_band(ax: Axes, x: np.ndarray, runs: np.ndarray, color, label: str) -> None:
    """Median of ``runs`` (seeds, times) with a band from the minimum to the maximum over seeds."""
    ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=color, alpha=0.25, lw=0)
    ax.plot(x, np.median(runs, axis=0), color=color, label=label)


def band_legend(ax: Axes, n_seeds: int, **kwargs) -> None:
    """The legend of :func:`plot_band` curves, its title saying what the line and the band are."""
    ax.legend(fontsize="small", title=f"median; band: min to max over {n_seeds} seeds", title_fontsize="small",
              **kwargs)


def plot_sums_of_g(ax: Axes, traj: Trajectory) -> None:
    """S_k = sum of g_i over the samples of type k, k = 1..4 (log scale)."""
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", 5)[1:]
    for k in range(4):
        ax.plot(x, traj.S_by_type[:, k], color=colors[k], label=rf"$S_{k + 1}$ ({TYPE_LABELS[k].split(' (')[0]})")
    mark_phase_boundary(ax, traj)
    ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel(r"$S_k = \sum_{i \in I_k} g_i$ (dimensionless)")
    ax.legend(fontsize="small")


def plot_matrix(ax: Axes, M: np.ndarray, words: int, title: str, cbar_label: str) -> None:
    """Heat map of the top-left ``words`` x ``words`` block of a [key, query] matrix, symmetric colour scale."""
    block = M[:words, :words]
    lim = np.nanmax(np.abs(block))
    im = ax.imshow(block, cmap="RdBu_r", vmin=-lim, vmax=lim)
    names = [f"µ{k + 1}" for k in range(words)]
    ax.set_xticks(range(words), names)
    ax.set_yticks(range(words), names)
    ax.set_xlabel("query word")
    ax.set_ylabel("key word")
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label=cbar_label)


def shade_phases(ax: Axes, traj: Trajectory) -> None:
    """Shade Phase 1 (before T1) and label both phases at the top of the axes."""
    if not np.isfinite(traj.T1):
        return
    x, _, factor = time_axis(traj)
    t1 = traj.T1 * factor
    ax.axvspan(x[x > 0].min() if ax.get_xscale() == "log" else x[0], t1, color="gold", alpha=0.15)
    ax.text(t1, 1.01, " Phase 2 →", transform=ax.get_xaxis_transform(), fontsize="small", ha="left", va="bottom")
    ax.text(t1, 1.01, "← Phase 1 ", transform=ax.get_xaxis_transform(), fontsize="small", ha="right", va="bottom")


def score_label(k: int, q: int) -> str:
    return rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$"


def value_label(k: int, q: int) -> str:
    if k == q:
        return rf"$\Vert W_V\mu_{k + 1}\Vert^2$"
    return rf"$\mu_{k + 1}^\top W_V^\top W_V \mu_{q + 1}$"


def plain_log_ticks(axis, ticks) -> None:
    """Label a log axis at ``ticks`` only, as plain numbers (no minor labels, which collide on short ranges), keeping
    the axis's data range."""
    low, high = axis.get_view_interval()
    axis.set_major_locator(matplotlib.ticker.FixedLocator([t for t in ticks if low <= t <= high] or ticks))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
