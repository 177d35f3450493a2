"""Every optimizer configuration against torch.optim 2.13: 100 steps from the same gradients."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nn
from autograd_lite import Value
from autograd_lite.tensor import Tensor

from .conftest import require

TOL = dict(rtol=1e-10, atol=1e-10)
SHAPES = [(3, 4), (4,), ()]

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.01, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-3)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.001, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.001, centered=True)),
    ("RMSprop", dict(lr=0.001, momentum=0.9)),
    ("RMSprop", dict(lr=0.001, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
]


def _gradients(steps: int, seed: int = 0) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    # gradients of varying scale, so that the adaptive methods' accumulators matter
    return [[rng.normal(size=s) * rng.uniform(0.1, 3.0) for s in SHAPES] for _ in range(steps)]


def _start() -> list[np.ndarray]:
    rng = np.random.default_rng(42)
    return [rng.normal(size=s) for s in SHAPES]


def _run_ours(name, kw, grads, params=None, opt=None):
    params = params or [Tensor(p.copy(), requires_grad=True) for p in _start()]
    opt = opt or getattr(nn.optim, name)(params, **kw)
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
    return params, opt


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_100_steps_match_torch(name, kw):
    torch = require("torch")
    grads = _gradients(100)
    params, opt = _run_ours(name, kw, grads)
    tparams = [torch.tensor(p, requires_grad=True) for p in _start()]
    topt = getattr(torch.optim, name)(tparams, **kw)
    for gs in grads:
        for p, g in zip(tparams, gs):
            p.grad = torch.tensor(g)
        topt.step()
    for ours, theirs in zip(params, tparams):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOL)
    # the same state, under PyTorch's names
    ts = topt.state_dict()["state"]
    os = opt.state_dict()["state"]
    assert set(os) == set(ts)
    for i in ts:
        assert set(os[i]) == set(ts[i]), (os[i].keys(), ts[i].keys())


def test_gd_is_plain_gradient_descent():
    p = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = nn.optim.GD([p], lr=0.5)
    p.grad = np.array([2.0, 2.0])
    opt.step()
    np.testing.assert_array_equal(p.data, [0.0, -3.0])


@pytest.mark.parametrize("name,kw", CONFIGS[1::3], ids=[n for n, _ in CONFIGS[1::3]])
def test_state_dict_round_trip_continues_identically(name, kw):
    grads = _gradients(60, seed=3)
    a, opt_a = _run_ours(name, kw, grads[:30])
    saved = copy.deepcopy(opt_a.state_dict())
    b = [Tensor(p.data.copy(), requires_grad=True) for p in a]
    opt_b = getattr(nn.optim, name)(b, **kw)
    opt_b.load_state_dict(saved)
    _run_ours(name, kw, grads[30:], a, opt_a)
    _run_ours(name, kw, grads[30:], b, opt_b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.data, y.data)


def test_schedulers_match_torch():
    torch = require("torch")
    grads = _gradients(40)
    for sched, skw in [("StepLR", dict(step_size=7, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9))]:
        params = [Tensor(p.copy(), requires_grad=True) for p in _start()]
        opt = nn.optim.SGD(params, lr=0.1, momentum=0.9)
        s = getattr(nn.optim, sched)(opt, **skw)
        tparams = [torch.tensor(p, requires_grad=True) for p in _start()]
        topt = torch.optim.SGD(tparams, lr=0.1, momentum=0.9)
        ts = getattr(torch.optim.lr_scheduler, sched)(topt, **skw)
        for gs in grads:
            for p, tp, g in zip(params, tparams, gs):
                p.grad = g.copy()
                tp.grad = torch.tensor(g)
            opt.step()
            topt.step()
            s.step()
            ts.step()
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), **TOL)


def test_param_groups_zero_grad_and_skipped_params():
    torch = require("torch")
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = nn.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    ta = torch.ones(3, dtype=torch.float64, requires_grad=True)
    tb = torch.ones(2, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([{"params": [ta]}, {"params": [tb], "lr": 0.1}], lr=0.01)
    a.grad, ta.grad = np.full(3, 0.5), torch.full((3,), 0.5, dtype=torch.float64)
    opt.step()  # b has no gradient: skipped, as in PyTorch
    topt.step()
    np.testing.assert_allclose(a.data, ta.detach().numpy(), **TOL)
    np.testing.assert_array_equal(b.data, np.ones(2))
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq"} and b not in opt.state
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="invalid lr"):
        nn.optim.SGD([a], lr=-1)
    with pytest.raises(ValueError, match="more than one group"):
        nn.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)


def test_values_are_parameters_too():
    w = Value(1.0)
    opt = nn.optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        assert w.grad == 0.0
        loss = (w - 3.0) ** 2
        loss.backward()
        opt.step()
    assert isinstance(w.data, float) and 1.0 < w.data < 3.0


def test_float32_parameters_stay_float32():
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = nn.optim.Adam([p], lr=0.1)
    p.grad = np.ones(3, np.float32)
    opt.step()
    assert p.data.dtype == np.float32
    assert opt.state_dict()["state"][0]["exp_avg"].dtype == np.float32
