"""The Tensor engine: every op's value and gradient on random shapes and values, against PyTorch,
HIPS autograd and finite differences; float32 kept; errors; higher-order gradients; memory.

Elementwise ops come from the shared catalogue (tests/catalogue.py) and run here on broadcasting
pairs of random shapes; the Tensor-only ops (matmul, reductions, shapes, indexing, softmax, ...)
have their entries below. Each check weighs the output by random numbers before differentiating, so
every element of the vector-Jacobian product is compared, not just its sum.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import autograd_lite as al
from autograd_lite import Tape, Tensor, Value, concatenate, detect_anomaly, no_grad, stack, where

from .catalogue import CATALOGUE, Op
from .conftest import require

SEEDS = st.integers(0, 2**32 - 1)


# --- references -----------------------------------------------------------------------------------
def lite_run(fn: Callable, arrays: list[np.ndarray], w: np.ndarray | None, dtype=np.float64):
    """fn's output and ∂(Σ w·out)/∂input for each input, with the Tensor engine."""
    xs = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(*xs)
    if w is None:
        w = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape)
    out.backward(gradient=w.astype(dtype))
    return out, [x.grad for x in xs], w


def torch_run(fn: Callable, arrays: list[np.ndarray], w: np.ndarray):
    T = require("torch")
    ts = [T.tensor(a, dtype=T.float64, requires_grad=True) for a in arrays]
    out = fn(T, *ts)
    out.backward(T.tensor(w, dtype=T.float64))
    return out.detach().numpy(), [np.zeros(a.shape) if t.grad is None else t.grad.numpy()
                                  for a, t in zip(arrays, ts)]


def hips_run(fn: Callable, arrays: list[np.ndarray], w: np.ndarray):
    ag = require("autograd")
    anp = require("autograd.numpy")
    grads = [ag.grad(lambda *xs, i=i: anp.sum(fn(anp, *xs) * w), i)(*arrays) for i in range(len(arrays))]
    return np.asarray(fn(np, *arrays)), [np.asarray(g) for g in grads]


def numerical_grads(fn: Callable, arrays: list[np.ndarray], w: np.ndarray, eps: float = 1e-6):
    """Central differences of Σ w·fn(inputs), one element at a time (float64, no tape); each output
    element is differenced before the weighing, so a large output does not hide small changes."""
    def f(*xs):
        with no_grad():
            return fn(*[Tensor(x) for x in xs]).data

    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros(a.shape)
        for j in np.ndindex(a.shape):
            hi = [x.copy() for x in arrays]
            lo = [x.copy() for x in arrays]
            hi[i][j] += eps
            lo[i][j] -= eps
            g[j] = (((f(*hi) - f(*lo)) / (2 * eps)) * w).sum()
        grads.append(g)
    return grads


def assert_close(actual, expected, rtol=1e-9, atol=1e-11):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol)


def check(fn: Callable, torch_fn: Callable, arrays: list[np.ndarray], fd: bool = True,
          hips_fn: Callable | None = None) -> None:
    """Value and gradients of ``fn`` against PyTorch (and HIPS autograd, finite differences)."""
    out, grads, w = lite_run(fn, arrays, None)
    ref, ref_grads = torch_run(torch_fn, arrays, w)
    assert out.shape == ref.shape
    assert_close(out.data, ref)
    for g, r in zip(grads, ref_grads):
        assert g.shape == r.shape
        assert_close(g, r)
    if hips_fn is not None:
        href, hgrads = hips_run(hips_fn, arrays, w)
        assert_close(out.data, href)
        for g, r in zip(grads, hgrads):
            assert_close(g, r)
    if fd:
        for g, r in zip(grads, numerical_grads(fn, arrays, w)):
            assert_close(g, r, rtol=1e-5, atol=1e-6)


# --- the elementwise catalogue, on broadcasting shapes ------------------------------------------
def broadcast_inputs(op: Op):
    @st.composite
    def draw(d):
        shapes = d(mutually_broadcastable_shapes(num_shapes=op.arity, min_dims=0, max_dims=3, max_side=4))
        rng = np.random.default_rng(d(SEEDS))
        return [np.asarray(dom.sample(rng, s), dtype=float)
                for dom, s in zip(op.domains, shapes.input_shapes)]
    return draw()


