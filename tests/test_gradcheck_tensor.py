"""gradcheck, numerical_grad and draw on Tensors: the same code as for Values, element by element.

The op catalogue runs over Tensors here too (arrays drawn from each op's domain, a broadcast second
operand for binary ops), against gradcheck and against PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import GradcheckError, draw, gradcheck, numerical_grad
from autograd_lite.tensor import Tensor

from .catalogue import CATALOGUE, Op
from .conftest import require, require_dot

SHAPES = [(3, 2), (2,)]  # the second operand of a binary op broadcasts along the first axis


def tensors(op: Op, seed: int) -> list[Tensor]:
    rng = np.random.default_rng(seed)
    return [Tensor(d.sample(rng, SHAPES[i]), requires_grad=True) for i, d in enumerate(op.domains)]


@pytest.mark.parametrize("op", CATALOGUE, ids=repr)
def test_catalogue_over_tensors_passes_gradcheck(op):
    for seed in range(3):
        report = gradcheck(op.apply, tensors(op, seed))
        assert report and all(c.worst is not None for c in report)


@pytest.mark.parametrize("op", CATALOGUE, ids=repr)
def test_catalogue_over_tensors_matches_torch(op):
    T = require("torch")
    xs = tensors(op, 7)
    out = op.apply(*xs)
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=out.shape)
    out.backward(w)
    ts = [T.tensor(x.data, requires_grad=True) for x in xs]
    ref = op.torch(T, *ts)
    ref.backward(T.tensor(w))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for x, t in zip(xs, ts):
        tg = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(x.grad, tg, rtol=1e-10, atol=1e-12)


def test_matmul_and_reductions():
    rng = np.random.default_rng(0)
    a = Tensor(rng.normal(size=(3, 4)), requires_grad=True, label="a")
    b = Tensor(rng.normal(size=(4, 2)), requires_grad=True, label="b")
    assert gradcheck(lambda a, b: (a @ b).tanh().sum(), [a, b])
    assert gradcheck(lambda a, b: (a @ b).sigmoid().mean(), [a, b])
    assert gradcheck(lambda a, b: a @ b, [a, b])  # non-scalar: weighted by fixed random numbers
    w = np.arange(6.0).reshape(3, 2)
    assert gradcheck(lambda a, b: a @ b, [a, b], grad_output=w)


def test_a_large_output_does_not_hide_small_gradients():
    # exp at 16 is 9e6: a difference of the summed output could not resolve exp(-9) * 1e-6
    x = Tensor(np.array([16.0, -9.0, 0.5]), requires_grad=True)
    assert gradcheck(lambda x: x.exp(), [x])


def test_catches_a_detached_factor_and_names_the_worst_element():
    x = Tensor(np.array([[1.0, -2.0], [3.0, 0.5]]), requires_grad=True, label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: (x * x.detach()).sum(), [x])
    (check,) = info.value.report
    assert check.worst == (1, 0)  # |3| is the largest: analytic 3 against numeric 6
    np.testing.assert_allclose(check.numeric, 2 * x.data, rtol=1e-7)
    np.testing.assert_array_equal(check.analytic, x.data)
    assert "x (2, 2) worst at [1, 0]" in str(info.value)


def test_tensor_inputs_are_left_exactly_as_they_were():
    data = np.array([0.1 + 0.2, 1 / 3, -2.2])
    before = data.copy()
    x = Tensor(data, requires_grad=True)
    prior = np.array([5.0, 6.0, 7.0])
    x.grad = prior
    assert gradcheck(lambda x: (x * x).sum(), [x])
    assert x.data is data and np.array_equal(data, before)
    assert x.grad is prior and np.array_equal(prior, [5.0, 6.0, 7.0])
    (g,) = numerical_grad(lambda x: (x ** 3).sum(), [x])
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-7)
    assert np.array_equal(data, before)


def test_refuses_a_tensor_without_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: (x * x).sum(), [Tensor(np.ones(3))])


def test_float32_is_checked_with_a_warning():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        numerical_grad(lambda x: (x * x).sum(), [x], eps=1e-2)


def test_draw_shows_shapes_small_values_and_grads():
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True, label="a")
    big = Tensor(np.ones((10, 2)), requires_grad=True, label="big")
    out = (big @ a).sum()
    out.backward()
    src = draw(out).source
    assert "a | shape (2, 2) | data [[1., 2.],\\n[3., 4.]] | grad [[10., 10.],\\n[10., 10.]]" in src
    assert "big | shape (10, 2) | grad (10, 2)" in src  # 20 numbers: the shape only
    assert src.count("->") == 2 + 1 + 1 + 1  # a, big -> @ -> (10, 2) -> sum -> out


def test_tensor_graph_renders():
    require_dot()
    a = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    out = (a * a).sum()
    out.backward()
    assert "<svg" in draw(out).pipe(format="svg").decode()
    assert "<svg" in out._repr_svg_()
