"""What the chapter "Atlas" reads off its maps: premise summaries, the standout statements' reasons, the lazy share
by scale and T1's rate across the maps."""

import numpy as np
import pandas as pd
import pytest

from cooccur import atlas


def summary(rows):
    return pd.DataFrame(rows, columns=["claim", "runs_inside", "holds_inside", "runs_outside", "holds_outside",
                                       "by_construction", "causes"])


SUMMARIES = {
    "width": summary([("thm3.1", 10, 0.5, 5, 1.0, 0, "filler G (5)"), ("eq5", 0, np.nan, 0, np.nan, 12, ""),
                      ("thm3.2.margins", 10, 1.0, 2, 0.5, 0, ""), ("thm3.3.population", 10, 0.9, 0, np.nan, 0, "x")]),
    "length": summary([("thm3.1", 8, 0.25, 0, np.nan, 0, "filler G (6)"), ("eq5", 8, 1.0, 0, np.nan, 0, ""),
                       ("thm3.2.margins", 8, 1.0, 0, np.nan, 0, ""), ("thm3.3.population", 8, 1.0, 0, np.nan, 0, "")]),
}


def test_summary_readings_name_what_fails_inside_and_holds_outside():
    out = atlas.summary_readings(SUMMARIES, ["thm3.1", "eq5", "thm3.2.margins", "thm3.3.population"])
    numbers, texts = out.numbers, out.texts
    assert texts["width_fails_inside"] == "thm3.1, thm3.3.population" and numbers["width_n_fails_inside"] == 2
    assert texts["width_holds_outside"] == "thm3.1" and texts["length_holds_outside"] == "none"
    assert texts["both_fails_inside"] == "thm3.1"
    assert numbers["thm31_share_length"] == 0.25 and texts["thm31_reason_width"] == "filler G (5)"
    assert texts["margins_reason_width"].startswith("(none")
    assert out.recorded["width.thm3.1.runs_inside"] == 10 and len(out.recorded) == 2 * 4 * 3


def test_by_construction_needs_every_finished_run_of_a_map():
    tables = {"width": pd.DataFrame({"error": [""] * 12 + ["boom"]}), "length": pd.DataFrame({"error": [""] * 8})}
    assert atlas.by_construction(tables, SUMMARIES) == {"eq5"}


def test_the_fine_maps_cost_is_their_runs_at_this_builds_seconds_per_run():
    from cooccur.sweep import Sweep

    fine = Sweep.from_dict({"axes": {"model.m": [8, 16, 32]}, "seeds": [0, 1],
                            "base": {"data": {"n": 24, "L": 4, "d": 16}, "model": {"m1": 6}}})
    table = pd.DataFrame({"error": ["", "", "boom"], "wall_time": [2.0, 4.0, 100.0]})
    out = atlas.fine_cost({"width": fine}, {"width": table})
    assert out.numbers == {"fine_width_runs": 6}
    assert out.unrecorded == {"fine_width_core_minutes": 6 * 3.0 / 60}  # the failed run's time is not counted


def test_lazy_rows_and_the_rate_across_the_maps():
    s, m = np.meshgrid([0.1, 1.0, 3.0], [32.0, 320.0, 3200.0], indexing="ij")
    s, m = s.ravel(), m.ravel()
    width = pd.DataFrame({"axis.init_scale": s, "axis.model.m": m, "error": "", "T1": 2.0 / (s**2 * m),
                          "T1_x_rate": 30.0 * s**0, "premise.lazy_phase1": s < 2, "thm3.1.wa_sq_growth": 1 + s,
                          "thm3.1.VV_growth": 1.0, "model.m1": m, "data.L": 5})
    length = pd.DataFrame({"axis.data.n": [60, 120], "axis.data.L": [5, 5], "error": "", "T1_x_rate": [20.0, 40.0]})
    rows, shares = atlas.lazy_rows(width)
    assert [r["lazy Phase 1"] for r in rows] == ["100%", "100%", "0%"] and shares.recorded["width.lazy_share.s3"] == 0.0
    rate = atlas.rate_readings(width, length).numbers
    assert rate["t1_slope_scale"] == pytest.approx(-2.0) and rate["t1_slope_width"] == pytest.approx(-1.0)
    assert (rate["rate_mid_m"], rate["rate_mid_s"], rate["theory_scale"]) == (320.0, 1.0, 1.0)
    assert rate["t1m_min"] == pytest.approx(2.0) and rate["t1m_max"] == pytest.approx(2.0)
    assert (rate["length_product_min"], rate["length_product_max"]) == (20.0, 40.0)
    assert rate["t1m_rate_factor"] == pytest.approx(1.2)  # the figure's T1 x rate over T1 m at m1 = m, L = 5
    assert atlas.rate_over_m(width, 0.1) == pytest.approx(0.012)  # s^2 (1 + 1/L) at s = 0.1
    with pytest.raises(ValueError, match="rate / m differs"):
        atlas.rate_over_m(width.assign(**{"model.m1": 2 * m * (s > 1) + m}))


def test_the_maps_leave_out_what_holds_by_construction_on_every_run():
    from cooccur.claims import CLAIMS

    table = pd.DataFrame({"error": ["", ""]})
    summary = pd.DataFrame({"claim": list(CLAIMS), "by_construction": [2 if c == "eq5" else 0 for c in CLAIMS]})
    mapped, left_out = atlas.mapped_claims({"width": table}, {"width": summary})
    assert mapped == [c for c in CLAIMS if c != "eq5"] and left_out.texts == {"by_construction": "eq5"}
    summary["by_construction"] = 1  # on one run of two: still mapped
    assert atlas.mapped_claims({"width": table}, {"width": summary})[1].texts == {"by_construction": "none"}
