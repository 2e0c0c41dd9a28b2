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
# (chap-intro)=
# # How a transformer learns that two words co-occur
#
# This book reruns and checks *Training Dynamics of Transformers to Recognize Word Co-occurrence via Gradient
# Flow Analysis* {cite}`yang2024cooccurrence`. Each chapter states one of the paper's claims, runs an experiment
# that tests it, shows the figure and says what the figure shows, including where the claim does not hold as
# stated.
#
# **The task.** A sequence of $L$ words is labelled $+1$ if two designated words, $\mu_1$ and $\mu_2$, both
# occur in it, and $-1$ otherwise. Every sequence also holds a common word $\mu_3$ (think of "the") and random
# filler words. The model is a one-layer transformer: softmax attention with trained query, key and value
# matrices, followed by a trained linear MLP. It is trained from a random start by gradient descent on the
# logistic loss. The paper analyses the limit of small learning rates, *gradient flow*.
#
# **The story.** Training splits into two phases:
#
# 1. In a short **Phase 1** the MLP learns to score $\mu_1$ and $\mu_2$ positively and $\mu_3$ negatively, until
#    every training sequence is classified correctly. The attention hardly moves.
# 2. In **Phase 2** the attention moves too: $\mu_1$ and $\mu_2$ attend more to each other and less to $\mu_3$.
#    The margins keep growing and the loss goes to a near-minimum.
#
# Throughout, an *automatic balancing of gradients* keeps the losses of all sequence types falling at the same
# rate. The figure below shows the whole story on one run of the paper's experiment.

# %% tags=["parameters"]
seed = 0
quick = False

# %%
from IPython.display import Markdown, display

from cooccur.data import DataConfig
from cooccur.experiment import Experiment, SimConfig
from cooccur.model import ModelConfig
from cooccur.plots import summary_figure
from cooccur.report import check_parameters, glue_figure, glue_number

check_parameters(seed=(seed, int, 0, None), quick=(quick, bool))

T = 3.0 if quick else 300.0
if quick:
    display(Markdown("**Quick mode:** a short horizon, to smoke-test the code; not the published run."))
experiment = Experiment(
    DataConfig(n=60, L=5, d=64, seed=seed),
    ModelConfig(d=64, m=128, m1=256, init="kaiming", seed=seed),
    SimConfig(T=T, method="euler", step=0.01),
)
print(experiment.to_dict())
traj = experiment.run()
glue_number("t1_iter", traj.T1 / 0.01)
glue_number("n_steps", round(T / 0.01))
glue_figure("fig_summary", summary_figure(traj))

# %% [markdown]
# ```{glue:figure} fig_summary
# :name: fig-summary
#
# The paper's experiment ($n = 60$ sequences of $L = 5$ words, $d = 64$, $m = 128$, $m_1 = 256$, gradient
# descent with learning rate 0.01 from Kaiming initialisation), on a logarithmic iteration axis. Phase 1 is
# shaded. (1) The linear MLP's score $G$ of each word. (2) Changes of the attention score correlations.
# (3) Training loss, overall and by sequence type.
# ```
#
# Phase 1 ends after about {glue:text}`t1_iter:.0f` of the {glue:text}`n_steps` iterations. In that time the MLP
# has done most of its work and the attention has barely moved. Afterwards the attention scores separate in the
# directions the paper predicts.
#
# ## What is reproduced, and where
#
# | claim of the paper | checked in |
# |---|---|
# | the model depends on the weights only through $W_K^\top W_Q$ and $a^\top W W_V$; Eq. (5) | {ref}`chap-coordinates` |
# | Phase 1: $T_1 = \tilde O(1/m)$, alignment of $G$, losses of types 2 and 3 first rise, attention frozen (Theorem 3.1, Lemmas 4.1 to 4.3) | {ref}`chap-phase1` |
# | Phase 2: score and value correlations, margins, attention within $O(1/L^2)$ of uniform, near-minimum loss (Theorems 3.2 and 3.3) | {ref}`chap-phase2` |
# | automatic balancing of gradients (Lemmas 4.4 and 4.5), and a stress test | {ref}`chap-balancing` |
# | Figure 1 at its exact setting, over seeds, theory vs Kaiming initialisation, descent vs flow | {ref}`chap-experiments` |
# | two related analyses run by the same library: Local to Global and Scan and Snap, and a side-by-side table | {ref}`chap-markov`, {ref}`chap-scan-snap`, {ref}`chap-lenses` |
#
# {ref}`chap-setup` fixes the data, the model and the notation. The paper's analysis relies on assumptions that
# its own experiment does not meet (for instance, every filler word is used once). The setup chapter lists them,
# and the later chapters say where this matters.
#
# ## Reading and rerunning
#
# Every figure and every number in the text comes from the build: each chapter is a notebook, executed from
# scratch whenever the book is built. The download button at the top of each page gives the executed notebook.
# The parameters cell at the top of each chapter holds its seeds and sizes. From a clone of the repository:
#
# ```bash
# make book   # installs the pinned environment into .venv, executes every chapter, builds _build/html
# make test   # the test suite, including a quick run of every chapter
# ```
#
# {ref}`chap-reproducing` lists the versions, seeds and run times of this build. Two related analyses of
# one-layer transformers, {cite}`tian2023scan` and {cite}`makkuva2024local`, study next-token prediction instead
# of classification. They find related phenomena: slow attention next to a fast readout, and the importance of
# the initialisation.
