"""What the chapter "Reproducing" reports: the environment, the manifest's tolerance classes, the crosscheck."""

import json
import math

from cooccur import provenance

REFERENCE = {"classes": {"exact": {"rel_tol": 0}, "float64": {"rel_tol": 1e-6}, "trained": {"rel_tol": 1e-4}},
             "numbers": {"a::x": {"class": "exact", "value": 1}, "a::y": {"class": "float64", "value": 0.5}}}


def test_the_environment_names_every_package_and_the_kernels():
    env = provenance.environment()
    assert set(provenance.PACKAGES) <= set(env) and env["CPU cores"] >= 1
    assert env["torch CPU kernels"] and env["NumPy SIMD up to"]


def test_class_rows_count_this_build_or_else_the_reference(tmp_path):
    rows, k = provenance.class_rows([], REFERENCE)
    assert [(r["class"], r["numbers"], r["tolerance"]) for r in rows[:3]] == [
        ("exact", 1, "none: must match"), ("float64", 1, "relative 1e-06"), ("trained", 0, "relative 1e-04")]
    assert math.isnan(k)
    (tmp_path / "b.json").write_text(json.dumps({"s": {"class": "seed-statistic", "value": 1.0, "se": 0.1, "k": 3},
                                                 "t": {"class": "seed-statistic", "value": 2.0, "se": 0.1, "k": 3}}))
    rows, k = provenance.class_rows([tmp_path / "b.json"], REFERENCE)
    assert rows[3]["numbers"] == 2 and rows[0]["numbers"] == 0 and k == 3


def test_crosscheck_rows_and_the_conclusion(tmp_path):
    crosscheck = {"machine": {"torch": "AVX512", "mkl": None, "openblas": "SkylakeX", "numpy": "AVX512_SKX"},
                  "settings": {"avx2": {"date": "2026-12-01", "kernels": {"torch": "AVX2"}, "chapters": ["phase1"],
                                        "classes": {"float64": {"entries": 10, "moved": 2, "failed": 0,
                                                                "largest": 0.01, "largest_rel": 1e-8}}}}}
    settings, moves, largest, failed = provenance.crosscheck_rows(crosscheck)
    assert settings[0]["left on this machine's own"] == "none" and moves[0]["largest relative move"] == "1e-08"
    assert largest == {"float64": 1e-8} and failed == 0
    assert "naming none" in provenance.crosscheck_machine(crosscheck)
    counts = {"exact": 1, "float64": 10, "trained": 0, "seed-statistic": 0}
    text = provenance.conclusion(counts, largest, failed, True, REFERENCE)
    assert "the 10 float64 numbers" in text and "were 1.0e-08" in text
    assert provenance.conclusion(counts, largest, 3, True, REFERENCE).startswith("**3 numbers left")
    assert provenance.conclusion(counts, {}, 0, False, REFERENCE).startswith("Without a recorded crosscheck")
    assert provenance.execution_times(tmp_path / "none.json") is None
    (tmp_path / "times.json").write_text(json.dumps({"a": 1.04, "b": 2.0}))
    assert provenance.execution_times(tmp_path / "times.json") == {"a": 1.0, "b": 2.0, "**total**": 3.0}
