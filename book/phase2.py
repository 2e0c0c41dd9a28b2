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
# (chap-phase2)=
# # Phase 2: attention and MLP move together
#
# After $T_1$ every sequence is classified correctly, but the loss is still of order one. In the second phase
# the attention matrices start to move. The two target words attend more to each other and less to the common
# token. Meanwhile the MLP keeps growing its margins, and the loss goes to a near-minimum
# {cite}`yang2024cooccurrence`. This chapter checks each part of that picture on the flow, over several seeds.

# %% tags=["parameters"]
seed = 0
n_seeds = 10
lengths = [3, 4, 5, 6, 8, 10]
sweep_seeds = 3
quick = False

# %%
import numpy as np
from IPython.display import Markdown, display
from matplotlib import pyplot as plt

from cooccur.experiment import paper_setting, run_many
from cooccur.plots import mark_phase_boundary, plot_matrix
from cooccur.report import check_parameters, glue_figure, glue_number, glue_text

check_parameters(seed=(seed, int, 0, None), n_seeds=(n_seeds, int, 1, 1000), lengths=(lengths, list, 3, 64),
                 sweep_seeds=(sweep_seeds, int, 1, 1000), quick=(quick, bool))

T = 300.0
if quick:
    n_seeds, lengths, sweep_seeds, T = 2, [4, 5], 1, 3.0
    display(Markdown("**Quick mode:** fewer seeds and lengths and a short horizon, to smoke-test the code; "
                     "not the published numbers."))


runs = run_many([paper_setting(s, T=T) for s in range(n_seeds)], progress=False, cache=False)
traj = runs[seed]
print(paper_setting(seed, T=T).to_dict())


def after_T1(tr) -> slice:
    return slice(int(np.searchsorted(tr.t, tr.T1)), None)


# %% [markdown]
# ## The statements
#
# ```{prf:theorem} Phase 2 (Theorem 3.2 of the paper)
# :label: thm-phase2
#
# On an interval $(T_1, T_2)$ with $T_2 = \mathrm{poly}(m)$:
# 1. the score correlations $\mu_2^\top W_K^\top W_Q\mu_1$ and $\mu_1^\top W_K^\top W_Q\mu_2$ increase, and
#    $\mu_3^\top W_K^\top W_Q\mu_1$ and $\mu_3^\top W_K^\top W_Q\mu_2$ decrease (key on the left, query on the right);
# 2. the value correlation $\mu_1^\top W_V^\top W_V\mu_2$ increases, while $\mu_1^\top W_V^\top W_V\mu_3$ and
#    $\mu_2^\top W_V^\top W_V\mu_3$ decrease;
# 3. the margins satisfy $G(\mu_1) + G(\mu_2) + G(\mu_3) \ge \Omega(1)$ and
#    $G(\mu_1) + G(\mu_3) \le -\Omega(1)$, $G(\mu_2) + G(\mu_3) \le -\Omega(1)$;
# 4. every attention probability stays within $O(1/L^2)$ of its initial value, which is about $1/L$.
#
# *Checked in* {numref}`fig-phase2-scores` (items 1 and 2), {numref}`fig-phase2-margins` (item 3) and
# {numref}`fig-phase2-uniform` (item 4).
# ```
#
# ```{prf:theorem} Near-minimum loss (Theorem 3.3 of the paper)
# :label: thm-near-min
#
# At some time $T^* = \Theta(\mathrm{poly}(m))$ the training loss is at most $1/\mathrm{poly}(m)$, and
# $W_K^\top W_Q(T^*) - W_K^\top W_Q(0) = \sum_{i_1, i_2} C_{i_1 i_2}\,\mu_{i_1}\mu_{i_2}^\top$. The coefficients
# $C_{12}, C_{21}$ are positive and $C_{31}, C_{32}$ negative, all of the same order. Coefficients involving a
# filler word are smaller by a factor of order $n$.
#
# *Checked in* {numref}`fig-phase2-loss`.
# ```
#
# ## Score correlations

# %%
pairs = {"(µ2, µ1)": (1, 0), "(µ1, µ2)": (0, 1), "(µ3, µ1)": (2, 0), "(µ3, µ2)": (2, 1)}
expected_sign = {"(µ2, µ1)": 1, "(µ1, µ2)": 1, "(µ3, µ1)": -1, "(µ3, µ2)": -1}


def monotone(values: np.ndarray, sign: int) -> bool:
    return bool(np.all(sign * np.diff(values) >= 0) and sign * (values[-1] - values[0]) > 0)


