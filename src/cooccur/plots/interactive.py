"""Interactive figures (Plotly) to hover over and toggle: the claims atlas and Figure 1 over seeds.

Each function returns a ``plotly.graph_objects.Figure``; :func:`cooccur.report.glue_interactive` glues it as HTML
for a ``{glue:figure}``, and the book's Sphinx extension ``book/_ext/interactive.py`` ships plotly.js with every
page that shows one, so the figures work offline. The static figures stay: they are what the text quotes and what
a print or a reader without JavaScript sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from cooccur.plots.style import FIGURE1_PAIRS, HOLDS_CMAP, TYPE_COLOURS, TYPE_LABELS, time_axis
from cooccur.sweep import finished, holds_fraction
from cooccur.trajectory import Trajectory

#: The colour scale of the share of runs on which a statement holds: the static maps' (:data:`HOLDS_CMAP`,
#: vermillion = fails, grey, blue = holds), as Plotly writes a scale.
HOLDS_SCALE = [[x, to_hex(HOLDS_CMAP(x))] for x in np.linspace(0.0, 1.0, 9)]
#: At most this many points per curve (log-spaced records): the page stays small, the curve's shape stays.
CURVE_POINTS = 300
#: Colours of the four score correlations of Figure 1(a) (colour-blind safe, distinct from the types').
PAIR_COLOURS = ("#332288", "#88CCEE", "#AA4499", "#999933")


def _layout(fig, height: int, bottom: int = 50) -> None:
    fig.update_layout(height=height, template="plotly_white", margin={"l": 60, "r": 20, "t": 70, "b": bottom},
                      font={"size": 13}, hoverlabel={"font_size": 13})


def atlas_explorer(maps: dict[str, tuple[pd.DataFrame, tuple[str, str], tuple[str, str]]],
                   claims: Sequence[str]):
    """The claims atlas to explore: one heat map per map (``maps[title] = (table, by, labels)``: a sweep table,
    its row and column axes and their names, as for :func:`cooccur.plots.atlas_maps`), coloured by the share of
    finished, decided runs on which the statement holds; a menu picks the statement. Hovering a cell shows its
    axis values, that share, its runs, the share with the statement's premises met and the median T1."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(maps), subplot_titles=list(maps), horizontal_spacing=0.12)
    traces_per_claim = len(maps)
    for claim_index, claim in enumerate(claims):
        for col, (table, by, labels) in enumerate(maps.values(), start=1):
            frame = holds_fraction(table, claim, list(by))
            t1 = finished(table).groupby(list(by))["T1"].median().rename("T1").reset_index()
            frame = frame.merge(t1, on=list(by), how="left")
            rows, cols = sorted(frame[by[0]].unique()), sorted(frame[by[1]].unique())

            def grid(column: str, frame=frame, by=by, rows=rows, cols=cols) -> np.ndarray:
                return frame.pivot(index=by[0], columns=by[1], values=column).reindex(index=rows, columns=cols) \
                    .to_numpy(dtype=float)

            custom = np.stack([grid("runs"), grid("premise_met"), grid("T1")], axis=-1)
            fig.add_trace(go.Heatmap(
                z=grid("holds"), x=[f"{c:g}" for c in cols], y=[f"{r:g}" for r in rows], customdata=custom,
                zmin=0, zmax=1, colorscale=HOLDS_SCALE, visible=claim_index == 0, name=claim,
                showscale=col == len(maps), texttemplate="%{z:.0%}",
                colorbar={"title": {"text": "holds on", "side": "right"}, "tickformat": ".0%"},
                hovertemplate=(f"<b>{claim}</b><br>{labels[0]} = %{{y}}, {labels[1]} = %{{x}}<br>"
                               "holds on %{z:.0%} of the decided runs<br>runs: %{customdata[0]}<br>"
                               "premises met on %{customdata[1]:.0%}<br>median T1 = %{customdata[2]:.3g}"
                               "<extra></extra>")), row=1, col=col)
            fig.update_xaxes(title_text=labels[1], type="category", row=1, col=col)
            fig.update_yaxes(title_text=labels[0], type="category", row=1, col=col)
    buttons = []
    for claim_index, claim in enumerate(claims):
        visible = [i // traces_per_claim == claim_index for i in range(len(claims) * traces_per_claim)]
        buttons.append({"label": claim, "method": "update", "args": [{"visible": visible}]})
    fig.update_layout(updatemenus=[{"buttons": buttons, "x": 0, "xanchor": "left", "y": 1.22, "yanchor": "top",
                                    "showactive": True}])
    _layout(fig, 430)
    return fig


def _log_spaced(n: int, points: int = CURVE_POINTS) -> np.ndarray:
    """About ``points`` record indices out of ``n``, evenly spaced on a log axis, the first and the last included."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.concatenate([[0], np.geomspace(1, n - 1, points).astype(int), [n - 1]]))


def figure1_explorer(trajs: Sequence[Trajectory], seeds: Sequence[int] | None = None):
    """Figure 1 over seeds to explore: (a) the changes of the four score correlations since initialisation and
    (b) the mean loss of each sample type, one curve per seed, on log axes. Clicking a seed in the legend shows or
    hides its curves in both panels; hovering shows the seed, the iteration and the value."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    seeds = list(range(len(trajs))) if seeds is None else list(seeds)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16,
                        subplot_titles=("(a) change of the score correlations", "(b) mean loss by sample type"))
    for seed, traj in zip(seeds, trajs):
        x, label, _ = time_axis(traj)
        keep = _log_spaced(len(x))
        keep = keep[x[keep] > 0]  # a log axis has no iteration 0
        common = {"legendgroup": f"seed {seed}", "name": f"seed {seed}", "mode": "lines", "opacity": 0.85,
                  "showlegend": False}
        fig.add_trace(go.Scatter(x=[None], y=[None], line={"color": "#555555", "width": 2}, visible=True,
                                 **{**common, "showlegend": True}), row=1, col=1)  # the seed's legend entry
        for (k, q), colour in zip(FIGURE1_PAIRS, PAIR_COLOURS):
            series = f"µ{k + 1}ᵀW_KᵀW_Q µ{q + 1}"
            fig.add_trace(go.Scatter(
                x=x[keep], y=traj.A[keep, k, q] - traj.A[0, k, q],
                line={"width": 1.2, "color": colour}, **common,
                hovertemplate=f"seed {seed}<br>{series}<br>iteration %{{x:.0f}}<br>change %{{y:.3g}}<extra></extra>"),
                row=1, col=1)
        for k in range(4):
            fig.add_trace(go.Scatter(
                x=x[keep], y=traj.loss_by_type[keep, k],
                line={"width": 1.2, "color": TYPE_COLOURS[k + 1]}, **common,
                hovertemplate=f"seed {seed}<br>{TYPE_LABELS[k]}<br>iteration %{{x:.0f}}<br>loss %{{y:.3g}}"
                              "<extra></extra>"), row=1, col=2)
    fig.update_xaxes(type="log", dtick=1, title_text=label.split(" (")[0])
    fig.update_yaxes(title_text="change since initialisation", row=1, col=1)
    fig.update_yaxes(type="log", dtick=1, title_text="loss (nats)", row=1, col=2)
    fig.update_layout(legend={"title": {"text": "click a seed to hide or show it:"}, "orientation": "h",
                              "x": 0, "y": -0.22, "yanchor": "top", "itemclick": "toggle"})
    _layout(fig, 520, bottom=120)
    return fig
