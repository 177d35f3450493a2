"""Every loss against PyTorch 2.13: value and input gradient, each reduction, edge cases, bad targets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
import nn.functional as F
from autograd_lite import Value
from autograd_lite.tensor import Tensor

from .conftest import require

TOL = dict(rtol=1e-10, atol=1e-10)
REDUCTIONS = ("mean", "sum", "none")


def both(name: str, x: np.ndarray, target: np.ndarray, torch_target=None, **kw) -> None:
    """Our F.<name> and torch's on the same float64 input: values and input gradients agree."""
    torch = require("torch")
    tf = torch.nn.functional
    for reduction in REDUCTIONS:
        X = Tensor(x.copy(), requires_grad=True)
        out = getattr(F, name)(X, target, reduction=reduction, **kw)
        tx = torch.tensor(x, requires_grad=True)
        tt = torch.as_tensor(target if torch_target is None else torch_target)
        tkw = {k: (torch.as_tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        tout = getattr(tf, name)(tx, tt, reduction=reduction, **tkw)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL, err_msg=f"{name} {reduction}")
        seed = np.random.default_rng(1).normal(size=out.data.shape) + 1.5
        out.backward(seed)
        tout.backward(torch.as_tensor(seed))
        np.testing.assert_allclose(X.grad, tx.grad.numpy(), **TOL, err_msg=f"{name} {reduction} grad")


rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4)])
@pytest.mark.parametrize("name,kw", [("l1_loss", {}), ("mse_loss", {}), ("huber_loss", {"delta": 0.7}),
                                     ("huber_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                                     ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.0})])
def test_regression_losses_match_torch(name, kw, shape):
    x = rng.normal(size=shape) * 2
    both(name, x, rng.normal(size=shape) * 2, **kw)


def test_regression_edge_cases_match_torch():
    # exact zeros (l1's kink) and errors exactly at the threshold (Huber / smooth L1 switch)
    x = np.array([0.0, 1.0, -1.0, 0.5, 2.0, -0.7, 3.0])
    t = np.array([0.0, 0.0, 0.0, 0.5, 1.0, 0.0, 3.0])
    for name, kw in [("l1_loss", {}), ("mse_loss", {}), ("huber_loss", {"delta": 1.0}),
                     ("huber_loss", {"delta": 0.7}), ("smooth_l1_loss", {"beta": 1.0}),
                     ("smooth_l1_loss", {"beta": 0.7})]:
        both(name, x, t, **kw)


def test_bce_matches_torch_including_p_0_and_1():
    p = rng.uniform(0.01, 0.99, size=(6, 2))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    both("binary_cross_entropy", p, y)
    both("binary_cross_entropy", p, rng.uniform(size=(6, 2)))  # soft targets
    both("binary_cross_entropy", p, y, weight=rng.uniform(size=(6, 2)))
    # the log is clamped at -100: p = 0 or 1 gives a finite loss and gradient, as in PyTorch
    edge_p = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 1e-50, 1 - 1e-16])
    edge_y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    both("binary_cross_entropy", edge_p, edge_y)


def test_bce_with_logits_matches_torch_and_is_stable():
    x = rng.normal(size=(8, 3)) * 4
    y = rng.integers(0, 2, size=(8, 3)).astype(float)
    both("binary_cross_entropy_with_logits", x, y)
    both("binary_cross_entropy_with_logits", x, rng.uniform(size=(8, 3)))
    both("binary_cross_entropy_with_logits", x, y, weight=rng.uniform(size=(8, 3)))
    both("binary_cross_entropy_with_logits", x, y, pos_weight=np.array([0.5, 2.0, 3.0]))
    big = np.array([-1000.0, -40.0, -1e-3, 0.0, 0.0, 1e-3, 40.0, 1000.0])
    both("binary_cross_entropy_with_logits", big, np.array([0, 1, 0, 0, 1, 1, 0, 1.0]))


@pytest.mark.parametrize("shape", [(6, 4), (4,), (3, 4, 5)])
def test_cross_entropy_and_nll_match_torch(shape):
    x = rng.normal(size=shape) * 3
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, C, size=tshape)
    both("cross_entropy", x, t)
    both("nll_loss", x, t)
    w = rng.uniform(0.2, 2.0, size=C)
    both("cross_entropy", x, t, weight=w)
    both("nll_loss", x, t, weight=w)
    if len(shape) == 2:
        t2 = t.copy()
        t2[1] = -100
        both("cross_entropy", x, t2)
        both("nll_loss", x, t2, weight=w)
        t3 = t.copy()
        t3[2] = 1
        both("cross_entropy", x, t3, ignore_index=1)
        both("cross_entropy", x, t2, label_smoothing=0.1)
        both("cross_entropy", x, t2, weight=w, label_smoothing=0.2)
    both("cross_entropy", x, t, label_smoothing=0.3)
    both("cross_entropy", x, t, weight=w, label_smoothing=0.05)


