"""Order statements over widths: the sweep runs every width, scale and seed and reads the verdicts per scale."""

import dataclasses

import numpy as np
import pytest

from cooccur import claims, orders
from cooccur.experiment import width_setting
from cooccur.readings import glue_key


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
    out = width.readings()
    numbers, texts = out.numbers, out.texts
    assert numbers["sweep_seeds"] == 1
    assert numbers["t1_rate_slope_half"] == width.scaling[half]["t1_scaling"].measured["slope"]
    m = np.array([32.0, 64.0, 128.0])
    assert numbers["slope_T1_predicted_fixed"] == pytest.approx(np.polyfit(np.log(m), np.log(1 / (m + 51.2)), 1)[0])
    assert texts["t1_rate_verdict_fixed"] == ("holds" if width.scaling[fixed]["t1_scaling"].holds else "fails")


def test_glue_key_and_scale_tag_make_the_names_the_chapters_quote():
    assert glue_key("sum <aw, aw>") == "sum_aw_aw" and glue_key("smallest C at T*") == "smallest_C_at_T"
    assert (orders.scale_tag(1.0), orders.scale_tag(0.3), orders.scale_tag(3)) == ("s1", "s0p3", "s3")


def test_readings_name_each_decided_verdict_and_leave_the_undecided_out(sweep):
    def verdict(holds, exponent, undecided=False):
        measured = {"exponent": exponent, "predicted": -1.0}
        detail = "holds" if holds else f"T1 fails: exponent {exponent} outside, by much"
        return claims.Verdict("T1", holds, True, measured, "m^-1", detail, undecided=undecided)

    fake = dataclasses.replace(sweep, orders={0.3: {"T1": verdict(False, -0.5, undecided=True)},
                                              1.0: {"T1": verdict(True, -1.02), "sum <aw, aw>": verdict(False, 0.7)}})
    out = fake.readings("order", fields=("exponent", "predicted"), outcome=True)
    assert out.numbers["order_m_min"] == 32 and out.numbers["order_m_max"] == 320
    assert out.numbers["order_s1_runs"] == 6 and out.numbers["order_s1_holding"] == 1
    assert {k: v for k, v in out.numbers.items() if "_T1_" in k or "_sum_" in k} == {
        "order_s1_T1_exponent": -1.02, "order_s1_T1_predicted": -1.0, "order_s1_T1_holds": 1,
        "order_s1_sum_aw_aw_exponent": 0.7, "order_s1_sum_aw_aw_predicted": -1.0, "order_s1_sum_aw_aw_holds": 0}
    assert out.texts == {"order_s1_T1_outcome": "holds", "order_s1_sum_aw_aw_outcome": "fails, exponent 0.7 outside"}
