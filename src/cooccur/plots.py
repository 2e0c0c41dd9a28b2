"""Every figure of the book. ``plot_*`` functions draw on a given Axes; the others return a whole Figure, so a
chapter draws a figure with one call: ``glue_figure("fig_x", plots.width_sweep(...))``.

For a gradient-descent run (method "euler") the x axis is the training iteration t / step, as in the paper;
for the adaptive flow it is the flow time t. One style for all: seaborn's "whitegrid" theme, set when this module
is imported.

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

from cooccur import measures
from cooccur.claims import LAZY_GROWTH, MARGIN_SIGNS, SCORE_SIGNS, VALUE_SIGNS, WIDTH_ORDERS, Run
from cooccur.escape import escape_time, wa_growth
from cooccur.limit import DISTANCES
from cooccur.measures import moving_average
from cooccur.related import markov
from cooccur.related.markov import SADDLE_W
from cooccur.related.scan_snap import figure6_stats
from cooccur.sweep import finished, holds_fraction
from cooccur.trajectory import Trajectory

sns.set_theme(context="notebook", style="whitegrid", palette="deep")

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

#: The four score correlations of Figure 1(a) and Theorem 3.2, as (key word, query word) indices into A.
FIGURE1_PAIRS = tuple(SCORE_SIGNS)
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


def figure1(traj: Trajectory, xscale: str = "linear", log_loss: bool = False) -> Figure:
    """Both panels of the paper's Figure 1 side by side; ``log_loss`` puts the loss on a log scale."""
    fig, (ax_a, ax_b) = panels(2, height=3.8)
    plot_score_correlations(ax_a, traj)
    plot_losses_by_type(ax_b, traj, log=log_loss)
    for ax in (ax_a, ax_b):
        ax.set_xscale(xscale)
    return fig


ROLE_COLORS = {"mu1": "#1f77b4", "mu2": "#ff7f0e", "mu3": "#2ca02c", "filler": "#d9d9d9"}


