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
# (chap-phase1)=
# # Phase 1: the MLP aligns, the attention waits
#
# The paper's first result describes a short first phase of training. In it the linear MLP learns to score
# the two target words positively and the common token negatively, until every training sequence is classified
# correctly. The attention hardly changes during this time. This chapter states the result and the lemmas
# behind it in our words, then checks each one on runs of the flow in the theory's coordinates
# ({ref}`chap-coordinates`).

# %% tags=["parameters"]
seed = 0
n_seeds = 10
widths = [32, 64, 128, 256, 512, 1024, 2048]
sweep_seeds = 5
quick = False

# %%
import numpy as np
from IPython.display import Markdown, display
from matplotlib import pyplot as plt

from cooccur.experiment import paper_setting, run_many
from cooccur.plots import plot_G
from cooccur.report import check_parameters, glue_figure, glue_number, glue_text

check_parameters(seed=(seed, int, 0, None), n_seeds=(n_seeds, int, 1, 1000), widths=(widths, list, 1, 1 << 16),
                 sweep_seeds=(sweep_seeds, int, 1, 1000), quick=(quick, bool))

T = 300.0
if quick:
    n_seeds, widths, sweep_seeds, T = 2, [64, 128], 1, 3.0
    display(Markdown("**Quick mode:** fewer seeds and widths and a short horizon, to smoke-test the code; "
                     "not the published numbers."))


base = paper_setting(seed, init="theory", T=T)
print(base.to_dict())
traj = base.run(cache=False)  # the adaptive flow takes under a second: not worth storing
i1 = int(np.searchsorted(traj.t, traj.T1))  # first recorded time at or after T1

# %% [markdown]
# ## The statements
#
# Write $T_1$ for the end of Phase 1. The statements hold with high probability over the initialisation, for
# widths and sample sizes as in Condition 1 ({ref}`chap-setup`).
#
# ```{prf:theorem} Phase 1 (Theorem 3.1 of the paper)
# :label: thm-phase1
#
# There is a time $T_1 = \tilde O(1/m)$ at which
# 1. $G(\mu_1)$ and $G(\mu_2)$ are at least a positive constant and $G(\mu_3)$ is at most a negative constant;
# 2. every training sequence is classified correctly, $y_i F(X_i) > 0$;
# 3. the loss is still of order one;
# 4. the attention score correlations $\nu^\top W_K^\top W_Q \mu$ have moved by
#    $\tilde O\bigl(m^{-3/2}(1/L + 1/\sqrt m)\bigr)$, and the value and neuron correlations by $\tilde O(1/m)$.
#
# *Checked in* {numref}`fig-phase1-G` (items 1 to 3) and {numref}`fig-phase1-width` ($T_1$ and item 4).
# ```
#
# ```{prf:lemma} Initial growth (Lemma 4.1 of the paper)
# :label: lem-initial-growth
#
# At $t = 0$, $G(\mu_1)$ and $G(\mu_2)$ grow at a rate of order $(\sigma_0^2 + \sigma_1^2)\, m\, m_1$.
#
# *Checked in* {ref}`sec-who-moves-first`.
# ```
#
# ```{prf:lemma} The common token starts slowly (Lemma 4.2 of the paper)
# :label: lem-common-slow
#
# If the initial output is small, the initial rate of change of $G(\mu_3)$ is much smaller than that of
# $G(\mu_1)$ and $G(\mu_2)$. Sequences with a single target are then first pushed towards a *positive* output,
# so the losses of types 2 and 3 first rise.
#
# *Checked in* {numref}`fig-phase1-rise`.
# ```
#
# ```{prf:lemma} The common token catches up (Lemma 4.3 of the paper)
# :label: lem-sandwich
#
# From some time $T_{0.5} \le T_1$ until $T_1$, for a constant $C \in (0, 1)$,
# $(1+C)\max\{\dot G(\mu_1), \dot G(\mu_2)\} \le -\dot G(\mu_3) \le (1-C)\bigl(\dot G(\mu_1) + \dot G(\mu_2)\bigr)$.
#
# *Checked in* {numref}`fig-phase1-sandwich`.
# ```
#
# Our rule for $T_1$ follows {prf:ref}`thm-phase1`: it is the first time at which every sequence is classified
# correctly and $G(\mu_1), G(\mu_2) > 0 > G(\mu_3)$. It is found on the recorded trajectory and refined by linear
# interpolation.
#
# ## The MLP aligns with the signals

