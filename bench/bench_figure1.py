"""Benchmark: Figure 1's setting (n=60, L=5, d=64, m=128, m1=256, T=300) with three engines.

(a) plain PyTorch autograd + torch.optim.SGD, lr 0.01, 30 000 full-batch steps (float64);
(b) the library's parameter-space Euler engine (same steps, hand-derived gradients);
(c) the library's Gram-coordinate adaptive engine (DOP853, rtol 1e-6).

Each engine records only t = 0 and t = T, so the timings compare integration, not recording. (c) is compared
with a tight-tolerance run of the same engine (rtol 1e-10) in G and the loss at T, and (a) with (b) (the same
gradient descent, so they agree to rounding). Usage: ``make bench`` (or ``python bench/bench_figure1.py``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from cooccur import DataConfig, ModelConfig, init_params, loss, make_dataset, simulate
from cooccur.coordinates import GramState


def autograd_sgd(data, params, lr: float, n_steps: int) -> tuple[np.ndarray, float]:
    p = params.clone()
    blocks = [t.requires_grad_(True) for t in p.trained()]
    opt = torch.optim.SGD(blocks, lr=lr)
    for _ in range(n_steps):
        opt.zero_grad()
        loss(p, data.X, data.y).backward()
        opt.step()
    with torch.no_grad():
        return GramState.from_params(p).G, loss(p, data.X, data.y).item()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", default="kaiming", choices=["kaiming", "theory"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    T, lr = 300.0, 0.01
    n_steps = int(round(T / lr))
    data = make_dataset(DataConfig(n=60, L=5, d=64, seed=args.seed))
    params = init_params(ModelConfig(d=64, m=128, m1=256, init=args.init, seed=args.seed), L=5)
    ends = np.array([0.0, T])

    (G_a, loss_a), t_a = timed(lambda: autograd_sgd(data, params, lr, n_steps))
    euler, t_b = timed(lambda: simulate(data, params, T=T, method="euler", step=lr, times=ends))
    gram, t_c = timed(lambda: simulate(data, params, T=T, method="gram", rtol=1e-6, times=ends))
    ref, t_ref = timed(lambda: simulate(data, params, T=T, method="gram", rtol=1e-10, atol=1e-14, times=ends))

    def rel(x, y):
        return float(np.max(np.abs(np.asarray(x) - np.asarray(y))) / np.max(np.abs(np.asarray(y))))

    print(
        f"Figure 1 setting: n=60 L=5 d=64 m=128 m1=256, init={args.init}, seed={args.seed}, T={T:g}, "
        f"torch threads={torch.get_num_threads()}"
    )
    print(f"{'engine':44s} {'seconds':>9s} {'grad evals':>11s} {'speed-up vs (a)':>16s}")
    print(f"{'(a) autograd + torch.optim.SGD (lr 0.01)':44s} {t_a:9.2f} {n_steps:11d} {1.0:16.1f}")
    print(f"{'(b) parameter-space Euler (lr 0.01)':44s} {t_b:9.2f} {euler.n_grad_evals:11d} {t_a / t_b:16.1f}")
    print(f"{'(c) Gram-coordinate DOP853 (rtol 1e-6)':44s} {t_c:9.2f} {gram.n_grad_evals:11d} {t_a / t_c:16.1f}")
    print(f"{'    reference: Gram DOP853 (rtol 1e-10)':44s} {t_ref:9.2f} {ref.n_grad_evals:11d} {t_a / t_ref:16.1f}")
    print("agreement at t = T (max relative difference):")
    print(
        f"  (c) vs reference: G {rel(gram.G[-1], ref.G[-1]):.2e}, "
        f"loss {rel(gram.loss[-1], ref.loss[-1]):.2e} (target 1e-4)"
    )
    print(
        f"  (a) vs (b):       G {rel(G_a, euler.G[-1]):.2e}, "
        f"loss {rel(loss_a, euler.loss[-1]):.2e} (same gradient descent)"
    )
    print(
        f"  (b) vs reference: G {rel(euler.G[-1], ref.G[-1]):.2e}, loss {rel(euler.loss[-1], ref.loss[-1]):.2e} "
        "(gradient descent with lr 0.01 vs exact flow)"
    )


if __name__ == "__main__":
    main()
