"""Figure layout and legibility: panels wrap at two to a row, and a figure's PNG says its smallest font, so the
browser test can check the text as shown."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from cooccur import plots  # noqa: E402
from cooccur.experiment import paper_setting  # noqa: E402

#: The widest a figure may be drawn: two panels side by side.
MAX_WIDTH_IN = plots.PANEL_SIZE[0] * plots.MAX_COLUMNS


@pytest.mark.parametrize("n, columns, rows", [(1, 2, 1), (2, 2, 1), (3, 2, 2), (4, 2, 2), (5, 2, 3), (14, 3, 5)])
def test_panels_wrap_and_never_widen_the_figure(n, columns, rows):
    fig, axes = plots.panels(n, height=2.0, columns=columns)
    width, height = fig.get_size_inches()
    assert len(axes) == n and width <= MAX_WIDTH_IN and height == pytest.approx(2.0 * rows)
    assert len({ax.get_subplotspec().rowspan.start for ax in axes}) == rows
    plt.close(fig)


def test_a_lone_last_panel_is_centred():
    fig, axes = plots.panels(3)
    fig.canvas.draw()
    box = axes[2].get_position()
    assert (box.x0 + box.x1) / 2 == pytest.approx(0.5, abs=0.05)
    assert axes[0].get_position().x1 < 0.5 < axes[1].get_position().x0
    plt.close(fig)


def test_png_carries_the_smallest_visible_font_size():
    fig, ax = plt.subplots()
    ax.set_title("title", fontsize=14)
    ax.text(0.5, 0.5, "small print", fontsize=6.5)
    ax.text(0.5, 0.2, "hidden", fontsize=3, visible=False)
    with Image.open(io.BytesIO(plots.png_bytes(fig))) as png:
        info = dict(png.info)
    assert float(info[plots.MIN_FONT_KEY]) == 6.5 and int(info[plots.DPI_KEY]) == plots.FIGURE_DPI
    plt.close(fig)


def test_summary_figure_fits_two_panels_and_keeps_text_at_ten_points():
    """The intro's three-panel figure (three panels used to be drawn 16 in wide, so the book showed its text at
    4.6 pt): now at most two panels wide, including everything the tight bounding box adds, with no text under
    seaborn's "small" (10 pt)."""
    traj = paper_setting(0, T=0.5).run()
    fig = plots.summary_figure(traj)
    with Image.open(io.BytesIO(plots.png_bytes(fig))) as png:
        width_px, info = png.size[0], dict(png.info)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI
    assert float(info[plots.MIN_FONT_KEY]) >= 10
    plt.close(fig)


def _png_info(fig) -> tuple[int, dict]:
    with Image.open(io.BytesIO(plots.png_bytes(fig))) as png:
        return png.size[0], dict(png.info)


def test_figure6_has_a_panel_per_size_a_line_per_rate_and_one_legend():
    import pandas as pd

    rows = [{"num_last": n, "data.n_classes": 2 * n, "train.lr_Z": z, "axis.lr_ratio": r,
             "entropy": 2 - z / 10 + r / 50, "error": ""}
            for n in (1, 3, 5) for z in (0.5, 1.0) for r in (1, 2, 10) for _ in range(2)]
    fig = plots.scan_snap_entropy(pd.DataFrame(rows), 10)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3 and [len(ax.containers) for ax in axes] == [2, 2, 2]  # one errorbar line per eta_Z
    assert "K = 6" in axes[1].get_title() and len(fig.legends) == 1
    width_px, info = _png_info(fig)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI and float(info[plots.MIN_FONT_KEY]) >= 10


def test_figure6_bars_are_one_standard_deviation_over_seeds():
    """The bars are the seed standard deviation (ddof 1), the statistic of the authors' published bars, not the
    standard error: with four seeds the two differ by a factor 2."""
    import pandas as pd

    entropies = [1.0, 1.4, 1.1, 1.5]
    rows = [{"num_last": 3, "data.n_classes": 6, "train.lr_Z": 0.5, "axis.lr_ratio": r, "entropy": e + r / 10,
             "error": ""} for r in (1, 2) for e in entropies]
    fig = plots.scan_snap_entropy(pd.DataFrame(rows), 10)
    bars = fig.axes[0].containers[0].lines[2][0].get_segments()  # one vertical segment per ratio
    half_lengths = [(segment[1][1] - segment[0][1]) / 2 for segment in bars]
    np.testing.assert_allclose(half_lengths, np.std(entropies, ddof=1))
    plt.close(fig)


def test_markov_losses_draw_every_start_and_the_paper_line():
    curves = {name: np.full((3, 50), level) for name, level in (("a", 0.66), ("b", 0.63), ("c", 0.62))}
    fig = plots.markov_gpt_losses({"table": curves, "vector": curves}, 0.666, 0.619, paper_bigram=0.624)
    for ax in [ax for ax in fig.axes if ax.get_visible()]:
        levels = sorted(round(line.get_ydata()[0], 3) for line in ax.get_lines() if len(line.get_ydata()) == 2)
        assert levels == [0.619, 0.624, 0.666]  # unigram, bigram, and the paper's bigram line
        assert len([line for line in ax.get_lines() if line.get_linewidth() == 1.6]) == 3  # one mean per start
    plt.close(fig)
    too_many = {name: np.zeros((2, 5)) for name in "abcde"}
    with pytest.raises(ValueError, match="at most 4"):
        plots.markov_gpt_losses({"table": too_many}, 0.666, 0.619)


