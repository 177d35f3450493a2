"""micrograd drop-in: micrograd's own nn.py on autograd_lite's Value trains exactly as on micrograd's.

The workload is micrograd's demo notebook: two moons, MLP(2, [16, 16, 1]), SVM max-margin loss plus
1e-4 L2, learning rate 1.0 - 0.9 k / 100. Its ``micrograd.nn`` source runs twice, once as published
and once with its one import line swapped for ``from autograd_lite import Value``.
"""

from __future__ import annotations

import gc
import inspect
import random
import types

import numpy as np
import pytest

from .conftest import require

SWAP = ("from micrograd.engine import Value", "from autograd_lite import Value")
STEPS = 4


def nn_module(on_autograd_lite: bool) -> types.ModuleType:
    source = inspect.getsource(require("micrograd.nn"))
    assert SWAP[0] in source
    if on_autograd_lite:
        source = source.replace(*SWAP)
    module = types.ModuleType("micrograd_nn_on_autograd_lite" if on_autograd_lite else "micrograd_nn")
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    return module


def train(nn: types.ModuleType, X: np.ndarray, y: np.ndarray) -> tuple[list, list, list]:
    """The demo's loop, as the notebook writes it (Value is whatever the nn module imported)."""
    Value = nn.Value
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    losses, accuracies = [], []
    for k in range(STEPS):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(float(total_loss.data))
        accuracies.append(acc)
        del total_loss
        gc.collect()  # micrograd's graphs are cycles: free each one here, not during the next step
    return losses, accuracies, [float(p.data) for p in model.parameters()]


def test_micrograd_demo_gives_the_same_numbers_on_autograd_lite():
    datasets = require("sklearn.datasets")
    random.seed(1337)
    np.random.seed(1337)
    X, y = datasets.make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1

    ours = nn_module(True)
    from autograd_lite import Value

    assert ours.Value is Value
    theirs = nn_module(False)
    assert theirs.Value is require("micrograd.engine").Value

    got = train(ours, X, y)
    gc.disable()  # collected once per step instead of over and over during it (numbers unchanged)
    try:
        ref = train(theirs, X, y)
    finally:
        gc.enable()
    assert got[0] == pytest.approx(ref[0], rel=1e-9, abs=1e-12)  # losses, step by step
    assert got[1] == ref[1]  # accuracies
    assert got[2] == pytest.approx(ref[2], rel=1e-9, abs=1e-12)  # every parameter after training
    assert len(got[2]) == 337 and got[0][-1] < got[0][0]  # and it did learn


# --- micrograd's introspection: its test_engine.py, trace_graph.ipynb and the lecture, re-written --
# The programs below follow micrograd's own test/test_engine.py, its trace_graph.ipynb (trace and
# draw_dot over _prev, _op, data and grad) and the lecture that builds it (a neuron backpropagated by
# hand with _backward(), then by a topological sort over _prev). Each runs on micrograd's Value and
# on autograd_lite's, and every number must agree to 1e-12.


def engines():
    from autograd_lite import Value

    return Value, require("micrograd.engine").Value


def near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def sanity_check(Value):  # noqa: N803 - the engine's class
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return [y.data, x.grad]


def more_ops(Value):  # noqa: N803
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return [g.data, a.grad, b.grad]


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_micrograd_engine_tests_give_micrograds_numbers(program):
    ours, theirs = engines()
    got, ref = program(ours), program(theirs)
    assert all(near(a, b) for a, b in zip(got, ref)), (got, ref)
    T = require("torch")  # and PyTorch's, as micrograd's own test checks
    torch_ref = program(lambda x: T.tensor(x, dtype=T.float64, requires_grad=True))
    assert all(abs(a - float(b)) <= 1e-10 * max(1.0, abs(float(b))) for a, b in zip(got, torch_ref))


