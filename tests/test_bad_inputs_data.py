"""Bad inputs to the toy datasets, the split and the loader: the error names the argument and the
value given (``two_moons(-5)`` says -5), and the user's arrays are left as they were."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nn import data as D

from .badinput import check, ids


def world():
    X, y = D.two_moons(20, seed=0)
    return SimpleNamespace(X=X, y=y)


def c(fn):
    return lambda w: lambda: fn(w)


def gen(name, *args, **kwargs):
    return lambda w: lambda: getattr(D, name)(*args, **kwargs)


GENERATORS = ["xor", "two_moons", "circles", "spirals", "blobs"]
CASES = []
for g in GENERATORS:
    spread = "cluster_std" if g == "blobs" else "noise"
    CASES += [
        (
            f"{g}(-5)",
            ValueError,
            (g, "n_samples", "-5", ">= 1"),
            gen(g, -5),
        ),
        (f"{g}(0)", ValueError, (g, "n_samples", "0"), gen(g, 0)),
        (
            f"{g}(10.5)",
            TypeError,
            (g, "n_samples", "an int"),
            gen(g, 10.5),
        ),
        (
            f"{g}('100')",
            TypeError,
            (g, "n_samples", "'100'"),
            gen(g, "100"),
        ),
        (f"{g}(None)", TypeError, (g, "n_samples"), gen(g, None)),
        (
            f"{g} {spread}<0",
            ValueError,
            (g, spread, "-0.1", "standard deviation"),
            gen(g, 10, **{spread: -0.1}),
        ),
        (
            f"{g} {spread} nan",
            ValueError,
            (g, spread, "nan"),
            gen(g, 10, **{spread: float("nan")}),
        ),
        (
            f"{g} {spread} str",
            TypeError,
            (g, spread),
            gen(g, 10, **{spread: "0.1"}),
        ),
        (f"{g} seed -1", ValueError, (g, "seed"), gen(g, 10, seed=-1)),
        (f"{g} seed 1.5", TypeError, (g, "seed"), gen(g, 10, seed=1.5)),
        (f"{g} seed str", TypeError, (g, "seed"), gen(g, 10, seed="0")),
    ]
CASES += [
    ("circles factor 1", ValueError, ("factor", "(0.0, 1.0)"), c(lambda w: D.circles(10, factor=1.0))),
    ("circles factor 0", ValueError, ("factor",), c(lambda w: D.circles(10, factor=0))),
    ("circles factor str", TypeError, ("factor",), c(lambda w: D.circles(10, factor="0.5"))),
    ("spirals n_classes 0", ValueError, ("n_classes",), c(lambda w: D.spirals(10, n_classes=0))),
    (
        "spirals n_classes > n",
        ValueError,
        ("n_classes", "n_classes <= n_samples"),
        c(lambda w: D.spirals(3, n_classes=5)),
    ),
    ("spirals n_classes 2.0", TypeError, ("n_classes",), c(lambda w: D.spirals(10, n_classes=2.0))),
    ("spirals turns inf", ValueError, ("turns",), c(lambda w: D.spirals(10, turns=float("inf")))),
    ("blobs centers 0", ValueError, ("centers", ">= 1"), c(lambda w: D.blobs(10, centers=0))),
    (
        "blobs centers 1-d",
        ValueError,
        ("centers", "(k, features)"),
        c(lambda w: D.blobs(10, centers=[1.0, 2.0])),
    ),
    ("blobs centers empty", ValueError, ("centers",), c(lambda w: D.blobs(10, centers=np.zeros((0, 2))))),
    ("blobs centers nan", ValueError, ("centers", "nan"), c(lambda w: D.blobs(10, centers=[[0.0, np.nan]]))),
    ("blobs centers str", TypeError, ("centers",), c(lambda w: D.blobs(10, centers="three"))),
    ("blobs n_features 0", ValueError, ("n_features",), c(lambda w: D.blobs(10, n_features=0))),
    (
        "blobs center_box reversed",
        ValueError,
        ("center_box[1]",),
        c(lambda w: D.blobs(10, center_box=(10, -10))),
    ),
    ("blobs center_box 3", TypeError, ("center_box",), c(lambda w: D.blobs(10, center_box=3))),
    ("truth_table gate", ValueError, ("unknown gate 'nope'",), c(lambda w: D.truth_table("nope"))),
    ("truth_table gate int", TypeError, ("gate",), c(lambda w: D.truth_table(1))),
    ("truth_table n_inputs 0", ValueError, ("n_inputs",), c(lambda w: D.truth_table("and", 0))),
    ("truth_table n_inputs huge", ValueError, ("n_inputs", "[1, 20]"), c(lambda w: D.truth_table("and", 40))),
    ("truth_table n_inputs float", TypeError, ("n_inputs",), c(lambda w: D.truth_table("and", 2.0))),
    ("truth_table signed", TypeError, ("signed",), c(lambda w: D.truth_table("and", signed="yes"))),
    # the split
    (
        "split test_size 1.5",
        ValueError,
        ("test_size", "1.5", "share"),
        c(lambda w: D.train_test_split(w.X, w.y, test_size=1.5)),
    ),
    ("split test_size 0", ValueError, ("test_size",), c(lambda w: D.train_test_split(w.X, w.y, test_size=0))),
    ("split test_size 1", ValueError, ("test_size",), c(lambda w: D.train_test_split(w.X, w.y, test_size=1))),
    (
        "split test_size -0.2",
        ValueError,
        ("test_size",),
        c(lambda w: D.train_test_split(w.X, w.y, test_size=-0.2)),
    ),
    (
        "split test_size str",
        TypeError,
        ("test_size",),
        c(lambda w: D.train_test_split(w.X, w.y, test_size="0.2")),
    ),
    (
        "split test_size 5 (a count)",
        ValueError,
        ("test_size", "share"),
        c(lambda w: D.train_test_split(w.X, w.y, test_size=5)),
    ),
    (
        "split leaves no train",
        ValueError,
        ("no training example",),
        c(lambda w: D.train_test_split(w.X[:2], w.y[:2], test_size=0.9)),
    ),
    ("split lengths", ValueError, ("20 rows but y has 19",), c(lambda w: D.train_test_split(w.X, w.y[:-1]))),
    ("split X scalar", TypeError, ("X",), c(lambda w: D.train_test_split(3.0, w.y))),
    ("split y None", TypeError, ("y",), c(lambda w: D.train_test_split(w.X, None))),
    ("split X objects", TypeError, ("X", "objects"), c(lambda w: D.train_test_split([[1, None]] * 20, w.y))),
    ("split stratify str", TypeError, ("stratify",), c(lambda w: D.train_test_split(w.X, w.y, stratify="y"))),
    ("split seed -3", ValueError, ("seed",), c(lambda w: D.train_test_split(w.X, w.y, seed=-3))),
    # the loader
    ("DataLoader(X, y)", TypeError, ("batch_size", "DataLoader((X, y)"), c(lambda w: D.DataLoader(w.X, w.y))),
    (
        "DataLoader batch 0",
        ValueError,
        ("batch_size", ">= 1"),
        c(lambda w: D.DataLoader((w.X, w.y), batch_size=0)),
    ),
    (
        "DataLoader batch 2.5",
        TypeError,
        ("batch_size",),
        c(lambda w: D.DataLoader((w.X, w.y), batch_size=2.5)),
    ),
    (
        "DataLoader batch str",
        TypeError,
        ("batch_size",),
        c(lambda w: D.DataLoader((w.X, w.y), batch_size="32")),
    ),
    ("DataLoader shuffle", TypeError, ("shuffle",), c(lambda w: D.DataLoader((w.X, w.y), shuffle=1))),
    (
        "DataLoader drop_last",
        TypeError,
        ("drop_last",),
        c(lambda w: D.DataLoader((w.X, w.y), drop_last="no")),
    ),
    ("DataLoader seed", ValueError, ("seed",), c(lambda w: D.DataLoader((w.X, w.y), seed=-1))),
    ("DataLoader(3)", TypeError, ("dataset",), c(lambda w: D.DataLoader(3))),
    ("DataLoader(dict)", TypeError, ("dataset",), c(lambda w: D.DataLoader({"X": w.X}))),
    ("DataLoader(None)", TypeError, ("dataset",), c(lambda w: D.DataLoader(None))),
    ("DataLoader lengths", ValueError, ("first dimension",), c(lambda w: D.DataLoader((w.X, w.y[:5])))),
    ("DataLoader(())", ValueError, ("at least one array",), c(lambda w: D.DataLoader(()))),
    ("TensorDataset()", ValueError, ("at least one array",), c(lambda w: D.TensorDataset())),
    ("TensorDataset scalar", TypeError, ("array 1",), c(lambda w: D.TensorDataset(w.X, 3.0))),
    ("TensorDataset str", TypeError, ("TensorDataset",), c(lambda w: D.TensorDataset(w.X, "labels"))),
    ("TensorDataset None", TypeError, ("TensorDataset",), c(lambda w: D.TensorDataset(w.X, None))),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_data(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)
