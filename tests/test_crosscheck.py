"""The crosscheck's kernel settings take effect, a setting that does not is reported, and short trained runs under
two kernel settings stay within the manifest's ``trained`` class (``scripts/crosscheck.py``, ``scripts/results.py``).
"""

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
pytest.importorskip("papermill")  # crosscheck executes chapters: the book extra
import crosscheck  # noqa: E402
import results  # noqa: E402

x86 = pytest.mark.skipif(platform.machine() != "x86_64", reason="the settings imitate x86-64 machines")


#: every variable a setting sets: a machine may set one for good (an OPENBLAS_CORETYPE in its profile, say)
SETTING_KEYS = {key for setting in crosscheck.SETTINGS.values() for key in setting}


def own_environment() -> dict[str, str]:
    """This process's environment without any kernel-setting variable: the machine's own kernels."""
    return {key: value for key, value in os.environ.items() if key not in SETTING_KEYS}


@pytest.fixture(scope="module")
def native():
    return crosscheck.probe(own_environment())


@pytest.fixture
def own_kernels(monkeypatch):
    """Run the test with this machine's own kernels: no kernel-setting variable in the environment."""
    for key in SETTING_KEYS:
        monkeypatch.delenv(key, raising=False)


def _needs(native, setting):
    """Skip when this machine's own kernels are no wider than the setting's (nothing to imitate)."""
    if native["torch"] in ("DEFAULT", crosscheck.EXPECTED[setting]["torch"]) and setting == "avx2":
        pytest.skip("this machine has no AVX-512: the avx2 setting is its own kernels")


@x86
@pytest.mark.parametrize("setting", list(crosscheck.SETTINGS))
def test_each_setting_takes_effect_in_a_fresh_process(native, setting):
    _needs(native, setting)
    env = {**own_environment(), **crosscheck.SETTINGS[setting]}
    expected = dict(crosscheck.EXPECTED[setting])
    if native["mkl"] is None:  # MKL names its instruction set on Intel processors only
        expected["mkl"] = None
    assert crosscheck.probe(env) == expected
    problems, same, unseen = crosscheck.check_setting(setting, env, native)
    assert problems == [] and "torch" not in same
    assert unseen == ([] if native["mkl"] else ["mkl"])


def test_a_library_that_names_no_kernels_here_is_unconfirmed_not_a_problem(monkeypatch):
    """On a processor where MKL's banner names no instruction set (any non-Intel one), natively and under the
    setting, MKL is reported as unconfirmed; where it names one natively but none under the setting, as a
    problem."""
    import kernels

    native = {"torch": "AVX512", "mkl": None, "openblas": "Zen", "numpy": "AVX512_ICL"}
    under = {"torch": "AVX2", "mkl": None, "openblas": "Haswell", "numpy": "X86_V3"}
    monkeypatch.setattr(kernels, "probe", lambda env: dict(under))
    assert kernels.check_setting("avx2", {}, native) == ([], [], ["mkl"])
    problems, same, unseen = kernels.check_setting("avx2", {}, {**native, "mkl": "AVX512"})
    assert unseen == [] and len(problems) == 1 and "mkl reports None, expected 'AVX2'" in problems[0]


@x86
def test_a_setting_that_does_not_take_effect_is_reported(native):
    _needs(native, "avx2")
    env = {**own_environment(), **crosscheck.SETTINGS["avx2"]}
    del env["OPENBLAS_CORETYPE"]  # OpenBLAS keeps this machine's own core type
    env.pop("ATEN_CPU_CAPABILITY")
    problems, same, _ = crosscheck.check_setting("avx2", env, native)
    assert "openblas" in same and "torch" in same
    assert any("openblas" in p for p in problems) and any("torch" in p for p in problems)


TRAIN = r"""
import dataclasses, json, torch
from cooccur.related import markov_gpt as mg, scan_snap as ss
run = mg.MarkovTraining(init="good-2024-11", embedding="vector", seed=1, iterations=40, seq_len=96)
markov = mg.train(run)["loss"].tolist()
markov32 = mg.train(dataclasses.replace(run, dtype="float32"))["loss"].tolist()
snap = ss.train(ss.SequenceClasses(), 2.0, 0.5, steps=40, batch=64, seed=1).loss.tolist()
print(json.dumps({"capability": torch.backends.cpu.get_cpu_capability(), "markov": markov, "markov32": markov32,
                  "snap": snap}))
"""


