"""``scripts/build_book.py`` executes chapters side by side: each in its own process with its own results file, the
chapters of ``LAST`` after all the others, and a failing chapter stops the build with papermill's error."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
papermill = pytest.importorskip("papermill")  # the build executes chapters: the book extra
import build_book  # noqa: E402

# A chapter that logs when it ran and which results file it was given (named after the chapter by the build), in
# log_dir under that name: two chapters handed the same results file would overwrite one log.
CHAPTER = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
log_dir = ""
fail = ""

# %%
import json, os, time
from pathlib import Path
name = Path(os.environ["COOCCUR_RESULTS_FILE"]).stem
start = time.time()
time.sleep(2)
if name == fail:
    raise RuntimeError("this chapter fails")
(Path(log_dir) / f"{name}.json").write_text(json.dumps({"start": start, "end": time.time(),
                                                        "workers": os.environ.get("COOCCUR_WORKERS")}))
"""


@pytest.fixture
def pages(tmp_path, monkeypatch):
    """Three tiny chapters in tmp_path; the build's execution times go to tmp_path/build. (The workers are spawned
    and import build_book afresh: they see none of the test's patches, only the parameters.)"""
    monkeypatch.setattr(build_book, "BUILD", tmp_path / "build")
    monkeypatch.setattr(build_book, "CHAPTER_CACHE", tmp_path / "kept")
    monkeypatch.setattr(build_book, "RESULTS", tmp_path / "build" / "results")  # (in this process: jobs=1)
    monkeypatch.setenv("COOCCUR_CHAPTER_CACHE", str(tmp_path / "kept"))  # for the spawned workers
    (tmp_path / "build").mkdir()
    (tmp_path / "logs").mkdir()
    paths = [tmp_path / f"{name}.py" for name in ("a", "b", "reproducing")]
    for path in paths:
        path.write_text(CHAPTER)
    return paths


def test_two_jobs_run_chapters_side_by_side_and_the_last_after_all(pages, tmp_path):
    times = build_book.execute_all(pages, {"log_dir": str(tmp_path / "logs")}, jobs=2)
    log = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "logs").glob("*.json")}
    assert set(times) == set(log) == {"a", "b", "reproducing"}  # each chapter had a results file of its own
    assert list(json.loads((tmp_path / "build" / "execution-times.json").read_text())) == ["a", "b", "reproducing"]
    a, b, last = log["a"], log["b"], log["reproducing"]
    assert a["start"] < b["end"] and b["start"] < a["end"], "with two jobs, a and b run at the same time"
    assert last["start"] >= max(a["end"], b["end"]), "reproducing starts after every other chapter has ended"


def test_one_job_runs_them_in_turn(pages, tmp_path):
    build_book.execute_all(pages, {"log_dir": str(tmp_path / "logs")}, jobs=1)
    log = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "logs").glob("*.json")}
    assert log["a"]["end"] <= log["b"]["start"] and log["b"]["end"] <= log["reproducing"]["start"]


def test_a_failing_chapter_stops_the_build_before_the_last(pages, tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="this chapter fails"):
        build_book.execute_all(pages, {"log_dir": str(tmp_path / "logs"), "fail": "a"}, jobs=2)
    assert not (tmp_path / "logs" / "reproducing.json").exists()


def test_chapters_side_by_side_share_the_cores(pages, tmp_path, monkeypatch):
    """With two jobs on four cores each chapter runs its own runs on two workers (a chapter alone would start one
    per core, and two would oversubscribe the machine); the chapters after them get the machine back."""
    monkeypatch.delenv("COOCCUR_WORKERS", raising=False)
    monkeypatch.setattr(build_book.os, "cpu_count", lambda: 4)
    build_book.execute_all(pages, {"log_dir": str(tmp_path / "logs")}, jobs=2)
    log = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "logs").glob("*.json")}
    assert (log["a"]["workers"], log["b"]["workers"], log["reproducing"]["workers"]) == ("2", "2", None)
    monkeypatch.setenv("COOCCUR_WORKERS", "3")  # a reader's own choice is kept
    build_book.execute_all(pages, {"log_dir": str(tmp_path / "logs")}, jobs=2)
    assert json.loads((tmp_path / "logs" / "a.json").read_text())["workers"] == "3"