def test_cross_entropy_with_class_probabilities_and_extreme_logits():
    x = rng.normal(size=(5, 3))
    probs = rng.dirichlet(np.ones(3), size=5)
    both("cross_entropy", x, probs)
    both("cross_entropy", x, probs, weight=np.array([1.0, 2.0, 0.5]))
    onehot = np.eye(3)[[0, 2, 1, 1, 0]]  # the slide's y_ik
    both("cross_entropy", x, onehot)
    both("cross_entropy", x, probs, label_smoothing=0.2)
    both("cross_entropy", x, onehot, weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1)
    both("cross_entropy", np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 1e4]]), np.array([1, 0]))


def test_modules_and_aliases():
    torch = require("torch")
    assert nn.MAE is nn.L1Loss and nn.MSE is nn.MSELoss and nn.SAE is nn.HuberLoss
    assert nn.BCE is nn.BCELoss and nn.CCE is nn.CrossEntropyLoss
    x = rng.normal(size=(4, 3))
    t = rng.integers(0, 3, size=4)
    for ours, theirs, target in [
        (nn.CrossEntropyLoss(reduction="sum"), torch.nn.CrossEntropyLoss(reduction="sum"), t),
        (nn.HuberLoss(delta=0.3), torch.nn.HuberLoss(delta=0.3), x[::-1].copy()),
        (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3), x[::-1].copy()),
        (nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), (x > 0).astype(float)),
    ]:
        got = ours(Tensor(x), target).data
        want = theirs(torch.tensor(x), torch.as_tensor(target)).numpy()
        np.testing.assert_allclose(got, want, **TOL)
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


def test_target_tensor_gets_a_gradient_too():
    torch = require("torch")
    x, y = rng.normal(size=5), rng.normal(size=5)
    X, Y = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    F.mse_loss(X, Y).backward()
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    torch.nn.functional.mse_loss(tx, ty).backward()
    np.testing.assert_allclose(Y.grad, ty.grad.numpy(), **TOL)


def test_losses_on_values():
    # a network of Values: a Value or a list of Values against numbers
    ps = [Value(0.2), Value(0.9)]
    loss = F.mse_loss(ps, [0.0, 1.0])
    assert abs(loss.data - (0.04 + 0.01) / 2) < 1e-15
    loss.backward()
    assert abs(ps[0].grad - 0.2) < 1e-15
    b = F.binary_cross_entropy(Value(0.8), 1.0)
    assert abs(b.data + np.log(0.8)) < 1e-15
    q = Value(0.0)
    F.binary_cross_entropy_with_logits(q, 1.0).backward()
    assert abs(q.grad - (0.5 - 1.0)) < 1e-15
    assert abs(F.huber_loss(Value(3.0), 0.0).data - 2.5) < 1e-15
    torch = require("torch")
    for kw in ({"pos_weight": 3.0}, {"weight": 0.5}):
        q = Value(-0.7)
        loss = F.binary_cross_entropy_with_logits(q, 1.0, **kw)
        loss.backward()
        tq = torch.tensor(-0.7, dtype=torch.float64, requires_grad=True)
        tkw = {k: torch.tensor(v, dtype=torch.float64) for k, v in kw.items()}
        one = torch.tensor(1.0, dtype=torch.float64)
        tl = torch.nn.functional.binary_cross_entropy_with_logits(tq, one, **tkw)
        tl.backward()
        assert abs(loss.data - tl.item()) < 1e-12 and abs(q.grad - tq.grad.item()) < 1e-12


