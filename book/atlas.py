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
# (chap-atlas)=
# # The claims atlas: where each statement holds
#
# The paper {cite}`yang2024cooccurrence` proves its statements under premises: the exact type proportions and
# distinct filler words of Assumption 2.3, and the widths and initial scales of Condition 1. Some lemmas need a
# small initial output as well. It then checks them on one run. The other chapters check each statement on a
# few seeds in two settings. This chapter draws the map that neither can: over the parameters the theory reasons
# in, **where does each statement hold, where does it fail, and does the failure line up with a broken
# premise?**
#
# Every cell of every map below is `cooccur.claims.check_all` on a run of the adaptive Gram-coordinate
# flow, for every seed. Such a run costs the same whatever the widths $m$ and $m_1$ are, so a map of hundreds of
# runs takes minutes. The runs are described by two sweep files committed next to this chapter
# (`book/atlas/width.yaml` and `book/atlas/length.yaml`). They run on a local `dask.distributed` cluster through
# `cooccur.sweep.run_sweep`, which writes one row per run to a Parquet table.
#
# * **Map (i), initial scale × width.** The data satisfy Assumption 2.3 ($n = 60$, $L = 5$, every filler word
#   used once, so $d = 163$). The model uses the theory's initialisation with both standard deviations multiplied
#   by a scale $s$: $\sigma_0\sqrt{Lm} = \sigma_1\sqrt{m_1} = s$, with $m_1 = m$. Condition 1 asks for $s$ of
#   order one up to factors polylogarithmic in $m$; we read that as $s$ within a factor $B(m) = 2\ln m$ of 1
#   ({ref}`chap-setup`), so whether a scale is inside Condition 1 depends on the width. Lemma 4.2 needs the
#   initial output, which grows like $s^2$, to be small.
# * **Map (ii), samples × length.** The premise setting's model ($m = m_1 = 128$,
#   $\sigma_0 = \sigma_1 = 0.01$) on distinct-filler data of every size $n$ and length $L$. Condition 1 asks for
#   $n \ge L^2$.
#
# {numref}`fig-atlas-width` is the first map; the outlined cells are where a verdict can test the statement.
#
# ```{glue:figure} fig_atlas_width
# :name: fig-atlas-width
#
# Map (i). Each panel is one statement (a key of `cooccur.claims.CLAIMS`). The colour is the fraction of the
# seeds on which it holds at that initial scale $s$ (rows) and width $m = m_1$ (columns), from vermillion (none)
# to blue (all); grey where no seed decided it (a run that never reaches the time it is read at). The black line
# surrounds the cells where the statement's own premises hold on every seed; hatched cells break a premise on
# some seed. Condition 1 fails at $s = 0.03$, and at $s = 0.1$ for $m \le 128$ (below $1/B(m)$ with
# $B(m) = 2\ln m$, {ref}`chap-setup`); the small initial output that Lemmas 4.2 and 4.3 also need fails at the
# larger scales.
# ```

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
width_file = "atlas/width.yaml"
length_file = "atlas/length.yaml"
fine_width_file = "atlas/width-fine.yaml"
fine_length_file = "atlas/length-fine.yaml"
results_dir = "../_build/atlas"
workers = 0
fresh = True
quick = False

# %% tags=["hide-input"]
from cooccur import atlas, plots, report, sweep
from cooccur.parameters import check_chapter
from cooccur.report import downloads, glue_figure, glue_interactive, glue_readings, show

check_chapter("atlas", globals())
out = sweep.tables_dir(results_dir, fresh)  # fresh=False resumes a table instead of recomputing the maps

# %%
width_sweep = sweep.load_sweep(width_file, quick=quick)
length_sweep = sweep.load_sweep(length_file, quick=quick)
show(report.sweep_table({width_file: width_sweep, length_file: length_sweep}))

# %% [markdown]
# Each run is configured by its sweep file's `base`, with the axis values and seed above: the seed draws both
# the data and the weights. The two sweeps run on one local cluster with one single-threaded worker process per
# core:

# %%
width = sweep.run_sweep(width_sweep, out / "width.parquet", workers=workers or None, progress=False)
length = sweep.run_sweep(length_sweep, out / "length.parquet", workers=workers or None, progress=False)
show(downloads({"map (i), initial scale × width": out / "width.parquet", "map (ii), samples × length": out / "length.parquet"}))