@pytest.mark.parametrize("op", CATALOGUE, ids=repr)
def test_elementwise_ops_on_broadcast_shapes_match_torch_hips_and_differences(op):
    @settings(max_examples=25)
    @given(broadcast_inputs(op))
    def run(arrays):
        check(op.apply, op.torch, arrays, fd=sum(a.size for a in arrays) <= 24, hips_fn=op.hips)

    run()


# --- the Tensor-only ops --------------------------------------------------------------------------
@st.composite
def arrays_of(draw, min_dims=0, max_dims=3, lo=-2.0, hi=2.0):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims)))
    rng = np.random.default_rng(draw(SEEDS))
    return rng.uniform(lo, hi, size=shape)


MATMUL_SHAPES = [
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((1, 1), (1, 1)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_2d_1d_and_batched(sa, sb):
    rng = np.random.default_rng(hash((sa, sb)) % 2**32)
    check(lambda a, b: a @ b, lambda T, a, b: a @ b, [rng.normal(size=sa), rng.normal(size=sb)],
          hips_fn=lambda np_, a, b: np_.matmul(a, b))


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), SEEDS)
def test_matmul_random_shapes(n, k, m, seed):
    rng = np.random.default_rng(seed)
    check(lambda a, b: a @ b, lambda T, a, b: a @ b, [rng.normal(size=(n, k)), rng.normal(size=(k, m))])


def test_matmul_with_an_ndarray_on_either_side():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    (w.T @ x.T).sum().backward()  # ndarray @ Tensor: numpy defers to the Tensor
    assert_close(x.grad, np.ones((2, 4)).T @ w.T)
    assert isinstance(w.T @ x.T, Tensor)


def _axis_kwargs(draw, ndim):
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1) if ndim else st.none(),
                          st.sets(st.integers(0, max(ndim - 1, 0)), max_size=ndim).map(tuple)
                          if ndim else st.none()))
    return axis, draw(st.booleans())


@st.composite
def reductions(draw):
    x = draw(arrays_of(max_dims=3))
    axis, keepdims = _axis_kwargs(draw, x.ndim)
    return x, axis, keepdims


def _torch_reduce(T, name, x, axis, keepdims):
    dims = tuple(range(x.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    if name == "max":
        return x.amax(dim=dims, keepdim=keepdims) if dims else x.clone()
    f = x.sum if name == "sum" else x.mean
    return f(dim=dims, keepdim=keepdims) if dims else x + 0.0


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@given(r=reductions())
def test_reductions(name, r):
    x, axis, keepdims = r
    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims),
          lambda T, t: _torch_reduce(T, name, t, axis, keepdims), [x])


def test_max_shares_the_gradient_among_ties_as_torch_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check(lambda t: t.max(axis=1), lambda T, t: t.amax(dim=1), [x], fd=False)
    check(lambda t: t.max(), lambda T, t: t.amax(), [x], fd=False)


@given(arrays_of(min_dims=1), st.data())
def test_reshape_and_transpose(x, data):
    perm = data.draw(st.permutations(range(x.ndim)))
    check(lambda t: t.transpose(*perm), lambda T, t: t.permute(*perm), [x])
    check(lambda t: t.T, lambda T, t: t.permute(*reversed(range(t.ndim))), [x])
    check(lambda t: t.reshape(-1), lambda T, t: t.reshape(-1), [x])
    check(lambda t: t.reshape((x.size, 1)), lambda T, t: t.reshape(x.size, 1), [x])


@st.composite
def indexed(draw):
    x = draw(arrays_of(min_dims=1, max_dims=3))
    rng = np.random.default_rng(draw(SEEDS))
    n = x.shape[0]
    kind = draw(st.sampled_from(["int", "slice", "repeats", "mask", "rows_cols", "neg_step", "tuple"]))
    if kind == "int":
        idx = int(rng.integers(-n, n))
    elif kind == "slice":
        idx = slice(int(rng.integers(0, n)), n)
    elif kind == "repeats":  # integer array with repeated indices: their gradients add up
        idx = rng.integers(0, n, size=int(rng.integers(1, 7)))
    elif kind == "mask":
        idx = rng.random(x.shape) > 0.5
    elif kind == "rows_cols" and x.ndim >= 2:  # the cross-entropy pattern: logp[arange(n), labels]
        idx = (np.arange(n), rng.integers(0, x.shape[1], size=n))
    elif kind == "neg_step":
        idx = slice(None, None, -1)
    else:
        idx = (slice(None),) * (x.ndim - 1) + (0,)
    return x, idx


