"""Every statement of the paper on one screen: the intro's dashboard.

For each statement of :data:`cooccur.claims.CLAIMS`, in each setting, one mark over the seeds, with a one-line
reason: it holds (with its premises, on every seed), it fails (on how many seeds, and the first failing seed's
reading), its premises are not met (which, and what the statement does there anyway), or the run cannot test it
(by construction, or undecided). Each row links to the statement as the book states it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cooccur.claims import (
    BALANCE_C,
    CLAIMS,
    LAZY_GROWTH,
    ORDER_CONSTANT,
    PREMISES_OF_THE_THEOREMS,
    T1_MARGIN,
    Premise,
    Run,
    Verdict,
    check_all,
    glance,
)
from cooccur.readings import Readings, count


@dataclass(frozen=True)
class Statement:
    """How the dashboard names a statement: ``short`` (its number), ``words`` (what the library checks, in one
    line; "(our reading)" where the paper leaves a constant or a time open and the check fixes it), ``where`` (the
    label of the place in the book that states and checks it: a ``prf`` statement's label, or a section's) and
    ``premises`` (the keys of :func:`cooccur.claims.premises` its check asks for)."""

    short: str
    words: str
    where: str
    premises: tuple[str, ...] = PREMISES_OF_THE_THEOREMS

    @property
    def link(self) -> str:
        """The statement's name as a MyST cross-reference to :attr:`where`, with the name as its text."""
        role = "ref" if self.where.startswith(("sec-", "chap-")) else "prf:ref"
        return f"{{{role}}}`{self.short} <{self.where}>`"


#: The premises of Lemmas 4.1 to 4.3 as the library checks them: the theorems' and a small initial output.
_SMALL_OUTPUT = (*PREMISES_OF_THE_THEOREMS, "small_output")

STATEMENTS: dict[str, Statement] = {
    "thm3.1": Statement("Theorem 3.1", "a $T_1$ exists (every margin and $G(\\mu_1), G(\\mu_2), -G(\\mu_3)$ at "
                        f"least {T1_MARGIN:g}), and by then no filler's $G$ moved more than {LAZY_GROWTH:g} times "
                        "what a lazy Phase 1 predicts", "thm-phase1"),
    "lemma4.1": Statement("Lemma 4.1", "$G(\\mu_1)$ and $G(\\mu_2)$ start growing at rate "
                          "$\\Theta((\\sigma_0^2 + \\sigma_1^2) m m_1)$ "
                          f"(our constant, within a factor {ORDER_CONSTANT:g})",
                          "lem-initial-growth", _SMALL_OUTPUT),
    "lemma4.2": Statement("Lemma 4.2", "$G(\\mu_3)$ starts much slower, so the losses of types 2 and 3 first rise",
                          "lem-common-slow", _SMALL_OUTPUT),
    "lemma4.3": Statement("Lemma 4.3", "from some $T_{0.5}$ to $T_1$, $-\\dot G(\\mu_3)$ exceeds the faster "
                          "target's rate and stays below their sum", "lem-sandwich", _SMALL_OUTPUT),
    "thm3.2.scores": Statement("Theorem 3.2 (scores)", "the score correlations of $\\mu_1, \\mu_2$ rise and those "
                               "with $\\mu_3$ fall, monotonically through Phase 2", "thm-phase2"),
    "thm3.2.values": Statement("Theorem 3.2 (values)", "the value correlations move in the stated directions, "
                               "monotonically through Phase 2", "thm-phase2"),
    "thm3.2.margins": Statement("Theorem 3.2 (margins)", "$G(\\mu_1), G(\\mu_2) > 0$, "
                                "$G(\\mu_1) + G(\\mu_2) + G(\\mu_3) > 0$ and $G(\\mu_k) + G(\\mu_3) < 0$ at "
                                "every record of Phase 2", "thm-phase2"),
    "thm3.3.loss": Statement("Theorem 3.3 (loss)", "the training loss reaches $1/m$ within $m$ Phase-1 times "
                             "(our reading of $1/\\mathrm{poly}(m)$ at $T^* = \\mathrm{poly}(m)$)", "thm-near-min"),
    "thm3.3.population": Statement("Theorem 3.3 (population)", "at $T^*$ the loss on fresh samples is at most "
                                   f"${ORDER_CONSTANT:g}/m$", "thm-near-min"),
    "thm3.3.structure": Statement("Theorem 3.3 (structure)", "the four target coefficients of the change of "
                                  "$W_K^\\top W_Q$ have the stated signs and size, and the filler bound holds",
                                  "sec-phase2-structure"),
    "lemma4.4": Statement("Lemma 4.4", "through Phase 2 the gradient weights of types 2 and 3 differ by at "
                          f"most {BALANCE_C:g} times the smaller", "lem-balancing"),
    "lemma4.5": Statement("Lemma 4.5", "the gaps between the types' gradient weights stay at least "
                          f"1/{ORDER_CONSTANT:g} of the total through Phase 2", "lem-balancing"),
    "eq5": Statement("Eq. (5)", "the growth of $\\lVert W^\\top a\\rVert^2$ is the loss-weighted margin sum",
                     "chap-coordinates"),
    "attention_uniform": Statement("Attention near uniform", "over Phase 2 the attention tilts at the predicted rate "
                                   f"(within a factor {ORDER_CONSTANT:g}), every entry within $1/L^2$ of its start",
                                   "chap-phase2"),
}

