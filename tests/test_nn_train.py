"""Training end to end: micrograd's MLP of Values, XOR, two moons, digits (≥ 97% in under a minute),
the history, the stop on NaN, and the toy datasets and loader."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd_lite import Value

from .conftest import require

ROOT = Path(__file__).resolve().parents[1]


def test_scalar_mlp_is_micrograds():
    mg = require("micrograd.nn")
    random.seed(3)
    ours = nn.scalar.MLP(3, [4, 4, 1])
    random.seed(3)
    theirs = mg.MLP(3, [4, 4, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    x = [2.0, -1.0, 0.5]
    a, b = ours(x), theirs(x)
    assert a.data == b.data
    a.backward()
    b.backward()
    assert [p.grad for p in ours.parameters()] == [p.grad for p in theirs.parameters()]
    ours.zero_grad()
    assert all(p.grad == 0 for p in ours.parameters())
    assert isinstance(ours.parameters(), list) and len(ours.state_dict()) == 41


def test_value_mlp_learns_xor_to_100_percent():
    random.seed(0)
    model = nn.scalar.MLP(2, [8, 1])
    X, y = nn.data.truth_table("xor")
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    history = nn.fit(model, nn.MSELoss(), opt, (X, y.astype(float)), epochs=300, quiet=True)
    assert history.accuracy[-1] == 1.0
    assert [round(model(list(x)).data) for x in X] == [0, 1, 1, 0]
    # the same by hand, micrograd style, for a small network of Values
    random.seed(1)
    net = nn.scalar.MLP(2, [4, 4, 1], activation="tanh")
    for _ in range(200):
        loss = sum(((net(list(x)) - t) ** 2 for x, t in zip(X, 2.0 * y - 1)), Value(0.0))
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= 0.05 * p.grad
    assert [1 if net(list(x)).data > 0 else 0 for x in X] == [0, 1, 1, 0]


def test_tensor_mlp_learns_two_moons():
    X, y = nn.data.two_moons(500, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, seed=0)
    nn.manual_seed(0)
    model = nn.MLP([2, 32, 32, 2])
    loader = nn.data.DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=0)
    history = nn.fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.01), loader,
                     epochs=60, val_data=(X_test, y_test), quiet=True)
    assert history.val_accuracy[-1] >= 0.99
    assert len(history.loss) == 60 and history.loss[-1] < history.loss[0]


def test_digits_97_percent_in_under_a_minute():
    require("sklearn")
    spec = importlib.util.spec_from_file_location("digits_example", ROOT / "examples" / "digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    accuracy, seconds, model = module.main(quiet=True)
    assert accuracy >= 0.97, accuracy
    assert seconds < 60, seconds


def test_fit_stops_clearly_when_the_loss_is_nan():
    X = np.array([[0.0, 1.0], [np.nan, 0.0]])
    model = nn.MLP([2, 3, 1])
    with pytest.warns(RuntimeWarning, match="the loss became nan at epoch 1, batch 1"):
        history = nn.fit(model, nn.MSELoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                         (X, np.zeros((2, 1))), epochs=5, quiet=True)
    assert history.epochs == 0 and "smaller learning rate" in history.stopped
    assert not np.isnan(model[0].weight.data).any()  # no step was taken with a nan gradient


def test_fit_quiet_progress_bar_and_optional_tqdm(capsys, monkeypatch):
    X, y = nn.data.blobs(60, centers=3, seed=0)
    model = nn.MLP([2, 8, 3])
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=3, quiet=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert len(h.accuracy) == 3 and h["loss"] is h.loss and "3 epochs" in repr(h)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if tqdm were not installed
    h = nn.fit(model, nn.CrossEntropyLoss(), opt, (X, y), epochs=2)
    assert h.epochs == 2
    h = nn.fit(model, nn.MSELoss(), opt, (X, np.full((60, 3), 0.5)), epochs=1, quiet=True)
    assert h.accuracy == [None]  # regression: no accuracy


def test_datasets_are_seeded_and_shaped():
    for make in (nn.data.xor, nn.data.two_moons, nn.data.circles, nn.data.spirals, nn.data.blobs):
        X1, y1 = make(seed=5)
        X2, y2 = make(seed=5)
        X3, _ = make(seed=6)
        assert X1.shape[1] == 2 and len(X1) == len(y1) and y1.dtype == np.int64
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
        assert not np.array_equal(X1, X3)
    X, y = nn.data.spirals(300, n_classes=3, seed=0)
    assert sorted(np.bincount(y)) == [100, 100, 100]
    X, y = nn.data.truth_table("nand", signed=True)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [1, 1, 1, -1]
    assert nn.data.truth_table("and", n_inputs=3)[1].tolist() == [0] * 7 + [1]
    with pytest.raises(ValueError, match="unknown gate 'nope'"):
        nn.data.truth_table("nope")


def test_dataloader_shuffles_reproducibly():
    X = np.arange(10.0).reshape(10, 1)
    y = np.arange(10)
    a = nn.data.DataLoader((X, y), batch_size=4, shuffle=True, seed=0)
    b = nn.data.DataLoader((X, y), batch_size=4, shuffle=True, seed=0)
    ea1, ea2 = [yb.tolist() for _, yb in a], [yb.tolist() for _, yb in a]
    assert ea1 == [yb.tolist() for _, yb in b]  # same seed, same order
    assert ea1 != ea2  # a new order each epoch
    assert sorted(sum(ea1, [])) == list(range(10)) and [len(v) for v in ea1] == [4, 4, 2]
    assert len(a) == 3
    c = nn.data.DataLoader((X, y), batch_size=4, drop_last=True)
    assert [yb.tolist() for _, yb in c] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(c) == 2
    with pytest.raises(ValueError, match="first dimension"):
        nn.data.DataLoader((X, y[:5]))
