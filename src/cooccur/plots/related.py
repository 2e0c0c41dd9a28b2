"""Figures of the neighbouring papers (chapters Local to Global and Scan and Snap): the Markov landscape, basins,
initialisations and the full model's losses; Scan and Snap's attention maps, Figure 6 and the transition."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cooccur.measures import moving_average
from cooccur.plots.style import PANEL_SIZE, count, panels, tidy
from cooccur.related import markov
from cooccur.related.markov import SADDLE_W
from cooccur.related.scan_snap import figure6_stats


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
    """One landscape per chain with flow paths: ``chains[title] = (chain, e (R, k), w (R, k))``; one legend for
    all panels, under them (inside a panel it would hide the minima)."""
    fig, axes = panels(len(chains), height=PANEL_SIZE[0])
    for ax, (title, (chain, e, w)) in zip(axes, chains.items()):
        plot_markov_landscape(ax, chain, title)
        for j in range(e.shape[1]):
            ax.plot(e[:, j], w[:, j], color="black", lw=1.2, label="gradient flow from small inits" if j == 0 else None)
            ax.plot(e[-1, j], w[-1, j], "k*", ms=8)
    entries = {label: handle for ax in axes for handle, label in zip(*ax.get_legend_handles_labels())}
    fig.legend(entries.values(), entries.keys(), loc="outside lower center", ncols=3, fontsize="small",
               frameon=False)
    return tidy(fig)


def markov_basins(E0: np.ndarray, W0: np.ndarray, labels: dict[str, np.ndarray]) -> Figure:
    """Which minimum the flow reaches from each grid point (1 global, 0 unigram, NaN not settled)."""

    fig, axes = panels(len(labels), height=PANEL_SIZE[0])
    for ax, (name, label) in zip(axes, labels.items()):
        ax.pcolormesh(E0, W0, label, cmap="coolwarm_r", vmin=0, vmax=1, shading="nearest")
        ax.axhline(SADDLE_W, color="orange", ls=":", lw=1)
        ax.set(xlabel="initial e", ylabel="initial w", title=f"{name}\nred: unigram minimum, blue: global minimum")
        ax.grid(False)
    return tidy(fig)


def markov_init(switch: np.ndarray, reached: np.ndarray, predicted: np.ndarray) -> Figure:
    """Fraction of small initialisations reaching the global minimum against p + q, with the prediction."""
    fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
    ax.plot(switch, reached, "o-", label="gradient flow (fraction reaching the global minimum)")
    ax.step(switch, predicted, where="mid", ls="--", color="gray", label="theory: all if p+q < 1, none if p+q > 1")
    ax.axvline(1, color="black", lw=0.6)
    ax.set(xlabel="switching factor p + q (with p = q)", ylabel="fraction of initialisations", ylim=(-0.05, 1.05))
    ax.legend(fontsize="small")
    return tidy(fig)


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
            ax.plot(steps, mean, color=color, lw=1.6, label=f"{name} ({count(len(losses), 'seed')}; thin: each seed)")
            ax.fill_between(steps, mean - std, mean + std, color=color, alpha=0.2, lw=0)
        ax.axhline(unigram, color="black", ls="--", lw=1, label=f"unigram loss {unigram:.3f}")
        ax.axhline(bigram, color="black", ls=":", lw=1.2, label=f"bigram loss (entropy rate) {bigram:.3f}")
        if paper_bigram is not None:
            ax.axhline(paper_bigram, color="grey", ls=":", lw=1.0, label=f"the paper's bigram line {paper_bigram:.3f}")
        ax.set(xlabel="iteration", title=title, ylim=(bigram - 0.015, unigram + 0.05))
    axes[0].set_ylabel("test loss (nats per bit)")
    fig.legend(handles=axes[0].get_legend_handles_labels()[0], loc="outside lower center", ncols=2,
               fontsize="small", frameon=False, title="mean; band: ± 1 std over seeds", title_fontsize="small")
    return tidy(fig)


def scan_snap_maps(maps: dict[str, np.ndarray], rows: list[int]) -> Figure:
    """Expected attention of class 1 over the first 20 tokens (rows: iterations), one panel per run, all on one
    colour scale (the smallest to the largest weight of any panel) with one colour bar."""
    fig, axes = panels(len(maps))
    low = min(float(np.nanmin(block)) for block in maps.values())
    high = max(float(np.nanmax(block)) for block in maps.values())
    im = None
    for ax, (name, block) in zip(axes, maps.items()):
        im = ax.imshow(block, cmap="viridis", aspect="auto", vmin=low, vmax=high)
        ax.set_yticks(range(len(rows)), [str(i) for i in rows])
        ax.set_xticks(range(0, block.shape[1], 5))
        ax.axvline(9.5, color="white", lw=1.5)
        ax.grid(False)
        ax.set(xlabel="token (0-9: common; 10-19: distinct\nto class 1, co-occurrence rising)", ylabel="iteration",
               title=f"class 1, {name}")
    fig.colorbar(im, ax=axes, label="expected attention weight", shrink=0.9)
    return tidy(fig)


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
               xlabel=r"$\eta_Y / \eta_Z$")
        if ax.get_subplotspec().colspan.start == 0 or ax is axes[-1] and len(axes) % 2:  # left of each row
            ax.set_ylabel("entropy on distinct\ntokens (nats)")
        ratios = sorted(curve.index)
        ax.set_xticks(ratios, [f"{r:g}" for r in ratios])
        ax.minorticks_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return tidy(fig)


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
    low, high = axes[3].get_ylim()
    axes[3].set_ylim(low, max(high, 1.25))  # room for the label above the line at 1
    axes[3].set(xscale="log", xlabel="decade of t (geometric middle)",
                ylabel=r"$\beta$: rate $\propto (\ln t)^{-\beta}$", title="local decay exponent, per decade")
    axes[0].legend(fontsize="small", title="dotted: predicted $t_0$", title_fontsize="small")
    axes[1].legend(handles=axes[1].get_lines()[-1:], fontsize="small", loc="lower center")
    return tidy(fig)
