"""Views at the scale of a network: names from the model, one box and one step per module, gradcheck
that points at the op, and views that write nothing into the graph."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd_lite import Function, GradcheckError, Tensor, Value, draw, gradcheck, step_through
from autograd_lite.cli import main

ROOT = Path(__file__).resolve().parents[1]
NODE = re.compile(r"^\t(\w+) \[label=", re.M)


def mlp_loss(batch: int = 4, backward: bool = False):
    model = nn.MLP([2, 16, 16, 2], activation="tanh", generator=np.random.default_rng(0))
    X, y = nn.data.two_moons(batch, noise=0.1, seed=0)
    loss = nn.CrossEntropyLoss()(model(Tensor(X)), y)
    if backward:
        loss.backward()
    return model, loss


def scalar_loss():
    from nn.scalar import MLP

    random.seed(0)
    net = MLP(2, [3, 1], activation="tanh")
    return net, (net([0.5, -1.0]) - 1.0) ** 2


def every_node(root):
    from autograd_lite.draw import nodes_of

    return nodes_of(root)


# --- names from the model --------------------------------------------------------------------------
def test_tensor_walk_names_parameters_input_and_layers() -> None:
    model, loss = mlp_loss()
    text = str(step_through(loss))
    for name, _ in model.named_parameters():
        assert f"∂L/∂{name} = " in text  # every parameter by its named_parameters() name
    assert "a1 = 0.matmul + 0.bias" in text and "z1 = tanh(a1)" in text
    assert "x @ 0.transpose" in text  # the data passed to the model reads as x
    assert not re.search(r"\bin\d+\b", text)  # no in1-style names at all


def test_scalar_walk_names_weights_and_biases_apart() -> None:
    net, loss = scalar_loss()
    text = str(step_through(loss))
    for name in ("L0.n0.w0", "L0.n0.w1", "L0.n0.b", "L1.n0.w2", "L1.n0.b"):
        assert f"∂L/∂{name} = " in text
    assert not re.search(r"\bin\d+\b", text)
    assert "L1.n0 - 1.0" in text  # a constant shows as its value
    assert "∂L/∂1.0" not in text  # and gets no gradient line


def test_names_are_unique_and_labels_win() -> None:
    model, _ = mlp_loss()
    x = Tensor(np.ones((3, 2)), label="batch")
    loss = nn.MSELoss()(model(x), np.zeros((3, 2)))
    walk = step_through(loss)
    names = [walk.name(v) for v in [*walk.leaves, *walk.ops] if not walk.names.is_constant(v)]
    assert len(names) == len(set(names))
    assert walk.name(x) == "batch"  # a user's label is never overridden
    assert "batch @ 0.transpose" in str(walk)


def test_a_target_reads_as_y() -> None:
    model, _ = mlp_loss()
    target = Tensor(np.zeros((3, 2)))
    loss = nn.MSELoss()(model(Tensor(np.ones((3, 2)))), target)
    walk = step_through(loss)
    assert walk.name(target) == "y" and "a3 - y" in str(walk)


def test_views_write_nothing_into_the_graph() -> None:
    model, loss = mlp_loss(backward=True)
    before = [(v.label, None if v.grad is None else np.array(v.grad)) for v in every_node(loss)]
    for view in (draw(loss).source, draw(loss, depth=1).source, step_through(loss).to_html(),
                 step_through(loss, depth=1).to_html()):
        assert "0.weight" in view
    after = [(v.label, v.grad) for v in every_node(loss)]
    for (lab0, g0), (lab1, g1) in zip(before, after):
        assert lab0 == lab1 == ""
        assert (g0 is None and g1 is None) or np.array_equal(g0, g1)


def test_engines_do_not_import_the_views() -> None:
    for engine in ("value.py", "tensor.py", "tape.py", "function.py"):
        src = (ROOT / "autograd_lite" / engine).read_text(encoding="utf-8")
        assert not re.search(r"from \.(draw|step|names|module_view|lecture)\b|import draw", src), engine
    assert Value._repr_svg_ is Tensor._repr_svg_  # wired by draw.py


# --- one box per module ------------------------------------------------------------------------------
def test_draw_depth_1_is_one_box_per_module() -> None:
    model, loss = mlp_loss(backward=True)
    source = draw(loss, depth=1).source
    nodes = NODE.findall(source)
    assert len(nodes) <= len(list(model.children())) + 1 + 2  # modules, the loss, x (and a target)
    for title in ("0: Linear(2→16)", "1: Tanh", "2: Linear(16→16)", "4: Linear(16→2)",
                  "CrossEntropyLoss"):
        assert title in source
    assert "0.weight (16, 2), grad max |g|" in source and "(4, 2) → (4, 16)" in source
    assert "rankdir=TB" in source and "rankdir=LR" in draw(loss, depth=1, rankdir="LR").source


def test_draw_depth_of_a_user_module_and_a_scalar_network() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(2, 3, generator=np.random.default_rng(1))
            self.fc2 = nn.Linear(3, 1, generator=np.random.default_rng(2))

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    out = Net()(Tensor(np.ones((5, 2)))).sum()
    source = draw(out, depth=1).source
    assert "fc1: Linear(2→3)" in source and "fc2: Linear(3→1)" in source and "fc1.weight" in source
    assert "ReLU" in source  # the op Net's own forward made stays an op between the two boxes
    walk = step_through(out, depth=1)
    assert walk.passed and "∂L/∂fc1.weight = δ1ᵀ x" in str(walk)
    _, loss = scalar_loss()
    loss.backward()
    source = draw(loss, depth=1).source
    assert "layers.0: Layer" in source and "L0.n2.w1" in source


def test_step_through_depth_1_walks_layer_by_layer_and_agrees_with_the_tape() -> None:
    model, loss = mlp_loss()
    walk = step_through(loss, depth=1)
    modules = len(list(model.children())) + 1  # the model's layers and the loss
    assert [s.phase for s in walk.steps] == ["forward"] * modules + ["backward"] * (modules + 1)
    text = str(walk)
    assert "δ2 = f'2 ⊙ (W3ᵀ δ3)" in text and "∂L/∂2.weight = δ2ᵀ z1" in text
    assert walk.passed and len(walk.checks) >= 10
    params = dict(model.named_parameters())
    seen = set()
    for c in walk.checks:  # the numbers shown are the tape's gradients
        name = c.what.removeprefix("∂L/∂")
        if name in params:
            assert np.allclose(c.formula, params[name].grad, rtol=1e-9, atol=1e-12)
            seen.add(name)
    assert seen == set(params)
    # the δ of layer 1 is the gradient the tape sent into its pre-activation a1
    d1 = next(c for c in walk.checks if c.what == "δ1")
    a1 = next(v for v in walk.ops if walk.name(v) == "a1")
    assert np.allclose(d1.formula, a1.grad)


def test_step_through_depth_1_of_a_scalar_network() -> None:
    net, loss = scalar_loss()
    walk = step_through(loss, depth=1)
    assert walk.passed
    text = str(walk)
    assert "through layers.1: Layer" in text and "∂L/∂L0.n2.w1 = " in text
    for name, p in net.named_parameters():
        assert p.grad != 0.0 or name.endswith("b")


def test_depth_must_be_a_depth() -> None:
    _, loss = mlp_loss()
    with pytest.raises(ValueError, match="depth must be None"):
        step_through(loss, depth=-1)
    with pytest.raises(ValueError, match="depth must be None"):
        draw(loss, depth="layers")


# --- gradcheck points at the op ----------------------------------------------------------------------
class WrongCube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2  # should be 3 x²


def test_gradcheck_names_the_function_with_a_wrong_backward() -> None:
    a, b = Value(0.7, label="a"), Value(-0.4, label="b")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: (WrongCube.apply(a * b) + b.tanh()).exp(), [a, b])
    msg = str(info.value)
    assert "the first op whose backward disagrees: #1 WrongCube, with respect to input 0" in msg
    assert info.value.report.culprit.op == "WrongCube"
    assert a.grad == 0.0 and b.grad == 0.0  # the inputs are left as they were


def test_gradcheck_names_the_op_on_tensors_too() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    W = Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    report = gradcheck(lambda x, W: WrongCube.apply(x @ W.T).tanh().sum(), [x, W],
                       raise_exception=False)
    assert not report and report.culprit.op == "WrongCube" and "from #1 matmul" in report.culprit.input
    assert "WrongCube" in repr(report)
    assert gradcheck(lambda x, W: (x @ W.T).tanh().sum(), [x, W]).culprit is None


# --- the command line ---------------------------------------------------------------------------------
def test_cli_steps_name_sub_expressions(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["graph", "x*y + tanh(x)", "x=2", "y=-3", "--steps", "-o", str(tmp_path / "g.gv")]) == 0
    text = capsys.readouterr().out
    assert "t1 = x * y" in text and "∂f/∂t1 = " in text and "∂f/∂x*y" not in text


def test_gradcheck_graph_names_the_models_parameters() -> None:
    from autograd_lite import gradcheck_graph

    _, loss = mlp_loss()
    report = gradcheck_graph(loss)
    inputs = " ".join(c.input for c in report.checks)
    assert "(0.weight)" in inputs and "(4.bias)" in inputs and "a1" in inputs
    assert not re.search(r"\bin\d+\b", repr(report))


def test_a_drawing_too_wide_to_read_says_how_to_get_a_smaller_one() -> None:
    from tests.conftest import require_dot

    require_dot()
    x = Value(0.5, label="x")
    y = x
    for _ in range(40):
        y = (y * 1.01).tanh()
    wide = draw(y)._repr_html_()
    assert "max-width: 100%" in wide and "hard to read" in wide and "depth=1" in wide
    assert "hard to read" not in draw(x * 2.0)._repr_html_()  # a small one just fits