@pytest.mark.parametrize("call,err,words", [
    (lambda: F.mse_loss(Tensor(np.zeros((3, 1))), np.zeros(3)), ValueError,
     "shape (3, 1) and target shape (3,)"),
    (lambda: F.l1_loss(Tensor(np.zeros(3)), np.zeros(4)), ValueError, "differ"),
    (lambda: F.binary_cross_entropy(Tensor(np.full(2, 0.5)), np.array([0.0, 2.0])), ValueError,
     "target must be in [0, 1], found 2.0"),
    (lambda: F.binary_cross_entropy(Tensor(np.array([1.5, 0.5])), np.array([0.0, 1.0])), ValueError,
     "input must be in [0, 1], found 1.5 (for logits"),
    (lambda: F.binary_cross_entropy_with_logits(Tensor(np.zeros(2)), np.array([-1.0, 1.0])), ValueError,
     "target must be in [0, 1]"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3])), IndexError,
     "class index 3 at position 1 is out of range for 3 classes (0 to 2)"),
    (lambda: F.nll_loss(Tensor(np.zeros((2, 3))), np.array([-1, 0])), IndexError, "class index -1"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.0, 1.0])), TypeError,
     "class targets must be integer class indices 0..2, got float64"),
    (lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [[0], [1]]), ValueError,
     "needs a target of shape (2,)"),
    (lambda: F.mse_loss(Tensor(np.zeros(2)), np.zeros(2), reduction="avg"), ValueError, "reduction must be"),
])
def test_bad_targets_are_named(call, err, words):
    with pytest.raises(err) as info:
        call()
    assert words in str(info.value)


def test_float32_stays_float32():
    x = Tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1, 2, 0]))
    assert loss.data.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    assert F.mse_loss(x, np.zeros((4, 3))).data.dtype == np.float32


FLOATS = st.floats(-30, 30, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
       name=st.sampled_from(["l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss",
                             "binary_cross_entropy", "binary_cross_entropy_with_logits"]),
       reduction=st.sampled_from(REDUCTIONS))
def test_elementwise_losses_on_random_inputs(data, shape, name, reduction):
    torch = require("torch")
    probs = name == "binary_cross_entropy"
    unit = st.floats(0, 1)
    x = data.draw(hnp.arrays(np.float64, shape, elements=unit if probs else FLOATS))
    bce = name.startswith("binary")
    t = data.draw(hnp.arrays(np.float64, shape, elements=unit if bce else FLOATS))
    X = Tensor(x.copy(), requires_grad=True)
    out = getattr(F, name)(X, t, reduction=reduction)
    tx = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, name)(tx, torch.tensor(t), reduction=reduction)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    out.backward(np.ones(out.data.shape))
    tout.backward(torch.ones(tout.shape, dtype=torch.float64))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), c=st.integers(1, 6), reduction=st.sampled_from(REDUCTIONS),
       smoothing=st.sampled_from([0.0, 0.1]), weighted=st.booleans())
def test_cross_entropy_on_random_inputs(data, n, c, reduction, smoothing, weighted):
    torch = require("torch")
    x = data.draw(hnp.arrays(np.float64, (n, c), elements=FLOATS))
    t = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    w = data.draw(hnp.arrays(np.float64, (c,), elements=st.floats(0.1, 3))) if weighted else None
    X = Tensor(x.copy(), requires_grad=True)
    out = F.cross_entropy(X, t, weight=w, reduction=reduction, label_smoothing=smoothing)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction=reduction,
                                             weight=None if w is None else torch.tensor(w),
                                             label_smoothing=smoothing)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    out.backward(np.ones(out.data.shape))
    tout.backward(torch.ones(tout.shape, dtype=torch.float64))
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
