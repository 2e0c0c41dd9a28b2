"""Local to Global (Makkuva et al., NeurIPS 2024): first-order binary Markov chains and the canonical model.

Data. A chain x_0, x_1, ... on {0, 1} with switching probabilities p = P(1 | 0) and q = P(0 | 1). Its
stationary law is pi_1 = p / (p + q), pi_0 = q / (p + q); :func:`sample_chains` starts every chain there, so
every position has the same marginal.

Canonical model. The authors' low-dimensional reduction of a one-layer transformer predicts x_{n+1} from x_n with
the logit

    logit(x_n) = e^2 (1 + 2 w|w|) x_n + b - e^2 / 2,

trained with binary cross-entropy. Write a = e^2 (1 + 2 w|w|) and c = b - e^2 / 2, so P(next = 1 | 0) = sigmoid(c)
and P(next = 1 | 1) = sigmoid(a + c). Under the stationary law the population loss is

    L(a, c) = pi_0 H(p, sigmoid(c)) + pi_1 H(1 - q, sigmoid(a + c)),   H(y, s) = -y log s - (1 - y) log(1 - s).

Minimising over the bias in closed form: dL/dc = 0 reads pi_0 u/(1+u) + pi_1 u k/(1+u k) = pi_1 with u = e^c and
k = e^a, i.e. pi_0 k u^2 + (pi_0 - pi_1) u - pi_1 = 0, whose positive root is the optimal u. The reduced loss
L*(e, w) = min_b L is what we study; by the envelope theorem dL*/da = pi_1 (sigmoid(a + c*) - (1 - q)).

Landscape facts used in the book (all checked by the tests or the chapter):
* global minima: a = log((1 - p)(1 - q) / (p q)), where the model is the true bigram predictor;
* the line e = 0 (a = 0, the unigram predictor) is critical; its curvature across the line has the sign of
  (p + q - 1)(1 + 2 w|w|), so for p + q < 1 it holds local minima for w < -1/sqrt(2) and for p + q > 1 for
  w > -1/sqrt(2), with a saddle at w = -1/sqrt(2);
* gradient flow on (e, w) conserves E(e, w) = e^2 - w^2 - sign(w) log|w|, so trajectories follow level sets of E.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from cooccur.flow import DivergenceError, integrate_flow
from cooccur.readings import Readings
from cooccur.validate import check_number

SADDLE_W = -1 / math.sqrt(2)


@dataclass(frozen=True)
class MarkovChain:
    """A binary first-order Markov chain with P(1 | 0) = p and P(0 | 1) = q, both in (0, 1)."""

    p: float
    q: float

    def __post_init__(self) -> None:
        for name in ("p", "q"):
            check_number(name, getattr(self, name), 0, 1, low_open=True, high_open=True)

    @property
    def pi1(self) -> float:
        """Stationary probability of state 1."""
        return self.p / (self.p + self.q)

    @property
    def bigram_a(self) -> float:
        """The value of a = e^2 (1 + 2 w|w|) at the global minima."""
        return math.log((1 - self.p) * (1 - self.q) / (self.p * self.q))

    def entropy_rate(self) -> float:
        """Loss of the true next-token predictor (the bigram loss), in nats."""
        return (1 - self.pi1) * _binary_entropy(self.p) + self.pi1 * _binary_entropy(self.q)

    def unigram_loss(self) -> float:
        """Loss of the best predictor that ignores the current token, in nats."""
        return _binary_entropy(self.pi1)


def sample_chains(chain: MarkovChain, n: int, length: int, seed: int = 0) -> np.ndarray:
    """``n`` chains of ``length`` steps from the stationary law; int8 array of shape (n, length).

    Step t draws u_t uniform in [0, 1) and switches state when u_t < p (from 0) or u_t < q (from 1). Each step is
    then a map of {0, 1} into itself, held as its two values (the next bit from 0, the next bit from 1), and the
    chain at step t is the composition of the first t maps applied to the first bit: the compositions of all
    prefixes come from log2(length) doubling passes over whole arrays (an inclusive scan) instead of a loop over
    the steps. The bits are exactly those of stepping the chain one position at a time (a test checks this)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    first = rng.random(n) < chain.pi1
    u = rng.random((n, length - 1))
    from0, from1 = u < chain.p, u >= chain.q  # the next bit after a 0 and after a 1
    shift = 1
    while shift < length - 1:  # compose each map with the one `shift` steps before it: later(earlier(bit))
        earlier0, earlier1 = from0[:, :-shift], from1[:, :-shift]
        later0, later1 = from0[:, shift:], from1[:, shift:]
        from0[:, shift:], from1[:, shift:] = (np.where(earlier0, later1, later0), np.where(earlier1, later1, later0))
        shift *= 2
    x = np.empty((n, length), dtype=np.int8)
    x[:, 0] = first
    x[:, 1:] = np.where(first[:, None], from1, from0)
    return x


