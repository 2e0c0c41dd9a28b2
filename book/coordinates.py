# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chap-coordinates)=
# # The theory's coordinates
#
# The paper analyses training as a "coupled dynamical system" of inner products between weights and words
# {cite}`yang2024cooccurrence`. This chapter makes that system executable. It shows that a handful of
# $d \times d$ matrices evolve under a closed ODE whose size does not depend on the widths $m$ and $m_1$. The
# ODE's solution coincides with gradient descent as the learning rate goes to zero, and it satisfies the paper's
# Eq. (5) exactly.

# %% tags=["parameters"]
seed = 0
init = "kaiming"
T = 30.0
quick = False

# %%
import numpy as np
from IPython.display import Markdown, display
from matplotlib import pyplot as plt
from scipy.integrate import cumulative_trapezoid

from cooccur.data import DataConfig, make_dataset
from cooccur.flow import simulate
from cooccur.model import ModelConfig, init_params
from cooccur.observables import sample_g
from cooccur.report import check_parameters, glue_figure, glue_number

check_parameters(seed=(seed, int, 0, None), init=(init, str), T=(T, float, 1.0, 1e4), quick=(quick, bool))

if quick:
    T = 1.0
    display(Markdown("**Quick mode:** a short horizon, to smoke-test the code; not the published numbers."))
data = make_dataset(DataConfig(n=60, L=5, d=64, seed=seed))
params = init_params(ModelConfig(d=64, m=128, m1=256, init=init, seed=seed), L=5)
print(f"data seed {seed}, model seed {seed}, init {init}, horizon T = {T}")

# %% [markdown]
# ## Two matrices carry the whole model
#
# With one-hot words, the score of query position $l$ on key position $h$ is
# $x_h^\top W_K^\top W_Q x_l = A[\text{word}_h, \text{word}_l]$. Here
#
# $$
# A = W_K^\top W_Q \in \mathbb{R}^{d\times d}, \qquad A[k, q] = \mu_k^\top W_K^\top W_Q \mu_q ,
# $$
#
# is the matrix of attention score correlations, key word $k$ and query word $q$. The value path enters only
# through $G = a^\top W W_V \in \mathbb{R}^{d}$, the linear MLP function of each word. So the output $F$, the
# loss and the gradients with respect to $A$ and $G$, written $\Gamma_A = \partial \hat L/\partial A$ and
# $\Gamma_G = \partial \hat L/\partial G$, depend on the weights only through $(A, G)$.
#
# ## A closed flow
#
# Let $u = W^\top a \in \mathbb{R}^m$. The chain rule gives the parameter gradients
# $W_K\Gamma_A$, $W_Q\Gamma_A^\top$, $u\,\Gamma_G$ and $a\,\Gamma_G W_V^\top$ for $W_Q, W_K, W_V, W$. Under gradient
# flow, the time derivatives of $A$ and $G$ involve the Gram matrices $W_Q^\top W_Q$, $W_K^\top W_K$,
# $W_V^\top W_V$ and the number $s = \Vert W^\top a\Vert^2$. Differentiating those in turn closes the system:
#
# $$
# \begin{aligned}
# \dot A &= -\bigl(\Gamma_A\, W_Q^\top W_Q + W_K^\top W_K\, \Gamma_A\bigr), &
# \tfrac{d}{dt} W_Q^\top W_Q &= -\bigl(\Gamma_A^\top A + A^\top \Gamma_A\bigr), \\
# \tfrac{d}{dt} W_K^\top W_K &= -\bigl(\Gamma_A A^\top + A\, \Gamma_A^\top\bigr), &
# \tfrac{d}{dt} W_V^\top W_V &= -\bigl(\Gamma_G^\top G + G^\top \Gamma_G\bigr), \\
# \dot G &= -\bigl(\Vert a\Vert^2\, \Gamma_G\, W_V^\top W_V + s\, \Gamma_G\bigr), &
# \dot s &= -2\Vert a\Vert^2\, G\, \Gamma_G^\top .
# \end{aligned}
# $$
#
# These are $4d^2 + d + 1$ numbers. The widths enter only as the $1/\sqrt m$ in the scores and as
# $\Vert a\Vert^2 = m_1$, so solving this ODE costs the same for any $m, m_1$. The library integrates it with
# an adaptive Runge-Kutta method, `simulate(..., method="gram")`. Gradient descent in parameter space is
# `method="euler"`. The full derivation is in the docstring of `cooccur.flow`.
#
# ## Gradient descent converges to this flow
#
# Gradient descent with learning rate $\eta$ is Euler's method for the flow, so its error should shrink in
# proportion to $\eta$. We run it at three learning rates up to time $T$ and compare it with the flow solved at
# a tight tolerance.

# %%
times = np.linspace(0.0, T, int(round(T / 0.1)) + 1)  # every 0.1: a whole number of steps at every learning rate
flow = simulate(data, params, T=T, method="gram", rtol=1e-10, atol=1e-14, times=times)
rates = (0.01, 0.005, 0.0025)
descents = {lr: simulate(data, params, T=T, method="euler", step=lr, times=times) for lr in rates}


def gap(run):
    """Largest difference from the flow in G (output units) and in A (score units) over the run."""
    return np.abs(run.G - flow.G).max(), np.abs(run.A - flow.A).max()