# %%
glue_number("T1", traj.T1)
glue_number("G1_T1", traj.G[i1, 0])
glue_number("G2_T1", traj.G[i1, 1])
glue_number("G3_T1", traj.G[i1, 2])
glue_number("loss_T1", traj.loss[i1])
glue_number("loss_0", traj.loss[0])
glue_number("min_margin_T1", (traj.y * traj.F[i1]).min())
glue_number("filler_G_T1", np.abs(traj.G[i1, 3:]).max())
fig, ax = plt.subplots(figsize=(7.5, 4.3), constrained_layout=True)
plot_G(ax, traj)
ax.set_xscale("symlog", linthresh=1e-3)
ax.set_xlim(0, traj.t[-1])
ax.set_title(f"the linear MLP function (theory init, seed {seed})")
glue_figure("fig_phase1_G", fig)

# %% [markdown]
# ```{glue:figure} fig_phase1_G
# :name: fig-phase1-G
#
# $G(\mu_1)$, $G(\mu_2)$, $G(\mu_3)$ and the mean $G$ of the filler words along the flow, with the theory's
# initialisation at the paper's sizes. The time axis is linear up to $10^{-3}$ and logarithmic after. The dashed
# line is $T_1$.
# ```
#
# Phase 1 ends at $T_1 =$ {glue:text}`T1:.3f`, against a horizon of 300. At that time
# $G(\mu_1) =$ {glue:text}`G1_T1:.2f`, $G(\mu_2) =$ {glue:text}`G2_T1:.2f` and $G(\mu_3) =$
# {glue:text}`G3_T1:.2f`. The smallest margin $y_i F(X_i)$ is {glue:text}`min_margin_T1:.3f`. The loss has only
# gone from {glue:text}`loss_0:.3f` to {glue:text}`loss_T1:.3f`: still of order one, as
# {prf:ref}`thm-phase1` says. The filler words have moved as well: the largest $|G|$ among them at $T_1$ is
# {glue:text}`filler_G_T1:.2f`. {prf:ref}`thm-phase1` expects random words to stay small, but it assumes every
# filler word is used once (Assumption 2.3(ii)); here fillers repeat, so a filler seen mostly in negative
# sequences, or mostly in positive ones, is a weak signal the MLP can learn.
#
# (sec-who-moves-first)=
# ## Who moves first
#
# The trajectory records $\dot G$ exactly, so the initial rates of {prf:ref}`lem-initial-growth` and
# {prf:ref}`lem-common-slow` can be read off at $t = 0$.

# %%
rate0 = traj.G_rate[0]
glue_number("rate_G1", rate0[0])
glue_number("rate_G2", rate0[1])
glue_number("rate_G3", rate0[2])
glue_number("rate_ratio", abs(rate0[2]) / min(rate0[0], rate0[1]))
print("dG/dt at t=0 for mu_1, mu_2, mu_3:", np.round(rate0[:3], 3))

# %% [markdown]
# At $t = 0$, $\dot G(\mu_1) =$ {glue:text}`rate_G1:.2f` and $\dot G(\mu_2) =$ {glue:text}`rate_G2:.2f`, while
# $\dot G(\mu_3) =$ {glue:text}`rate_G3:.2f`: the common token moves {glue:text}`rate_ratio:.2f` times as fast as
# the slower target. Its rate is not negligible here, and the reason is the premise of {prf:ref}`lem-common-slow`:
# the initial output is not small ({ref}`chap-setup`). Do the single-target losses rise first? We count the seeds
# on which the losses of *both* type 2 and type 3 exceed their initial value at some time before $T_1$. We do this
# for three initialisations: the theory's scales, the experiments' Kaiming scales, and the theory's form with
# $\sigma_0 = \sigma_1 = 0.01$, which makes the initial output small.

# %%
inits = {
    "theory": ("theory", {}),
    "kaiming": ("kaiming", {}),
    "small": ("theory", {"sigma0": 0.01, "sigma1": 0.01}),
}
runs = {
    name: run_many([paper_setting(s, init=init, T=T, model=model) for s in range(n_seeds)], progress=False, cache=False)
    for name, (init, model) in inits.items()
}


def rises_first(tr) -> bool:
    before = tr.t <= tr.T1
    return all(tr.loss_by_type[before, k].max() > tr.loss_by_type[0, k] for k in (1, 2))


print(f"{'initialisation':16s} {'median |F| at t=0':>18s} {'seeds where types 2 and 3 rise first':>38s}")
for name, trs in runs.items():
    held = sum(rises_first(tr) for tr in trs)
    out0 = np.median([np.median(np.abs(tr.F[0])) for tr in trs])
    glue_number(f"rise_{name}", held)
    glue_number(f"out0_{name}", out0)
    print(f"{name:16s} {out0:18.3f} {held:>30d} of {len(trs)}")
glue_number("n_seeds", n_seeds)

fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True, sharey=False)
for ax, (name, trs) in zip(axes, runs.items()):
    for tr in trs:
        ax.plot(tr.t / tr.T1, tr.loss_by_type[:, 1] / tr.loss_by_type[0, 1], color="#2ca02c", alpha=0.6, lw=1)
        ax.plot(tr.t / tr.T1, tr.loss_by_type[:, 2] / tr.loss_by_type[0, 2], color="#d62728", alpha=0.6, lw=1)
    ax.axhline(1, color="black", lw=0.6)
    ax.axvline(1, color="red", ls="--", lw=1)
    ax.set(xlim=(0, 2), xlabel=r"time / $T_1$ (each seed its own $T_1$)", ylabel="loss / loss at t=0")
    ax.set_title(f"{name} initialisation, {len(trs)} seeds")
axes[0].plot([], [], color="#2ca02c", label="type 2")
axes[0].plot([], [], color="#d62728", label="type 3")
axes[0].plot([], [], color="red", ls="--", label="$T_1$")
axes[0].legend(fontsize="small")
glue_figure("fig_phase1_rise", fig)

# %% [markdown]
# ```{glue:figure} fig_phase1_rise
# :name: fig-phase1-rise
#
# Losses of types 2 (green) and 3 (red) relative to their initial values, over the first two multiples of $T_1$,
# one line per seed. Left: theory's scales; middle: Kaiming; right: small initialisation
# ($\sigma_0 = \sigma_1 = 0.01$).
# ```
#
# Over {glue:text}`n_seeds` seeds, the losses of types 2 and 3 both rise first on {glue:text}`rise_theory` seeds
# with the theory's scales and on {glue:text}`rise_kaiming` seeds with Kaiming. Here the median initial output
# is {glue:text}`out0_theory:.2f` and {glue:text}`out0_kaiming:.2f`. With the small initialisation (median
# initial output {glue:text}`out0_small:.3f`) they rise on {glue:text}`rise_small` of {glue:text}`n_seeds`
# seeds. {prf:ref}`lem-common-slow` describes the small-output regime. At the experiments' scales the early rise
# depends on the draw, because there the initial outputs already push some single-target sequences the right way.
#
# ## The common token catches up
#
# {prf:ref}`lem-sandwich` says that before $T_1$ the common token's $G$ falls faster than either target's rises,
# but slower than both together. We plot the two ratios
# $-\dot G(\mu_3)/\max\{\dot G(\mu_1), \dot G(\mu_2)\}$ (should exceed 1) and
# $-\dot G(\mu_3)/(\dot G(\mu_1) + \dot G(\mu_2))$ (should stay below 1).

# %%
def sandwich(tr):
    """The two ratios of the lemma, and T_0.5: the earliest recorded time from which both inequalities hold at
    every recorded time up to T1 (NaN if they do not hold at the last recorded time before T1)."""
    lower = -tr.G_rate[:, 2] / np.maximum(tr.G_rate[:, 0], tr.G_rate[:, 1])
    upper = -tr.G_rate[:, 2] / (tr.G_rate[:, 0] + tr.G_rate[:, 1])
    before = np.flatnonzero(tr.t <= tr.T1)
    fails = before[~((lower[before] > 1) & (upper[before] < 1))]
    if fails.size and fails[-1] == before[-1]:
        return lower, upper, float("nan")
    return lower, upper, float(tr.t[fails[-1] + 1] if fails.size else 0.0)


lower, upper, t_half = sandwich(traj)
before = traj.t <= traj.T1
glue_number("lower_max_before", lower[before].max())
glue_number("upper_max_before", upper[before].max())
glue_text("sandwich_verdict", f"holds from T_0.5 = {t_half:.3f} up to T1" if np.isfinite(t_half) else "does not hold at T1")
glue_number("sandwich_seeds", sum(np.isfinite(sandwich(tr)[2]) for tr in runs["theory"]))
glue_number("upper_seeds", sum(sandwich(tr)[1][tr.t <= tr.T1].max() < 1 for tr in runs["theory"]))

fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
ax.plot(traj.t, lower, label=r"$-\dot G(\mu_3) / \max\{\dot G(\mu_1), \dot G(\mu_2)\}$ (lemma: > 1)")
ax.plot(traj.t, upper, label=r"$-\dot G(\mu_3) / (\dot G(\mu_1) + \dot G(\mu_2))$ (lemma: < 1)")
ax.axhline(1, color="black", lw=0.6)
ax.axvline(traj.T1, color="red", ls="--", label="$T_1$")
if np.isfinite(t_half):
    ax.axvspan(t_half, traj.T1, color="gold", alpha=0.3, label=r"both hold ($T_{0.5}$ to $T_1$)")
ax.set(xlim=(0, 3 * traj.T1), xlabel="time t", ylabel="ratio of rates (dimensionless)")
ax.legend(fontsize="small")
glue_figure("fig_phase1_sandwich", fig)

