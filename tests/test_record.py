"""The record contract every view reads: inputs, rule, seq, op, label, input_grads, local_derivatives."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import Tensor, Value
from autograd_lite.tape import input_grads, local_derivatives, recorded_ops

from .functions import Cube


def value_graph():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    return (x * w + Cube.apply(x)).tanh() * 0.5, (x, w)


def tensor_graph():
    rng = np.random.default_rng(0)
    a = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="a")
    b = Tensor(rng.normal(size=(2,)), requires_grad=True, label="b")
    return ((a * b).tanh() @ b + Cube.apply(a).sum(axis=1)).sum(), (a, b)


def replay(root, seed):
    """Backpropagate with input_grads alone: the chain rule over the records, nothing else."""
    grads = {id(root): seed}
    for node in reversed(recorded_ops(root)):
        for x, c in zip(node.inputs, input_grads(node, grads[id(node)])):
            if c is not None:
                grads[id(x)] = grads[id(x)] + c if id(x) in grads else c
    return grads


@pytest.mark.parametrize("make", [value_graph, tensor_graph])
def test_input_grads_replay_backward_before_and_after_it(make):
    root, leaves = make()
    seed = 1.0 if isinstance(root.data, float) else np.ones_like(root.data)
    before = replay(root, seed)
    assert all(x.grad in (0.0, None) for x in leaves)  # nothing written
    root.backward()  # frees the records' stored derivatives
    after = replay(root, seed)
    for x in leaves:
        np.testing.assert_allclose(before[id(x)], x.grad, rtol=1e-12)
        np.testing.assert_allclose(after[id(x)], x.grad, rtol=1e-12)


@pytest.mark.parametrize("make", [value_graph, tensor_graph])
def test_every_node_answers_the_contract(make):
    root, leaves = make()
    ops = recorded_ops(root)
    assert [n.seq for n in ops] == sorted(n.seq for n in ops) and ops[-1] is root
    for leaf in leaves:
        assert leaf.inputs == () and leaf.rule is None and leaf.seq == 0 and leaf.op == ""
        assert leaf.label in ("x", "w", "a", "b")
    for n in ops:
        assert n.seq > 0 and n.op == n.rule.name and isinstance(n.rule.symbol, str)
        f = n.rule.formula
        locs = local_derivatives(n)
        if isinstance(f, tuple):  # an elementwise or scalar op: one formula per input
            assert len(f) == len(n.inputs) and locs is not None and len(locs) == len(n.inputs)
            for d in locs:
                assert isinstance(d, float if isinstance(n.data, float) else np.ndarray)
        else:
            assert isinstance(f, str) and f
    names = {n.op for n in ops}
    assert "Cube" in names


def test_local_derivatives_are_the_rules_numbers():
    x, y = Value(2.0), Value(0.5)
    out = x * y
    assert local_derivatives(out) == (0.5, 2.0)
    t = (x * 1.0).tanh()
    assert local_derivatives(t) == pytest.approx((1 - np.tanh(2.0) ** 2,))
    a = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    m = a * np.array([[3.0], [4.0]])  # broadcast: the partials have the output's shape
    da, db = local_derivatives(m)
    assert da.shape == db.shape == (2, 2)
    np.testing.assert_array_equal(da, [[3.0, 3.0], [4.0, 4.0]])
    assert local_derivatives(a.sum()) is None  # a vector-Jacobian op
