"""Benchmark: the cost of one training iteration of Local to Global's full model at the authors' setting.

Batch 16 x sequence 1024, n_embd 8, one thread. Reports, in milliseconds: drawing a batch of chains, a training
step (forward, backward, AdamW), and a test-loss forward, for both forms of the model; and the attention alone in
the two tensor layouts torch can be handed, (batch, seq, feature) and (batch, head, seq, feature), which is why
``cooccur.related.markov_gpt`` uses the second. Usage: ``make bench`` (or ``python bench/bench_markov_gpt.py``).
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F

from cooccur.related import markov_gpt as mg


def best_ms(fn, repeats: int) -> float:
    """The fastest of ``repeats`` calls, in ms (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def form_rows(embedding: str, repeats: int) -> list[tuple[str, float]]:
    """(what, ms) for drawing a batch, a training step and a test-loss forward of one form of the model."""
    run = mg.MarkovTraining(embedding=embedding)
    model = mg.make_model(run)
    optimizer, _ = mg.make_optimizer(model, run)
    inputs, targets = mg.batch(run.chain, run.batch, run.seq_len, seed=0)

    def step():
        loss = mg.loss_of(model, inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def evaluate():
        with torch.no_grad():
            mg.loss_of(model, inputs, targets)

    return [(f"{embedding}: draw a batch ({run.batch} x {run.seq_len})",
             best_ms(lambda: mg.batch(run.chain, run.batch, run.seq_len, seed=1), repeats)),
            (f"{embedding}: training step", best_ms(step, repeats)),
            (f"{embedding}: test-loss forward", best_ms(evaluate, repeats))]


def attention_ms(heads_axis: bool, repeats: int) -> float:
    """Causal attention forward + backward on (16, 1024, 8) tensors, with or without a head axis."""
    q, k, v = (torch.randn(16, 1024, 8, requires_grad=True) for _ in range(3))
    shape = (lambda t: t[:, None]) if heads_axis else (lambda t: t)
    return best_ms(lambda: F.scaled_dot_product_attention(shape(q), shape(k), shape(v), is_causal=True)
                   .sum().backward(), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [row for embedding in mg.EMBEDDINGS for row in form_rows(embedding, args.repeats)]
    rows += [("attention forward + backward, (batch, seq, feature)", attention_ms(False, args.repeats)),
             ("attention forward + backward, (batch, head, seq, feature)", attention_ms(True, args.repeats))]
    print(f"{'what':58s} {'ms':>8s}")
    for what, ms in rows:
        print(f"{what:58s} {ms:8.1f}")


if __name__ == "__main__":
    main()
