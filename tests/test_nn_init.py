"""nn.init: PyTorch's fan-in/fan-out and gains, the seed's formulas, in place, reproducible; and the
lecture's claim that zero/constant initialization keeps hidden units symmetric."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_lite.tensor import Tensor
from nn import init

from .conftest import require


@pytest.mark.parametrize("shape", [(3, 5), (7, 2), (4, 3, 2, 2), (2, 6, 5)])
def test_fans_match_torch(shape):
    torch = require("torch")
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(Tensor(np.empty(shape))) == want


def test_gains_match_torch():
    torch = require("torch")
    for nl, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))


def _std_of(fn, shape=(400, 300), **kw):
    t = Tensor(np.empty(shape))
    fn(t, generator=np.random.default_rng(0), **kw)
    return t.data.std(), np.abs(t.data).max()


def test_the_seed_formulas():
    fan_in, fan_out = 300, 400  # a weight of shape (out, in) = (400, 300)
    std, _ = _std_of(init.kaiming_normal_)  # He: ε·√(2/fan_in)
    assert std == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)
    std, _ = _std_of(init.xavier_normal_)  # Glorot: ε·√(2/(h+k))
    assert std == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.01)
    _, top = _std_of(init.xavier_uniform_)  # ε·√(6/(h+k)), ε ~ U(−1, 1)
    assert top <= math.sqrt(6 / (fan_in + fan_out)) and top > 0.99 * math.sqrt(6 / (fan_in + fan_out))
    _, top = _std_of(init.kaiming_uniform_, a=math.sqrt(5))  # nn.Linear's default: U(±1/√fan_in)
    assert top <= 1 / math.sqrt(fan_in) and top > 0.99 / math.sqrt(fan_in)
    std, _ = _std_of(init.kaiming_normal_, mode="fan_out", nonlinearity="tanh")
    assert std == pytest.approx(5 / 3 / math.sqrt(fan_out), rel=0.01)
    assert init.he_normal_ is init.kaiming_normal_ and init.glorot_uniform_ is init.xavier_uniform_
    assert init.he_uniform_ is init.kaiming_uniform_ and init.glorot_normal_ is init.xavier_normal_


def test_in_place_reproducible_and_dtype_kept():
    t = Tensor(np.empty((5, 4), np.float32))
    buf = t.data
    out = init.xavier_uniform_(t, generator=np.random.default_rng(7))
    assert out is t and t.data is buf and t.data.dtype == np.float32
    u = Tensor(np.empty((5, 4), np.float32))
    init.xavier_uniform_(u, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(t.data, u.data)
    init.manual_seed(3)
    a = nn.Linear(4, 3)
    init.manual_seed(3)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    init.constant_(t, 0.25)
    assert (t.data == 0.25).all()
    init.zeros_(t)
    assert not t.data.any()
    init.ones_(t)
    assert (t.data == 1).all()
    init.normal_(t, 2.0, 0.0)
    assert (t.data == 2).all()
    init.uniform_(t, -0.5, 0.5)
    assert (np.abs(t.data) <= 0.5).all()


def test_fan_of_a_vector_is_an_error():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(Tensor(np.empty(4)))
    with pytest.raises(ValueError, match="mode 'fan_sideways'"):
        init.kaiming_normal_(Tensor(np.empty((2, 2))), mode="fan_sideways")


def _train_xor(model: nn.Module, steps: int = 300) -> None:
    X, y = nn.data.truth_table("xor")
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(X), y.reshape(-1, 1).astype(float)).backward()
        opt.step()


@pytest.mark.parametrize("fill", [init.zeros_, lambda t: init.constant_(t, 0.3)], ids=["zeros", "constant"])
def test_zero_or_constant_init_keeps_hidden_units_symmetric(fill):
    model = nn.MLP([2, 4, 1], activation="tanh")
    for p in model.parameters():
        fill(p)
    _train_xor(model)
    W1, b1, W2 = model[0].weight.data, model[0].bias.data, model[2].weight.data
    # every hidden unit has the same incoming weights, bias and outgoing weight as the first one
    np.testing.assert_allclose(W1, np.broadcast_to(W1[0], W1.shape), atol=1e-12)
    np.testing.assert_allclose(b1, b1[0], atol=1e-12)
    np.testing.assert_allclose(W2, W2[0, 0], atol=1e-12)


def test_random_init_breaks_the_symmetry():
    nn.manual_seed(0)
    model = nn.MLP([2, 4, 1], activation="tanh")
    _train_xor(model)
    W1 = model[0].weight.data
    assert min(np.abs(W1[i] - W1[j]).max() for i in range(4) for j in range(i)) > 1e-3
