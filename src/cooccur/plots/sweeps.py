"""Figures of sweep tables (chapters atlas and beyond the paper): the claims atlas, T1 x rate over the maps, the
width limit, lazy against rich Phase 1, and memorisation."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cooccur.claims import LAZY_GROWTH
from cooccur.escape import escape_time, wa_growth
from cooccur.limit import DISTANCES
from cooccur.plots.style import HATCH, HOLDS_CMAP, UNDECIDED_COLOUR, compact_number, panels, plain_log_ticks, tidy
from cooccur.sweep import finished, holds_fraction


def hatched(xy: tuple[float, float] = (0, 0), width: float = 1, height: float = 1, **extra) -> list[plt.Rectangle]:
    """The hatching of a cell whose premises are broken (:data:`~cooccur.plots.style.HATCH`): a white halo under
    dense black lines, two rectangles."""
    common = {"fill": False, "lw": 0, "hatch": HATCH["hatch"], **extra}
    patches = [plt.Rectangle(xy, width, height, hatchcolor="white", **common),
               plt.Rectangle(xy, width, height, hatchcolor="black", **common)]
    for patch, lw in zip(patches, (HATCH["halo"], HATCH["linewidth"])):
        patch.set_hatch_linewidth(lw)
    return patches


def plot_premise_outline(ax: Axes, inside: np.ndarray, **style) -> None:
    """Outline the cells of an image (rows x columns, ``inside`` True) where the premises hold, and hatch the
    others."""
    rows, cols = inside.shape
    style = {"color": "black", "lw": 2.2, "clip_on": False, "solid_capstyle": "projecting", "zorder": 3, **style}
    for i in range(rows):
        for j in range(cols):
            if not inside[i, j]:
                for patch in hatched((j - 0.5, i - 0.5), zorder=2):
                    ax.add_patch(patch)
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
    every seed are outlined, and a cell no seed decided is grey (:data:`UNDECIDED_COLOUR`)."""

    fig, axes = panels(len(claims), height=2.5, columns=3)
    image = None
    for ax, claim in zip(axes, claims):
        frame = holds_fraction(table, claim, list(by))
        holds = frame.pivot(index=by[0], columns=by[1], values="holds")
        premise = frame.pivot(index=by[0], columns=by[1], values="premise_met")
        image = ax.imshow(holds.to_numpy(dtype=float), cmap=HOLDS_CMAP, vmin=0, vmax=1, aspect="auto", origin="lower")
        plot_premise_outline(ax, premise.to_numpy(dtype=float) >= 1.0)
        ax.set_xticks(range(holds.shape[1]), [f"{v:g}" for v in holds.columns], fontsize=10)
        ax.set_yticks(range(holds.shape[0]), [f"{v:g}" for v in holds.index], fontsize=10)
        ax.grid(False)
        ax.set_title(claim, fontsize=12)
        ax.set_xlabel(labels[1], fontsize=10)
        ax.set_ylabel(labels[0], fontsize=10)
    outline = plt.Line2D([], [], color="black", lw=2.2, label="premises met on every seed (inside the line)")
    broken = hatched(label="premises broken on some seed")[-1]
    undecided = plt.Rectangle((0, 0), 1, 1, color=UNDECIDED_COLOUR, label="undecided on every seed")
    fig.legend(handles=[outline, broken, undecided], loc="outside lower center", ncols=2, fontsize=10, frameon=False)
    fig.colorbar(image, ax=axes, shrink=0.6, label="fraction of seeds on which the statement holds")
    return tidy(fig)


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
            ax.text(j, i, compact_number(v), ha="center", va="center", fontsize="small",
                    color="white" if v < np.sqrt(np.nanmin(values) * np.nanmax(values)) else "black")
        plot_premise_outline(ax, premise.to_numpy(dtype=float) >= 1.0, color="red")
        ax.set_xticks(range(values.shape[1]), [f"{v:g}" for v in product.columns])
        ax.set_yticks(range(values.shape[0]), [f"{v:g}" for v in product.index])
        ax.grid(False)
        ax.set(xlabel=labels[1], ylabel=labels[0], title=title)
        fig.colorbar(image, ax=ax, label=r"$T_1\,(\sigma_0^2+\sigma_1^2)\,m\,m_1$ (median over seeds)")
    outline = plt.Line2D([], [], color="red", lw=2.2, label=f"premises of {claim} met on every seed")
    fig.legend(handles=[outline], loc="outside lower center", fontsize=10, frameon=False)
    return tidy(fig)


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
    return tidy(fig)


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
    axes[2].set_xticks(range(growth.shape[1]), [compact_number(v, 3) for v in growth.columns], rotation=45,
                       fontsize=10)
    axes[2].set_yticks(range(growth.shape[0]), [f"{v:g}" for v in growth.index], fontsize=10)
    axes[2].grid(False)
    axes[2].set(xlabel="width m (= m1)", ylabel="initial scale s",
                title="(c) growth by $T_1$; black: Condition 1, blue: small output")
    fig.colorbar(image, ax=axes[2], label=r"growth of $\|W^\top a\|^2$ by $T_1$")
    axes[0].set_title("(a) when Phase 1 ends")
    axes[1].set_title("(b) how far the Gram quantities move")
    return tidy(fig)


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
    return tidy(fig)
