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
# (chap-scan-snap)=
# # Another lens: Scan and Snap
#
# {cite}`tian2023scan` study a one-layer transformer trained for next-token prediction. The last token queries
# the context. In their analysis the attention first *scans*: it drops the context tokens that co-occur least
# with the query, and it suppresses tokens common to every class. It then *snaps*: a phase transition, set by
# the two learning rates, all but freezes it. This chapter rebuilds their reparameterised model and synthetic data
# in `cooccur.related.scan_snap` and reruns three of their experiments: the attention maps of their Figure 4, the
# learning-rate sweep of their Figure 6 at their own setting, and the transition of their Theorem 4.
# {numref}`fig-scan-snap` shows the scan: the attention of one class moves off the common tokens and onto the
# distinct tokens that co-occur most with its query.
#
# ```{glue:figure} fig_scan_snap
# :name: fig-scan-snap
#
# Expected attention of class 1 over the first twenty tokens at iterations 0, 2, 4, 6, 8, 10 and the last (rows).
# Left: equal learning rates. Right: a ten times faster decoder. Tokens 0 to 9 are common to both classes; tokens
# 10 to 19 are distinct to class 1, in order of rising co-occurrence with its query.
# ```

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
seed = 2
steps = 100
batch = 128
fig6_file = "scan_snap/fig6.yaml"
fig6_published = "scan_snap/fig6-published.csv"
results_dir = "../_build/scan_snap"
snap_num_last = 5
snap_lr_Z = 0.5
snap_lr_Y = [0.5, 1.0, 2.0, 5.0]
snap_steps = 30000
snap_seeds = 3
workers = 0
quick = False

# %% tags=["hide-input"]
from cooccur import plots, sweep
from cooccur.parameters import check_chapter
from cooccur.related import scan_snap as ss
from cooccur.report import downloads, glue_figure, glue_readings, rows_table, show, sweep_table, values_table

check_chapter("scan_snap", globals())
data = ss.SequenceClasses(n_classes=2, n_common=10, n_distinct=10, seq_len=128)
show(values_table({"classes": data.n_classes, "common tokens": data.n_common,
                   "distinct tokens per class": data.n_distinct, "sequence length T": data.seq_len,
                   "vocabulary M": data.M, "seed": seed, "iterations": steps, "batch": batch}))

# %% [markdown]
# ## Model and data
#
# Tokens are one-hot over a vocabulary of $M$ tokens. The model is written directly in the two $M \times M$
# matrices of the authors' reparameterisation: $Z$ holds the attention logits and $Y$ the decoder. The query
# $m$ (the last token) attends over the context tokens $x_1, \dots, x_{T-1}$ with weights
# $b_t \propto \exp Z[m, x_t]$. The attention output is the $\ell_2$-normalised mix
# $u = \sum_t b_t e_{x_t} / \lVert \sum_t b_t e_{x_t} \rVert$, and the next-token logits are $Y u$. Both matrices start
# at zero and are trained by SGD with momentum 0.9, with separate learning rates $\eta_Y$ and $\eta_Z$.
#
# The data are the authors' "sequence classes" at the size of their Figure 4. There are two classes, each with a
# query token and a next token. The $T - 1 = 127$ context tokens are drawn from ten common tokens (weight 1 each)
# and ten tokens distinct to the class, with weights rising from 0.1 to 1. The attention a class puts on a token
# in expectation over its context is $c_n(l) \propto P(l \mid n)\, e^{Z[m, l]}$.
#
# ## Scan, then snap (their Figure 4)

# %% tags=["hide-input"]
runs, readings = ss.first_runs(data, steps, batch, seed)
glue_readings(readings)
rows = [0, 2, 4, 6, 8, 10, steps]
glue_figure("fig_scan_snap", plots.scan_snap_maps(ss.attention_rows(runs, rows), rows))