# %% tags=["hide-input"]
summaries = atlas.summaries({"width": width, "length": length})
# a statement that holds by construction on every run of a map (Eq. (5) on the Gram flow) tests nothing there
mapped, left_out = atlas.mapped_claims({"width": width, "length": length}, summaries)
glue_readings(sweep.table_readings({"width": width, "length": length}, count="runs")
              | atlas.summary_readings(summaries) | left_out)
glue_figure("fig_atlas_width", plots.atlas_maps(width, mapped, *atlas.AXES["width"]))

# %% [markdown]
# ## Map (i): initial scale × width
#
# The {glue:text}`width_runs` runs ({glue:text}`width_errors` failed) took a median of
# {glue:text}`width_seconds:.2f` s each on one core.

# %% [markdown]
# Inside their premises, these statements fail on some run: {glue:text}`width_fails_inside`. Outside their
# premises, these hold on every run: {glue:text}`width_holds_outside`. A premise is *sufficient* for a proof, not
# necessary, so holding outside is no contradiction. A failure inside is worth a closer look, and the table at
# the end of the chapter lists where each one happens.

# %% tags=["hide-input"]
glue_figure("fig_atlas_length", plots.atlas_maps(length, mapped, *atlas.AXES["length"]))

# %% [markdown]
# ## Map (ii): samples × length
#
# The {glue:text}`length_runs` runs ({glue:text}`length_errors` failed) took a median of
# {glue:text}`length_seconds:.2f` s each. The vocabulary grows with $n$ and $L$: every filler slot needs its own
# word, so $d$ goes from 11 to 223, and a run costs about $d^3$.

# %% [markdown]
# ```{glue:figure} fig_atlas_length
# :name: fig-atlas-length
#
# Map (ii): as {numref}`fig-atlas-width`, over the number of samples $n$ (rows) and the sequence length $L$
# (columns), every filler word used once. Condition 1's $n \ge L^2$ cuts off the lower right.
# ```
#
# Inside their premises, these fail on some run: {glue:text}`length_fails_inside`. Outside their premises,
# these hold on every run: {glue:text}`length_holds_outside`. The statements that fail inside their premises on
# both maps are {glue:text}`both_fails_inside`. Left out of the maps and of every count:
# {glue:text}`by_construction`, which the Gram flow integrates as one of its equations, so these runs cannot test
# it (it is checked on gradient descent in {numref}`fig-eq5`).

# %% tags=["hide-input"]
glue_interactive("fig_atlas_explorer", plots.atlas_explorer({"(i) initial scale × width": (width, *atlas.AXES["width"]), "(ii) samples × length": (length, *atlas.AXES["length"])}, mapped))

# %% [markdown]
# ```{glue:figure} fig_atlas_explorer
# :name: fig-atlas-explorer
#
# Both maps to explore: pick a statement in the menu; hover over a cell for its runs, the share of them with the
# statement's premises met and the median $T_1$. The colour is the share of decided runs on which it holds.
# ```

# %% tags=["hide-input"]
show("**Map (i), initial scale × width**\n\n" + report.premise_summary_table(summaries["width"]))
show("**Map (ii), samples × length**\n\n" + report.premise_summary_table(summaries["length"]))

