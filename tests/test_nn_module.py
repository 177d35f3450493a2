"""Module, Linear, Sequential, MLP: parameters, state_dict, save/load (pickles refused), repr, init."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import nn
from autograd_lite.tensor import Tensor

from .conftest import require


def test_linear_matches_torch_forward_and_backward():
    torch = require("torch")
    lin = nn.Linear(4, 3)
    t = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(lin.weight.data))
        t.bias.copy_(torch.tensor(lin.bias.data))
    x = np.random.default_rng(0).normal(size=(5, 4))
    out = lin(x)
    tout = t(torch.tensor(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(lin.weight.grad, t.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(lin.bias.grad, t.bias.grad.numpy(), rtol=1e-12)


def test_linear_default_init_is_pytorchs():
    lin = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    assert lin.weight.data.shape == (400, 50) and lin.bias.data.shape == (400,)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.weight.data).max() > 0.98 * bound
    assert np.abs(lin.bias.data).max() <= bound
    assert lin.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    with pytest.raises(ValueError, match=r"Linear\(50, 400\) got input of shape \(2, 3\)"):
        lin(np.zeros((2, 3)))


def test_parameters_names_and_repr():
    model = nn.MLP([2, 3, 1], activation="tanh")
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(model.parameters())) == 4
    assert repr(model) == ("MLP(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Tanh()\n"
                           "  (2): Linear(in_features=3, out_features=1, bias=True)\n)")
    assert nn.MLP([64, 128, 10]).summary().splitlines()[-1].split() == ["total", "9,610"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1, bias=False))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    assert isinstance(seq[1], nn.ReLU) and len(seq) == 3


def test_custom_module_registers_attributes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 4)
            self.scale = nn.Parameter(np.ones(1))
            self.fc2 = nn.Linear(4, 1)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu()) * self.scale

    net = Net()
    # a module's own parameters come before its sub-modules', as in PyTorch
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight",
                                                      "fc2.bias"]
    net(np.ones((3, 2))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.eval().training is False and net.fc1.training is False
    assert net.train().fc2.training is True


def test_save_load_identical_predictions(tmp_path):
    X = np.random.default_rng(1).normal(size=(10, 3))
    a = nn.MLP([3, 8, 2])
    path = tmp_path / "model.npz"
    a.save(path)
    b = nn.MLP([3, 8, 2])
    assert not np.array_equal(a(X).data, b(X).data)
    b.load(path)
    np.testing.assert_array_equal(a(X).data, b(X).data)
    c = nn.MLP([3, 8, 2])
    a.save(tmp_path / "plain")  # numpy adds the .npz suffix; load finds it
    np.testing.assert_array_equal(a(X).data, c.load(tmp_path / "plain")(X).data)
    # a load writes into the existing arrays (an optimizer holding them keeps working)
    w = b[0].weight.data
    b.load(path)
    assert b[0].weight.data is w


def test_pickled_files_are_refused(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, **{"0.weight": np.array([{"not": "numbers"}], dtype=object)})
    with pytest.raises(ValueError, match="refusing to load .* pickled Python object"):
        nn.MLP([3, 2]).load(evil)
    raw = tmp_path / "raw.npy"
    with open(raw, "wb") as f:
        pickle.dump({"0.weight": 1}, f)
    with pytest.raises(ValueError, match="refusing to load"):
        nn.MLP([3, 2]).load(raw)
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single array of shape"):
        nn.MLP([3, 2]).load(tmp_path / "one.npy")


def test_missing_unexpected_and_misshapen_keys_are_named(tmp_path):
    model = nn.MLP([3, 4, 2])
    state = model.state_dict()
    del state["2.bias"]
    with pytest.raises(KeyError, match=r"missing key\(s\) \['2.bias'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"unexpected key\(s\) \['extra'\]"):
        model.load_state_dict(state)
    model.load_state_dict(state, strict=False)
    path = tmp_path / "small.npz"
    nn.MLP([3, 5, 2]).save(path)
    with pytest.raises(ValueError, match=r"mismatch for '0.weight': saved \(5, 3\), this model has \(4, 3\)"):
        model.load(path)


def test_state_dict_is_a_copy():
    model = nn.Linear(2, 2)
    sd = model.state_dict()
    sd["weight"][...] = 0
    assert model.weight.data.any()


def test_activation_modules():
    torch = require("torch")
    x = np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]])
    for ours, theirs in [(nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
                         (nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)),
                         (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
                         (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
                         (nn.Identity(), torch.nn.Identity())]:
        X = Tensor(x.copy(), requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        out, tout = ours(X), theirs(tx)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-15)
        g = np.arange(1.0, 6.0).reshape(1, 5)
        if out.requires_grad:
            out.backward(g)
            tout.backward(torch.tensor(g))
            np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(nn.Sign()(x).data, np.sign(x))
    np.testing.assert_array_equal(nn.Step()(x).data, (x > 0).astype(float))


def test_dropout_train_and_eval():
    d = nn.Dropout(0.5, generator=np.random.default_rng(0))
    x = np.ones((200, 50))
    y = d(x).data
    assert set(np.unique(y)) == {0.0, 2.0} and abs(y.mean() - 1) < 0.05
    d.eval()
    np.testing.assert_array_equal(d(x).data, x)
    model = nn.MLP([50, 20, 2], dropout=0.5)
    trainer = nn.Trainer(model, nn.CrossEntropyLoss(), None)
    np.testing.assert_array_equal(trainer.predict(x), trainer.predict(x))  # no dropout when predicting
    assert model.training  # and the mode is restored


def test_value_networks_save_and_load(tmp_path):
    import random

    random.seed(0)
    a = nn.scalar.MLP(2, [3, 1])
    a.save(tmp_path / "values.npz")
    random.seed(1)
    b = nn.scalar.MLP(2, [3, 1])
    assert a([0.5, -1.0]).data != b([0.5, -1.0]).data
    b.load(tmp_path / "values.npz")
    assert a([0.5, -1.0]).data == b([0.5, -1.0]).data
    assert all(isinstance(p.data, float) for p in b.parameters())


def test_float32_network_trains_in_float32():
    model = nn.MLP([2, 8, 2], dtype=np.float32)
    X, y = nn.data.blobs(64, centers=2, seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    nn.fit(model, nn.CrossEntropyLoss(), opt, (X.astype(np.float32), y), epochs=5, quiet=True)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert model(X.astype(np.float32)).data.dtype == np.float32
