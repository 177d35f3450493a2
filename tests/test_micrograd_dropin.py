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
