"""The book helpers: tables and the results manifest."""

import json
from pathlib import Path

import pytest

from cooccur import claims, report
from cooccur.experiment import premise_setting


def test_verdict_table_has_a_premise_column_and_records_each_verdict(tmp_path, monkeypatch):
    results = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(results))
    exp = premise_setting(0, T=3.0)
    verdicts = claims.check_all(exp, exp.simulate())
    table = report.verdict_table({"premise": verdicts}, ["lemma4.1", "thm3.3.loss"], prefix="x")
    header, rule, *rows = table.splitlines()
    assert "premises met" in header and len(rows) == 2
    # the loss is not below 1/m by t = 3, long before m T1: too short a run to decide
    assert rows[1].startswith("| `thm3.3.loss` | undecided | yes |")
    assert "<details><summary>prediction</summary>training loss <= 1/m" in rows[1]
    recorded = json.loads(results.read_text())
    assert recorded["x.premise.thm3.3.loss.undecided"] == {"value": 1, "class": "exact"}
    assert "x.premise.thm3.3.loss.holds" not in recorded
    assert recorded["x.premise.lemma4.1.premise_met"] == {"value": 1, "class": "exact"}
    failing = claims.Verdict("thm3.3.loss", False, True, detail="fails: not below 1/m by m T1")
    table = report.verdict_table({"premise": {"thm3.3.loss": failing}}, prefix="y")
    assert table.splitlines()[2] == "| `thm3.3.loss` | **no** | yes | fails: not below 1/m by m T1 |"
    both = report.verdict_table({"a": {"thm3.3.loss": failing}, "b": {"thm3.3.loss": failing}})
    assert both.splitlines()[0] == "| statement | holds | premises met | setting | measured |"
    assert both.splitlines()[3].startswith("| `thm3.3.loss` | **no** | yes | b |")
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


def _order_verdict(claim: str, holds: bool, exponent: float, undecided: bool = False, premise: bool = True):
    from cooccur.claims import Verdict

    measured = {"exponent": exponent, "low": exponent - 0.1, "high": exponent + 0.1, "predicted": -1.0,
                "delta_needed": 0.25}
    detail = "holds" if holds else f"{claim} fails: exponent {exponent} outside, by much"
    return Verdict(claim, holds and not undecided, premise, measured, "m^-1", detail, undecided=undecided)


def test_order_table_has_a_row_per_statement_and_one_for_the_premises():
    from cooccur.claims import WIDTH_ORDERS

    names = ["T1", "filler G"]
    orders = {1.0: {"T1": _order_verdict("T1", True, -1.02), "filler G": _order_verdict("G", False, 0.4)},
              3.0: {"T1": _order_verdict("T1", True, -0.98, premise=False),
                    "filler G": _order_verdict("G", True, 0.0, undecided=True)}}
    lines = report.order_table(orders, 1.0, {name: WIDTH_ORDERS[name] for name in names}).splitlines()
    assert len(lines) == 2 + len(names) + 1
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["statement", "kind", "a", "s = 1", "s = 3", "holds for delta >= (s = 1)",
                      "of its order at t = 0"]
    assert "| T1 | Theta | -1.00 | yes: -1.02 [-1.12, -0.92] | yes: -0.98 [-1.08, -0.88] | 0.25 | no |" == lines[2]
    assert "**no**: 0.40 [0.30, 0.50]" in lines[3] and "undecided" in lines[3] and lines[3].endswith("| yes |")
    assert lines[4].startswith("| premises") and "| yes | **no** |" in lines[4]


def test_margin_rule_and_structure_tables():
    from cooccur.claims import Verdict

    lines = report.margin_rule_table({0.0: {"paper": 1, "premise": 0}, 0.5: {"paper": 3, "premise": 3}},
                                     {"paper": 3, "premise": 3}).splitlines()
    assert lines[2] == "| c = 0 | 1 of 3 | 0 of 3 |" and lines[3] == "| c = 0.5 | 3 of 3 | 3 of 3 |"
    m = {"C12": 1e-3, "C21": 2e-3, "C31": -1e-3, "C32": -3e-3, "min_C_over_prediction": 0.5,
         "max_C_over_prediction": 1.5, "max_filler": 1e-4, "core_over_filler": 10.0, "predicted_ratio": 8.0}
    row = report.structure_table({"premise": Verdict("thm3.3.structure", True, True, m)}).splitlines()[2]
    assert row == "| premise | 1.00e-03 | 2.00e-03 | -1.00e-03 | -3.00e-03 | 0.50 to 1.50 | 1.00e-04 | 10.00 | 8.00 |"


def test_an_order_table_at_t_star_compares_each_cell_with_its_own_prediction():
    from cooccur.claims import T_STAR_ORDERS

    orders = {1.0: {name: _order_verdict(name, True, -1.5) for name in T_STAR_ORDERS},
              3.0: {name: _order_verdict(name, False, -1.2) for name in T_STAR_ORDERS}}
    lines = report.order_table(orders, 1.0, T_STAR_ORDERS, per_scale_prediction=True).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == ["statement", "s = 1", "s = 3",
                                                                   "holds for delta >= (s = 1)"]
    assert lines[2] == ("| smallest C at T* | yes: -1.50 [-1.60, -1.40] against -1.00 | **no**: -1.20 [-1.30, -1.10] "
                        "against -1.00 | 0.25 |")
    assert lines[-1] == "| premises (Condition 1, lazy Phase 1) on every run | yes | yes |  |"


def test_glue_readings_records_each_part_under_its_tolerance_class(tmp_path, monkeypatch):
    from cooccur.readings import Readings

    results = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(results))
    report.glue_readings(Readings({"count": 3, "ratio": 0.25}, {"mean": [1.0, 2.0, 3.0]}, {"verb": "gives"},
                                  {"seconds": 9.5}, {"map.cell": 0.75}))
    recorded = json.loads(results.read_text())
    assert recorded["count"] == {"value": 3, "class": "exact"}
    assert recorded["ratio"] == {"value": 0.25, "class": "float64"}
    assert recorded["mean"]["class"] == "seed-statistic" and recorded["mean"]["value"] == 2.0
    assert recorded["mean"]["se"] == pytest.approx(1 / 3**0.5)
    assert recorded["map.cell"] == {"value": 0.75, "class": "float64"}
    assert set(recorded) == {"count", "ratio", "mean", "map.cell"}  # texts are not numbers; wall-clock time stays out


def test_downloads_writes_the_csv_beside_the_parquet_and_links_both(tmp_path, monkeypatch):
    import nbformat
    import pandas as pd

    from cooccur.chapters import downloads_of

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    pd.DataFrame({"seed": [0, 1], "T1": [0.5, 0.25]}).to_parquet("out/w.parquet")
    markdown = report.downloads({"map (i)": Path("out") / "w.parquet"})
    assert "{download}`Parquet <out/w.parquet>`" in markdown and "{download}`CSV <out/w.csv>`" in markdown
    assert "(2 runs)" in markdown
    assert pd.read_csv("out/w.csv").equals(pd.read_parquet("out/w.parquet"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", data={"text/markdown": markdown})])])
    nbformat.write(notebook, tmp_path / "n.ipynb")
    assert downloads_of(tmp_path / "n.ipynb") == ["out/w.parquet", "out/w.csv"]