def sampled_entropy_rate(chain: MarkovChain, n: int, length: int, seed: int = 0) -> tuple[float, float]:
    """A sampled estimate of the bigram loss: the mean of -ln P(x_{t+1} | x_t) under the true transition law over
    every transition of ``n`` stationary chains of ``length`` bits (:func:`sample_chains`), and its standard error
    (chain means are independent; within a chain the terms are correlated, so the error is taken over chains).
    Converges to :meth:`MarkovChain.entropy_rate`."""
    x = sample_chains(chain, n, length, seed=seed)
    now, nxt = x[:, :-1].astype(bool), x[:, 1:].astype(bool)
    p_one = np.where(now, 1 - chain.q, chain.p)  # P(next = 1 | now)
    nats = -np.log(np.where(nxt, p_one, 1 - p_one))
    per_chain = nats.mean(axis=1)
    return float(per_chain.mean()), float(per_chain.std(ddof=1) / np.sqrt(n))


def logit_slope(e, w):
    """a = e^2 (1 + 2 w|w|), elementwise."""
    return e**2 * (1 + 2 * w * np.abs(w))


def optimal_offset(chain: MarkovChain, a):
    """c* = argmin_c L(a, c) in closed form (the positive root of the quadratic in u = e^c), elementwise."""
    pi1, pi0 = chain.pi1, 1 - chain.pi1
    k = np.exp(a)
    u = (-(pi0 - pi1) + np.sqrt((pi0 - pi1) ** 2 + 4 * pi0 * pi1 * k)) / (2 * pi0 * k)
    return np.log(u)


def loss(chain: MarkovChain, a, c):
    """Population cross-entropy L(a, c) under the stationary law, in nats, elementwise."""
    pi1 = chain.pi1
    return (1 - pi1) * _cross_entropy(chain.p, c) + pi1 * _cross_entropy(1 - chain.q, a + c)


def reduced_loss(chain: MarkovChain, e, w):
    """L*(e, w) = min over the bias of the population loss."""
    a = logit_slope(e, w)
    return loss(chain, a, optimal_offset(chain, a))


def reduced_grad(chain: MarkovChain, e, w):
    """(dL*/de, dL*/dw), elementwise."""
    a = logit_slope(e, w)
    dL_da = chain.pi1 * (expit(a + optimal_offset(chain, a)) - (1 - chain.q))
    return dL_da * 2 * e * (1 + 2 * w * np.abs(w)), dL_da * 4 * e**2 * np.abs(w)


def energy(e, w):
    """E(e, w) = e^2 - w^2 - sign(w) log|w|, conserved by the flow."""
    return e**2 - w**2 - np.sign(w) * np.log(np.abs(w))


def flow(chain: MarkovChain, e0, w0, T: float, times: np.ndarray, rtol: float = 1e-9, atol: float = 1e-12):
    """Gradient flow of L*(e, w) from many starting points at once.

    ``e0``, ``w0``: arrays of shape (k,). Returns (t, e, w, evals) with e, w of shape (len(times), k). All points
    share one adaptive solve (:func:`cooccur.flow.integrate_flow`).
    """
    e0, w0 = np.atleast_1d(np.asarray(e0, float)), np.atleast_1d(np.asarray(w0, float))
    k = e0.size

    def rhs(t, y):
        ge, gw = reduced_grad(chain, y[:k], y[k:])
        out = -np.concatenate([ge, gw])
        if not np.all(np.isfinite(out)):
            raise DivergenceError(f"the Markov flow produced non-finite gradients at t={t:.6g}")
        return out

    t, states, evals = integrate_flow(rhs, np.concatenate([e0, w0]), T, times, rtol=rtol, atol=atol)
    return t, states[:, :k], states[:, k:], evals


#: An end point counts as settled on a minimum when within this distance of it (in a or in e).
SETTLED = 0.05


def end_state(chain: MarkovChain, e, w) -> np.ndarray:
    """Classify end points of the flow: 1.0 at a global (bigram) minimum, where e^2 (1 + 2w|w|) is within
    :data:`SETTLED` of its bigram value; 0.0 at a unigram point, |e| < :data:`SETTLED`; NaN if neither."""
    e, w = np.asarray(e, dtype=float), np.asarray(w, dtype=float)
    to_global = np.abs(logit_slope(e, w) - chain.bigram_a) < SETTLED
    to_local = (np.abs(e) < SETTLED) & ~to_global
    return np.where(to_global, 1.0, np.where(to_local, 0.0, np.nan))