# %% [markdown]
# The tables above list every statement on both maps: how many runs had its premises met and on what share of
# them it holds, the same outside its premises, where it fails inside them, and every cause its verdicts give
# there with the number of runs that give it (a number that differs between those runs is shown as its range).
# Three statements have verdicts that depend on how they are read:
#
# * `thm3.1` checks what one run can decide: that a $T_1$ exists (its items 1 and 2 define it), and the filler
#   words' change against that of $G(\mu_1)$, at most twice the ratio a lazy Phase 1 predicts with the run's own
#   losses ({ref}`chap-phase1`; a consistency check of the lazy picture rather than an independent test; the
#   small-output ratio $3/n$ with a constant $K$ would fail every run at $s = 3$, whose initial outputs are
#   large). A run with no $T_1$
#   fails it; the statements about Phase 2 are then undecided on that run and left out of their counts. Its order
#   statements are scaling laws in $m$, checked over widths from 32 to $10^6$ in {numref}`fig-phase1-orders`: an
#   absolute bound at one width would make this verdict depend on the initial scale alone. Inside its premises it
#   holds on {glue:text}`thm31_share_width:.0%` of map (i)'s runs and {glue:text}`thm31_share_length:.0%` of map
#   (ii)'s; where it fails, the causes are: {glue:text}`thm31_reason_width` on map (i), and
#   {glue:text}`thm31_reason_length` on map (ii).
# * `thm3.2.margins` is read from $T_1$, the first time every margin is at least 0.5 (the book's one rule,
#   {ref}`chap-phase1`). Inside its premises it holds on {glue:text}`margins_share_width:.0%` of map (i)'s runs and
#   {glue:text}`margins_share_length:.0%` of map (ii)'s. Where it fails, a margin sum still has the wrong sign
#   after $T_1$, for as long as the causes say, where the theorem asks for the right sign through all of Phase 2: a
#   failure at the book's readings of Condition 1 (no log factor in $n \ge L^2$) and of $T_1$. A sum that turns
#   within a few $T_1$ may only say that $T_1$ is read a little early; one that stays wrong for many $T_1$ cannot.
#   The causes:
#   {glue:text}`margins_reason_width` on map (i), and {glue:text}`margins_reason_length` on map (ii).
# * `thm3.3.population` asks for a population loss of at most $K/m$ at $T^*$, the first time the training loss is
#   $1/m$ ({ref}`chap-phase2`). Inside its premises it holds on {glue:text}`population_share_width:.0%` of map (i)'s
#   runs and {glue:text}`population_share_length:.0%` of map (ii)'s; where it fails, the causes are:
#   {glue:text}`population_reason_width` on map (i), and {glue:text}`population_reason_length` on map (ii). At a
#   fixed width it is decided by the number of samples: {ref}`chap-phase2` shows the memorised fillers carrying less
#   of the margin, and the population loss at $T^*$ falling, as $n$ grows.
#
# One more statement depends on its reading, and what it shows is open: `thm3.3.structure` also asks for the
# target coefficients of $W_K^\top W_Q(T^*) - W_K^\top W_Q(0)$ to be of the order the theorem gives,
# $\sigma_0^2(\sqrt m/L + 1)/(\sigma_1^2 m m_1)$, within $K$. At Condition 1's scales that order is free of $s$ and
# falls like $m^{-3/2}$, while on map (i) the measured coefficients grow relative to it with both $s$ and $m$; where
# the verdict fails inside its premises, the table's reason is "Theta magnitude". Part of this is how $T^*$ is read
# (a loss of $1/m$ is reached later at a larger width); whether the rest is a different scaling in $m$ needs the
# coefficients over many more decades of width, as {ref}`chap-phase1` does for Phase 1.
#
# ## Lazy against rich Phase 1
#
# The proof of Phase 1 treats the Gram matrices other than $A$ and $G$ as frozen until $T_1$. That holds at the
# theory's scale, not below it: with a small initialisation the MLP must first grow before it can fit, and
# $\lVert W^\top a\rVert^2$ and $W_V^\top W_V$ grow many-fold on the way. The premise `lazy_phase1` asks both to
# at most double by $T_1$; on map (i) the share of runs that meet it, by initial scale:

# %% tags=["hide-input"]
lazy_rows, readings = atlas.lazy_rows(width)
glue_readings(readings)
show(report.rows_table(lazy_rows))

# %% [markdown]
# The growth falls steeply with $s$ and, at a fixed $s$, with the width: below the boundary the table shows,
# Phase 1 is rich, and the statements proved for a lazy one are read outside their premises there.
#
# ## Does Phase 1's length follow the rate?
#
# Lemma 4.1 gives the rate at which the MLP's $G(\mu_1), G(\mu_2)$ grow in Phase 1, proportional to
# $(\sigma_0^2 + \sigma_1^2)\,m\,m_1$. If $T_1$ were inversely proportional to that rate, the product
# $T_1 (\sigma_0^2 + \sigma_1^2) m m_1$ would be the same in every cell.

# %% tags=["hide-input"]
glue_figure("fig_atlas_rate", plots.atlas_rate({"(i) initial scale x width": (width, *atlas.AXES["width"]),
                                                "(ii) samples x length": (length, *atlas.AXES["length"])}))
glue_readings(atlas.rate_readings(width, length))