def plot_data_examples(ax: Axes, tokens: np.ndarray, types: np.ndarray, per_type: int = 2) -> None:
    """Draw ``per_type`` sequences of each type as rows of coloured cells labelled with their words."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    rows = np.concatenate([np.flatnonzero(types == k)[:per_type] for k in (1, 2, 3, 4)])
    role = np.where(tokens[rows] < 3, tokens[rows], 3)
    cmap = ListedColormap([ROLE_COLORS[r] for r in ("mu1", "mu2", "mu3", "filler")])
    ax.imshow(role, cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
    for (i, j), word in np.ndenumerate(tokens[rows]):
        text = f"µ{word + 1}"
        ax.text(j, i, text, ha="center", va="center", fontsize="small")
    ax.set_yticks(range(len(rows)), [f"type {types[r]}, y={'+1' if types[r] == 1 else '-1'}" for r in rows])
    ax.set_xticks(range(tokens.shape[1]), [f"position {j + 1}" for j in range(tokens.shape[1])])
    ax.set_xticks(np.arange(tokens.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    labels = ("µ1 (target)", "µ2 (target)", "µ3 (common token)", "filler word")
    handles = [Patch(color=ROLE_COLORS[r], label=lab) for r, lab in zip(ROLE_COLORS, labels)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize="small")


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


def summary_figure(traj: Trajectory) -> Figure:
    """The story in one figure: G, score correlation changes and per-type losses, on a log time axis."""
    fig, axes = panels(3, height=3.8)
    plot_G(axes[0], traj)
    x, label, _ = time_axis(traj)
    colors = sns.color_palette("deep", len(FIGURE1_PAIRS))
    for (k, q), color in zip(FIGURE1_PAIRS, colors):
        label_kq = rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$"
        axes[1].plot(x, traj.A[:, k, q] - traj.A[0, k, q], color=color, label=label_kq)
    mark_phase_boundary(axes[1], traj)
    axes[1].set(xlabel=label, ylabel="change since initialisation (score units)")
    axes[1].legend(fontsize="small")
    plot_losses_by_type(axes[2], traj, log=True)
    axes[0].set_title("1. the MLP aligns with the signals", pad=16)
    axes[1].set_title("2. the score correlations tilt", pad=16)
    axes[2].set_title("3. every type's loss falls", pad=16)
    for ax in axes:
        ax.set_xscale("log")
        shade_phases(ax, traj)
    return fig


def _score_label(k: int, q: int) -> str:
    return rf"$\mu_{k + 1}^\top W_K^\top W_Q \mu_{q + 1}$"


def _value_label(k: int, q: int) -> str:
    if k == q:
        return rf"$\Vert W_V\mu_{k + 1}\Vert^2$"
    return rf"$\mu_{k + 1}^\top W_V^\top W_V \mu_{q + 1}$"


# --- setup and coordinates -------------------------------------------------------------------------------------


def data_examples(tokens: np.ndarray, types: np.ndarray, title: str, per_type: int = 2) -> Figure:
    """Two (``per_type``) training sequences of each type, as coloured rows."""
    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    plot_data_examples(ax, tokens, types, per_type=per_type)
    ax.set_title(title)
    return fig


def gd_vs_flow(flow: Trajectory, descents: dict[float, Trajectory]) -> Figure:
    """Gradient descent at several learning rates against the exact flow: G, the error in one score, and the
    first-order convergence of the largest errors in G and A."""
    for tr in (flow, *descents.values()):
        tr.require_full_matrices("the largest error in A")
    rates = list(descents)
    errors = np.array([[np.abs(d.G - flow.G).max(), np.abs(d.A - flow.A).max()] for d in descents.values()])
    slope_G, slope_A = measures.loglog_slope(rates, errors[:, 0]), measures.loglog_slope(rates, errors[:, 1])
    T = flow.t[-1]
    fig, (ax1, ax2, ax3) = panels(3)
    ax1.plot(flow.t, flow.G[:, 0], color="black", lw=2.5, label=r"$G(\mu_1)$, flow")
    ax1.plot(flow.t, flow.G[:, 2], color="gray", lw=2.5, label=r"$G(\mu_3)$, flow")
    for (lr, d), color in zip(descents.items(), ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3")):
        ax1.plot(d.t, d.G[:, 0], ls="--", color=color, label=f"gradient descent, lr {lr}")
        ax1.plot(d.t, d.G[:, 2], ls="--", color=color)
        ax2.plot(d.t, d.A[:, 1, 0] - flow.A[:, 1, 0], color=color, label=f"lr {lr}")
    ax1.set_xscale("symlog", linthresh=1.0)
    ax1.set_xlim(0, T)
    ax1.set(xlabel="time t = learning rate x iteration", ylabel="G (output units)")
    ax1.set_title("G: flow and gradient descent")
    ax1.legend(fontsize="small")
    ax2.set(xlabel="time t", ylabel="$\\mu_2^\\top W_K^\\top W_Q \\mu_1$\n(descent minus flow)")
    ax2.set_title("error in a score correlation")
    ax2.legend(fontsize="small")
    ax3.loglog(rates, errors[:, 0], "o-", label=f"G, slope {slope_G:.2f}")
    ax3.loglog(rates, errors[:, 1], "s-", label=f"A, slope {slope_A:.2f}")
    ax3.set(xlabel="learning rate", ylabel="max error over [0, T]\n(G: output units, A: score units)")
    ax3.set_xticks(rates, [f"{r:g}" for r in rates])
    ax3.minorticks_off()
    ax3.set_title("first-order convergence")
    ax3.legend(fontsize="small")
    return fig


def eq5_check(traj: Trajectory, m1: int) -> Figure:
    """Eq. (5): the recorded change of ||W^T a||^2 against the integral of its right-hand side."""
    change, integral = measures.eq5_curves(traj, m1)
    x, label, _ = time_axis(traj)
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    ax.plot(x, change, lw=3, color="#bbbbbb", label=r"$\Vert W^\top a\Vert^2(t) - \Vert W^\top a\Vert^2(0)$, recorded")
    ax.plot(x, integral, "k--", label=r"$\int_0^t \frac{2m_1}{n}\sum_i g_i y_i F_i\,d\tau$ (trapezoid rule)")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set(xlabel=label, ylabel=r"change of $\Vert W^\top a\Vert^2$ (squared weight units)")
    ax.set_xlim(0, x[-1])
    ax.legend(fontsize="small")
    return fig


# --- Phase 1 ---------------------------------------------------------------------------------------------------


def G_by_setting(trajs: dict[str, Trajectory]) -> Figure:
    """G(mu_1), G(mu_2), G(mu_3) and the mean filler G, one panel per setting; linear time up to 1e-3, then log."""
    fig, axes = panels(len(trajs))
    for ax, (name, traj) in zip(axes, trajs.items()):
        plot_G(ax, traj)
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlim(0, time_axis(traj)[0][-1])
        ax.set_title(name)
    return fig


def rise_first(groups: dict[str, list[Trajectory]]) -> Figure:
    """Losses of types 2 and 3 relative to their start, against time / T1, one panel per group of seeds."""
    fig, axes = panels(len(groups))
    for ax, (name, trs) in zip(axes, groups.items()):
        for tr in trs:
            ax.plot(tr.t / tr.T1, tr.loss_by_type[:, 1] / tr.loss_by_type[0, 1], color="#2ca02c", alpha=0.6, lw=1)
            ax.plot(tr.t / tr.T1, tr.loss_by_type[:, 2] / tr.loss_by_type[0, 2], color="#d62728", alpha=0.6, lw=1)
        ax.axhline(1, color="black", lw=0.6)
        ax.axvline(1, color="red", ls="--", lw=1)
        ax.set(xlim=(0, 2), xlabel=r"time / $T_1$ (each seed its own $T_1$)", ylabel="loss / loss at t=0")
        ax.set_title(f"{name}, {len(trs)} seeds")
    axes[0].plot([], [], color="#2ca02c", label="type 2")
    axes[0].plot([], [], color="#d62728", label="type 3")
    axes[0].plot([], [], color="red", ls="--", label="$T_1$")
    axes[0].legend(fontsize="small")
    return fig


def sandwich(trajs: dict[str, Trajectory]) -> Figure:
    """The two ratios of Lemma 4.3 over [0, 3 T1], one panel per setting, with [T0.5, T1] shaded where it exists."""
    fig, axes = panels(len(trajs), height=3.8)
    for ax, (name, tr) in zip(axes, trajs.items()):
        lower, upper = measures.sandwich_ratios(tr)
        _, t_half = measures.sandwich_constant(tr)
        ax.plot(tr.t, lower, label=r"$-\dot G(\mu_3) / \max\{\dot G(\mu_1), \dot G(\mu_2)\}$ (lemma: > 1)")
        ax.plot(tr.t, upper, label=r"$-\dot G(\mu_3) / (\dot G(\mu_1) + \dot G(\mu_2))$ (lemma: < 1)")
        ax.axhline(1, color="black", lw=0.6)
        ax.axvline(tr.T1, color="red", ls="--", label="$T_1$")
        if np.isfinite(t_half):
            ax.axvspan(t_half, tr.T1, color="gold", alpha=0.3, label=r"both hold ($T_{0.5}$ to $T_1$)")
        ax.set(xlim=(0, 3 * tr.T1), ylim=(-1, 3), xlabel="time t", ylabel="ratio of rates (dimensionless)", title=name)
        ax.legend(fontsize="small")
    return fig


def width_sweep(series: dict[str, list[list[Run]]]) -> Figure:
    """Width sweeps (each series: a list over widths of a list over seeds of runs). Top left: T1 against m. Top
    right: T1 x (sigma0^2 + sigma1^2) m m1, flat if T1 is inversely proportional to the Phase-1 rate. Bottom: score
    movement over Phase 1 divided by T1, with the shape m^-1/2 (1/L + 1/sqrt m) of Theorem 3.1's bound."""
    fig, axes = panels(3)
    for (name, widths), color in zip(series.items(), sns.color_palette("deep", len(series))):
        m = np.array([group[0].m for group in widths], dtype=float)
        L = widths[0][0].L
        t1 = np.array([[r.traj.T1 for r in group] for group in widths])
        rate = np.array([group[0].phase1_rate for group in widths])
        moved = np.array(
            [
                [r.traj.A_change[: measures.phase1_index(r.traj) + 1].max() / r.traj.T1 for r in group]
                for group in widths
            ]
        )
        for ax, values in zip(axes, (t1, t1 * rate[:, None], moved)):
            for j in range(values.shape[1]):
                ax.scatter(m, values[:, j], color=color, s=10, alpha=0.4)
            ax.plot(m, np.median(values, axis=1), "o-", color=color, label=f"{name}: median (dots: seeds)")
        shape = m**-0.5 * (1 / L + m**-0.5)
        axes[2].plot(
            m,
            shape * np.median(moved[0]) / shape[0],
            ":",
            color=color,
            label=r"$\propto m^{-1/2}(1/L + m^{-1/2})$, " + name,
        )
    axes[0].set(ylabel="$T_1$ (flow time)", title="end of Phase 1")
    axes[1].set(ylabel=r"$T_1 \times (\sigma_0^2 + \sigma_1^2)\, m\, m_1$", title="$T_1$ times the Phase-1 rate")
    axes[2].set(
        ylabel="score movement over Phase 1 / $T_1$\n(score units per unit time)",
        title="mean rate of the scores in Phase 1",
    )
    for ax in axes:
        ax.set(xscale="log", yscale="log", xlabel="width m")
    # one legend for the three panels, under them: inside a panel it would be wider than the panel
    fig.legend(handles=axes[2].get_legend_handles_labels()[0], loc="outside lower center", ncols=2,
               fontsize="small", frameon=False)
    return fig