def trace(root):
    """trace_graph.ipynb's trace: every node and edge reachable through _prev."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    """trace_graph.ipynb's draw_dot, returning what it draws: each node's label and op node, each edge."""
    graphviz = require("graphviz")
    nodes, edges = trace(root)
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    drawn = []
    for n in nodes:
        label = "{ data %.4f | grad %.4f }" % (n.data, n.grad)  # noqa: UP031 - the notebook's code
        dot.node(name=str(id(n)), label=label, shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
        drawn.append((n._op, float(n.data), float(n.grad), len(n._prev)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        drawn.append(("edge", n1._op, float(n1.data), n2._op, float(n2.data)))
    assert dot.source
    return sorted(drawn, key=lambda t: tuple(f"{x:.9g}" if isinstance(x, float) else str(x) for x in t))


def same_drawing(got, ref):
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        same = all(near(a, b) if isinstance(a, float) else a == b for a, b in zip(g, r))
        assert len(g) == len(r) and same, (g, r)


def test_trace_graph_notebook_draws_what_micrograd_draws():
    ours, theirs = engines()

    def simple(Value):  # noqa: N803
        x = Value(1.0)
        y = (x * 2 + 1).relu()
        y.backward()
        return draw_dot(y)

    same_drawing(simple(ours), simple(theirs))

    def neuron(nn):
        random.seed(1337)
        n = nn.Neuron(2)
        x = [nn.Value(1.0), nn.Value(-2.0)]
        y = n(x)
        y.backward()
        return draw_dot(y)

    same_drawing(neuron(nn_module(True)), neuron(nn_module(False)))


def lecture_neuron(Value, by_hand):  # noqa: N803
    """The lecture's neuron o = tanh(x1 w1 + x2 w2 + b), backpropagated as the lecture does it."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    e = (2 * n).exp()
    o = (e - 1) / (e + 1) if not by_hand else n.tanh()
    o.label = "o"
    if by_hand:  # one _backward() per node, newest first, as on the lecture's blackboard
        o.grad = 1.0
        for v in (o, n, b, x1w1x2w2, x2w2, x1w1):
            v._backward()
    else:  # the lecture's topological sort over _prev, then _backward() in reverse
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(o)
        o.grad = 1.0
        for node in reversed(topo):
            node._backward()
    return [o.data] + [v.grad for v in (x1, x2, w1, w2, b, n)], [v.label for v in (x1w1, n, o)]


def lecture_tanh(self):
    """The lecture's own tanh method, added to micrograd's Value (0.1.0 has relu only)."""
    import math

    t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
    out = type(self)(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def lecture_exp(self):
    import math

    out = type(self)(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


@pytest.mark.parametrize("by_hand", [True, False])
def test_lecture_backpropagates_by_hand_as_micrograd(by_hand, monkeypatch):
    ours, theirs = engines()
    monkeypatch.setattr(theirs, "tanh", lecture_tanh, raising=False)
    monkeypatch.setattr(theirs, "exp", lecture_exp, raising=False)

    def labelled(data, label=""):  # the lecture's Value takes a label; micrograd 0.1.0's does not
        v = theirs(data)
        v.label = label
        return v

    got, labels = lecture_neuron(ours, by_hand)
    ref, _ = lecture_neuron(labelled, by_hand)
    assert all(near(a, r) for a, r in zip(got, ref)), (got, ref)
    assert labels == ["x1*w1", "n", "o"]
    assert near(got[3], 1.0) and near(got[1], -1.5)  # the lecture's numbers: ∂o/∂w1 = 1, ∂o/∂x1 = -1.5


def test_micrograd_op_names_children_and_constructor():
    from autograd_lite import Value

    a, b = Value(2.0), Value(-3.0)
    assert a._op == "" and a._prev == set()
    assert (a + b)._op == "+" and (a * b)._op == "*" and a.relu()._op == "ReLU"
    assert a.tanh()._op == "tanh" and a.exp()._op == "exp"
    assert (a ** 2)._op == "**2" and (a ** -1)._op == "**-1" and (a ** 0.5)._op == "**0.5"
    assert (a ** 2)._prev == {a}  # the exponent is not a child, as in micrograd
    assert len((a + a)._prev) == 1 and (a * b)._prev == {a, b}
    assert a._backward() is None  # a leaf's step does nothing
    with pytest.raises(TypeError, match="operators"):
        Value(1.0, (a, b), "+")


def test_backward_steps_make_no_reference_cycles():
    from autograd_lite import Value

    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = (x * 2.0 + 1.0).tanh()
        y.grad = 1.0
        step = y._backward
        step()
        for child in y._prev:
            child._backward()
        del y, step, child
        assert gc.collect() == 0  # all freed by reference counting: no cycle through _backward
    finally:
        gc.enable()
