"""Scan and Snap (Tian et al., NeurIPS 2023): the reparameterised one-layer transformer on "sequence classes".

Vocabulary (M tokens, 0-based): ``n_common`` common tokens first, then ``n_distinct`` distinct tokens for each of
the K classes, then the query tokens (one per class, or one per ``next_per_query`` classes), then one next token
per class. Class k draws its T - 1 context
tokens i.i.d. from P(l | n_k): weight 1 on each common token, weights linspace(0.1, 1, n_distinct) on its own
distinct tokens (so they differ in how often they co-occur with the query), normalised. The query token m_k closes
the sequence, and the target is the next token n_k.

Model. With Z, Y in R^{M x M} (Z: attention logits, Y: decoder), the query m attends over the context positions
(not over itself) with weights b_t = softmax_t Z[m, x_t]; the attention output is the l2-normalised token mix
u = sum_t b_t e_{x_t} / ||sum_t b_t e_{x_t}||, and the next-token logits are Y u. Loss: cross-entropy. Z and Y
start at zero (or, with ``init_range > 0``, uniform in [-init_range, init_range]) and are trained by SGD with
momentum 0.9 and separate learning rates eta_Y, eta_Z, one fresh batch per iteration.

What the paper tracks is the attention a class puts on each token in expectation over its context distribution,
c_n(l) proportional to P(l | n) exp(Z[m_n, l]); :func:`expected_attention` computes it from Z.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch

from cooccur import store
from cooccur.measures import power_law_fit
from cooccur.parallel import map_parallel, one_torch_thread
from cooccur.readings import Readings
from cooccur.validate import check_choice, check_int, check_number

#: Initialisations of Y and Z: ``zero`` (their theorems and Figure 4) or ``linear``, uniform in +-1/sqrt(M), which is
#: PyTorch's default for a bias-free ``nn.Linear`` of M inputs, as in the authors' Figure-6 sweep (zero_init=false).
INITS = ("zero", "linear")


@dataclass(frozen=True)
class SequenceClasses:
    """The synthetic data. Fig. 4 of the paper (Syn-Small): 2 classes, 10 common and 10 distinct tokens each,
    T = 128, one query token per class. With ``next_per_query`` > 1, that many classes (next tokens) share one
    query token, as in the authors' ``Dataset2``: Syn-Medium (their Fig. 6) is :meth:`syn_medium`."""

    n_classes: int = 2
    n_common: int = 10
    n_distinct: int = 10
    seq_len: int = 128
    next_per_query: int = 1

    def __post_init__(self) -> None:
        for name, low in (("n_classes", 1), ("n_common", 0), ("n_distinct", 1), ("seq_len", 2),
                          ("next_per_query", 1)):
            check_int(name, getattr(self, name), low)
        if self.n_classes % self.next_per_query:
            raise ValueError(f"n_classes ({self.n_classes}) must be a multiple of next_per_query "
                             f"({self.next_per_query}): each query token has that many next tokens")

    @classmethod
    def syn_medium(cls, num_last: int) -> SequenceClasses:
        """Syn-Medium as in the authors' Fig. 6 sweep: ``num_last`` query tokens with 2 next tokens each, 10 common
        tokens, 10 distinct tokens per next token, T = 128."""
        check_int("num_last", num_last, 1)
        return cls(n_classes=2 * num_last, n_common=10, n_distinct=10, seq_len=128, next_per_query=2)

    @property
    def n_queries(self) -> int:
        return self.n_classes // self.next_per_query

    @property
    def n_context_tokens(self) -> int:
        return self.n_common + self.n_classes * self.n_distinct

    @property
    def M(self) -> int:
        """Vocabulary size: context tokens (common, then distinct per class), then the query tokens, then one next
        token per class."""
        return self.n_context_tokens + self.n_queries + self.n_classes

    def query(self, k: int) -> int:
        """The query (last) token of class k."""
        return self.n_context_tokens + k // self.next_per_query

    def next_token(self, k: int) -> int:
        """The next token (the target) of class k."""
        return self.n_context_tokens + self.n_queries + k

    def distinct(self, k: int) -> np.ndarray:
        start = self.n_common + k * self.n_distinct
        return np.arange(start, start + self.n_distinct)

    def context_probs(self) -> np.ndarray:
        """P(l | n_k) for every class: shape (K, M), rows sum to 1."""
        probs = np.zeros((self.n_classes, self.M))
        probs[:, : self.n_common] = 1.0
        for k in range(self.n_classes):
            probs[k, self.distinct(k)] = np.linspace(0.1, 1.0, self.n_distinct)
        return probs / probs.sum(axis=1, keepdims=True)