#: The exponents of m the order-statement figure shows (every prediction lies inside).
EXPONENT_RANGE = (-2.6, 1.4)


def width_orders(runs: list[Run], verdicts: dict, orders: dict | None = None) -> Figure:
    """Order statements over widths (``verdicts`` from :func:`cooccur.claims.width_orders` on ``runs`` and
    ``orders``, by default :data:`cooccur.claims.WIDTH_ORDERS`). Left: each
    statement's quantity divided by m^a (its predicted exponent), relative to its value at the smallest width:
    a flat line is a statement whose order is reached; medians over seeds. Right: the fitted exponent with its
    confidence interval (bar) against the prediction (cross); the shaded span is what the statement allows, one log
    factor of room included (up to the prediction plus that room for an upper bound)."""

    orders = WIDTH_ORDERS if orders is None else orders
    fig, (left, right) = panels(2, height=4.6)
    m = np.array([r.m for r in runs], dtype=float)
    widths = np.unique(m)
    names = list(verdicts)
    colors = sns.color_palette("colorblind", len(names))
    for name, color in zip(names, colors):
        values = np.array([orders[name].measure(r) for r in runs], dtype=float)
        a = verdicts[name].measured["predicted"]
        medians = np.array([np.median(values[m == w]) for w in widths])
        compensated = medians / widths**a
        left.plot(widths, compensated / compensated[0], "o-", ms=3, color=color, label=name)
    left.set(xscale="log", yscale="log", xlabel="width m ($m_1 = m$)",
             ylabel="quantity / $m^a$ (narrowest = 1)", title="each quantity over its predicted power")
    for row, (name, color) in enumerate(zip(names, colors)):
        v = verdicts[name].measured
        a, delta = v["predicted"], v["log_slope"]
        low = a - delta if orders[name].kind == "Theta" else EXPONENT_RANGE[0]
        right.axvspan(low, a + delta, ymin=(len(names) - row - 0.8) / len(names),
                      ymax=(len(names) - row - 0.2) / len(names), color="0.9", lw=0)
        low_end, high_end = max(v["low"], EXPONENT_RANGE[0]), min(v["high"], EXPONENT_RANGE[1])  # stay in the panel
        right.errorbar(v["exponent"], row, xerr=[[v["exponent"] - low_end], [high_end - v["exponent"]]], fmt="o",
                       color=color, ms=4, capsize=3)
        right.plot(a, row, "x", color="black", ms=6)
    right.set(yticks=range(len(names)), yticklabels=names,
              ylim=(len(names) - 0.5, -0.5), xlim=EXPONENT_RANGE, xlabel="exponent of m",
              title="fitted (dot, 95%) and predicted (x)")
    fig.legend(handles=left.get_legend_handles_labels()[0], loc="outside lower center", ncols=3, fontsize="small",
               frameon=False)
    return fig


# --- Phase 2 ---------------------------------------------------------------------------------------------------


def phase2_correlations(traj: Trajectory, title: str) -> Figure:
    """Changes since t = 0 of the score correlations of Theorem 3.2 (left) and the value correlations (right)."""
    fig, (ax1, ax2) = panels(2)
    for (k, q), sign in SCORE_SIGNS.items():
        ax1.plot(
            traj.t,
            traj.A[:, k, q] - traj.A[0, k, q],
            label=f"{_score_label(k, q)} (theorem: {'up' if sign > 0 else 'down'})",
        )
    for (k, q), sign in VALUE_SIGNS.items():
        ax2.plot(
            traj.t, traj.VV[:, k, q] - traj.VV[0, k, q], label=f"{_value_label(k, q)} ({'up' if sign > 0 else 'down'})"
        )
    ax1.set(ylabel="score correlation minus its value at t=0", title=f"score correlations ({title})")
    ax2.set(ylabel="value correlation minus its value at t=0", title="value correlations")
    for ax in (ax1, ax2):
        ax.set(xscale="log", xlabel="time t")
        mark_phase_boundary(ax, traj)
        ax.legend(fontsize="small")
    return fig


def margin_sums(groups: dict[str, list[Trajectory]]) -> Figure:
    """The three margin sums of Theorem 3.2 for every seed, one panel per group."""
    fig, axes = panels(len(groups), sharey=True)
    colors = ("tab:green", "tab:blue", "tab:orange")
    for ax, (name, trs) in zip(axes, groups.items()):
        for (label, (words, sign)), color in zip(MARGIN_SIGNS.items(), colors):
            for j, tr in enumerate(trs):
                ax.plot(
                    tr.t,
                    tr.G[:, list(words)].sum(axis=1),
                    color=color,
                    alpha=0.5,
                    lw=1,
                    label=f"{label} (theorem: {'> 0' if sign > 0 else '< 0'})" if j == 0 else None,
                )
        ax.axhline(0, color="black", lw=0.6)
        ax.set(xscale="log", xlabel="time t", title=f"{name}, {len(trs)} seeds")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("sum of G values (output units)")
    return fig


def attention_vs_length(lengths: list[int], rises: np.ndarray, predictions: np.ndarray, K: float) -> Figure:
    """The Phase-2 rise of the attention of query mu_1 on key mu_2 against L (lengths x seeds arrays), with the rate
    formula's prediction for the same runs (left), and their ratio with the band [1/K, K] of a Theta (right)."""
    L = np.asarray(lengths, dtype=float)
    fig, (ax1, ax2) = panels(2)
    for j in range(rises.shape[1]):
        ax1.scatter(L, rises[:, j], color="gray", s=12)
        ax2.scatter(L, rises[:, j] / predictions[:, j], color="gray", s=12)
    measured = measures.loglog_slope(np.repeat(L, rises.shape[1]), rises.ravel())
    predicted = measures.loglog_slope(np.repeat(L, rises.shape[1]), predictions.ravel())
    ax1.loglog(L, np.median(rises, axis=1), "o-", color="black", label=f"measured, exponent {measured:.2f}")
    ax1.loglog(L, np.median(predictions, axis=1), "--", color="tab:blue",
               label=f"rate formula, exponent {predicted:.2f}")
    ax1.set(xlabel="sequence length L", ylabel="rise of p(query $\\mu_1$, key $\\mu_2$)\nover Phase 2",
            title="the tilt and its predicted rate")
    ax1.legend(fontsize="small")
    ax2.axhspan(1 / K, K, color="tab:green", alpha=0.12, label=f"a Theta: within a factor {K:g}")
    ax2.loglog(L, np.median(rises / predictions, axis=1), "o-", color="black", label="median over seeds")
    ax2.set(xlabel="sequence length L", ylabel="measured / predicted", title="ratio to the rate formula",
            ylim=(0.5 / K, 2 * K))
    ax2.legend(fontsize="small")
    for ax in (ax1, ax2):  # the lengths themselves as ticks, not powers of ten
        ax.set_xticks(L, [f"{length:g}" for length in L])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    return fig