# %% [markdown]
# ```{glue:figure} fig_phase1_sandwich
# :name: fig-phase1-sandwich
#
# The two ratios of {prf:ref}`lem-sandwich` over the first three multiples of $T_1$ (theory initialisation,
# seed as above).
# ```
#
# On this run the sandwich {glue:text}`sandwich_verdict`. Before $T_1$ the first ratio reaches at most
# {glue:text}`lower_max_before:.3f` and the second at most {glue:text}`upper_max_before:.3f`. With the theory's
# scales, the upper inequality $-\dot G(\mu_3) < \dot G(\mu_1) + \dot G(\mu_2)$ holds throughout Phase 1 on
# {glue:text}`upper_seeds` of {glue:text}`n_seeds` seeds. Both inequalities hold together on an interval ending
# at $T_1$ on {glue:text}`sandwich_seeds` of {glue:text}`n_seeds` seeds. Where the lower one fails, the common
# token's $G$ falls about as fast as the faster target's rises, not faster by a constant factor.
#
# ## The attention waits
#
# Over Phase 1 the attention score correlations among $\mu_1, \mu_2, \mu_3$ move much less than they do later.
# By {prf:ref}`thm-phase1` the movement shrinks with the width $m$, and so does $T_1$. We sweep $m$ with the
# theory's initialisation, $m_1 = 256$ and the paper's data, {glue:text}`sweep_seeds` seeds per width.

# %%
glue_number("sweep_seeds", sweep_seeds)
sweep = {
    m: run_many([paper_setting(s, T=min(T, 10.0), model={"m": m}) for s in range(sweep_seeds)], progress=False, cache=False)
    for m in widths
}


def score_move_before_T1(tr) -> float:
    k = int(np.searchsorted(tr.t, tr.T1))
    return float(np.abs(tr.A[k, :3, :3] - tr.A[0, :3, :3]).max())


T1s = np.array([[tr.T1 for tr in sweep[m]] for m in widths])
moves = np.array([[score_move_before_T1(tr) for tr in sweep[m]] for m in widths])
slope_T1 = np.polyfit(np.log(widths), np.log(np.median(T1s, axis=1)), 1)[0]
slope_move = np.polyfit(np.log(widths), np.log(np.median(moves, axis=1)), 1)[0]
glue_number("slope_T1", slope_T1)
glue_number("slope_move", slope_move)
glue_text("move_verdict", "as steep as the bound or steeper" if slope_move <= -1.5 else
          "slower than the bound's order in m at these widths, although the movement does shrink with width")
glue_number("m_min", widths[0])
glue_number("m_max", widths[-1])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
for ax, values, slope, what in ((ax1, T1s, slope_T1, "$T_1$ (flow time)"),
                                (ax2, moves, slope_move, r"max change of $\nu^\top W_K^\top W_Q\mu$ on $[0, T_1]$")):
    for j in range(values.shape[1]):
        ax.scatter(widths, values[:, j], color="gray", s=12, alpha=0.6)
    ax.loglog(widths, np.median(values, axis=1), "o-", color="black", label=f"median over seeds, fitted slope {slope:.2f}")
    ax.set(xlabel="width m", ylabel=what)
    ax.set_xscale("log", base=2)
ref = np.median(T1s, axis=1)[0] * (np.array(widths) / widths[0]) ** -1.0
ax1.loglog(widths, ref, "--", color="tab:blue", label="slope -1 (Theorem 3.1)")
ref2 = np.median(moves, axis=1)[0] * (np.array(widths) / widths[0]) ** -1.5
ax2.loglog(widths, ref2, "--", color="tab:blue", label="slope -3/2")
for ax in (ax1, ax2):
    ax.legend(fontsize="small")
ax1.set_title("end of Phase 1 against width")
ax2.set_title("attention movement in Phase 1 against width")
glue_figure("fig_phase1_width", fig)

# %% [markdown]
# ```{glue:figure} fig_phase1_width
# :name: fig-phase1-width
#
# Width sweep (theory initialisation, $m_1 = 256$, paper's data). Left: $T_1$ against $m$. Right: the largest
# change of the score correlations among $\mu_1, \mu_2, \mu_3$ over $[0, T_1]$. Grey dots are seeds; black is the
# median; dashed lines are reference slopes.
# ```
#
# Between $m =$ {glue:text}`m_min` and $m =$ {glue:text}`m_max`, $T_1$ falls with a fitted log-log slope of
# {glue:text}`slope_T1:.2f`, close to the $-1$ of $T_1 = \tilde O(1/m)$. The movement of the score correlations
# before $T_1$ falls with slope {glue:text}`slope_move:.2f`. {prf:ref}`thm-phase1` bounds it by
# $\tilde O(m^{-3/2}(1/L + 1/\sqrt m))$, so slope $-3/2$ or steeper up to logarithms. The measured decay is
# {glue:text}`move_verdict`.
