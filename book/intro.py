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
# 2. In **Phase 2** the attention's score correlations tilt: those between $\mu_1$ and $\mu_2$ rise, those between
#    a target and $\mu_3$ fall. The attention probabilities themselves stay almost uniform. The margins keep
#    growing, mostly through the MLP and the value matrix, and the loss goes to a near-minimum.
#
# Throughout Phase 2, an *automatic balancing of gradients* keeps the total gradient weights of the two
# single-target types in proportion, so the losses of types 1 to 3 fall at about the same rate.
# {numref}`fig-summary` shows the whole story on one run of the paper's experiment.
#
# ```{glue:figure} fig_summary
# :name: fig-summary
#
# The paper's experiment ($n = 60$ sequences of $L = 5$ words, $d = 64$, $m = 128$, $m_1 = 256$, gradient
# descent with learning rate 0.01 from Kaiming initialisation), on a logarithmic iteration axis. Phase 1 is
# shaded. (1) The linear MLP's score $G$ of each word. (2) Changes of the attention score correlations.
# (3) Training loss, overall and by sequence type.
# ```

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
seed = 0
T = 300.0
n_seeds = 10
quick = False

# %% tags=["hide-input"]
from cooccur import figure1, plots
from cooccur.dashboard import dashboard
from cooccur.experiment import both_settings, figure1_reading
from cooccur.parameters import check_chapter
from cooccur.report import dashboard_table, glue_figure, glue_readings, show
from cooccur.runs import runs_of

check_chapter("intro", globals())

# %%
experiment = figure1_reading(seed, iterations=round(T / 0.01))  # the paper's Figure 1 (nn.Linear "Kaiming", mean)
traj = experiment.run()

# %% tags=["hide-input"]
glue_readings(figure1.summary_readings(experiment, traj))
glue_figure("fig_summary", plots.summary_figure(traj))

# %% [markdown]
# Phase 1 ends after about {glue:text}`t1_iter:.0f` of the {glue:text}`n_steps` iterations. By then
# $G(\mu_1)$ has reached {glue:text}`G1_T1:.1f`; it goes on growing through Phase 2, to {glue:text}`G1_end:.1f` at
# the end. The attention probabilities move very little in either phase: the largest change of any softmax entry
# over the whole run is {glue:text}`attn_change:.1e`. What moves are the score correlations, in the directions
# the paper predicts. "The attention waits" is a statement about time scales, not about Phase 2 being faster:
# per unit of flow time the score correlations among $\mu_1, \mu_2, \mu_3$ move *faster* in Phase 1
# ({glue:text}`score_rate_phase1:.1e` per unit time, on average) than in Phase 2
# ({glue:text}`score_rate_phase2:.1e`), but the MLP moves far faster still ($G(\mu_1)$ at
# {glue:text}`G_rate_phase1:.1f` per unit time in Phase 1). The MLP's rates grow with the width $m$ and the
# attention's shrink like $1/\sqrt m$ ({ref}`chap-phase1`), so Phase 1 is over before the attention has moved,
# and the attention's change accumulates over the long Phase 2. The losses of types 1 to 3 end up falling at the
# same rate; type 4's falls faster (log-log slopes {glue:text}`slope_type1:.2f` for type 1 and
# {glue:text}`slope_type4:.2f` for type 4 over the last decade).
#
# ## Every statement at a glance
#
# The library defines each statement of the paper once (`cooccur.claims`) and checks it together with its
# premises, over {glue:text}`n_seeds` seeds, in two settings ({ref}`chap-setup`):
#
# - the **paper's setting**: the paper's sizes as they are, run as the exact gradient flow from the theory's
#   initialisation;
# - the **premise setting**: the paper's setting changed just enough for every premise to hold (distinct filler
#   words, $m_1 = m$, and a small initialisation for Lemmas 4.1 to 4.3).
#
# {numref}`fig-summary` is the **paper's experiment**: the same sizes trained by gradient descent from Kaiming
# initialisation ({ref}`chap-experiments` checks every statement on it). A statement **holds** when it holds on
# every seed that tests it inside its premises, and **fails** when it fails on one of them; the reason says what
# it does on the seeds outside its premises. Where its premises are not met on any seed, the table names them.
# Each statement is worded as the library checks it; its name links to where the book states it.

# %% tags=["hide-input"]
board = dashboard({name: runs_of(exps) for name, exps in both_settings(n_seeds, T).items()})
show(dashboard_table(board, prefix="intro"))
glue_readings(board.readings)

# %% [markdown]
# **What fails.** {glue:text}`dashboard_fails` {glue:text}`dashboard_outside` In the premise setting
# {glue:text}`premise_all` of the {glue:text}`n_counted` statements that a run can test hold, with their premises, on
# every seed{glue:text}`premise_rest`. (Eq. (5) is an equation the exact flow integrates: it holds by construction
# there and is left out of every count; {ref}`chap-coordinates` checks it on gradient descent.) In the paper's setting
# {glue:text}`paper_outside` of them are read outside their premises on every seed, because its filler words repeat
# and $m < m_1$; what they do there is shown, not counted against the theorems. Theorem 3.1's order statements
# ($T_1 = \tilde O(1/m)$ and the movements of item 4) are scaling laws that no single run can decide:
# {ref}`chap-phase1` fits their exponents over widths from 32 to $10^6$.

# %% [markdown]
# ## What is reproduced, and where
#
# | claim of the paper | checked in |
# |---|---|
# | the model depends on the weights only through $W_K^\top W_Q$ and $a^\top W W_V$; Eq. (5) | {ref}`chap-coordinates` |
# | Phase 1: $T_1 = \tilde O(1/m)$, alignment of $G$, losses of types 2 and 3 first rise, the attention waits (Theorem 3.1, Lemmas 4.1 to 4.3) | {ref}`chap-phase1` |
# | Phase 2: score and value correlations, margins, attention within $O(1/L^2)$ of uniform, near-minimum loss (Theorems 3.2 and 3.3) | {ref}`chap-phase2` |
# | automatic balancing of gradients (Lemmas 4.4 and 4.5), and a stress test | {ref}`chap-balancing` |
# | Figure 1 at its stated setting, its unstated readings, over seeds, theory vs Kaiming initialisation, descent vs flow | {ref}`chap-experiments` |
# | every statement over a grid of initial scales and widths, and one of sample counts and lengths: where it holds, and whether its failures lie inside its premises | {ref}`chap-atlas` |
# | beyond the paper: the infinite-width limit and how fast widths approach it, lazy against rich Phase 1, where memorisation overtakes co-occurrence | {ref}`chap-beyond` |
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
# of classification. They find related phenomena: slow attention next to a fast readout, and, in the Markov
# setting, an outcome decided by where the flow starts.