def _torch_index(T, idx):
    def part(i):
        return T.from_numpy(i) if isinstance(i, np.ndarray) else i
    return tuple(part(i) for i in idx) if isinstance(idx, tuple) else part(idx)


@given(indexed())
def test_getitem(case):
    x, idx = case
    neg = isinstance(idx, slice) and idx.step == -1  # torch has no negative steps: flip instead
    check(lambda t: t[idx], (lambda T, t: t.flip(0)) if neg else (lambda T, t: t[_torch_index(T, idx)]), [x])


def test_getitem_with_repeated_indices_accumulates():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    assert_close(x.grad, [3.0, 0.0, 1.0, 0.0])
    y = Tensor(np.arange(4.0), requires_grad=True)
    y[[1, 1]].sum().backward()  # a list is an integer array too
    assert_close(y.grad, [0.0, 2.0, 0.0, 0.0])


@given(arrays_of(lo=-3, hi=3), st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
def test_clip(x, bounds):
    lo, hi = bounds
    x = np.where(np.abs(np.abs(x) - 0.5) < 1e-3, x + 0.01, x)  # keep away from the kinks
    x = np.where(np.abs(np.abs(x) - 1.0) < 1e-3, x + 0.01, x)
    check(lambda t: t.clip(lo, hi), lambda T, t: t.clamp(lo, hi), [x])


@st.composite
def with_axis(draw):
    x = draw(arrays_of(min_dims=1, max_dims=3, lo=-5, hi=5))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@given(with_axis())
def test_softmax_and_log_softmax(case):
    x, axis = case
    check(lambda t: t.softmax(axis), lambda T, t: T.softmax(t, dim=axis), [x])
    check(lambda t: t.log_softmax(axis), lambda T, t: T.log_softmax(t, dim=axis), [x])


def test_softmax_is_stable_for_large_inputs():
    x = Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    lp = x.log_softmax()
    assert np.isfinite(lp.data).all() and np.isfinite(x.softmax().data).all()
    lp[0, 2].backward()
    assert np.isfinite(x.grad).all()


@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.integers(0, 1), SEEDS)
def test_concatenate_and_stack(sizes, axis, seed):
    rng = np.random.default_rng(seed)
    cat = [rng.normal(size=(n, 2) if axis == 0 else (2, n)) for n in sizes]
    check(lambda *ts: concatenate(ts, axis=axis), lambda T, *ts: T.cat(ts, dim=axis), cat)
    same = [rng.normal(size=(2, 3)) for _ in sizes]
    check(lambda *ts: stack(ts, axis=axis), lambda T, *ts: T.stack(ts, dim=axis), same)


@given(st.data())
def test_where_on_broadcast_shapes(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    rng = np.random.default_rng(data.draw(SEEDS))
    cond = np.asarray(rng.random(shapes.input_shapes[0]) > 0.5)
    a, b = (rng.normal(size=s) for s in shapes.input_shapes[1:])
    check(lambda x, y: where(cond, x, y), lambda T, x, y: T.where(T.from_numpy(cond), x, y), [a, b])


def test_where_with_numbers_and_a_tensor_condition():
    x = Tensor(np.array([-1.0, 2.0, -3.0]), requires_grad=True)
    y = where(x > 0, x, 0.0)  # a relu by hand
    y.sum().backward()
    assert_close(y.data, [0.0, 2.0, 0.0])
    assert_close(x.grad, [0.0, 1.0, 0.0])
    z = where(Tensor([1.0, 0.0, 1.0]), 1.0, x)
    assert_close(z.data, [1.0, 2.0, 1.0])


def test_composite_network_matches_hips_autograd():
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)]
    labels = rng.integers(0, 4, size=5)

    def lite(x, w, b):
        return -(x @ w + b).tanh().log_softmax()[np.arange(5), labels].mean()

    def ref(np_, x, w, b):
        z = np_.tanh(np_.dot(x, w) + b)
        lse = np_.log(np_.sum(np_.exp(z - np_.max(z, axis=1, keepdims=True)), axis=1, keepdims=True))
        lp = z - np_.max(z, axis=1, keepdims=True) - lse
        return -np_.mean(lp[np.arange(5), labels])

    out, grads, w = lite_run(lite, arrays, np.array(1.0))
    href, hgrads = hips_run(ref, arrays, np.array(1.0))
    assert_close(out.data, href)
    for g, r in zip(grads, hgrads):
        assert_close(g, r)


