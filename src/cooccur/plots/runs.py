"""Figures of single runs and of the paper's Figure 1: the data, the summary of a run, gradient descent against the
exact flow, Eq. (5), and Figure 1 over seeds and initialisations (chapters introduction, setup, coordinates,
experiments)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cooccur import measures
from cooccur.plots.style import (
    FIGURE1_PAIRS,
    ROLE_COLORS,
    TYPE_COLOURS,
    band_legend,
    mark_phase_boundary,
    panels,
    plot_band,
    plot_G,
    plot_losses_by_type,
    plot_score_correlations,
    score_label,
    shade_phases,
    tidy,
    time_axis,
)
from cooccur.trajectory import Trajectory


def figure1(traj: Trajectory, xscale: str = "linear", log_loss: bool = False) -> Figure:
    """Both panels of the paper's Figure 1 side by side; ``log_loss`` puts the loss on a log scale."""
    fig, (ax_a, ax_b) = panels(2, height=3.8)
    plot_score_correlations(ax_a, traj)
    plot_losses_by_type(ax_b, traj, log=log_loss)
    for ax in (ax_a, ax_b):
        ax.set_xscale(xscale)
    return tidy(fig)


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
    for ax, title in zip(axes, ("1. the MLP aligns with the signals", "2. the score correlations tilt",
                                "3. every type's loss falls")):
        ax.set_title(title, pad=20)  # above the phases' names
    for ax in axes:
        ax.set_xscale("log")
        shade_phases(ax, traj)
    return tidy(fig)


def data_examples(tokens: np.ndarray, types: np.ndarray, title: str, per_type: int = 2) -> Figure:
    """Two (``per_type``) training sequences of each type, as coloured rows."""
    fig, ax = plt.subplots(figsize=(8, 4.2), constrained_layout=True)
    plot_data_examples(ax, tokens, types, per_type=per_type)
    ax.set_title(title)
    return tidy(fig)


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
    return tidy(fig)


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
    return tidy(fig)


def figure1_seeds(trajs: list[Trajectory]) -> Figure:
    """Figure 1 over seeds: median and range of the score changes (a) and the per-type losses (b)."""
    x, xlabel, factor = time_axis(trajs[0])
    t1 = np.array([tr.T1 for tr in trajs]) * factor
    colors = sns.color_palette("deep", len(FIGURE1_PAIRS))  # as in Figure 1 (a)
    fig, (ax_a, ax_b) = panels(2, height=3.8)
    for (k, q), color in zip(FIGURE1_PAIRS, colors):
        plot_band(ax_a, x[1:], np.array([tr.A[1:, k, q] - tr.A[0, k, q] for tr in trajs]), color, score_label(k, q))
    for k in range(4):
        plot_band(ax_b, x[1:], np.array([tr.loss_by_type[1:, k] for tr in trajs]), TYPE_COLOURS[k + 1],
                  f"type {k + 1}")
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
    return tidy(fig)


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
    return tidy(fig)


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
    return tidy(fig)