def test_the_transition_figure_marks_the_predicted_t0_in_every_panel():
    from cooccur.related import scan_snap as ss

    t = ss.log_grid(1000, points=30)
    series = {}
    for lr_Y in (1.0, 2.0):
        gain = np.log1p(np.log1p(t * lr_Y))
        mid, slope = ss.gain_slope(t, gain)
        series[lr_Y] = {"t": t, "gain": gain, "mid": mid, "slope": slope, "ratio_t": mid,
                        "z_over_y": np.full(mid.shape, 0.2), "t0": 50 / lr_Y, "decades": ss.decade_exponents(t, gain)}
    fig = plots.scan_snap_transition(series)
    assert len(fig.axes) == 4
    exponents = fig.axes[3].get_lines()[0].get_ydata()  # the first rate's per-decade exponents
    np.testing.assert_array_equal(exponents, [beta for *_, beta in series[1.0]["decades"]])
    assert len(exponents) == 2 and np.all((np.asarray(exponents) > 0.3) & (np.asarray(exponents) < 1.2))
    for ax in fig.axes:
        marked = {round(line.get_xdata()[0], 6) for line in ax.get_lines() if line.get_linestyle() == ":"}
        assert marked == {50.0, 25.0}
        assert ax.get_xlabel() and ax.get_ylabel()
    width_px, info = _png_info(fig)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI and float(info[plots.MIN_FONT_KEY]) >= 10


def test_width_orders_draws_a_curve_and_an_interval_per_statement():
    from cooccur import claims
    from cooccur.experiment import width_setting

    runs = [claims.Run(e, e.simulate()) for e in (width_setting(m, 0) for m in (32, 100, 320))]
    verdicts = claims.width_orders(runs)
    fig = plots.width_orders(runs, verdicts)
    left, right = fig.axes
    assert len(left.get_lines()) == len(claims.WIDTH_ORDERS)
    assert [t.get_text() for t in right.get_yticklabels()] == list(claims.WIDTH_ORDERS)
    width_px, info = _png_info(fig)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI and float(info[plots.MIN_FONT_KEY]) >= 10
    plt.close(fig)


def test_width_orders_draws_the_statements_it_is_given():
    from cooccur import claims
    from cooccur.experiment import t_star_setting

    runs = [claims.Run(e, e.simulate()).without_matrices() for e in (t_star_setting(m, 0) for m in (32, 100, 320))]
    verdicts = claims.width_orders(runs, orders=claims.T_STAR_ORDERS)
    fig = plots.width_orders(runs, verdicts, claims.T_STAR_ORDERS)
    left, right = fig.axes
    assert len(left.get_lines()) == len(claims.T_STAR_ORDERS)
    assert [t.get_text() for t in right.get_yticklabels()] == list(claims.T_STAR_ORDERS)
    plt.close(fig)


def test_margin_split_draws_both_parts_and_their_sum_per_panel():
    t = np.linspace(0.0, 10.0, 50)
    parts = np.stack([np.outer(t, np.ones(4)), np.outer(np.sqrt(t), np.ones(4))], axis=-1)  # (T, 4 samples, 2)
    fig = plots.margin_split({"n = 30": (t, parts, 1.0, 5.0), "n = 120": (t, parts, 1.5, np.nan)})
    first, second = fig.axes
    labels = [line.get_label() for line in first.get_lines()]
    assert labels[:3] == ["signal words ($\\mu_1$, $\\mu_3$)", "filler words", "margin $y_iF_i$"]
    np.testing.assert_allclose(first.get_lines()[2].get_ydata(), (t + np.sqrt(t))[1:])
    assert len(first.get_lines()) == 5 and len(second.get_lines()) == 4  # no T* line where it was not reached
    width_px, info = _png_info(fig)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI and float(info[plots.MIN_FONT_KEY]) >= 10
    plt.close(fig)


def test_attention_against_length_shows_the_ratio_to_the_prediction():
    L = [3, 4, 5]
    predictions = np.array([[3.0**-2.5], [4.0**-2.5], [5.0**-2.5]]) * np.ones((1, 2))
    rises = 0.3 * predictions
    fig = plots.attention_vs_length(L, rises, predictions, K=10.0)
    left, right = fig.axes
    assert "exponent -2.50" in left.get_lines()[0].get_label() and "exponent -2.50" in left.get_lines()[1].get_label()
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), 0.3)
    width_px, info = _png_info(fig)
    assert width_px <= (MAX_WIDTH_IN + 0.3) * plots.FIGURE_DPI and float(info[plots.MIN_FONT_KEY]) >= 10
    plt.close(fig)


def test_a_figure_of_one_seed_says_seed():
    from cooccur.plots.style import count

    assert (count(1, "seed"), count(0, "seed"), count(3, "seed")) == ("1 seed", "0 seeds", "3 seeds")
    trajs = [paper_setting(0, T=0.3).simulate()]
    fig = plots.rise_first({"theory": trajs})
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["theory, 1 seed"]
    plt.close(fig)
