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
# (chap-phase2)=
# # Phase 2: attention and MLP move together
#
# After $T_1$ every sequence is classified correctly, but the loss is still of order one. In the second phase the
# attention matrices start to move: the score correlations between the two target words rise and those between a
# target and the common token fall. Meanwhile the MLP and the value matrix keep growing the margins, and the loss
# goes to a near-minimum {cite}`yang2024cooccurrence`. This chapter checks each part of that picture with the
# library's definitions (`cooccur.claims`), over several seeds, in the paper's setting and in the premise setting
# of {ref}`chap-phase1`.
#
# ## The statements
#
# ```{prf:theorem} Phase 2 (Theorem 3.2 of the paper)
# :label: thm-phase2
#
# On an interval $(T_1, T_2)$ with $T_2 = \mathrm{poly}(m)$:
# 1. the score correlations $\mu_2^\top W_K^\top W_Q\mu_1$ and $\mu_1^\top W_K^\top W_Q\mu_2$ increase, and
#    $\mu_3^\top W_K^\top W_Q\mu_1$ and $\mu_3^\top W_K^\top W_Q\mu_2$ decrease (key on the left, query on the right);
# 2. the value correlation $\mu_1^\top W_V^\top W_V\mu_2$ increases, while $\mu_1^\top W_V^\top W_V\mu_3$ and
#    $\mu_2^\top W_V^\top W_V\mu_3$ decrease (and, Corollary F.13, $\lVert W_V\mu_1\rVert^2$, $\lVert W_V\mu_2\rVert^2$
#    increase);
# 3. $G(\mu_1), G(\mu_2) \ge \Omega(1)$, and the margins satisfy $G(\mu_1) + G(\mu_2) + G(\mu_3) \ge \Omega(1)$,
#    $G(\mu_1) + G(\mu_3) \le -\Omega(1)$ and $G(\mu_2) + G(\mu_3) \le -\Omega(1)$.
#
# Throughout, every attention probability stays within $O(1/L^2)$ of its initial value, which is about $1/L$
# (Definition F.1, Corollary F.17).
#
# *Checked in* {numref}`fig-phase2-scores` (items 1 and 2), {numref}`fig-phase2-margins` (item 3) and
# {numref}`fig-phase2-uniform` (the attention).
# ```
#
# ```{prf:theorem} Near-minimum loss (Theorem 3.3 of the paper)
# :label: thm-near-min
#
# At some time $T^* = \Theta(\mathrm{poly}(m))$ the training loss and the population loss are at most
# $1/\mathrm{poly}(m)$, and $W_K^\top W_Q(T^*) - W_K^\top W_Q(0) = \sum_{i_1, i_2} C_{i_1 i_2}\,\mu_{i_1}\mu_{i_2}^\top$,
# where $C_{12}, C_{21}, -C_{31}, -C_{32}$ are all
# $\Theta\bigl(\frac{\sigma_0^2}{\sigma_1^2 m m_1}(\frac{\sqrt m}{L} + 1)\bigr)$, and a coefficient that involves a
# filler word is at most $\tilde O\bigl(\frac{\sigma_0^2}{\sigma_1^2 m m_1}(\frac{\sqrt m}{nL} + 1)\bigr)$: the
# same expression with only its *first* term divided by $n$.
#
# *Checked in* {numref}`fig-phase2-loss` and {ref}`the structure of the attention's change <sec-phase2-structure>`.
# ```
#
# The library reads "$T_2 = \mathrm{poly}(m)$" as the run's horizon, "$1/\mathrm{poly}(m)$" as $1/m$ and the
# monotonicity of items 1 and 2 literally: the verdict fails if a correlation moves against its direction between
# any two records of Phase 2. The expected directions are written once, in `cooccur.claims.SCORE_SIGNS` and
# `VALUE_SIGNS`, and the figures use them too.
#
# {numref}`fig-phase2-scores` and {numref}`fig-phase2-scores-premise` show items 1 and 2 on one seed of each
# setting: after $T_1$ the score and value correlations move in the directions the theorem states.
#
# ```{glue:figure} fig_phase2_scores_paper
# :name: fig-phase2-scores
#
# Paper's setting. Left: the four score correlations of {prf:ref}`thm-phase2`, as changes from their initial
# values. Right: value correlations and the squared norms of $W_V\mu_1, W_V\mu_2$. Log time axis; the dashed line
# is $T_1$.
# ```
#
# ```{glue:figure} fig_phase2_scores_premise
# :name: fig-phase2-scores-premise
#
# The same in the premise setting.
# ```

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
seed = 0
n_seeds = 10
T = 300.0
t1_margins = [0.0, 0.1, 0.25, 0.5, 1.0]
lengths = [3, 4, 5, 6, 7]
sample_counts = [30, 60, 120]
sweep_seeds = 3
order_widths = [32, 320, 3200, 32000, 320000, 1000000]
order_scales = [0.3, 1.0, 3.0]
order_seeds = 2
quick = False