# --- numbers, arrays and Tensors together ---------------------------------------------------------
def test_numbers_and_arrays_on_either_side():
    x = Tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    y = (2.0 - x) * 3 + 1 / x + x / 2 + np.array([1.0, 1.0, 1.0]) * x + 2 ** x
    y.sum().backward()
    expected = -3 - 1 / x.data**2 + 0.5 + 1 + np.log(2) * 2**x.data
    assert_close(x.grad, expected)


# --- float32 --------------------------------------------------------------------------------------
F32_CASES = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (b.abs() + 1.0)), ("pow", lambda a, b: (a.abs() + 0.5) ** b),
    ("powc", lambda a, b: a ** 2 + b ** 3.0), ("neg", lambda a, b: -a + b),
    ("number", lambda a, b: 2.5 * a - 1.5 / (b.abs() + 1) + 0.1),
    ("matmul", lambda a, b: a @ b.T), ("exp", lambda a, b: a.exp() + b),
    ("log", lambda a, b: (a.abs() + 1).log() + b), ("tanh", lambda a, b: a.tanh() * b.sigmoid()),
    ("relu", lambda a, b: a.relu() + b.abs() + a.sign() + b.step()),
    ("sqrt", lambda a, b: (a * a + 1).sqrt() + b),
    ("reductions", lambda a, b: a.sum(0) + b.mean(0) + a.max(0)),
    ("shapes", lambda a, b: a.reshape(6).reshape(2, 3).T + b[::-1]),
    ("index", lambda a, b: a[np.array([0, 0, 2])] + b[1:2]),
    ("clip", lambda a, b: a.clip(-0.5, 0.5) + b), ("softmax", lambda a, b: a.softmax() + b.log_softmax(0)),
    ("join", lambda a, b: concatenate([a, b]) + stack([a, b])[0].sum()),
    ("where", lambda a, b: where(a.data > 0, a, b)),
    ("ndarray", lambda a, b: a * np.ones((3, 2)) + np.float64(2.0) * b),
]


@pytest.mark.parametrize("name,fn", F32_CASES, ids=[c[0] for c in F32_CASES])
def test_float32_stays_float32_in_data_and_gradients(name, fn):
    rng = np.random.default_rng(0)
    a = Tensor(rng.normal(size=(3, 2)), requires_grad=True, dtype=np.float32)
    b = Tensor(rng.normal(size=(3, 2)).astype(np.float32), requires_grad=True)  # kept as given
    out = fn(a, b)
    assert out.dtype == np.float32, name
    out.backward(np.ones(out.shape, np.float32))
    for x in (a, b):
        assert x.grad is not None and x.grad.dtype == np.float32, name
        assert x.grad.shape == x.shape


@pytest.mark.parametrize("name,fn", F32_CASES, ids=[c[0] for c in F32_CASES])
def test_backward_leaves_every_array_of_the_graph_as_it_was(name, fn):
    # the walk multiplies into arrays it made itself; it must never write into data or a gradient
    rng = np.random.default_rng(1)
    a = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    with Tape() as tape:
        out = fn(a, b).sigmoid().exp().tanh()
    nodes = [a, b] + [r.output for r in tape] + [x for r in tape for x in r.inputs]
    before = [n.data.copy() for n in nodes]
    out.backward(np.ones(out.shape), retain_graph=True)
    grads = [None if n.grad is None else n.grad.copy() for n in nodes]
    assert all(np.array_equal(n.data, d) for n, d in zip(nodes, before)), name
    out.backward(np.ones(out.shape))  # a second pass through the same records: the same gradients
    for n, g in zip(nodes, grads):
        if n.is_leaf and g is not None:
            assert_close(n.grad, 2 * g)
        elif g is not None:
            assert_close(n.grad, g)


