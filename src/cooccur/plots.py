"""Figures drawn from a :class:`~cooccur.trajectory.Trajectory`; each function draws on a given Axes.

For a gradient-descent run (method "euler") the x axis is the training iteration t / step, as in the paper;
for the adaptive flow it is the flow time t.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cooccur.trajectory import Trajectory

#: The four score correlations of Figure 1(a), as (key word, query word) indices into A.
FIGURE1_PAIRS = ((1, 0), (0, 1), (2, 0), (2, 1))
TYPE_LABELS = ("type 1 (µ1 and µ2, y=+1)", "type 2 (µ1 only, y=-1)", "type 3 (µ2 only, y=-1)", "type 4 (neither, y=-1)")


def time_axis(traj: Trajectory) -> tuple[np.ndarray, str, float]:
    """x values, axis label and the factor that turns flow time into them."""
    sim = traj.meta.get("experiment", {}).get("sim", {})
    if sim.get("method") == "euler":
        step = float(sim["step"])
        return traj.t / step, f"training iteration (gradient descent, learning rate {step:g})", 1 / step
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
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
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
        ax.text(j, i, text, ha="center", va="center", fontsize=9)
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
    ax.plot(x, np.median(runs, axis=0), color=color, label=f"{label} (median, band: min-max over {len(runs)} seeds)")


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
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4), constrained_layout=True)
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
    axes[1].set_title("2. then the attention moves", pad=16)
    axes[2].set_title("3. all losses fall together", pad=16)
    for ax in axes:
        ax.set_xscale("log")
        shade_phases(ax, traj)
    return fig