errors = np.array([gap(descents[lr]) for lr in rates])
slope_G = np.polyfit(np.log(rates), np.log(errors[:, 0]), 1)[0]
slope_A = np.polyfit(np.log(rates), np.log(errors[:, 1]), 1)[0]
glue_number("slope_G", slope_G)
glue_number("slope_A", slope_A)
glue_number("err_G_001", errors[rates.index(0.01), 0])
glue_number("G1_end", flow.G[-1, 0])
glue_number("T", T)

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
ax1.plot(flow.t, flow.G[:, 0], color="black", lw=2.5, label=r"$G(\mu_1)$, flow")
ax1.plot(flow.t, flow.G[:, 2], color="gray", lw=2.5, label=r"$G(\mu_3)$, flow")
for lr, color in zip(rates, ("#e41a1c", "#377eb8", "#4daf4a")):
    ax1.plot(descents[lr].t, descents[lr].G[:, 0], ls="--", color=color, label=f"gradient descent, lr {lr}")
    ax1.plot(descents[lr].t, descents[lr].G[:, 2], ls="--", color=color)
    ax2.plot(descents[lr].t, descents[lr].A[:, 1, 0] - flow.A[:, 1, 0], color=color, label=f"lr {lr}")
ax1.set_xscale("symlog", linthresh=1.0)
ax1.set_xlim(0, T)
ax1.set(xlabel="time t = learning rate x iteration", ylabel="G (output units)")
ax1.set_title("G on the flow and under gradient descent")
ax1.legend(fontsize="small")
ax2.set(xlabel="time t", ylabel=r"$\mu_2^\top W_K^\top W_Q \mu_1$: descent minus flow")
ax2.set_title("error in a score correlation")
ax2.legend(fontsize="small")
ax3.loglog(rates, errors[:, 0], "o-", label=f"G, slope {slope_G:.2f}")
ax3.loglog(rates, errors[:, 1], "s-", label=f"A, slope {slope_A:.2f}")
ax3.set(xlabel="learning rate", ylabel="max error over [0, T] (G: output units, A: score units)")
ax3.set_title("first-order convergence")
ax3.legend(fontsize="small")
glue_figure("fig_gd_vs_flow", fig)

# %% [markdown]
# ```{glue:figure} fig_gd_vs_flow
# :name: fig-gd-vs-flow
#
# Gradient descent against the exact flow. Left: $G(\mu_1)$ and $G(\mu_3)$ (solid: flow; dashed: gradient
# descent at three learning rates; the time axis is linear up to 1 and logarithmic after). Middle: the error in
# one score correlation. Right: the largest error over the run against the learning rate, log-log.
# ```
#
# The errors fall with slope {glue:text}`slope_G:.2f` in $G$ and {glue:text}`slope_A:.2f` in $A$ against the
# learning rate: gradient descent is a first-order approximation of the flow. At the paper's learning rate
# $0.01$, $G$ is off by at most {glue:text}`err_G_001:.2g`, while $G(\mu_1)$ itself reaches
# {glue:text}`G1_end:.1f` by $t =$ {glue:text}`T:.0f`. Gradient descent at the paper's learning rate shows the
# flow's behaviour, and the flow can stand in for it wherever many runs are needed.
#
# ## The paper's Eq. (5), checked
#
# The paper notes that $\frac{d}{dt}\sum_{j_1,j_2}\langle a_{j_1}w_{j_1}, a_{j_2}w_{j_2}\rangle =
# \frac{2m_1}{n}\sum_i g_i y_i F_i$. The left side is $\dot s$ with $s = \Vert W^\top a\Vert^2$. Since $F$ is
# linear in $G$, $G\,\Gamma_G^\top = -\frac1n\sum_i g_i y_i F_i$, which turns the last line of the flow into
# Eq. (5). We check it on the run: integrate the right side along the recorded trajectory and compare it with
# the recorded change of $s$.

# %%
fine = np.concatenate([[0.0], np.geomspace(1e-5 * T, T, 1500)])  # dense where the flow is fast
flow = simulate(data, params, T=T, method="gram", rtol=1e-10, atol=1e-14, times=fine)
rhs = 2 * params.m1 / data.n * np.sum(sample_g(flow.F, flow.y) * flow.y * flow.F, axis=1)
integral = cumulative_trapezoid(rhs, flow.t, initial=0.0)
change = flow.wa_sq - flow.wa_sq[0]
rel_err = np.abs(integral - change).max() / np.abs(change).max()
glue_number("eq5_rel_err", rel_err)
glue_number("eq5_change", change[-1])
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.plot(flow.t, change, lw=3, color="#bbbbbb", label=r"$s(t) - s(0)$, recorded")
ax.plot(flow.t, integral, "k--", label=r"$\int_0^t \frac{2m_1}{n}\sum_i g_i y_i F_i\,d\tau$ (trapezoid rule)")
ax.set(xscale="log", xlabel="time t", ylabel=r"change of $\Vert W^\top a\Vert^2$ (squared weight units)")
ax.legend(fontsize="small")
glue_figure("fig_eq5", fig)

# %% [markdown]
# ```{glue:figure} fig_eq5
# :name: fig-eq5
#
# Eq. (5): the change of $\Vert W^\top a\Vert^2$ along the flow (grey), and the integral of the right-hand side
# of Eq. (5) along the same run (dashed).
# ```
#
# Over $[0, T]$, $\Vert W^\top a\Vert^2$ grows by {glue:text}`eq5_change:.4g`. The integral of Eq. (5)'s right
# side matches the recorded change to a relative error of {glue:text}`eq5_rel_err:.1e`. That error is the
# trapezoid rule's on the recording grid (1500 log-spaced times), not the solver's.

# %%
glue_number("flow_evals", flow.n_grad_evals)
glue_number("gd_steps", descents[0.01].n_grad_evals)

# %% [markdown]
# **Cost.** The flow above took {glue:text}`flow_evals` gradient evaluations at tolerance $10^{-10}$. Gradient
# descent at learning rate 0.01 took {glue:text}`gd_steps` over the same time. `make bench` times both at the
# paper's full horizon.