#: The two chains of the chapter's landscape and basin figures, p + q below and above 1, with their glue tags.
FIGURE_CHAINS = {"low": ("p = q = 0.1", 0.1), "high": ("p = q = 0.9", 0.9)}
#: The symmetric chains p = q of the initialisation figure (p + q = 2p runs across the switch at 1).
SWITCH_P = np.array([0.1, 0.2, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9])


def landscape(rng: np.random.Generator, start_std: float, T: float, starts: int = 8):
    """The flow from ``starts`` small random points (N(0, start_std^2) in e and in w, drawn from ``rng``) on each
    of :data:`FIGURE_CHAINS`, recorded at 401 times on [0, T]. Returns ``(panels, readings)``: ``panels[title] =
    (chain, e, w)`` with e, w of shape (401, starts), and ``energy_drift``, the largest change of the conserved
    energy along any path (the integrator's error)."""
    starts_e, starts_w = start_std * rng.standard_normal(starts), start_std * rng.standard_normal(starts)
    times = np.concatenate([[0.0], np.geomspace(1e-2, T, 400)])
    panels, drift = {}, []
    for name, pq in FIGURE_CHAINS.values():
        chain = MarkovChain(pq, pq)
        _, e, w, _ = flow(chain, starts_e, starts_w, T, times)
        panels[f"{name} (p + q = {chain.p + chain.q:.1f})"] = (chain, e, w)
        drift.append(np.abs(energy(e, w) - energy(e[0], w[0])).max())
    return panels, Readings({"energy_drift": max(drift)})


def basins(grid_points: int, T: float):
    """Where the flow from each point of a ``grid_points``-square grid on [-3, 3]^2 ends by time T (w shifted by
    1e-3 off the singular line w = 0), on each of :data:`FIGURE_CHAINS`. Returns ``(E0, W0, labels, readings)``:
    the grid (meshgrid arrays), ``labels[name]`` of :func:`end_state` on it, and per chain tag the share of settled
    starts reaching the bigram minimum (``basin_global_<tag>``) and the share not settled (``basin_unsettled_``)."""
    g = np.linspace(-3, 3, grid_points)
    E0, W0 = np.meshgrid(g, g + 1e-3)
    labels, readings = {}, Readings()
    for key, (name, pq) in FIGURE_CHAINS.items():
        chain = MarkovChain(pq, pq)
        _, e, w, _ = flow(chain, E0.ravel(), W0.ravel(), T, np.array([0.0, T]))
        labels[name] = end_state(chain, e[-1], w[-1]).reshape(E0.shape)
        readings.numbers.update({f"basin_global_{key}": np.nanmean(labels[name] == 1),
                                 f"basin_unsettled_{key}": np.mean(np.isnan(labels[name]))})
    return E0, W0, labels, readings


def small_starts(rng: np.random.Generator, n_inits: int, start_std: float, T: float):
    """The share of ``n_inits`` small random starts (N(0, start_std^2), drawn from ``rng``) whose flow reaches the
    bigram minimum by time T, on each chain p = q of :data:`SWITCH_P`, against the prediction: all of them when
    p + q < 1, none above. Returns ``(p + q, reached, predicted, readings)`` (arrays over the chains);
    ``init_agree`` is the share of chains where reached equals predicted."""
    e0, w0 = start_std * rng.standard_normal(n_inits), start_std * rng.standard_normal(n_inits)
    reached = []
    for pq in SWITCH_P:
        chain = MarkovChain(pq, pq)
        _, e, w, _ = flow(chain, e0, w0, T, np.array([0.0, T]))
        reached.append(np.mean(end_state(chain, e[-1], w[-1]) == 1))
    reached, predicted = np.array(reached), (2 * SWITCH_P < 1).astype(float)
    readings = Readings({"n_inits": n_inits, "start_std": start_std, "init_agree": np.mean(reached == predicted)})
    return 2 * SWITCH_P, reached, predicted, readings


def _binary_entropy(p: float) -> float:
    return -p * math.log(p) - (1 - p) * math.log(1 - p)


def _cross_entropy(y, logit):
    """-y log sigmoid(logit) - (1 - y) log(1 - sigmoid(logit)), stably."""
    return y * np.logaddexp(0, -logit) + (1 - y) * np.logaddexp(0, logit)
