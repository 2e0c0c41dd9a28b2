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