def margin_split(runs: dict[str, tuple[np.ndarray, np.ndarray, float, float]]) -> Figure:
    """The mean type-2 training margin along the flow, split into what the signal words carry and what the fillers
    carry (``Trajectory.margin_split``), one panel per label: ``{label: (t (T,), parts (T, n2, 2) of the
    type-2 samples, T1, T*)}``; the dashed red line is T1, the dotted grey one T*."""
    fig, axes = panels(len(runs), sharey=True)
    for ax, (label, (t, parts, t1, t_star)) in zip(axes, runs.items()):
        core, filler = parts[..., 0].mean(axis=1), parts[..., 1].mean(axis=1)
        ax.semilogx(t[1:], core[1:], color="tab:blue", label="signal words ($\\mu_1$, $\\mu_3$)")
        ax.semilogx(t[1:], filler[1:], color="tab:orange", label="filler words")
        ax.semilogx(t[1:], (core + filler)[1:], color="black", lw=1, label="margin $y_iF_i$")
        if np.isfinite(t1):
            ax.axvline(t1, color="red", lw=1.2, ls="--", label=f"$T_1$ = {t1:.3g}")
        if np.isfinite(t_star):
            ax.axvline(t_star, color="gray", ls=":", label=f"$T^*$ = {t_star:.3g}")
        ax.set(xlabel="gradient-flow time t", ylabel="mean type-2 margin", title=label)
        ax.legend(fontsize="small")
    return fig


def loss_and_structure(trajs: list[Trajectory], delta: np.ndarray, words: int = 8) -> Figure:
    """Left: training loss of every seed, log-log. Right: the change of W_K^T W_Q over the first ``words`` words."""
    fig, (ax1, ax2) = panels(2)
    for tr in trajs:
        ax1.loglog(tr.t[1:], tr.loss[1:], color="tab:blue", alpha=0.4, lw=1)
    ax1.set(xlabel="time t", ylabel="training loss (nats)", title=f"training loss, {len(trajs)} seeds")
    words = min(words, delta.shape[0])
    plot_matrix(
        ax2, delta, words, rf"$W_K^\top W_Q(T^*) - W_K^\top W_Q(0)$, first {words} words", "change of score correlation"
    )
    return fig


# --- balancing -------------------------------------------------------------------------------------------------


def balance(traj: Trajectory, title: str) -> Figure:
    """Left: S_1..S_4. Right: S_2/S_3, R(t) and the rate ratio -dG(mu_3)/dt / dG(mu_1)/dt that R approximates."""
    S = traj.S_by_type
    fig, (ax1, ax2) = panels(2)
    plot_sums_of_g(ax1, traj)
    ax1.set_xscale("log")
    ax1.set_title(f"total gradient weight per type\n({title})")
    ax2.plot(traj.t, S[:, 1] / S[:, 2], label="$S_2 / S_3$")
    ax2.plot(
        traj.t,
        (S[:, 1] + S[:, 2] + S[:, 3] - S[:, 0]) / (S[:, 0] - S[:, 1]),
        label="$R(t) = (S_2 + S_3 + S_4 - S_1)/(S_1 - S_2)$",
    )
    ax2.plot(traj.t, -traj.G_rate[:, 2] / traj.G_rate[:, 0], ls=":", label=r"$-\dot G(\mu_3)/\dot G(\mu_1)$")
    ax2.axhspan(0.5, 2, color="gray", alpha=0.12, label="$1/2 \\leq S_2/S_3 \\leq 2$")
    mark_phase_boundary(ax2, traj)
    ax2.set(xscale="log", ylim=(0, 3), xlabel="time t", ylabel="ratio (dimensionless)", title="balance ratios")
    ax2.legend(fontsize="small")
    return fig


def loss_ratios_by_type(traj: Trajectory) -> Figure:
    """Each type's mean loss divided by the overall loss; the legend gives the late log-log slopes."""
    slopes = measures.late_loss_slopes(traj)[1:]
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    colors = sns.color_palette("deep", 5)[1:]
    for k in range(4):
        ax.plot(
            traj.t,
            traj.loss_by_type[:, k] / traj.loss,
            color=colors[k],
            label=f"{TYPE_LABELS[k]}, slope {slopes[k]:.2f}",
        )
    mark_phase_boundary(ax, traj)
    ax.set(xscale="log", yscale="log", xlabel="time t", ylabel="loss of the type / overall loss")
    ax.legend(fontsize="small")
    return fig


def balance_stress(cases: dict[str, Trajectory]) -> Figure:
    """S_2/S_3 along the flow in several cases."""
    fig, ax = plt.subplots(figsize=(7.5, 4.3), constrained_layout=True)
    for name, tr in cases.items():
        ax.plot(tr.t, tr.S_by_type[:, 1] / tr.S_by_type[:, 2], label=f"{name} ($T_1$ = {tr.T1:.2f})")
    ax.axhspan(0.5, 2, color="gray", alpha=0.12, label="[1/2, 2]")
    ax.axhline(1, color="black", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="time t", ylabel="$S_2/S_3$ (dimensionless)")
    ax.legend(fontsize="small")
    return fig


# --- experiments -----------------------------------------------------------------------------------------------


def figure1_seeds(trajs: list[Trajectory]) -> Figure:
    """Figure 1 over seeds: median and range of the score changes (a) and the per-type losses (b)."""
    x, xlabel, factor = time_axis(trajs[0])
    t1 = np.array([tr.T1 for tr in trajs]) * factor
    colors = sns.color_palette("tab10")
    fig, (ax_a, ax_b) = panels(2, height=3.8)
    for (k, q), color in zip(FIGURE1_PAIRS, colors):
        plot_band(ax_a, x[1:], np.array([tr.A[1:, k, q] - tr.A[0, k, q] for tr in trajs]), color, _score_label(k, q))
    for k in range(4):
        plot_band(ax_b, x[1:], np.array([tr.loss_by_type[1:, k] for tr in trajs]), colors[k + 4], f"type {k + 1}")
    ax_a.set(
        xscale="log",
        xlabel=xlabel,
        ylabel="change since initialisation (score units)",
        title="(a) attention score correlations",
    )
    ax_b.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="logistic loss (nats)", title="(b) loss by type")
    for ax in (ax_a, ax_b):
        ax.axvspan(t1.min(), t1.max(), color="red", alpha=0.15, label="range of $T_1$ over seeds")
        band_legend(ax, len(trajs))
    return fig