# %% tags=["hide-input"]
from cooccur import claims, memorisation, phase2, plots
from cooccur.experiment import both_settings
from cooccur.parameters import check_chapter
from cooccur.report import (
    count_table,
    glue_figure,
    glue_readings,
    margin_rule_table,
    order_table,
    rows_table,
    show,
    structure_table,
    verdict_table,
)
from cooccur.runs import runs_of

check_chapter("phase2", globals())

# %%
experiments = both_settings(n_seeds, T)
runs = {name: runs_of(exps) for name, exps in experiments.items()}
verdicts = {name: [claims.check_all(r.experiment, r.traj) for r in rs] for name, rs in runs.items()}

# %% [markdown]
# The verdicts on seed {glue:text}`seed` in both settings, and how many of {glue:text}`n_seeds` seeds each
# statement holds on:

# %% tags=["hide-input"]
glue_readings(phase2.seed_readings(runs, verdicts, seed))
show(verdict_table({name: v[seed] for name, v in verdicts.items()}, phase2.CLAIMS, prefix="phase2"))
show(count_table(verdicts, phase2.CLAIMS, prefix="phase2_seeds"))

# %% [markdown]
# ## Score and value correlations

# %% tags=["hide-input"]
for name in runs:
    glue_figure(f"fig_phase2_scores_{name}",
                plots.phase2_correlations(runs[name][seed].traj, f"{name} setting, seed {seed}"))

# %% [markdown]
# Over Phase 2 in the paper's setting, $\mu_2^\top W_K^\top W_Q\mu_1$ rises by {glue:text}`dA_21_paper:.2e` and
# $\mu_1^\top W_K^\top W_Q\mu_2$ by {glue:text}`dA_12_paper:.2e`, while $\mu_3^\top W_K^\top W_Q\mu_1$ and
# $\mu_3^\top W_K^\top W_Q\mu_2$ fall by {glue:text}`dA_31_paper:.2e` and {glue:text}`dA_32_paper:.2e`. In the
# premise setting, where the initialisation is small, the same changes are {glue:text}`dA_21_premise:.2e`,
# {glue:text}`dA_12_premise:.2e`, {glue:text}`dA_31_premise:.2e` and {glue:text}`dA_32_premise:.2e`. The table
# above counts the seeds on which every one of them, and every value correlation, moves monotonically in its
# direction through the whole of Phase 2.
#
# ## Margins, and how much the verdict depends on where Phase 2 starts
#
# With nearly uniform attention, $F(X) \approx \sum_h G(x_h)$ ({ref}`chap-setup`), so the margins of the four
# sequence types are governed by sums of $G$ values. Item 3 asks for $G(\mu_1) + G(\mu_3) < 0$ and
# $G(\mu_2) + G(\mu_3) < 0$ throughout Phase 2, so its verdict depends on where Phase 2 starts. The book places
# $T_1$ at the first time every margin $y_iF_i$ and $G(\mu_1), G(\mu_2), -G(\mu_3)$ is at least
# $c =$ {glue:text}`t1_margin:.1f` ({ref}`chap-phase1`), in every chapter; the table counts the seeds on which item 3
# holds when Phase 2 starts at other values of $c$ instead ($c = 0$ is the first crossing).

# %% tags=["hide-input"]
held, readings = phase2.margin_rule(runs, t1_margins)
glue_readings(readings)
show(margin_rule_table(held, {name: len(rs) for name, rs in runs.items()}))
glue_figure("fig_phase2_margins", plots.margin_sums({f"{name} setting": [r.traj for r in rs]
                                                      for name, rs in runs.items()}))