# %% [markdown]
# **Scan.** The common tokens start with {glue:text}`common_start:.0%` of the attention and end with
# {glue:text}`common_equal:.0%` (equal rates) and {glue:text}`common_fast_Y:.0%` (fast decoder). Among the distinct
# tokens, the rarely co-occurring ones fade and the attention gathers on the frequent ones.
#
# **A frozen logit is not yet a snap.** Over the last ten iterations the largest change of the query's attention
# logits is {glue:text}`snap_equal:.2%` of its peak change with equal rates, and {glue:text}`snap_fast_Y:.2%` with
# the fast decoder. The loss falls from {glue:text}`loss0_equal:.2f` at iteration 0 to {glue:text}`loss4_equal:.2f`
# at iteration 4 and {glue:text}`loss10_equal:.3f` at iteration 10. The authors' log of this experiment reports
# 3.53, 0.73 and 0.013 at the same iterations. By the last iteration the loss is {glue:text}`lossT_equal:.1e`, so
# every gradient has all but vanished, and a logit that stops moving then says nothing about a phase transition.
# {ref}`A section below <sec-scan-snap-transition>` measures the snap as their Theorem 4 states it. With the fast
# decoder the loss collapses sooner ({glue:text}`loss4_fast_Y:.1e` at iteration 4) and leaves a denser attention:
# its entropy over the distinct tokens is {glue:text}`entropy_fast_Y:.2f` nats against
# {glue:text}`entropy_equal:.2f`.
#
# ## Learning rates set the sparsity: their Figure 6 at their setting
#
# The paper's Figure 6 measures the entropy of the final attention over the distinct tokens on Syn-Medium, a
# larger version of the data. It has `num_last` query tokens, each shared by two next tokens, so
# $K = 2\,$`num_last` classes with ten distinct tokens each, plus the ten common tokens. The published trend: the
# entropy falls as $\eta_Z$ grows, and it rises once $\eta_Y/\eta_Z$ passes about 2. We run their whole grid at
# their settings, described by the sweep file `book/scan_snap/fig6.yaml`: four sizes, four attention rates, four
# ratios and ten seeds, 100 iterations of SGD with momentum 0.9 on batches of 128 sequences of length 128. Unlike
# their Figure 4, the weights start from PyTorch's default for a linear map, uniform in $\pm 1/\sqrt M$, as in
# their log of this sweep. The runs go through `cooccur.sweep.run_sweep` on a local `dask.distributed` cluster, the
# machinery of {ref}`chap-atlas`, and each writes one row of a Parquet table.

# %% tags=["hide-input"]
fig6_sweep = sweep.load_sweep(fig6_file, quick=quick)
show(sweep_table({fig6_file: fig6_sweep}))
out = sweep.tables_dir(results_dir)  # every build reruns the sweep
fig6 = sweep.run_sweep(fig6_sweep, out / "fig6.parquet", workers=workers or None, progress=False)
published = ss.read_published_figure6(fig6_published)
glue_readings(ss.figure6_readings(fig6, len(fig6_sweep.seeds), published))
glue_figure("fig_scan_snap_entropy", plots.scan_snap_entropy(fig6, data.n_distinct))
show(rows_table(ss.figure6_trend_rows(fig6, fig6_sweep.axes["lr_ratio"][-1])))
show(downloads({"their Figure 6, our runs": out / "fig6.parquet"}))

