"""A recorded training run: observables on a time grid, saved to and loaded from one ``.npz`` file.

Every array has the time axis first, of length R (the number of records; T is the horizon, the last time). Word
indices are 0-based (mu_1 = 0, mu_2 = 1, mu_3 = 2) and attention arrays are indexed [key word, query word] like
``A``. Columns "by type" are sample types 1, 2, 3, 4.

The (R, w, w) records A, VV and attn hold every word (w = d) or, for a run with ``record="signal"``
(:class:`cooccur.flow.SimConfig`), the three signal words only (w = 3): the same indices, 6.8 GB less per 100 records
at d = 1 683. Their movements over all d words are recorded either way (``A_change``, ``VV_change``,
``attn_change``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np

from cooccur.store import write_atomic

GRAD_BLOCKS = ("W_Q", "W_K", "W_V", "W")


@dataclass
class Trajectory:
    """Observables of one run of gradient flow (or gradient descent), recorded at times ``t``.

    Attributes:
        t: (R,) times; for gradient descent with step eta, time = eta * iteration.
        loss: (R,) empirical logistic loss.
        loss_by_type: (R, 4) mean loss over the samples of each type.
        S_by_type: (R, 4) S_k = sum over samples i of type k of g_i, g_i = 1/(1 + exp(y_i F_i)).
        F: (R, n) outputs of the model on every training sample.
        G: (R, d) the linear MLP function G(mu_k) = a^T W W_V mu_k.
        A: (R, w, w) attention score correlations, A[k, q] = mu_k^T W_K^T W_Q mu_q (key k, query q), over the first
            w words (w = d, or 3 for a run recorded with ``record="signal"``; see :attr:`full_matrices`).
        VV: (R, w, w) value correlations W_V^T W_V.
        QQ_change, KK_change: (R,) the largest entry of |W_Q^T W_Q(t) - W_Q^T W_Q(0)| and of the same for
            W_K^T W_K (the matrices are part of the flow's state; only their movement is recorded, to keep files
            small).
        A_change, VV_change: (R,) the largest entry of |A(t) - A(t_0)| and of |VV(t) - VV(t_0)| over all d words,
            t_0 the first record: max over the records up to k is the matrices' largest movement up to k.
        attn_change: (R,) the largest change of any single softmax entry p[i, l, h] (sample i, query position l, key
            position h) from its value at the first record.
        wa_sq: (R,) ||W^T a||^2 = sum_{j1, j2} <a_j1 w_j1, a_j2 w_j2>, the quantity of the paper's Eq. (5).
        margin_split: (R, n, 2) each margin y_i F_i split into the part the signal words mu_1, mu_2, mu_3 carry
            ([..., 0]) and the part the fillers carry ([..., 1]) (:func:`cooccur.observables.margin_split`).
        attn: (R, w, w) mean attention probability of query word q on key word k, [k, q]; NaN if never seen.
        grad_norm: (R, 4) Frobenius norms of the loss gradient for W_Q, W_K, W_V, W (see ``GRAD_BLOCKS``).
        G_rate: (R, d) dG/dt under gradient flow at the recorded state (for gradient descent: the flow's rate at
            the current weights, so one step changes G by about step * G_rate).
        T1: end of Phase 1, the first time every margin y_i F_i and G(mu_1), G(mu_2), -G(mu_3) is at least
            :data:`cooccur.observables.T1_MARGIN` (:func:`cooccur.observables.phase_boundary`); NaN if not reached.
        n_grad_evals: number of gradient evaluations the run took.
        y, types: (n,) labels and sample types of the training set.
        meta: JSON-serialisable description of the run (configs, engine, library version).
    """

    t: np.ndarray
    loss: np.ndarray
    loss_by_type: np.ndarray
    S_by_type: np.ndarray
    F: np.ndarray
    G: np.ndarray
    A: np.ndarray
    VV: np.ndarray
    QQ_change: np.ndarray
    KK_change: np.ndarray
    A_change: np.ndarray
    VV_change: np.ndarray
    attn_change: np.ndarray
    wa_sq: np.ndarray
    attn: np.ndarray
    margin_split: np.ndarray
    grad_norm: np.ndarray
    G_rate: np.ndarray
    T1: float
    n_grad_evals: int
    y: np.ndarray
    types: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def words_recorded(self) -> int:
        """w: the words over which A, VV and attn are recorded (d, or 3 for a ``record="signal"`` run)."""
        return self.A.shape[-1]

    @property
    def every_word(self) -> bool:
        """Whether A, VV and attn are recorded over all d words (``record="full"``), not the signal words only."""
        return self.words_recorded == self.G.shape[-1]

    @property
    def full_matrices(self) -> bool:
        """:attr:`every_word`, at every recorded time: not cut to the first record
        (:meth:`cooccur.claims.Run.without_matrices`)."""
        return self.every_word and self.A.shape[0] == self.t.size

    def require_full_matrices(self, what: str) -> None:
        """Raise ``ValueError`` unless :attr:`full_matrices`: ``what`` (e.g. "the population loss") reads A, VV or
        attn over every word at a chosen record."""
        if not self.every_word:
            raise ValueError(f"{what} needs A, VV and attn over all {self.G.shape[-1]} words, but this run recorded "
                             f"the {self.A.shape[-1]} signal words only (record='signal'); rerun it with "
                             "record='full'")
        if self.A.shape[0] != self.t.size:
            raise ValueError(f"{what} needs A, VV and attn at every record, but they were cut to the first "
                             f"{self.A.shape[0]} of {self.t.size} (Run.without_matrices); use the full run")

    def save(self, path: str | os.PathLike) -> Path:
        """Write to ``path`` atomically: a temporary file in the same folder is renamed over it when complete."""
        arrays = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self) if f.name != "meta"}
        arrays["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        return write_atomic(path, lambda fh: np.savez(fh, **arrays))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trajectory:
        """Read a file written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            values = {name: z[name] for name in z.files}
        missing = sorted({f.name for f in fields(cls)} - set(values) - {"meta"})
        if missing:
            raise ValueError(f"{path} lacks the field(s) {', '.join(missing)}: it was written by an older version of "
                             "the library; simulate the run again")
        values["meta"] = json.loads(str(values["meta"]))
        values["T1"] = float(values["T1"])
        values["n_grad_evals"] = int(values["n_grad_evals"])
        return cls(**values)

    def at(self, time: float, when: Literal["nearest", "at_or_after"] = "nearest") -> int:
        """Index of a recorded time: the one closest to ``time``, or with ``when="at_or_after"`` the first one that
        is not before it (never an earlier record). Raises ``ValueError`` for a NaN time or, "at or after", for a
        time after the last record."""
        if not np.isfinite(time):
            raise ValueError(f"time must be a finite number, got {time!r}")
        if when == "nearest":
            return int(np.argmin(np.abs(self.t - time)))
        if when != "at_or_after":
            raise ValueError(f"when must be 'nearest' or 'at_or_after', got {when!r}")
        k = int(np.searchsorted(self.t, time, side="left"))
        if k == self.t.size:
            raise ValueError(f"no record at or after t={time:g}: the run ends at t={self.t[-1]:g}")
        return k