def test_a_chapter_whose_inputs_are_unchanged_is_reused_and_a_changed_one_executed(pages, tmp_path, capsys):
    params = {"log_dir": str(tmp_path / "logs")}

    def starts():
        return {p.stem: json.loads(p.read_text())["start"] for p in (tmp_path / "logs").glob("*.json")}

    build_book.execute_all(pages, params, jobs=1, fresh=False)
    first = starts()
    build_book.execute_all(pages, params, jobs=1, fresh=False)
    assert starts() == first and capsys.readouterr().out.count("reusing") == 3
    pages[0].write_text(CHAPTER + "\n# an edit\n")  # a's source changes: a runs again, b does not
    build_book.execute_all(pages, params, jobs=1, fresh=False)
    again = starts()
    assert again["a"] > first["a"] and again["b"] == first["b"]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sweep.yaml").write_text("seeds: [0]\n")  # a file in b's folder: b runs again
    build_book.execute_all(pages, params, jobs=1, fresh=False)
    assert starts()["b"] > again["b"]
    capsys.readouterr()
    build_book.execute_all(pages, {**params, "fail": "nothing"}, jobs=1, fresh=True)  # --fresh: everything runs
    assert "reusing" not in capsys.readouterr().out


def test_the_last_chapter_depends_on_the_others_numbers_and_its_own_inputs(pages, tmp_path, monkeypatch):
    last = pages[2]
    (tmp_path / "build" / "results").mkdir(parents=True)
    key = build_book.fingerprint(last, {})
    (tmp_path / "build" / "results" / "a.json").write_text('{"x": {"value": 1}}')
    assert build_book.fingerprint(last, {}) != key  # another chapter's numbers
    key = build_book.fingerprint(last, {})
    (tmp_path / "crosscheck.json").write_text("{}")  # next to the chapter, as book/crosscheck.json
    assert build_book.fingerprint(last, {}) != key
    (tmp_path / "other.yaml").write_text("x: 1\n")
    key = build_book.fingerprint(pages[0], {"sweep_file": "other.yaml"})
    (tmp_path / "other.yaml").write_text("x: 2\n")  # a file a parameter names, outside the chapter's folder
    assert build_book.fingerprint(pages[0], {"sweep_file": "other.yaml"}) != key


def test_a_reused_chapter_puts_back_the_files_its_page_offers_for_download(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build_book, "BUILD", tmp_path / "build")
    monkeypatch.setattr(build_book, "CHAPTER_CACHE", tmp_path / "kept")
    monkeypatch.setattr(build_book, "RESULTS", tmp_path / "build" / "results")
    (tmp_path / "build").mkdir()
    page = tmp_path / "a.py"
    page.write_text(CHAPTER.split("# %%\n")[0] + """# %%
import time
from pathlib import Path
from IPython.display import Markdown, display
Path("tables").mkdir(exist_ok=True)
Path("tables/t.csv").write_text(repr(time.time()))
display(Markdown("{download}`CSV <tables/t.csv>`"))
""")
    table = tmp_path / "tables" / "t.csv"
    build_book.execute_all([page], {}, jobs=1, fresh=False)
    written = table.read_text()
    table.unlink()
    build_book.execute_all([page], {}, jobs=1, fresh=False)
    assert "reusing" in capsys.readouterr().out
    assert table.read_text() == written  # the kept copy, not a new execution's
    kept = next((tmp_path / "kept").glob("a-*"))
    (kept / "downloads" / "0").unlink()  # kept without it: executed again
    build_book.execute_all([page], {}, jobs=1, fresh=False)
    assert "reusing" not in capsys.readouterr().out and table.read_text() != written
