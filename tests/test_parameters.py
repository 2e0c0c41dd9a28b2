"""A chapter's parameters: defaults from its parameters cell, specifications from ``parameters.SPECS``, values from
the command line converted and checked before any kernel starts, and quick mode, which keeps passed-in values."""

from __future__ import annotations

import pytest

from cooccur import parameters

CHAPTERS = parameters.chapter_names()


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_default_passes_the_chapters_own_check(name):
    specs = parameters.chapter_parameters(name)
    assert "quick" in specs and specs["quick"].kind is bool
    namespace = parameters.chapter_defaults(name)
    parameters.check_chapter(name, namespace)
    assert namespace == parameters.chapter_defaults(name)  # without quick mode nothing changes


def test_parameters_come_from_the_parameters_cell_and_the_specifications(tmp_path, monkeypatch):
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/demo\nchapters: []\n")
    (tmp_path / "book" / "demo.py").write_text(
        '# %% [markdown]\n# # Demo\n\n# %% tags=["parameters"]\nwidth = 64\nscheme = "theory"\nquick = False\n')
    monkeypatch.setattr(parameters, "ROOT", tmp_path)
    monkeypatch.setattr(parameters, "BOOK", tmp_path / "book")
    monkeypatch.setitem(parameters.SPECS, "demo", {"width": parameters._spec(int, 8, 1 << 10, quick=8),
                                                   "scheme": parameters._spec(str, choices=parameters.INIT_SCHEMES),
                                                   "quick": parameters.QUICK})
    specs = parameters.chapter_parameters("demo")
    width = specs["width"]
    assert (width.default, width.kind, width.low, width.high, width.quick) == (64, int, 8, 1024, 8)
    assert specs["scheme"].choices == ("theory", "kaiming", "he_normal", "xavier_normal")
    assert width.describe() == "default 64; integer in [8, 1024]; quick 8"
    assert parameters.parse_values("demo", [("width", "1024"), ("scheme", "kaiming"), ("quick", "true")]) == {
        "width": 1024, "scheme": "kaiming", "quick": True}
    with pytest.raises(parameters.ChapterError, match=r"parameter 'width' must be an integer in \[8, 1024\], got 2048"):
        parameters.parse_values("demo", [("width", "2048")])
    del parameters.SPECS["demo"]["scheme"]  # a knob of the chapter without a specification
    with pytest.raises(parameters.ChapterError, match=r"without a specification .*: \['scheme'\]"):
        parameters.chapter_parameters("demo")


def test_a_bound_in_another_parameter_is_checked_after_quick_mode(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda obj: None)
    assert parameters.chapter_parameters("phase2")["seed"].describe() == "default 0; integer in [0, n_seeds - 1]"
    assert parameters.parse_values("phase2", [("seed", "5")]) == {"seed": 5}  # n_seeds is not known yet
    parameters.check_chapter("phase2", {**parameters.chapter_defaults("phase2"), "seed": 5})  # 5 < n_seeds = 10
    with pytest.raises(ValueError, match=r"parameter 'seed' must be an integer in \[0, 1\], got 5"):
        parameters.check_chapter("phase2", {**parameters.chapter_defaults("phase2"), "seed": 5, "quick": True})


@pytest.mark.parametrize(("chapter", "pairs", "message"), [
    ("nosuch", [], "unknown chapter 'nosuch'; the chapters are: intro, setup"),
    ("phase1", [("nseeds", "3")], "chapter 'phase1' has no parameter 'nseeds'; its parameters are: seed, n_seeds"),
    ("phase1", [("n_seeds", "0")], r"parameter 'n_seeds' must be an integer in \[1, 1000\], got 0"),
    ("phase1", [("n_seeds", "2.5")], "parameter 'n_seeds' must be an integer"),
    ("phase1", [("widths", "64,abc")], "parameter 'widths' must be a non-empty list of integers"),
    ("phase1", [("quick", "maybe")], "parameter 'quick' must be True or False"),
    ("phase1", [("quick", "yes")], "parameter 'quick' must be True or False, got 'yes'"),
    ("atlas", [("fresh", "1")], "parameter 'fresh' must be True or False, got '1'"),
    ("experiments", [("init", "glorot")], "parameter 'init' must be one of 'theory'"),
    ("phase2", [("t1_margins", "[0.1, 20]")], r"parameter 't1_margins' must be a finite number in \[0.0, 10.0\]"),
])
def test_bad_values_are_refused_naming_the_parameter(chapter, pairs, message):
    with pytest.raises(parameters.ChapterError, match=message):
        parameters.parse_values(chapter, pairs)


