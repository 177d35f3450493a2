"""to_torch / from_torch against PyTorch 2.13: the same numbers, gradients and training, both ways."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.activations as A
from autograd_lite import Value
from autograd_lite.tensor import Tensor
from nn import torch_bridge

from .conftest import require
from .test_nn_optim import CONFIGS

TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}
F64 = TOL[np.float64]
ACTIVATIONS = sorted(set(A._BY_NAME) - {"linear"})  # every activation an MLP can be made with

LAYERS = {
    "Linear": lambda dt: nn.Linear(3, 4, dtype=dt),
    "Linear-no-bias": lambda dt: nn.Linear(3, 4, bias=False, dtype=dt),
    "Identity": lambda dt: nn.Identity(),
    "ReLU": lambda dt: nn.ReLU(),
    "Tanh": lambda dt: nn.Tanh(),
    "Sigmoid": lambda dt: nn.Sigmoid(),
    "LeakyReLU": lambda dt: nn.LeakyReLU(0.2),
    "Softmax": lambda dt: nn.Softmax(dim=-1),
    "Softmax-dim0": lambda dt: nn.Softmax(dim=0),
    "LogSoftmax": lambda dt: nn.LogSoftmax(dim=1),
    "Sign": lambda dt: nn.Sign(),
    "Step": lambda dt: nn.Step(),
    "Dropout-eval": lambda dt: nn.Dropout(0.3).eval(),
    **({"Softplus": lambda dt: nn.Softplus()} if hasattr(nn, "Softplus") else {}),
    **{f"MLP-{a}": (lambda dt, a=a: nn.MLP([3, 5, 4, 2], activation=a, dtype=dt)) for a in ACTIVATIONS},
    "MLP-output-dropout": lambda dt: nn.MLP([3, 6, 2], activation="tanh", output_activation="softmax",
                                            dropout=0.5, dtype=dt).eval(),
}


def _torch():
    torch = require("torch")
    torch.set_num_threads(1)  # tensors of a few dozen numbers: more threads only wait on each other
    return torch


def _in_features(model: nn.Module) -> int:
    first = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    return first.in_features if first is not None else 3


def _compare(model: nn.Module, dt, seed: int, n: int) -> None:
    """Outputs, input gradients and parameter gradients of ours and of model.to_torch() agree."""
    torch = _torch()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, _in_features(model))).astype(dt)
    tm = model.to_torch()
    X = Tensor(x.copy(), requires_grad=True)
    out = model(X)
    seed_grad = rng.normal(size=out.data.shape).astype(dt)
    (out * seed_grad).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    tout = tm(tx)
    (tout * torch.tensor(seed_grad)).sum().backward()
    assert tout.dtype == {np.float64: torch.float64, np.float32: torch.float32}[dt]
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dt])
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), **TOL[dt])
    tparams = dict(tm.named_parameters())
    assert set(tparams) == {name for name, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        assert tparams[name].dtype == tout.dtype
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), **TOL[dt], err_msg=name)


@pytest.mark.parametrize("dt", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("layer", LAYERS)
@settings(max_examples=5)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_layers_and_mlps_compute_what_torch_computes(layer, dt, seed, n):
    _compare(LAYERS[layer](dt), dt, seed, n)


@pytest.mark.parametrize("layer", LAYERS)
def test_from_torch_of_to_torch_gives_back_the_same_module(layer):
    _torch()
    for dt in (np.float64, np.float32):
        model = LAYERS[layer](dt)
        back = nn.from_torch(model.to_torch())
        assert repr(back) == repr(model).replace("MLP(", "Sequential(")
        assert back.training == model.training
        ours, theirs = model.state_dict(), back.state_dict()
        assert list(ours) == list(theirs)
        for k in ours:
            assert theirs[k].dtype == ours[k].dtype
            np.testing.assert_array_equal(theirs[k], ours[k])


def test_every_nn_module_class_converts():
    _torch()
    classes, stack = set(), [nn.Module]
    while stack:
        for c in stack.pop().__subclasses__():
            if c not in classes and c.__module__.startswith("nn.") and not c.__name__.startswith("_"):
                classes.add(c)
                stack.append(c)
    registry = torch_bridge._TO_TORCH
    missing = [c.__name__ for c in classes
               if not any(k in registry and c.forward is k.forward for k in c.__mro__)]
    assert not missing, f"no to_torch conversion for {missing}"


def test_parameters_are_copied_not_shared():
    torch = _torch()
    model = nn.MLP([2, 3, 1])
    before = model.state_dict()
    tm = model.to_torch()
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(1.0)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    back = nn.from_torch(tm)
    with torch.no_grad():
        tm[0].weight.zero_()
    np.testing.assert_array_equal(back[0].weight.data, before["0.weight"] + 1.0)


def test_a_module_used_twice_stays_shared():
    torch = _torch()
    shared = nn.Linear(3, 3, generator=np.random.default_rng(0))
    model = nn.Sequential(shared, nn.Tanh(), shared)
    tm = model.to_torch()
    assert tm[0] is tm[2] and [n for n, _ in tm.named_parameters()] == ["0.weight", "0.bias"]
    back = nn.from_torch(tm)
    assert back[0] is back[2]
    x = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_allclose(back(Tensor(x)).data, tm(torch.tensor(x)).detach().numpy(), **F64)


def test_dropout_in_training_mode_drops_and_scales_as_torch():
    torch = _torch()
    d = nn.Dropout(0.25)
    td = d.to_torch()
    assert isinstance(td, torch.nn.Dropout) and td.p == 0.25 and td.training
    x = np.arange(1.0, 2001.0)
    y = td(torch.tensor(x)).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75)
    assert 0.2 < 1 - kept.mean() < 0.3
    assert not nn.Dropout(0.25).eval().to_torch().training


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@settings(max_examples=5)
@given(seed=st.integers(0, 2**32 - 1))
def test_scalar_mlp_is_the_torch_sequential_it_amounts_to(activation, seed):
    torch = _torch()
    import random

    random.seed(seed)
    model = nn.scalar.MLP(3, [4, 3, 2], activation=activation)
    tm = model.to_torch()
    assert [type(m).__name__ for m in tm] == ["Linear", activation.capitalize().replace("Relu", "ReLU")] * 2 \
        + ["Linear"]
    rng = np.random.default_rng(seed)
    x, r = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    outs = [model(list(row)) for row in x]
    total = sum((o * float(ri) for out, rr in zip(outs, r) for o, ri in zip(out, rr)), Value(0.0))
    total.backward()
    tout = tm(torch.tensor(x))
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose([[o.data for o in out] for out in outs], tout.detach().numpy(), **F64)
    for i, layer in enumerate(model.layers):
        lin = tm[2 * i]
        np.testing.assert_allclose([[w.grad for w in n.w] for n in layer.neurons], lin.weight.grad.numpy(),
                                   **TOL[np.float64])
        np.testing.assert_allclose([n.b.grad for n in layer.neurons], lin.bias.grad.numpy(), **F64)


def _graphs():
    graphs = {"xnor": nn.NeuronGraph.xnor()}
    for i, act in enumerate(sorted(set(nn.graph._FUNCS) - {"linear"})):
        graphs[act] = nn.NeuronGraph.feedforward([3, 4, 2], activation=act, output_activation="tanh", seed=i)
    g = nn.NeuronGraph()  # not layered: an input feeds the output directly, and no output is declared
    g.add_node("a", kind="input").add_node("b", kind="input").add_node("h", activation="relu", bias=0.3)
    g.add_node("o", activation="sigmoid", bias=-0.2)
    g.add_edge("a", "h", 0.7).add_edge("b", "h", -1.1).add_edge("h", "o", 0.9).add_edge("a", "o", 0.4)
    graphs["skip"] = g
    return graphs


@pytest.mark.parametrize("name", list(_graphs()))
@settings(max_examples=5)
@given(seed=st.integers(0, 2**32 - 1))
def test_neuron_graph_is_evaluated_the_same_by_torch(name, seed):
    torch = _torch()
    g = _graphs()[name]
    tm = g.to_torch()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, len(g.inputs)))
    outs = [g(list(row)) for row in x]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    r = rng.normal(size=(6, len(outs[0])))
    total = sum((o * float(ri) for out, rr in zip(outs, r) for o, ri in zip(out, rr)), Value(0.0))
    total.backward()
    tout = tm(torch.tensor(x))
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose([[o.data for o in out] for out in outs], tout.detach().numpy(), **F64)
    np.testing.assert_allclose([w.grad for w in g.edges.values()], tm.weight.grad.numpy(), **TOL[np.float64])
    biases = [n.bias for n in g.nodes.values() if n.bias is not None]
    np.testing.assert_allclose([b.grad for b in biases], tm.bias.grad.numpy(), **TOL[np.float64])
    back = nn.from_torch(tm)
    assert list(back.nodes) == list(g.nodes) and list(back.edges) == list(g.edges)
    assert [n.activation for n in back.nodes.values()] == [n.activation for n in g.nodes.values()]
    assert back.outputs == g.outputs
    for (_, p), (_, q) in zip(g.named_parameters(), back.named_parameters()):
        assert p.data == q.data
    assert [v.data for v in np.ravel(back(list(x[0])))] == [v.data for v in np.ravel(g(list(x[0])))]


def test_perceptron_and_mcculloch_pitts():
    torch = _torch()
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    p = nn.Perceptron(2)
    assert p.fit(X, [0, 0, 0, 1])
    tp = p.to_torch()
    np.testing.assert_array_equal(tp(torch.tensor(X)).detach().numpy(), p(X).data)
    back = nn.from_torch(tp)
    np.testing.assert_array_equal(back.weight.data, p.weight.data)
    np.testing.assert_array_equal(back.bias.data, p.bias.data)
    unit = nn.McCullochPitts(threshold=1, inhibitory=[1])
    tu = unit.to_torch()
    np.testing.assert_array_equal(tu(torch.tensor(X)).numpy(), unit(X))
    again = nn.from_torch(tu)
    assert (again.threshold, again.inhibitory) == (1, (1,))


LOSSES = [
    (nn.L1Loss(), "regression"), (nn.MSELoss(reduction="sum"), "regression"),
    (nn.HuberLoss(delta=0.7), "regression"), (nn.SmoothL1Loss(beta=0.5, reduction="none"), "regression"),
    (nn.BCELoss(weight=np.linspace(0.5, 1.5, 3)), "probability"),
    (nn.BCEWithLogitsLoss(pos_weight=np.array([0.5, 2.0, 3.0])), "binary"),
    (nn.NLLLoss(weight=np.array([1.0, 2.0, 0.5]), ignore_index=1), "log_probability"),
    (nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"), "class"),
    (nn.CrossEntropyLoss(weight=np.array([0.2, 1.0, 3.0])), "class"),
]


@pytest.mark.parametrize("loss_fn,kind", LOSSES, ids=[repr(fn) for fn, _ in LOSSES])
def test_losses_convert_both_ways(loss_fn, kind):
    torch = _torch()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    target = {"regression": rng.normal(size=(5, 3)), "binary": rng.integers(0, 2, (5, 3)).astype(float),
              "probability": rng.uniform(size=(5, 3)), "class": rng.integers(0, 3, 5),
              "log_probability": rng.integers(0, 3, 5)}[kind]
    if kind == "probability":
        x = 1 / (1 + np.exp(-x))
    if kind == "log_probability":
        x = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    tl = loss_fn.to_torch()
    assert type(tl).__name__ == type(loss_fn).__name__
    X, tx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = loss_fn(X, target), tl(tx, torch.as_tensor(target))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOL[np.float64])
    back = nn.from_torch(tl)
    assert repr(back) == repr(loss_fn)
    for name in ("delta", "beta", "ignore_index", "label_smoothing", "weight", "pos_weight"):
        if hasattr(loss_fn, name):
            np.testing.assert_array_equal(getattr(back, name), getattr(loss_fn, name))
    np.testing.assert_allclose(back(Tensor(x), target).data, ours.data, rtol=0, atol=0)


# --- training continues on the other side ----------------------------------------------------------------
rng0 = np.random.default_rng(7)
X_TRAIN = rng0.normal(size=(32, 2))
Y_TRAIN = (X_TRAIN[:, 0] * X_TRAIN[:, 1] > 0).astype(int) + (X_TRAIN[:, 0] > 1).astype(int)
OPTIMIZERS = [("GD", dict(lr=0.3))] + CONFIGS


def _model() -> nn.Module:
    return nn.MLP([2, 8, 8, 3], activation="tanh", generator=np.random.default_rng(1))


def _steps_here(model, opt, steps: int) -> list[float]:
    loss_fn, out = nn.CrossEntropyLoss(), []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(Tensor(X_TRAIN)), Y_TRAIN)
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


def _steps_in_torch(tm, topt, steps: int) -> list[float]:
    torch = _torch()
    loss_fn, out = nn.CrossEntropyLoss().to_torch(), []
    x, y = torch.tensor(X_TRAIN), torch.tensor(Y_TRAIN)
    for _ in range(steps):
        topt.zero_grad()
        loss = loss_fn(tm(x), y)
        loss.backward()
        topt.step()
        out.append(loss.item())
    return out


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{k}" for n, k in OPTIMIZERS])
def test_20_steps_here_then_20_in_torch_equal_40_here(name, kw):
    torch = _torch()
    model = _model()
    reference = _steps_here(model, getattr(nn.optim, name)(model.parameters(), **kw), 40)
    model = _model()
    opt = getattr(nn.optim, name)(model.parameters(), **kw)
    first = _steps_here(model, opt, 20)
    assert first == reference[:20]
    tm = model.to_torch()
    topt = opt.to_torch(tm)
    assert type(topt) is getattr(torch.optim, "SGD" if name == "GD" else name)
    for k, v in opt.param_groups[0].items():
        if k != "params":
            assert topt.param_groups[0][k] == v, k
    np.testing.assert_allclose(_steps_in_torch(tm, topt, 20), reference[20:], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{k}" for n, k in OPTIMIZERS])
def test_20_steps_in_torch_then_20_here_equal_40_in_torch(name, kw):
    torch = _torch()
    cls = getattr(torch.optim, "SGD" if name == "GD" else name)

    def torch_model():
        torch.manual_seed(0)  # a model made in PyTorch, with PyTorch's own initialization
        return torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                   torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()

    tm = torch_model()
    reference = _steps_in_torch(tm, cls(tm.parameters(), **kw), 40)
    tm = torch_model()
    topt = cls(tm.parameters(), **kw)
    first = _steps_in_torch(tm, topt, 20)
    assert first == reference[:20]
    model = nn.from_torch(tm)
    opt = nn.optim.from_torch(topt, model)
    assert type(opt) is getattr(nn.optim, "SGD" if name == "GD" else name)
    np.testing.assert_allclose(_steps_here(model, opt, 20), reference[20:], rtol=1e-10, atol=1e-10)


SCHEDULES = [("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9))]


@pytest.mark.parametrize("sched,skw", SCHEDULES, ids=[s for s, _ in SCHEDULES])
def test_learning_rate_schedules_continue_on_both_sides(sched, skw):
    torch = _torch()

    def epochs_here(model, opt, s, n):
        out = []
        for _ in range(n):
            out += _steps_here(model, opt, 2)
            s.step()
        return out, s.get_last_lr()

    def epochs_in_torch(tm, topt, ts, n):
        out = []
        for _ in range(n):
            out += _steps_in_torch(tm, topt, 2)
            ts.step()
        return out, ts.get_last_lr()

    def make():
        model = _model()
        opt = nn.optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.2},
                            {"params": model[4].parameters()}], lr=0.5, momentum=0.9)
        return model, opt, getattr(nn.optim, sched)(opt, **skw)

    model, opt, s = make()
    reference, last_lr = epochs_here(model, opt, s, 20)
    model, opt, s = make()
    first, _ = epochs_here(model, opt, s, 10)
    tm = model.to_torch()
    topt = opt.to_torch(tm)
    ts = s.to_torch(topt)
    assert type(ts) is getattr(torch.optim.lr_scheduler, sched) and ts.get_last_lr() == s.get_last_lr()
    there, there_lr = epochs_in_torch(tm, topt, ts, 5)
    np.testing.assert_allclose(there, reference[20:30], rtol=1e-10, atol=1e-10)
    model = nn.from_torch(tm)
    opt = nn.optim.from_torch(topt, model)
    s = nn.optim.from_torch(ts, opt)
    assert type(s) is getattr(nn.optim, sched) and s.get_last_lr() == there_lr
    back, back_lr = epochs_here(model, opt, s, 5)
    np.testing.assert_allclose(back, reference[30:], rtol=1e-10, atol=1e-10)
    assert back_lr == pytest.approx(last_lr, rel=1e-15)


def test_parameter_groups_and_float32_state_carry_over():
    torch = _torch()
    model = nn.MLP([2, 4, 3], dtype=np.float32, generator=np.random.default_rng(0))
    opt = nn.optim.Adam([{"params": [model[0].weight, model[0].bias], "lr": 0.05},
                         {"params": [model[2].weight, model[2].bias]}], lr=0.01, amsgrad=True)
    _steps_here(model, opt, 3)
    tm = model.to_torch()
    topt = opt.to_torch(tm)
    assert [g["lr"] for g in topt.param_groups] == [0.05, 0.01]
    state = topt.state[tm[0].weight]
    assert state["exp_avg"].dtype == torch.float32 and float(state["step"]) == 3.0
    ours = opt.state[model[0].weight]
    np.testing.assert_array_equal(state["max_exp_avg_sq"].numpy(), ours["max_exp_avg_sq"])
    back = nn.optim.from_torch(topt, nn.from_torch(tm))
    assert [g["lr"] for g in back.param_groups] == [0.05, 0.01]
    assert back.state_dict()["state"][0]["exp_avg"].dtype == np.float32


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                     ("Adagrad", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True)),
                                     ("Adam", dict(lr=0.02))])
def test_scalar_networks_continue_in_torch_and_back(name, kw):
    import random

    torch = _torch()
    x = X_TRAIN[:8]
    y = np.where(Y_TRAIN[:8] > 0, 1.0, -1.0)

    def here(model, opt, steps):
        out = []
        for _ in range(steps):
            opt.zero_grad()
            preds = [model(list(row)) for row in x]
            loss = sum(((p - t) ** 2 for p, t in zip(preds, y)), Value(0.0)) / len(x)
            loss.backward()
            opt.step()
            out.append(loss.data)
        return out

    def there(tm, topt, steps):
        out = []
        for _ in range(steps):
            topt.zero_grad()
            loss = ((tm(torch.tensor(x)).reshape(-1) - torch.tensor(y)) ** 2).mean()
            loss.backward()
            topt.step()
            out.append(loss.item())
        return out

    for make in (lambda: nn.scalar.MLP(2, [4, 1], activation="tanh"),
                 lambda: nn.NeuronGraph.feedforward([2, 3, 1], activation="tanh",
                                                    output_activation="identity", seed=4)):
        random.seed(3)
        model = make()
        reference = here(model, getattr(nn.optim, name)(model.parameters(), **kw), 20)
        random.seed(3)
        model = make()
        opt = getattr(nn.optim, name)(model.parameters(), **kw)
        here(model, opt, 5)
        tm = model.to_torch()
        topt = opt.to_torch(tm)
        np.testing.assert_allclose(there(tm, topt, 10), reference[5:15], rtol=1e-10, atol=1e-10)
        if isinstance(model, nn.NeuronGraph):  # back again: a NeuronGraph comes back as one
            model = nn.from_torch(tm)
            np.testing.assert_allclose(here(model, nn.optim.from_torch(topt, model), 5), reference[15:],
                                       rtol=1e-10, atol=1e-10)


# --- what cannot be carried over, and a missing torch ---------------------------------------------------
class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3, generator=np.random.default_rng(0))
        self.scale = 0.5

    def forward(self, x):
        return x + self.scale * self.fc(x).tanh()


def test_a_forward_that_cannot_be_carried_over_is_named_with_what_to_write():
    _torch()
    model = nn.Sequential(nn.Linear(2, 3), Residual())
    with pytest.raises(TypeError, match=r"Sequential\.1 \(Residual\) cannot be carried over") as e:
        model.to_torch()
    assert "torch_forward(self, x)" in str(e.value) and "self.fc (Linear)" in str(e.value)


def test_a_forward_written_in_torch_carries_the_module_over():
    torch = _torch()

    class TorchResidual(Residual):
        def torch_forward(self, x):
            return x + self.scale * torch.tanh(self.fc(x))

    model = nn.Sequential(nn.Linear(2, 3), TorchResidual())
    tm = model.to_torch()
    assert isinstance(tm[1].fc, torch.nn.Linear) and tm[1].scale == 0.5
    x = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_allclose(model(Tensor(x)).data, tm(torch.tensor(x)).detach().numpy(), **TOL[np.float64])
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert len(opt.to_torch(tm).param_groups[0]["params"]) == 4


def test_a_torch_module_without_counterpart_is_named():
    torch = _torch()
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU())
    with pytest.raises(TypeError, match=r"Sequential\.1 is a torch\.nn\.modules\.activation\.GELU"):
        nn.from_torch(tm)
    model = nn.MLP([2, 3])
    with pytest.raises(TypeError, match="AdamW has no counterpart in nn.optim"):
        nn.optim.from_torch(torch.optim.AdamW(model.to_torch().parameters()), model)


def test_optimizer_and_model_must_be_converted_at_the_same_point():
    torch = _torch()
    model = nn.MLP([2, 3, 3], generator=np.random.default_rng(0))
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _steps_here(model, opt, 1)
    tm = model.to_torch()
    _steps_here(model, opt, 1)  # our model moved on; tm holds the old weights
    with pytest.raises(ValueError, match="does not hold the same numbers"):
        opt.to_torch(tm)
    with pytest.raises(ValueError, match="is not in this torch model"):
        opt.to_torch(torch.nn.Linear(2, 3))
    tm = model.to_torch()
    topt = opt.to_torch(tm)
    _steps_in_torch(tm, topt, 1)  # now the torch model moved on, and our model holds the old weights
    with pytest.raises(ValueError, match=r"parameter 0 \(the model's '0.weight'\) does not hold the same"):
        nn.optim.from_torch(topt, model)
    # a torch model that to_torch did not make is matched parameter by parameter, in order
    import copy

    twin = copy.deepcopy(model.to_torch())
    topt = opt.to_torch(twin)
    np.testing.assert_array_equal(topt.state[twin[2].weight]["momentum_buffer"].numpy(),
                                  opt.state[model[2].weight]["momentum_buffer"])


def test_an_activation_given_as_a_function_is_named():
    _torch()

    def swish(x):
        return x * x.sigmoid()

    with pytest.raises(TypeError, match=r"MLP\.1 is the activation function swish.*named activation"):
        nn.MLP([2, 3, 1], activation=swish).to_torch()


def test_without_torch_the_calls_name_the_extra(monkeypatch):
    model = nn.MLP([2, 3, 1])
    opt = nn.optim.Adam(model.parameters())
    schedule = nn.optim.StepLR(opt, step_size=2)
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` meets when it is not installed
    for call in (model.to_torch, nn.MSELoss().to_torch, lambda: opt.to_torch(object()),
                 lambda: schedule.to_torch(object()),
                 lambda: nn.from_torch(object()), lambda: nn.optim.from_torch(object(), model)):
        with pytest.raises(ImportError, match=r"pip install -e '\.\[torch\]'"):
            call()


def test_nn_imports_without_torch():
    code = "import sys, nn; nn.MLP([2, 1]); assert 'torch' not in sys.modules, 'torch was imported'"
    root = Path(__file__).resolve().parents[1]
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
