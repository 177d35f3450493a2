"""Bad inputs to Module, its state and its files: loading checks the whole file before any weight is
written, and a file that is not a saved model says what it is."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd_lite import Tensor

from .badinput import check, ids


@pytest.fixture
def world(tmp_path):
    model = nn.MLP([3, 4, 2], generator=np.random.default_rng(0))
    nn.MSELoss()(model(np.ones((2, 3))), np.zeros((2, 2))).backward()
    good = tmp_path / "good.npz"
    model.save(good)
    return SimpleNamespace(model=model, scalar=nn.scalar.MLP(2, [2, 1]), dir=tmp_path, good=good)


def _file(name, content):
    """A setup that writes ``content`` (bytes, or a function of the folder) and loads it."""

    def setup(w):
        path = w.dir / name
        data = content(w) if callable(content) else content
        path.write_bytes(data)
        w.file = path
        return lambda: w.model.load(path)

    return setup


def _npz(**arrays):
    def make(w):
        path = w.dir / "tmp_arrays.npz"
        np.savez(path, **arrays)
        return path.read_bytes()

    return make


def _saved_with(edit):
    """The model's own state, edited, saved and loaded back."""

    def make(w):
        sd = w.model.state_dict()
        edit(sd)
        path = w.dir / "edited.npz"
        np.savez(path, **sd)
        return path.read_bytes()

    return make


def _set(key, value):
    return lambda sd: sd.__setitem__(key, value)


def _truncated(n):
    return lambda w: w.good.read_bytes()[:n]


def _sd(edit):
    def setup(w):
        sd = w.model.state_dict()
        sd = edit(sd) or sd
        return lambda: w.model.load_state_dict(sd)

    return setup


