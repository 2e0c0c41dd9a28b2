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
# (chap-beyond)=
# # Beyond the paper
#
# The atlas ({ref}`chap-atlas`) says where each statement of {cite}`yang2024cooccurrence` holds. This chapter
# asks three questions the paper raises and does not answer. **Does the flow have an infinite-width limit, and
# how fast do finite widths approach it? When is Phase 1 lazy, as the proof treats it, and when is it rich? And
# when do the filler words, rather than the co-occurrence of $\mu_1$ and $\mu_2$, carry the margins?**
#
# **In short.** (1) A width-$m$ run approaches the infinite-width run that shares its initial output $G(0)$ with
# a fluctuation exponent close to the expected $-1/2$ ({glue:text}`limit_exp_G:.2f` for $G$,
# {numref}`fig-width-limit`), and gets the same verdicts. It does not approach the run from the mean state:
# $G(0)$ stays random at every width, so the limit is an ODE with a random start. (2) Phase 1 is lazy, as the
# proof treats it, when $\kappa = (\sigma_0^2+\sigma_1^2)\,m\sqrt{m_1}$ exceeds {glue:text}`kappa_bound:.1f`.
# Under Condition 1's scales that is $s$ above about $m^{-1/4}$; the measured boundary scale falls like $m$ to the
# power {glue:text}`boundary_exp:.2f` ({numref}`fig-lazy-rich`). (3) With distinct fillers, a fit of the
# fillers' share of the margins at $T^*$ puts the point where they carry half at
# $n \approx$ {glue:text}`mem_slope:.2f`$\,(L - 7/3)$, against $4.5\,(L - 7/3)$ from the initial rates
# ({numref}`fig-memorisation`); on our grid they carry at most {glue:text}`mem_share_max:.2f`.
#
# ```{glue:figure} fig_width_limit
# :name: fig-width-limit
#
# The distance of a width-$m$ run from (a) its limit start, which shares its $G(0)$, and (b) the mean start,
# against $m = m_1$. One point per seed; the line joins the medians over seeds; the legend gives the slope fitted
# over every point (`cooccur.limit.fluctuation_exponents`). The dashed line in (a) has slope $-1/2$.
# ```
#
# Each section is built from sweeps committed next to this chapter (`book/beyond/*.yaml`), run by
# `cooccur.sweep.run_sweep` on a local `dask.distributed` cluster. Each sweep is small enough to run on every
# build. Its `-fine` twin is the same question on a finer grid with more seeds, a cluster run whose cost is
# written in the file.

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
limit_file = "beyond/limit.yaml"
lazy_file = "beyond/lazy.yaml"
escape_file = "beyond/escape.yaml"
memorisation_file = "beyond/memorisation.yaml"
shared_file = "beyond/memorisation-shared.yaml"
results_dir = "../_build/beyond"
workers = 0
fresh = True
quick = False

# %% tags=["hide-input"]
from cooccur import beyond, plots, sweep
from cooccur.claims import CLAIMS
from cooccur.parameters import check_chapter
from cooccur.report import glue_figure, glue_readings, rows_table, show, sweep_table

check_chapter("beyond", globals())
out = sweep.tables_dir(results_dir, fresh)  # fresh=False resumes the tables instead of recomputing them
files = {"limit": limit_file, "lazy": lazy_file, "escape": escape_file, "memorisation": memorisation_file,
         "shared": shared_file}
sweeps = {name: sweep.load_sweep(path, quick=quick) for name, path in files.items()}
show(sweep_table({files[name]: s for name, s in sweeps.items()}))

# %% [markdown]
# The five sweeps above run on one local cluster, one single-threaded worker per core:

# %%
tables = {name: sweep.run_sweep(s, out / f"{name}.parquet", workers=workers or None, progress=False)
          for name, s in sweeps.items()}

# %% tags=["hide-input"]
glue_readings(sweep.table_readings(tables))

