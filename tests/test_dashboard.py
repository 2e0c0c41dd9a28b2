"""The intro's dashboard: one mark per statement and setting, with its reason."""

from __future__ import annotations

import pytest

from cooccur import claims
from cooccur.claims import Premise, Verdict
from cooccur.dashboard import STATEMENTS, cell, mark, mark_all, premises_broken

GOOD = {"assumption2.3.i": Premise(True, ""), "assumption2.3.ii": Premise(True, ""),
        "condition1": Premise(True, "all of ..."), "small_output": Premise(True, ""), "lazy_phase1": Premise(True, "")}
PAPER = {**GOOD, "assumption2.3.ii": Premise(False, "words repeat"),
         "condition1": Premise(False, "fails: m=128 >= m1=256")}


def verdict(holds=True, met=True, **kw) -> Verdict:
    return Verdict("thm3.1", holds, met, detail=kw.pop("detail", "the reading"), **kw)


def test_every_statement_of_the_library_has_an_entry_with_a_label():
    assert set(STATEMENTS) == set(claims.CLAIMS)
    for statement in STATEMENTS.values():
        assert statement.link.endswith(f"<{statement.where}>`")


def test_a_statement_holding_on_every_seed_is_marked_holds():
    assert mark([verdict()] * 3, [GOOD] * 3) == ("holds", "on all 3 seeds inside its premises")


def test_one_failing_seed_marks_fails_and_quotes_that_seeds_reading():
    kind, reason = mark([verdict(), verdict(False, detail="T1 = 9.1 > bound"), verdict()], [GOOD] * 3)
    assert kind == "fails"
    assert reason.startswith("on 1 of 3 seeds inside its premises") and "Seed 1: T1 = 9.1 > bound" in reason


def test_premises_not_met_names_them_and_says_what_happens_there():
    kind, reason = mark([verdict(True, False), verdict(False, False)], [PAPER] * 2)
    assert kind == "outside"
    assert "fillers repeat" in reason and "m=128 < m1=256" in reason and "holds on 1 of 2 seeds" in reason


def test_a_failure_outside_the_premises_is_reported_but_does_not_mark_the_statement_failed():
    kind, reason = mark([verdict(True), verdict(False, False), verdict(False, undecided=True)], [GOOD, PAPER, GOOD])
    assert kind == "holds"
    assert reason == ("on all 1 seed inside its premises; 1 seed outside its premises (fillers repeat; Condition 1 "
                      "fails (m=128 < m1=256)), where it holds on 0; undecided on 1")


def test_an_equation_the_flow_integrates_is_not_tested():
    kind, reason = mark([verdict(by_construction=True)] * 2, [GOOD] * 2)
    assert kind == "untested" and "by construction" in reason


def test_only_the_premises_a_statement_asks_for_are_named():
    small = {**GOOD, "small_output": Premise(False, "median 0.3")}
    assert premises_broken([small]) == ""
    assert premises_broken([small], STATEMENTS["lemma4.2"].premises) == "initial output not small"
    assert premises_broken([{**PAPER, "small_output": Premise(False, "")}], STATEMENTS["lemma4.1"].premises) == (
        "fillers repeat; Condition 1 fails (m=128 < m1=256); initial output not small")


def test_the_cell_carries_a_class_the_style_colours():
    assert cell("fails", "x").startswith('<span class="verdict verdict-fails">✗ fails</span>')


@pytest.mark.parametrize("held", [True, False])
def test_the_sentence_names_what_fails_or_says_nothing_does(held):
    premises = {"premise": [GOOD] * 2, "paper": [PAPER] * 2}
    every = dict.fromkeys(claims.CLAIMS, verdict())
    broken = {**every, "lemma4.2": verdict(held)}
    outside = dict.fromkeys(claims.CLAIMS, verdict(False, False))
    verdicts = {"premise": [every, broken], "paper": [outside, outside]}
    board = mark_all(verdicts, premises)
    rows, readings = board.rows, board.readings
    assert len(rows) == len(claims.CLAIMS)
    assert list(rows[0]) == ["statement", "premise setting", "paper's setting"]
    text = readings.texts["dashboard_fails"]
    if held:
        assert text == "No statement fails on a seed where its premises hold."
    else:
        assert text == "Lemma 4.2 fails on 1 of the 2 seeds inside its premises (premise setting)."
    assert readings.numbers["paper_outside"] == len(claims.CLAIMS)
    outside = readings.texts["dashboard_outside"]
    assert outside.startswith("Outside their premises, Theorem 3.1, Lemma 4.1")
    assert outside.endswith(" and Attention near uniform fail on every seed that decides it.")
    if not held:
        assert readings.texts["premise_rest"] == "; not on every seed: Lemma 4.2"


def test_the_words_quote_the_constants_the_checks_use():
    from cooccur.claims import BALANCE_C, LAZY_GROWTH, ORDER_CONSTANT, T1_MARGIN

    assert f"at least {T1_MARGIN:g})" in STATEMENTS["thm3.1"].words
    assert f"more than {LAZY_GROWTH:g} times" in STATEMENTS["thm3.1"].words
    assert f"at most {BALANCE_C:g} times the smaller" in STATEMENTS["lemma4.4"].words
    assert f"1/{ORDER_CONSTANT:g} of the total" in STATEMENTS["lemma4.5"].words
    assert f"${ORDER_CONSTANT:g}/m$" in STATEMENTS["thm3.3.population"].words
