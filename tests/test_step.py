"""step_through: the walk's numbers are the tape's, written out as the chain rule."""

from __future__ import annotations

import importlib
import math
import re
import time

import pytest

from autograd_lite import Value, step_through
from tests.conftest import require_dot

draw_mod = importlib.import_module("autograd_lite.draw")  # the module, not the function


def neuron() -> tuple[Value, dict[str, Value]]:
    """The lecture's neuron z = tanh(x1 w1 + x2 w2 + b), at the numbers where ∂z/∂(x1 w1) = 0.5."""
    v = {n: Value(d, label=n) for n, d in
         [("x1", 2.0), ("x2", 0.0), ("w1", -3.0), ("w2", 1.0), ("b", 6.8813735870195432)]}
    z = (v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]).tanh()
    z.label = "z"
    return z, v


def test_forward_then_backward_with_numbers() -> None:
    z, v = neuron()
    walk = step_through(z)
    phases = [s.phase for s in walk.steps]
    assert phases == ["forward"] * 5 + ["backward"] * 6
    assert [s.op for s in walk.steps[:5]] == ["mul", "mul", "add", "add", "tanh"]
    assert walk.steps[5].op == "seed"
    text = str(walk)
    assert "forward 1: t1 = x1 * w1 = 2.0 * (-3.0) = -6.0" in text
    assert "local:    ∂z/∂t4 = 1 - z² = 0.5" in text
    assert "∂z/∂x1 = ∂z/∂t1 · ∂t1/∂x1 = 0.5 · (-3.0) = -1.5" in text
    tanh_step = walk.steps[6]
    assert tanh_step.upstream == 1.0
    assert tanh_step.local[0] == pytest.approx(0.5)
    assert tanh_step.received[0] == pytest.approx(0.5)


def test_runs_backward_once_and_not_again() -> None:
    z, v = neuron()
    walk = step_through(z)
    # the walk ran the backward: the leaves hold the usual gradients, equal to the walk's own
    assert v["x1"].grad == pytest.approx(-1.5)
    assert v["w1"].grad == pytest.approx(1.0)
    for leaf in v.values():
        assert walk.grad(leaf) == pytest.approx(leaf.grad)
    again = step_through(z)  # already backpropagated: nothing runs twice
    assert v["x1"].grad == pytest.approx(-1.5)
    assert str(again) == str(walk)


@pytest.mark.parametrize("retain", [False, True])
def test_after_a_users_backward(retain: bool) -> None:
    z, v = neuron()
    z.backward(retain_graph=retain)
    grads = {n: x.grad for n, x in v.items()}
    walk = step_through(z)
    assert {n: x.grad for n, x in v.items()} == grads
    assert walk.grad(v["x1"]) == pytest.approx(-1.5)


def test_shared_input_accumulates() -> None:
    x = Value(3.0, label="x")
    y = x * x + 2 * x
    walk = step_through(y)
    assert x.grad == pytest.approx(8.0)
    text = str(walk)
    assert "∂L/∂x +=" in text and "(so far ∂L/∂x = 8.0)" in text
    totals = [t for s in walk.steps for inp, t in zip(s.inputs, s.totals) if inp is x]
    assert totals[-1] == pytest.approx(8.0)


