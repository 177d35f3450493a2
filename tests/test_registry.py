"""Every entry of the registry, walked: a new primitive is tested the moment it exists.

For each entry: the Value and Tensor forwards against math/numpy and PyTorch, first and second
derivatives against finite differences and PyTorch, and step_through and gradcheck_graph on a graph
that uses it. Elementwise entries take their inputs and references from tests/catalogue.py; the
primitives of arrays have theirs below. An entry with neither fails ``test_every_entry_is_covered``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import (
    Tensor,
    Value,
    concatenate,
    draw,
    gradcheck_graph,
    stack,
    step_through,
    weighted_sum,
    where,
)
from autograd_lite import rules as R
from autograd_lite.tensor import apply

from .catalogue import CATALOGUE
from .conftest import require

IDX = np.array([0, 2, 0])
MASK = np.array([[True, False, True], [False, True, True]])

# name -> (fn on Tensors, the same with torch, input shapes); inputs are drawn in [-1.5, 1.5]
ARRAY_OPS = {
    "matmul": (lambda a, b: a @ b, lambda T, a, b: a @ b, [(2, 3), (3, 2)]),
    "sum": (lambda a: a.sum(axis=1), lambda T, a: a.sum(dim=1), [(2, 3)]),
    "mean": (lambda a: a.mean(axis=0), lambda T, a: a.mean(dim=0), [(2, 3)]),
    "max": (lambda a: a.max(axis=1), lambda T, a: a.max(dim=1).values, [(2, 3)]),
    "reshape": (lambda a: a.reshape(3, 2), lambda T, a: a.reshape(3, 2), [(2, 3)]),
    "transpose": (lambda a: a.T, lambda T, a: a.T, [(2, 3)]),
    "broadcast_to": (lambda a: a.broadcast_to((4, 3)), lambda T, a: T.broadcast_to(a, (4, 3)), [(3,)]),
    "getitem": (lambda a: a[IDX], lambda T, a: a[T.tensor(IDX)], [(3, 2)]),
    "scatter_add": (lambda a: apply(R.RULES["scatter_add"], (a,), (IDX, (3, 2))),
                    lambda T, a: T.zeros(3, 2, dtype=a.dtype).index_add(0, T.tensor(IDX), a), [(3, 2)]),
    "clip": (lambda a: a.clip(-0.5, 0.5), lambda T, a: a.clamp(-0.5, 0.5), [(2, 3)]),
    "softmax": (lambda a: a.softmax(axis=-1), lambda T, a: T.softmax(a, -1), [(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(axis=-1), lambda T, a: T.log_softmax(a, -1), [(2, 3)]),
    "concatenate": (lambda a, b: concatenate([a, b], axis=1), lambda T, a, b: T.cat([a, b], 1),
                    [(2, 3), (2, 2)]),
    "stack": (lambda a, b: stack([a, b], axis=1), lambda T, a, b: T.stack([a, b], 1), [(2, 3), (2, 3)]),
    "where": (lambda a, b: where(MASK, a, b), lambda T, a, b: T.where(T.tensor(MASK), a, b),
              [(2, 3), (3,)]),
}
SCALAR_ONLY = {"weighted_sum"}  # a Value record of many inputs; checked in its own test below


def elementwise(name):
    return next(op for op in CATALOGUE if op.rule == name)


ELEMENTWISE = [n for n, r in R.RULES.items() if r.local is not None and n not in SCALAR_ONLY]


def test_every_entry_is_covered():
    covered = {op.rule for op in CATALOGUE} | set(ARRAY_OPS) | SCALAR_ONLY
    missing = [name for name in R.RULES if name not in covered]
    assert not missing, f"entries without a test: {missing} (add a line to tests/catalogue.py)"
    for name, rule in R.RULES.items():
        assert rule.name == name and rule.symbol and rule.formula, name
        if rule.local is not None and name not in SCALAR_ONLY:  # elementwise: one formula per input
            assert isinstance(rule.formula, tuple), name
        else:  # a vector-Jacobian product: one line
            assert isinstance(rule.formula, str) and (rule.vjp is not None or name in SCALAR_ONLY), name


def _sample(op, rng, shapes):
    return [np.asarray(d.sample(rng, s), dtype=float) for d, s in zip(op.domains, shapes)]


def tn(t):
    return t.detach().numpy(force=True)


def close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_entry_value_and_tensor(name):
    T = require("torch")
    op = elementwise(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(5):
        xs = [float(x) for x in _sample(op, rng, [()] * op.arity)]
        # Value: forward against math (numpy on floats) and PyTorch; gradient against PyTorch
        vs = [Value(x) for x in xs]
        out = op.apply(*vs)
        assert out.op == name and type(out.data) is float
        close(out.data, op.hips(np, *[np.float64(x) for x in xs]))
        ts = [T.tensor(x, dtype=T.float64, requires_grad=True) for x in xs]
        tout = op.torch(T, *ts)
        close(out.data, tout.item())
        out.backward()
        tgrads = T.autograd.grad(tout, ts, allow_unused=True)
        for v, tg in zip(vs, tgrads):
            close(v.grad, 0.0 if tg is None else tg.item(), rtol=1e-9)
        # second derivatives through create_graph, against PyTorch
        vs = [Value(x) for x in xs]
        op.apply(*vs).backward(create_graph=True)
        ts = [T.tensor(x, dtype=T.float64, requires_grad=True) for x in xs]
        tgrads = T.autograd.grad(op.torch(T, *ts), ts, create_graph=True, allow_unused=True)
        grads = [v.grad for v in vs]
        for g, tg in zip(grads, tgrads):
            for u in vs:
                u.grad = 0.0
            if isinstance(g, Value):
                g.backward()
            h = [None] * len(ts)
            if tg is not None and tg.requires_grad:
                h = T.autograd.grad(tg, ts, allow_unused=True)
            for u, th in zip(vs, h):
                close(float(u.grad), 0.0 if th is None else th.item(), rtol=1e-8, atol=1e-9)
    # Tensor, on broadcasting shapes: forward against numpy, first and second derivatives
    shapes = [(2, 3), (3,)][: op.arity]
    arrays = _sample(op, rng, shapes)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = op.apply(*xs)
    close(out.data, op.hips(np, *arrays))
    w = rng.uniform(0.5, 1.5, size=out.shape)
    (out * w).sum().backward(create_graph=True)
    ts = [T.tensor(a, requires_grad=True) for a in arrays]
    tgrads = T.autograd.grad((op.torch(T, *ts) * T.tensor(w)).sum(), ts, create_graph=True, allow_unused=True)
    for x, tg in zip(xs, tgrads):
        close(x.grad.data, 0.0 if tg is None else tn(tg), rtol=1e-9)
    v = rng.normal(size=xs[0].shape)
    second = (xs[0].grad * v).sum()
    for x in xs:
        x.grad = None
    if second.requires_grad:
        second.backward()
    th = T.autograd.grad((tgrads[0] * T.tensor(v)).sum(), ts, allow_unused=True) \
        if tgrads[0] is not None and tgrads[0].requires_grad else [None] * len(ts)
    for x, t in zip(xs, th):
        close(0.0 if x.grad is None else x.grad, 0.0 if t is None else tn(t), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_entry_in_the_views(name):
    op = elementwise(name)
    rng = np.random.default_rng(1)
    xs = [Value(float(x), label=f"x{i}") for i, x in enumerate(_sample(op, rng, [()] * op.arity))]
    out = op.apply(*xs) * 1.5
    report = gradcheck_graph(out)
    assert report and any(c.op == name for c in report.checks)
    walk = step_through(out)
    phases = {s.phase for s in walk.steps if s.op == name}
    assert phases == {"forward", "backward"}
    assert f"label={R.RULES[name].symbol}" in draw(out).source.replace('"', "")  # drawn with its symbol
    arrays = [Tensor(a, requires_grad=True) for a in _sample(op, rng, [(2, 3)] * op.arity)]
    tout = (op.apply(*arrays) * 1.5).sum()
    assert gradcheck_graph(tout)
    assert any(s.op == name for s in step_through(tout).steps)


@pytest.mark.parametrize("name", list(ARRAY_OPS))
def test_array_entry(name):
    T = require("torch")
    fn, tfn, shapes = ARRAY_OPS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    arrays = [rng.uniform(-1.5, 1.5, size=s) for s in shapes]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    assert out.op == name
    assert out.data.shape == R.RULES[name].array(*arrays, *out.params).shape
    ts = [T.tensor(a, requires_grad=True) for a in arrays]
    tout = tfn(T, *ts)
    close(out.data, tout.detach().numpy())
    # first and second derivatives of L = Σ w·tanh(op(x)) (tanh makes a linear op's second
    # derivative non-zero, so the recorded backward of the op itself is differentiated)
    w = rng.uniform(0.5, 1.5, size=out.shape)
    (fn(*xs).tanh() * w).sum().backward(create_graph=True)
    tg = T.autograd.grad((T.tanh(tfn(T, *ts)) * T.tensor(w)).sum(), ts, create_graph=True)
    for x, t in zip(xs, tg):
        close(x.grad.data, tn(t), rtol=1e-9)
    vs = [rng.normal(size=s) for s in shapes]
    second = sum((x.grad * v).sum() for x, v in zip(xs, vs))
    for x in xs:
        x.grad = None
    second.backward()
    th = T.autograd.grad(sum((t * T.tensor(v)).sum() for t, v in zip(tg, vs)), ts)
    for x, t in zip(xs, th):
        close(x.grad, tn(t), rtol=1e-8, atol=1e-10)
    # the views
    ys = [Tensor(a, requires_grad=True) for a in arrays]
    loss = (fn(*ys) * w).sum()
    assert gradcheck_graph(loss)
    assert any(s.op == name and s.phase == "backward" for s in step_through(loss).steps)


def test_weighted_sum_entry():
    T = require("torch")
    nums = [0.3, 0.5, -1.5, 2.0, 0.7]
    b, w1, w2, z1, z2 = vs = [Value(x) for x in nums]
    out = weighted_sum([w1, w2], [z1, z2], b).tanh()
    ts = [T.tensor(x, dtype=T.float64, requires_grad=True) for x in nums]
    tout = T.tanh(ts[0] + ts[1] * ts[3] + ts[2] * ts[4])
    close(out.data, tout.item())
    out.backward()
    for v, t in zip(vs, T.autograd.grad(tout, ts)):
        close(v.grad, t.item())
    assert gradcheck_graph(out)
    assert any(s.op == "weighted_sum" for s in step_through(out).steps)


def test_weighted_sum_takes_plain_numbers_as_constants():
    """A number among the weights, the inputs or the bias is a constant, as in ``x * 2.0``: the same
    value and gradients as PyTorch with those numbers as plain constants."""
    T = require("torch")
    w, z = Value(-1.5), Value(0.7)
    out = weighted_sum([w, np.float32(2.0), 0.25], [0.5, z, 3], 1)
    out.backward()
    tw, tz = (T.tensor(x, dtype=T.float64, requires_grad=True) for x in (-1.5, 0.7))
    tout = 1 + tw * 0.5 + 2.0 * tz + 0.25 * 3
    tout.backward()
    close(out.data, tout.item())
    close(w.grad, tw.grad.item())
    close(z.grad, tz.grad.item())
    assert len(out.inputs) == 7 and gradcheck_graph(out)


def test_softplus_follows_pytorch_above_its_threshold():
    T = require("torch")
    x = np.array([19.0, 20.0, 20.5, 50.0, 800.0, -800.0])
    t = T.tensor(x, requires_grad=True)
    tout = T.nn.functional.softplus(t)
    tout.sum().backward()
    a = Tensor(x, requires_grad=True)
    a.softplus().sum().backward()
    close(a.softplus().data, tout.detach().numpy(), rtol=1e-15, atol=0)
    close(a.grad, t.grad.numpy(), rtol=1e-15, atol=0)
    for xi, ti, gi in zip(x, tout.detach().numpy(), t.grad.numpy()):
        v = Value(float(xi))
        y = v.softplus()
        y.backward()
        assert y.data == ti and math.isclose(v.grad, gi, rel_tol=1e-15) and math.isfinite(y.data)


def test_leaky_relu_takes_its_slope_and_keeps_it_constant():
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert y.data == -0.4 and x.grad == 0.2
    assert y._prev == {x} and y.inputs[1].data == 0.2  # the slope is an input of the record, no child
    t = Tensor([-2.0, 3.0], requires_grad=True)
    t.leaky_relu(0.2).sum().backward()
    assert t.grad.tolist() == [0.2, 1.0]


def test_the_command_line_knows_every_function_of_one_input(tmp_path, capsys):
    from autograd_lite.cli import FUNCTIONS, main

    assert {"sin", "cos", "log1p", "softplus", "leaky_relu"} <= set(FUNCTIONS)
    assert main(["graph", "sin(x) * cos(y)", "x=0.5", "y=1.2", "-o", str(tmp_path / "g.gv")]) == 0
    out = capsys.readouterr().out
    assert f"∂f/∂x = {math.cos(0.5) * math.cos(1.2):.6g}" in out
    assert f"∂f/∂y = {-math.sin(0.5) * math.sin(1.2):.6g}" in out