score_ok = [all(monotone(tr.A[after_T1(tr), k, q], expected_sign[p]) for p, (k, q) in pairs.items()) for tr in runs]
glue_number("score_seeds", sum(score_ok))
glue_number("n_seeds", n_seeds)
s = after_T1(traj)
for k, q in pairs.values():
    glue_number(f"dA_{k + 1}{q + 1}", traj.A[-1, k, q] - traj.A[s, k, q][0])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.3), constrained_layout=True)
for name, (k, q) in pairs.items():
    ax1.plot(traj.t, traj.A[:, k, q] - traj.A[0, k, q], label=rf"key, query = {name}")
ax1.set(xscale="log", xlabel="time t", ylabel=r"$\nu^\top W_K^\top W_Q \mu$ minus its value at t=0")
ax1.set_title(f"score correlations (theory init, seed {seed})")
mark_phase_boundary(ax1, traj)
ax1.legend(fontsize="small")
vv_pairs = {r"$\mu_1^\top W_V^\top W_V \mu_2$": (0, 1), r"$\mu_1^\top W_V^\top W_V \mu_3$": (0, 2),
            r"$\mu_2^\top W_V^\top W_V \mu_3$": (1, 2), r"$\Vert W_V\mu_1\Vert^2$": (0, 0), r"$\Vert W_V\mu_2\Vert^2$": (1, 1)}
for name, (k, q) in vv_pairs.items():
    ax2.plot(traj.t, traj.VV[:, k, q] - traj.VV[0, k, q], label=name)
ax2.set(xscale="log", xlabel="time t", ylabel="value correlation minus its value at t=0")
ax2.set_title("value correlations")
mark_phase_boundary(ax2, traj)
ax2.legend(fontsize="small")
glue_figure("fig_phase2_scores", fig)

vv_sign = {(0, 1): 1, (0, 2): -1, (1, 2): -1, (0, 0): 1, (1, 1): 1}
vv_ok = [all(sign * (tr.VV[-1, k, q] - tr.VV[after_T1(tr), k, q][0]) > 0 for (k, q), sign in vv_sign.items()) for tr in runs]
glue_number("vv_seeds", sum(vv_ok))

# %% [markdown]
# ```{glue:figure} fig_phase2_scores
# :name: fig-phase2-scores
#
# Left: the four score correlations of {prf:ref}`thm-phase2`, as changes from their initial values. Right: value
# correlations and the squared norms of $W_V\mu_1, W_V\mu_2$. Log time axis; the dashed line is $T_1$.
# ```
#
# After $T_1$ the two target words' mutual scores rise: $\mu_2^\top W_K^\top W_Q\mu_1$ by
# {glue:text}`dA_21:.2e` and $\mu_1^\top W_K^\top W_Q\mu_2$ by {glue:text}`dA_12:.2e` up to $t = 300$. Their
# scores on the common token fall, by {glue:text}`dA_31:.2e` and {glue:text}`dA_32:.2e`. All four move
# monotonically in the stated direction throughout Phase 2 on {glue:text}`score_seeds` of
# {glue:text}`n_seeds` seeds. The value correlations end Phase 2 with the signs of {prf:ref}`thm-phase2`, and
# $\lVert W_V\mu_1\rVert^2$, $\lVert W_V\mu_2\rVert^2$ grow (the paper's Corollary F.13), on
# {glue:text}`vv_seeds` of {glue:text}`n_seeds` seeds.
#
# ## Margins
#
# With nearly uniform attention, $F(X) \approx \sum_h G(x_h)$ ({ref}`chap-setup`), so the margins of the four
# sequence types are governed by sums of $G$ values. {prf:ref}`thm-phase2` asks for
# $G(\mu_1) + G(\mu_2) + G(\mu_3) > 0$ and $G(\mu_1) + G(\mu_3) < 0$, $G(\mu_2) + G(\mu_3) < 0$. The proof assumes
# distinct filler words. We check the conditions on the paper's data (fillers repeat) and on a data set with
# distinct fillers ($n = 24$, $L = 5$, $d = 67$, the smallest $d$ that allows it).

# %%
distinct_data = {"n": 24, "d": 67, "distinct_fillers": True}
distinct = run_many([paper_setting(s, T=T, data=distinct_data) for s in range(n_seeds)], progress=False, cache=False)
margins = {"G(µ1)+G(µ2)+G(µ3) > 0": ((0, 1, 2), 1), "G(µ1)+G(µ3) < 0": ((0, 2), -1), "G(µ2)+G(µ3) < 0": ((1, 2), -1)}


def margin_holds(tr, words, sign) -> tuple[bool, bool]:
    """(holds at every recorded time after T1, holds at the end)."""
    total = tr.G[after_T1(tr)][:, list(words)].sum(axis=1)
    return bool(np.all(sign * total > 0)), bool(sign * total[-1] > 0)