# %% [markdown]
# ```{glue:figure} fig_phase2_margins
# :name: fig-phase2-margins
#
# The three margin sums of {prf:ref}`thm-phase2` for every seed, in the paper's setting (left) and the premise
# setting (right).
# ```
#
# At the first crossing ($c = 0$) item 3 holds on {glue:text}`margins_c0_premise` of {glue:text}`n_seeds` seeds
# of the premise setting and on {glue:text}`margins_c0_paper` of the paper's setting. What breaks it there is the
# moment just after the last sequence turns correct: $G(\mu_3)$ has only just turned negative, and the
# single-target sequences are classified correctly through their fillers. At the book's rule ($c = 0.5$) item 3
# holds on {glue:text}`margins_c50_premise` of the premise setting's seeds, and from $c = 0.25$ on
# {glue:text}`margins_c25_premise`: in the premise setting, what breaks item 3 at the first crossing is reading
# $T_1$ before every margin is of order one, which is how Theorem 3.1 places it. (At $T_1$ itself $G(\mu_1), G(\mu_2) > 0$ hold by the rule; what the
# verdict tests is that they stay so, and that $G(\mu_1) + G(\mu_3)$ and $G(\mu_2) + G(\mu_3)$ are negative.) With repeated fillers (the paper's setting, outside
# the premises) the counts stay at {glue:text}`margins_c50_paper` ($c = 0.5$) and {glue:text}`margins_c100_paper`
# ($c = 1$): a filler word that appears mostly in negative sequences learns a negative $G$ of its own and takes
# over part of the work of $G(\mu_3)$ (at $t = 300$ the mean filler $G$ is {glue:text}`filler_G_mean:.2f` and the
# smallest {glue:text}`filler_G_min:.2f`), so $G(\mu_1) + G(\mu_3)$ need not become negative at all. Item 3 is not
# true of every run inside the premises, though: the atlas ({ref}`chap-atlas`) lists the runs where a margin sum
# still has the wrong sign after $T_1$, and for how long.
#
# ## The attention tilts at its predicted rate, and stays close to uniform
#
# {prf:ref}`thm-near-min` comes with a caveat: in Phase 2 the softmax entry of query $\mu_1$ on key $\mu_2$ grows
# at the rate $\tfrac{1}{\sqrt m}\tilde\Theta(\hat L\,\sigma_0^2 m)/L^2$ and that on key $\mu_3$ falls at the same
# rate, so the attention tilts but every entry stays within $O(1/L^2)$ of its uniform start. The second half
# cannot fail at these sizes: the entries move by orders of magnitude less than $1/L^2$, so the library only
# reports it. It checks the rate instead: over Phase 2, the mean attention of query $\mu_1$ on key $\mu_2$ must
# rise and on key $\mu_3$ fall, each by $\sigma_0^2\sqrt m/L^2$ times the integral of the run's own training loss
# over Phase 2, within a factor $K$. To see the dependence on $L$, we vary the sequence length in the premise
# setting, with $d$ large enough for distinct fillers at each length and $n = 60 \ge L^2$, and compare the fitted
# exponent of $L$ with the one the rate formula gives for the same runs.

# %% tags=["hide-input"]
by_length = phase2.length_study(lengths, sweep_seeds, T)
show(verdict_table({"premise setting, varying L": {"attention_scaling": by_length.scaling}}, prefix="phase2_length"))
glue_readings(by_length.readings())
glue_figure("fig_phase2_uniform", plots.attention_vs_length(lengths, by_length.series("tilt_mu1_mu2"),
                                                            by_length.series("prediction"), claims.ORDER_CONSTANT))

