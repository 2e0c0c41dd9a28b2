"""The shallow transformer of Yang et al. (Section 2): softmax self-attention followed by a linear MLP.

For a sample X = [x_1 ... x_L] (columns in R^d) the output is

    F(X) = sum_l sum_j a_j w_j^T W_V X softmax(X^T W_K^T W_Q x_l / sqrt(m)),

with W_Q, W_K, W_V in R^{m x d}, W in R^{m1 x m} (rows w_j^T) and a in {+1, -1}^{m1}. Every position l is a
query, attends over all L keys (no mask, no positional encoding) and the L query outputs are *summed*; there is
no residual connection and no nonlinearity. ``a`` is drawn once and never trained.

Conventions. Tensors are batch-first and token-major: X has shape (n, L, d) and ``X[i, l]`` is x_l of sample i.
Attention probabilities ``p[i, l, h]`` are those of query position l on key position h (softmax over h).

The loss is the logistic loss log(1 + exp(-y F)), averaged over samples; it is computed with ``softplus``,
which is stable for outputs of any size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

import torch

from cooccur.validate import check_choice, check_int, check_number

InitScheme = Literal["theory", "kaiming", "he_normal", "xavier_normal"]
INIT_SCHEMES = ("theory", "kaiming", "he_normal", "xavier_normal")


@dataclass(frozen=True)
class ModelConfig:
    """Configuration of the transformer and its random initialisation.

    Attributes:
        d: input dimension (= vocabulary size of the data).
        m: rows of W_Q, W_K, W_V (the "embedding dimension"); scores are divided by sqrt(m).
        m1: number of neurons of the linear MLP (rows of W).
        init: ``"theory"`` is Condition 1 of the paper: entries of W_Q, W_K, W_V ~ N(0, sigma0^2) with
            sigma0 = 1/sqrt(L m), entries of W ~ N(0, sigma1^2) with sigma1 = 1/sqrt(m1).
            The experiments use "Kaiming initialization" and name no variant; three readings are offered.
            ``"kaiming"`` is PyTorch's default for ``nn.Linear`` (``kaiming_uniform_`` with a = sqrt(5)): entries
            ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = d for W_Q, W_K, W_V and m for W. It is what the phrase
            means in code that builds the layers as ``nn.Linear`` and leaves their initialisation alone, so it is
            our default reading; nothing in the paper confirms it. ``"he_normal"`` is He et al.'s normal
            initialisation (``kaiming_normal_``, gain sqrt(2)): N(0, 2/fan_in). ``"xavier_normal"`` is
            N(0, 2/(fan_in + fan_out)). All three give an initial output of order one.
        sigma0, sigma1: override the standard deviations of the "theory" scheme (ignored by the others).
        init_scale: multiplies the standard deviations of W_Q, W_K, W_V and W of whichever scheme (``a`` stays
            in {+1, -1}); the initial output scales as init_scale^2. 1 is the scheme itself.
        seed: seed of the torch generator for W_Q, W_K, W_V, W and a.
    """

    d: int = 64
    m: int = 128
    m1: int = 256
    init: InitScheme = "theory"
    sigma0: float | None = None
    sigma1: float | None = None
    init_scale: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name, low in (("d", 4), ("m", 1), ("m1", 1), ("seed", 0)):
            check_int(name, getattr(self, name), low)
        check_choice("init", self.init, INIT_SCHEMES)
        for name in ("sigma0", "sigma1"):
            check_number(name, getattr(self, name), 0, low_open=True, allow_none=True)
        check_number("init_scale", self.init_scale, 0, low_open=True)


@dataclass
class Params:
    """The weights. ``W_Q, W_K, W_V``: (m, d); ``W``: (m1, m); ``a``: (m1,) in {+1, -1}, fixed."""

    W_Q: torch.Tensor
    W_K: torch.Tensor
    W_V: torch.Tensor
    W: torch.Tensor
    a: torch.Tensor

    def trained(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The trained blocks, in the order ``W_Q, W_K, W_V, W``."""
        return (self.W_Q, self.W_K, self.W_V, self.W)

    def clone(self) -> Params:
        """A deep copy, detached from any autograd graph."""
        return Params(**{f.name: getattr(self, f.name).detach().clone() for f in fields(self)})

    @property
    def m(self) -> int:
        return self.W_Q.shape[0]

    @property
    def m1(self) -> int:
        return self.W.shape[0]