def init_comparison(groups: dict[str, list[Trajectory]], step: float) -> Figure:
    """Training loss and the change of mu_2^T W_K^T W_Q mu_1 for groups of seeds, on an iteration axis t/step."""
    fig, (ax1, ax2) = panels(2)
    for (name, trs), color in zip(groups.items(), ("tab:blue", "tab:orange", "tab:green")):
        t = trs[0].t[1:] / step
        plot_band(ax1, t, np.array([tr.loss[1:] for tr in trs]), color, name)
        plot_band(ax2, t, np.array([tr.A[1:, 1, 0] - tr.A[0, 1, 0] for tr in trs]), color, name)
    ax1.set(xscale="log", yscale="log", xlabel=f"iteration (flow time / {step:g})", ylabel="training loss (nats)")
    ax2.set(
        xscale="log",
        xlabel=f"iteration (flow time / {step:g})",
        ylabel=r"change of $\mu_2^\top W_K^\top W_Q \mu_1$ (score units)",
    )
    for ax in (ax1, ax2):
        band_legend(ax, len(next(iter(groups.values()))))
    return fig


def descent_vs_flow(gd: Trajectory, flow: Trajectory, step: float) -> Figure:
    """A gradient-descent run and the exact flow from the same start: G (left) and the training loss (right)."""
    colors = sns.color_palette("tab10")
    fig, (ax1, ax2) = panels(2)
    for k in range(3):
        ax1.plot(
            gd.t / step, gd.G[:, k], color=colors[k], lw=3, alpha=0.4, label=rf"$G(\mu_{k + 1})$, gradient descent"
        )
        ax1.plot(flow.t / step, flow.G[:, k], color=colors[k], ls="--", label=rf"$G(\mu_{k + 1})$, flow")
    ax1.set(xscale="log", xlabel="iteration", ylabel="G (output units)")
    ax2.plot(gd.t / step, gd.loss, lw=3, alpha=0.4, label=f"gradient descent, lr {step:g}")
    ax2.plot(flow.t / step, flow.loss, "k--", label="gradient flow (adaptive solver)")
    ax2.set(xscale="log", yscale="log", xlabel=f"iteration (flow time / {step:g})", ylabel="training loss (nats)")
    for ax in (ax1, ax2):
        ax.legend(fontsize="small")
    return fig


# --- related settings ------------------------------------------------------------------------------------------


def plot_markov_landscape(ax: Axes, chain, title: str) -> None:
    """Local to Global's canonical model over (e, w): -grad directions, energy level curves, global minima,
    unigram minima and maxima on e = 0, and the saddle."""

    g = np.linspace(-3, 3, 25)
    E, W = np.meshgrid(g, g + 1e-3)  # e on the x axis, w on the y axis; keep w away from 0
    ge, gw = markov.reduced_grad(chain, E, W)
    norm = np.hypot(ge, gw) + 1e-12
    ax.quiver(E, W, -ge / norm, -gw / norm, color="gray", alpha=0.6, width=0.003)
    fine = np.linspace(-3, 3, 400)
    Ef, Wf = np.meshgrid(fine, fine + 1e-4)
    ax.contour(Ef, Wf, markov.energy(Ef, Wf), levels=20, colors="tab:cyan", linewidths=0.6, alpha=0.8)
    w_line = np.linspace(-3, 3, 2000)
    slope = 1 + 2 * w_line * np.abs(w_line)
    ok = chain.bigram_a / slope > 0
    for sign in (1, -1):
        ax.plot(
            sign * np.sqrt(chain.bigram_a / slope[ok]),
            w_line[ok],
            "--",
            color="purple",
            lw=1.5,
            label="global minima (bigram)" if sign == 1 else None,
        )
    minima = w_line < markov.SADDLE_W if chain.p + chain.q < 1 else w_line > markov.SADDLE_W
    ax.plot(np.zeros(minima.sum()), w_line[minima], color="red", lw=4, alpha=0.7, label="local minima (unigram)")
    ax.plot(np.zeros((~minima).sum()), w_line[~minima], color="blue", lw=4, alpha=0.5, label="local maxima")
    ax.plot([0], [markov.SADDLE_W], "o", color="orange", ms=9, label="saddle")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="embedding e", ylabel="weight w", title=title)


def markov_landscape(chains: dict[str, tuple]) -> Figure:
    """One landscape per chain with flow paths: ``chains[title] = (chain, e (T, k), w (T, k))``."""
    fig, axes = panels(len(chains), height=PANEL_SIZE[0])
    for ax, (title, (chain, e, w)) in zip(axes, chains.items()):
        plot_markov_landscape(ax, chain, title)
        for j in range(e.shape[1]):
            ax.plot(e[:, j], w[:, j], color="black", lw=1.2, label="gradient flow from small inits" if j == 0 else None)
            ax.plot(e[-1, j], w[-1, j], "k*", ms=8)
        ax.legend(fontsize="small", loc="lower left")
    return fig


def markov_basins(E0: np.ndarray, W0: np.ndarray, labels: dict[str, np.ndarray]) -> Figure:
    """Which minimum the flow reaches from each grid point (1 global, 0 unigram, NaN not settled)."""

    fig, axes = panels(len(labels), height=PANEL_SIZE[0])
    for ax, (name, label) in zip(axes, labels.items()):
        ax.pcolormesh(E0, W0, label, cmap="coolwarm_r", vmin=0, vmax=1, shading="nearest")
        ax.axhline(SADDLE_W, color="orange", ls=":", lw=1)
        ax.set(xlabel="initial e", ylabel="initial w", title=f"{name}\nred: unigram minimum, blue: global minimum")
        ax.grid(False)
    return fig


def markov_init(switch: np.ndarray, reached: np.ndarray, predicted: np.ndarray) -> Figure:
    """Fraction of small initialisations reaching the global minimum against p + q, with the prediction."""
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    ax.plot(switch, reached, "o-", label="gradient flow (fraction reaching the global minimum)")
    ax.step(switch, predicted, where="mid", ls="--", color="gray", label="theory: all if p+q < 1, none if p+q > 1")
    ax.axvline(1, color="black", lw=0.6)
    ax.set(xlabel="switching factor p + q (with p = q)", ylabel="fraction of initialisations", ylim=(-0.05, 1.05))
    ax.legend(fontsize="small")
    return fig


