"""The results manifest: the comparison of a build's numbers with the committed reference."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("results", ROOT / "scripts" / "results.py")
results = importlib.util.module_from_spec(spec)
spec.loader.exec_module(results)

RUN = {"phase1::T1": 0.165, "phase1::rise_small": 10, "phase2::loss_end": 3.99e-05, "setup::nan_value": None}


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "reference.json"
    results.write_reference(RUN, path)
    return path


def test_reference_has_a_tolerance_and_a_reason_for_every_number(reference):
    numbers = json.loads(reference.read_text())["numbers"]
    assert set(numbers) == set(RUN)
    assert numbers["phase1::rise_small"]["rel_tol"] == 0 and "count" in numbers["phase1::rise_small"]["why"]
    assert numbers["phase1::T1"]["rel_tol"] == results.REL_TOL and numbers["phase1::T1"]["why"]


def test_identical_run_passes_and_prints_a_table(reference, capsys):
    assert results.compare(dict(RUN), reference)
    out = capsys.readouterr().out
    assert "phase1::T1" in out and "manifest: 4 passed, 0 failed" in out


@pytest.mark.parametrize(
    ("change", "passes"),
    [
        ({"phase1::T1": 0.165 * (1 + 1e-9)}, True),  # rounding-level difference
        ({"phase1::T1": 0.165 * (1 + 1e-4)}, False),  # a real change
        ({"phase1::rise_small": 9}, False),  # a count is exact
        ({"phase2::loss_end": None}, False),  # a number that became NaN
        ({"phase3::new": 1.0}, False),  # a number the reference does not know
    ],
)
def test_changes_are_judged_by_the_tolerance(reference, change, passes, capsys):
    assert results.compare({**RUN, **change}, reference) is passes
    assert ("FAIL" in capsys.readouterr().out) is not passes


def test_missing_number_fails(reference, capsys):
    run = dict(RUN)
    del run["phase2::loss_end"]
    assert not results.compare(run, reference)
    assert "missing from this run" in capsys.readouterr().out


def test_collect_prefixes_the_chapter(tmp_path):
    (tmp_path / "phase1.json").write_text(json.dumps({"T1": 0.1}))
    (tmp_path / "setup.json").write_text(json.dumps({"count": 3}))
    assert results.collect(tmp_path) == {"phase1::T1": 0.1, "setup::count": 3}
