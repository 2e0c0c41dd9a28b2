import math

import pytest
import torch

from cooccur.model import ModelConfig, Params, forward, init_params, init_std, loss


def reference_output(params: Params, X: torch.Tensor) -> torch.Tensor:
    """F(X) written term by term from the paper's formula, independent of cooccur.model.forward."""
    m = params.W_Q.shape[0]
    Xc = X.transpose(1, 2)  # (n, d, L): columns are tokens, as in the paper
    scores = torch.einsum("idh,ed,ef,ifl->ihl", Xc, params.W_K, params.W_Q, Xc) / math.sqrt(m)  # [key h, query l]
    p = torch.softmax(scores, dim=1)
    per_neuron = torch.einsum("j,je,ef,ifh,ihl->ijl", params.a, params.W, params.W_V, Xc, p)
    return per_neuron.sum(dim=(1, 2))


def test_forward_matches_the_formula(tiny):
    data, params = tiny
    assert torch.allclose(forward(params, data.X), reference_output(params, data.X), rtol=1e-12, atol=1e-12)


def test_loss_is_the_logistic_loss_and_stable(tiny):
    data, params = tiny
    F = forward(params, data.X)
    assert torch.allclose(loss(params, data.X, data.y), torch.log1p(torch.exp(-data.y * F)).mean())
    big = params.clone()
    big.W *= 1e4  # outputs of order 1e4: a naive log(1 + exp(.)) overflows
    value = loss(big, data.X, data.y)
    assert torch.isfinite(value) and value > 0


def test_gradients_match_finite_differences(tiny):
    data, params = tiny
    blocks = [t.clone().requires_grad_(True) for t in params.trained()]

    def f(*trained):
        return loss(Params(*trained, params.a), data.X, data.y)

    assert torch.autograd.gradcheck(f, blocks, eps=1e-6, atol=1e-8, rtol=1e-6)


def test_init_shapes_scales_and_determinism():
    cfg = ModelConfig(d=64, m=128, m1=256, init="theory", seed=1)
    p = init_params(cfg, L=5)
    assert p.W_Q.shape == p.W_K.shape == p.W_V.shape == (128, 64) and p.W.shape == (256, 128) and p.a.shape == (256,)
    assert set(p.a.tolist()) == {-1.0, 1.0}
    sigma0, sigma1 = init_std(cfg, 5)
    assert sigma0 == pytest.approx(1 / math.sqrt(5 * 128)) and sigma1 == pytest.approx(1 / math.sqrt(256))
    assert p.W_Q.std().item() == pytest.approx(sigma0, rel=0.05)
    assert p.W.std().item() == pytest.approx(sigma1, rel=0.05)
    q = init_params(cfg, L=5)
    assert all(torch.equal(x, y) for x, y in zip(p.trained(), q.trained()))
    assert not torch.equal(p.W_Q, init_params(ModelConfig(seed=2), L=5).W_Q)


def test_kaiming_is_pytorch_linear_default():
    p = init_params(ModelConfig(d=64, m=128, m1=256, init="kaiming", seed=0), L=5)
    assert p.W_Q.abs().max() <= 1 / math.sqrt(64) and p.W.abs().max() <= 1 / math.sqrt(128)
    assert p.W_Q.abs().max() > 0.95 / math.sqrt(64)  # uniform, filling its interval
    assert p.W_V.std().item() == pytest.approx(1 / math.sqrt(3 * 64), rel=0.05)


@pytest.mark.parametrize(
    ("init", "std_qkv", "std_w"),
    [("he_normal", math.sqrt(2 / 64), math.sqrt(2 / 128)), ("xavier_normal", math.sqrt(2 / 192), math.sqrt(2 / 384))],
)
def test_other_readings_of_kaiming_draw_normal_weights_with_their_std(init, std_qkv, std_w):
    """He normal: N(0, 2/fan_in); Xavier normal: N(0, 2/(fan_in + fan_out)); fan_in = d, fan_out = m for W_Q,
    W_K, W_V and fan_in = m, fan_out = m1 for W."""
    p = init_params(ModelConfig(d=64, m=128, m1=256, init=init, seed=0), L=5)
    assert p.W_K.std().item() == pytest.approx(std_qkv, rel=0.03)
    assert p.W.std().item() == pytest.approx(std_w, rel=0.03)
    assert p.W_Q.abs().max() > 3.5 * std_qkv  # a normal's tails, not a uniform's bounded interval


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"m": 0}, "m"),
        ({"m1": -3}, "m1"),
        ({"d": 2}, "d"),
        ({"init": "xavier"}, "init"),
        ({"sigma0": -1.0}, "sigma0"),
        ({"sigma1": float("nan")}, "sigma1"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_model_config_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        ModelConfig(**kwargs)
