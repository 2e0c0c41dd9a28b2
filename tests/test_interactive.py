"""The interactive figures (cooccur.plots.interactive) and how the book glues them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("plotly")

from cooccur.experiment import paper_setting  # noqa: E402
from cooccur.plots.interactive import CURVE_POINTS, atlas_explorer, figure1_explorer  # noqa: E402


def sweep_table() -> pd.DataFrame:
    rows = []
    for s in (0.1, 1.0):
        for m in (32, 64):
            for seed in (0, 1):
                rows.append({"axis.init_scale": s, "axis.model.m": m, "axis.seed": seed, "error": "",
                             "T1": 1.0 / m, "a.holds": seed == 0 or s == 1.0, "a.premise_met": s == 1.0,
                             "b.holds": False, "b.premise_met": True})
    return pd.DataFrame(rows)


def test_the_atlas_explorer_shows_one_statement_at_a_time_with_its_cells_numbers():
    table = sweep_table()
    by, labels = ("axis.init_scale", "axis.model.m"), ("s", "m")
    fig = atlas_explorer({"map (i)": (table, by, labels), "map (i) again": (table, by, labels)}, ["a", "b"])
    assert len(fig.data) == 4 and [t.visible for t in fig.data] == [True, True, False, False]
    a = fig.data[0]
    assert a.y == ("0.1", "1") and a.x == ("32", "64")
    assert np.allclose(np.asarray(a.z, dtype=float), [[0.5, 0.5], [1.0, 1.0]])  # holds on seed 0 only at s = 0.1
    custom = np.asarray(a.customdata, dtype=float)
    assert np.allclose(custom[..., 0], 2) and np.allclose(custom[..., 1], [[0, 0], [1, 1]])
    assert np.allclose(custom[0, :, 2], [1 / 32, 1 / 64])  # the median T1 per cell
    assert "premises met" in a.hovertemplate and "median T1" in a.hovertemplate
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["a", "b"]
    assert buttons[1].args[0]["visible"] == [False, False, True, True]


def test_the_figure1_explorer_toggles_whole_seeds_and_keeps_curves_small():
    trajs = [paper_setting(seed, T=0.5, init="kaiming").simulate() for seed in (0, 1)]
    fig = figure1_explorer(trajs, seeds=[3, 7])
    entries = [t for t in fig.data if t.showlegend]
    assert [t.name for t in entries] == ["seed 3", "seed 7"]
    for seed in ("seed 3", "seed 7"):
        curves = [t for t in fig.data if t.legendgroup == seed and not t.showlegend]
        assert len(curves) == 8  # four score correlations and four sample types
        for t in curves:
            assert 0 < len(t.x) <= CURVE_POINTS + 2 and min(t.x) > 0 and seed in t.hovertemplate
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis2.type == "log"


def test_glue_interactive_loads_no_script_from_the_network(monkeypatch):
    from cooccur import report

    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display: glued.update({name: value}))
    report.glue_interactive("fig_x", atlas_explorer({"m": (sweep_table(), ("axis.init_scale", "axis.model.m"),
                                                           ("s", "m"))}, ["a"]))
    html = glued["fig_x"].data
    assert 'id="fig_x-plot"' in html and "Plotly.newPlot" in html
    assert "<script src" not in html and "cdn" not in html
