"""The results manifest: tolerance classes, the comparison of a build's numbers with the committed reference, and
the per-class moves that the crosscheck prints."""

import json
import math
import sys
from pathlib import Path

import pytest

from cooccur import report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import results  # noqa: E402  (scripts/results.py)

RUN = {
    "phase1::T1": {"value": 0.165, "class": "float64"},
    "phase1::rise_small": {"value": 10, "class": "exact"},
    "phase2::loss_end": {"value": 3.99e-05, "class": "float64"},
    "setup::nan_value": {"value": None, "class": "float64"},
    "markov::final": {"value": 0.642, "class": "trained"},
    "markov::mean_final": {"value": 0.65, "class": "seed-statistic", "se": 0.004, "k": 3.0},
}


def changed(key, value):
    return {**RUN, key: {**RUN[key], "value": value}}


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "reference.json"
    results.write_reference(RUN, path)
    return path


def test_every_number_names_its_class_tolerance_and_reason(reference):
    numbers = json.loads(reference.read_text())["numbers"]
    assert set(numbers) == set(RUN)
    for key, entry in numbers.items():
        assert entry["class"] == RUN[key]["class"] and entry["why"]
    assert numbers["phase1::rise_small"]["rel_tol"] == 0 and "count" in numbers["phase1::rise_small"]["why"]
    assert numbers["phase1::T1"]["rel_tol"] == results.CLASSES["float64"].rel_tol
    assert numbers["markov::final"]["rel_tol"] == results.CLASSES["trained"].rel_tol
    # a seed statistic's tolerance is k standard errors, written with the number
    assert numbers["markov::mean_final"]["abs_tol"] == pytest.approx(3 * 0.004)
    assert "SE = 0.004" in numbers["markov::mean_final"]["why"]


def test_no_class_is_looser_than_one_part_in_a_million():
    for name in ("float64", "trained"):
        assert 0 < results.CLASSES[name].rel_tol <= 1e-6


def test_identical_run_passes_and_prints_a_table(reference, capsys):
    assert results.compare(dict(RUN), reference)
    out = capsys.readouterr().out
    assert "phase1::T1" in out and "manifest: 6 passed, 0 failed" in out


def _edge(key):
    cls = results.CLASSES[RUN[key]["class"]]
    return RUN[key]["value"] * cls.rel_tol


@pytest.mark.parametrize(
    ("key", "offset", "passes"),
    [
        ("phase1::T1", lambda: 0.9 * _edge("phase1::T1"), True),  # float64: just inside its tolerance
        ("phase1::T1", lambda: 1.1 * _edge("phase1::T1"), False),  # just outside
        ("markov::final", lambda: 0.9 * _edge("markov::final"), True),  # trained: just inside rel 1e-7
        ("markov::final", lambda: 1.1 * _edge("markov::final"), False),
        ("markov::mean_final", lambda: 0.99 * 3 * 0.004, True),  # seed statistic: inside 3 SE
        ("markov::mean_final", lambda: 1.01 * 3 * 0.004, False),  # outside
        ("phase1::rise_small", lambda: 1, False),  # exact: any change fails
        ("phase1::rise_small", lambda: 0, True),
    ],
)
def test_each_class_applies_its_tolerance(reference, key, offset, passes, capsys):
    run = changed(key, RUN[key]["value"] + offset())
    assert results.compare(run, reference) is passes
    assert ("FAIL" in capsys.readouterr().out) is not passes


@pytest.mark.parametrize(
    "run",
    [
        changed("phase2::loss_end", None),  # a number that became NaN
        changed("setup::nan_value", 1.0),  # a NaN that became a number
        {**RUN, "phase3::new": {"value": 1.0, "class": "float64"}},  # a number the reference does not know
    ],
)
def test_numbers_appearing_or_vanishing_fail(reference, run, capsys):
    assert not results.compare(run, reference)


def test_missing_number_fails(reference, capsys):
    run = dict(RUN)
    del run["phase2::loss_end"]
    assert not results.compare(run, reference)
    assert "missing from this run" in capsys.readouterr().out


def test_a_partial_run_is_compared_on_its_chapters_only(reference, capsys):
    run = {k: v for k, v in RUN.items() if k.startswith("markov::")}
    assert results.compare(run, reference, only_chapters={"markov"})
    assert not results.compare(run, reference)  # the other chapters' numbers are missing