# %% [markdown]
# ## 1. The infinite-width limit
#
# Under Condition 1, $\sigma_0 = s/\sqrt{Lm}$ and $\sigma_1 = s/\sqrt{m_1}$, the initial Gram matrices
# concentrate as $m$ grows. $W_Q^\top W_Q$, $W_K^\top W_K$ and $W_V^\top W_V$ tend to $(s^2/L)\,I$ and
# $\lVert W^\top a\rVert^2/m$ to $s^2$, with relative fluctuations of order $m^{-1/2}$; the entries of
# $A = W_K^\top W_Q$ tend to 0, with size $s^2/(L\sqrt m)$. The initial output does not concentrate. $G(0) = u^\top W_V$ with $u = W^\top a$ has, given
# $u$, independent $N(0, \lVert u\rVert^2\sigma_0^2)$ entries, so it tends in law to $N(0, (s^4/L)\,I)$: of order
# one at every width. The Gram flow ({ref}`chap-coordinates`) therefore has two candidate limits, both starts of
# `cooccur.flow.SimConfig`:
#
# * `start="mean"`: every Gram quantity at its expectation, $G(0) = 0$ included. It is one deterministic run.
# * `start="limit"`: the matrices at their limit, $G(0)$ kept from the width-$m$ draw. This is the run a width-$m$
#   run tends to once its matrices have concentrated, and it is random only through $G(0)$.
#
# Each row of `beyond/limit.yaml` runs a width-$m$ run, its Gram quantities drawn from their law, next to both
# (`cooccur.limit.run_pair`), on the premise data ($n = 60$, $L = 5$, $d = 163$) with $s = 1$ and $m_1 = m$. The
# horizon is 1000 Phase-1 times, where the Phase-1 time is $1/\text{rate}$ with
# $\text{rate} = (\sigma_0^2+\sigma_1^2)\,m\,m_1$, the order of Lemma 4.1's initial rate of $G(\mu_1)$; it
# reaches past 10 $T_1$. It measures how far the width-$m$ run stays from each: the relative distance of
# $T_1$, the largest gap between the training losses, the largest gap between the $G$ vectors relative to their
# size, and the largest gap between the attention scores $A/\sqrt m$ on the signal words.

# %% tags=["hide-input"]
fits, readings = beyond.limit_readings(tables["limit"])
glue_readings(readings)
glue_figure("fig_width_limit", plots.width_limit(tables["limit"], fits))

# %% [markdown]
# **What {numref}`fig-width-limit` shows.** Against the limit start every distance falls as a power of $m$. The
# fitted exponent of the $G$ gap is {glue:text}`limit_exp_G:.2f` (95% interval {glue:text}`limit_exp_G_low:.3f`
# to {glue:text}`limit_exp_G_high:.3f`, which {glue:text}`limit_G_verdict` $-1/2$). The loss gap falls with
# exponent {glue:text}`limit_exp_loss:.2f` ({glue:text}`limit_exp_loss_low:.3f` to
# {glue:text}`limit_exp_loss_high:.3f`, which {glue:text}`limit_loss_verdict` $-1/2$), and levels off near
# {glue:text}`loss_floor:.1e` from $m = 10^5$ on, a floor we have not explained. The $T_1$ gap falls with
# {glue:text}`limit_exp_T1:.2f` ({glue:text}`limit_exp_T1_low:.2f` to {glue:text}`limit_exp_T1_high:.2f`) and
# scatters more, because $T_1$ is a threshold crossing. The score gap falls with
# {glue:text}`limit_exp_scores:.2f`, about $-1$: $A(0)$ has entries of size $m^{-1/2}$, read through $1/\sqrt m$.
# So the fluctuations of $G$, the losses and $T_1$ fall close to the $m^{-1/2}$ of the Gram matrices, but only
# once $G(0)$ is shared.
#
# Against the mean start they do not fall: the exponent of the $G$ gap is {glue:text}`mean_exp_G:.2f`, that of
# the loss gap {glue:text}`mean_exp_loss:.2f`. Only the score gap falls, at the same rate as in (a), since it
# measures $A(0)$ alone (both starts put $A(0) = 0$). At $m = $ {glue:text}`widest_m` the width-$m$ runs end
# Phase 1 at $T_1\cdot\text{rate} =$ {glue:text}`t1_rate_widest_wishart:.1f` (median over seeds), their limit
# starts at {glue:text}`t1_rate_widest_limit:.1f`, and the mean start at {glue:text}`t1_rate_widest_mean:.1f`.
# **The Gram flow does not become a deterministic ODE as $m \to \infty$.** It becomes an ODE whose initial
# output $G(0)$ is a Gaussian of variance $s^4/L$. That is the order of the margins Phase 1 has to build, and it
# moves the end of Phase 1 by a factor between {glue:text}`t1_ratio_low:.1f` and
# {glue:text}`t1_ratio_high:.1f` over the seeds at the largest width.
#
# **Which statements are about the limit?** At a fixed time in Phase-1 units, $G$, the margins, the losses by
# type and the sums $S_k$ of the $g_i$ have non-zero limits, so the statements about them (the signs and sizes of
# $G(\mu_k)$, the rise of the losses of types 2 and 3, the sandwich of Lemma 4.3, the balance of Lemmas 4.4 and
# 4.5, the margin conditions of Theorem 3.2) hold or fail in the limit. Since the limit is random through $G(0)$,
# a verdict there is a probability, not a certainty: Lemma 4.2's holds on only part of the rows, on the limit
# starts as on the width-$m$ runs (table below). The attention scores vanish: they move by $O(m^{-3/2})$ in Phase 1. Their directions do not:
# $m^{3/2}$ times the scores' rate tends to a limit set by $G$ at uniform attention, so the signs that
# Theorem 3.2 states for the scores, and the sign pattern of Theorem 3.3's coefficients, are statements about
# that rescaled limit. What needs finite $m$ is every statement about sizes in $m$: $T_1 = \tilde O(1/m)$, the
# orders of the movements ({ref}`chap-experiments` fits them) and, at $T^* = \mathrm{poly}(m)$ with the loss
# target $1/m$, Theorem 3.3 as a whole, since $T^*$ moves out of any fixed window as $m$ grows.
#
# The table below gives, over the same (width, seed) rows, the share on which each statement holds on the
# width-$m$ runs and on their limit starts, and the share of rows on which the two verdicts agree; the smallest
# of these shares is {glue:text}`limit_agree_min:.2f`. A width-$m$ run and the limit run that shares its $G(0)$
# get the same verdicts; what varies from row to row is $G(0)$. `attention_uniform` (every softmax entry within
# $O(1/L^2)$ of its start through Phase 2, with the book's constant, {ref}`chap-phase2`) holds on
# {glue:text}`limit_uniform_share:.2f` of the rows. Theorem 3.3's verdicts are decided only on the rows whose
# training loss reaches $1/m$ within the horizon. Left out, undecided on every row:
# {glue:text}`limit_undecided` (a population loss needs every word's scores at $T^*$, which these runs, recorded
# on the signal words, do not keep).