@pytest.mark.parametrize("make", [
    lambda a, b: (a / b).exp(), lambda a, b: (a ** 2.0 - b).sigmoid(), lambda a, b: (a * b).relu().sqrt(),
    lambda a, b: (a.abs() + b).log(), lambda a, b: -(a ** b),
])
def test_every_received_gradient_matches_backward(make) -> None:
    a, b = Value(1.3, label="a"), Value(0.7, label="b")
    out = make(a, b)
    walk = step_through(out)
    for leaf in (a, b):
        assert walk.grad(leaf) == pytest.approx(leaf.grad, rel=1e-12)
        # and both agree with a central difference
        h = 1e-6
        saved = leaf.data
        leaf.data = saved + h
        up = make(a, b).data
        leaf.data = saved - h
        down = make(a, b).data
        leaf.data = saved
        assert leaf.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_weighted_sum_record() -> None:
    from autograd_lite import weighted_sum

    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    out = weighted_sum(w, x, Value(0.25, label="b")).tanh()
    walk = step_through(out)
    assert walk.grad(w[0]) == pytest.approx(w[0].grad)
    assert walk.grad(x[1]) == pytest.approx(x[1].grad)
    assert math.isclose(walk.grad(x[1]), -1.0 * (1 - out.data ** 2))
    text = str(walk)
    assert "t1 = b + w1·x1 + w2·x2 = 0.25 + 0.5·2.0 + (-1.0)·3.0 = -1.75" in text
    assert "∂t1/∂w2 = x2 = 3.0" in text and "∂t1/∂x1 = w1 = 0.5" in text


def test_a_leaf_alone() -> None:
    x = Value(2.0, label="x")
    walk = step_through(x)
    assert [s.op for s in walk.steps] == ["seed"]
    assert "x = 2.0" in str(walk)


def test_needs_a_node() -> None:
    with pytest.raises(TypeError, match="step_through needs a Value or a Tensor"):
        step_through(3.0)


def test_holder_of_an_output() -> None:
    z, v = neuron()

    class Result:
        output = z

    assert len(step_through(Result()).steps) == 11


def test_html_is_self_contained_with_unique_ids() -> None:
    require_dot()
    z, _ = neuron()
    walk = step_through(z)
    one, two = walk._repr_html_(), walk._repr_html_()
    for page in (one, two):
        assert "<svg" in page and "<script>" in page and "Next" in page and "Previous" in page
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
        assert "<link" not in page and "@import" not in page
    ids = lambda page: set(re.findall(r'id="([^"]+)"', page))  # noqa: E731
    assert not ids(one) & ids(two)


def test_html_without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draw_mod, "dot_available", lambda: False)
    z, _ = neuron()
    page = step_through(z).to_html()
    assert "<svg" not in page
    assert "Graphviz" in page and "not installed" in page
    assert "agl-next" in page and "forward 1: t1 = x1 * w1" in page


def test_big_graph_is_fast() -> None:
    require_dot()
    xs = [Value(0.01 * i, label=f"x{i}") for i in range(150)]
    acc = xs[0]
    for x in xs[1:]:
        acc = (acc * x + 0.5).tanh()
    start = time.perf_counter()
    walk = step_through(acc)
    page = walk.to_html()
    assert len(walk.steps) > 600 and len(page) < 3_000_000
    assert time.perf_counter() - start < 10


# --- Tensors ---------------------------------------------------------------------------------------
def tensor_net():
    np = pytest.importorskip("numpy")
    tensor = pytest.importorskip("autograd_lite.tensor")
    rng = np.random.default_rng(0)
    x = tensor.Tensor(rng.normal(size=(4, 2)), label="x")
    W = tensor.Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = tensor.Tensor(np.zeros(3), requires_grad=True, label="b")
    loss = ((x @ W.T + b).tanh() ** 2.0).mean()
    return loss, W, b


def test_tensor_walk_matches_backward() -> None:
    import numpy as np

    loss, W, b = tensor_net()
    walk = step_through(loss)
    assert W.grad is not None and np.allclose(walk.grad(W), W.grad)
    assert np.allclose(walk.grad(b), b.grad)
    text = str(walk)
    assert "shapes: x(4, 2)" in text and "∂L/∂W = [[" in text
    assert "summed to shape (3,)" in text  # b was broadcast over the batch
    assert "∂L/∂a = g @ bᵀ" in text  # the rule of matmul, from the engine
    before = W.grad.copy()
    step_through(loss)  # already backpropagated: W.grad is not added to again
    assert np.array_equal(W.grad, before)


def test_tensor_non_scalar_output_needs_a_loss() -> None:
    import numpy as np

    tensor = pytest.importorskip("autograd_lite.tensor")
    W = tensor.Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*out.sum\(\)"):
        step_through(W * 2.0)