def markov_gpt_losses(forms: dict[str, dict[str, np.ndarray]], unigram: float, bigram: float,
                      window: int = 10, paper_bigram: float | None = None) -> Figure:
    """Test loss of the full Markov model against iteration: one panel per model form, one curve per
    initialisation (up to four). ``forms[title][name]`` is (seeds, iterations); each seed's curve is smoothed by a
    centred moving average (:func:`moving_average`, as the authors draw it) and drawn thin, and the mean over seeds
    is drawn with a band of one standard deviation. The y axis shows the two loss lines (and, if given, the
    ``paper_bigram`` line the authors drew, in grey) and what lies near them; curves above it are cut off."""
    colors = ("tab:red", "tab:purple", "tab:green", "tab:orange")
    if any(len(curves) > len(colors) for curves in forms.values()):
        raise ValueError(f"markov_gpt_losses draws at most {len(colors)} initialisations per panel")
    fig, axes = panels(len(forms), height=3.8, sharey=True)
    for ax, (title, curves) in zip(axes, forms.items()):
        for (name, losses), color in zip(curves.items(), colors):
            smooth = np.array([moving_average(c, window) for c in losses])
            mean, std = smooth.mean(axis=0), smooth.std(axis=0)
            steps = np.arange(1, mean.size + 1)
            for seed_curve in smooth:  # each seed too: the seeds sit on one line or the other, not between
                ax.plot(steps, seed_curve, color=color, lw=0.6, alpha=0.45)
            ax.plot(steps, mean, color=color, lw=1.6, label=f"{name} ({len(losses)} seeds; thin: each seed)")
            ax.fill_between(steps, mean - std, mean + std, color=color, alpha=0.2, lw=0)
        ax.axhline(unigram, color="black", ls="--", lw=1, label=f"unigram loss {unigram:.3f}")
        ax.axhline(bigram, color="black", ls=":", lw=1.2, label=f"bigram loss (entropy rate) {bigram:.3f}")
        if paper_bigram is not None:
            ax.axhline(paper_bigram, color="grey", ls=":", lw=1.0, label=f"the paper's bigram line {paper_bigram:.3f}")
        ax.set(xlabel="iteration", title=title, ylim=(bigram - 0.015, unigram + 0.05))
    axes[0].set_ylabel("test loss (nats per bit)")
    fig.legend(handles=axes[0].get_legend_handles_labels()[0], loc="outside lower center", ncols=2,
               fontsize="small", frameon=False, title="mean; band: ± 1 std over seeds", title_fontsize="small")
    return fig


def scan_snap_maps(maps: dict[str, np.ndarray], rows: list[int]) -> Figure:
    """Expected attention of class 1 over the first 20 tokens (rows: iterations), one panel per run."""
    fig, axes = panels(len(maps))
    for ax, (name, block) in zip(axes, maps.items()):
        im = ax.imshow(block, cmap="viridis", aspect="auto")
        ax.set_yticks(range(len(rows)), [str(i) for i in rows])
        ax.set_xticks(range(0, block.shape[1], 5))
        ax.axvline(9.5, color="white", lw=1.5)
        ax.grid(False)
        ax.set(xlabel="token (0-9: common; 10-19: distinct\nto class 1, co-occurrence rising)", ylabel="iteration",
               title=f"class 1, {name}")
        fig.colorbar(im, ax=ax, label="expected attention weight")
    return fig


def scan_snap_entropy(table, n_distinct: int) -> Figure:
    """The authors' Figure 6 from a ``kind: scan_snap`` sweep table (:mod:`cooccur.sweep`): one panel per number
    of query tokens, the final entropy of the attention over distinct tokens against eta_Y/eta_Z, one line per
    eta_Z: the mean over seeds with bars of one standard deviation over seeds (the statistic of the authors'
    published bars, :func:`cooccur.related.scan_snap.compare_figure6`)."""

    stats = figure6_stats(table)
    panels_of = sorted(stats.index.get_level_values(0).unique())
    fig, axes = panels(len(panels_of), height=3.2, sharey=True)
    for ax, num_last in zip(axes, panels_of):
        for lr_Z, curve in stats.loc[num_last].groupby(level=0):
            curve = curve.droplevel(0)
            ax.errorbar(curve.index, curve["mean"], yerr=curve["std"].fillna(0), marker="o", ms=4, capsize=3,
                        label=rf"$\eta_Z = {lr_Z:g}$")
        K = int(table.loc[table["num_last"] == num_last, "data.n_classes"].iloc[0])
        ax.set(xscale="log", title=f"{num_last} query token{'s' if num_last > 1 else ''}, K = {K} next tokens",
               xlabel=r"$\eta_Y / \eta_Z$", ylabel="entropy on distinct tokens (nats)")
        ratios = sorted(curve.index)
        ax.set_xticks(ratios, [f"{r:g}" for r in ratios])
        ax.minorticks_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return fig


def scan_snap_transition(series: dict[float, dict[str, np.ndarray]]) -> Figure:
    """The snap the way Theorem 4 states it, one colour per eta_Y; ``series[eta_Y]`` holds ``t`` and ``gain``
    (:func:`cooccur.related.scan_snap.attention_gain`, mean over seeds), ``mid`` and ``slope``
    (:func:`~cooccur.related.scan_snap.gain_slope`), ``ratio_t`` and ``z_over_y``
    (:func:`~cooccur.related.scan_snap.step_ratio`), ``decades`` (:func:`~cooccur.related.scan_snap.decade_exponents`)
    and ``t0``. Panels: the gain against t; its growth per unit of ln t with the 1/ln t decay of ln ln t growth;
    Z's step relative to Y's; the local decay exponent of the growth rate per decade, against the 0 of ln t growth
    and the 1 of ln ln t growth. Dotted lines: the predicted t0."""
    fig, axes = panels(4, height=3.2, columns=2)
    for lr_Y, s in series.items():
        label = rf"$\eta_Y = {lr_Y:g}$"
        line = axes[0].plot(s["t"][1:], s["gain"][1:], label=label)[0]
        axes[1].plot(s["mid"], s["slope"], color=line.get_color(), label=label)
        axes[2].plot(s["ratio_t"], s["z_over_y"], color=line.get_color(), label=label)
        starts, ends, betas = (np.array(column) for column in zip(*s["decades"]))
        axes[3].plot(np.sqrt(starts * ends), betas, marker="o", color=line.get_color(), label=label)
        for ax in axes:
            ax.axvline(s["t0"], color=line.get_color(), ls=":", lw=1.2)
    last = list(series.values())[-1]
    late = last["mid"] >= last["mid"][-1] / 10
    c = float(np.mean(last["slope"][late] * np.log(last["mid"][late])))
    tail = last["mid"][last["mid"] >= last["t0"]]
    axes[1].plot(tail, c / np.log(tail), color="black", ls="--", lw=1.2, label=r"$\propto 1/\ln t$ (ln ln t growth)")
    axes[0].set(xscale="log", xlabel="iteration t (plain SGD)", ylabel="attention gain (log factor)",
                title="most vs least frequent distinct token")
    axes[1].set(xscale="log", yscale="log", xlabel="iteration t (plain SGD)", ylabel=r"d gain / d ln t",
                title="growth per unit of ln t")
    axes[2].set(xscale="log", yscale="log", xlabel="iteration t (plain SGD)",
                ylabel=r"$\|\Delta Z\|_F / \|\Delta Y\|_F$", title="Z's steps relative to Y's")
    for level, text in ((0.0, r"0: growth like $\ln t$"), (1.0, r"1: growth like $\ln\ln t$")):
        axes[3].axhline(level, color="black", ls="--" if level else "-", lw=1.0)
        axes[3].annotate(text, (0.02, level), xycoords=("axes fraction", "data"), va="bottom", fontsize="small")
    axes[3].set(xscale="log", xlabel="decade of t (geometric middle)",
                ylabel=r"$\beta$: rate $\propto (\ln t)^{-\beta}$", title="local decay exponent, per decade")
    axes[0].legend(fontsize="small", title="dotted: predicted $t_0$", title_fontsize="small")
    axes[1].legend(handles=axes[1].get_lines()[-1:], fontsize="small", loc="lower center")
    return fig