#: The premises in a reader's words (:func:`cooccur.claims.premises`).
PREMISE_WORDS: dict[str, str] = {
    "assumption2.3.i": "type counts not exactly $n/2, n/6, n/6, n/6$",
    "assumption2.3.ii": "fillers repeat",
    "condition1": "Condition 1",
    "small_output": "initial output not small",
}

#: The dashboard's marks (a symbol a reader can scan, and the word).
MARKS = {"holds": "✓ holds", "fails": "✗ fails", "outside": "○ premises not met", "untested": "· not tested"}


def cell(kind: str, reason: str) -> str:
    """A dashboard cell: the mark (an HTML span of class ``verdict-<kind>``, which the book's style colours) and
    its reason."""
    return f'<span class="verdict verdict-{kind}">{MARKS[kind]}</span>: {reason}'



def premises_broken(premises: Sequence[dict[str, Premise]], keys: Sequence[str] = PREMISES_OF_THE_THEOREMS) -> str:
    """The premises among ``keys`` broken on some run, in words; Condition 1 with the inequalities it fails."""
    words = []
    for key in (k for k in keys if any(not p[k].met for p in premises)):
        if key == "condition1":
            why = next(p[key].why for p in premises if not p[key].met).removeprefix("fails: ")
            words.append(f"Condition 1 fails ({why.replace('>=', '<')})")
        else:
            words.append(PREMISE_WORDS[key])
    return "; ".join(words)


def mark(verdicts: Sequence[Verdict], premises: Sequence[dict[str, Premise]],
         keys: Sequence[str] = PREMISES_OF_THE_THEOREMS) -> tuple[str, str]:
    """One statement over the seeds of one setting (its premises ``keys``): ``(mark, reason)``, the mark a key of
    :data:`MARKS`. It holds when it holds on every seed that tests it inside its premises and fails when it fails on
    one; the reason also says what it does on the seeds outside its premises and how many left it undecided."""
    n = len(verdicts)
    tested = [v for v in verdicts if v.counted]
    undecided = sum(v.undecided for v in verdicts)
    if not tested:
        return "untested", (f"undecided on {undecided} of {n} seeds" if undecided
                            else "an equation the exact flow integrates: holds by construction")
    inside = [v for v in tested if v.premise_met]
    outside = [v for v in tested if not v.premise_met]
    notes = []
    if inside and outside:
        notes.append(f"{count(len(outside), 'seed')} outside its premises ({premises_broken(premises, keys)}), "
                     f"where it holds on {sum(v.holds for v in outside)}")
    if undecided:
        notes.append(f"undecided on {undecided}")
    note = "".join(f"; {text}" for text in notes)
    if not inside:
        return "outside", (f"{premises_broken(premises, keys)}. There it holds on {sum(v.holds for v in outside)} "
                           f"of {len(outside)} seeds{note}")
    failed = [(seed, v) for seed, v in enumerate(verdicts) if v.counted and v.premise_met and not v.holds]
    if not failed:
        return "holds", f"on all {count(len(inside), 'seed')} inside its premises{note}"
    seed, first = failed[0]
    return "fails", f"on {len(failed)} of {len(inside)} seeds inside its premises{note}. Seed {seed}: {first.detail}"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