# %% [markdown]
# ```{glue:figure} fig_scan_snap_entropy
# :name: fig-scan-snap-entropy
#
# Their Figure 6 at their setting (Syn-Medium). Entropy of the final attention over each class's distinct tokens,
# against the ratio of learning rates, one line per attention learning rate $\eta_Z$: the mean over
# {glue:text}`fig6_seeds` seeds, with bars of one standard deviation over the seeds, the statistic of the
# authors' bars (see below). Panels: the number of query tokens, each with two next tokens. Uniform attention on
# the ten distinct tokens would give $\ln 10 \approx 2.30$ nats.
# ```
#
# The {glue:text}`fig6_runs` runs (with {glue:text}`fig6_failed` failures) took
# {glue:text}`fig6_core_seconds:.0f` core-seconds, {glue:text}`fig6_run_seconds:.2f` s per run, so the book runs the
# full grid on every build. The entropy starts at {glue:text}`fig6_entropy_start:.2f` nats on average (the data's
# own spread over the distinct tokens) and falls as low as {glue:text}`fig6_entropy_min:.2f`.
#
# - **Entropy falls as $\eta_Z$ grows.** It does at {glue:text}`fig6_falls` of the {glue:text}`fig6_falls_of`
#   (panel, ratio) points, at every step of $\eta_Z$: a faster attention scans further before the snap. This
#   matches their figure.
# - **It rises once $\eta_Y/\eta_Z$ passes about 2.** With three or more query tokens, the entropy first *falls*
#   from ratio 1 to ratio 2 on {glue:text}`fig6_dips` of the {glue:text}`fig6_curves_large` curves and then rises
#   from 2 to 10 on {glue:text}`fig6_rises` of them. The minimum sits at $\eta_Y/\eta_Z \approx 2$, which is their
#   published shape. With a single query token (two classes, close to the Syn-Small data of
#   {numref}`fig-scan-snap`), there is no dip ({glue:text}`fig6_dips_small` of {glue:text}`fig6_curves_small`
#   curves) and the entropy rises from ratio 1 on; it rises significantly from 2 to 10 on
#   {glue:text}`fig6_rises_small` of {glue:text}`fig6_curves_small`, and at the two largest $\eta_Z$ the spread
#   over seeds is large. At their setting, then, both published trends come out, and the turn near 2 needs more
#   than two classes.
#
# **Which error bars.** The authors publish the table behind their figure (`figure_6_data.pkl` in their
# repository; its 64 entries are copied, with their source, to `book/scan_snap/fig6-published.csv`), each point a
# mean and a "±" over ten seeds. The paper's caption calls the bars standard errors; their plotting script reads
# the "±" into a column it names `entropy_std`. Our runs tell which: at three query tokens, $\eta_Z = 0.5$ and
# $\eta_Y/\eta_Z = 1$ the published "±" is {glue:text}`fig6_spot_plus_minus:.3f`, and over our seeds the standard
# deviation there is {glue:text}`fig6_spot_std:.3f` and the standard error of the mean
# {glue:text}`fig6_spot_sem:.3f`. Over all {glue:text}`fig6_points_compared` points, the median of their "±"
# divided by our standard deviation is {glue:text}`fig6_pm_over_std:.2f`, and divided by our standard error
# {glue:text}`fig6_pm_over_sem:.2f`; their "±" lies closer to our standard deviation at
# {glue:text}`fig6_closer_to_std` of the {glue:text}`fig6_points_compared` points. So their bars are
# {glue:text}`fig6_bars_are`, and {numref}`fig-scan-snap-entropy` draws the same statistic. Reading them so, their
# means and ours differ by a median of {glue:text}`fig6_gap_in_se:.1f` standard errors of the difference, and by
# more than two at {glue:text}`fig6_far_apart` of the {glue:text}`fig6_points_compared` points. The two trends
# above are tested against the standard error of the mean, the statistic for telling two means apart.
#
# (sec-scan-snap-transition)=
# ## The snap, measured as their Theorem 4 states it
#
# Theorem 4 of {cite}`tian2023scan` places a phase transition at
# $t_0 \approx 2(1+\delta')\,K \ln M / \eta_Y$: it bounds the growth of the attention logits by $O(\ln t)$ before
# $t_0$ and by $O(\ln\ln t)$ after it. The statement is about gradient flow from zero, with the decoder much faster
# than the attention.
# We therefore train without momentum (one iteration of SGD with learning rate $\eta$ is one unit of time in their
# flow), from zero, on Syn-Medium with `num_last` = {glue:text}`snap_num_last` ($K$ = {glue:text}`snap_K`,
# $M$ = {glue:text}`snap_M`), with $\eta_Z$ = {glue:text}`snap_lr_Z` and the decoder rates of their Figure 3. Each
# run lasts {glue:text}`snap_steps` iterations and keeps $Z$ at 80 iterations spread evenly in $\ln t$;
# {glue:text}`snap_seeds` seeds per rate.
#
# The logit that matters is the *attention gain*: how much the ratio of attention between a class's most and least
# frequent distinct token has grown since the start, in log units,
# $g(t) = [z_{m,\mathrm{hi}}(t) - z_{m,\mathrm{lo}}(t)] - [z_{m,\mathrm{hi}}(0) - z_{m,\mathrm{lo}}(0)]$, averaged over
# classes. By their Theorem 3 this is what the scan is made of. Growth like $\ln t$ is a constant slope
# $dg/d\ln t$; growth like $\ln\ln t$ is a slope that decays like $1/\ln t$. To tell them apart we fit, over each
# decade of $t$, the *local decay exponent* $\beta$ of the slope, $dg/d\ln t \propto (\ln t)^{-\beta}$
# (`cooccur.related.scan_snap.decade_exponents`): $\beta = 0$ is growth like $\ln t$, $\beta = 1$ growth like
# $\ln\ln t$, $0 < \beta < 1$ growth like $(\ln t)^{1-\beta}$, between the two, and $\beta > 1$ slower than
# $\ln\ln t$: if it lasts, $g$ tends to a finite limit.