def init_std(cfg: ModelConfig, L: int) -> tuple[float, float]:
    """Standard deviations (sigma0 of W_Q, W_K, W_V; sigma1 of W) of the initialisation, ``init_scale`` included."""
    sigma0, sigma1 = _scheme_std(cfg, L)
    return cfg.init_scale * sigma0, cfg.init_scale * sigma1


def phase1_rate(cfg: ModelConfig, L: int) -> float:
    """(sigma0^2 + sigma1^2) m m1: the rate at which G(mu_1), G(mu_2) grow at t = 0 (Lemma 4.1), up to a constant.
    T1 is of order 1/rate."""
    sigma0, sigma1 = init_std(cfg, L)
    return (sigma0**2 + sigma1**2) * cfg.m * cfg.m1


def _scheme_std(cfg: ModelConfig, L: int) -> tuple[float, float]:
    fan_in_qkv, fan_out_qkv, fan_in_w, fan_out_w = cfg.d, cfg.m, cfg.m, cfg.m1
    if cfg.init == "kaiming":
        return 1 / math.sqrt(3 * fan_in_qkv), 1 / math.sqrt(3 * fan_in_w)
    if cfg.init == "he_normal":
        return math.sqrt(2 / fan_in_qkv), math.sqrt(2 / fan_in_w)
    if cfg.init == "xavier_normal":
        return math.sqrt(2 / (fan_in_qkv + fan_out_qkv)), math.sqrt(2 / (fan_in_w + fan_out_w))
    sigma0 = cfg.sigma0 if cfg.sigma0 is not None else 1 / math.sqrt(L * cfg.m)
    sigma1 = cfg.sigma1 if cfg.sigma1 is not None else 1 / math.sqrt(cfg.m1)
    return sigma0, sigma1


def init_params(cfg: ModelConfig, L: int, dtype: torch.dtype = torch.float64) -> Params:
    """Draw the initial weights; the same config and L give the same weights, bit for bit."""
    check_int("L", L, 1)
    gen = torch.Generator().manual_seed(cfg.seed)
    d, m, m1 = cfg.d, cfg.m, cfg.m1

    def draw(rows: int, cols: int, std: float) -> torch.Tensor:
        if cfg.init == "kaiming":  # U(-b, b) has standard deviation b / sqrt(3)
            bound = std * math.sqrt(3)
            return (torch.rand(rows, cols, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        return torch.randn(rows, cols, generator=gen, dtype=torch.float64) * std

    sigma0, sigma1 = init_std(cfg, L)
    W_Q, W_K, W_V = (draw(m, d, sigma0) for _ in range(3))
    W = draw(m1, m, sigma1)
    a = torch.randint(0, 2, (m1,), generator=gen).to(torch.float64) * 2 - 1
    return Params(*(t.to(dtype) for t in (W_Q, W_K, W_V, W, a)))


def attention(params: Params, X: torch.Tensor) -> torch.Tensor:
    """Attention probabilities p[i, l, h] of query position l on key position h; shape (n, L, L)."""
    Q = X @ params.W_Q.T  # (n, L, m)
    K = X @ params.W_K.T  # (n, L, m)
    scores = Q @ K.transpose(1, 2) / math.sqrt(params.m)  # [i, l, h] = x_h^T W_K^T W_Q x_l / sqrt(m)
    return torch.softmax(scores, dim=-1)


def forward(params: Params, X: torch.Tensor) -> torch.Tensor:
    """Outputs F(X_i) for a batch X of shape (n, L, d); returns shape (n,)."""
    p = attention(params, X)  # (n, L, L)
    V = X @ params.W_V.T  # (n, L, m)
    mixed = p @ V  # (n, L, m): row l is W_V X softmax(...) for query l
    readout = params.W.T @ params.a  # (m,) = sum_j a_j w_j
    return (mixed @ readout).sum(dim=1)


def loss(params: Params, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Empirical logistic loss (1/n) sum_i log(1 + exp(-y_i F(X_i))), a scalar."""
    return torch.nn.functional.softplus(-y * forward(params, X)).mean()