# %% [markdown]
# ```{glue:figure} fig_phase2_uniform
# :name: fig-phase2-uniform
#
# Premise setting, {glue:text}`sweep_seeds` seeds per length (grey dots). Left: the rise over Phase 2 of the mean
# attention of query $\mu_1$ on key $\mu_2$ against $L$ (black), and the rate formula
# $\sigma_0^2\sqrt m/L^2\int_{T_1}\hat L\,dt$ for the same runs (dashed). Right: their ratio; the band is a
# $\Theta$ with the constant $K$.
# ```
#
# On seed {glue:text}`seed` the attention of query $\mu_1$ on key $\mu_2$ rises by
# {glue:text}`attn_rise_premise:.1e` over Phase 2 in the premise setting, {glue:text}`attn_ratio_premise:.2f` times the
# rate formula (in the paper's setting by {glue:text}`attn_rise_paper:.1e`, {glue:text}`attn_ratio_paper:.2f` times).
# Over the lengths both entries move by between {glue:text}`attn_ratio_min:.2f` and {glue:text}`attn_ratio_max:.2f`
# times the prediction: the same order, with a constant below 1. The exponent of $L$ is steeper than the formula's:
# the rise falls like $L^{a}$ with $a =$ {glue:text}`attn_exponent:.2f` (95% interval
# {glue:text}`attn_exponent_low:.2f` to {glue:text}`attn_exponent_high:.2f`), where the rate formula, with the
# $1/L^2$ and the runs' own loss integrals, gives {glue:text}`attn_exponent_predicted:.2f`. From
# $L =$ {glue:text}`L_min` to {glue:text}`L_max` that is a factor of {glue:text}`attn_gap_factor:.2f`. One log factor
# of $L$, which the $\tilde\Theta$ may hide, changes the exponent by up to {glue:text}`attn_delta:.2f` over the same
# range, and the verdict allows that much, as it does over widths ({ref}`chap-phase1`). The range of $L$ is short
# ($n \ge L^2$ caps it at $\sqrt n$), so the verdict has little power here, and the measured gap is the finding,
# not a settled one. The uniformity itself is never in doubt: the largest change of any softmax entry times $L^2$
# is at most {glue:text}`attn_max_scaled:.1e`. The attention tilts in the directions of {prf:ref}`thm-phase2`, but
# the growing margins come from the MLP and the value matrix.
#
# ## The loss goes to a near-minimum
#
# {prf:ref}`thm-near-min` says that at a time $T^* = \mathrm{poly}(m)$ the training loss is $1/\mathrm{poly}(m)$,
# and the population loss too. We read $T^*$ as the first time the training loss is at most $1/m$. Any finite time
# is polynomial in $m$ for some polynomial, so one run can only test an explicit reading. Ours uses the flow's own
# clock, $T_1 = \Theta(1/\text{rate})$ ({prf:ref}`thm-phase1`): we ask for $T^*$ within $m$ Phase-1 times,
# $T^* \le m\,T_1$. That is stricter than the theorem, which allows any polynomial in absolute time, so a failure
# would say the loss is slow on the flow's clock rather than contradict the theorem; but it is a horizon at which the
# check can fail. A run that ends before $m\,T_1$ without getting there cannot decide it: its verdict is
# *undecided*, shown as such and left out of every count, as are the statements read at $T^*$ on a run that never
# reaches it and the Phase-2 statements on a run whose Phase 1 never ends. The population loss is read at the same
# $T^*$, on {glue:text}`n_fresh` fresh sequences from the same data model (same $L$, $d$ and proportions, another seed, fillers
# drawn independently), and must be at most $K/m$: at $T^*$ the training loss is itself $1/m$.

# %% tags=["hide-input"]
glue_figure("fig_phase2_loss", plots.loss_and_structure([r.traj for r in runs["premise"]],
                                                        phase2.t_star_structure(runs["premise"][seed])))

