"""Bad inputs to the engine and its views: Tensor axes, where's condition, an overflow from finite
numbers, concatenate/stack, a Function's wrong gradient (which leaves every ``.grad`` as it was),
draw and gradcheck. Each case asserts the error, its words, and that the Tensors are unchanged."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from autograd_lite import (
    Function,
    Tensor,
    Value,
    concatenate,
    stack,
    where,
)

from .badinput import check, ids


def world():
    rng = np.random.default_rng(0)
    w = SimpleNamespace(
        t=Tensor(rng.normal(size=(2, 3)), requires_grad=True),
        u=Tensor(rng.normal(size=(2, 3)), requires_grad=True),
        f32=Tensor(np.full(2, 3e38, np.float32), requires_grad=True),
        big=Tensor([1e308, 1e308], requires_grad=True),
        v=Value(0.5),
    )
    w.t.grad = np.ones((2, 3))  # from an earlier backward: a failed call must leave it
    w.out = (w.t * w.u).sum()
    return w


def c(fn):
    return lambda w: lambda: fn(w)


class WrongSecondGrad(Function):
    """Two inputs; backward's gradient for the second has the wrong shape."""

    @staticmethod
    def forward(ctx, a, b):
        return a.data * b.data

    @staticmethod
    def backward(ctx, g):
        return g, np.ones(7)