def test_a_rule_may_hand_one_array_for_both_partials():
    import operator

    from autograd_lite.rules import Rule
    from autograd_lite.tensor import apply

    both = Rule("both", "both", ("2", "2"), array=operator.add, local=lambda a, b, out: (a * 0.0 + 2.0,) * 2)
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    apply(both, (a, b)).backward(np.array([1.0, 2.0, 3.0]))
    assert_close(a.grad, [2.0, 4.0, 6.0])
    assert_close(b.grad, [2.0, 4.0, 6.0])


def test_float32_leaf_in_a_float64_graph_gets_a_float32_gradient():
    a = Tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_constructor_dtypes():
    assert Tensor([1, 2, 3]).dtype == np.float64
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor([True, False]).dtype == np.float64
    assert Tensor(2.5).shape == ()
    assert Tensor(np.zeros(2, np.float32)).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    a = np.zeros(3)
    assert Tensor(a).data is a  # no copy of an array that is already right


@pytest.mark.parametrize("bad", [["a", "b"], "text", np.array([object()]), [1 + 2j], {"a": 1}, [Value(1.0)]])
def test_non_numbers_are_a_type_error(bad):
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(bad)


def test_bad_dtype_and_operand_are_type_errors():
    with pytest.raises(TypeError, match="float32 or float64"):
        Tensor([1, 2], dtype=np.int64)
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="unsupported operand: Tensor and str"):
        t + "x"
    with pytest.raises(TypeError, match="unsupported operand"):
        t * None


# --- errors name the op, the shapes or values, and the fix ---------------------------------------
def test_matmul_shape_error():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 2\) do not align \(4 != 5\)$"):
        a @ b
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(3, 4, 2\).*batch"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 2)))
    with pytest.raises(ValueError, match="0-d"):
        Tensor(2.0) @ a


@pytest.mark.parametrize("op,name", [(lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"),
                                     (lambda a, b: a * b, "mul"), (lambda a, b: a / b, "div"),
                                     (lambda a, b: a ** b, "pow")])
def test_broadcast_error_names_op_and_both_shapes(op, name):
    a = Tensor(np.ones((3, 2)), requires_grad=True)
    b = Tensor(np.ones(3) * 2)
    with pytest.raises(ValueError, match=rf"^{name}: shapes \(3, 2\) and \(3,\) cannot be broadcast"):
        op(a, b)


def test_domain_errors_are_raised_at_the_op():
    with pytest.raises(ValueError, match="log of 0.0.*add a small epsilon or use log_softmax"):
        Tensor([1.0, 0.0]).log()
    with pytest.raises(ValueError, match=r"log of -2\.0"):
        Tensor([1.0, -2.0], requires_grad=True).log()
    with pytest.raises(ValueError, match="sqrt of -1.0"):
        Tensor([-1.0]).sqrt()
    with pytest.raises(ZeroDivisionError, match="div: division by zero"):
        Tensor([1.0]) / Tensor([0.0])
    with pytest.raises(ValueError, match="negative base to a fractional power"):
        Tensor([-1.0]) ** 0.5
    with pytest.raises(ZeroDivisionError, match="0.0 to a negative power"):
        Tensor([0.0]) ** -1
    with pytest.raises(ValueError, match="needs log"):
        Tensor([-1.0]) ** Tensor([2.0], requires_grad=True)
    with pytest.raises(OverflowError, match="exp of 1000.0 overflows float64"):
        Tensor([1000.0]).exp()
    with pytest.raises(OverflowError, match="float32"):
        Tensor([100.0], dtype=np.float32).exp()
    assert (Tensor([-2.0]) ** 2).item() == 4.0  # a whole power of a negative number is fine


def test_shape_errors_of_the_other_ops():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a Tensor of shape \(2, 3\)"):
        t.reshape(4)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        t.sum(axis=2)
    with pytest.raises(ValueError, match="log_softmax: axis 2 is out of range"):
        t.log_softmax(axis=2)
    with pytest.raises(ValueError, match="not a permutation"):
        t.transpose(0, 0)
    with pytest.raises(IndexError, match=r"getitem: .*shape \(2, 3\)"):
        t[5]
    with pytest.raises(ValueError, match="concatenate"):
        concatenate([t, Tensor(np.ones((2, 2)))])
    with pytest.raises(ValueError, match="stack"):
        stack([t, Tensor(np.ones((2, 2)))])
    with pytest.raises(ValueError, match="item"):
        t.item()


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"a gradient is needed .*shape \(3,\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) for an output of shape \(3,\)"):
        y.backward(np.ones(2))
    y.backward(np.array([1.0, 2.0, 3.0]))
    assert_close(x.grad, [2.0, 4.0, 6.0])
    z = x * 3
    z.backward(Tensor([1.0, 1.0, 1.0]))  # a Tensor gradient works too
    assert_close(x.grad, [5.0, 7.0, 9.0])


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_backward_twice_needs_retain_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x * x).sum()
    x.grad = None
    z.backward(retain_graph=True)
    z.backward()
    assert_close(x.grad, 2 * 2 * x.data)  # leaves accumulate across calls
    assert x.grad is not None