# %% [markdown]
# ```{glue:figure} fig_phase2_loss
# :name: fig-phase2-loss
#
# Premise setting. Left: the training loss along the flow for every seed, log-log. Right: the change of
# $W_K^\top W_Q$ from $t = 0$ to $T^*$ (the first time the training loss is below $1/m$) for the first eight words
# (rows: key word, columns: query word; $\mu_4, \dots$ are fillers).
# ```
#
# The training loss falls below $1/m =$ {glue:text}`loss_target:.4f` at $T^* =$ {glue:text}`T_star_paper:.2f`
# ({glue:text}`T_star_T1_paper:.1f` $T_1$) in the paper's setting and {glue:text}`T_star_premise:.2f`
# ({glue:text}`T_star_T1_premise:.1f` $T_1$) in the premise setting, far inside $m\,T_1$, and reaches
# {glue:text}`loss_end_paper:.1e` and {glue:text}`loss_end_premise:.1e` by the end of the run, still falling
# (log-log slope over the last decade of time {glue:text}`loss_slope_paper:.2f` and
# {glue:text}`loss_slope_premise:.2f`).
#
# At $T^*$ the population loss is {glue:text}`pop_ratio_premise:.1f`$/m$ on seed {glue:text}`seed` of the premise
# setting (at most {glue:text}`pop_ratio_max_premise:.1f`$/m$ over its seeds): within the constant $K$, but not by
# much. In the paper's setting, with repeated fillers, it is {glue:text}`pop_ratio_paper:.1f`$/m$. Where does the
# gap between the two losses come from? Split each training margin $y_iF_i = y_i\sum_l\sum_h p_{l,h}G(x_h)$ into
# the part carried by the signal words and the part carried by the fillers. A fresh sequence draws its fillers at
# random, and the $G$ a filler learned from the one training sequence it appeared in has nothing to do with the
# fresh sequence's label, so only the first part carries over. We rerun the premise setting with more samples (same
# $L$, distinct fillers, {glue:text}`sweep_seeds` seeds each):

# %% tags=["hide-input"]


study = memorisation.by_sample_count(sample_counts, sweep_seeds, T)
glue_readings(study.readings())
show(rows_table(study.rows()))
glue_figure("fig_phase2_margin_split", plots.margin_split(study.split))

# %% [markdown]
# ```{glue:figure} fig_phase2_margin_split
# :name: fig-phase2-margin-split
#
# Premise setting, seed 0: the mean margin of the type-2 training sequences ($\mu_1$ without $\mu_2$) along the
# flow, and the parts of it carried by the signal words and by the fillers, with $n =$ {glue:text}`n_small` (left)
# and $n =$ {glue:text}`n_large` (right) samples. The dotted line is $T^*$.
# ```
#
# At $n =$ {glue:text}`n_small` most of a type-2 margin at $T^*$ is memorised: {glue:text}`count_filler_small:.2f`
# of it comes from the fillers and {glue:text}`count_core_small:.2f` from the signal words, and the population loss
# is {glue:text}`count_pop_ratio_small:.1f`$/m$: the statement holds on {glue:text}`count_held_small` of
# {glue:text}`sweep_seeds` seeds there, although every premise holds ($n \ge L^2$). With more samples the signal
# words carry more of the margin and the gap closes: at $n =$ {glue:text}`n_large` they carry
# {glue:text}`count_core_large:.2f` against {glue:text}`count_filler_large:.2f` from the fillers, and the population
# loss at $T^*$ is {glue:text}`count_pop_ratio_large:.1f`$/m$ ({glue:text}`count_held_large` of
# {glue:text}`sweep_seeds` seeds hold). Over these sample counts it falls like $n^{b}$ with
# $b =$ {glue:text}`pop_n_exponent:.2f`. So at a fixed width the population half of {prf:ref}`thm-near-min` is
# decided by the number of samples, and the premise $n \ge L^2$ alone does not make the population loss
# $1/\mathrm{poly}(m)$; at the premise setting's $n = 60$ it holds, but close to the constant $K$.
#
# (sec-phase2-structure)=
# ## The structure of $W_K^\top W_Q$
#
# The theorem gives the four target coefficients an order,
# $\Theta\bigl(\sigma_0^2(\sqrt m/L + 1)/(\sigma_1^2 m m_1)\bigr)$, checked within the constant $K$. The filler
# bound shares the factor $\sigma_0^2/(\sigma_1^2 m m_1)$, so its ratio to the target coefficients is free of
# unknown scales: the smallest target coefficient should exceed the largest filler coefficient by about
# $(\sqrt m/L + 1)/(\sqrt m/(nL) + 1)$, which is {glue:text}`predicted_ratio:.2f` at $m = 128$, $L = 5$, $n = 60$
# (only the first term of the filler bound is divided by $n$). As an upper bound up to a constant, it holds if the
# measured ratio is at least the prediction divided by $K$.

# %% tags=["hide-input"]
show(structure_table({name: verdicts[name][seed]["thm3.3.structure"] for name in runs}))

