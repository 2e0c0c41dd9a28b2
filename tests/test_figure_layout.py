"""Figure layout and colour: no text runs into another and no legend hides data (:func:`cooccur.plots.collisions`)
in any figure of :mod:`cooccur.plots`, drawn from inputs at the book's scale (the book's horizons, widths and grids,
fewer seeds); one colour per sample type in every figure; Scan and Snap's attention maps on one colour scale; the
atlas's colour map readable without red-green vision.

The trajectories are the book's own settings on the exact flow (a fraction of a second each); a gradient-descent
run of the paper (30 000 iterations) is stood in for by the exact flow on the same data and weights, drawn on the
descent's iteration axis (its values differ by the step's error only, the axes and labels are the same)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from cooccur import plots  # noqa: E402
from cooccur.plots import collisions  # noqa: E402

STEP = 0.01  # the paper's learning rate: iteration = flow time / STEP


# --- planted problems are caught, clean figures pass ----------------------------------------------------------


def _close_after(fig: Figure) -> list[str]:
    try:
        return collisions(fig)
    finally:
        plt.close(fig)


def test_two_overlapping_texts_are_caught():
    fig, ax = plt.subplots()
    ax.text(0.4, 0.5, "an annotation")
    ax.text(0.45, 0.5, "another one")
    problems = _close_after(fig)
    assert problems == ["panel 1: texts 'an annotation' and 'another one' overlap"]


def test_a_title_running_into_the_next_panels_label_is_caught():
    fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3))
    left.set_title("a title far too long for its own half of the figure")
    right.set_title("(b)")
    problems = _close_after(fig)
    assert any("'a title far too long" in p and "'(b)'" in p and "overlap" in p for p in problems), problems


def test_crowded_tick_labels_are_caught_and_named():
    fig, ax = plt.subplots(figsize=(4.3, 3.5))
    ax.plot([0, 30000], [0, 1])
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(2500))
    problems = _close_after(fig)
    assert "panel 1: tick labels '5000' and '7500' overlap" in problems


def test_ticks_outside_the_view_are_not_drawn_so_not_compared():
    fig, ax = plt.subplots(figsize=(4.3, 3.5))
    ax.plot([0, 1], [0, 1])
    ax.set_xticks([0, 0.5, 1, 1.0001, 1.0002])  # three labels on top of each other, all outside the view
    ax.set_xlim(0, 0.9)
    assert _close_after(fig) == []


def test_a_legend_on_a_line_is_caught():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x, label="diagonal")
    ax.legend(loc="center")
    assert _close_after(fig) == ["panel 1: legend covers line 'diagonal'"]


def test_a_legend_on_scatter_points_is_caught():
    fig, ax = plt.subplots()
    ax.scatter([0.5], [0.5], label="the point")
    ax.scatter([0.0, 1.0], [0.0, 1.0])
    ax.legend(loc="center")
    assert _close_after(fig) == ["panel 1: legend covers scatter points 'the point'"]


def test_a_legend_on_error_bars_and_on_a_heat_map_is_caught():
    fig, (bars, heat) = plt.subplots(1, 2, figsize=(8, 3))
    bars.errorbar([0, 1, 2], [0, 0, 0], yerr=[5, 5, 5], fmt="none", label="bars")
    bars.set_ylim(-1, 1)
    bars.legend(loc="center")
    heat.imshow(np.arange(16.0).reshape(4, 4))
    heat.plot([], [], label="nothing drawn")
    heat.legend(loc="center")
    problems = _close_after(fig)
    assert "panel 1: legend covers error bars or line segments 'bars'" in problems
    assert "panel 2: legend covers the image" in problems


def test_a_figure_legend_over_a_panel_is_caught():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, 0.5 + 0 * x, label="level")
    fig.legend(loc="center")
    assert _close_after(fig) == ["figure: legend covers line 'level' of panel 1"]


def test_a_legend_overlapping_a_text_is_caught():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0], label="low line")
    ax.text(0.95, 0.95, "a note in the corner", transform=ax.transAxes, ha="right", va="top")
    ax.legend(loc="upper right")
    problems = _close_after(fig)
    assert problems == ["panel 1: text 'a note in the corner' and legend overlap"]


def test_a_clean_figure_passes():
    fig, ax = plt.subplots(figsize=(4.3, 3.5), constrained_layout=True)
    x = np.linspace(0, 1, 50)
    ax.plot(x, x**2, label="a curve")
    ax.set(xlabel="x", ylabel="y", title="a clean panel")
    ax.legend(loc="upper left")  # the curve stays low on the left
    assert _close_after(fig) == []


def test_a_legend_outside_the_axes_covers_no_data():
    fig, ax = plt.subplots(figsize=(4.3, 3.5), constrained_layout=True)
    ax.imshow(np.arange(16.0).reshape(4, 4))
    ax.plot([0, 3], [0, 3], label="diagonal")
    fig.legend(loc="outside lower center")
    assert _close_after(fig) == []


def test_tidy_moves_a_legend_off_the_data_and_thins_crowded_ticks():
    fig, ax = plt.subplots(figsize=(4.3, 3.5), constrained_layout=True)
    x = np.linspace(0, 30000, 100)
    ax.plot(x, x / 30000, label="rising")
    ax.legend(loc="center")
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(2500))
    assert len(collisions(fig)) > 1
    assert plots.tidy(fig) is fig
    assert collisions(fig) == []
    assert Bbox.intersection(ax.get_legend().get_window_extent(), ax.bbox) is not None  # still inside the axes
    plt.close(fig)


def test_tidy_puts_a_legend_with_no_free_spot_under_its_axes_and_keeps_the_panel_size():
    fig, ax = plt.subplots(figsize=(4.3, 3.5), constrained_layout=True)
    x = np.linspace(0, 1, 20)
    for level in np.linspace(0, 1, 21):  # a line every twentieth of the height: nowhere to put a legend
        ax.plot(x, 0 * x + level, color="0.5", lw=0.5)
    for k in range(3):
        ax.plot(x, x**k, label=f"curve {k}")
    ax.set(xlabel="x", ylabel="y")
    ax.legend()
    fig.canvas.draw()
    height = ax.bbox.height
    plots.tidy(fig)
    assert collisions(fig) == []
    assert ax.get_legend().get_window_extent().y1 < ax.xaxis.get_tightbbox().y0  # under the x label
    assert fig.get_figheight() > 3.5 and ax.bbox.height == pytest.approx(height, rel=0.02)
    plt.close(fig)


def test_glue_figure_raises_in_a_book_build_and_warns_on_a_rerun(monkeypatch, tmp_path):
    pytest.importorskip("myst_nb")
    from cooccur import report

    def crowded() -> Figure:
        fig, ax = plt.subplots()
        ax.text(0.4, 0.5, "an annotation")
        ax.text(0.45, 0.5, "another one")
        return fig

    glued = []
    monkeypatch.setattr("myst_nb.glue", lambda name, *args, **kwargs: glued.append(name))
    monkeypatch.delenv("COOCCUR_RESULTS_FILE", raising=False)
    monkeypatch.setenv(report.STRICT_FIGURES, "1")
    with pytest.raises(ValueError, match=r"(?s)fig_crowded.*'an annotation' and 'another one' overlap"):
        report.glue_figure("fig_crowded", crowded())
    monkeypatch.delenv(report.STRICT_FIGURES)
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(tmp_path / "results.json"))  # the book's build
    with pytest.raises(ValueError, match="fig_crowded"):
        report.glue_figure("fig_crowded", crowded())
    monkeypatch.delenv("COOCCUR_RESULTS_FILE")
    with pytest.warns(UserWarning, match=r"(?s)fig_crowded.*overlap"):
        report.glue_figure("fig_crowded", crowded())
    assert glued == ["fig_crowded"]  # a rerun still shows the figure
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots()
        ax.set_title("fine")
        report.glue_figure("fig_fine", fig)
    assert glued == ["fig_crowded", "fig_fine"]


# --- every figure of the book, at the book's scale ----------------------------------------------------------------


@functools.cache
def _paper(seed: int = 0, init: str = "theory"):
    from cooccur.experiment import paper_setting

    return paper_setting(seed, init=init, T=300.0).simulate()


@functools.cache
def _premise(seed: int = 0):
    from cooccur.experiment import premise_setting

    return premise_setting(seed, T=300.0).simulate()


def _as_descent(traj):
    """The exact flow drawn as gradient descent at :data:`STEP` (its axis in iterations, 0 to 30 000)."""
    experiment = {**traj.meta.get("experiment", {}), "sim": {"method": "euler", "step": STEP}}
    return dataclasses.replace(traj, meta={**traj.meta, "experiment": experiment})


def _run(traj, seed: int = 0):
    from cooccur.claims import Run
    from cooccur.experiment import paper_setting

    return Run(paper_setting(seed, T=300.0), traj)


@functools.cache
def _coordinates():
    """The coordinates chapter's comparison of descent and flow, on a horizon of 3 (the chapter's is 30)."""
    from cooccur import figure1
    from cooccur.experiment import Experiment, paper_setting
    from cooccur.flow import SimConfig

    base = paper_setting(0, init="kaiming", T=3.0)
    exact = Experiment(base.data, base.model, SimConfig(T=3.0, method="gram", rtol=1e-10, atol=1e-14))
    flow, descents, _ = figure1.descent_convergence(exact, 0, "kaiming")
    runs, _ = figure1.eq5_runs(exact)
    return flow, descents, runs["gradient descent, lr 0.01"]


def _atlas_table(by: tuple[str, str], rows: list[float], columns: list[float], seeds: int = 3) -> pd.DataFrame:
    """A claims-atlas table over the grid ``rows`` x ``columns``: every statement holding on a share of seeds that
    varies over the grid, its premises met on part of it."""
    from cooccur.claims import CLAIMS

    rng = np.random.default_rng(0)
    records = []
    for i, r in enumerate(rows):
        for j, c in enumerate(columns):
            for seed in range(seeds):
                record = {by[0]: r, by[1]: c, "axis.seed": seed, "error": "",
                          "T1_x_rate": 10.0 ** (i - 1) * (1 + j) * (1 + 0.1 * seed)}
                for k, claim in enumerate(CLAIMS):
                    record[f"{claim}.holds"] = bool(rng.random() < (i + j + k % 3) / (len(rows) + len(columns)))
                    record[f"{claim}.premise_met"] = i + j >= k % 4
                    record[f"{claim}.undecided"] = False
                records.append(record)
    return pd.DataFrame(records)


def _width_limit():
    from cooccur.limit import DISTANCES
    from cooccur.measures import power_law_fit

    widths = [32, 100, 316, 1000, 3162, 10000, 31623, 100000, 316228, 1000000]
    rows = [{"model.m": m, "axis.seed": s, "error": "",
             **{f"{start}.dist.{name}": (1 + k + s / 10) * m ** -0.5 * (3 if start == "mean" else 1)
                for start in ("limit", "mean") for k, name in enumerate(DISTANCES)}}
            for m in widths for s in range(3)]
    table = pd.DataFrame(rows)
    fits = {start: {name: power_law_fit(table["model.m"], table[f"{start}.dist.{name}"]) for name in DISTANCES}
            for start in ("limit", "mean")}
    return plots.width_limit(table, fits)


def _lazy_rich():
    from cooccur import escape

    widths = [32, 256, 2048, 16384, 131072, 1000000]
    scales = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
    L = 5
    rows = []
    for m in widths:
        for s in scales:
            for seed in range(2):
                sigma0, sigma1 = s / np.sqrt(L * m), s / np.sqrt(m)
                kappa = (sigma0**2 + sigma1**2) * m * np.sqrt(m)
                rows.append({"model.m": m, "model.m1": m, "axis.init_scale": s, "sigma0": sigma0, "sigma1": sigma1,
                             "error": "", "T1_x_rate": 20 + 100 / (1 + kappa) + seed,
                             "thm3.1.wa_sq_growth": 1 + 3 * kappa, "premise.condition1": s <= 1,
                             "premise.small_output": kappa < 10, "premise.lazy_phase1": kappa < 1})
    table = pd.DataFrame(rows)
    kappas = escape.kappa(table["sigma0"], table["sigma1"], table["model.m"], table["model.m1"])
    curve_kappa = np.geomspace(kappas.min(), kappas.max(), 15)
    curve = pd.DataFrame({"kappa": curve_kappa, "sigma0": 1 / np.sqrt(L), "sigma1": 1.0,
                          "T1_x_rate": 20 + 100 / (1 + curve_kappa), "thm3.1.wa_sq_growth": 1 + 3 * curve_kappa})
    return plots.lazy_rich(table, curve, kappas, 0.258, 5.09)


def _memorisation():
    rng = np.random.default_rng(1)

    def table(offset: float) -> pd.DataFrame:
        return pd.DataFrame([{"data.n": n, "data.L": L, "axis.seed": s, "error": "",
                              "filler_share.initial": offset * L / 10 * (1 + rng.random() / 5),
                              "filler_share.T_star": offset * L / 5 * 60 / n * (1 + rng.random() / 5),
                              "population_loss.T_star": 0.01 * n / 60 * (1 + rng.random())}
                             for n in (60, 120, 240) for L in (3, 5) for s in (0, 1)])

    return plots.memorisation({"distinct fillers": table(0.1), "shared fillers (d = 64)": table(0.3)})


def _scan_snap_series():
    from cooccur.related import scan_snap as ss

    t = ss.log_grid(3000, points=80)
    series = {}
    for lr_Y in (0.5, 1.0, 2.0, 5.0):
        gain = np.log1p(np.log1p(t * lr_Y))
        mid, slope = ss.gain_slope(t, gain)
        series[lr_Y] = {"t": t, "gain": gain, "mid": mid, "slope": slope, "ratio_t": mid,
                        "z_over_y": 0.2 * np.ones(mid.shape), "t0": 50 / lr_Y,
                        "decades": ss.decade_exponents(t, gain)}
    return series


def _figure6_table() -> pd.DataFrame:
    rows = [{"num_last": n, "data.n_classes": 2 * n, "train.lr_Z": z, "axis.lr_ratio": r,
             "entropy": 2 - z / 10 + r / 50 + s / 20, "error": ""}
            for n in (1, 3, 5) for z in (0.5, 1.0) for r in (0.5, 1, 2, 5, 10) for s in range(2)]
    return pd.DataFrame(rows)


def _scan_snap_maps():
    rows = [0, 2, 4, 6, 8, 10, 1000]
    rng = np.random.default_rng(2)
    maps = {}
    for name, sharp in (("equal rates", 1.0), ("fast decoder", 3.0)):
        block = rng.random((len(rows), 20)) ** sharp
        maps[name] = block / block.sum(axis=1, keepdims=True) * (0.5 + sharp / 4)
    return plots.scan_snap_maps(maps, rows)


def _markov_gpt():
    rng = np.random.default_rng(3)
    iterations = 1000
    steps = np.arange(iterations)
    curves = {label: 0.62 + 0.046 * np.exp(-steps / (100 * (k + 1)))[None, :] + 0.003 * rng.random((3, iterations))
              for k, label in enumerate(("standard initialisation", "their initialisation, Aug 2024 code",
                                         "their initialisation, Nov 2024 code"))}
    forms = {"2-row embedding table (Markov-Simple)": curves, "embedding s·e (paper, Markov-Simple2)": curves}
    return plots.markov_gpt_losses(forms, 0.666, 0.619, paper_bigram=0.624)


def _rise_first():
    from cooccur import phase1

    rise = phase1.rise_first(2, 300.0)
    return plots.rise_first({name: [r.traj for r in rs] for name, rs in rise.runs.items()})


def _width_sweep():
    from cooccur import orders

    return plots.width_sweep(orders.width_series([32, 64, 128, 256, 512, 1024], 1, 10.0).series)


def _width_orders(t_star: bool):
    from cooccur import claims
    from cooccur.experiment import t_star_setting, width_setting

    setting, orders = (t_star_setting, claims.T_STAR_ORDERS) if t_star else (width_setting, claims.WIDTH_ORDERS)
    runs = [claims.Run(e, e.simulate()).without_matrices() for e in (setting(m, 0) for m in (32, 320, 3200))]
    return plots.width_orders(runs, claims.width_orders(runs, orders=orders), orders)


def _balance_stress():
    from cooccur import phase2

    cases, _ = phase2.balance_stress(_run(_paper(0)), 4.0)
    return plots.balance_stress(cases)


def _loss_and_structure():
    from cooccur import phase2
    from cooccur.claims import Run
    from cooccur.experiment import premise_setting

    delta = phase2.t_star_structure(Run(premise_setting(0, T=300.0), _premise(0)))
    return plots.loss_and_structure([_premise(0), _premise(1)], delta)


def _margin_split():
    t = np.concatenate([[0.0], np.geomspace(1e-3, 300.0, 200)])
    runs = {}
    for n, t1, t_star in ((30, 1.1, 6.0), (60, 1.07, 5.5), (120, 1.0, np.nan)):
        core = np.outer(np.log1p(t), np.ones(n // 6))
        filler = np.outer(np.sqrt(t) * 30 / n, np.ones(n // 6))
        runs[f"n = {n}"] = (t, np.stack([core, filler], axis=-1), t1, t_star)
    return plots.margin_split(runs)


def _attention_vs_length():
    lengths = [3, 4, 5, 6, 7]
    L = np.array(lengths, dtype=float)[:, None]
    predictions = L**-2.5 * np.ones((1, 3))
    rises = predictions * (0.3 + 0.05 * np.arange(3))
    return plots.attention_vs_length(lengths, rises, predictions, 10.0)


def _data_examples():
    from cooccur.data import DataConfig, make_dataset

    data = make_dataset(DataConfig(n=60, L=5, d=64, seed=0))
    return plots.data_examples(data.tokens.numpy(), data.types.numpy(),
                               f"two training sequences of each type (n={data.n}, L={data.L}, d={data.d}, seed=0)")


def _markov(kind: str):
    from cooccur.related import markov

    if kind == "landscape":
        return plots.markov_landscape(markov.landscape(np.random.default_rng(0), 0.01, 50.0)[0])
    if kind == "basins":
        E0, W0, labels, _ = markov.basins(11, 50.0)
        return plots.markov_basins(E0, W0, labels)
    switch, reached, predicted, _ = markov.small_starts(np.random.default_rng(0), 20, 0.01, 50.0)
    return plots.markov_init(switch, reached, predicted)


def _atlas_maps(which: str):
    from cooccur import atlas
    from cooccur.claims import CLAIMS

    by, labels = atlas.AXES[which]
    grid = ([0.03, 0.1, 0.3, 1.0, 3.0], [32, 64, 128, 256, 512]) if which == "width" else \
        ([12, 24, 36, 48, 60], [3, 4, 5, 6])
    return plots.atlas_maps(_atlas_table(by, *grid), [c for c in CLAIMS if c != "eq5"], by, labels)


def _atlas_rate():
    from cooccur import atlas

    tables = {}
    for title, which, grid in (("(i) initial scale x width", "width", ([0.03, 0.1, 0.3, 1.0, 3.0],
                                                                       [32, 64, 128, 256, 512])),
                               ("(ii) samples x length", "length", ([12, 24, 36, 48, 60], [3, 4, 5, 6]))):
        by, labels = atlas.AXES[which]
        tables[title] = (_atlas_table(by, *grid), by, labels)
    return plots.atlas_rate(tables)


#: Every figure function of :mod:`cooccur.plots` as a chapter calls it, on inputs of the book's scale.
FIGURES = {
    "summary_figure": lambda: plots.summary_figure(_as_descent(_paper(0, "kaiming"))),
    "data_examples": _data_examples,
    "gd_vs_flow": lambda: plots.gd_vs_flow(*_coordinates()[:2]),
    "eq5_check": lambda: plots.eq5_check(_coordinates()[2].traj, _coordinates()[2].m1),
    "figure1": lambda: plots.figure1(_as_descent(_paper(0, "kaiming"))),
    "figure1/log": lambda: plots.figure1(_as_descent(_paper(0, "kaiming")), xscale="log", log_loss=True),
    "figure1_seeds": lambda: plots.figure1_seeds([_as_descent(_paper(s, "kaiming")) for s in (0, 1)]),
    "init_comparison": lambda: plots.init_comparison({"theory": [_paper(0), _paper(1)],
                                                      "Kaiming": [_paper(0, "kaiming"), _paper(1, "kaiming")]}, STEP),
    "descent_vs_flow": lambda: plots.descent_vs_flow(_as_descent(_paper(0, "kaiming")), _paper(0, "kaiming"), STEP),
    "G_by_setting": lambda: plots.G_by_setting({"paper setting (seed 0)": _paper(0),
                                                "premise setting (seed 0)": _premise(0)}),
    "rise_first": _rise_first,
    "sandwich": lambda: plots.sandwich({"paper setting": _paper(0), "premise setting": _premise(0)}),
    "width_sweep": _width_sweep,
    "width_orders": lambda: _width_orders(False),
    "width_orders/t_star": lambda: _width_orders(True),
    "phase2_correlations": lambda: plots.phase2_correlations(_paper(0), "paper setting, seed 0"),
    "phase2_correlations/premise": lambda: plots.phase2_correlations(_premise(0), "premise setting, seed 0"),
    "margin_sums": lambda: plots.margin_sums({"paper setting": [_paper(0), _paper(1)],
                                              "premise setting": [_premise(0), _premise(1)]}),
    "attention_vs_length": _attention_vs_length,
    "loss_and_structure": _loss_and_structure,
    "margin_split": _margin_split,
    "balance": lambda: plots.balance(_paper(0), "paper's setting, seed 0"),
    "loss_ratios_by_type": lambda: plots.loss_ratios_by_type(_paper(0)),
    "balance_stress": _balance_stress,
    "atlas_maps": lambda: _atlas_maps("width"),
    "atlas_maps/length": lambda: _atlas_maps("length"),
    "atlas_rate": _atlas_rate,
    "width_limit": _width_limit,
    "lazy_rich": _lazy_rich,
    "memorisation": _memorisation,
    "markov_landscape": lambda: _markov("landscape"),
    "markov_basins": lambda: _markov("basins"),
    "markov_init": lambda: _markov("init"),
    "markov_gpt_losses": _markov_gpt,
    "scan_snap_maps": _scan_snap_maps,
    "scan_snap_entropy": lambda: plots.scan_snap_entropy(_figure6_table(), 10),
    "scan_snap_transition": lambda: plots.scan_snap_transition(_scan_snap_series()),
}


def _figure_functions() -> set[str]:
    """The public functions of :mod:`cooccur.plots` that draw a whole Figure (return one, take none)."""
    def draws(f) -> bool:
        signature = inspect.signature(f)
        return signature.return_annotation in (Figure, "Figure") and not any(
            p.annotation in (Figure, "Figure") for p in signature.parameters.values())

    return {name for name, f in vars(plots).items() if inspect.isfunction(f) and not name.startswith("_") and draws(f)}


def test_every_figure_function_is_drawn_here():
    drawn = {name.split("/")[0] for name in FIGURES}  # "figure1/log": figure1 as a chapter calls it a second way
    assert len(_figure_functions()) > 25 and _figure_functions() <= drawn, sorted(_figure_functions() - drawn)


#: The figures whose inputs take more than a few seconds to compute.
SLOW = {"width_sweep"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in FIGURES])
def test_no_text_collides_and_no_legend_hides_data(name):
    fig = FIGURES[name]()
    try:
        assert collisions(fig) == []
        # fixed by fewer ticks and moved legends, never by smaller text: seaborn's "small" (9.996 pt) at least
        assert round(plots.smallest_font_pt(fig), 2) >= 10
    finally:
        plt.close(fig)


# --- colour ---------------------------------------------------------------------------------------------------

#: The figures that colour lines by sample type.
TYPE_FIGURES = ("summary_figure", "figure1", "figure1_seeds", "rise_first", "balance", "loss_ratios_by_type")


def _type_colours(fig: Figure) -> dict[int, set[str]]:
    """The colours of the lines labelled with a sample type ("type 2 ...", "$S_2$ (type 2)"), by type."""
    import re

    found: dict[int, set[str]] = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            match = re.search(r"\btype (\d)\b", str(line.get_label()))
            if match:
                found.setdefault(int(match.group(1)), set()).add(matplotlib.colors.to_hex(line.get_color()))
    return found


def test_each_sample_type_has_one_colour_in_every_figure():
    seen = {}
    for name in TYPE_FIGURES:
        fig = FIGURES[name]()
        seen[name] = _type_colours(fig)
        plt.close(fig)
    expected = {k: {matplotlib.colors.to_hex(c)} for k, c in plots.TYPE_COLOURS.items()}
    for name, colours in seen.items():
        assert colours, f"{name} shows no sample type"
        assert colours == {k: expected[k] for k in colours}, name
    assert {k for colours in seen.values() for k in colours} == {1, 2, 3, 4}
    assert len({c for c in plots.TYPE_COLOURS.values()}) == 4


def test_scan_and_snap_attention_maps_share_one_colour_scale():
    fig = _scan_snap_maps()
    images = [image for ax in fig.axes for image in ax.images]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(images) == 2 and len(bars) == 1
    low, high = images[0].get_clim()
    assert all(image.get_clim() == (low, high) for image in images)
    data = np.concatenate([np.asarray(image.get_array()).ravel() for image in images])
    assert (low, high) == pytest.approx((data.min(), data.max()))
    plt.close(fig)


def _lightness(colour) -> float:
    """CIE L* (0 black to 100 white) of an sRGB colour."""
    rgb = np.asarray(matplotlib.colors.to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = float(linear @ [0.2126, 0.7152, 0.0722])
    return 116 * (y ** (1 / 3) if y > 216 / 24389 else (24389 / 27 * y + 16) / 116) - 16


def test_the_atlas_map_is_not_red_green_and_its_hatching_shows():
    fig = _atlas_maps("width")
    images = [image for ax in fig.axes for image in ax.images]
    assert images and {image.get_cmap().name for image in images} == {"cooccur-holds"}
    cmap = plots.HOLDS_CMAP
    fails, holds = cmap(0.0), cmap(1.0)
    assert abs(_lightness(fails) - _lightness(holds)) > 8  # apart in grey too
    for end in (fails, holds):  # neither end green: the red-green pair is gone
        r, g, b, _ = end
        assert not (g > r and g > b)
    hatched = [p for ax in fig.axes for p in ax.patches if p.get_hatch()]
    assert hatched, "no cell of the synthetic maps has broken premises"
    assert {p.get_hatch() for p in hatched} == {"///"}
    ink = [p for p in hatched if matplotlib.colors.to_hex(p.get_hatchcolor()) == "#000000"]
    halo = [p for p in hatched if matplotlib.colors.to_hex(p.get_hatchcolor()) == "#ffffff"]
    assert len(ink) == len(halo) == len(hatched) / 2
    assert all(p.get_alpha() in (None, 1.0) and p.get_hatch_linewidth() >= 1.0 for p in ink)
    assert all(p.get_hatch_linewidth() > ink[0].get_hatch_linewidth() for p in halo)
    plt.close(fig)


def test_an_undecided_cell_is_grey_not_the_near_white_of_one_half():
    from cooccur.plots.style import UNDECIDED_COLOUR

    cmap = plots.HOLDS_CMAP
    undecided = cmap(np.ma.masked_invalid([np.nan]))[0]
    assert matplotlib.colors.to_hex(undecided) == UNDECIDED_COLOUR.lower()
    assert abs(_lightness(undecided) - _lightness(cmap(0.5))) > 30  # apart from a cell holding on half the seeds


def test_tidy_raises_a_title_off_a_tick_label_at_the_top_edge(monkeypatch):
    from cooccur.plots import related

    # the book's basin map: 41 rows up to w = 3.001 put the tick label "3" just under the top edge, half above it
    E0, W0 = np.meshgrid(np.linspace(-3, 3, 41), np.linspace(-2.999, 3.001, 41))
    labels = {"p = q = 0.1": (W0 > 0).astype(float), "p = q = 0.9": (W0 < 0).astype(float)}
    monkeypatch.setattr(related, "tidy", lambda fig: fig)
    untidy = plots.markov_basins(E0, W0, labels)
    assert any("title" in p and "'3'" in p for p in plots.collisions(untidy))
    plt.close(untidy)
    monkeypatch.undo()
    fig = plots.markov_basins(E0, W0, labels)
    assert plots.collisions(fig) == [] and {ax.title.get_fontsize() for ax in fig.axes} == {12.0}
    plt.close(fig)
