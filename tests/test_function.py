"""Function: user-defined ops on Values (and Tensors once the engine is there)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import Function, Tape, Tensor, Value

from .functions import Cube


class ScaledExpMul(Function):
    """exp(x) · c · y with a constant c in the middle: attributes on ctx, None for the constant."""

    @staticmethod
    def forward(ctx, x, c, y):
        ctx.x, ctx.c, ctx.y = float(x), c, float(y)
        return math.exp(x) * c * y

    @staticmethod
    def backward(ctx, grad_output):
        e = math.exp(ctx.x)
        return grad_output * e * ctx.c * ctx.y, None, grad_output * e * ctx.c


def test_one_input_matches_the_builtin_ops():
    x, x2 = Value(1.5), Value(1.5)
    y = Cube.apply(x).tanh()
    y.backward()
    (x2 ** 3).tanh().backward()
    assert y.data == pytest.approx((x2 ** 3).tanh().data)
    assert x.grad == pytest.approx(x2.grad, rel=1e-12)


def test_two_value_inputs_and_a_constant():
    x, y = Value(0.3), Value(-1.2)
    z = ScaledExpMul.apply(x, 2.5, y) * x
    z.backward()
    e = math.exp(0.3)
    assert x.grad == pytest.approx(e * 2.5 * -1.2 * 0.3 + e * 2.5 * -1.2)
    assert y.grad == pytest.approx(e * 2.5 * 0.3)


def test_op_name_is_the_subclass_name_on_the_tape():
    x = Value(2.0)
    with Tape() as tape:
        y = Cube.apply(x) + 1
    assert [r.op for r in tape] == ["Cube", "add"]
    assert y.inputs[0].op == "Cube" and y.inputs[0].inputs == (x,)


def test_three_value_inputs_make_one_nary_record():
    class Prod3(Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b, c)
            return a * b * c

        @staticmethod
        def backward(ctx, g):
            a, b, c = ctx.saved_tensors
            return g * b * c, g * a * c, g * a * b

    a, b, c = Value(2.0), Value(-3.0), Value(0.5)
    y = Prod3.apply(a, b, c)
    assert y.op == "Prod3" and y.inputs == (a, b, c)
    (y * y).backward()
    assert (a.grad, b.grad, c.grad) == (2 * y.data * -1.5, 2 * y.data * 1.0, 2 * y.data * -6.0)
    assert Prod3.apply(Value(1.0), 2.0, Value(3.0)).data == 6.0  # a number is a constant


def test_backward_with_the_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="Bad.backward must return one gradient per input"):
        Bad.apply(Value(1.0), Value(2.0))


def test_create_graph_differentiates_backward_again():
    x = Value(2.0)
    Cube.apply(x).backward(create_graph=True)
    g = x.grad
    assert g.data == pytest.approx(12.0)
    x.grad = 0.0
    g.backward()
    assert x.grad == pytest.approx(12.0)  # d²(x³)/dx² = 6x


def test_no_grad_and_plain_numbers_record_nothing():
    from autograd_lite import no_grad

    with no_grad():
        y = Cube.apply(Value(2.0))
    assert y.op == "" and y.data == 8.0
    assert Cube.apply(2.0) == 8.0


def test_same_numbers_as_torch_autograd_function():
    from .conftest import require

    torch = require("torch")

    class TCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (TCube.apply(t) * t).sin().backward()
    v = Value(0.7)
    w = Cube.apply(v) * v
    # sin is not an op of Value; its derivative cos enters as the seed
    w.backward(math.cos(w.data))
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-12)


# --- Tensors ----------------------------------------------------------------------------------------

class Affine(Function):
    """x @ W.T + b with three Tensor inputs and numpy inside: the VJP is the user's backward."""

    @staticmethod
    def forward(ctx, x, W, b):
        ctx.save_for_backward(x, W)
        return x.data @ W.data.T + b.data

    @staticmethod
    def backward(ctx, g):
        x, W = ctx.saved_tensors
        return g @ W.data, g.T @ x.data, g  # db left in the broadcast shape: summed back by apply


def test_tensor_function_with_three_inputs_matches_the_engine():
    rng = np.random.default_rng(0)
    xs = [Tensor(rng.normal(size=s), requires_grad=True) for s in [(3, 4), (2, 4), (2,)]]
    ys = [Tensor(t.data.copy(), requires_grad=True) for t in xs]
    with Tape() as tape:
        out = Affine.apply(*xs)
    (out.tanh() ** 2).sum().backward()
    ((ys[0] @ ys[1].T + ys[2]).tanh() ** 2).sum().backward()
    assert tape[0].op == "Affine" and out.op == "Affine"
    for a, b in zip(xs, ys):
        assert a.grad.shape == b.grad.shape
        assert np.allclose(a.grad, b.grad)


def test_tensor_function_second_derivative_and_constants():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Cube.apply(x)
    assert y.requires_grad and np.array_equal(y.data, [1.0, 8.0])
    y.sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert np.allclose(x.grad, [6.0, 12.0])
    assert not Cube.apply(Tensor(np.array([2.0]))).requires_grad  # no input needs a gradient


def test_tensor_function_that_gives_none_for_a_computed_input_as_torch():
    """None for an input that is itself computed: nothing flows back through it (PyTorch takes
    None as zero), the Tensors before it get no gradient, and the other input gets its own."""
    from .conftest import require

    torch = require("torch")

    class FirstOnly(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a.data * b.data

        @staticmethod
        def backward(ctx, g):
            return 2.0 * g, None

    class TFirstOnly(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return 2.0 * g, None

    x0 = np.array([0.5, -1.0, 2.0])
    x = Tensor(x0, requires_grad=True)
    w = Tensor(x0 * 3.0, requires_grad=True)
    h = w * 3.0
    FirstOnly.apply(x, h.exp()).sum().backward()
    tx = torch.tensor(x0, requires_grad=True)
    tw = torch.tensor(x0 * 3.0, requires_grad=True)
    TFirstOnly.apply(tx, (tw * 3.0).exp()).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    assert tw.grad is None and w.grad is None and h.grad is None


def test_tensor_function_wrong_gradient_shape_is_named():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.data * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(axis=0)

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"BadShape.backward returned a gradient of shape \(3,\)"):
        BadShape.apply(x).sum().backward()


def test_float32_stays_float32():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.dtype == np.float32


# --- on random inputs: a Function that re-implements a built-in op gives the built-in's numbers ------

class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        out = 0.5 * (1 + np.tanh(0.5 * np.asarray(getattr(x, "data", x), dtype=float)))
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.out * (1 - ctx.out)


def _finite(lo: float = -5.0, hi: float = 5.0):
    from hypothesis import strategies as st

    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def test_random_values_and_tensors_match_the_builtin_sigmoid():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(_finite(), st.lists(_finite(), min_size=1, max_size=6))
    def check(a, xs):
        v, w = Value(a), Value(a)
        (Sigmoid.apply(v) * v).backward()
        (w.sigmoid() * w).backward()
        assert v.grad == pytest.approx(w.grad, rel=1e-9, abs=1e-12)
        t, u = Tensor(np.array(xs), requires_grad=True), Tensor(np.array(xs), requires_grad=True)
        (Sigmoid.apply(t) * t).sum().backward()
        (u.sigmoid() * u).sum().backward()
        assert np.allclose(t.grad, u.grad, rtol=1e-9, atol=1e-12)

    check()
