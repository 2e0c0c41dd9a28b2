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
# (chap-markov)=
# # Another lens: Local to Global
#
# {cite}`makkuva2024local` train one-layer transformers on sequences from a binary first-order Markov chain,
# a next-token task rather than our classification task. They show that the loss landscape has two kinds of
# solution: *global minima*, which predict the next token from the current one (the bigram predictor), and
# *local minima*, which ignore the current token (the unigram predictor). Which one gradient flow reaches depends
# on the initialisation and on the chain's switching factor $p + q$. This chapter rebuilds their canonical
# low-dimensional model in `cooccur.related.markov` and runs its gradient flow with the same adaptive integrator
# as the rest of the book. {numref}`fig-markov-landscape` shows the claim on two chains: from a small start the
# flow reaches the bigram solution when $p + q < 1$ and stalls at the unigram one when $p + q > 1$.
#
# ```{glue:figure} fig_markov_landscape
# :name: fig-markov-landscape
#
# The landscape of the canonical model over $(e, w)$ for $p = q = 0.1$ (left) and $p = q = 0.9$ (right). Grey
# arrows: the direction of $-\nabla L^*$. Cyan: level curves of the energy $E$. Black: gradient flow from eight
# small random initialisations (stars: end points).
# ```

# %% tags=["parameters"]
seed = 0
n_inits = 200
init_scale = 0.01
grid_points = 41
T = 400.0
quick = False

# %% tags=["hide-input"]
import numpy as np

from cooccur import plots
from cooccur.related import markov
from cooccur.related.markov import MarkovChain
from cooccur.report import apply_quick, check_parameters, glue_figure, glue_number, show, values_table

check_parameters(seed=(seed, int, 0, None), n_inits=(n_inits, int, 1, 100_000), init_scale=(init_scale, float, 1e-6, 1.0),
                 grid_points=(grid_points, int, 5, 401), T=(T, float, 1.0, 1e5), quick=(quick, bool))
apply_quick("markov", globals(), quick, n_inits=20, grid_points=11, T=50.0)
rng = np.random.default_rng(seed)
show(values_table({"seed": seed, "small random initialisations": n_inits, "their scale": init_scale,
                   "flow horizon t": T}))

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


# %% tags=["hide-input"]
chains = {"p = q = 0.1": MarkovChain(0.1, 0.1), "p = q = 0.9": MarkovChain(0.9, 0.9)}
starts_e, starts_w = init_scale * rng.standard_normal(8), init_scale * rng.standard_normal(8)
times = np.concatenate([[0.0], np.geomspace(1e-2, T, 400)])
panels, drift = {}, []
for name, chain in chains.items():
    _, e, w, _ = markov.flow(chain, starts_e, starts_w, T, times)
    panels[f"{name} (p + q = {chain.p + chain.q:.1f})"] = (chain, e, w)
    drift.append(np.abs(markov.energy(e, w) - markov.energy(e[0], w[0])).max())
glue_number("energy_drift", max(drift))
glue_figure("fig_markov_landscape", plots.markov_landscape(panels))

# %% [markdown]
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

# %% tags=["hide-input"]
g = np.linspace(-3, 3, grid_points)
E0, W0 = np.meshgrid(g, g + 1e-3)
labels = {}
for (name, chain), key in zip(chains.items(), ("low", "high")):
    _, e, w, _ = markov.flow(chain, E0.ravel(), W0.ravel(), T, np.array([0.0, T]))
    label = markov.end_state(chain, e[-1], w[-1]).reshape(E0.shape)
    glue_number(f"basin_global_{key}", np.nanmean(label == 1))
    glue_number(f"basin_unsettled_{key}", np.mean(np.isnan(label)))
    labels[name] = label
glue_figure("fig_markov_basins", plots.markov_basins(E0, W0, labels))

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

# %% tags=["hide-input"]
glue_number("n_inits", n_inits)
glue_number("init_scale", init_scale)
switch = np.array([0.1, 0.2, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9])
e0, w0 = init_scale * rng.standard_normal(n_inits), init_scale * rng.standard_normal(n_inits)
reached = []
for pq in switch:
    chain = MarkovChain(pq, pq)
    _, e, w, _ = markov.flow(chain, e0, w0, T, np.array([0.0, T]))
    reached.append(np.mean(markov.end_state(chain, e[-1], w[-1]) == 1))
reached = np.array(reached)
predicted = (2 * switch < 1).astype(float)
glue_number("init_agree", np.mean(reached == predicted))
glue_figure("fig_markov_init", plots.markov_init(2 * switch, reached, predicted))

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
# reached. In the co-occurrence task the runs of {ref}`chap-phase2`, from the paper's start and from the premise
# setting's small one, all drive the training loss below $1/m$ within the horizon; there the early dynamics decide
# *how*: the MLP first, the attention after ({ref}`chap-phase1`).
