"""What the Phase-1 chapter reads off its runs: each reading is the verdict's number under the prose's name."""

import numpy as np
import pytest

from cooccur import claims, measures, phase1
from cooccur.experiment import paper_setting, premise_setting
from cooccur.runs import runs_of


@pytest.fixture(scope="module")
def one_seed():
    runs = dict(zip(("paper", "premise"), runs_of([paper_setting(0, T=3.0), premise_setting(0, T=3.0)])))
    return runs, {name: claims.check_all(r.experiment, r.traj) for name, r in runs.items()}


def test_seed_readings_are_the_verdicts_numbers_under_the_prose_names(one_seed):
    runs, verdicts = one_seed
    out = phase1.seed_readings(runs, verdicts)
    for name, run in runs.items():
        assert out.numbers[f"T1_{name}"] == run.traj.T1
        for claim, names in phase1.MEASURED.items():
            for glue, key in names.items():  # every name the prose quotes is measured on these runs: no NaN stand-in
                assert out.numbers[f"{glue}_{name}"] == verdicts[name][claim].measured[key]
    traj = runs["paper"].traj
    lower, _ = measures.sandwich_ratios(traj)
    assert out.numbers["lower_last_paper"] == lower[np.flatnonzero(traj.t < traj.T1)[-1]]
    assert out.numbers["K"] == claims.ORDER_CONSTANT and np.all(np.isfinite(list(out.numbers.values())))
    assert set(phase1.CLAIMS) <= set(verdicts["paper"])
    for moved, bound in phase1.THM31_ROWS.values():  # every row of the table names numbers the verdict has
        assert {moved, bound} <= set(verdicts["paper"]["thm3.1"].measured)


def test_rise_first_reads_lemma_4_2_under_four_initialisations():
    study = phase1.rise_first(1, 3.0)
    assert list(study.runs) == list(phase1.initialisations(1, 3.0))
    out = study.readings()
    assert out.numbers["n_seeds"] == 1
    assert out.numbers["rise_kaiming"] == study.summary["Kaiming"]["rise"]
    assert out.numbers["sandwich_premise_seeds"] == int(claims.lemma4_3(study.runs["premise setting"][0]).holds)
    rows = study.rows()
    assert [r["initialisation"] for r in rows] == list(study.runs)
    assert rows[3]["Lemma 4.2 holds"] == f"{study.summary['premise setting']['held']} of 1"


def test_width_orders_read_the_decades_and_each_verdict():
    sweep, out = phase1.width_orders([32, 100, 320], [1.0], 1)
    assert out.numbers["order_decades"] == pytest.approx(1.0)
    assert out.numbers["order_statements"] == len(claims.WIDTH_ORDERS) and out.numbers["order_s1_runs"] == 3
    decided = [name for name, v in sweep.orders[1.0].items() if not v.undecided]
    assert decided and all(f"order_s1_{name.replace(' ', '_')}_holds" in out.numbers
                           for name in decided if name.replace(" ", "_").isidentifier())
