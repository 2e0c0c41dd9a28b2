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
# (chap-markov)=
# # Another lens: Local to Global
#
# {cite}`makkuva2024local` train one-layer transformers on sequences from a binary first-order Markov chain,
# a next-token task rather than our classification task. They show that the loss landscape has two kinds of
# solution: *global minima*, which predict the next token from the current one (the bigram predictor), and
# *local minima*, which ignore the current token (the unigram predictor). Which one gradient flow reaches depends
# on the initialisation and on the chain's switching factor $p + q$. This chapter rebuilds their canonical
# low-dimensional model in `cooccur.related.markov` and runs its gradient flow with the same adaptive integrator
# as the rest of the book.

# %% tags=["parameters"]
seed = 0
n_inits = 200
init_scale = 0.01
grid_points = 41
quick = False

# %%
import numpy as np
from IPython.display import Markdown, display
from matplotlib import pyplot as plt

from cooccur.related import markov
from cooccur.related.markov import SADDLE_W, MarkovChain
from cooccur.report import check_parameters, glue_figure, glue_number

check_parameters(seed=(seed, int, 0, None), n_inits=(n_inits, int, 1, 100_000), init_scale=(init_scale, float, 1e-6, 1.0),
                 grid_points=(grid_points, int, 5, 401), quick=(quick, bool))
T = 400.0
if quick:
    n_inits, grid_points, T = 20, 11, 50.0
    display(Markdown("**Quick mode:** fewer starting points and a short horizon, to smoke-test the code; "
                     "not the published numbers."))
rng = np.random.default_rng(seed)
print(f"seed {seed}, {n_inits} initialisations of scale {init_scale}, flow up to t = {T}")

# %% [markdown]
# ## The canonical model
#
# The data are chains $x_0, x_1, \dots \in \{0, 1\}$ with $P(1 \mid 0) = p$ and $P(0 \mid 1) = q$, started from the
# stationary law $\pi_1 = p/(p+q)$. The authors reduce a one-layer transformer (embedding $e$, attention and MLP
# weight $w$, bias $b$) to the logit
#
# $$
# \mathrm{logit}\, P(x_{n+1} = 1 \mid x_n) = e^2\,(1 + 2w\lvert w\rvert)\, x_n + b - e^2/2,
# $$
#
# trained with cross-entropy. The population loss has a closed form, and so does the best bias for given
# $(e, w)$. We study $L^*(e, w) = \min_b L$ (derivation in `cooccur.related.markov`). Its gradient flow conserves
# the energy $E(e, w) = e^2 - w^2 - \mathrm{sign}(w)\log\lvert w\rvert$, so trajectories follow level curves of $E$.
# On the line $e = 0$ the model predicts the stationary marginal, whatever the current token: these are the
# unigram critical points. The global minima lie on the curve $(1 + 2w\lvert w\rvert)\,e^2 = \log\frac{(1-p)(1-q)}{pq}$.
#
# ## The landscape, and where the flow goes


# %%
def landscape_panel(ax, chain: MarkovChain, title: str):
    g = np.linspace(-3, 3, 25)
    E, W = np.meshgrid(g, g + 1e-3)  # e on the x axis, w on the y axis; keep w away from 0
    ge, gw = markov.reduced_grad(chain, E, W)
    norm = np.hypot(ge, gw) + 1e-12
    ax.quiver(E, W, -ge / norm, -gw / norm, color="gray", alpha=0.6, width=0.003)
    fine = np.linspace(-3, 3, 400)
    Ef, Wf = np.meshgrid(fine, fine + 1e-4)
    ax.contour(Ef, Wf, markov.energy(Ef, Wf), levels=20, colors="tab:cyan", linewidths=0.6, alpha=0.8)
    a_star = chain.bigram_a
    w_line = np.linspace(-3, 3, 2000)
    slope = 1 + 2 * w_line * np.abs(w_line)
    ok = a_star / slope > 0
    for sign in (1, -1):
        ax.plot(sign * np.sqrt(a_star / slope[ok]), w_line[ok], "--", color="purple", lw=1.5,
                label="global minima (bigram)" if sign == 1 else None)
    minima = w_line < SADDLE_W if chain.p + chain.q < 1 else w_line > SADDLE_W
    ax.plot(np.zeros(minima.sum()), w_line[minima], color="red", lw=4, alpha=0.7, label="local minima (unigram)")
    ax.plot(np.zeros((~minima).sum()), w_line[~minima], color="blue", lw=4, alpha=0.5, label="local maxima")
    ax.plot([0], [SADDLE_W], "o", color="orange", ms=9, label="saddle")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), xlabel="embedding e", ylabel="weight w", title=title)


chains = {"p = q = 0.1": MarkovChain(0.1, 0.1), "p = q = 0.9": MarkovChain(0.9, 0.9)}
starts_e, starts_w = init_scale * rng.standard_normal(8), init_scale * rng.standard_normal(8)
times = np.concatenate([[0.0], np.geomspace(1e-2, T, 400)])
fig, axes = plt.subplots(1, 2, figsize=(13, 6), constrained_layout=True)
drift = []
for ax, (name, chain) in zip(axes, chains.items()):
    landscape_panel(ax, chain, f"{name} (p + q = {chain.p + chain.q:.1f})")
    t, e, w, _ = markov.flow(chain, starts_e, starts_w, T, times)
    for j in range(e.shape[1]):
        ax.plot(e[:, j], w[:, j], color="black", lw=1.2, label="gradient flow from small inits" if j == 0 else None)
        ax.plot(e[-1, j], w[-1, j], "k*", ms=8)
    drift.append(np.abs(markov.energy(e, w) - markov.energy(e[0], w[0])).max())
    ax.legend(fontsize="x-small", loc="lower left")
