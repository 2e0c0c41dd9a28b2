"""Order statements over widths: the sweep runs every width, scale and seed and reads the verdicts per scale."""

import numpy as np
import pytest

from cooccur import claims, orders
from cooccur.experiment import width_setting


@pytest.fixture(scope="module")
def sweep():
    return orders.order_sweep(width_setting, [32, 100, 320], [0.3, 1.0], 2)


def test_the_sweep_runs_every_width_scale_and_seed(sweep):
    assert set(sweep.runs) == {0.3, 1.0} and sweep.main_scale == 1.0
    runs = sweep.runs[0.3]
    assert sorted((r.m, r.experiment.model.seed) for r in runs) == [(m, s) for m in (32, 100, 320) for s in (0, 1)]
    assert {r.experiment.model.init_scale for r in runs} == {0.3}
    assert runs[0].traj.A.shape[0] == 1  # kept without its records
    np.testing.assert_array_equal(sweep.widths, [32, 32, 100, 100, 320, 320])
    assert set(sweep.orders[1.0]) == set(claims.WIDTH_ORDERS)
    assert sweep.orders[1.0]["T1"].measured == claims.width_orders(sweep.main_runs)["T1"].measured


def test_counts_name_each_scale(sweep):
    counts = sweep.counts("order")
    assert counts["order_s0p3_runs"] == 6 and counts["order_s1_runs"] == 6
    assert counts["order_s1_holding"] == sum(v.holds for v in sweep.orders[1.0].values())
    assert 0 <= counts["order_s0p3_lazy_runs"] <= 6 and "order_s1_reached" not in counts
    assert orders.scale_tag(0.3) == "s0p3" and orders.scale_tag(3.0) == "s3"


def test_without_1_the_first_scale_is_the_main_one():
    sweep = orders.order_sweep(width_setting, [32, 100, 320], [3.0], 1)
    assert sweep.main_scale == 3.0 and len(sweep.main_runs) == 3


def test_the_width_series_run_both_settings_and_name_their_numbers():
    width = orders.width_series([32, 64, 128], 1, T=3.0)
    half, fixed = orders.WIDTH_SERIES
    assert [g[0].m1 for g in width.series[half]] == [16, 32, 64]
    assert [g[0].m1 for g in width.series[fixed]] == [256] * 3
    first = width.series[half][0][0].experiment
    assert first.data.distinct_fillers and first.model.init == "theory"
    numbers, texts = width.numbers(), width.texts()
    assert numbers["t1_rate_slope_half"] == width.scaling[half]["t1_scaling"].measured["slope"]
    m = np.array([32.0, 64.0, 128.0])
    assert numbers["slope_T1_predicted_fixed"] == pytest.approx(np.polyfit(np.log(m), np.log(1 / (m + 51.2)), 1)[0])
    assert texts["t1_rate_verdict_fixed"] == ("holds" if width.scaling[fixed]["t1_scaling"].holds else "fails")