def test_tensor_html() -> None:
    require_dot()
    loss, W, b = tensor_net()
    page = step_through(loss).to_html()
    assert "<svg" in page and "shape (4, 3)" in page


# --- the lecture's δ_k, layer by layer ---------------------------------------------------------------
def test_layer_deltas_by_hand_weights_agree_with_the_tape() -> None:
    import numpy as np

    pytest.importorskip("autograd_lite.tensor")
    from autograd_lite.step import layer_deltas

    rng = np.random.default_rng(1)
    sizes = [3, 4, 4, 2]
    layers = [(rng.normal(size=(m, n)) / np.sqrt(n), rng.normal(size=m) * 0.1, "tanh")
              for n, m in zip(sizes[:-1], sizes[1:])]
    x, y = rng.normal(size=3), np.array([0.5, -0.5])
    r = layer_deltas(layers, x, y, loss="sse")
    assert r.passed and len(r.layers) == 3
    last = r.layers[-1]
    assert np.allclose(last.delta, (1 - last.z ** 2) * (last.z - y))  # δ_K = f'_K ⊙ loss'
    mid = r.layers[1]
    assert np.allclose(mid.delta, (1 - mid.z ** 2) * (layers[2][0].T @ last.delta[0]))
    assert np.allclose(mid.dW, np.outer(mid.delta, mid.z_prev))
    text = str(r)
    assert "δ_2 = f'_2 ⊙ (W_3ᵀ δ_3)" in text and "∂L/∂W_1 = δ_1 z_0ᵀ" in text
    assert "all layers agree with the tape" in text


def test_layer_deltas_catch_a_wrong_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    pytest.importorskip("autograd_lite.tensor")
    from autograd_lite import lecture as step

    f, _, text = step._ACTIVATIONS["tanh"]
    monkeypatch.setitem(step._ACTIVATIONS, "tanh", (f, lambda a, z: 1 + z * z, text))  # wrong f'
    rng = np.random.default_rng(0)
    layers = [(rng.normal(size=(3, 2)), np.zeros(3), "tanh"),
              (rng.normal(size=(1, 3)), np.zeros(1), "identity")]
    r = step.layer_deltas(layers, rng.normal(size=(5, 2)), rng.normal(size=(5, 1)))
    assert not r.passed and "DIFFERS from the tape" in str(r)


def test_layer_deltas_on_an_nn_mlp() -> None:
    import numpy as np

    nn = pytest.importorskip("nn")
    from autograd_lite.step import layer_deltas
    from autograd_lite.tensor import Tensor

    rng = np.random.default_rng(2)
    model = nn.MLP([2, 5, 3], activation="relu")
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 3, size=6)
    r = layer_deltas(model, X, y, nn.CrossEntropyLoss())
    assert r.passed and all(p.grad is None for p in model.parameters())  # the model is untouched
    loss = nn.CrossEntropyLoss()(model(Tensor(X)), y)
    loss.backward()
    assert np.allclose(model[0].weight.grad, r.layers[0].dW)
    assert np.allclose(model[2].bias.grad, r.layers[1].db)
    assert r.loss == pytest.approx(float(loss.data))
    assert "Σ_n δ_1 z_0ᵀ" in str(r) and "<pre" in r._repr_html_()
    with pytest.raises(ValueError, match="the loss must be one of"):
        layer_deltas(model, X, y, loss="hinge")


def test_neuron_graph_output_and_lists() -> None:
    nn = pytest.importorskip("nn")
    g = nn.NeuronGraph.xnor()
    out = g([1, 0])
    walk = step_through([out])
    assert walk.steps[-1].phase == "backward" and walk.root is out
    assert "w[x1->and]" in str(walk)
    for w in g.parameters():
        assert walk.grad(w) == pytest.approx(w.grad)
    with pytest.raises(ValueError, match="one output; got 2"):
        step_through([out, out])