# %% tags=["hide-input"]
agreement, readings = beyond.limit_agreement(tables["limit"], list(CLAIMS))
glue_readings(readings)
show(rows_table(agreement, {"holds at width m": ".2f", "holds on the limit start": ".2f", "agree": ".2f"}))

# %% [markdown]
# ## 2. Lazy against rich Phase 1
#
# The proof of Theorem 3.1 shows, under Condition 1, that the Gram quantities other than $G$ stay near their
# initial values over Phase 1 (Thm E.28), and leans on it. At a small initial scale they do not: $\lVert W^\top a\rVert^2$ and $W_V^\top W_V$ grow many-fold first. The module
# `cooccur.escape` works out why. Near $G = 0$ the gradient in $G$ is nearly constant, $\Gamma_G \approx -c$
# with $c_k = \frac{1}{2n}\sum_i y_i\,(\text{occurrences of } k \text{ in } X_i)$ (`cooccur.escape.initial_push`;
# under uniform attention each key position receives a total attention of one). Along $\hat c = c/\lVert c\rVert$
# the Gram flow then closes on three numbers, $x = \lVert W^\top a\rVert^2$, $y = \hat c^\top W_V^\top W_V\hat c$
# and $z = G\cdot\hat c$. They obey a linear ODE with neither $m$ nor the attention in it:
#
# $$\dot x = 2m_1\lVert c\rVert z,\qquad \dot y = 2\lVert c\rVert z,\qquad \dot z = \lVert c\rVert(m_1 y + x).$$
#
# From the expected start its solution is $z(t) = \tfrac{\kappa}{2}\sinh(2\lVert c\rVert\sqrt{m_1}\,t)$, with
#
# $$\kappa = (\sigma_0^2+\sigma_1^2)\,m\sqrt{m_1} = s^2\sqrt m\,(1 + 1/L)\quad (m_1 = m).$$
#
# While $z \ll \kappa$ it grows linearly at Lemma 4.1's rate and the Gram quantities hardly move: a **lazy**
# escape. Once $z \gg \kappa$ it grows exponentially and drags $x$ and $y$ with it: a **rich** one. If Phase 1
# ends when $z$ reaches a level $z^*$, then $T_1\cdot\text{rate} = \frac{\kappa}{2\lVert c\rVert}\operatorname{asinh}
# (2z^*/\kappa)$ depends on $\kappa$ alone. The boundary $\kappa \approx z^*$ runs along $s \propto m^{-1/4}$.
#
# The same scaling holds for the full Gram flow with the attention frozen, not only for its three-number closure.
# In the variables $t\sqrt{m_1}$, $\lVert W^\top a\rVert^2/\sqrt{m_1}$ and $\sqrt{m_1}\,W_V^\top W_V$ it is
# free of $m$ and $m_1$. From the mean start ($G(0) = 0$), with $m_1/m$ and $L$ fixed (so $\sigma_0^2/\sigma_1^2$
# fixed), its start depends on $\kappa$ only. `beyond/escape.yaml` integrates it: the
# mean start at $m = m_1 = 10^8$, where the scores cannot move, over $\kappa$ from $10^{-3}$ to $10^4$. The
# measurements are `beyond/lazy.yaml`: the premise data at every scale $s$ from 0.01 to 10 and width $m = m_1$
# from 32 to $10^6$, each run drawn from the law of the Gram quantities.