# %% [markdown]
# The signs are those of the theorem in both settings. In the premise setting the four coefficients are
# {glue:text}`C_order_low_premise:.2f` to {glue:text}`C_order_high_premise:.2f` times their predicted order: a
# $\Theta$ with a constant near one half. In the paper's setting (outside the premises: repeated fillers, $m < m_1$)
# they are {glue:text}`C_order_low_paper:.0f` to {glue:text}`C_order_high_paper:.0f` times it. The
# smallest target coefficient is {glue:text}`core_over_filler_premise:.2f` times the largest filler coefficient in
# the premise setting and {glue:text}`core_over_filler_paper:.2f` times in the paper's setting, against the
# predicted {glue:text}`predicted_ratio:.2f`: in the premise setting the measured ratio matches the prediction, and
# with repeated fillers the filler coefficients are somewhat larger. (Comparing the ratio with "a factor of order
# $n$" would call it a failure; the bound divides only its first term by $n$.)

# %% [markdown]
# (sec-phase2-orders)=
# ## Theorem 3.3's orders over widths
#
# The coefficients and the attention's rate are orders in $m$, and one width can only compare them with a constant
# (above, $K$). As for Phase 1 ({numref}`fig-phase1-orders`), we read them as scaling laws instead: runs at widths
# from {glue:text}`t_order_m_min` to {glue:text}`t_order_m_max` ({glue:text}`t_order_seeds` seeds each) at
# Condition 1's scales with $m_1 = m$, for three initial scales $s$, each run continued to $T^*$, the first time its
# training loss is $1/m$. Its horizon is $\max(1, s^2)$ ({glue:text}`t_order_horizon:.0f` +
# {glue:text}`t_order_per_m:.0f` $m$) Phase-1 time scales, and the Gram flow's adaptive steps grow with time, so a
# run costs a few seconds at any width. Three statements are fitted:
#
# - **smallest C at T\*** and **largest C at T\***: the smallest and the largest of
#   $|C_{12}|, |C_{21}|, |C_{31}|, |C_{32}|$ against $\sigma_0^2(\sqrt m/L + 1)/(\sigma_1^2 m m_1)$, whose slope over
#   these widths is {glue:text}`t_order_s1_smallest_C_at_T_predicted:.2f` (between $-2$ and $-3/2$: the $+1$ matters
#   at small $m$);
# - **attention tilt**: the rise of $p(q{=}\mu_1, k{=}\mu_2)$ from $T_1$ to $T^*$ against the rate
#   $(1/\sqrt m)\,\tilde\Theta(\hat L\sigma_0^2 m)/L^2$ integrated with each run's own loss, whose slope is
#   {glue:text}`t_order_s1_attention_tilt_predicted:.2f` at $s = 1$.
#
# Each is a $\Theta$ statement, judged by the Phase-1 rule: the 95% interval of the fitted exponent must lie within
# the predicted one $\pm$ {glue:text}`t_order_log_slope:.2f` (one factor $\ln m$ over these widths). The fit divides
# each quantity by its formula first, so that the formula's own bend over the widths is not counted as scatter.

# %% tags=["hide-input"]
# one width at a time, each run kept without its (R, d, d) records once its readings at T* are taken
sweep, readings = phase2.t_star_orders(order_widths, order_scales, order_seeds)
glue_readings(readings)
show(order_table(sweep.orders, sweep.main_scale, claims.T_STAR_ORDERS, per_scale_prediction=True))
glue_figure("fig_phase2_orders", plots.width_orders(sweep.main_runs, sweep.orders[sweep.main_scale],
                                                    claims.T_STAR_ORDERS))

