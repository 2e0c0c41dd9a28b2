"""Write ``flow_reference.npz``: the Gram flow's records on the paper and premise settings (seed 0, T = 300, the
default grid) from the engine as it was before issue 24 (commit cf870ab: full d x d state, dense products by Γ_A,
SciPy's dense output), read by ``tests/test_flow_reference.py`` to check that later engines give the same numbers.

Kept per record: loss, G, wa_sq, QQ_change, KK_change, grad_norm, the first 8 words of G_rate, the first 4 words'
blocks of A, VV and attn, and the Frobenius norms of A and VV; the full A and VV at the last record; T1 and the
evaluation count.
Run from the repository root at that commit: ``python tests/data/make_flow_reference.py``.
"""

from pathlib import Path

import numpy as np

from cooccur.experiment import paper_setting, premise_setting

if __name__ == "__main__":
    out = {}
    for name, exp in {"paper": paper_setting(0, method="gram"), "premise": premise_setting(0)}.items():
        tr = exp.simulate()
        fields = {
            "t": tr.t, "loss": tr.loss, "G": tr.G, "wa_sq": tr.wa_sq, "QQ_change": tr.QQ_change,
            "KK_change": tr.KK_change, "grad_norm": tr.grad_norm, "G_rate": tr.G_rate[:, :8],
            "A_block": tr.A[:, :4, :4], "VV_block": tr.VV[:, :4, :4], "attn_block": tr.attn[:, :4, :4],
            "A_norm": np.linalg.norm(tr.A, axis=(1, 2)), "VV_norm": np.linalg.norm(tr.VV, axis=(1, 2)),
            "A_last": tr.A[-1], "VV_last": tr.VV[-1], "T1": np.array(tr.T1), "evals": np.array(tr.n_grad_evals),
        }
        out.update({f"{name}/{key}": value for key, value in fields.items()})
    np.savez_compressed(Path(__file__).with_name("flow_reference.npz"), **out)