def test_detect_anomaly_names_the_op_in_forward_and_backward():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()  # finite forward; its gradient 0.5/sqrt(x) is inf at 0
        with pytest.raises(FloatingPointError, match="backward of sqrt produced inf"):
            y.sum().backward()
        with pytest.raises(FloatingPointError, match="forward of mul produced inf from finite inputs"), \
                np.errstate(over="ignore"):
            Tensor([1e308], requires_grad=True) * 10.0
        with pytest.raises(FloatingPointError, match="an input of exp .* already holds nan"):
            Tensor([np.nan]).exp()
    x.grad = None
    y = x.sqrt()
    y.sum().backward()  # without the mode: numpy's inf, and no warning printed
    assert np.isinf(x.grad[0])


# --- the record: what draw, gradcheck and step-through read --------------------------------------
def test_record_interface():
    a = Tensor(np.ones((2, 2)), requires_grad=True, label="a")
    b = a @ a + 1.0
    assert b.op == "add" and b.rule is al.rules.ADD and not b.is_leaf
    mm, one = b.inputs
    assert mm.op == "matmul" and mm.inputs == (a, a) and one.is_leaf and not one.requires_grad
    assert a.is_leaf and a.op == "" and a.inputs == () and a.seq == 0
    assert mm.seq < b.seq
    assert mm.rule.formula.startswith("∂L/∂a = g @ bᵀ")


def test_ops_on_data_record_nothing():
    x = Tensor(np.ones((2, 3)))
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    y = (x * 2 + 1).exp().sum(axis=0)
    assert not y.requires_grad and y.is_leaf and y.op == "" and y._seq == 0
    z = (x @ w).sum()
    z.backward()
    assert x.grad is None and w.grad is not None
    with no_grad():
        v = (w * 2).sum()
    assert not v.requires_grad and v.is_leaf


def test_tape_records_tensor_ops_in_order():
    x = Tensor(np.ones(3), requires_grad=True)
    with Tape() as tape:
        y = (x * 2).tanh().sum()
    assert [r.op for r in tape] == ["mul", "tanh", "sum"]
    assert tape[-1].output is y


def test_views_of_a_tensor():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="W")
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64 and t.size == 6 and len(t) == 2
    assert t.T.shape == (3, 2)
    assert t.numpy() is t.data and np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert Tensor([[2.5]]).item() == 2.5 and float(Tensor(1.5)) == 1.5
    r = repr(t)
    assert r.startswith("Tensor(data=[[0., 1., 2.],") and "grad=None" in r and "label='W'" in r
    (t * t).sum().backward()
    r = repr(t)
    assert "grad=[[ 0.,  2.,  4.]," in r and "requires_grad=True" in r
    assert "op='mul'" in repr(t * 1.0) and "dtype=float32" in repr(Tensor([1.0], dtype=np.float32))


def test_comparisons_give_masks_and_hashing_is_by_identity():
    t = Tensor([1.0, -1.0])
    assert (t > 0).tolist() == [True, False] and (t == 1.0).tolist() == [True, False]
    assert len({t, Tensor([1.0, -1.0])}) == 2


