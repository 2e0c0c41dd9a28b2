"""Every statement of the paper on one screen: the intro's dashboard.

For each statement of :data:`cooccur.claims.CLAIMS`, in each setting, one mark over the seeds, with a one-line
reason: it holds (with its premises, on every seed), it fails (on how many seeds, and the first failing seed's
reading), its premises are not met (which, and what the statement does there anyway), or the run cannot test it
(by construction, or undecided). Each row links to the statement as the book states it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cooccur.claims import CLAIMS, PREMISES_OF_THE_THEOREMS, Premise, Run, Verdict, check_all, glance
from cooccur.readings import Readings


@dataclass(frozen=True)
class Statement:
    """How the dashboard names a statement: ``short`` (its number), ``words`` (what it says, in one line) and
    ``where`` (the label of the place in the book that states and checks it: a ``prf`` statement's label, or a
    section's)."""

    short: str
    words: str
    where: str

    @property
    def link(self) -> str:
        """The statement's name as a MyST cross-reference to :attr:`where`, with the name as its text."""
        role = "ref" if self.where.startswith(("sec-", "chap-")) else "prf:ref"
        return f"{{{role}}}`{self.short} <{self.where}>`"


STATEMENTS: dict[str, Statement] = {
    "thm3.1": Statement("Theorem 3.1", "Phase 1 ends with every sample correct, $G(\\mu_1), G(\\mu_2) > 0 > "
                        "G(\\mu_3)$, and the fillers not ahead of the signal", "thm-phase1"),
    "lemma4.1": Statement("Lemma 4.1", "$G(\\mu_1)$ and $G(\\mu_2)$ start growing at rate "
                          "$\\Theta((\\sigma_0^2 + \\sigma_1^2) m m_1)$", "lem-initial-growth"),
    "lemma4.2": Statement("Lemma 4.2", "$G(\\mu_3)$ starts much slower, so the losses of types 2 and 3 first rise",
                          "lem-common-slow"),
    "lemma4.3": Statement("Lemma 4.3", "before $T_1$, $-\\dot G(\\mu_3)$ is sandwiched between the targets' rates",
                          "lem-sandwich"),
    "thm3.2.scores": Statement("Theorem 3.2 (scores)", "the score correlations of $\\mu_1, \\mu_2$ rise and those "
                               "with $\\mu_3$ fall, monotonically", "thm-phase2"),
    "thm3.2.values": Statement("Theorem 3.2 (values)", "the value correlations move in the stated directions, "
                               "monotonically", "thm-phase2"),
    "thm3.2.margins": Statement("Theorem 3.2 (margins)", "the signs of $G$ that classify every type hold through "
                                "Phase 2", "thm-phase2"),
    "thm3.3.loss": Statement("Theorem 3.3 (loss)", "the training loss reaches $1/m$ within $m$ Phase-1 times",
                             "thm-near-min"),
    "thm3.3.population": Statement("Theorem 3.3 (population)", "at $T^*$ the loss on fresh samples is "
                                   "$O(1/m)$ too", "thm-near-min"),
    "thm3.3.structure": Statement("Theorem 3.3 (structure)", "the change of $W_K^\\top W_Q$ is the four stated "
                                  "coefficients, of the stated size, fillers smaller", "sec-phase2-structure"),
    "lemma4.4": Statement("Lemma 4.4", "the gradient weights of types 2 and 3 stay balanced through Phase 2",
                          "lem-balancing"),
    "lemma4.5": Statement("Lemma 4.5", "the gaps between the types' gradient weights stay a fixed fraction of "
                          "the total", "lem-balancing"),
    "eq5": Statement("Eq. (5)", "the growth of $\\lVert W^\\top a\\rVert^2$ is the loss-weighted margin sum",
                     "chap-coordinates"),
    "attention_uniform": Statement("Attention near uniform", "the attention tilts at the stated rate and stays "
                                   "within $1/L^2$ of uniform", "thm-phase2"),
}

#: The premises in a reader's words (:func:`cooccur.claims.premises`, ``lazy_phase1``).
PREMISE_WORDS: dict[str, str] = {
    "assumption2.3.i": "type counts not exactly $n/2, n/6, n/6, n/6$",
    "assumption2.3.ii": "fillers repeat",
    "condition1": "Condition 1",
    "small_output": "initial output not small",
    "lazy_phase1": "Phase 1 not lazy",
}

#: The dashboard's marks (a symbol a reader can scan, and the word).
MARKS = {"holds": "✓ holds", "fails": "✗ fails", "outside": "○ premises not met", "untested": "· not tested"}


def cell(kind: str, reason: str) -> str:
    """A dashboard cell: the mark (an HTML span of class ``verdict-<kind>``, which the book's style colours) and
    its reason."""
    return f'<span class="verdict verdict-{kind}">{MARKS[kind]}</span>: {reason}'



def premises_broken(premises: Sequence[dict[str, Premise]]) -> str:
    """The premises broken on some run, in words: the theorems' own (:data:`PREMISES_OF_THE_THEOREMS`) if any of
    them is broken, else the statement-specific ones; Condition 1 with the inequalities it fails."""
    broken = [k for k in PREMISES_OF_THE_THEOREMS if any(not p[k].met for p in premises)]
    if not broken:
        broken = [k for k in PREMISE_WORDS if k not in PREMISES_OF_THE_THEOREMS
                  and any(k in p and not p[k].met for p in premises)]
    words = []
    for key in broken:
        if key == "condition1":
            why = next(p[key].why for p in premises if not p[key].met).removeprefix("fails: ")
            words.append(f"Condition 1 fails ({why.replace('>=', '<')})")
        else:
            words.append(PREMISE_WORDS[key])
    return "; ".join(words)


def mark(verdicts: Sequence[Verdict], premises: Sequence[dict[str, Premise]]) -> tuple[str, str]:
    """One statement over the seeds of one setting: ``(mark, reason)``, the mark a key of :data:`MARKS`."""
    n = len(verdicts)
    tested = [v for v in verdicts if v.counted]
    if not tested:
        undecided = sum(v.undecided for v in verdicts)
        return "untested", (f"undecided on {undecided} of {n} seeds" if undecided
                            else "an equation the exact flow integrates: holds by construction")
    inside = [v for v in tested if v.premise_met]
    if not inside:
        held = sum(v.holds for v in tested)
        return "outside", f"{premises_broken(premises)}. There it holds on {held} of {len(tested)}"
    failed = [(seed, v) for seed, v in enumerate(verdicts) if v.counted and v.premise_met and not v.holds]
    skipped = n - len(inside)
    note = f"; {skipped} of {n} outside the premises or undecided" if skipped else ""
    if not failed:
        return "holds", f"{len(inside)} of {len(inside)} seeds{note}"
    seed, first = failed[0]
    return "fails", f"on {len(failed)} of {len(inside)} seeds{note}. Seed {seed}: {first.detail}"


def _seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


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
            kind, reason = mark(per_seed, premises[setting])
            row[label] = cell(kind, reason)
            tested = [v for v in per_seed if v.counted]
            if kind == "fails":
                failed = sum(v.premise_met and not v.holds for v in tested)
                fails.append(f"{statement.short} fails on {failed} of {_seeds(len(per_seed))} ({label})")
            elif kind == "outside" and tested and not any(v.holds for v in tested):
                outside_fails.append(statement.short)
        rows.append(row)
    if claim_names := [c for c in CLAIMS if c not in STATEMENTS]:
        raise ValueError(f"statements without a dashboard entry: {claim_names}")
    fails_text = ("; ".join(fails) + "." if fails
                  else "No statement fails on a seed where its premises hold.")
    verb, its = ("fails", "its") if len(outside_fails) == 1 else ("fail", "their")
    outside_text = (f"Outside {its} premises, {', '.join(outside_fails)} {verb} on every seed." if outside_fails
                    else "")
    texts = Readings(texts={"dashboard_fails": fails_text, "dashboard_outside": outside_text})
    return Dashboard(rows, verdicts, glance(verdicts) | texts)