class StringGrad(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a.data + b.data

    @staticmethod
    def backward(ctx, g):
        return g, "one"


def bw(forward):
    """The backward of the sum of ``forward(world)`` (a loss that an overflow made inf or nan)."""

    def setup(w):
        out = forward(w).sum()
        return out.backward

    return setup


def _backward_through(fn, other_branch=True):
    """loss = fn(t, u).sum() (+ t.sum() + u.sum(), which the walk reaches first)."""

    def setup(w):
        loss = fn.apply(w.t, w.u).sum()
        if other_branch:
            loss = loss + (w.t * 2).sum() + w.u.sum()
        return loss.backward

    return setup


AXES = []
for op in ("sum", "mean", "max"):
    AXES += [
        (f"{op}(axis=1.0)", TypeError, (op, "axis", "1.0", "an int")),
        (f"{op}(axis='0')", TypeError, (op, "axis", "'0'")),
        (f"{op}(axis=True)", TypeError, (op, "axis", "True")),
        (f"{op}(axis=(0, 0))", ValueError, (op, "repeated")),
        (f"{op}(axis=5)", ValueError, (op, "axis 5", "out of range", "2 axes")),
        (f"{op}(axis=(0, 1.5))", TypeError, (op, "axis")),
        (f"{op}(axis=-3)", ValueError, (op, "out of range")),
        (f"{op}(axis=0, keepdims='no')", TypeError, (op, "keepdims", "True or False")),
    ]
AXIS_CASES = [
    (name, exc, words, (lambda expr: c(lambda w: eval("w.t." + expr)))(name)) for name, exc, words in AXES
]
AXIS_CASES += [
    ("softmax(axis=2.0)", TypeError, ("softmax", "axis"), c(lambda w: w.t.softmax(axis=2.0))),
    (
        "log_softmax(axis=9)",
        ValueError,
        ("log_softmax", "out of range"),
        c(lambda w: w.t.log_softmax(axis=9)),
    ),
]

CASES = AXIS_CASES + [
    # where's condition
    ("where(0.5)", ValueError, ("where", "cond", "0.5", "x > 0"), c(lambda w: where(0.5, w.t, 0.0))),
    ("where('abc')", TypeError, ("where", "cond", "'abc'"), c(lambda w: where("abc", w.t, 0.0))),
    ("where(None)", TypeError, ("where", "cond", "None"), c(lambda w: where(None, w.t, 0.0))),
    ("where(floats)", ValueError, ("where", "cond", "x > 0"), c(lambda w: where(w.t.data, w.t, 0.0))),
    ("where(nan)", ValueError, ("where", "cond"), c(lambda w: where(np.full(3, np.nan), w.t, 0.0))),
    ("where(objects)", TypeError, ("where", "cond"), c(lambda w: where(np.array([None, 1, 0]), w.t, 0.0))),
    ("where(Tensor of 0.5)", ValueError, ("where", "cond"), c(lambda w: where(w.t * 0 + 0.5, w.t, 0.0))),
    (
        "where shapes",
        ValueError,
        ("where", "cannot be broadcast"),
        c(lambda w: where(np.ones(4, bool), w.t, 0.0)),
    ),
    ("where operand str", TypeError, ("unsupported operand",), c(lambda w: where(w.t > 0, w.t, "zero"))),
    # an overflow of finite numbers: backward says where, before any gradient is touched
    ("1e308 * 10", OverflowError, ("backward", "overflowed float64", "(mul)"), bw(lambda w: w.big * 10)),
    ("1e308 + 1e308", OverflowError, ("(add)",), bw(lambda w: w.big + w.big)),
    ("-1e308 - 1e308", OverflowError, ("(sub)",), bw(lambda w: -w.big - w.big)),
    ("1e308 / 1e-10", OverflowError, ("(div)",), bw(lambda w: w.big / 1e-10)),
    ("1e308 ** 2", OverflowError, ("(powc)",), bw(lambda w: w.big**2)),
    ("2 ** 1e308", OverflowError, ("overflowed",), bw(lambda w: 2.0**w.big)),
    ("1e308 @ 1e308", OverflowError, ("(matmul)",), bw(lambda w: w.big @ w.big)),
    ("sum of 1e308s", OverflowError, ("(sum)",), bw(lambda w: w.big.sum() * 1.0)),
    ("mean of 1e308s", OverflowError, ("(mean)",), bw(lambda w: w.big.mean())),
    ("float32 3e38 * 2", OverflowError, ("float32", "(mul)", "compute in float64"), bw(lambda w: w.f32 * 2)),
    ("float32 3e38 + 3e38", OverflowError, ("float32", "(add)"), bw(lambda w: w.f32 + w.f32)),
    ("overflow then tanh", OverflowError, ("(mul)",), bw(lambda w: (w.big * 10 - w.big * 10).tanh())),
    ("exp(1000)", OverflowError, ("exp",), c(lambda w: (w.t * 0 + 1000).exp())),
    # concatenate and stack
    (
        "concatenate axis 5",
        ValueError,
        ("concatenate", "axis 5", "out of range", "2 axes"),
        c(lambda w: concatenate([w.t, w.u], axis=5)),
    ),
    (
        "concatenate axis -3",
        ValueError,
        ("concatenate", "axis -3"),
        c(lambda w: concatenate([w.t, w.u], axis=-3)),
    ),
    (
        "concatenate axis 1.0",
        TypeError,
        ("concatenate", "axis", "1.0"),
        c(lambda w: concatenate([w.t, w.u], axis=1.0)),
    ),
    (
        "concatenate(a, b)",
        TypeError,
        ("concatenate", "a list", "concatenate([a, b])"),
        c(lambda w: concatenate(w.t, w.u)),
    ),
    ("concatenate(a)", TypeError, ("concatenate", "a list"), c(lambda w: concatenate(w.t))),
    ("concatenate(ndarray)", TypeError, ("concatenate", "a list"), c(lambda w: concatenate(np.ones((2, 2))))),
    ("concatenate(3)", TypeError, ("concatenate",), c(lambda w: concatenate(3))),
    ("concatenate([])", ValueError, ("concatenate", "at least one"), c(lambda w: concatenate([]))),
    ("concatenate([a, 'x'])", TypeError, ("unsupported operand",), c(lambda w: concatenate([w.t, "x"]))),
    ("concatenate shapes", ValueError, ("concatenate", "do not fit"), c(lambda w: concatenate([w.t, w.t.T]))),
    ("concatenate 0-d", ValueError, ("concatenate",), c(lambda w: concatenate([w.out, w.out]))),
    ("stack(a, b)", TypeError, ("stack", "a list"), c(lambda w: stack(w.t, w.u))),
    ("stack axis 1.5", TypeError, ("stack", "axis", "1.5"), c(lambda w: stack([w.t, w.u], axis=1.5))),
    ("stack axis 3", ValueError, ("stack", "axis 3", "out of range"), c(lambda w: stack([w.t, w.u], axis=3))),
    ("stack shapes", ValueError, ("stack", "must all be equal"), c(lambda w: stack([w.t, w.t.T]))),
    # a Function's wrong gradient: every .grad is as it was
    (
        "Function wrong shape",
        ValueError,
        ("WrongSecondGrad.backward", "shape (7,)", "input 1"),
        _backward_through(WrongSecondGrad),
    ),
    (
        "Function wrong shape, alone",
        ValueError,
        ("WrongSecondGrad",),
        _backward_through(WrongSecondGrad, False),
    ),
    ("Function string grad", (TypeError, ValueError), ("StringGrad",), _backward_through(StringGrad)),
    (
        "backward gradient str",
        TypeError,
        ("backward", "gradient", "'x'"),
        c(lambda w: (w.t * 2).backward(gradient="x")),
    ),
    (
        "backward gradient shape",
        ValueError,
        ("backward", "gradient of shape (3,)"),
        c(lambda w: (w.t * 2).backward(gradient=np.ones(3))),
    ),
    (
        "backward gradient nan",
        ValueError,
        ("backward", "gradient", "nan"),
        c(lambda w: (w.t * 2).backward(gradient=np.full((2, 3), np.nan))),
    ),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # numpy's, before ours
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_engine(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


def test_a_valid_numpy_integer_axis_is_taken():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(t.sum(axis=np.int64(1)).data, [3.0, 12.0])
    np.testing.assert_array_equal(t.mean(axis=(np.int32(0), 1)).data, 2.5)
    np.testing.assert_array_equal(t.max(axis=np.int64(-1)).data, [2.0, 5.0])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_inf_already_in_the_data_passes_through_as_in_numpy():
    """Only an overflow of finite numbers is an error, and only when backward would go through it:
    the op itself gives numpy's inf (with numpy's warning); a -inf mask before a softmax is fine."""
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    mask = np.array([[0.0, -np.inf, 0.0], [0.0, 0.0, -np.inf]])
    p = (x + mask).softmax(axis=1)
    np.testing.assert_allclose(p.data, [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    p.sum().backward()
    assert np.isinf((Tensor([np.inf]) * 2).data).all()
    assert np.isinf((Tensor([1e308]) * 10).data).all()
    y = Tensor([np.inf, 1.0], requires_grad=True)
    (y * 2).sum().backward()  # the inf came with the data: backward runs, as in numpy and PyTorch
    np.testing.assert_array_equal(y.grad, [2.0, 2.0])


class FixableMul(Function):
    """a * b, whose backward is wrong until ``fixed`` is set."""

    fixed = False

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.data * b.data

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b.data, (g * a.data if FixableMul.fixed else np.ones(7))


def test_a_function_that_fails_in_backward_can_be_retried_after_the_fix():
    """The failed backward changed no gradient and freed nothing: once fixed, the same graph
    backpropagates and gives the gradients of one backward."""
    w = world()
    loss = FixableMul.apply(w.t, w.u).sum() + w.u.sum()
    with pytest.raises(ValueError, match="FixableMul.backward"):
        loss.backward()
    np.testing.assert_array_equal(w.t.grad, np.ones((2, 3)))
    assert w.u.grad is None
    FixableMul.fixed = True
    try:
        loss.backward()
    finally:
        FixableMul.fixed = False
    np.testing.assert_allclose(w.t.grad, 1.0 + w.u.data)
    np.testing.assert_allclose(w.u.grad, w.t.data + 1.0)