def plot_premise_outline(ax: Axes, inside: np.ndarray, **style) -> None:
    """Outline the cells of an image (rows x columns, ``inside`` True) where the premises hold."""
    rows, cols = inside.shape
    style = {"color": "black", "lw": 2.2, "clip_on": False, "solid_capstyle": "projecting", "zorder": 3, **style}
    for i in range(rows):
        for j in range(cols):
            if not inside[i, j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", lw=0,
                                           color=style["color"], alpha=0.35))
                continue
            for di, dj, xs, ys in ((-1, 0, (j - 0.5, j + 0.5), (i - 0.5, i - 0.5)),
                                   (1, 0, (j - 0.5, j + 0.5), (i + 0.5, i + 0.5)),
                                   (0, -1, (j - 0.5, j - 0.5), (i - 0.5, i + 0.5)),
                                   (0, 1, (j + 0.5, j + 0.5), (i - 0.5, i + 0.5))):
                ni, nj = i + di, j + dj
                if not (0 <= ni < rows and 0 <= nj < cols) or not inside[ni, nj]:
                    ax.plot(xs, ys, **style)


def atlas_maps(table, claims: list[str], by: tuple[str, str], labels: tuple[str, str]) -> Figure:
    """One heat map per claim: the fraction of seeds on which it holds at each point of a two-axis sweep table
    (:mod:`cooccur.sweep`), rows ``by[0]`` and columns ``by[1]``; the cells where the claim's own premises hold on
    every seed are outlined."""

    fig, axes = panels(len(claims), height=2.5, columns=3)
    image = None
    for ax, claim in zip(axes, claims):
        frame = holds_fraction(table, claim, list(by))
        holds = frame.pivot(index=by[0], columns=by[1], values="holds")
        premise = frame.pivot(index=by[0], columns=by[1], values="premise_met")
        image = ax.imshow(holds.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", origin="lower")
        plot_premise_outline(ax, premise.to_numpy(dtype=float) >= 1.0)
        ax.set_xticks(range(holds.shape[1]), [f"{v:g}" for v in holds.columns], fontsize=10)
        ax.set_yticks(range(holds.shape[0]), [f"{v:g}" for v in holds.index], fontsize=10)
        ax.grid(False)
        ax.set_title(claim, fontsize=12)
        ax.set_xlabel(labels[1], fontsize=10)
        ax.set_ylabel(labels[0], fontsize=10)
    outline = plt.Line2D([], [], color="black", lw=2.2, label="premises met on every seed (inside the line)")
    hatched = plt.Rectangle((0, 0), 1, 1, fill=False, hatch="//", color="black", alpha=0.35,
                            label="premises broken on some seed")
    fig.legend(handles=[outline, hatched], loc="outside lower center", ncols=2, fontsize=10, frameon=False)
    fig.colorbar(image, ax=axes, shrink=0.6, label="fraction of seeds on which the statement holds")
    return fig


def atlas_rate(tables: dict[str, tuple], claim: str = "thm3.1") -> Figure:
    """T1 x (sigma0^2 + sigma1^2) m m1 (median over seeds) on each two-axis map, log colour scale: a constant map
    would mean T1 is inversely proportional to the Phase-1 rate. ``tables[title] = (table, by, labels)``; the
    cells where ``claim``'s premises hold are outlined."""
    from matplotlib.colors import LogNorm


    fig, axes = panels(len(tables), height=3.8)
    for ax, (title, (table, by, labels)) in zip(axes, tables.items()):
        ok = finished(table)
        product = ok.pivot_table(index=by[0], columns=by[1], values="T1_x_rate", aggfunc="median")
        premise = ok.pivot_table(index=by[0], columns=by[1], values=f"{claim}.premise_met", aggfunc="mean")
        values = product.to_numpy(dtype=float)
        image = ax.imshow(values, cmap="viridis", norm=LogNorm(), aspect="auto", origin="lower")
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize="small",
                    color="white" if v < np.sqrt(np.nanmin(values) * np.nanmax(values)) else "black")
        plot_premise_outline(ax, premise.to_numpy(dtype=float) >= 1.0, color="red")
        ax.set_xticks(range(values.shape[1]), [f"{v:g}" for v in product.columns])
        ax.set_yticks(range(values.shape[0]), [f"{v:g}" for v in product.index])
        ax.grid(False)
        ax.set(xlabel=labels[1], ylabel=labels[0], title=title)
        fig.colorbar(image, ax=ax, label=r"$T_1\,(\sigma_0^2+\sigma_1^2)\,m\,m_1$ (median over seeds)")
    outline = plt.Line2D([], [], color="red", lw=2.2, label=f"premises of {claim} met on every seed")
    fig.legend(handles=[outline], loc="outside lower center", fontsize=10, frameon=False)
    return fig


def width_limit(table, fits: dict[str, dict]) -> Figure:
    """Section 1 of "Beyond the paper": each distance of :data:`cooccur.limit.DISTANCES` of a width-m run from its
    limit start (a) and from the mean start (b) against m, log-log, one point per seed, the median over seeds
    joined; ``fits[start][name]`` (a :class:`~cooccur.measures.PowerLawFit`) labels each line with its exponent. A
    dashed line of slope -1/2 through the first median of (a) guides the eye."""

    done = finished(table)
    fig, axes = panels(2, height=3.8, sharey=True)
    colours = dict(zip(DISTANCES, sns.color_palette("colorblind", len(DISTANCES))))
    for ax, start, title in zip(axes, ("limit", "mean"), ("(a) from the limit start (same $G(0)$)",
                                                         "(b) from the mean start ($G(0) = 0$)")):
        for name in DISTANCES:
            column = f"{start}.dist.{name}"
            points = done[done[column] > 0]
            median = points.groupby("model.m")[column].median()
            fit = fits[start][name]
            ax.scatter(points["model.m"], points[column], s=10, color=colours[name], alpha=0.5)
            ax.plot(median.index, median.to_numpy(), marker="o", color=colours[name],
                    label=f"{name}: slope {fit.exponent:.2f}")
        ax.set(xscale="log", yscale="log", xlabel="width m (= m1)", title=title)
        ax.legend(fontsize="small", loc="lower left")
    first = done.groupby("model.m")["limit.dist.G"].median()
    m = np.array([first.index.min(), first.index.max()], dtype=float)
    axes[0].plot(m, first.iloc[0] * (m / m[0]) ** -0.5, "k--", lw=1, label="slope -1/2")
    axes[0].legend(fontsize="small", loc="lower left")
    axes[0].set_ylabel("distance (relative for T1 and G)")
    return fig