def test_moves_are_fractions_of_each_tolerance(reference):
    half = 0.5 * results.CLASSES["float64"].rel_tol
    run = changed("phase1::T1", 0.165 * (1 + half))
    twice = 2 * results.CLASSES["trained"].rel_tol
    run = {**run, "markov::final": {**RUN["markov::final"], "value": 0.642 * (1 + twice)}}
    table = results.moves(run, reference)
    assert table["float64"]["entries"] == 3 and table["float64"]["moved"] == 1
    assert table["float64"]["largest"] == pytest.approx(0.5, rel=1e-3)
    assert table["float64"]["largest_rel"] == pytest.approx(half, rel=1e-3)
    assert table["float64"]["which"] == "phase1::T1" and table["float64"]["failed"] == 0
    assert table["trained"]["largest"] == pytest.approx(2.0, rel=1e-3) and table["trained"]["failed"] == 1
    assert table["exact"] == {"entries": 1, "moved": 0, "largest": 0.0, "largest_rel": 0.0,
                              "which": "phase1::rise_small", "failed": 0}
    assert math.isinf(results.moves(changed("phase1::rise_small", 11), reference)["exact"]["largest"])


def test_collect_prefixes_the_chapter(tmp_path):
    (tmp_path / "phase1.json").write_text(json.dumps({"T1": {"value": 0.1, "class": "float64"}}))
    (tmp_path / "setup.json").write_text(json.dumps({"count": {"value": 3, "class": "exact"}}))
    assert results.collect(tmp_path) == {"phase1::T1": {"value": 0.1, "class": "float64"},
                                         "setup::count": {"value": 3, "class": "exact"}}


def test_record_writes_value_and_class(tmp_path, monkeypatch):
    target = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(target))
    report.record("count", 3)
    report.record("T1", 0.5)
    report.record("final", 0.64, "trained")
    report.record("lost", math.nan)
    report.record("mean", 0.6, "seed-statistic", se=0.01, k=2.0)
    assert json.loads(target.read_text()) == {
        "count": {"value": 3, "class": "exact"}, "T1": {"value": 0.5, "class": "float64"},
        "final": {"value": 0.64, "class": "trained"}, "lost": {"value": None, "class": "float64"},
        "mean": {"value": 0.6, "class": "seed-statistic", "se": 0.01, "k": 2.0}}


@pytest.mark.parametrize(("value", "kind", "message"), [
    (0.5, "exact", "must be an integer"),
    (0.5, "rounded", "tolerance class"),
])
def test_record_refuses_a_bad_class(tmp_path, monkeypatch, value, kind, message):
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(tmp_path / "chapter.json"))
    with pytest.raises(ValueError, match=message):
        report.record("x", value, kind)


def test_glue_statistic_records_mean_and_standard_error(tmp_path, monkeypatch):
    pytest.importorskip("myst_nb")
    target = tmp_path / "chapter.json"
    monkeypatch.setenv("COOCCUR_RESULTS_FILE", str(target))
    mean, se = report.glue_statistic("final", [0.60, 0.64, 0.68], k=3.0)
    entry = json.loads(target.read_text())["final"]
    assert mean == pytest.approx(0.64) and entry["value"] == pytest.approx(0.64) and se == entry["se"]
    assert entry["class"] == "seed-statistic" and entry["k"] == 3.0
    assert entry["se"] == pytest.approx(0.04 / math.sqrt(3))  # sample SD 0.04 over sqrt(3)
    with pytest.raises(ValueError, match="at least two"):
        report.glue_statistic("one", [0.6])


#: The margins the manifest's reasons claim: each tolerance is at least this many times the largest move measured.
MARGIN = {"float64": 8, "trained": 1000}


def test_committed_crosscheck_backs_each_tolerance_by_its_stated_margin():
    """The reasons in the manifest say each real-number tolerance is at least :data:`MARGIN` times the largest move
    measured by `make crosscheck` under other kernels; the recorded crosscheck (book/crosscheck.json) must bear that
    out, with no failure, no exact number changed, and the chapters that train torch models among those checked."""
    summary = json.loads((ROOT / "book" / "crosscheck.json").read_text())
    classes = json.loads((ROOT / "book" / "reference-results.json").read_text())["classes"]
    covered = set()
    for setting, run in summary["settings"].items():
        assert run["passed"], setting
        covered |= set(run["chapters"])
        for name, row in run["classes"].items():
            assert row["failed"] == 0, (setting, name)
            if name == "exact":
                assert row["moved"] == 0, (setting, row["which"])
            elif name in MARGIN:
                assert row["largest_rel"] * MARGIN[name] <= classes[name]["rel_tol"], (setting, name, row)
    assert {"markov", "scan_snap"} <= covered
    assert {"avx2", "baseline"} <= set(summary["settings"])