print(f"{'condition':24s} {'paper data: all of Phase 2 / at t=T':>36s} {'distinct fillers: all / at t=T':>32s}")
for i, (name, (words, sign)) in enumerate(margins.items()):
    counts = []
    for label, group in (("paper", runs), ("distinct", distinct)):
        held = np.array([margin_holds(tr, words, sign) for tr in group])
        glue_number(f"margin{i}_{label}_all", held[:, 0].sum())
        glue_number(f"margin{i}_{label}_end", held[:, 1].sum())
        counts.append(f"{held[:, 0].sum()} / {held[:, 1].sum()} of {len(group)}")
    print(f"{name:24s} {counts[0]:>36s} {counts[1]:>32s}")
if not quick:  # the prose below relies on these
    assert sum(margin_holds(tr, (0, 2), -1)[0] and margin_holds(tr, (1, 2), -1)[0] for tr in runs) < n_seeds
filler_G = traj.G[-1, 3:]
glue_number("filler_G_min", filler_G.min())
glue_number("filler_G_mean", filler_G.mean())

fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), constrained_layout=True, sharey=True)
for ax, group, title in ((axes[0], runs, "paper's data (fillers repeat)"), (axes[1], distinct, "distinct fillers (n=24, d=67)")):
    for (name, (words, _)), color in zip(margins.items(), ("tab:green", "tab:blue", "tab:orange")):
        for j, tr in enumerate(group):
            ax.plot(tr.t, tr.G[:, list(words)].sum(axis=1), color=color, alpha=0.5, lw=1, label=name if j == 0 else None)
    ax.axhline(0, color="black", lw=0.6)
    ax.set(xscale="log", xlabel="time t", title=f"{title}, {len(group)} seeds")
    ax.legend(fontsize="small")
axes[0].set_ylabel("sum of G values (output units)")
glue_figure("fig_phase2_margins", fig)

# %% [markdown]
# ```{glue:figure} fig_phase2_margins
# :name: fig-phase2-margins
#
# The three margin sums of {prf:ref}`thm-phase2` for every seed, on the paper's data (left) and on data with
# distinct fillers (right).
# ```
#
# The positive margin $G(\mu_1) + G(\mu_2) + G(\mu_3) > 0$ holds throughout Phase 2 on
# {glue:text}`margin0_paper_all` of {glue:text}`n_seeds` seeds of the paper's data. The negative ones hold
# throughout Phase 2 on {glue:text}`margin1_paper_all` and {glue:text}`margin2_paper_all` seeds, and at the end
# on {glue:text}`margin1_paper_end` and {glue:text}`margin2_paper_end` seeds. With distinct fillers the counts
# throughout Phase 2 are {glue:text}`margin0_distinct_all`, {glue:text}`margin1_distinct_all` and
# {glue:text}`margin2_distinct_all`, and at the end {glue:text}`margin0_distinct_end`,
# {glue:text}`margin1_distinct_end` and {glue:text}`margin2_distinct_end`.
#
# So the negative margin conditions do not hold through the whole of Phase 2 on every seed: right after $T_1$
# the sums $G(\mu_1) + G(\mu_3)$ or $G(\mu_2) + G(\mu_3)$ can still be positive, and single-target sequences are
# then classified correctly through their fillers. On the paper's data at $t = 300$ the mean $G$ over filler
# words is {glue:text}`filler_G_mean:.2f` and the smallest is {glue:text}`filler_G_min:.2f`; a type-2 sequence
# holds three fillers, which pull its output down. Distinct fillers do not remove the effect at this size:
# $n = 24$ is far from the theory's $n \ge \tilde\Omega(L^2)$ with its log factors, and each filler word is then
# pushed by its own sequence alone.
#
# ## Attention stays close to uniform
#
# The score correlations move by about $10^{-2}$ and are divided by $\sqrt m$ inside the softmax, so the
# attention probabilities barely move. {prf:ref}`thm-phase2` bounds their movement by $O(1/L^2)$. We measure the
# largest change, over Phase 2, of the mean attention between any two of $\mu_1, \mu_2, \mu_3$, for several
# sequence lengths $L$.

# %%
glue_number("sweep_seeds", sweep_seeds)
by_length = {L: run_many([paper_setting(s, T=T, data={"L": L}) for s in range(sweep_seeds)], progress=False, cache=False) for L in lengths}


def attention_move(tr) -> float:
    block = tr.attn[after_T1(tr), :3, :3]
    return float(np.nanmax(np.abs(block - block[0])))


moves = np.array([[attention_move(tr) for tr in by_length[L]] for L in lengths])
slope = np.polyfit(np.log(lengths), np.log(np.median(moves, axis=1)), 1)[0]
glue_number("attn_slope", slope)
glue_number("attn_move_L5", np.median(moves[lengths.index(5)]) if 5 in lengths else np.nan)
glue_text("attn_verdict", "within" if np.all(moves.max(axis=1) * np.array(lengths) ** 2 < 1) else "not within")
glue_number("attn_max_scaled", (moves.max(axis=1) * np.array(lengths) ** 2).max())

