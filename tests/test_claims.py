"""The paper's qualitative claims, checked on several seeds with the exact flow at the paper's sizes.

n=60, L=5, d=64, m=128, m1=256, flow up to T=300 (the horizon of 30 000 gradient-descent steps of 0.01).
"""

import numpy as np
import pytest

from cooccur import DataConfig, ModelConfig, init_params, make_dataset, simulate

SEEDS = range(6)


def run(seed: int, **model_kwargs):
    data = make_dataset(DataConfig(seed=seed))
    params = init_params(ModelConfig(seed=seed, **model_kwargs), L=5)
    return simulate(data, params, T=300.0, method="gram")


@pytest.fixture(scope="module", params=["theory", "kaiming"])
def runs(request):
    return [run(seed, init=request.param) for seed in SEEDS]


def single_target_losses_rise_first(traj) -> bool:
    before = traj.t <= traj.T1
    return all(traj.loss_by_type[before, k].max() > traj.loss_by_type[0, k] for k in (1, 2))


def test_phase1_ends_and_the_loss_goes_to_a_near_minimum(runs):
    for traj in runs:
        assert 0 < traj.T1 < 3.0  # T1 = O(1/m) with m = 128: a fraction of the horizon 300
        assert traj.loss[-1] < 1e-3 * traj.loss[0]
        i1 = traj.at(traj.T1)
        assert traj.loss[i1] > 0.05  # the loss is still Theta(1) at T1


def test_attention_moves_far_less_before_T1_than_after(runs):
    for traj in runs:
        i1 = int(np.searchsorted(traj.t, traj.T1))
        block = traj.A[:, :3, :3]
        before = np.abs(block[i1] - block[0]).max()
        after = np.abs(block[-1] - block[i1]).max()
        assert after > 5 * before


def test_phase2_score_correlations_move_as_theorem_3_2(runs):
    """mu_2^T W_K^T W_Q mu_1 and mu_1^T W_K^T W_Q mu_2 increase; mu_3^T W_K^T W_Q mu_1, mu_2 decrease."""
    for traj in runs:
        after = traj.t >= traj.T1
        A = traj.A[after]
        assert np.all(np.diff(A[:, 1, 0]) >= 0) and np.all(np.diff(A[:, 0, 1]) >= 0)
        assert np.all(np.diff(A[:, 2, 0]) <= 0) and np.all(np.diff(A[:, 2, 1]) <= 0)
        assert A[-1, 1, 0] - A[0, 1, 0] > 1e-4 and A[-1, 2, 0] - A[0, 2, 0] < -1e-4


def test_phase2_value_correlations_and_positive_margin(runs):
    """Theorem 3.2: mu_1^T W_V^T W_V mu_2 increases, mu_1^T W_V^T W_V mu_3 and mu_2^T W_V^T W_V mu_3 decrease, and
    G(mu_1) + G(mu_2) + G(mu_3) > 0. (The other margin conditions, G(mu_1) + G(mu_3) < 0 and G(mu_2) + G(mu_3) < 0,
    do not hold on every seed at this size: repeated filler words take negative G values and carry part of the
    classification of types 2 and 3, so they are not asserted.)"""
    for traj in runs:
        after = traj.t >= traj.T1
        VV, G = traj.VV[after], traj.G[after]
        assert VV[-1, 0, 1] > VV[0, 0, 1] and VV[-1, 0, 2] < VV[0, 0, 2] and VV[-1, 1, 2] < VV[0, 1, 2]
        assert np.all(G[:, 0] + G[:, 1] + G[:, 2] > 0)


def test_automatic_balancing_keeps_S2_over_S3_in_range(runs):
    for traj in runs:
        after = traj.t >= traj.T1
        ratio = traj.S_by_type[after, 1] / traj.S_by_type[after, 2]
        assert np.all((ratio >= 0.5) & (ratio <= 2.0))


def test_single_target_losses_first_rise_when_the_initial_output_is_small():
    """Lemma 4.2: with a small initial output, types 2 and 3 are first pushed towards a positive output."""
    held = [single_target_losses_rise_first(run(seed, init="theory", sigma0=0.01, sigma1=0.01)) for seed in SEEDS]
    assert all(held), f"held on {sum(held)} of {len(held)} seeds"


def test_report_how_often_losses_rise_at_the_default_scales(request, runs, record_property, capsys):
    """At the default scales the initial output is O(1) and Lemma 4.2's premise fails: report, do not pick seeds."""
    held = [single_target_losses_rise_first(traj) for traj in runs]
    record_property("lemma_4_2_seeds_held", f"{sum(held)}/{len(held)}")
    with capsys.disabled():
        init = request.node.callspec.params["runs"]
        print(f"\n[Lemma 4.2, init={init}] type-2 and type-3 losses first rise on {sum(held)} of {len(held)} seeds")
    initial_output = max(np.abs(traj.F[0]).max() for traj in runs)
    assert initial_output > 1.0  # the premise (small initial output) indeed fails here
