"""Figures of the two phases (chapters Phase 1, Phase 2 and balancing): G by setting, who rises first, the
sandwich, widths and order statements, the score correlations, margin sums, the attention over lengths, the
margin split, the loss and the structure at T*, and the balance of the types' gradients."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure

from cooccur import measures
from cooccur.claims import MARGIN_SIGNS, SCORE_SIGNS, VALUE_SIGNS, WIDTH_ORDERS, Run
from cooccur.plots.style import (
    TYPE_COLOURS,
    TYPE_LABELS,
    count,
    mark_phase_boundary,
    panels,
    plot_G,
    plot_matrix,
    plot_sums_of_g,
    score_label,
    tidy,
    time_axis,
    value_label,
)
from cooccur.trajectory import Trajectory


def G_by_setting(trajs: dict[str, Trajectory]) -> Figure:
    """G(mu_1), G(mu_2), G(mu_3) and the mean filler G, one panel per setting; linear time up to 1e-3, then log."""
    fig, axes = panels(len(trajs))
    for ax, (name, traj) in zip(axes, trajs.items()):
        plot_G(ax, traj)
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlim(0, time_axis(traj)[0][-1])
        ax.set_title(name)
    return tidy(fig)


def rise_first(groups: dict[str, list[Trajectory]]) -> Figure:
    """Losses of types 2 and 3 relative to their start, against time / T1, one panel per group of seeds."""
    fig, axes = panels(len(groups))
    for ax, (name, trs) in zip(axes, groups.items()):
        for tr in trs:
            for k in (2, 3):
                ax.plot(tr.t / tr.T1, tr.loss_by_type[:, k - 1] / tr.loss_by_type[0, k - 1], color=TYPE_COLOURS[k],
                        alpha=0.6, lw=1)
        ax.axhline(1, color="black", lw=0.6)
        ax.axvline(1, color="red", ls="--", lw=1)
        ax.set(xlim=(0, 2), xlabel=r"time / $T_1$ (each seed its own $T_1$)", ylabel="loss / loss at t=0")
        ax.set_title(f"{name}, {count(len(trs), 'seed')}")
    axes[0].plot([], [], color=TYPE_COLOURS[2], label="type 2")
    axes[0].plot([], [], color=TYPE_COLOURS[3], label="type 3")
    axes[0].plot([], [], color="red", ls="--", label="$T_1$")
    axes[0].legend(fontsize="small")
    return tidy(fig)


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
    return tidy(fig)


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
    return tidy(fig)


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
    return tidy(fig)


def phase2_correlations(traj: Trajectory, title: str) -> Figure:
    """Changes since t = 0 of the score correlations of Theorem 3.2 (left) and the value correlations (right)."""
    fig, (ax1, ax2) = panels(2)
    for (k, q), sign in SCORE_SIGNS.items():
        ax1.plot(
            traj.t,
            traj.A[:, k, q] - traj.A[0, k, q],
            label=f"{score_label(k, q)} (theorem: {'up' if sign > 0 else 'down'})",
        )
    for (k, q), sign in VALUE_SIGNS.items():
        ax2.plot(
            traj.t, traj.VV[:, k, q] - traj.VV[0, k, q], label=f"{value_label(k, q)} ({'up' if sign > 0 else 'down'})"
        )
    ax1.set(ylabel="score correlation\nminus its value at t=0", title=f"score correlations\n({title})")
    ax2.set(ylabel="value correlation\nminus its value at t=0", title="value correlations")
    for ax in (ax1, ax2):
        ax.set(xscale="log", xlabel="time t")
        mark_phase_boundary(ax, traj)
        ax.legend(fontsize="small")
    return tidy(fig)


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
        ax.set(xscale="log", xlabel="time t", title=f"{name}, {count(len(trs), 'seed')}")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("sum of G values (output units)")
    return tidy(fig)


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
    return tidy(fig)


def margin_split(runs: dict[str, tuple[np.ndarray, np.ndarray, float, float]]) -> Figure:
    """The mean type-2 training margin along the flow, split into what the signal words carry and what the fillers
    carry (``Trajectory.margin_split``), one panel per label: ``{label: (t (R,), parts (R, n2, 2) of the
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
    return tidy(fig)


def loss_and_structure(trajs: list[Trajectory], delta: np.ndarray, words: int = 8) -> Figure:
    """Left: training loss of every seed, log-log. Right: the change of W_K^T W_Q over the first ``words`` words."""
    fig, (ax1, ax2) = panels(2)
    for tr in trajs:
        ax1.loglog(tr.t[1:], tr.loss[1:], color="tab:blue", alpha=0.4, lw=1)
    ax1.set(xlabel="time t", ylabel="training loss (nats)", title=f"training loss, {count(len(trajs), 'seed')}")
    words = min(words, delta.shape[0])
    plot_matrix(
        ax2, delta, words, rf"$W_K^\top W_Q(T^*) - W_K^\top W_Q(0)$, first {words} words", "change of score correlation"
    )
    return tidy(fig)


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
    return tidy(fig)


def loss_ratios_by_type(traj: Trajectory) -> Figure:
    """Each type's mean loss divided by the overall loss; the legend gives the late log-log slopes."""
    slopes = measures.late_loss_slopes(traj)[1:]
    fig, ax = plt.subplots(figsize=(7, 4.2), constrained_layout=True)
    for k in range(4):
        ax.plot(
            traj.t,
            traj.loss_by_type[:, k] / traj.loss,
            color=TYPE_COLOURS[k + 1],
            label=f"{TYPE_LABELS[k]}, slope {slopes[k]:.2f}",
        )
    mark_phase_boundary(ax, traj)
    ax.set(xscale="log", yscale="log", xlabel="time t", ylabel="loss of the type / overall loss")
    ax.legend(fontsize="small")
    return tidy(fig)


def balance_stress(cases: dict[str, Trajectory]) -> Figure:
    """S_2/S_3 along the flow in several cases."""
    fig, ax = plt.subplots(figsize=(7.5, 4.3), constrained_layout=True)
    for name, tr in cases.items():
        ax.plot(tr.t, tr.S_by_type[:, 1] / tr.S_by_type[:, 2], label=f"{name} ($T_1$ = {tr.T1:.2f})")
    ax.axhspan(0.5, 2, color="gray", alpha=0.12, label="[1/2, 2]")
    ax.axhline(1, color="black", lw=0.6)
    ax.set(xscale="log", yscale="log", xlabel="time t", ylabel="$S_2/S_3$ (dimensionless)")
    ax.legend(fontsize="small")
    return tidy(fig)