# %% [markdown]
# Each cell: holds, then the fitted exponent of $m$ with its 95% interval, against the predicted one; the last
# column, the smallest allowance at which the statement would hold at $s = 1$.
#
# ```{glue:figure} fig_phase2_orders
# :name: fig-phase2-orders
#
# Theorem 3.3's order statements over widths $m = m_1$ at $s = 1$, read at $T^*$. Left: each quantity divided by
# $m^a$, $a$ its predicted exponent, relative to the narrowest width (medians over seeds). Right: the fitted
# exponent with its 95% interval against the prediction (cross); grey: one log factor of room.
# ```
#
# {glue:text}`t_reached` ({glue:text}`t_order_s1_reached` of {glue:text}`t_order_s1_runs` at $s = 1$). $T^*$
# itself changes with $m$ as $m^{a}$ with $a =$ {glue:text}`t_star_exponent:.2f`, while $T_1$ falls like $1/m$, so
# that $T^*/T_1$ grows as $m^{a}$ with $a =$ {glue:text}`t_star_over_t1_exponent:.2f`: on the flow's clock the
# time to the book's $T^*$ hardly depends on the width, which says nothing for or against $T^* = \mathrm{poly}(m)$.
#
# At $s = 1$ the smallest target coefficient falls as $m^{a}$ with $a =$
# {glue:text}`t_order_s1_smallest_C_at_T_exponent:.2f` (interval {glue:text}`t_order_s1_smallest_C_at_T_low:.2f` to
# {glue:text}`t_order_s1_smallest_C_at_T_high:.2f`) against the predicted
# {glue:text}`t_order_s1_smallest_C_at_T_predicted:.2f`: "{glue:text}`t_order_s1_smallest_C_at_T_outcome`"; the
# largest, with {glue:text}`t_order_s1_largest_C_at_T_exponent:.2f`, "{glue:text}`t_order_s1_largest_C_at_T_outcome`".
# The smallest coefficient's ratio to the predicted order goes from {glue:text}`t_C_ratio_narrow:.3g` at the
# narrowest width to {glue:text}`t_C_ratio_wide:.3g` at the widest, so a check within a constant at one width
# (the table above, at $m = 128$) reads a ratio that changes by that much across widths. One candidate for the
# difference: the coefficients grow through Phase 2 at a rate proportional to the loss, and the loss integrated
# from $T_1$ to $T^*$, in units of the Phase-1 time scale, grows as $m^{a}$ with $a =$
# {glue:text}`t_loss_integral_exponent:.2f`, where the stated order treats it as a constant.
#
# The attention tilt falls as $m^{a}$ with $a =$ {glue:text}`t_order_s1_attention_tilt_exponent:.2f` (interval
# {glue:text}`t_order_s1_attention_tilt_low:.2f` to {glue:text}`t_order_s1_attention_tilt_high:.2f`) against
# {glue:text}`t_order_s1_attention_tilt_predicted:.2f` from the rate integrated with the run's own loss:
# "{glue:text}`t_order_s1_attention_tilt_outcome`". It follows the coefficients: the tilt over the smallest
# coefficient has a fitted exponent of {glue:text}`t_tilt_over_C_exponent:.2f` in $m$, about $-1/2$. That is what the
# model's softmax makes it, the attention reading the scores as $A/\sqrt m$, so that a change $C$ of a score
# correlation moves the attention by about $C/\sqrt m$. By the same token the stated attention rate and the score
# rate of Lemma 4.7 (as our reading records it, the same form with $1/L$ for $1/L^2$) differ by a factor $\sqrt m$:
# the score rate passed through the softmax would predict a slope of
# {glue:text}`t_tilt_predicted_score_rate:.2f`, not {glue:text}`t_order_s1_attention_tilt_predicted:.2f`. Which of
# the two the paper intends our reading cannot settle; {glue:text}`t_tilt_between`. At $s = 3$ the
# exponents are {glue:text}`t_order_s3_smallest_C_at_T_exponent:.2f` and
# {glue:text}`t_order_s3_attention_tilt_exponent:.2f`; at $s = 0.3$, where Phase 1 is lazy on only
# {glue:text}`t_order_s0p3_lazy_runs` of the {glue:text}`t_order_s0p3_runs` runs and the premise fails,
# {glue:text}`t_order_s0p3_smallest_C_at_T_exponent:.2f` and {glue:text}`t_order_s0p3_attention_tilt_exponent:.2f`.
#
# One reading of ours decides part of this. Theorem 3.3 places $T^*$ where the loss is $1/\mathrm{poly}(m)$ for a
# polynomial it does not fix; we read $1/m$. The coefficients keep growing through Phase 2 while the loss falls, so
# a smaller target would read them later and larger. {glue:text}`t_order_closing`