def _train_under(setting: str) -> dict:
    env = {**os.environ, **crosscheck.SETTINGS[setting]}
    done = subprocess.run([sys.executable, "-c", TRAIN], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@x86
@pytest.mark.slow
def test_short_trained_runs_under_two_kernel_settings_stay_within_the_trained_class():
    a, b = _train_under("avx2"), _train_under("baseline")
    assert (a["capability"], b["capability"]) == ("AVX2", "DEFAULT")  # two different torch kernels ran
    tolerance = results.CLASSES["trained"].rel_tol
    for name in ("markov", "snap"):
        assert len(a[name]) == len(b[name]) == 40 and a[name][-1] < a[name][0]  # both trained
        worst = max(abs(x - y) / abs(y) for x, y in zip(a[name], b[name]))
        assert worst <= tolerance, f"{name}: relative move {worst:.2g} > {tolerance:g}"
    # the two settings do compute differently: in float32 (the authors' precision) the same run moves
    assert max(abs(x - y) for x, y in zip(a["markov32"], b["markov32"])) > 0


def test_summary_merges_settings_and_writes_no_infinity(tmp_path):
    path = tmp_path / "crosscheck.json"
    row = {"entries": 2, "moved": 1, "largest": math.inf, "largest_rel": math.inf, "which": "a::b", "failed": 1}
    crosscheck.write_summary(path, {"torch": "AVX512"}, {"avx2": {"chapters": ["markov"], "classes": {"exact": row}}})
    crosscheck.write_summary(path, {"torch": "AVX512"}, {"baseline": {"chapters": ["scan_snap"],
                                                                      "classes": {"exact": dict(row)}}})
    summary = json.loads(path.read_text())  # strict JSON: no Infinity
    assert set(summary["settings"]) == {"avx2", "baseline"}
    assert summary["settings"]["avx2"]["classes"]["exact"]["largest"] is None
    assert summary["settings"]["baseline"]["chapters"] == ["scan_snap"]


@x86
@pytest.mark.slow
def test_chapters_run_under_the_setting_and_match_the_reference(native, own_kernels, tmp_path, monkeypatch, capsys):
    """The whole crosscheck on two short chapters: the kernel really runs under the setting (the reproducing
    chapter prints the kernels it runs on), and setup's numbers match the committed reference."""
    _needs(native, "avx2")
    monkeypatch.setattr(sys, "argv", ["crosscheck.py", "--chapters", "setup", "reproducing", "--settings", "avx2",
                                      "--out", str(tmp_path), "--summary", str(tmp_path / "summary.json")])
    assert crosscheck.main() == 0
    out = capsys.readouterr().out
    assert "crosscheck: every number within its tolerance" in out
    shown = (tmp_path / "avx2" / "reproducing.ipynb").read_text()
    assert "| torch CPU kernels | AVX2 |" in shown and "| OpenBLAS kernels (NumPy, SciPy) | Haswell |" in shown
    summary = json.loads((tmp_path / "summary.json").read_text())["settings"]["avx2"]
    assert summary["passed"] and summary["classes"]["exact"]["entries"] > 0 and summary["same_as_native"] == []
    assert summary["unconfirmed"] == ([] if native["mkl"] else ["mkl"])
    assert summary["classes"]["exact"]["failed"] == 0


@x86
def test_a_setting_that_stops_python_from_starting_is_reported_with_its_error():
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": "X86_V2"}  # NumPy refuses to disable its baseline
    with pytest.raises(SystemExit, match="could not start under this setting(.|\n)*NPY_DISABLE_CPU_FEATURES"):
        crosscheck.probe(env)


def test_auto_picks_kernels_other_than_the_references():
    import kernels

    avx512 = {"torch": "AVX512", "mkl": "AVX512", "openblas": "SkylakeX", "numpy": "AVX512_SPR"}
    avx2 = {"torch": "AVX2", "mkl": "AVX2", "openblas": "Haswell", "numpy": "X86_V3"}
    assert kernels.resolve_auto(avx512, avx512) == "avx2"  # the reference's own machine: imitate a smaller one
    assert kernels.resolve_auto(avx512, None) == "avx2"  # a reference that does not say: likewise
    assert kernels.resolve_auto(avx2, avx2) == "baseline"
    assert kernels.resolve_auto(avx2, avx512) is None  # this machine already differs: its own kernels will do


@x86
def test_a_book_built_under_a_setting_computes_with_it_and_an_empty_cache(native, monkeypatch, tmp_path):
    """build_book --kernels: the setting is checked, then this process and every chapter it starts inherit it, with
    a run cache of their own (a warm cache would hand back runs of other kernels)."""
    _needs(native, "avx2")
    import build_book

    monkeypatch.setattr(build_book, "REFERENCE", tmp_path / "reference.json")  # written with no kernels recorded
    saved = dict(os.environ)  # use_kernels changes this process's environment for good: restore it after
    try:
        for key in crosscheck.SETTINGS["avx2"]:
            os.environ.pop(key, None)
        os.environ["COOCCUR_CACHE_DIR"] = str(tmp_path / "warm")
        assert build_book.use_kernels("auto") == "avx2"
        assert crosscheck.probe(dict(os.environ))["torch"] == "AVX2"
        cache = Path(os.environ["COOCCUR_CACHE_DIR"])
        assert cache != tmp_path / "warm" and cache.is_dir() and not any(cache.iterdir())
    finally:
        os.environ.clear()
        os.environ.update(saved)