def sample_batch(data: SequenceClasses, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    """(context (batch, T-1) token ids, query (batch,), next (batch,), class (batch,)); classes uniform."""
    cls = torch.randint(0, data.n_classes, (batch,), generator=gen)
    probs = torch.from_numpy(data.context_probs())[cls]
    context = torch.multinomial(probs, data.seq_len - 1, replacement=True, generator=gen)
    query = data.n_context_tokens + torch.div(cls, data.next_per_query, rounding_mode="floor")
    return context, query, data.n_context_tokens + data.n_queries + cls, cls


def logits(Y: torch.Tensor, Z: torch.Tensor, context: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """Next-token logits (batch, M) of the model for context (batch, T-1) and query (batch,)."""
    scores = torch.gather(Z[query], 1, context)  # (batch, T-1): Z[m, x_t]
    attn = torch.softmax(scores, dim=1)
    mix = torch.zeros(context.shape[0], Z.shape[1], dtype=Z.dtype).scatter_add(1, context, attn)
    mix = mix / mix.norm(dim=1, keepdim=True)
    return mix @ Y.T


def loss(Y, Z, context, query, target) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(logits(Y, Z, context, query), target)


def expected_attention(data: SequenceClasses, Z: np.ndarray) -> np.ndarray:
    """c_n(l) proportional to P(l | n) exp(Z[m_n, l]) for every class: shape (K, M), rows sum to 1."""
    queries = [data.query(k) for k in range(data.n_classes)]
    weights = data.context_probs() * np.exp(Z[queries] - Z[queries].max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def distinct_entropy(data: SequenceClasses, Z: np.ndarray) -> float:
    """Entropy (nats) of each class's attention restricted to its own distinct tokens, averaged over classes."""
    c = expected_attention(data, Z)
    entropies = []
    for k in range(data.n_classes):
        part = c[k, data.distinct(k)]
        part = part / part.sum()
        entropies.append(float(-(part * np.log(part)).sum()))
    return float(np.mean(entropies))


@dataclass
class ScanSnapRun:
    """A training run: Z (len(t), M, M) after the iterations ``t`` (by default every one, t = 0, 1, ..., steps, so
    that Z[0] is the start), the final Y (M, M), the loss of each iteration's batch (steps,; entry i is the loss
    before step i + 1) and how far each matrix moved at each step (``dZ``, ``dY``: Frobenius norms, (steps,))."""

    data: SequenceClasses
    Z: np.ndarray
    Y: np.ndarray
    loss: np.ndarray
    dZ: np.ndarray
    dY: np.ndarray
    t: np.ndarray

    def save(self, path: str | os.PathLike) -> None:
        """Write Z, Y, the losses, the step norms and the recorded iterations to ``path`` (.npz), atomically."""
        store.write_atomic(path, lambda fh: np.savez_compressed(fh, Z=self.Z, Y=self.Y, loss=self.loss, dZ=self.dZ,
                                                                 dY=self.dY, t=self.t))


@dataclass(frozen=True)
class ScanSnapTraining:
    """How a run trains: learning rates of the decoder Y and the attention Z, iterations, batch, initialisation
    (one of :data:`INITS`), SGD momentum and the seed of the weights and of every batch."""

    lr_Y: float = 1.0
    lr_Z: float = 1.0
    steps: int = 100
    batch: int = 128
    init: str = "zero"
    momentum: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        check_number("lr_Y", self.lr_Y, 0, low_open=True)
        check_number("lr_Z", self.lr_Z, 0, low_open=True)
        check_int("steps", self.steps, 1)
        check_int("batch", self.batch, 1)
        check_choice("init", self.init, INITS)
        check_number("momentum", self.momentum, 0, 1, high_open=True)
        check_int("seed", self.seed, 0)


@dataclass(frozen=True)
class ScanSnapExperiment:
    """One Scan-and-Snap run, fully specified: the data and the training. :meth:`run` trains it."""

    data: SequenceClasses
    train: ScanSnapTraining

    @property
    def init_range(self) -> float:
        """Half-width of the uniform initialisation of Y and Z: 0 (``zero``) or 1/sqrt(M) (``linear``)."""
        return 0.0 if self.train.init == "zero" else 1 / float(np.sqrt(self.data.M))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {"data": dataclasses.asdict(self.data), "train": dataclasses.asdict(self.train)}

    @classmethod
    def from_dict(cls, spec: dict[str, dict[str, Any]]) -> ScanSnapExperiment:
        """From ``{"data": {...}, "train": {...}}``; a missing field takes its default, a bad one raises
        ``ValueError`` naming it."""
        return cls(SequenceClasses(**spec.get("data", {})), ScanSnapTraining(**spec.get("train", {})))

    def flat(self) -> dict[str, Any]:
        """The configuration as ``section.field`` keys."""
        return {f"{section}.{name}": value for section, fields in self.to_dict().items()
                for name, value in fields.items()}

    def run(self) -> ScanSnapRun:
        t = self.train
        return train(self.data, t.lr_Y, t.lr_Z, steps=t.steps, batch=t.batch, seed=t.seed,
                     init_range=self.init_range, momentum=t.momentum)


def summary(run: ScanSnapRun) -> dict[str, float]:
    """What the authors' Figure 6 and our snap analysis read off a run: the final entropy over the distinct tokens
    (nats, :func:`distinct_entropy`) and at the start, the final attention on the common tokens (mean over
    classes), the first and final loss, and the total movement of Z and Y (Frobenius norms of Z(T) - Z(0) and of
    the summed steps of Y)."""
    data = run.data
    common = expected_attention(data, run.Z[-1])[:, : data.n_common].sum(axis=1).mean()
    return {
        "entropy": distinct_entropy(data, run.Z[-1]),
        "entropy_start": distinct_entropy(data, run.Z[0]),
        "common_attention": float(common),
        "first_loss": float(run.loss[0]),
        "final_loss": float(run.loss[-1]),
        "Z_moved": float(np.linalg.norm(run.Z[-1] - run.Z[0])),
        "Y_path": float(run.dY.sum()),
    }


def train(
    data: SequenceClasses,
    lr_Y: float,
    lr_Z: float,
    steps: int = 100,
    batch: int = 128,
    seed: int = 0,
    init_range: float = 0.0,
    momentum: float = 0.9,
    record: np.ndarray | list[int] | None = None,
) -> ScanSnapRun:
    """SGD with momentum on (Y, Z), a fresh batch per iteration; deterministic for a seed. ``record``: the
    iterations (in [0, steps]) after which Z is kept, for long runs; default every one."""
    check_number("lr_Y", lr_Y, 0, low_open=True)
    check_number("lr_Z", lr_Z, 0, low_open=True)
    check_int("steps", steps, 1)
    kept = np.arange(steps + 1) if record is None else np.unique(np.asarray(record, dtype=int))
    if kept.size == 0 or kept[0] < 0 or kept[-1] > steps:
        raise ValueError(f"record must list iterations in [0, steps = {steps}], got {record!r}")
    with one_torch_thread():  # the tensors are tiny: one thread runs this loop about ten times faster than two
        return _train(data, lr_Y, lr_Z, steps, batch, seed, init_range, momentum, kept)


def _train(data, lr_Y, lr_Z, steps, batch, seed, init_range, momentum, kept) -> ScanSnapRun:
    gen = torch.Generator().manual_seed(seed)
    M = data.M
    Y, Z = (((torch.rand(M, M, generator=gen, dtype=torch.float64) * 2 - 1) * init_range) for _ in range(2))
    Y.requires_grad_(True)
    Z.requires_grad_(True)
    opt = torch.optim.SGD([{"params": [Y], "lr": lr_Y}, {"params": [Z], "lr": lr_Z}], momentum=momentum)
    keep = set(kept.tolist())
    Zs = [Z.detach().numpy().copy()] if 0 in keep else []
    losses, dY, dZ = [], [], []
    for step in range(1, steps + 1):
        context, query, target, _ = sample_batch(data, batch, gen)
        value = loss(Y, Z, context, query, target)
        if not torch.isfinite(value):
            raise FloatingPointError(f"the loss became {value.item()} at iteration {step - 1}")
        opt.zero_grad()
        value.backward()
        Y_before, Z_before = Y.detach().clone(), Z.detach().clone()
        opt.step()
        losses.append(value.item())
        dY.append(float(torch.linalg.norm(Y.detach() - Y_before)))
        dZ.append(float(torch.linalg.norm(Z.detach() - Z_before)))
        if step in keep:
            Zs.append(Z.detach().numpy().copy())
    return ScanSnapRun(data, np.stack(Zs), Y.detach().numpy().copy(), np.array(losses), np.array(dZ),
                       np.array(dY), kept)


def run_numbers(run: ScanSnapRun, key: str) -> dict[str, tuple[float, str]]:
    """What the chapter quotes of one short run (suffix ``key``), all of the ``"trained"`` class: the attention
    class 0's query puts on the common tokens at the end (``common_``), the largest step of that query's scores
    over the last ten iterations against the largest of all (``snap_``), the batch losses at iterations 0, 4, 10
    and the last, and the entropy over the distinct tokens at the end."""
    data = run.data
    changes = np.abs(np.diff(run.Z[:, data.query(0)], axis=0)).max(axis=1)
    out = {f"common_{key}": expected_attention(data, run.Z[-1])[0][:data.n_common].sum(),
           f"snap_{key}": changes[-10:].max() / changes.max(),
           **{f"loss{i}_{key}": run.loss[i] for i in (0, 4, 10)},
           f"lossT_{key}": run.loss[-1], f"entropy_{key}": distinct_entropy(data, run.Z[-1])}
    return {name: (value, "trained") for name, value in out.items()}


#: The chapter's two short runs: equal rates, and a decoder ten times faster (glue suffix: label, eta_Y, eta_Z).
FIRST_RUNS = {"equal": (r"$\eta_Y = \eta_Z = 1$", 1.0, 1.0), "fast_Y": (r"$\eta_Y = 10,\ \eta_Z = 1$", 10.0, 1.0)}


def first_runs(data: SequenceClasses, steps: int, batch: int, seed: int) -> tuple[dict[str, ScanSnapRun], Readings]:
    """The runs of :data:`FIRST_RUNS` by label, and what the chapter quotes of them (:func:`run_numbers`, with the
    suffixes ``equal`` and ``fast_Y``), the attention class 0's query puts on the common tokens at the start, and
    the iterations."""
    runs, readings = {}, Readings({"common_start": data.context_probs()[0][:data.n_common].sum(), "steps": steps})
    for key, (label, lr_Y, lr_Z) in FIRST_RUNS.items():
        runs[label] = train(data, lr_Y, lr_Z, steps=steps, batch=batch, seed=seed)
        readings.numbers.update(run_numbers(runs[label], key))
    return runs, readings


def attention_rows(runs: dict[str, ScanSnapRun], rows: list[int], tokens: int = 20) -> dict[str, np.ndarray]:
    """Per run, class 0's attention (:func:`expected_attention`) on the first ``tokens`` tokens after each iteration
    of ``rows``: (len(rows), tokens), for :func:`cooccur.plots.scan_snap_maps`."""
    return {name: np.array([expected_attention(run.data, run.Z[i])[0, :tokens] for i in rows])
            for name, run in runs.items()}


# --- the snap, read the way Theorem 4 states it ------------------------------------------------------------------


def predicted_transition(data: SequenceClasses, lr_Y: float, delta: float = 0.0) -> float:
    """Their Theorem 4's transition time t0 = 2 (1 + delta') K ln M / eta_Y, with K the number of next tokens
    (classes) and M the vocabulary. Time is in iterations of plain SGD (momentum 0) with learning rate eta_Y, the
    Euler discretisation of their flow with step 1; with momentum beta one iteration is worth about 1/(1 - beta)."""
    check_number("lr_Y", lr_Y, 0, low_open=True)
    return 2 * (1 + delta) * data.n_classes * float(np.log(data.M)) / lr_Y


def attention_gain(run: ScanSnapRun) -> np.ndarray:
    """By how much (log factor) each class's attention ratio between its most and its least frequent distinct
    token has grown since the start, averaged over the classes: (len(run.t),), 0 at t = 0. As c_n(l) is
    proportional to P(l | n) exp(z_ml), this is the growth of z_{m,hi} - z_{m,lo}, which is what their Theorem 3
    says the scan is made of; its growth rate is what Theorem 4 says snaps."""
    data = run.data
    gains = []
    for k in range(data.n_classes):
        z = run.Z[:, data.query(k), data.distinct(k)]
        spread = z[:, -1] - z[:, 0]  # distinct tokens are in order of rising P(l | n)
        gains.append(spread - spread[0])
    return np.mean(gains, axis=0)


def gain_slope(t: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d gain / d ln t between consecutive recorded iterations t >= 1: (geometric mid-points, slopes). Growth
    like ln t is a constant slope; growth like ln ln t is a slope falling like 1/ln t."""
    keep = t >= 1
    t, gain = t[keep].astype(float), gain[keep]
    return np.sqrt(t[1:] * t[:-1]), np.diff(gain) / np.diff(np.log(t))


def decade_exponents(t: np.ndarray, gain: np.ndarray) -> list[tuple[float, float, float]]:
    """The local decay exponent of the gain's growth rate, one per decade of t: [(start, end, beta), ...] for the
    decades ending at the last recorded t, a tenth of it, ..., the earliest ending at 30 or later.

    Within a decade, ``beta`` is the least-squares slope of -ln(dg/d ln t) against ln ln t, over the slopes of
    :func:`gain_slope` there that are positive: the rate falls like (ln t)^-beta. beta = 0 is growth like ln t,
    beta = 1 growth like ln ln t, beta > 1 slower still (saturation); NaN where fewer than three slopes are
    positive. Decades are listed from the earliest."""
    mid, slope = gain_slope(np.asarray(t), np.asarray(gain))
    end = float(np.asarray(t)[-1])
    out = []
    while end / 10 >= 3:
        inside = (mid >= end / 10) & (mid <= end) & (slope > 0)
        if inside.sum() >= 3:
            beta = -float(np.polyfit(np.log(np.log(mid[inside])), np.log(slope[inside]), 1)[0])
        else:
            beta = float("nan")
        out.append((end / 10, end, beta))
        end /= 10
    return out[::-1]


def step_ratio(run: ScanSnapRun) -> tuple[np.ndarray, np.ndarray]:
    """Z's path length over Y's (sums of the Frobenius norms of their steps) between consecutive recorded
    iterations t >= 1: (geometric mid-points, ratios). Small: Z stands still while Y learns."""
    t = run.t[run.t >= 1]
    dZ, dY = np.r_[0.0, np.cumsum(run.dZ)], np.r_[0.0, np.cumsum(run.dY)]
    return np.sqrt(t[1:] * t[:-1]), np.diff(dZ[t]) / np.diff(dY[t])


@dataclass(frozen=True)
class SnapReading:
    """What one run says about Theorem 4 (times in iterations of plain SGD).

    ``t0``: the predicted transition (:func:`predicted_transition`, delta' = 0). ``t_peak``: where the attention
    gain grows fastest per unit of ln t, the measured transition; ``loss_at_peak``: the batch loss there.
    ``peak_slope`` and ``late_slope``: d gain / d ln t at the peak and averaged over the last recorded decade of t.
    ``late_lnln_slope``: d gain / d ln ln t over that decade (roughly constant if the growth is like ln ln t).
    ``z_over_y_early`` and ``z_over_y_late``: the path length of Z over that of Y (sums of step norms) for
    t < t0 / 4 and over the last decade."""

    t0: float
    t_peak: float
    loss_at_peak: float
    peak_slope: float
    late_slope: float
    late_lnln_slope: float
    z_over_y_early: float
    z_over_y_late: float


def mean_readings(readings: dict[float, list[SnapReading]]) -> dict[str, np.ndarray]:
    """Per field of :class:`SnapReading`, the mean over seeds at each decoder rate, in the order of ``readings``
    (a decoder rate -> the readings of its seeds)."""
    return {f.name: np.array([np.mean([getattr(r, f.name) for r in group]) for group in readings.values()])
            for f in dataclasses.fields(SnapReading)}


def read_snap(run: ScanSnapRun, lr_Y: float) -> SnapReading:
    """Read a run recorded on a logarithmic grid of iterations (``train(..., record=...)``) as in
    :class:`SnapReading`; the run should last at least ten times t0."""
    t0 = predicted_transition(run.data, lr_Y)
    mid, slope = gain_slope(run.t, attention_gain(run))
    peak = int(np.argmax(slope))
    steps = len(run.loss)
    late = mid >= steps / 10
    if not late.any() or steps < 10 * t0:
        raise ValueError(f"the run lasts {steps} iterations; reading the snap needs at least 10 t0 = {10 * t0:.0f}")
    it = np.arange(1, steps + 1)
    early_steps, late_steps = it < t0 / 4, it >= steps / 10
    return SnapReading(
        t0=t0,
        t_peak=float(mid[peak]),
        loss_at_peak=float(run.loss[min(steps, max(1, round(mid[peak]))) - 1]),
        peak_slope=float(slope[peak]),
        late_slope=float(slope[late].mean()),
        late_lnln_slope=float((slope[late] * np.log(mid[late])).mean()),
        z_over_y_early=float(run.dZ[early_steps].sum() / run.dY[early_steps].sum()),
        z_over_y_late=float(run.dZ[late_steps].sum() / run.dY[late_steps].sum()),
    )


def _train_on_grid(job: tuple[float, int], data: SequenceClasses, lr_Z: float, steps: int, batch: int,
                   grid: np.ndarray) -> ScanSnapRun:
    lr_Y, seed = job
    return train(data, lr_Y, lr_Z, steps=steps, batch=batch, seed=seed, momentum=0.0, record=grid)


@dataclass(frozen=True)
class SnapStudy:
    """Their Theorem 4 read on runs of plain SGD: for each decoder rate eta_Y (a key of ``series`` and
    ``per_seed``, in the order given) at one attention rate ``lr_Z``, the runs of several seeds recorded on a log
    grid of iterations (:func:`log_grid`).

    ``series[lr_Y]``: the mean attention gain over seeds (:func:`attention_gain`) with its slope per unit of ln t
    (``mid``, ``slope``), its decade exponents (``decades``, :func:`decade_exponents`), the Z/Y path ratio
    (``ratio_t``, ``z_over_y``, mean over seeds) and the predicted transition ``t0``; ``per_seed[lr_Y]``: each
    seed's :class:`SnapReading`; ``seed_betas``: each run's exponent over its last decade."""

    data: SequenceClasses
    lr_Z: float
    grid: np.ndarray
    series: dict[float, dict[str, Any]]
    per_seed: dict[float, list[SnapReading]]
    seed_betas: list[float]

    @property
    def rates(self) -> list[float]:
        return list(self.per_seed)

    @property
    def mean(self) -> dict[str, np.ndarray]:
        """:func:`mean_readings`: per field, the mean over seeds at each rate."""
        return mean_readings(self.per_seed)

    @property
    def last_betas(self) -> np.ndarray:
        """Each rate's decade exponent over the last decade of its mean gain."""
        return np.array([self.series[lr_Y]["decades"][-1][2] for lr_Y in self.rates])

    def peak_fit(self) -> Any:
        """t_peak against eta_Y over the runs with eta_Y >= 2 eta_Z, where Theorem 4's t0 ~ 1/eta_Y applies (a
        decoder faster than the attention), as :func:`cooccur.measures.power_law_fit`; None with fewer than two
        such rates."""
        in_premise = [(lr_Y, r.t_peak) for lr_Y in self.rates if lr_Y >= 2 * self.lr_Z for r in self.per_seed[lr_Y]]
        return power_law_fit(*zip(*in_premise)) if len({lr for lr, _ in in_premise}) >= 2 else None

    def numbers(self) -> dict[str, tuple[float, str | None]]:
        """The numbers the chapter quotes, as ``{glue name: (value, tolerance class)}`` (None: the default class;
        ``"trained"`` for what a trained model gives)."""
        mean, betas, rates = self.mean, self.last_betas, self.rates
        t0, t_peak = mean["t0"], mean["t_peak"]
        decades = {lr_Y: self.series[lr_Y]["decades"] for lr_Y in rates}
        trained = {"snap_peak_over_t0_min": (t_peak / t0).min(), "snap_peak_over_t0_max": (t_peak / t0).max(),
                   "snap_peak_first": t_peak[0], "snap_peak_last": t_peak[-1],
                   "snap_loss_peak_min": mean["loss_at_peak"].min(), "snap_loss_peak_max": mean["loss_at_peak"].max(),
                   "snap_lnln_min": mean["late_lnln_slope"].min(), "snap_lnln_max": mean["late_lnln_slope"].max(),
                   "snap_beta_last_min": betas.min(), "snap_beta_last_max": betas.max(),
                   "snap_zy_early_max": mean["z_over_y_early"].max(), "snap_zy_late_min": mean["z_over_y_late"].min(),
                   "snap_zy_late_max": mean["z_over_y_late"].max(),
                   "snap_beta_seed_min": float(np.nanmin(self.seed_betas)),
                   "snap_beta_seed_max": float(np.nanmax(self.seed_betas))}
        out: dict[str, tuple[float, str | None]] = {name: (value, "trained") for name, value in trained.items()}
        out.update({"snap_K": (self.data.n_classes, None), "snap_M": (self.data.M, None),
                    "snap_lr_Z": (self.lr_Z, None),
                    "snap_rate_span": (max(rates) / min(rates), None), "snap_rates": (len(rates), None),
                    "snap_lr_Y_fastest": (max(rates), None),
                    "snap_lr_Y_closest": (rates[int(np.argmin(np.abs(betas - 1)))], None),
                    "snap_first_climbing": (int(sum(d[0][2] < 0 for d in decades.values())), None)})
        fit = self.peak_fit()
        if fit is not None:
            out.update({"snap_peak_exponent": (fit.exponent, "trained"), "snap_peak_exponent_low": (fit.low, "trained"),
                        "snap_peak_exponent_high": (fit.high, "trained"), "snap_peak_fit_runs": (fit.n, None)})
        fastest = decades[max(rates)]
        for k, (start, end, beta) in enumerate(fastest[-3:], start=1):  # the last three decades
            out.update({f"snap_beta_fast_{k}": (beta, "trained"), f"snap_beta_fast_{k}_start": (start, None),
                        f"snap_beta_fast_{k}_end": (end, None)})
        out["snap_last_over_t0"] = (fastest[-1][0] / t0.max(), "float64")
        # after each rate's fastest growth: the decade exponents of the decades that start there or later
        after = {lr_Y: [beta for start, _, beta in decades[lr_Y] if start >= peak] for lr_Y, peak in zip(rates, t_peak)}
        out["snap_after_slower"] = (sum(bool(b) and min(b) > 0 for b in after.values()), None)
        out["snap_after_above_one"] = (sum(bool(b) and min(b) > 1 for b in after.values()), None)
        return out

    def readings(self) -> Readings:
        """:meth:`numbers`, the study's size (query tokens, iterations, seeds), whether the fitted exponent of
        t_peak against eta_Y includes -1 (when it can be fitted), and :meth:`last_reading`."""
        fit = self.peak_fit()
        texts = {"snap_last_reading": self.last_reading()}
        if fit is not None:
            texts["snap_peak_verdict"] = "includes" if fit.low <= -1 <= fit.high else "excludes"
        size = {"snap_num_last": self.data.n_queries, "snap_steps": int(self.grid[-1]),
                "snap_seeds": len(self.per_seed[self.rates[0]])}
        return Readings({**size, **self.numbers()}, texts=texts)

    def rate_table(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Rows and formats (:func:`cooccur.report.rows_table`) of the readings per decoder rate."""
        mean = self.mean
        names = {"predicted t0": ("t0", ".0f"), "fastest growth at t": ("t_peak", ".0f"),
                 "loss there": ("loss_at_peak", ".2f"), "dg/d ln t at peak": ("peak_slope", ".3f"),
                 "dg/d ln t, last decade": ("late_slope", ".3f"), "× ln t": ("late_lnln_slope", ".2f"),
                 "Z/Y path, t < t0/4": ("z_over_y_early", ".3f"), "Z/Y path, last decade": ("z_over_y_late", ".2f")}
        rows = [{"η_Y": lr_Y, "η_Y/η_Z": lr_Y / self.lr_Z, **{label: mean[field][k] for label, (field, _) in
                                                          names.items()}} for k, lr_Y in enumerate(self.rates)]
        return rows, {"η_Y/η_Z": "g", **{label: fmt for label, (_, fmt) in names.items()}}

    def decade_table(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Rows and formats of the decade exponents of each rate's mean gain, one column per decade."""
        fastest = self.series[max(self.rates)]["decades"]
        rows = [{"η_Y": lr_Y, **{f"t in [{a:.0f}, {b:.0f}]": beta for a, b, beta in self.series[lr_Y]["decades"]}}
                for lr_Y in self.rates]
        return rows, {"η_Y": "g", **{f"t in [{a:.0f}, {b:.0f}]": ".2f" for a, b, _ in fastest}}

    def last_reading(self) -> str:
        """What the last decade says of the ln ln t growth, in a sentence."""
        if self.last_betas.min() > 1:
            return ("So the exponent has not come down to 1 at any rate by the end of the runs: if growth like ln ln "
                    "t is where the gain ends up, the runs approach it from the slow side and have not reached it.")
        return ("At least one rate's exponent is at or below 1 over the last decade: there the gain grows like ln ln "
                "t, or faster.")


def snap_study(data: SequenceClasses, lr_Y: list[float], lr_Z: float, steps: int, batch: int, seeds: int,
               workers: int | None = None) -> SnapStudy:
    """Train every decoder rate of ``lr_Y`` with seeds 0 to ``seeds - 1`` (plain SGD, ``steps`` iterations,
    recorded on :func:`log_grid`) on ``workers`` processes (:func:`cooccur.parallel.map_parallel`) and read them
    as :class:`SnapStudy`."""
    grid = log_grid(steps)
    jobs = [(rate, seed) for rate in lr_Y for seed in range(seeds)]
    runs = map_parallel(partial(_train_on_grid, data=data, lr_Z=lr_Z, steps=steps, batch=batch, grid=grid), jobs,
                        workers)
    gains = [attention_gain(run) for run in runs]
    series, readings = {}, {}
    for rate in lr_Y:
        group = [run for (r, _), run in zip(jobs, runs) if r == rate]
        gain = np.mean([g for (r, _), g in zip(jobs, gains) if r == rate], axis=0)
        mid, slope = gain_slope(grid, gain)
        ratio_t, _ = step_ratio(group[0])
        series[rate] = {"t": grid, "gain": gain, "mid": mid, "slope": slope, "ratio_t": ratio_t,
                        "decades": decade_exponents(grid, gain),
                        "z_over_y": np.mean([step_ratio(run)[1] for run in group], axis=0),
                        "t0": predicted_transition(data, rate)}
        readings[rate] = [read_snap(run, rate) for run in group]
    return SnapStudy(data, lr_Z, grid, series, readings, [decade_exponents(grid, g)[-1][2] for g in gains])


def log_grid(steps: int, points: int = 80) -> np.ndarray:
    """Iterations 0 and about ``points`` more spread evenly in ln t up to ``steps``: where a snap run keeps Z."""
    check_int("steps", steps, 1)
    return np.r_[0, np.unique(np.round(np.logspace(0, np.log10(steps), points)).astype(int))]


def figure6_stats(table) -> Any:
    """Mean, standard deviation (``std``, ddof 1) and standard error (``sem``) over seeds of the final entropy of
    the finished runs of a ``kind: scan_snap`` sweep table (pandas), indexed by (num_last, train.lr_Z,
    axis.lr_ratio)."""
    ok = table[table["error"].fillna("") == ""]
    return ok.groupby(["num_last", "train.lr_Z", "axis.lr_ratio"])["entropy"].agg(["mean", "std", "sem"])


#: The levels of the Figure-6 grid, as the sweep table names them.
FIGURE6_GRID = ["num_last", "train.lr_Z", "axis.lr_ratio"]


def _on_figure6_grid(frame) -> Any:
    """``frame`` (pandas, indexed by the three levels of the grid) with its levels named :data:`FIGURE6_GRID` and
    held as (int, float, float), so that a sweep's table and the published one join exactly."""
    frame = frame.copy()
    index = frame.index.set_names(FIGURE6_GRID)
    frame.index = index.set_levels([index.levels[0].astype(int), index.levels[1].astype(float),
                                    index.levels[2].astype(float)])
    return frame


def read_published_figure6(path: str | os.PathLike) -> Any:
    """The authors' published Figure-6 table (a CSV with ``#`` comment lines and columns num_last, lr_Z, lr_ratio,
    entropy, plus_minus, seeds), indexed by :data:`FIGURE6_GRID`."""
    import pandas as pd

    published = pd.read_csv(path, comment="#")
    return _on_figure6_grid(published.set_index(["num_last", "lr_Z", "lr_ratio"])).sort_index()


def compare_figure6(table, published) -> Any:
    """Per point of the grid present in both: our mean, standard deviation and standard error over seeds beside the
    published mean, its ``±`` and its number of seeds (pandas, indexed by :data:`FIGURE6_GRID`), with the published
    ``±`` over our standard deviation (``pm_over_std``) and over our standard error (``pm_over_sem``): which ratio
    sits near 1 says which statistic the published bars are. ``gap_in_se`` is the gap of the two means in standard
    errors of their difference, reading the published ``±`` as a standard deviation over its seeds."""
    both = _on_figure6_grid(figure6_stats(table)).join(published, how="inner")
    both["pm_over_std"] = both["plus_minus"] / both["std"]
    both["pm_over_sem"] = both["plus_minus"] / both["sem"]
    se_difference = np.sqrt(both["plus_minus"] ** 2 / both["seeds"] + both["sem"] ** 2)
    both["gap_in_se"] = (both["mean"] - both["entropy"]).abs() / se_difference
    return both


def figure6_trends(table) -> Any:
    """The two trends of the authors' Figure 6, read off a ``kind: scan_snap`` sweep table (pandas), one row per
    number of query tokens ``num_last``: ``falls_with_lr_Z`` counts the ratios eta_Y/eta_Z at which the mean
    entropy falls at every step up the eta_Z grid (out of ``ratios``); ``dips_to_2`` and ``rises_after_2`` count
    the eta_Z curves (out of ``curves``) on which the entropy at eta_Y/eta_Z = 2 lies below that at 1, and that at
    the largest ratio lies above that at 2, by more than twice the standard error of the difference."""
    import pandas as pd

    sizes = table.groupby("num_last")[["data.n_classes", "M"]].first()
    rows = []
    for num_last, panel in figure6_stats(table).groupby(level=0):
        mean = panel["mean"].droplevel(0).unstack()  # rows lr_Z, columns ratio
        sem = panel["sem"].droplevel(0).unstack().fillna(0.0)
        ratios = list(mean.columns)
        top = ratios[-1]

        def below(a, b, mean=mean, sem=sem):  # mean at ratio a below that at b, per lr_Z, by > 2 standard errors
            return (mean[b] - mean[a]) > 2 * np.sqrt(sem[a] ** 2 + sem[b] ** 2)

        rows.append({
            "num_last": int(num_last),
            "K": int(sizes.loc[num_last, "data.n_classes"]),
            "M": int(sizes.loc[num_last, "M"]),
            "ratios": len(ratios),
            "falls_with_lr_Z": int((mean.diff(axis=0).iloc[1:] < 0).all(axis=0).sum()),
            "curves": len(mean),
            "dips_to_2": int(below(2, 1).sum()) if 1 in ratios and 2 in ratios else 0,
            "rises_after_2": int(below(2, top).sum()) if 2 in ratios and top != 2 else 0,
        })
    return pd.DataFrame(rows)


def figure6_numbers(table, seeds: int, published) -> dict[str, tuple[float, str | None]]:
    """What the chapter quotes of a Figure-6 sweep (``table``, pandas, of ``kind: scan_snap``, run with ``seeds``
    seeds) against the authors' published table (:func:`read_published_figure6`): the runs, the two trends
    (:func:`figure6_trends`; for more than one query token and for one), the entropies, and the comparison
    (:func:`compare_figure6`) with its spot point (3 query tokens, eta_Z = 0.5, ratio 1) when there is one, as
    ``{glue name: (value, tolerance class)}``."""
    done = table[table["error"].fillna("") == ""]
    trends = figure6_trends(table)
    large, small = trends[trends["num_last"] > 1], trends[trends["num_last"] == 1]
    versus = compare_figure6(table, published)
    off_std, off_sem = (np.abs(np.log(versus[column])) for column in ("pm_over_std", "pm_over_sem"))  # per point
    out: dict[str, tuple[float, str | None]] = {
        "fig6_runs": (len(table), None), "fig6_failed": (len(table) - len(done), None), "fig6_seeds": (seeds, None),
        "fig6_falls": (trends["falls_with_lr_Z"].sum(), None), "fig6_falls_of": (trends["ratios"].sum(), None),
        "fig6_dips": (large["dips_to_2"].sum(), None), "fig6_rises": (large["rises_after_2"].sum(), None),
        "fig6_curves_large": (large["curves"].sum(), None), "fig6_dips_small": (small["dips_to_2"].sum(), None),
        "fig6_rises_small": (small["rises_after_2"].sum(), None), "fig6_curves_small": (small["curves"].sum(), None),
        "fig6_entropy_min": (done.groupby(FIGURE6_GRID)["entropy"].mean().min(), "trained"),
        "fig6_entropy_start": (done["entropy_start"].mean(), "trained"),
        "fig6_points_compared": (len(versus), None),
        "fig6_pm_over_std": (versus["pm_over_std"].median(), "trained"),
        "fig6_pm_over_sem": (versus["pm_over_sem"].median(), "trained"),
        "fig6_closer_to_std": (int((off_std < off_sem).sum()), None),
        "fig6_gap_in_se": (versus["gap_in_se"].median(), "trained"),
        "fig6_far_apart": (int((versus["gap_in_se"] > 2).sum()), None)}
    if (3, 0.5, 1.0) in versus.index:
        spot = versus.loc[(3, 0.5, 1.0)]
        out.update({"fig6_spot_plus_minus": (spot["plus_minus"], None), "fig6_spot_std": (spot["std"], "trained"),
                    "fig6_spot_sem": (spot["sem"], "trained")})
    return out


def figure6_readings(table, seeds: int, published) -> Readings:
    """:func:`figure6_numbers`, what the published bars are (:func:`figure6_bars`), and the sweep's core-seconds
    and mean seconds per finished run (facts about this machine, kept out of the manifest)."""
    seconds = table[table["error"].fillna("") == ""]["wall_time"]
    return Readings(figure6_numbers(table, seeds, published), texts={"fig6_bars_are": figure6_bars(table, published)},
                    unrecorded={"fig6_core_seconds": seconds.sum(), "fig6_run_seconds": seconds.mean()})


def figure6_bars(table, published) -> str:
    """Which statistic the published bars are, as a phrase: "the standard deviation over seeds", or "not told
    apart here (too few seeds)"; raises ``AssertionError`` if they read as standard errors, since the book draws
    standard deviations and says so."""
    versus = compare_figure6(table, published)
    off_std, off_sem = (np.abs(np.log(versus[column])) for column in ("pm_over_std", "pm_over_sem"))
    told_apart = bool(np.isfinite(off_std.median() + off_sem.median()))
    if told_apart and not off_std.median() < off_sem.median():
        raise AssertionError("the published bars read as standard errors: plots.scan_snap_entropy draws standard "
                             "deviations, and the prose says so; revisit both")
    return "the standard deviation over seeds" if told_apart else "not told apart here (too few seeds)"


def figure6_trend_rows(table, top_ratio: float) -> list[dict[str, Any]]:
    """One table row per number of query tokens: K, M and the two trends of :func:`figure6_trends`."""
    return [{"query tokens": r.num_last, "K": r.K, "M": r.M,
             "entropy falls with η_Z (ratios)": f"{r.falls_with_lr_Z} of {r.ratios}",
             "dips from η_Y/η_Z = 1 to 2 (curves)": f"{r.dips_to_2} of {r.curves}",
             f"rises from 2 to {top_ratio:g} (curves)": f"{r.rises_after_2} of {r.curves}"}
            for r in figure6_trends(table).itertuples()]