# --- gradients as arrays: assigned, not aliased ---------------------------------------------------
def test_leaf_gradients_are_their_own_writable_arrays():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad *= 0.0  # an optimizer may update a gradient in place
    assert_close(b.grad, np.ones(3))
    c = Tensor(2.0, requires_grad=True)
    d = c * 1.0
    d.backward()
    assert isinstance(c.grad, np.ndarray) and c.grad.shape == () and c.grad.flags.writeable


def test_a_tensor_used_twice_adds_its_gradients():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x + x  # x reaches the sum through three paths
    y.sum().backward()
    assert_close(x.grad, 2 * x.data + 1)


def test_interior_gradients_are_kept_for_the_views():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    y.backward()
    assert_close(h.grad, 2 * h.data)
    assert_close(y.grad, 1.0)


def test_a_long_chain_does_not_recurse():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.sum().backward()
    assert_close(x.grad, [1.0, 1.0])


# --- higher-order gradients -----------------------------------------------------------------------
SECOND_ORDER = [
    ("cube", lambda x: (x ** 3).sum(), lambda T, x: (x ** 3).sum()),
    ("tanh", lambda x: x.tanh().sum(), lambda T, x: x.tanh().sum()),
    ("sigmoid*exp", lambda x: (x.sigmoid() * x.exp()).sum(), lambda T, x: (x.sigmoid() * x.exp()).sum()),
    ("log/sqrt", lambda x: ((x * x + 1).log() + (x * x + 1).sqrt()).sum(),
     lambda T, x: ((x * x + 1).log() + (x * x + 1).sqrt()).sum()),
    ("matmul", lambda x: ((x @ x.T).tanh() ** 2).mean(), lambda T, x: ((x @ x.T).tanh() ** 2).mean()),
    ("softmax", lambda x: (x.softmax(1) * x).sum(), lambda T, x: (T.softmax(x, 1) * x).sum()),
    ("log_softmax", lambda x: x.log_softmax(0)[np.array([0, 1, 1]), np.array([1, 0, 1])].sum() * x.sum(),
     lambda T, x: T.log_softmax(x, 0)[[0, 1, 1], [1, 0, 1]].sum() * x.sum()),
    ("reductions", lambda x: (x.max(1) * x.mean() + x.sum(0, keepdims=True).exp().sum()).sum(),
     lambda T, x: (x.amax(1) * x.mean() + x.sum(0, keepdim=True).exp().sum()).sum()),
    ("shapes", lambda x: (x.reshape(2, 3).T ** 2 * x[0:1, :].sum()).sum(),
     lambda T, x: (x.reshape(2, 3).T ** 2 * x[0:1, :].sum()).sum()),
    ("join/where/clip", lambda x: (concatenate([x, x ** 2]) * stack([x, x]).sum(0).sum()).sum()
     + where(x.data > 0, x ** 3, x * 2).clip(-1.0, 1.0).sum(),
     lambda T, x: (T.cat([x, x ** 2]) * T.stack([x, x]).sum(0).sum()).sum()
     + T.where(x > 0, x ** 3, x * 2).clamp(-1.0, 1.0).sum()),
    ("div/pow", lambda x: (x / (x * x + 1) + (x * x + 1) ** x).sum(),
     lambda T, x: (x / (x * x + 1) + (x * x + 1) ** x).sum()),
]


@pytest.mark.parametrize("name,fn,tfn", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_create_graph_gives_second_derivatives(name, fn, tfn):
    T = require("torch")
    x0 = np.random.default_rng(5).uniform(-1.5, 1.5, size=(3, 2))
    x = Tensor(x0, requires_grad=True)
    fn(x).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Tensor) and g.requires_grad
    x.grad = None
    v = np.random.default_rng(6).normal(size=x0.shape)
    (g * v).sum().backward()  # Hessian-vector product

    xt = T.tensor(x0, requires_grad=True)
    (gt,) = T.autograd.grad(tfn(T, xt), xt, create_graph=True)
    (ht,) = T.autograd.grad((gt * T.tensor(v)).sum(), xt)
    assert_close(g.data, gt.detach().numpy())
    assert_close(x.grad, ht.numpy())