FILES = [
    ("text file", ValueError, ("text file", "Module.save"), _file("w.txt", b"weights: 1 2 3\n")),
    ("csv file", ValueError, ("text file",), _file("w.csv", b"1,2,3\n4,5,6\n")),
    ("empty file", ValueError, ("empty", "0 bytes"), _file("empty.npz", b"")),
    ("one byte", ValueError, ("not a numpy .npz file",), _file("one.npz", b"\x01")),
    ("binary junk", ValueError, ("not a numpy .npz file",), _file("junk.npz", bytes(range(256)))),
    ("truncated to 10", ValueError, ("truncated or damaged",), _file("t10.npz", _truncated(10))),
    ("truncated to 100", ValueError, ("truncated or damaged",), _file("t100.npz", _truncated(100))),
    (
        "truncated by half",
        ValueError,
        ("truncated or damaged",),
        _file("half.npz", lambda w: w.good.read_bytes()[: len(w.good.read_bytes()) // 2]),
    ),
    (
        "last byte cut",
        ValueError,
        ("truncated or damaged",),
        _file("cut.npz", lambda w: w.good.read_bytes()[:-1]),
    ),
    ("pickle", ValueError, ("refusing to load", "pickled"), _file("p.npz", pickle.dumps({"0.weight": 1}))),
    ("pickle protocol 0", ValueError, ("text file",), _file("p0.npz", pickle.dumps([1], protocol=0))),
    (
        "pickled array in npz",
        ValueError,
        ("pickled Python object",),
        _file("obj.npz", _npz(**{"0.weight": np.array([{}], dtype=object)})),
    ),
    ("single npy", ValueError, ("single array",), _file("one.npy", lambda w: _npy(w, np.zeros(3)))),
    (
        "npy pickle",
        ValueError,
        ("refusing to load",),
        _file("objarr.npy", lambda w: _npy(w, np.array([{}], dtype=object))),
    ),
    ("zip of text", ValueError, ("damaged",), _file("zip.npz", lambda w: _zip(w))),
    (
        "nan weight",
        ValueError,
        ("'0.weight'", "nan", "nothing was loaded"),
        _file("nan.npz", _saved_with(lambda sd: sd["0.weight"].__setitem__((0, 0), np.nan))),
    ),
    (
        "inf bias",
        ValueError,
        ("'2.bias'", "inf"),
        _file("inf.npz", _saved_with(lambda sd: sd["2.bias"].__setitem__(1, np.inf))),
    ),
    (
        "all nan last",
        ValueError,
        ("nan",),
        _file("nan2.npz", _saved_with(lambda sd: sd["2.weight"].fill(np.nan))),
    ),
    (
        "last array shape",
        ValueError,
        ("shape mismatch", "'2.bias'"),
        _file("shape.npz", _saved_with(_set("2.bias", np.zeros(3)))),
    ),
    (
        "first array shape",
        ValueError,
        ("'0.weight'",),
        _file("shape0.npz", _saved_with(_set("0.weight", np.zeros((3, 4))))),
    ),
    (
        "last array dtype str",
        TypeError,
        ("'2.bias'", "not numbers"),
        _file("dtype.npz", _saved_with(_set("2.bias", np.array(["a", "b"])))),
    ),
    (
        "last array bool",
        TypeError,
        ("'2.bias'",),
        _file("bool.npz", _saved_with(_set("2.bias", np.array([True, False])))),
    ),
    (
        "last array complex",
        TypeError,
        ("'2.bias'",),
        _file("cplx.npz", _saved_with(_set("2.bias", np.ones(2, complex)))),
    ),
    (
        "missing key",
        KeyError,
        ("missing key(s)", "2.bias"),
        _file("miss.npz", _saved_with(lambda sd: sd.pop("2.bias"))),
    ),
    (
        "unexpected key",
        KeyError,
        ("unexpected key(s)", "extra"),
        _file("extra.npz", _saved_with(_set("extra", np.zeros(1)))),
    ),
    ("another model", ValueError, ("shape mismatch",), _file("other.npz", lambda w: _other(w))),
    (
        "no such file",
        FileNotFoundError,
        ("no such file",),
        lambda w: lambda: w.model.load(w.dir / "nope.npz"),
    ),
    ("a folder", IsADirectoryError, ("folder",), lambda w: lambda: w.model.load(w.dir)),
    ("load(None)", TypeError, ("path", "None"), lambda w: lambda: w.model.load(None)),
    ("load(3)", TypeError, ("path", "file name"), lambda w: lambda: w.model.load(3)),
    ("load(state dict)", TypeError, ("path",), lambda w: lambda: w.model.load(w.model.state_dict())),
    ("save(None)", TypeError, ("save", "path"), lambda w: lambda: w.model.save(None)),
    (
        "save into no folder",
        FileNotFoundError,
        ("no folder",),
        lambda w: lambda: w.model.save(w.dir / "no" / "m.npz"),
    ),
    (
        "scalar model, array",
        ValueError,
        ("scalar Value",),
        lambda w: (
            lambda: w.scalar.load_state_dict({**w.scalar.state_dict(), "layers.0.neurons.0.w.0": np.zeros(2)})
        ),
    ),
    (
        "scalar model, nan",
        ValueError,
        ("nan",),
        lambda w: (
            lambda: w.scalar.load_state_dict(
                {**w.scalar.state_dict(), "layers.1.neurons.0.b": np.array(np.nan)}
            )
        ),
    ),
]


def _npy(w, arr):
    path = w.dir / "tmp_single.npy"
    np.save(path, arr, allow_pickle=True)
    return path.read_bytes()


def _zip(w):
    path = w.dir / "tmp.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("0.weight.npy", "not an array")
    return path.read_bytes()


def _other(w):
    path = w.dir / "tmp_other.npz"
    nn.MLP([3, 5, 2]).save(path)
    return path.read_bytes()


STATE = [
    (
        "load_state_dict(path)",
        TypeError,
        ("model.load(path)",),
        lambda w: lambda: w.model.load_state_dict(str(w.good)),
    ),
    ("load_state_dict(list)", TypeError, ("a dict",), lambda w: lambda: w.model.load_state_dict([1, 2])),
    (
        "load_state_dict(None)",
        TypeError,
        ("state_dict", "None"),
        lambda w: lambda: w.model.load_state_dict(None),
    ),
    (
        "strict='no'",
        TypeError,
        ("strict",),
        lambda w: lambda: w.model.load_state_dict(w.model.state_dict(), strict="no"),
    ),
    ("None value", TypeError, ("'0.bias'", "not numbers"), _sd(_set("0.bias", None))),
    ("string value", TypeError, ("'2.bias'",), _sd(_set("2.bias", "zeros"))),
    ("list of None", TypeError, ("'2.bias'",), _sd(_set("2.bias", [None, None]))),
    (
        "ragged",
        TypeError,
        ("'2.weight'",),
        _sd(_set("2.weight", np.array([[1.0], [1.0, 2.0]], dtype=object))),
    ),
    ("nan in last", ValueError, ("'2.bias'", "1 nan"), _sd(lambda sd: sd["2.bias"].__setitem__(0, np.nan))),
    ("shape last", ValueError, ("'2.bias'", "(3,)"), _sd(_set("2.bias", np.zeros(3)))),
    ("scalar for vector", ValueError, ("'2.bias'",), _sd(_set("2.bias", 0.5))),
    (
        "strict=False bad shape",
        ValueError,
        ("shape mismatch",),
        lambda w: lambda: w.model.load_state_dict({"2.bias": np.zeros(5)}, strict=False),
    ),
    (
        "strict=False nan",
        ValueError,
        ("nan",),
        lambda w: lambda: w.model.load_state_dict({"0.bias": np.full(4, np.nan)}, strict=False),
    ),
    ("Tensor value wrong shape", ValueError, ("'2.bias'",), _sd(_set("2.bias", Tensor(np.zeros(4))))),
]


def _seq(*mods):
    return lambda w: lambda: nn.Sequential(*mods)


MODULES = [
    ("Sequential(list)", TypeError, ("argument 0", "Sequential(*modules)"), _seq([nn.ReLU(), nn.Tanh()])),
    ("Sequential(function)", TypeError, ("argument 1", "function"), _seq(nn.ReLU(), np.tanh)),
    ("Sequential(3)", TypeError, ("argument 0", "int"), _seq(3)),
    ("Sequential(dict non-module)", TypeError, ("module 'a'",), _seq({"a": 3})),
    ("Sequential(dict dotted)", ValueError, ("module name", "'a.b'"), _seq({"a.b": nn.ReLU()})),
    ("Sequential(dict int name)", TypeError, ("module name",), _seq({1: nn.ReLU()})),
    (
        "Sequential append",
        TypeError,
        ("append", "module"),
        lambda w: lambda: nn.Sequential(nn.ReLU()).append("relu"),
    ),
    ("Sequential index", IndexError, ("index 5", "3 module(s)"), lambda w: lambda: w.model[5]),
    ("Sequential index str", TypeError, ("index", "'0'"), lambda w: lambda: w.model["0"]),
    ("Sequential index float", TypeError, ("index", "1.0"), lambda w: lambda: w.model[1.0]),
    ("ModuleList(module)", TypeError, ("ModuleList([module])",), lambda w: lambda: nn.ModuleList(nn.ReLU())),
    ("ModuleList(3)", TypeError, ("iterable of Modules",), lambda w: lambda: nn.ModuleList(3)),
    ("ModuleList([3])", TypeError, ("module 1",), lambda w: lambda: nn.ModuleList([nn.ReLU(), 3])),
    ("ModuleList append", TypeError, ("append",), lambda w: lambda: nn.ModuleList().append(None)),
    ("ModuleList index", IndexError, ("index 2",), lambda w: lambda: nn.ModuleList([nn.ReLU()])[2]),
    ("train('eval')", TypeError, ("train", "mode", "True or False"), lambda w: lambda: w.model.train("eval")),
    ("train(0)", TypeError, ("mode",), lambda w: lambda: w.model.train(0)),
    ("zero_grad('yes')", TypeError, ("set_to_none",), lambda w: lambda: w.model.zero_grad("yes")),
    ("apply(3)", TypeError, ("apply", "fn"), lambda w: lambda: w.model.apply(3)),
    ("Parameter(None)", TypeError, ("Parameter", "None"), lambda w: lambda: nn.Parameter(None)),
    ("Parameter('abc')", TypeError, ("Parameter", "'abc'"), lambda w: lambda: nn.Parameter("abc")),
    ("Parameter ragged", ValueError, ("rectangular",), lambda w: lambda: nn.Parameter([[1, 2], [3]])),
    ("Parameter objects", TypeError, ("None or other objects",), lambda w: lambda: nn.Parameter([1.0, None])),
    (
        "Parameter requires_grad",
        TypeError,
        ("requires_grad",),
        lambda w: lambda: nn.Parameter([1.0], requires_grad="yes"),
    ),
    (
        "forward not defined",
        NotImplementedError,
        ("does not define forward",),
        lambda w: lambda: nn.Module()(1),
    ),
]

CASES = FILES + STATE + MODULES


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_module_and_files(case, world):
    _, exc, words, setup = case
    check(world, exc, words, setup)


def test_a_failed_save_keeps_the_old_file(world, monkeypatch):
    before = world.good.read_bytes()
    other = nn.MLP([3, 4, 2])

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        other.save(world.good)
    assert world.good.read_bytes() == before
    assert sorted(p.name for p in Path(world.dir).iterdir()) == ["good.npz"]  # no temporary file is left


def test_zero_size_layers_save_and_load(world):
    m = nn.MLP([2, 0, 1])
    m.save(world.dir / "zero.npz")
    n = nn.MLP([2, 0, 1]).load(world.dir / "zero.npz")
    np.testing.assert_array_equal(n(np.ones((3, 2))).data, m(np.ones((3, 2))).data)