# %% tags=["hide-input"]
lazy = beyond.lazy_rich(tables["escape"], tables["lazy"], sweeps["lazy"].runs[0].experiment.data)
glue_readings(lazy.readings())
glue_figure("fig_lazy_rich", plots.lazy_rich(tables["lazy"], lazy.curve, lazy.kappas, lazy.push, lazy.level))

# %% [markdown]
# ```{glue:figure} fig_lazy_rich
# :name: fig-lazy-rich
#
# (a) $T_1$ in units of the Phase-1 time and (b) the growth of $\lVert W^\top a\rVert^2$ by $T_1$, against
# $\kappa$. Points: the runs of `beyond/lazy.yaml`, coloured by $\log_{10}s$. Solid line: the $m$-free Gram ODE
# (`beyond/escape.yaml`). Dashed: the constant-gradient escape with $z^*$ fitted where Phase 1 is lazy. Dotted:
# the growth the premise `lazy_phase1` allows. (c) The growth of $\lVert W^\top a\rVert^2$ by $T_1$ (median over
# seeds) over the grid. Inside the black line Condition 1 holds as the book reads it; inside the blue line the
# initial output is small (the premise `small_output`); x marks cells inside both where the premise
# `lazy_phase1` fails on some seed.
# ```
#
# **What {numref}`fig-lazy-rich` shows.** The runs collapse onto the $m$-free curve where their initial output is
# small: there the median relative gap between a run's $T_1\cdot$rate and the curve is
# {glue:text}`collapse_small:.2f`. The premise `small_output` asks the median $|F_i(0)|$ to be below
# {glue:text}`small_output_threshold:g`, the book's reading of the $\sigma_1^2 mF$ term of Lemma 4.2. Where it
# fails ($s \ge 0.5$ here) Phase 1 ends later than the curve says: by a median factor of
# {glue:text}`collapse_s1:.1f` at $s = 1$, and by more at larger $s$. That is the $G(0)$ of Section 1: at large $s$
# the initial output is a second parameter, of size $s^2/\sqrt L$, beside $\kappa$. On the lazy side the curve levels off at
# $T_1\cdot$rate $=$ {glue:text}`lazy_t1_rate:.1f`. Read as $z^*/\lVert c\rVert$ with
# $\lVert c\rVert =$ {glue:text}`push:.3f`, that gives an escape level $z^* =$ {glue:text}`escape_level:.2f`.
# With that one constant, the constant-gradient formula predicts the rich side's $1/\kappa$ law but not its
# prefactor. At the smallest $\kappa$ it predicts a growth of {glue:text}`rich_growth_theory:.0f` where the ODE
# gives {glue:text}`rich_growth_at_min:.0f`: the rich escape ends earlier, once $G$ is of order one and the
# losses start to move.
#
# **The lazy/rich boundary.** The premise `lazy_phase1` asks $\lVert W^\top a\rVert^2$ and the diagonal of
# $W_V^\top W_V$ on the signal words to grow by at most ×{glue:text}`lazy_bound:g` by $T_1$ (a convention: the
# paper states their size at $T_1$ only up to constants). On the $m$-free curve the larger of the two growths falls
# to that bound at $\kappa =$ {glue:text}`kappa_bound:.2f`. In the initial scale that is
# $s = \sqrt{\kappa/((1 + 1/L)\sqrt m)}$: {glue:text}`boundary_s_128:.2f` at $m = 128$ and
# {glue:text}`boundary_s_1e6:.3f` at $m = 10^6$. Read off the measured runs width by width, the boundary scale
# falls like $m$ to the power {glue:text}`boundary_exp:.3f` (95% interval {glue:text}`boundary_exp_low:.3f` to
# {glue:text}`boundary_exp_high:.3f`, which {glue:text}`boundary_verdict` the predicted $-1/4$). The widths
# enter both through $\kappa$ and through the initial output: at $m = 32$ the boundary scale is
# {glue:text}`boundary_s_32:.2f`, where the initial output is no longer small and $\kappa$ alone does not set
# $T_1$.
#
# **Where the premises pull against each other.** The small initial output wants $s^2 \ll 1$. Condition 1 asks
# $s = \tilde\Theta(1)$, which the book reads as $s$ within a factor $2\ln m$ of 1 ({ref}`chap-setup`), so it
# admits scales down to $1/(2\ln m)$. A lazy Phase 1, which Thm E.28 derives and the proof uses, needs $s$ above
# the boundary, about $m^{-1/4}$. At {glue:text}`widths_below` of the {glue:text}`widths_measured` widths where the
# boundary was measured, $1/(2\ln m)$ lies below it, so Condition 1 and the small output together admit rich
# runs: {glue:text}`conflict_cells` cells of panel (c) (marked x) meet both premises with a rich Phase 1. The
# demands hold together only in a window $m^{-1/4} \ll s \ll 1$. Any fixed power of $\ln m$ eventually exceeds
# $m^{1/4}$, so the conflict is one of finite widths, and where it ends depends on the constant hidden in the
# $\tilde\Theta$: with our reading the boundary on the $m$-free curve drops below $1/(2\ln m)$ only at
# $m \approx$ {glue:text}`conflict_ends:.1e`.
#
# ## 3. Memorisation against co-occurrence
#
# A training margin splits into what $\mu_1, \mu_2, \mu_3$ carry (the co-occurrence rule) and what the sample's
# filler words carry (`cooccur.observables.margin_split`, recorded along every run). With distinct fillers
# (Assumption 2.3(ii)) each filler's $G$ learns only its own sample's label: memorisation. At $t = 0$ the
# fillers' share of the margins' growth is fixed by counting (`cooccur.memorisation.initial_filler_share`): word
# $k$'s $G$ moves at a rate proportional to $\sum_{i \ni k} y_i$, and sample $i$'s margin at $y_i$ times the sum
# of its words' rates. Summed over the samples, each filler slot contributes 1 and the signal words $2n^2/9$ in all,
# so the fillers' odds are $\rho_0 = \tfrac{9}{2}(L - 7/3)/n$ ($n(L - 7/3)$ filler slots at the paper's
# proportions). Memorisation outpaces the rule at the start when $n < \tfrac92(L - 7/3)$: a boundary along which
# $n$ grows linearly with $L$.
#
# `beyond/memorisation.yaml` runs the flow to Theorem 3.3's $T^*$ (training loss $1/m$) at $m = m_1 = 128$,
# $s = 1$, for every $n \in \{60, 120, 240\}$ and $L \in \{3, 5\}$. It measures the fillers' share of the margins
# at $T^*$, and the loss there on 6000 fresh samples whose fillers are drawn from the same words, so that every
# fresh filler carries what it learned from one training sample. `beyond/memorisation-shared.yaml` does the same
# with the paper's 64 words, whose 61 fillers are reused from {glue:text}`uses_low:.1f` to
# {glue:text}`uses_high:.1f` times each on this grid.