def test_third_derivative_of_a_power():
    x = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    (x ** 4).sum().backward(create_graph=True)
    g1 = x.grad
    x.grad = None
    g1.sum().backward(create_graph=True)
    g2 = x.grad
    x.grad = None
    g2.sum().backward()
    assert_close(g1.data, 4 * x.data**3)
    assert_close(g2.data, 12 * x.data**2)
    assert_close(x.grad, 24 * x.data)


# --- the same network as Values and as Tensors ----------------------------------------------------
def test_a_value_network_and_a_tensor_network_give_the_same_gradients():
    rng = np.random.default_rng(11)
    sizes = [3, 4, 4, 2]
    ws = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    bs = [rng.normal(size=b) for b in sizes[1:]]
    X = rng.normal(size=(5, 3))
    Y = rng.normal(size=(5, 2))

    # Tensors
    tw = [Tensor(w, requires_grad=True) for w in ws]
    tb = [Tensor(b, requires_grad=True) for b in bs]
    h = Tensor(X)
    for i, (w, b) in enumerate(zip(tw, tb)):
        h = h @ w + b
        h = h.tanh() if i == 0 else (h.relu() if i == 1 else h.sigmoid())
    tloss = ((h - Y) ** 2).mean()
    tloss.backward()

    # Values
    vw = [[[Value(x) for x in row] for row in w] for w in ws]
    vb = [[Value(x) for x in b] for b in bs]
    total = Value(0.0)
    for n in range(5):
        a = [Value(x) for x in X[n]]
        for i, (w, b) in enumerate(zip(vw, vb)):
            z = [sum((a[k] * w[k][j] for k in range(len(a))), b[j]) for j in range(len(b))]
            a = [zj.tanh() if i == 0 else (zj.relu() if i == 1 else zj.sigmoid()) for zj in z]
        for j in range(2):
            total = total + (a[j] - Y[n, j]) ** 2
    vloss = total / 10.0
    vloss.backward()

    assert_close(tloss.item(), vloss.data)
    for w, v in zip(tw, vw):
        assert_close(w.grad, [[x.grad for x in row] for row in v])
    for b, v in zip(tb, vb):
        assert_close(b.grad, [x.grad for x in v])


# --- memory: a training loop frees each step's graph ----------------------------------------------
def _small_mlp(seed=0):
    rng = np.random.default_rng(seed)
    sizes = [2, 16, 16, 1]
    params = []
    for a, b in zip(sizes, sizes[1:]):
        params += [Tensor(rng.normal(size=(a, b)) * np.sqrt(2 / a), requires_grad=True),
                   Tensor(np.zeros(b), requires_grad=True)]
    X = Tensor(rng.normal(size=(32, 2)))
    y = (X.data[:, :1] * X.data[:, 1:] > 0).astype(float)

    def step():
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = h.relu()
        loss = ((h.sigmoid() - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad
        return loss.item()

    return step


def test_ten_thousand_training_steps_do_not_grow_memory():
    step = _small_mlp()
    first = step()
    for _ in range(200):
        step()
    tracemalloc.start()
    try:
        for _ in range(500):
            step()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(9_300):
            last = step()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last < first  # it trains
    assert now - base < 20_000, f"memory grew by {now - base} bytes over 9,300 steps"
    assert peak - base < 200_000


def test_graphs_have_no_reference_cycles():
    step = _small_mlp()
    step()
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            step()
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0, f"{found} objects were only freed by the cycle collector"


# --- the benchmark compares like with like ---------------------------------------------------------
def test_benchmark_engines_compute_the_same_training_steps():
    require("torch")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "tensor_vs_torch.py"
    spec = importlib.util.spec_from_file_location("tensor_vs_torch", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for sizes, batch, classify in (([784, 256, 128, 10], 128, True), ([2, 16, 16, 1], 100, False)):
        for dtype in (np.float32, np.float64):
            params = bench.init(sizes, dtype)
            x, y = bench.data(sizes, batch, dtype, classify)
            engines = {k: f(params, x, y, classify) for k, f in (
                ("numpy", bench.numpy_engine), ("lite", bench.lite_engine), ("torch", bench.torch_engine))}
            bench.check_same(engines)  # exits with a message if any engine's losses differ