# %% tags=["hide-input"]
snap = ss.snap_study(ss.SequenceClasses.syn_medium(snap_num_last), snap_lr_Y, snap_lr_Z, snap_steps, batch,
                     snap_seeds, workers or None)
glue_readings(snap.readings())
glue_figure("fig_scan_snap_transition", plots.scan_snap_transition(snap.series))
show(rows_table(*snap.rate_table()))
show(rows_table(*snap.decade_table()))

# %% [markdown]
# ```{glue:figure} fig_scan_snap_transition
# :name: fig-scan-snap-transition
#
# The snap of Theorem 4 on Syn-Medium (plain SGD from zero, $\eta_Z$ = {glue:text}`snap_lr_Z`, mean over
# {glue:text}`snap_seeds` seeds). Dotted lines: the predicted $t_0 = 2K\ln M/\eta_Y$. Top left: the attention gain
# $g(t)$. Top right: its growth per unit of $\ln t$; the dashed line decays like $1/\ln t$, the rate of $\ln\ln t$
# growth. Bottom left: the length of $Z$'s steps over $Y$'s, between consecutive recorded iterations. Bottom right:
# the local decay exponent $\beta$ of the growth rate, $dg/d\ln t \propto (\ln t)^{-\beta}$, fitted per decade
# of $t$ (0: growth like $\ln t$; 1: growth like $\ln\ln t$).
# ```
#
# {numref}`fig-scan-snap-transition` shows the three things the theorem predicts.
#
# - **The transition comes near the predicted $t_0$.** The gain grows fastest, per unit of $\ln t$, at
#   {glue:text}`snap_peak_over_t0_min:.2f` to {glue:text}`snap_peak_over_t0_max:.2f` times the predicted $t_0$ (with
#   $\delta' = 0$), from $t$ = {glue:text}`snap_peak_first:.0f` at the slowest decoder to
#   {glue:text}`snap_peak_last:.0f` at the fastest, a {glue:text}`snap_rate_span:g`-fold range of $\eta_Y$. The
#   theorem's $t_0$ falls like $\eta_Y^{-1}$ for a decoder much faster than the attention. We fit
#   $t_\mathrm{peak} \propto \eta_Y^{a}$ over the {glue:text}`snap_peak_fit_runs` runs with $\eta_Y \ge 2\eta_Z$
#   (one point per seed; our cut for "faster", a ratio of 2 being borderline): $a$ =
#   {glue:text}`snap_peak_exponent:.2f`, with a 95% interval of {glue:text}`snap_peak_exponent_low:.2f` to
#   {glue:text}`snap_peak_exponent_high:.2f`, which {glue:text}`snap_peak_verdict` the theorem's $-1$. The runs
#   with $\eta_Y = \eta_Z$, outside the premise, are left out. Each $t_\mathrm{peak}$ is read on the recorded grid
#   of 80 times (steps of about 0.13 in $\ln t$), so seeds at one rate often tie, and the interval mostly measures
#   how far the three rates' peaks lie off one power law. At the peak the loss is still {glue:text}`snap_loss_peak_min:.2f` to
#   {glue:text}`snap_loss_peak_max:.2f` nats, far from the 1e-5 of the end of {numref}`fig-scan-snap`: the slowing
#   down that follows is not the trivial one of a vanished gradient.
# - **After the transition the growth is slower than $\ln t$, and over the runs slower than $\ln\ln t$.** The
#   bottom-right panel and the table above give the local exponent $\beta$ per decade (of the gain averaged over
#   seeds). In every decade that starts after its measured transition, $\beta > 0$ for
#   {glue:text}`snap_after_slower` of the {glue:text}`snap_rates` decoder rates, so the gain grows more slowly than
#   $\ln t$; and $\beta > 1$ for {glue:text}`snap_after_above_one` of them, so more slowly than $\ln\ln t$ as well,
#   within the theorem's $O(\ln\ln t)$ bound after $t_0$ (an upper bound, which $\beta \ge 1$ satisfies and
#   $0 < \beta < 1$ would not); growth *like* $\ln\ln t$ would be $\beta = 1$. For the
#   fastest decoder ($\eta_Y$ = {glue:text}`snap_lr_Y_fastest:g`), $\beta$ is {glue:text}`snap_beta_fast_1:.2f`,
#   {glue:text}`snap_beta_fast_2:.2f` and {glue:text}`snap_beta_fast_3:.2f` over the last three decades,
#   [{glue:text}`snap_beta_fast_1_start:.0f`, {glue:text}`snap_beta_fast_1_end:.0f`] to
#   [{glue:text}`snap_beta_fast_3_start:.0f`, {glue:text}`snap_beta_fast_3_end:.0f`]. Over the last decade
#   ({glue:text}`snap_last_over_t0:.0f` or more times $t_0$), $\beta$ is {glue:text}`snap_beta_last_min:.2f` to
#   {glue:text}`snap_beta_last_max:.2f` across the rates, closest to 1 at $\eta_Y$ =
#   {glue:text}`snap_lr_Y_closest:g`, and fitted to single seeds it spans {glue:text}`snap_beta_seed_min:.2f` to
#   {glue:text}`snap_beta_seed_max:.2f` (across there, $\ln\ln t$ changes by only 0.25, so single-seed fits are
#   loose). There $dg/d\ln t \cdot \ln t$, which growth like $\ln\ln t$ would hold constant, averages
#   {glue:text}`snap_lnln_min:.2f` to {glue:text}`snap_lnln_max:.2f` across the rates. {glue:text}`snap_last_reading` Before the transition the rate climbs to its peak (in the first
#   decade, $\beta < 0$ for {glue:text}`snap_first_climbing` of the {glue:text}`snap_rates` rates) and stays
#   bounded, which is all an $O(\ln t)$ bound asks.
# - **$Z$ moves only once $Y$ has.** Before $t_0/4$, $Z$'s path is at most {glue:text}`snap_zy_early_max:.1%` of
#   $Y$'s: the decoder learns first, and the attention's gradient is proportional to what the decoder has learned.
#   Near $t_0$ the ratio climbs, and over the last decade it is {glue:text}`snap_zy_late_min:.2f` to
#   {glue:text}`snap_zy_late_max:.2f`. So $Z$ does not freeze *relative to* $Y$: both slow down together, their
#   steps shrinking roughly like $1/t$ as the loss falls, while the part of $Z$ that sets the attention ratios
#   grows at most like $\ln\ln t$.
#
# Two premises are bent here. At $\eta_Y = \eta_Z$ (first row of the table) the decoder is not faster than the
# attention, and its peak still lands near $t_0$. The sequences are 128 tokens long, not infinite. Time is also
# discrete and each step sees one batch of 128 sequences, not the expected gradient.
#
# ## Against our paper
#
# Both papers see the attention move slowly while the readout learns fast. In the co-occurrence task this is
# Phase 1 ({ref}`chap-phase1`), and here it is the two learning rates with $\eta_Y \ge \eta_Z$. The mechanisms
# differ:
#
# - **Task.** Here it is next-token prediction, with a distinct next token per class. Ours is a binary
#   classification read off *all* positions.
# - **Start.** In their Figure 4 the weights start at zero, so the attention starts exactly uniform; their
#   Figure-6 sweep, and ours above, start from a small random $Z$. Ours start random at the theory's or Kaiming's
#   scales, with an initial output of order one ({ref}`chap-setup`), or small in the premise setting.
# - **What attention becomes.** Here it becomes sparse: the scan concentrates it on the most frequent distinct
#   tokens before the snap. In {ref}`chap-phase2` it stays within $O(1/L^2)$ of uniform, and the margin is carried
#   by the MLP and the values.
# - **Common tokens.** Both suppress them. Here the common tokens lose attention weight. In ours the score
#   correlations with $\mu_3$ fall, and $G(\mu_3)$ turns negative.
