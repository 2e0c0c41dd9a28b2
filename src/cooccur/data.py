"""The synthetic word co-occurrence data set (Yang et al., Section 2).

Vocabulary. There are ``d`` words whose embeddings are the standard basis of R^d, so a word is an
integer index and its embedding is a one-hot vector. Indices are 0-based:

* word 0 is mu_1 and word 1 is mu_2, the two target words;
* word 2 is mu_3, the common token that appears exactly once in every sample;
* words 3 .. d-1 are the filler ("random") words mu_4 .. mu_d.

Samples. A sample is a sequence of ``L`` words with a label ``y`` in {+1, -1} and a type in {1, 2, 3, 4}:

* type 1, y = +1: mu_1 and mu_2 both appear (the two words co-occur);
* type 2, y = -1: mu_1 appears, mu_2 does not;
* type 3, y = -1: mu_2 appears, mu_1 does not;
* type 4, y = -1: neither appears.

mu_3 is put at a uniformly random position, the targets at distinct random positions among the rest,
and every remaining position gets a filler word drawn uniformly from words 3 .. d-1 (with replacement),
or, with ``distinct_fillers=True``, without replacement across the whole data set (Assumption 2.3(ii)).

The counts per type are exact, as in Assumption 2.3(i): ``n_k = n * p_k`` rounded by the largest-remainder
rule (floor every ``n * p_k``, then hand the samples still missing to the types with the largest fractional
parts, ties to the lower type). Samples are stored grouped by type, type 1 first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from cooccur.readings import Readings
from cooccur.validate import check_int, check_number

TARGET_1, TARGET_2, COMMON = 0, 1, 2
FIRST_FILLER = 3
SAMPLE_TYPES = (1, 2, 3, 4)


@dataclass(frozen=True)
class DataConfig:
    """Configuration of the training set.

    Attributes:
        n: number of samples.
        L: sequence length (every position is a query; see :mod:`cooccur.model`).
        d: vocabulary size = embedding dimension; words 3 .. d-1 are fillers.
        seed: seed of the NumPy generator that draws positions and fillers.
        proportions: fractions of samples of types 1, 2, 3, 4 (the paper: 1/2, 1/6, 1/6, 1/6).
        distinct_fillers: use every filler word at most once in the whole set (Assumption 2.3(ii)).
    """

    n: int = 60
    L: int = 5
    d: int = 64
    seed: int = 0
    proportions: tuple[float, float, float, float] = (1 / 2, 1 / 6, 1 / 6, 1 / 6)
    distinct_fillers: bool = False

    def __post_init__(self) -> None:
        check_int("n", self.n, 1)
        check_int("L", self.L, 3)
        check_int("d", self.d, 4)
        check_int("seed", self.seed, 0)
        props = tuple(self.proportions)
        if len(props) != 4:
            raise ValueError(f"proportions: need 4 values (types 1..4), got {len(props)}")
        for k, p in enumerate(props, start=1):
            check_number(f"proportions[{k - 1}] (type {k})", p, 0.0, 1.0)
        if abs(sum(props) - 1.0) > 1e-9:
            raise ValueError(f"proportions must sum to 1, got {sum(props)!r}")
        object.__setattr__(self, "proportions", tuple(float(p) for p in props))
        counts = self.type_counts()
        for k, (p, c) in enumerate(zip(props, counts), start=1):
            if p > 0 and c == 0:
                raise ValueError(
                    f"n={self.n} is too small for the proportions: type {k} (proportion {p:.4g}) gets no "
                    f"sample; n must be at least {math.ceil(1 / p)} for it"
                )
        if self.distinct_fillers:
            need, have = self.fillers_needed(), self.d - FIRST_FILLER
            if need > have:
                raise ValueError(
                    f"distinct_fillers=True needs {need} distinct filler words for n={self.n}, L={self.L}, "
                    f"but d={self.d} gives only {have}; d must be at least {need + FIRST_FILLER}"
                )

    def type_counts(self) -> tuple[int, int, int, int]:
        """Exact number of samples of each type (largest-remainder rounding of n * proportions)."""
        raw = [self.n * p for p in self.proportions]
        counts = [math.floor(r + 1e-9) for r in raw]
        missing = self.n - sum(counts)
        by_remainder = sorted(range(4), key=lambda k: (-(raw[k] - counts[k]), k))
        for k in by_remainder[:missing]:
            counts[k] += 1
        return tuple(counts)  # type: ignore[return-value]

    def fillers_needed(self) -> int:
        """Total number of filler positions in the data set."""
        n1, n2, n3, n4 = self.type_counts()
        return n1 * (self.L - 3) + (n2 + n3) * (self.L - 2) + n4 * (self.L - 1)


@dataclass(frozen=True)
class Dataset:
    """A training set.

    Attributes:
        config: the configuration that made it.
        tokens: (n, L) int64 word indices, sequence axis last.
        X: (n, L, d) float64 one-hot embeddings, token-major: ``X[i, l]`` is the embedding of token l of sample i
            (the paper's column x_l of X_i).
        y: (n,) float64 labels in {+1, -1}.
        types: (n,) int64 sample types in {1, 2, 3, 4}.
    """

    config: DataConfig
    tokens: torch.Tensor
    X: torch.Tensor
    y: torch.Tensor
    types: torch.Tensor

    @property
    def n(self) -> int:
        return self.config.n

    @property
    def L(self) -> int:
        return self.config.L

    @property
    def d(self) -> int:
        return self.config.d


def make_dataset(cfg: DataConfig) -> Dataset:
    """Draw the training set described by ``cfg``; the same config gives the same set, bit for bit."""
    rng = np.random.Generator(np.random.PCG64(cfg.seed))
    counts = cfg.type_counts()
    n, L = cfg.n, cfg.L
    tokens = np.full((n, L), -1, dtype=np.int64)
    types = np.repeat(np.array(SAMPLE_TYPES, dtype=np.int64), counts)
    targets_of_type = {1: (TARGET_1, TARGET_2), 2: (TARGET_1,), 3: (TARGET_2,), 4: ()}
    for i, k in enumerate(types):
        words = (COMMON, *targets_of_type[int(k)])
        positions = rng.permutation(L)[: len(words)]
        tokens[i, positions] = words
    free = tokens < 0
    n_fill = int(free.sum())
    filler_words = np.arange(FIRST_FILLER, cfg.d)
    if cfg.distinct_fillers:
        fill = rng.permutation(filler_words)[:n_fill]
    else:
        fill = rng.choice(filler_words, size=n_fill, replace=True)
    tokens[free] = fill
    tokens_t = torch.from_numpy(tokens)
    X = torch.nn.functional.one_hot(tokens_t, cfg.d).to(torch.float64)
    y = torch.from_numpy(np.where(types == 1, 1.0, -1.0))
    return Dataset(config=cfg, tokens=tokens_t, X=X, y=y, types=torch.from_numpy(types))


def usage_readings(data: Dataset) -> Readings:
    """How a data set uses its words: the samples of each type (``count_type1`` ...), the filler slots
    (``filler_slots``) against the filler words the vocabulary has (``filler_words``) and uses
    (``filler_distinct_used``), the most uses of any one filler word, and the d that distinct fillers need."""
    cfg, tokens = data.config, data.tokens.numpy()
    fillers = tokens[tokens >= FIRST_FILLER]
    return Readings({**{f"count_type{k}": count for k, count in enumerate(cfg.type_counts(), start=1)},
                     "filler_slots": cfg.fillers_needed(), "filler_words": cfg.d - FIRST_FILLER,
                     "filler_distinct_used": len(np.unique(fillers)), "filler_max_repeat": np.bincount(fillers).max(),
                     "d_for_distinct": cfg.fillers_needed() + FIRST_FILLER})