fig, ax = plt.subplots(figsize=(6.8, 4.2), constrained_layout=True)
for j in range(moves.shape[1]):
    ax.scatter(lengths, moves[:, j], color="gray", s=12)
ax.loglog(lengths, np.median(moves, axis=1), "o-", color="black", label=f"median over seeds, slope {slope:.2f}")
ax.loglog(lengths, 1 / np.array(lengths, dtype=float) ** 2, "--", label="$1/L^2$")
ax.set(xlabel="sequence length L", ylabel="largest change of an attention probability\namong µ1, µ2, µ3 over Phase 2")
ax.legend(fontsize="small")
glue_figure("fig_phase2_uniform", fig)

# %% [markdown]
# ```{glue:figure} fig_phase2_uniform
# :name: fig-phase2-uniform
#
# How far the attention among $\mu_1, \mu_2, \mu_3$ moves during Phase 2, against the sequence length (theory
# initialisation, $n = 60$, $d = 64$). The dashed line is $1/L^2$.
# ```
#
# The movement is tiny: about {glue:text}`attn_move_L5:.1e` at $L = 5$. It falls with $L$ at a fitted slope of
# {glue:text}`attn_slope:.2f`, and it is {glue:text}`attn_verdict` the bound $1/L^2$ at every length (the largest value of
# movement $\times L^2$ is {glue:text}`attn_max_scaled:.1e`). The attention changes direction as
# {prf:ref}`thm-phase2` says, but stays essentially uniform. The growing margins come from the MLP and the value
# matrix.
#
# ## The loss goes to a near-minimum

# %%
late = traj.t >= traj.t[-1] / 10
loss_slope = np.polyfit(np.log(traj.t[late]), np.log(traj.loss[late]), 1)[0]
glue_number("loss_end", traj.loss[-1])
glue_number("loss_T1", traj.loss[after_T1(traj)][0])
glue_number("loss_slope", loss_slope)
delta = traj.A[-1] - traj.A[0]
core = {"C12": delta[0, 1], "C21": delta[1, 0], "C31": delta[2, 0], "C32": delta[2, 1]}
for name, value in core.items():
    glue_number(name, value)
filler_part = np.abs(delta[3:, :]).max()
glue_number("C_filler_max", filler_part)
glue_number("C_ratio", min(abs(v) for v in core.values()) / filler_part)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
for tr in runs:
    ax1.loglog(tr.t[1:], tr.loss[1:], color="tab:blue", alpha=0.4, lw=1)
ax1.loglog(traj.t[late], np.exp(np.polyval(np.polyfit(np.log(traj.t[late]), np.log(traj.loss[late]), 1),
                                           np.log(traj.t[late]))), "k--", label=f"fit on the last decade, slope {loss_slope:.2f}")
ax1.set(xlabel="time t", ylabel="training loss (nats)", title=f"training loss, {len(runs)} seeds")
ax1.legend(fontsize="small")
plot_matrix(ax2, delta, 8, r"$W_K^\top W_Q(T) - W_K^\top W_Q(0)$, first 8 words", "change of score correlation")
glue_figure("fig_phase2_loss", fig)

# %% [markdown]
# ```{glue:figure} fig_phase2_loss
# :name: fig-phase2-loss
#
# Left: the training loss along the flow for every seed, log-log, with a power-law fit over the last decade of
# time. Right: the change of $W_K^\top W_Q$ over the whole run for the first eight words (rows: key word, columns:
# query word; $\mu_4, \dots$ are fillers).
# ```
#
# From {glue:text}`loss_T1:.3f` at $T_1$ the loss falls to {glue:text}`loss_end:.1e` at $t = 300$, decaying like
# $t^{\alpha}$ with $\alpha \approx$ {glue:text}`loss_slope:.2f` over the last decade. It is still
# falling with no sign of a floor, as {prf:ref}`thm-near-min` leads one to expect.
#
# The change of $W_K^\top W_Q$ has the structure of {prf:ref}`thm-near-min`. $C_{12} =$ {glue:text}`C12:.2e` and
# $C_{21} =$ {glue:text}`C21:.2e` are positive, $C_{31} =$ {glue:text}`C31:.2e` and $C_{32} =$ {glue:text}`C32:.2e`
# are negative, and all four are of the same order. Entries with a filler key are at most
# {glue:text}`C_filler_max:.1e`, a factor {glue:text}`C_ratio:.1f` below the smallest of the four. The theorem
# predicts a factor of order $n = 60$ for distinct fillers; with fillers that repeat, as here, they gather larger
# changes.