# %% tags=["hide-input"]
mem = {"distinct fillers": tables["memorisation"], "shared fillers (d = 64)": tables["shared"]}
glue_readings(beyond.memorisation_readings(tables["memorisation"], tables["shared"]))
glue_figure("fig_memorisation", plots.memorisation(mem))

# %% [markdown]
# ```{glue:figure} fig_memorisation
# :name: fig-memorisation
#
# (a) The fillers' share of the training margins at $T^*$ against their share of the initial growth, one point per
# run; the dashed line marks equal shares. (b) The loss on 6000 fresh samples at $T^*$ against $n/L$. Colour: $L$;
# circles: every filler used once; squares: 64 words shared.
# ```
#
# **What {numref}`fig-memorisation` shows.** With distinct fillers the share at $T^*$ follows the initial one. A
# power law between their odds has exponent {glue:text}`mem_exp:.2f` ({glue:text}`mem_exp_low:.2f` to
# {glue:text}`mem_exp_high:.2f`) and prefactor {glue:text}`mem_prefactor:.2f`. The fillers gain ground during
# Phase 1 (the points lie above the dashed line), and then the split hardly moves through Phase 2: the share at
# $T^*$ is {glue:text}`mem_t_star_over_t1:.2f` times the share at $T_1$ (median over runs). The two lengths do
# not fall on one line exactly: at equal initial share the longer sequences carry a little more.
#
# On this grid ({glue:text}`mem_reached` runs reached $T^*$) the rule still carries most of every margin: the
# largest filler share is {glue:text}`mem_share_max:.2f`. So the boundary is an extrapolation of the fit, not a
# crossing we saw. The fitted odds at $T^*$ reach 1, so that the fillers carry half of the margins, at initial
# odds $\rho_0 =$ {glue:text}`mem_initial_odds:.2f` instead of 1. Through the count above, that puts the boundary
# at $n \approx$ {glue:text}`mem_slope:.2f`$\,(L - 7/3)$, against $\tfrac92(L - 7/3)$ from the initial rates
# alone. The fine grid, with $n = 60$ and $L = 7$ among its points, comes closer to it.
#
# Memorisation costs on fresh samples. With distinct fillers the population loss at $T^*$ is at most
# {glue:text}`pop_max:.3f`, {glue:text}`pop_max_over_train:.0f` times the training loss $1/128$ there. It falls with
# $n/L$, but not as one curve: at equal $n/L$ the longer sequences lose more, as their larger filler share says
# they should. Against $n/L$ the fitted exponent is {glue:text}`pop_exp_L3:.2f` at $L = 3$ and
# {glue:text}`pop_exp_L5:.2f` at $L = 5$. Condition 1's $n \ge L^2$ gives $n \ge \tfrac{28}{3}(L - 7/3)$ at every
# $L$ ($L^2/(L - 7/3)$ is smallest at $L = 14/3$), {glue:text}`cond1_vs_boundary:.2f` times the fitted boundary, so
# on this reading the fillers carry {glue:text}`cond1_share` half of the margins wherever Condition 1 holds. Yet
# the population loss at $T^*$ stays well above the training loss there. Part of it need not be
# memorisation: at $s = 1$ each filler's $G(0)$ has standard deviation $s^2/\sqrt L$, the order of what a filler
# learns, and we have not run the control that separates the two.
#
# Shared fillers carry a share of the same size (at most {glue:text}`mem_share_shared_max:.2f`), but not a
# memorised one: a word reused across samples learns the net label of the samples it occurs in, which leans
# negative because negative samples hold more fillers (a type-4 sample holds $L - 1$, a type-1 sample $L - 3$). On
# fresh samples the comparison is mixed. At $L = 3$, where each shared filler is used one to three times, shared
# fillers lose more (median {glue:text}`pop_L3_shared:.3f` against {glue:text}`pop_L3_distinct:.3f`). At
# $n =$ {glue:text}`largest_n`, $L =$ {glue:text}`largest_L`, where each is used about ten times, they lose less
# ({glue:text}`pop_largest_shared:.3f` against {glue:text}`pop_largest_distinct:.3f`).
#
# Theorem 3.3's structure verdict holds on {glue:text}`structure_holds` of the {glue:text}`structure_decided` runs
# of this section that decide it, at $m = 128$; the atlas ({ref}`chap-atlas`) maps where it holds.
#
# ## The full grids, on a cluster
#
# Each sweep of this chapter has a finer twin next to it, `book/beyond/limit-fine.yaml`, `lazy-fine.yaml` and
# `memorisation-fine.yaml`, with the cost per run measured here in its header. The last is the full grid of
# $n \in \{60, 120, 240, 480\} \times L \in \{3, 5, 7\}$. Its largest cells need the flow at $d$ in the
# thousands, at minutes and gigabytes per run. Run one on a `dask` cluster as in {ref}`chap-atlas`, for example
#
# ```
# python -m cooccur sweep book/beyond/lazy-fine.yaml --out lazy-fine.parquet --scheduler tcp://HOST:8786
# ```
#
# and pass the table to the functions above (`cooccur.limit.fluctuation_exponents`,
# `cooccur.escape.lazy_boundary`, `cooccur.memorisation.boundary`).
