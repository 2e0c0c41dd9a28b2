"""The book helpers: tables and the results manifest."""

import json

import pytest

from cooccur import claims, report
from cooccur.experiment import premise_setting


def test_verdict_table_has_a_premise_column_and_records_each_verdict(tmp_path, monkeypatch):
    results = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(results))
    exp = premise_setting(0, T=3.0)
    verdicts = claims.check_all(exp)
    table = report.verdict_table({"premise": verdicts}, ["lemma4.1", "thm3.3.loss"], prefix="x")
    header, rule, *rows = table.splitlines()
    assert "premises met" in header and len(rows) == 2
    # the loss is not below 1/m by t = 3, long before m T1: too short a run to decide
    assert rows[1].startswith("| `thm3.3.loss` | premise | yes | undecided |")
    recorded = json.loads(results.read_text())
    assert recorded["x.premise.thm3.3.loss.undecided"] == {"value": 1, "class": "exact"}
    assert "x.premise.thm3.3.loss.holds" not in recorded
    assert recorded["x.premise.lemma4.1.premise_met"] == {"value": 1, "class": "exact"}
    failing = claims.Verdict("thm3.3.loss", False, True, detail="fails: not below 1/m by m T1")
    table = report.verdict_table({"premise": {"thm3.3.loss": failing}}, prefix="y")
    assert table.splitlines()[2].startswith("| `thm3.3.loss` | premise | yes | **no** |")
    assert json.loads(results.read_text())["y.premise.thm3.3.loss.holds"] == {"value": 0, "class": "exact"}


def test_count_table_leaves_undecided_verdicts_out_of_the_counts():
    runs = [{"c": claims.Verdict("c", True, True)}, {"c": claims.Verdict("c", False, True)},
            {"c": claims.Verdict("c", False, True, undecided=True)}]
    assert "| `c` | 2 / 1 of 2 (1 undecided) |" in report.count_table({"s": runs}, ["c"])
    with pytest.raises(ValueError, match="undecided verdict neither holds"):
        claims.Verdict("c", True, True, undecided=True)


def test_a_wall_clock_number_is_glued_but_kept_out_of_the_manifest(tmp_path, monkeypatch):
    from cooccur.report import glue_number

    results = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(results))
    glue_number("T1", 0.5)
    glue_number("seconds", 12.3, manifest=False)
    glue_number("final", 0.64, kind="trained")
    assert json.loads(results.read_text()) == {"T1": {"value": 0.5, "class": "float64"},
                                               "final": {"value": 0.64, "class": "trained"}}


def test_premise_summary_table_shows_inside_outside_and_why():
    import pandas as pd

    from cooccur.report import premise_summary_table

    summary = pd.DataFrame([
        {"claim": "thm3.1", "runs_inside": 60, "holds_inside": 0.5, "runs_outside": 15, "holds_outside": 0.0,
         "fails_inside_at": "model.m=32, init_scale=0.1", "reason": "filler G"},
        {"claim": "eq5", "runs_inside": 75, "holds_inside": 1.0, "runs_outside": 0, "holds_outside": float("nan"),
         "fails_inside_at": "", "reason": ""},
    ])
    lines = premise_summary_table(summary).splitlines()
    assert len(lines) == 4
    assert lines[2] == "| `thm3.1` | 60, 50% | 15, 0% | model.m=32, init_scale=0.1 | filler G |"
    assert lines[3] == "| `eq5` | 75, 100% | 0 | - | - |"


def test_a_verdict_by_construction_is_shown_and_never_counted(tmp_path, monkeypatch):
    import pandas as pd

    from cooccur.claims import Verdict
    from cooccur.report import count_table, premise_summary_table, verdict_table

    results = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(results))
    built = Verdict("eq5", True, True, {"relative_error": 1e-9}, "an equation", "by construction", by_construction=True)
    tested = Verdict("eq5", False, True, {"relative_error": 0.1}, "within 1e-3", "off")
    table = count_table({"flow": [{"eq5": built}] * 3, "descent": [{"eq5": tested}, {"eq5": built}]}, ["eq5"],
                        prefix="p")
    assert table.splitlines()[2] == "| `eq5` | by construction | 1 / 0 of 1 |"
    assert json.loads(results.read_text()) == {"p.descent.eq5.holds_seeds": {"value": 0, "class": "exact"}}
    assert "| by construction |" in verdict_table({"flow": {"eq5": built}}, prefix="v")
    assert "v.flow.eq5.holds" not in json.loads(results.read_text())
    summary = pd.DataFrame([{"claim": "eq5", "runs_inside": 0, "holds_inside": float("nan"), "runs_outside": 0,
                             "holds_outside": float("nan"), "fails_inside_at": "", "reason": "", "by_construction": 9}])
    assert "holds by construction on these runs: not counted" in premise_summary_table(summary)


def test_config_table_shows_what_differs_and_folds_the_rest():
    from cooccur.experiment import Experiment, paper_setting

    text = report.config_table({"paper": paper_setting(0), "premise": premise_setting(0)})
    short, full = text.split("<details>")
    n_fields = len(Experiment().flat())
    assert f"All {n_fields} fields" in full and full.count("\n| `") == n_fields
    # the short table: the fields that differ between the two (bold) or from the defaults, and no other
    assert "| `data.distinct_fillers` | **False** | **True** | False |" in short
    assert "| `sim.method` | gram | gram | euler |" in short  # equal in both, not the default
    assert "`model.m` " not in short and "`data.n` " not in short
    assert "library's default" in report.config_table({"default": Experiment()}).split("<details>")[0]


def test_rows_table_formats_each_column_and_escapes_bars():
    from cooccur.report import rows_table

    table = rows_table([{"rate": 0.5, "t0": 193.13, "note": "a | b"}, {"rate": 2, "t0": 48.28, "note": "c"}],
                       {"t0": ".0f"})
    assert table.splitlines() == ["| rate | t0 | note |", "|---|---|---|", "| 0.5 | 193 | a \\| b |", "| 2 | 48 | c |"]
    assert rows_table([]) == ""