def test_values_are_converted_to_the_parameters_kind():
    assert parameters.parse_values("phase1", [("widths", "64,128"), ("T", "30"), ("n_seeds", "3")]) == {
        "widths": [64, 128], "T": 30.0, "n_seeds": 3}
    assert isinstance(parameters.parse_values("phase1", [("T", "30")])["T"], float)
    assert parameters.parse_values("phase2", [("lengths", "[4]")]) == {"lengths": [4]}





@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_literal_parameters_including_quick(chapter):
    params = parameters.chapter_defaults(chapter)
    assert params["quick"] is False and set(params) == set(parameters.chapter_parameters(chapter))


def test_quick_mode_keeps_values_passed_in(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    defaults = parameters.chapter_defaults("phase1")
    namespace = {**defaults, "n_seeds": 3, "quick": True}  # n_seeds passed in, T left at its default
    parameters.check_chapter("phase1", namespace)
    assert namespace["n_seeds"] == 3 and namespace["T"] == parameters.SPECS["phase1"]["T"].quick == 3.0
    assert namespace["order_scales"] == defaults["order_scales"]  # no quick value
    assert "kept as passed in: `n_seeds = 3`" in shown[0] and "`T = 3.0`" in shown[0]
    untouched = dict(defaults)
    parameters.check_chapter("phase1", untouched)
    assert untouched == defaults and len(shown) == 1


def test_check_parameters_names_the_parameter_and_its_range():
    with pytest.raises(ValueError, match=r"parameter 'n_seeds' must be an integer in \[1, 10\], got 0"):
        parameters.check_parameters(n_seeds=(0, int, 1, 10))
    with pytest.raises(ValueError, match="parameter 'widths'"):
        parameters.check_parameters(widths=([64, 1.5], list, 1, None))
    with pytest.raises(ValueError, match="parameter 'quick' must be of type bool"):
        parameters.check_parameters(quick=("yes", bool))
    with pytest.raises(ValueError, match=r"parameter 't1_margins' must be a finite number in \[0.0, 10.0\]"):
        parameters.check_parameters(t1_margins=([0.0, 11.0], list[float], 0.0, 10.0))
    parameters.check_parameters(T=(3, float, 1.0, None), quick=(True, bool),
                                t1_margins=([0, 0.5], list[float], 0.0, 1.0))


def test_quick_mode_keeps_a_passed_value_even_when_it_equals_the_default(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    monkeypatch.setenv("COOCCUR_PASSED_PARAMETERS", "n_seeds")
    namespace = {**parameters.chapter_defaults("phase1"), "quick": True}  # n_seeds = 10, the default, passed in
    parameters.check_chapter("phase1", namespace)
    assert namespace["n_seeds"] == 10 and namespace["T"] == 3.0
    assert "kept as passed in: `n_seeds = 10`" in shown[0]


def test_a_bad_value_in_the_kernel_names_the_parameter():
    with pytest.raises(ValueError, match=r"parameter 'gpt_dtype' must be one of 'float32', 'float64'"):
        parameters.check_chapter("markov", {**parameters.chapter_defaults("markov"), "gpt_dtype": "float16"})
    with pytest.raises(ValueError, match=r"parameter 'gpt_steps' must be an integer in \[2, 1000\], got 2000"):
        parameters.check_chapter("markov", {**parameters.chapter_defaults("markov"), "gpt_steps": 2000})


def test_a_default_tied_to_a_configuration_must_equal_it(monkeypatch):
    spec = parameters.chapter_parameters("phase2")["T"]
    assert spec.default == parameters.SimConfig().T and spec.describe().startswith("default 300.0 (= SimConfig.T);")
    monkeypatch.setitem(parameters.CONFIGS, "SimConfig", parameters.SimConfig(T=200.0))
    with pytest.raises(parameters.ChapterError, match=r"the default T = 300.0 is not SimConfig.T = 200.0"):
        parameters.chapter_parameters("phase2")