# %% [markdown]
# ```{glue:figure} fig_atlas_rate
# :name: fig-atlas-rate
#
# $T_1$ times the Phase-1 rate $(\sigma_0^2 + \sigma_1^2) m m_1$, median over seeds, on both maps (log colour
# scale). The red line surrounds the cells where Theorem 3.1's premises hold on every seed. A constant map would
# mean that Phase 1 lasts exactly as long as the rate predicts.
# ```
#
# It does not collapse. On map (i) the product ranges from {glue:text}`product_min:.2g` to
# {glue:text}`product_max:.3g`. At width $m =$ {glue:text}`rate_mid_m:.0f`, $T_1$ falls like
# $s^{\text{slope}}$ with slope {glue:text}`t1_slope_scale:.2f` over the initial scale $s$, where the rate
# predicts $-2$. At scale $s =$ {glue:text}`rate_mid_s:g` it falls with slope {glue:text}`t1_slope_width:.2f`
# over the width, where the rate predicts $-1$. The rate is far too steep in the scale, for a different reason at
# each end. Below $s = 1$ Phase 1 is rich (the table above): $\lVert W^\top a\rVert^2$ and $W_V^\top W_V$ grow
# many-fold before $T_1$, so $G$ grows ever faster than its initial rate, and the product falls to
# {glue:text}`product_small_s:.2g` at $s =$ {glue:text}`product_small_s_value:g` (against
# {glue:text}`product_theory_s:.2g` at $s = 1$, width {glue:text}`rate_mid_m:.0f`). Above it, a larger initialisation
# starts from a larger random output, which Phase 1 must first undo before every margin reaches 0.5: the product
# rises to {glue:text}`product_large_s:.2g` at $s =$ {glue:text}`product_large_s_value:g`. On map (ii) the product
# stays between {glue:text}`length_product_min:.2g` and {glue:text}`length_product_max:.2g`.
#
# Theorem 3.1 itself states $T_1 = \tilde O(1/m)$, and its formal version $T_1 = C/(\sigma_1^2 m m_1)$, which
# at the theory's own scale ($s = 1$, so $\sigma_1^2 m_1 = 1$) is $C/m$. At $s =$ {glue:text}`theory_scale:g`
# the product $T_1 m$ stays between {glue:text}`t1m_min:.3g` and {glue:text}`t1m_max:.3g` across the widths. (This
# is not the product the figure shows: there the rate is $s^2(m_1/L + m)$, so with $m_1 = m$ its row
# $s =$ {glue:text}`theory_scale:g` reads $T_1 m\,s^2(1 + 1/L)$, {glue:text}`t1m_rate_factor:.2g` times these
# values.) So
# at the theory's scale $T_1$ does scale as $1/m$, with a constant of about {glue:text}`t1m_max:.0f` that the $\tilde O$ leaves
# open. The {ref}`chap-phase1` chapter fits the width scaling on its own sweep.

# %% tags=["hide-input"]
fine = {name: sweep.load_sweep(path) for name, path in {"width": fine_width_file, "length": fine_length_file}.items()}
glue_readings(atlas.fine_cost(fine, {"width": width, "length": length}))


# %% [markdown]
# ## The fine atlas, on a cluster
#
# The maps above are coarse: three seeds, five values per axis, so that the book builds them in a few minutes on
# two cores. The same maps on a finer grid with ten seeds are the files `book/atlas/width-fine.yaml`
# ({glue:text}`fine_width_runs` runs) and `book/atlas/length-fine.yaml` ({glue:text}`fine_length_runs` runs,
# which add $L = 7$). At the cost per run measured above, they take about {glue:text}`fine_width_core_minutes:.0f`
# and {glue:text}`fine_length_core_minutes:.0f` core-minutes. The larger cells of the length map cost more than
# the coarse map's mean, so the second figure is a lower bound. On a cluster, start a scheduler and workers with
# dask's own commands and submit the sweep by address:
#
# ```bash
# dask scheduler                                         # prints its address, tcp://HOST:8786
# dask worker tcp://HOST:8786 --nthreads 1 --nworkers 8  # on every machine; one thread per process
# python -m cooccur sweep book/atlas/width-fine.yaml --out width-fine.parquet --scheduler tcp://HOST:8786
# ```
#
# Without `--scheduler` the same command starts a local cluster with one worker per core. Each finished run is
# written at once, so a sweep that is stopped (Ctrl-C, a lost connection) goes on where it stopped when the same
# command is run again. `sweep.load_table` of `cooccur` reads `width-fine.parquet` into a table, and
# `plots.atlas_maps(table, claims, WIDTH_AXES, WIDTH_LABELS)` draws it as above.
