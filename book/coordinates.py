# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution,-ExecuteTime,-scrolled,-collapsed,-jupyter,-editable,-deletable
#     notebook_metadata_filter: -papermill,-language_info,-widgets,-varInspector,-toc
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
# Eq. (5) exactly. {numref}`fig-gd-vs-flow` shows the second claim: as the learning rate shrinks, gradient descent
# converges to the flow, its largest error falling like the learning rate to the power {glue:text}`slope_G:.2f`.
#
# ```{glue:figure} fig_gd_vs_flow
# :name: fig-gd-vs-flow
#
# Gradient descent against the exact flow. Top left: $G(\mu_1)$ and $G(\mu_3)$ (solid: flow; dashed: gradient
# descent at three learning rates; the time axis is linear up to 1 and logarithmic after). Top right: the error in
# one score correlation. Bottom: the largest error over the run against the learning rate, log-log.
# ```

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
seed = 0
init = "kaiming"
T = 30.0
quick = False

# %% tags=["hide-input"]
from cooccur import claims, figure1, plots
from cooccur.experiment import Experiment, paper_setting
from cooccur.flow import SimConfig
from cooccur.parameters import check_chapter
from cooccur.report import glue_figure, glue_readings, show, verdict_table

check_chapter("coordinates", globals())

# %%
base = paper_setting(seed, init=init, T=T)  # the paper's data and widths; each run below changes only `sim`
exact = Experiment(base.data, base.model, SimConfig(T=T, method="gram", rtol=1e-10, atol=1e-14))

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
# These are $4d^2 + d + 1$ numbers, and fewer in practice: the three Gram matrices stay symmetric, so the
# library stores each once ($d^2 + 3d(d+1)/2 + d + 1$ numbers), and $\Gamma_A$ is zero except on pairs of words
# that occur together in some sample, so its products cost a multiple of those pairs rather than of $d^3$.
# The widths enter only as the $1/\sqrt m$ in the scores and as
# $\Vert a\Vert^2 = m_1$, so solving this ODE costs the same for any $m, m_1$. The library integrates it with
# an adaptive Runge-Kutta method, `simulate(..., method="gram")`. Gradient descent in parameter space is
# `method="euler"`. The full derivation is in the docstring of `cooccur.coordinates`, where $s$ is called
# `wa_sq` (and recorded as `traj.wa_sq`).
#
# ## Gradient descent converges to this flow
#
# Gradient descent with learning rate $\eta$ is Euler's method for the flow, so its error should shrink in
# proportion to $\eta$. We run it at three learning rates up to time $T$ and compare it with the flow solved at
# a tight tolerance.

# %% tags=["hide-input"]
flow, descents, readings = figure1.descent_convergence(exact, seed, init)
glue_readings(readings)
glue_figure("fig_gd_vs_flow", plots.gd_vs_flow(flow, descents))

# %% [markdown]
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
# Eq. (5). On the flow this holds by construction: the last line *is* Eq. (5), so checking it there would only
# check the quadrature. The real check is on gradient descent, which never uses the identity: we run the paper's
# learning rate 0.01 up to $T$, recorded densely, integrate the right side of Eq. (5) along the recorded run and
# compare it with the recorded change of $\lVert W^\top a\rVert^2$ (`cooccur.claims.eq5`).

# %% tags=["hide-input"]
runs, readings = figure1.eq5_runs(exact)
glue_readings(readings)
show(verdict_table({name: {"eq5": claims.eq5(r)} for name, r in runs.items()}, prefix="coordinates"))
gd = runs["gradient descent, lr 0.01"]
glue_figure("fig_eq5", plots.eq5_check(gd.traj, gd.m1))

# %% [markdown]
# ```{glue:figure} fig_eq5
# :name: fig-eq5
#
# Eq. (5) on gradient descent at learning rate 0.01: the recorded change of $\Vert W^\top a\Vert^2$ (grey), and
# the integral of the right-hand side of Eq. (5) along the same run (dashed). The iteration axis is linear up to 1
# and logarithmic after.
# ```
#
# Over $[0, T]$, $\Vert W^\top a\Vert^2$ grows by {glue:text}`eq5_change:.4g`. The integral of Eq. (5)'s right
# side matches the recorded change to a relative error of {glue:text}`eq5_rel_err:.1e`: the identity holds for the
# paper's gradient descent up to its step and the trapezoid rule on the recorded iterations.

# %% [markdown]
# **Cost.** The flow of {numref}`fig-gd-vs-flow` took {glue:text}`flow_evals` gradient evaluations at tolerance $10^{-10}$. Gradient
# descent at learning rate 0.01 took {glue:text}`gd_steps` over the same time. `make bench` times both at the
# paper's full horizon.
