"""Experiments run and paired with their trajectories, in the order given, for the statements."""

import numpy as np

from cooccur.claims import Run
from cooccur.experiment import paper_setting, premise_setting
from cooccur.runs import runs_of


def test_runs_of_pairs_each_experiment_with_its_own_trajectory():
    experiments = [premise_setting(1, T=2.0), paper_setting(0, T=2.0), premise_setting(0, T=2.0)]
    runs = runs_of(experiments)
    assert [r.experiment for r in runs] == experiments and all(isinstance(r, Run) for r in runs)
    for r in runs:
        np.testing.assert_array_equal(r.traj.G, r.experiment.simulate().G)
    assert runs[0].traj.meta["key"] == experiments[0].key() != runs[2].traj.meta["key"]
