"""Bad inputs to the optimizers and schedules: each is an error that names the argument, and a failed
``step`` or ``load_state_dict`` leaves every parameter, gradient and buffer as it was."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd_lite import Tensor
from nn import optim

from .badinput import check, ids


def world() -> SimpleNamespace:
    """A small model with gradients, each optimizer stepped once (so it has state), and a schedule."""
    model = nn.MLP([2, 3, 2], generator=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 2))
    nn.MSELoss()(model(X), np.zeros((5, 2))).backward()
    params = list(model.parameters())
    w = SimpleNamespace(model=model, params=params)
    w.sgd = optim.SGD(params, lr=0.1, momentum=0.9)
    w.plain = optim.SGD(params, lr=0.1)
    w.adam = optim.Adam(params, lr=0.01)
    w.ams = optim.Adam(params, lr=0.01, amsgrad=True)
    w.adagrad = optim.Adagrad(params)
    w.rms = optim.RMSprop(params, momentum=0.5, centered=True)
    for opt in (w.sgd, w.adam, w.ams, w.adagrad, w.rms):
        opt.step()  # each keeps its state
    w.sched_opt = optim.SGD(params, lr=0.1)
    w.sched = optim.StepLR(w.sched_opt, step_size=2)
    w.neuron = nn.scalar.Neuron(2)
    out = w.neuron([1.0, 2.0])
    out.backward()
    w.vopt = optim.Adam(w.neuron.parameters(), lr=0.1)
    w.vopt.step()
    return w


P = lambda w: w.model.parameters()  # noqa: E731
fresh = lambda: Tensor(np.zeros(2), requires_grad=True)  # noqa: E731


def call(fn, *a, **k):
    return lambda w: lambda: fn(w, *a, **k)


CONSTRUCTION = [
    (
        "SGD(model)",
        TypeError,
        ("SGD", "params", "pass model.parameters()"),
        lambda w: lambda: optim.SGD(w.model),
    ),
    ("SGD(one tensor)", TypeError, ("pass a list",), lambda w: lambda: optim.SGD(w.params[0])),
    ("SGD(3.0)", TypeError, ("params", "3.0"), lambda w: lambda: optim.SGD(3.0)),
    ("SGD('abc')", TypeError, ("params", "'abc'"), lambda w: lambda: optim.SGD("abc")),
    ("SGD(None)", TypeError, ("params", "None"), lambda w: lambda: optim.SGD(None)),
    ("SGD(dict)", TypeError, ("[group]",), lambda w: lambda: optim.SGD({"params": P(w)})),
    ("SGD([])", ValueError, ("empty parameter list",), lambda w: lambda: optim.SGD([])),
    (
        "SGD(empty generator)",
        ValueError,
        ("empty parameter list",),
        lambda w: lambda: optim.SGD(nn.ReLU().parameters()),
    ),
    (
        "SGD([ndarray])",
        TypeError,
        ("parameter 0", "nn.Parameter"),
        lambda w: lambda: optim.SGD([np.zeros(3)]),
    ),
    ("SGD([float])", TypeError, ("parameter 0", "1.5"), lambda w: lambda: optim.SGD([1.5])),
    ("SGD([p, 'x'])", TypeError, ("parameter 1", "'x'"), lambda w: lambda: optim.SGD([w.params[0], "x"])),
    (
        "SGD(constant tensor)",
        ValueError,
        ("requires_grad=False",),
        lambda w: lambda: optim.SGD([Tensor(np.zeros(3))]),
    ),
    ("SGD(non-leaf)", ValueError, ("leaf",), lambda w: lambda: optim.SGD([w.params[0] * 2])),
    ("SGD([p, p])", ValueError, ("more than one group",), lambda w: lambda: optim.SGD([w.params[0]] * 2)),
    (
        "SGD(mixed groups)",
        TypeError,
        ("not a mix",),
        lambda w: lambda: optim.SGD([{"params": [w.params[0]]}, w.params[1]]),
    ),
    ("SGD(group without params)", ValueError, ('"params"',), lambda w: lambda: optim.SGD([{"lr": 0.1}])),
    (
        "SGD(group typo)",
        ValueError,
        ("no option Lr",),
        lambda w: lambda: optim.SGD([{"params": P(w), "Lr": 1}]),
    ),
    (
        "SGD(group lr<0)",
        ValueError,
        ("invalid lr", "-1"),
        lambda w: lambda: optim.SGD([{"params": P(w), "lr": -1}]),
    ),
    ("SGD(['x'])", TypeError, ("parameter 0", "'x'"), lambda w: lambda: optim.SGD(["x"])),
    ("GD(model)", TypeError, ("GD", "model.parameters()"), lambda w: lambda: optim.GD(w.model)),
    ("GD lr<0", ValueError, ("invalid lr",), lambda w: lambda: optim.GD(P(w), lr=-1)),
]

# (optimizer, keyword, bad value, exception, words)
HYPER = [
    ("SGD", "lr", "0.1", TypeError, ("invalid lr", "'0.1'", "pass a number")),
    ("SGD", "lr", -0.1, ValueError, ("invalid lr", "-0.1", ">= 0")),
    ("SGD", "lr", float("nan"), ValueError, ("invalid lr", "nan")),
    ("SGD", "lr", float("inf"), ValueError, ("invalid lr", "inf")),
    ("SGD", "lr", None, TypeError, ("invalid lr", "None")),
    ("SGD", "lr", True, TypeError, ("invalid lr", "True")),
    ("SGD", "lr", [0.1], TypeError, ("invalid lr", "[0.1]")),
    ("SGD", "lr", 1 + 2j, TypeError, ("invalid lr",)),
    ("SGD", "momentum", -0.5, ValueError, ("momentum", "-0.5")),
    ("SGD", "momentum", "0.9", TypeError, ("momentum", "'0.9'")),
    ("SGD", "weight_decay", -1, ValueError, ("weight_decay", "-1")),
    ("SGD", "dampening", "x", TypeError, ("dampening",)),
    ("SGD", "nesterov", "yes", TypeError, ("nesterov", "True or False")),
    ("SGD", "maximize", 1, TypeError, ("maximize", "True or False")),
    ("SGD", "maximize", None, TypeError, ("maximize",)),
    ("Adam", "betas", (0.9,), ValueError, ("betas", "pair")),
    ("Adam", "betas", 0.9, TypeError, ("betas", "pair", "0.9")),
    ("Adam", "betas", (0.9, 0.9, 0.9), ValueError, ("betas", "pair")),
    ("Adam", "betas", (1.0, 0.999), ValueError, ("betas[0]", "[0.0, 1.0)")),
    ("Adam", "betas", (0.9, -0.1), ValueError, ("betas[1]",)),
    ("Adam", "betas", ("0.9", 0.999), TypeError, ("betas[0]", "'0.9'")),
    ("Adam", "betas", None, TypeError, ("betas",)),
    ("Adam", "betas", "ab", TypeError, ("betas",)),
    ("Adam", "betas", (0.9, float("nan")), ValueError, ("betas[1]", "nan")),
    ("Adam", "eps", -1e-8, ValueError, ("eps",)),
    ("Adam", "eps", "1e-8", TypeError, ("eps",)),
    ("Adam", "amsgrad", None, TypeError, ("amsgrad",)),
    ("Adam", "weight_decay", -0.1, ValueError, ("weight_decay",)),
    ("Adam", "lr", -1, ValueError, ("invalid lr",)),
    ("Adam", "lr", "fast", TypeError, ("invalid lr", "'fast'")),
    ("Adagrad", "lr_decay", -1, ValueError, ("lr_decay",)),
    ("Adagrad", "initial_accumulator_value", -1, ValueError, ("initial_accumulator_value",)),
    ("Adagrad", "eps", -1, ValueError, ("eps",)),
    ("Adagrad", "lr", "x", TypeError, ("lr",)),
    ("Adagrad", "maximize", "no", TypeError, ("maximize",)),
    ("RMSprop", "alpha", -0.1, ValueError, ("alpha",)),
    ("RMSprop", "momentum", -1, ValueError, ("momentum",)),
    ("RMSprop", "centered", "no", TypeError, ("centered",)),
    ("RMSprop", "eps", float("nan"), ValueError, ("eps",)),
    ("RMSprop", "weight_decay", None, TypeError, ("weight_decay",)),
]


def _make(name, key, value):
    return lambda w: lambda: getattr(optim, name)(P(w), **{key: value})


CONSTRUCTION += [(f"{o}({k}={v!r})", e, words, _make(o, k, v)) for o, k, v, e, words in HYPER]
CONSTRUCTION += [
    (
        "SGD nesterov without momentum",
        ValueError,
        ("nesterov", "momentum > 0"),
        lambda w: lambda: optim.SGD(P(w), lr=0.1, nesterov=True),
    ),
    (
        "add_param_group(3)",
        TypeError,
        ("add_param_group", "group", "3"),
        lambda w: lambda: w.adam.add_param_group(3),
    ),
    (
        "add_param_group no params",
        ValueError,
        ('"params"',),
        lambda w: lambda: w.adam.add_param_group({"lr": 1}),
    ),
    (
        "add_param_group again",
        ValueError,
        ("more than one group",),
        lambda w: lambda: w.adam.add_param_group({"params": [w.params[0]]}),
    ),
    (
        "add_param_group bad lr",
        TypeError,
        ("invalid lr",),
        lambda w: lambda: w.adam.add_param_group({"params": [fresh()], "lr": "x"}),
    ),
    (
        "add_param_group bad param",
        TypeError,
        ("parameter 5",),
        lambda w: lambda: w.adam.add_param_group({"params": [fresh(), np.zeros(2)]}),
    ),
    (
        "add_param_group model",
        TypeError,
        ("model.parameters()",),
        lambda w: lambda: w.sgd.add_param_group({"params": w.model}),
    ),
    (
        "add_param_group typo",
        ValueError,
        ("no option beta",),
        lambda w: lambda: w.adam.add_param_group({"params": [fresh()], "beta": (0.9, 0.9)}),
    ),
]


@pytest.mark.parametrize("case", CONSTRUCTION, ids=ids(CONSTRUCTION))
def test_construction(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


# --- a step with a bad gradient changes nothing --------------------------------------------------
BAD_GRADS = [
    (
        "wrong shape, last",
        -1,
        lambda p: np.ones(p.data.shape + (1,)),
        ValueError,
        ("shape", "nothing was updated"),
    ),
    ("wrong shape, first", 0, lambda p: np.ones(7), ValueError, ("gradient of parameter 0", "shape (7,)")),
    ("transposed", 0, lambda p: np.ones(p.data.shape[::-1]), ValueError, ("shape (2, 3)", "(3, 2)")),
    ("a string", -1, lambda p: "abc", TypeError, ("gradient of parameter 3", "'abc'")),
    ("objects", -1, lambda p: np.array([None, 1.0], dtype=object), TypeError, ("None or other objects",)),
    ("nan", -1, lambda p: np.full(p.data.shape, np.nan), ValueError, ("nan", "nothing was updated")),
    ("inf", 1, lambda p: np.full(p.data.shape, np.inf), ValueError, ("inf", "detect_anomaly")),
    (
        "one nan",
        -1,
        lambda p: np.where(np.arange(p.data.size) == 1, np.nan, 1.0).reshape(p.data.shape),
        ValueError,
        ("1 nan",),
    ),
    ("short list", -1, lambda p: [1.0], ValueError, ("shape (1,)",)),
    ("complex", -1, lambda p: np.ones(p.data.shape, complex), TypeError, ("complex",)),
    ("None inside a list", -1, lambda p: [None, 1.0], TypeError, ("None",)),
    ("a dict", -1, lambda p: {"g": 1}, TypeError, ("gradient of parameter 3",)),
]
OPTS = ["sgd", "plain", "adam", "ams", "adagrad", "rms"]
STEP = [
    (f"{o}.step: {name}", o, i, make, exc, words) for o in OPTS for name, i, make, exc, words in BAD_GRADS
]


@pytest.mark.parametrize("case", STEP, ids=[c[0] for c in STEP])
def test_step_with_a_bad_gradient_updates_nothing(case):
    _, opt, i, make, exc, words = case

    def setup(w):
        p = w.params[i]
        p.grad = make(p)
        return getattr(w, opt).step

    check(world(), exc, words, setup)


def _set_value_grad(g):
    def setup(w):
        w.neuron.w[1].grad = g
        return w.vopt.step

    return setup


def _set_group(opt, key, v):
    def setup(w):
        getattr(w, opt).param_groups[0][key] = v
        return getattr(w, opt).step

    return setup


STEP_MORE = [
    ("Value grad string", TypeError, ("gradient of parameter 1", "'abc'"), _set_value_grad("abc")),
    ("Value grad nan", ValueError, ("nan",), _set_value_grad(float("nan"))),
    ("Value grad array", ValueError, ("shape (2,)", "shape ()"), _set_value_grad(np.ones(2))),
    ("Value grad inf", ValueError, ("inf",), _set_value_grad(float("-inf"))),
    ("Value grad None object", TypeError, ("gradient of parameter 1",), _set_value_grad({"g": 1})),
    ("group lr str", TypeError, ("step", "invalid lr", "'0.1'"), _set_group("sgd", "lr", "0.1")),
    ("group lr negative", ValueError, ("invalid lr",), _set_group("adam", "lr", -1.0)),
    ("group betas", ValueError, ("betas",), _set_group("adam", "betas", (0.9,))),
    ("group momentum None", TypeError, ("momentum",), _set_group("rms", "momentum", None)),
    ("group eps nan", ValueError, ("eps",), _set_group("adagrad", "eps", float("nan"))),
]


@pytest.mark.parametrize("case", STEP_MORE, ids=ids(STEP_MORE))
def test_step_more(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


# --- loading an optimizer's state is all or nothing ------------------------------------------------
def _load(opt, edit):
    def setup(w):
        o = getattr(w, opt)
        sd = o.state_dict()
        sd = edit(sd, w) or sd
        return lambda: o.load_state_dict(sd)

    return setup


def _state(i, key, v):
    def edit(sd, w):
        sd["state"][i][key] = v

    return edit


LOAD = [
    (
        "adam: index 7",
        ValueError,
        ("parameter index 7", "nothing was loaded"),
        _load("adam", lambda sd, w: sd["state"].__setitem__(7, sd["state"][0])),
    ),
    (
        "sgd: index 7",
        ValueError,
        ("parameter index 7",),
        _load("sgd", lambda sd, w: sd["state"].__setitem__(7, sd["state"][0])),
    ),
    (
        "adam: index -1",
        ValueError,
        ("parameter index -1",),
        _load("adam", lambda sd, w: sd["state"].__setitem__(-1, sd["state"][0])),
    ),
    (
        "adam: key 'abc'",
        TypeError,
        ("state key", "'abc'"),
        _load("adam", lambda sd, w: sd["state"].__setitem__("abc", sd["state"][0])),
    ),
    (
        "adam: a list",
        TypeError,
        ("state_dict", "param_groups"),
        lambda w: lambda: w.adam.load_state_dict([1, 2]),
    ),
    ("adam: a path", TypeError, ("state_dict",), lambda w: lambda: w.adam.load_state_dict("opt.npz")),
    (
        "adam: no param_groups",
        TypeError,
        ("param_groups",),
        _load("adam", lambda sd, w: {"state": sd["state"]}),
    ),
    ("adam: state a list", TypeError, ("invalid state",), _load("adam", lambda sd, w: {**sd, "state": []})),
    (
        "adam: groups a dict",
        TypeError,
        ("param_groups",),
        _load("adam", lambda sd, w: {**sd, "param_groups": {"params": [0]}}),
    ),
    (
        "adam: two groups",
        ValueError,
        ("2 parameter group(s)",),
        _load("adam", lambda sd, w: {**sd, "param_groups": sd["param_groups"] * 2}),
    ),
    (
        "adam: group size",
        ValueError,
        ("group 0 has 3 parameter(s)",),
        _load("adam", lambda sd, w: sd["param_groups"][0].__setitem__("params", [0, 1, 2])),
    ),
    (
        "adam: index 'a'",
        TypeError,
        ("parameter indices",),
        _load("adam", lambda sd, w: sd["param_groups"][0].__setitem__("params", ["a", 1, 2, 3])),
    ),
    (
        "adam: duplicate index",
        ValueError,
        ("appears twice",),
        _load("adam", lambda sd, w: sd["param_groups"][0].__setitem__("params", [0, 0, 1, 2])),
    ),
    (
        "adam: buffer shape",
        ValueError,
        ("exp_avg", "shape (5,)", "nothing was loaded"),
        _load("adam", _state(0, "exp_avg", np.zeros(5))),
    ),
    (
        "adam: buffer nan",
        ValueError,
        ("exp_avg_sq", "nan"),
        _load("adam", _state(3, "exp_avg_sq", np.full((2,), np.nan))),
    ),
    ("adam: buffer str", TypeError, ("exp_avg",), _load("adam", _state(1, "exp_avg", "zeros"))),
    ("adam: step -1", ValueError, ("step",), _load("adam", _state(1, "step", -1.0))),
    ("adam: step str", TypeError, ("step",), _load("adam", _state(1, "step", "3"))),
    (
        "adam: missing buffer",
        ValueError,
        ("buffers", "exp_avg_sq"),
        _load("adam", lambda sd, w: (sd["state"][2].pop("exp_avg_sq"), None)[1]),
    ),
    (
        "adam: entry not a dict",
        TypeError,
        ("state of parameter 2",),
        _load("adam", lambda sd, w: sd["state"].__setitem__(2, [1, 2])),
    ),
    (
        "adam: sgd's state",
        ValueError,
        ("another optimizer",),
        _load("adam", lambda sd, w: {**sd, "state": w.sgd.state_dict()["state"]}),
    ),
    (
        "ams: adam's state",
        ValueError,
        ("max_exp_avg_sq",),
        _load("ams", lambda sd, w: {**sd, "state": w.adam.state_dict()["state"]}),
    ),
    (
        "sgd: adam's state",
        ValueError,
        ("momentum_buffer",),
        _load("sgd", lambda sd, w: {**sd, "state": w.adam.state_dict()["state"]}),
    ),
    (
        "rms: adagrad's state",
        ValueError,
        ("square_avg",),
        _load("rms", lambda sd, w: {**sd, "state": w.adagrad.state_dict()["state"]}),
    ),
    ("adagrad: sum shape", ValueError, ("'sum'",), _load("adagrad", _state(0, "sum", np.zeros((2, 3))))),
    (
        "adam: group lr",
        TypeError,
        ("invalid lr",),
        _load("adam", lambda sd, w: sd["param_groups"][0].__setitem__("lr", "0.1")),
    ),
    (
        "adam: group betas",
        ValueError,
        ("betas",),
        _load("adam", lambda sd, w: sd["param_groups"][0].__setitem__("betas", (0.9,))),
    ),
    (
        "sgd: group momentum",
        ValueError,
        ("momentum",),
        _load("sgd", lambda sd, w: sd["param_groups"][0].__setitem__("momentum", -1)),
    ),
    (
        "rms: momentum buffer inf",
        ValueError,
        ("inf",),
        _load("rms", _state(2, "momentum_buffer", np.full((2, 3), np.inf))),
    ),
    ("value adam: buffer shape", ValueError, ("shape ()",), _load("vopt", _state(0, "exp_avg", np.zeros(3)))),
]


@pytest.mark.parametrize("case", LOAD, ids=ids(LOAD))
def test_load_state_dict_all_or_nothing(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


# --- schedules ---------------------------------------------------------------------------------------
def _sched_load(edit):
    def setup(w):
        sd = w.sched.state_dict()
        sd = edit(sd) or sd
        return lambda: w.sched.load_state_dict(sd)

    return setup


SCHED = [
    ("StepLR step_size=0", ValueError, ("step_size", ">= 1"), lambda w: lambda: optim.StepLR(w.sched_opt, 0)),
    ("StepLR step_size=-1", ValueError, ("step_size", "-1"), lambda w: lambda: optim.StepLR(w.sched_opt, -1)),
    (
        "StepLR step_size=1.5",
        TypeError,
        ("step_size", "an int"),
        lambda w: lambda: optim.StepLR(w.sched_opt, 1.5),
    ),
    ("StepLR step_size=2.0", TypeError, ("pass 2",), lambda w: lambda: optim.StepLR(w.sched_opt, 2.0)),
    ("StepLR step_size='10'", TypeError, ("step_size",), lambda w: lambda: optim.StepLR(w.sched_opt, "10")),
    ("StepLR step_size=None", TypeError, ("step_size",), lambda w: lambda: optim.StepLR(w.sched_opt, None)),
    ("StepLR gamma=0", ValueError, ("gamma", "> 0"), lambda w: lambda: optim.StepLR(w.sched_opt, 2, gamma=0)),
    ("StepLR gamma<0", ValueError, ("gamma",), lambda w: lambda: optim.StepLR(w.sched_opt, 2, gamma=-0.1)),
    ("StepLR gamma str", TypeError, ("gamma",), lambda w: lambda: optim.StepLR(w.sched_opt, 2, gamma="0.1")),
    (
        "StepLR gamma nan",
        ValueError,
        ("gamma",),
        lambda w: lambda: optim.StepLR(w.sched_opt, 2, gamma=float("nan")),
    ),
    ("StepLR(model)", TypeError, ("optimizer", "not the model"), lambda w: lambda: optim.StepLR(w.model, 2)),
    (
        "ExponentialLR(model)",
        TypeError,
        ("ExponentialLR", "not the model"),
        lambda w: lambda: optim.ExponentialLR(w.model, 0.9),
    ),
    (
        "ExponentialLR(params)",
        TypeError,
        ("optimizer",),
        lambda w: lambda: optim.ExponentialLR(w.model.parameters(), 0.9),
    ),
    (
        "ExponentialLR(None)",
        TypeError,
        ("optimizer", "None"),
        lambda w: lambda: optim.ExponentialLR(None, 0.9),
    ),
    ("ExponentialLR gamma<0", ValueError, ("gamma",), lambda w: lambda: optim.ExponentialLR(w.sched_opt, -1)),
    (
        "ExponentialLR gamma list",
        TypeError,
        ("gamma",),
        lambda w: lambda: optim.ExponentialLR(w.sched_opt, [0.9]),
    ),
    (
        "last_epoch=-2",
        ValueError,
        ("last_epoch",),
        lambda w: lambda: optim.ExponentialLR(w.sched_opt, 0.9, last_epoch=-2),
    ),
    (
        "last_epoch=1.0",
        TypeError,
        ("last_epoch",),
        lambda w: lambda: optim.StepLR(w.sched_opt, 2, last_epoch=1.0),
    ),
    ("load a list", TypeError, ("state_dict",), lambda w: lambda: w.sched.load_state_dict([1])),
    ("load {}", ValueError, ("the keys",), lambda w: lambda: w.sched.load_state_dict({})),
    (
        "load another schedule",
        ValueError,
        ("another kind of schedule",),
        lambda w: (
            lambda: w.sched.load_state_dict(
                optim.ExponentialLR(optim.SGD([fresh()], lr=0.1), 0.5).state_dict()
            )
        ),
    ),
    (
        "load base_lrs length",
        ValueError,
        ("base_lrs", "one learning rate per parameter group"),
        _sched_load(lambda sd: sd.__setitem__("base_lrs", [0.1, 0.2])),
    ),
    (
        "load last_epoch str",
        TypeError,
        ("last_epoch",),
        _sched_load(lambda sd: sd.__setitem__("last_epoch", "3")),
    ),
    ("load step_size 0", ValueError, ("step_size",), _sched_load(lambda sd: sd.__setitem__("step_size", 0))),
    (
        "load lr negative",
        ValueError,
        ("_last_lr[0]",),
        _sched_load(lambda sd: sd.__setitem__("_last_lr", [-1.0])),
    ),
]


@pytest.mark.parametrize("case", SCHED, ids=ids(SCHED))
def test_schedules(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


def test_a_failed_step_then_a_good_one_is_one_step():
    """After the failed step is fixed, the optimizer continues as if the failure never happened."""
    a, b = world(), world()
    a.params[-1].grad = np.ones(7)
    with pytest.raises(ValueError):
        a.adam.step()
    a.params[-1].grad = b.params[-1].grad.copy()
    a.adam.step()
    b.adam.step()
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p.data, q.data)
    assert a.adam.state_dict()["state"][0]["step"] == 2.0