glue_number("energy_drift", max(drift))
glue_figure("fig_markov_landscape", fig)

# %% [markdown]
# ```{glue:figure} fig_markov_landscape
# :name: fig-markov-landscape
#
# The landscape of the canonical model over $(e, w)$ for $p = q = 0.1$ (left) and $p = q = 0.9$ (right). Grey
# arrows: the direction of $-\nabla L^*$. Cyan: level curves of the energy $E$. Black: gradient flow from eight
# small random initialisations (stars: end points).
# ```
#
# Along all sixteen trajectories the energy changes by at most {glue:text}`energy_drift:.1e`, the solver's
# tolerance, so the flow indeed moves along level curves of $E$. Started near the origin, the flow leaves along $e$
# and reaches the global minima when $p + q < 1$. When $p + q > 1$ it falls back onto the line $e = 0$, the
# unigram local minima.
#
# ## Basins of attraction
#
# Which starting points end where? We run the flow from a grid of starting points, all in one call of the
# integrator, and classify each end point: global minimum if $a = e^2(1 + 2w\lvert w\rvert)$ is within 0.05 of its
# bigram value, unigram if $\lvert e\rvert < 0.05$.

# %%
g = np.linspace(-3, 3, grid_points)
E0, W0 = np.meshgrid(g, g + 1e-3)
fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), constrained_layout=True)
for ax, (name, chain), key in zip(axes, chains.items(), ("low", "high")):
    _, e, w, _ = markov.flow(chain, E0.ravel(), W0.ravel(), T, np.array([0.0, T]))
    to_global = np.abs(markov.logit_slope(e[-1], w[-1]) - chain.bigram_a) < 0.05
    to_local = (np.abs(e[-1]) < 0.05) & ~to_global
    label = np.where(to_global, 1, np.where(to_local, 0, np.nan)).reshape(E0.shape)
    glue_number(f"basin_global_{key}", np.nanmean(label == 1))
    glue_number(f"basin_unsettled_{key}", np.mean(np.isnan(label)))
    ax.pcolormesh(E0, W0, label, cmap="coolwarm_r", vmin=0, vmax=1, shading="nearest")
    ax.axhline(SADDLE_W, color="orange", ls=":", lw=1)
    ax.set(xlabel="initial e", ylabel="initial w", title=f"{name}: red = unigram minimum, blue = global minimum")
glue_figure("fig_markov_basins", fig)

# %% [markdown]
# ```{glue:figure} fig_markov_basins
# :name: fig-markov-basins
#
# Basins of attraction of the two kinds of minimum, by the end point of the flow from each grid point (white:
# not settled by $t = T$). The dotted line is the saddle's $w = -1/\sqrt2$.
# ```
#
# For $p = q = 0.1$, {glue:text}`basin_global_low:.0%` of the grid flows to a global minimum. For $p = q = 0.9$
# the share is {glue:text}`basin_global_high:.0%`. (Not settled by $t = T$: {glue:text}`basin_unsettled_low:.0%`
# and {glue:text}`basin_unsettled_high:.0%`.)
#
# ## The initialisation effect
#
# Small random initialisations sit in the middle of both pictures. We start {glue:text}`n_inits` flows with $e$ and
# $w$ drawn from $N(0, \sigma^2)$, $\sigma =$ {glue:text}`init_scale`, for chains with $p = q$ on both sides of
# $p + q = 1$. The theory predicts that all of them reach the global minimum when $p + q < 1$, and none when
# $p + q > 1$. Near the origin, $e$ grows or decays at a rate proportional to $-(p + q - 1)$, while $w$ barely moves.

# %%
glue_number("n_inits", n_inits)
glue_number("init_scale", init_scale)
switch = np.array([0.1, 0.2, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9])
e0, w0 = init_scale * rng.standard_normal(n_inits), init_scale * rng.standard_normal(n_inits)
reached = []
for pq in switch:
    chain = MarkovChain(pq, pq)
    _, e, w, _ = markov.flow(chain, e0, w0, T, np.array([0.0, T]))
    reached.append(np.mean(np.abs(markov.logit_slope(e[-1], w[-1]) - chain.bigram_a) < 0.05))
reached = np.array(reached)
predicted = (2 * switch < 1).astype(float)
glue_number("init_agree", np.mean(reached == predicted))
fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
ax.plot(2 * switch, reached, "o-", label="gradient flow (fraction reaching the global minimum)")
ax.step(2 * switch, predicted, where="mid", ls="--", color="gray", label="theory: all if p+q < 1, none if p+q > 1")
ax.axvline(1, color="black", lw=0.6)
ax.set(xlabel="switching factor p + q (with p = q)", ylabel="fraction of initialisations", ylim=(-0.05, 1.05))
ax.legend(fontsize="small")
glue_figure("fig_markov_init", fig)

# %% [markdown]
# ```{glue:figure} fig_markov_init
# :name: fig-markov-init
#
# Fraction of small random initialisations whose flow reaches the global (bigram) minimum, against the switching
# factor, with the theory's prediction.
# ```
#
# The measured fractions agree with the prediction at {glue:text}`init_agree:.0%` of the switching factors tried.
#
# **Against our paper.** Both analyses follow gradient flow from a small random start, and in both the outcome is
# decided early, by the sign of the first-order dynamics near the start. Here it decides *which* minimum is
# reached, while in the co-occurrence task every start reaches zero loss. There the early dynamics decide *how*: the
# MLP first, the attention after ({ref}`chap-phase1`).
