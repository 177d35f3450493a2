"""Bad inputs to NeuronGraph, the Perceptron and the training loop: named errors, and nothing
(weights, the graph's nodes and edges, the optimizer) changed by a call that fails."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd_lite import Tensor

from .badinput import check, ids, snapshot


def world():
    g = nn.NeuronGraph.xnor()
    model = nn.MLP([2, 4, 2], generator=np.random.default_rng(0))
    X, y = nn.data.two_moons(16, seed=0)
    w = SimpleNamespace(
        g=g,
        model=model,
        X=X,
        y=y,
        opt=nn.optim.SGD(model.parameters(), lr=0.1),
        p=nn.Perceptron(2),
        loss=nn.CrossEntropyLoss(),
    )
    return w


def c(fn):
    return lambda w: lambda: fn(w)


GRAPH = [
    (
        "add_node activation=5",
        TypeError,
        ("add_node('n')", "activation", "5"),
        c(lambda w: w.g.add_node("n", activation=5)),
    ),
    ("add_node activation None", TypeError, ("activation",), c(lambda w: w.g.add_node("n", activation=None))),
    (
        "add_node activation typo",
        ValueError,
        ("unknown activation 'sigmod'",),
        c(lambda w: w.g.add_node("n", activation="sigmod")),
    ),
    ("add_node kind", ValueError, ("kind must be one of",), c(lambda w: w.g.add_node("n", kind="hiden"))),
    ("add_node kind None", ValueError, ("kind",), c(lambda w: w.g.add_node("n", kind=None))),
    ("add_node twice", ValueError, ("already exists",), c(lambda w: w.g.add_node("and"))),
    ("add_node list name", TypeError, ("name", "hashable"), c(lambda w: w.g.add_node(["a"]))),
    ("add_node bias str", TypeError, ("bias", "'1'"), c(lambda w: w.g.add_node("n", bias="1"))),
    ("add_node bias nan", ValueError, ("bias", "nan"), c(lambda w: w.g.add_node("n", bias=float("nan")))),
    ("add_node bias None", TypeError, ("bias",), c(lambda w: w.g.add_node("n", bias=None))),
    (
        "add_edge weight str",
        TypeError,
        ("add_edge('x1', 'or')", "weight"),
        c(lambda w: w.g.add_edge("x1", "or", "2")),
    ),
    (
        "add_edge weight inf",
        ValueError,
        ("weight", "inf"),
        c(lambda w: w.g.add_edge("x1", "or", float("inf"))),
    ),
    ("add_edge weight None", TypeError, ("weight",), c(lambda w: w.g.add_edge("x1", "or", None))),
    (
        "add_edge unknown",
        KeyError,
        ("no node 'zz'", "add_node it first"),
        c(lambda w: w.g.add_edge("x1", "zz", 1.0)),
    ),
    ("add_edge unhashable", TypeError, ("node name",), c(lambda w: w.g.add_edge(["x1"], "or", 1.0))),
    ("add_edge into input", ValueError, ("input node",), c(lambda w: w.g.add_edge("and", "x1", 1.0))),
    ("add_edge twice", ValueError, ("already exists",), c(lambda w: w.g.add_edge("x1", "and", 1.0))),
    ("add_edge cycle", ValueError, ("closes the cycle",), c(lambda w: w.g.add_edge("or", "and", 1.0))),
    ("add_edge self loop", ValueError, ("cycle",), c(lambda w: w.g.add_edge("or", "or", 1.0))),
    ("forward too few", ValueError, ("got 1 input value(s) for 2",), c(lambda w: w.g([1.0]))),
    ("forward a number", TypeError, ("x", "one per input node"), c(lambda w: w.g(1.0))),
    ("forward a string", TypeError, ("x",), c(lambda w: w.g("10"))),
    ("forward str value", TypeError, ("input 'x2'", "'b'"), c(lambda w: w.g([1.0, "b"]))),
    ("forward None value", TypeError, ("input 'x1'",), c(lambda w: w.g([None, 1.0]))),
    ("forward nan value", ValueError, ("input 'x1'", "nan"), c(lambda w: w.g([float("nan"), 1.0]))),
    ("forward dict unknown", KeyError, ("not input nodes",), c(lambda w: w.g({"x1": 1, "and": 2, "x2": 0}))),
    ("forward dict missing", KeyError, ("no value given",), c(lambda w: w.g({"x1": 1}))),
    ("forward objects array", TypeError, ("objects",), c(lambda w: w.g(np.array([1, None], dtype=object)))),
    (
        "forward no output",
        ValueError,
        ("no output",),
        c(lambda w: nn.NeuronGraph().add_node("i", kind="input")([1.0])),
    ),
    ("predict shape", ValueError, ("shape (n, 2)",), c(lambda w: w.g.predict(np.ones((3, 3))))),
    ("predict 1-d", ValueError, ("shape (n, 2)",), c(lambda w: w.g.predict([1.0, 0.0]))),
    ("predict nan", ValueError, ("predict", "nan"), c(lambda w: w.g.predict([[np.nan, 0.0]]))),
    ("predecessors unknown", KeyError, ("predecessors", "no node 'q'"), c(lambda w: w.g.predecessors("q"))),
    ("expression unknown", KeyError, ("expression", "no node 7"), c(lambda w: w.g.expression(7))),
    ("expression no output", ValueError, ("no output",), c(lambda w: nn.NeuronGraph().expression())),
    (
        "feedforward sizes int",
        TypeError,
        ("feedforward", "sizes"),
        c(lambda w: nn.NeuronGraph.feedforward(3)),
    ),
    (
        "feedforward one layer",
        ValueError,
        ("at least an input and an output",),
        c(lambda w: nn.NeuronGraph.feedforward([2])),
    ),
    ("feedforward size 0", ValueError, ("sizes[1]",), c(lambda w: nn.NeuronGraph.feedforward([2, 0, 1]))),
    (
        "feedforward activation",
        ValueError,
        ("activation",),
        c(lambda w: nn.NeuronGraph.feedforward([2, 1], activation="soft")),
    ),
    (
        "feedforward output_activation",
        TypeError,
        ("output_activation",),
        c(lambda w: nn.NeuronGraph.feedforward([2, 1], output_activation=4)),
    ),
    ("feedforward seed", TypeError, ("seed",), c(lambda w: nn.NeuronGraph.feedforward([2, 1], seed="0"))),
]

PERCEPTRON = [
    (
        "fit lr=-1",
        ValueError,
        ("Perceptron.fit", "lr", "-1", "> 0"),
        c(lambda w: w.p.fit(*nn.data.truth_table("and"), lr=-1)),
    ),
    ("fit lr=0", ValueError, ("lr",), c(lambda w: w.p.fit(*nn.data.truth_table("and"), lr=0))),
    ("fit lr str", TypeError, ("lr",), c(lambda w: w.p.fit(*nn.data.truth_table("and"), lr="1"))),
    ("fit epochs 0", ValueError, ("epochs",), c(lambda w: w.p.fit(*nn.data.truth_table("and"), epochs=0))),
    (
        "fit epochs float",
        TypeError,
        ("epochs",),
        c(lambda w: w.p.fit(*nn.data.truth_table("and"), epochs=10.0)),
    ),
    ("fit labels", ValueError, ("labels must be in",), c(lambda w: w.p.fit(np.eye(2), [0, 2]))),
    ("fit X shape", ValueError, ("shape (n, 2)",), c(lambda w: w.p.fit(np.ones((4, 3)), [0, 1, 0, 1]))),
    (
        "fit lengths",
        ValueError,
        ("4 examples but 3 labels",),
        c(lambda w: w.p.fit(np.ones((4, 2)), [0, 1, 0])),
    ),
    ("fit X nan", ValueError, ("X", "nan"), c(lambda w: w.p.fit([[np.nan, 0.0]], [1]))),
    ("fit y nan", ValueError, ("y", "nan"), c(lambda w: w.p.fit([[1.0, 0.0]], [np.nan]))),
    ("fit y 2-d", ValueError, ("one label per example",), c(lambda w: w.p.fit(np.ones((2, 2)), [[0], [1]]))),
    ("fit X str", TypeError, ("X",), c(lambda w: w.p.fit([["a", "b"]], [1]))),
]


TRAIN = [
    (
        "fit(parameters)",
        TypeError,
        ("fit", "optimizer", "not the parameters themselves"),
        lambda w: lambda: nn.fit(w.model, w.loss, w.model.parameters(), (w.X, w.y), quiet=True),
    ),
    (
        "fit(list of parameters)",
        TypeError,
        ("optimizer",),
        lambda w: lambda: nn.fit(w.model, w.loss, list(w.model.parameters()), (w.X, w.y), quiet=True),
    ),
    (
        "fit(None optimizer)",
        TypeError,
        ("optimizer", "None"),
        lambda w: lambda: nn.fit(w.model, w.loss, None, (w.X, w.y), quiet=True),
    ),
    (
        "fit epochs=-3",
        ValueError,
        ("fit", "epochs", "-3"),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), epochs=-3, quiet=True),
    ),
    (
        "fit epochs=2.5",
        TypeError,
        ("epochs",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), epochs=2.5, quiet=True),
    ),
    (
        "fit epochs='10'",
        TypeError,
        ("epochs",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), epochs="10", quiet=True),
    ),
    (
        "fit quiet=1",
        TypeError,
        ("quiet",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), quiet=1),
    ),
    (
        "fit data X only",
        TypeError,
        ("data", "(X, y)"),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, w.X, quiet=True),
    ),
    (
        "fit data Tensor",
        TypeError,
        ("data",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, Tensor(w.X), quiet=True),
    ),
    (
        "fit data lengths",
        ValueError,
        ("X has 16 example(s) but y has 8",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y[:8]), quiet=True),
    ),
    (
        "fit data empty",
        ValueError,
        ("at least one example",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X[:0], w.y[:0]), quiet=True),
    ),
    (
        "fit data y scalar",
        TypeError,
        ("one target per example",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, 3), quiet=True),
    ),
    (
        "fit data None",
        TypeError,
        ("data",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, None, quiet=True),
    ),
    ("fit data 3", TypeError, ("data",), lambda w: lambda: nn.fit(w.model, w.loss, w.opt, 3, quiet=True)),
    (
        "fit batches of 3",
        TypeError,
        ("batch 1", "a pair (X, y)"),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, [(w.X, w.y, w.y)], quiet=True),
    ),
    (
        "fit no batch",
        ValueError,
        ("no batch",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, [], quiet=True),
    ),
    (
        "fit val_data X",
        TypeError,
        ("val_data",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), val_data=w.X, quiet=True),
    ),
    (
        "fit val_data lengths",
        ValueError,
        ("val_data",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), val_data=(w.X, w.y[:3]), quiet=True),
    ),
    (
        "fit model None",
        TypeError,
        ("model",),
        lambda w: lambda: nn.fit(None, w.loss, w.opt, (w.X, w.y), quiet=True),
    ),
    (
        "fit loss str",
        TypeError,
        ("loss_fn", "nn.MSELoss()"),
        lambda w: lambda: nn.fit(w.model, "mse", w.opt, (w.X, w.y), quiet=True),
    ),
    (
        "fit loss class",
        TypeError,
        ("class targets", "integer"),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y.astype(float)), quiet=True),
    ),
    (
        "fit scheduler",
        TypeError,
        ("scheduler",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (w.X, w.y), scheduler=0.9, quiet=True),
    ),
    (
        "fit X with None",
        TypeError,
        ("None or other objects",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, ([[None, 1.0]] * 16, w.y), quiet=True),
    ),
    (
        "fit wrong width",
        ValueError,
        ("last dimension must be 2",),
        lambda w: lambda: nn.fit(w.model, w.loss, w.opt, (np.ones((16, 3)), w.y), quiet=True),
    ),
    (
        "evaluate X only",
        TypeError,
        ("evaluate", "data"),
        lambda w: lambda: nn.Trainer(w.model, w.loss, w.opt).evaluate(w.X),
    ),
    (
        "evaluate empty",
        ValueError,
        ("no batch",),
        lambda w: lambda: nn.Trainer(w.model, w.loss, w.opt).evaluate([]),
    ),
    (
        "Trainer optimizer str",
        TypeError,
        ("optimizer",),
        lambda w: lambda: nn.Trainer(w.model, w.loss, "sgd"),
    ),
]

TRAIN += [
    (
        "accuracy str target",
        TypeError,
        ("accuracy", "target"),
        c(lambda w: nn.accuracy(np.ones((3, 2)), ["a", "b", "c"])),
    ),
    ("accuracy None target", TypeError, ("target", "None"), c(lambda w: nn.accuracy(np.ones((3, 2)), None))),
    (
        "accuracy lengths",
        ValueError,
        ("one prediction per target (2)",),
        c(lambda w: nn.accuracy(np.ones((3, 2)), [0, 1])),
    ),
    (
        "accuracy scalar target",
        ValueError,
        ("one target per prediction",),
        c(lambda w: nn.accuracy(np.ones(3), 1)),
    ),
    ("accuracy output objects", TypeError, ("output",), c(lambda w: nn.accuracy([None, 1.0], [0, 1]))),
    ("History key", KeyError, ("History has no 'los'", "loss"), c(lambda w: nn.History()["los"])),
    ("load_digits scale", TypeError, ("load_digits", "scale"), c(lambda w: nn.data.load_digits(scale="yes"))),
    ("load_digits test_size", ValueError, ("test_size",), c(lambda w: nn.data.load_digits(test_size=2))),
]

CASES = GRAPH + PERCEPTRON + TRAIN


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_graph_perceptron_training(case):
    _, exc, words, setup = case
    w = world()
    check(w, exc, words, setup)
    assert list(w.g.nodes) == ["x1", "x2", "and", "nor", "or"] and len(w.g.edges) == 6


def test_a_graph_snapshot_sees_its_weights():
    """The graph's weights are in the snapshot the battery compares (a failed call is caught)."""
    w = world()
    before = snapshot(w)
    w.g.edges["x1", "and"].data += 1
    assert snapshot(w)["g"] != before["g"]