def lazy_rich(table, curve, kappas, push: float, level: float) -> Figure:
    """Section 2 of "Beyond the paper". (a) T1 x rate and (b) the growth of ||W^T a||^2 by T1 against
    kappa = (sigma0^2 + sigma1^2) m sqrt(m1), one point per run of ``table`` (colour: the initial scale s), the
    m-free Gram ODE (``curve``, the mean start at a large width) as a line and the constant-gradient escape of
    :mod:`cooccur.escape` (``push`` = ||c||, ``level`` = z*) dashed. (c) The growth by T1 (median over seeds) on
    the s x m grid, with Condition 1 met inside the black line, Lemma 4.2's small initial output met inside the blue
    one; the cells where both hold and the premise ``lazy_phase1`` fails on some seed are marked x."""
    from matplotlib.colors import LogNorm


    done = finished(table)
    fig, axes = panels(3, height=3.8)
    scales = np.log10(done["axis.init_scale"].to_numpy(dtype=float))
    line = np.geomspace(min(kappas.min(), curve["kappa"].min()), max(kappas.max(), curve["kappa"].max()), 200)
    ratio = (curve["sigma0"].iloc[0] / curve["sigma1"].iloc[0]) ** 2
    for ax, column, theory, label in (
            (axes[0], "T1_x_rate", escape_time(line, push, level), r"$T_1\,(\sigma_0^2+\sigma_1^2)\,m\,m_1$"),
            (axes[1], "thm3.1.wa_sq_growth", wa_growth(line, np.sqrt(ratio), 1.0, level),
             r"growth of $\|W^\top a\|^2$ by $T_1$")):
        points = ax.scatter(kappas, done[column], c=scales, cmap="viridis", s=14, zorder=3)
        ax.plot(curve["kappa"], curve[column], color="black", lw=1.8, label="m-free Gram ODE")
        ax.plot(line, theory, "k--", lw=1, label="constant-gradient escape")
        ax.set(xscale="log", yscale="log", xlabel=r"$\kappa = (\sigma_0^2+\sigma_1^2)\,m\sqrt{m_1}$", ylabel=label)
    axes[1].axhline(LAZY_GROWTH, color="grey", lw=1, ls=":", label=f"lazy bound x{LAZY_GROWTH:g}")
    axes[0].legend(fontsize="small", loc="upper left")
    axes[1].legend(fontsize="small", loc="upper right")
    fig.colorbar(points, ax=axes[:2], label=r"$\log_{10} s$", shrink=0.8)
    growth = done.pivot_table(index="axis.init_scale", columns="model.m", values="thm3.1.wa_sq_growth",
                              aggfunc="median")
    inside = {key: done.pivot_table(index="axis.init_scale", columns="model.m", values=f"premise.{key}",
                                    aggfunc="min").to_numpy(dtype=float) >= 1
              for key in ("condition1", "small_output", "lazy_phase1")}
    image = axes[2].imshow(growth.to_numpy(dtype=float), cmap="magma_r", norm=LogNorm(), aspect="auto",
                           origin="lower")
    plot_premise_outline(axes[2], inside["condition1"])
    plot_premise_outline(axes[2], inside["small_output"], color="tab:blue", lw=1.6)
    rich = inside["condition1"] & inside["small_output"] & ~inside["lazy_phase1"]
    for i, j in zip(*np.nonzero(rich)):
        axes[2].text(j, i, "x", ha="center", va="center", color="white", fontsize=12, fontweight="bold")
    axes[2].set_xticks(range(growth.shape[1]), [f"{v:g}" for v in growth.columns], rotation=45, fontsize=10)
    axes[2].set_yticks(range(growth.shape[0]), [f"{v:g}" for v in growth.index], fontsize=10)
    axes[2].grid(False)
    axes[2].set(xlabel="width m (= m1)", ylabel="initial scale s",
                title="(c) growth by $T_1$; black: Condition 1, blue: small output")
    fig.colorbar(image, ax=axes[2], label=r"growth of $\|W^\top a\|^2$ by $T_1$")
    axes[0].set_title("(a) when Phase 1 ends")
    axes[1].set_title("(b) how far the Gram quantities move")
    return fig


def memorisation(tables: dict[str, object]) -> Figure:
    """Section 3 of "Beyond the paper". (a) The fillers' share of the training margins at T* against the share of
    their initial growth rate (:func:`cooccur.memorisation.initial_filler_share`), with the line where the two are
    equal; (b) the population loss at T* against n / L. One point per run of each table of ``tables`` (title:
    a ``kind: memorisation`` sweep table); colour: L, marker: the table."""

    fig, axes = panels(2, height=3.8)
    lengths = sorted({int(L) for t in tables.values() for L in finished(t)["data.L"]})
    colours = dict(zip(lengths, sns.color_palette("colorblind", len(lengths))))
    markers = dict(zip(tables, ("o", "s", "^", "D")))
    for title, table in tables.items():
        done = finished(table)
        for L in lengths:
            rows = done[done["data.L"] == L]
            if rows.empty:
                continue
            style = {"color": colours[L], "marker": markers[title], "s": 28, "alpha": 0.8,
                     "label": f"{title}, L = {L}"}
            axes[0].scatter(rows["filler_share.initial"], rows["filler_share.T_star"], **style)
            axes[1].scatter(rows["data.n"] / rows["data.L"], rows["population_loss.T_star"], **style)
    low = min(finished(t)["filler_share.initial"].min() for t in tables.values())
    high = max(finished(t)["filler_share.T_star"].max() for t in tables.values())
    axes[0].plot([low, high], [low, high], "k--", lw=1, label="equal shares")
    axes[0].set(xscale="log", yscale="log", xlabel="fillers' share of the initial growth",
                ylabel=r"fillers' share of the margins at $T^*$", title="(a) memorisation at $T^*$")
    axes[1].set(xscale="log", yscale="log", xlabel="n / L", ylabel=r"population loss at $T^*$",
                title="(b) what it costs on fresh samples")
    shares = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
    ratios = sorted({float(v) for t in tables.values() for v in finished(t)["data.n"] / finished(t)["data.L"]})
    for axis, ticks in ((axes[0].xaxis, shares), (axes[0].yaxis, shares), (axes[1].xaxis, ratios),
                        (axes[1].yaxis, [0.005, 0.01, 0.02, 0.05, 0.1, 0.2])):
        plain_log_ticks(axis, ticks)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    return fig


def plain_log_ticks(axis, ticks) -> None:
    """Label a log axis at ``ticks`` only, as plain numbers (no minor labels, which collide on short ranges), keeping
    the axis's data range."""
    low, high = axis.get_view_interval()
    axis.set_major_locator(matplotlib.ticker.FixedLocator([t for t in ticks if low <= t <= high] or ticks))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