#: The settings every verdict of the book is shown on (:func:`cooccur.experiment.both_settings`), as the
#: dashboard's columns name them.
SETTINGS = {"premise": "premise setting", "paper": "paper's setting"}


@dataclass(frozen=True)
class Dashboard:
    """Every statement over the seeds of each setting: ``rows`` (the statement, linked to where the book states and
    checks it, then one column per setting with the mark and its reason), ``verdicts[setting][seed][claim]`` (of
    :func:`cooccur.claims.check_all`) and ``readings``: :func:`cooccur.claims.glance`'s counts and the sentences
    ``dashboard_fails`` (what fails where its premises hold, or that nothing does) and ``dashboard_outside`` (what
    fails on every seed outside its premises)."""

    rows: list[dict[str, str]]
    verdicts: dict[str, list[dict[str, Verdict]]]
    readings: Readings


def dashboard(runs: dict[str, Sequence[Run]], labels: dict[str, str] | None = None) -> Dashboard:
    """Check every statement on ``runs[setting]`` (the runs over seeds of each setting) and mark it; ``labels``
    (default :data:`SETTINGS`) names the columns, in their order."""
    verdicts = {s: [check_all(r.experiment, r.traj) for r in rs] for s, rs in runs.items()}
    return mark_all(verdicts, {s: [r.premises for r in rs] for s, rs in runs.items()}, labels)


def mark_all(verdicts: dict[str, list[dict[str, Verdict]]], premises: dict[str, list[dict[str, Premise]]],
             labels: dict[str, str] | None = None) -> Dashboard:
    """:func:`dashboard` from the verdicts and the premises (``premises[setting][seed]``, :attr:`Run.premises`)."""
    labels = SETTINGS if labels is None else labels
    rows, fails, outside_fails = [], [], []
    for claim, statement in STATEMENTS.items():
        row = {"statement": f"**{statement.link}**: {statement.words}"}
        for setting, label in labels.items():
            per_seed = [v[claim] for v in verdicts[setting]]
            kind, reason = mark(per_seed, premises[setting], statement.premises)
            row[label] = cell(kind, reason)
            tested = [v for v in per_seed if v.counted]
            if kind == "fails":
                failed = sum(v.premise_met and not v.holds for v in tested)
                inside = sum(v.premise_met for v in tested)
                fails.append(f"{statement.short} fails on {failed} of the {count(inside, 'seed')} inside its premises "
                             f"({label})")
            elif kind == "outside" and tested and not any(v.holds for v in tested):
                outside_fails.append(statement.short)
        rows.append(row)
    if claim_names := [c for c in CLAIMS if c not in STATEMENTS]:
        raise ValueError(f"statements without a dashboard entry: {claim_names}")
    fails_text = ("; ".join(fails) + "." if fails
                  else "No statement fails on a seed where its premises hold.")
    verb, its = ("fails", "its") if len(outside_fails) == 1 else ("fail", "their")
    outside_text = (f"Outside {its} premises, {_and(outside_fails)} {verb} on every seed that decides it."
                    if outside_fails else "")
    texts = Readings(texts={"dashboard_fails": fails_text, "dashboard_outside": outside_text})
    return Dashboard(rows, verdicts, glance(verdicts, {c: s.short for c, s in STATEMENTS.items()}) | texts)
