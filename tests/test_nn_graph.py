"""The lecture's graph g = {N, E} and its historical units: McCulloch–Pitts, Rosenblatt's perceptron."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_lite import Value

from .conftest import require_dot


def sig(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def test_xnor_from_and_nor_or_units():
    g = nn.NeuronGraph()
    g.add_node("x1", kind="input").add_node("x2", kind="input")
    g.add_node("and", bias=-30).add_node("nor", bias=10).add_node("xnor", bias=-10, kind="output")
    for x in ("x1", "x2"):
        g.add_edge(x, "and", 20).add_edge(x, "nor", -20)
    g.add_edge("and", "xnor", 20).add_edge("nor", "xnor", 20)
    X, y = nn.data.truth_table("xnor")
    assert [round(g(x).data) for x in X] == list(y)
    assert [round(v) for v in nn.NeuronGraph.xnor().predict(X)] == list(y)
    assert g.layers() == [["x1", "x2"], ["and", "nor"], ["xnor"]]
    z = g.evaluate({"x1": 1, "x2": 0})  # every node's z_i, as on the slide
    assert z["and"].data == pytest.approx(sig(-10)) and z["nor"].data == pytest.approx(sig(-10))


def test_the_seed_2_3_1_example_is_the_slide_formula():
    g = nn.NeuronGraph.feedforward([2, 3, 1], activation="sigmoid", seed=0)
    assert g.inputs == [1, 2] and g.outputs == [6] and g.layers() == [[1, 2], [3, 4, 5], [6]]
    for n in (3, 4, 5, 6):
        g.nodes[n].bias.data = 0.1 * n
    x1, x2 = 0.3, -0.8
    w = {k: v.data for k, v in g.edges.items()}
    b = {n: g.nodes[n].bias.data for n in (3, 4, 5, 6)}
    # y = f6(b6 + w56 f5(b5 + w15 x1 + w25 x2) + w46 f4(...) + w36 f3(...))
    hidden = {k: sig(b[k] + w[1, k] * x1 + w[2, k] * x2) for k in (3, 4, 5)}
    y = sig(b[6] + sum(w[k, 6] * hidden[k] for k in (3, 4, 5)))
    assert g([x1, x2]).data == pytest.approx(y, abs=1e-15)
    assert g({1: x1, 2: x2}).data == pytest.approx(y, abs=1e-15)
    assert g.expression().startswith("sigmoid(b6 + w[3->6]·sigmoid(b3 + w[1->3]·x1 + w[2->3]·x2)")


def test_a_cycle_is_refused_and_named():
    g = nn.NeuronGraph()
    for n in "abcd":
        g.add_node(n)
    g.add_edge("a", "b", 1.0).add_edge("b", "c", 1.0).add_edge("c", "d", 1.0)
    with pytest.raises(ValueError, match=r"closes the cycle 'd' -> 'b' -> 'c' -> 'd'.*\['d', 'b', 'c'\]"):
        g.add_edge("d", "b", 1.0)
    with pytest.raises(ValueError, match="cycle 'a' -> 'a'"):
        g.add_edge("a", "a", 1.0)
    assert ("d", "b") not in g.edges  # the graph is unchanged
    g.add_node("x", kind="input")
    with pytest.raises(ValueError, match="'x' is an input node"):
        g.add_edge("a", "x", 1.0)
    with pytest.raises(KeyError, match="no node 'zz'"):
        g.add_edge("a", "zz", 1.0)
    with pytest.raises(ValueError, match="got 3 input value"):
        nn.NeuronGraph.xnor()([1, 0, 1])
    with pytest.raises(KeyError, match=r"no value given for input node\(s\) \['x2'\]"):
        nn.NeuronGraph.xnor()({"x1": 1})


def test_neuron_graph_trains_and_saves(tmp_path):
    g = nn.NeuronGraph.feedforward([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    X, y = nn.data.truth_table("xor")
    assert all(isinstance(p, Value) for p in g.parameters()) and len(g.parameters()) == 13
    opt = nn.optim.Adam(g.parameters(), lr=0.1)
    hist = nn.fit(g, nn.BCELoss(), opt, (X, y.astype(float)), epochs=300, quiet=True)
    assert hist.accuracy[-1] == 1.0
    path = tmp_path / "g.npz"
    g.save(path)
    h = nn.NeuronGraph.feedforward([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=99)
    h.load(path)
    np.testing.assert_array_equal(g.predict(X), h.predict(X))


def test_neuron_graph_draws_as_the_neuron_graph():
    g = nn.NeuronGraph.xnor()
    src = g.draw().source
    assert src.count("->") == 6  # one arrow per edge, nothing else
    assert "and\nsigmoid\nb=-30" in src and 'label=-20' in src
    g([1, 1]).backward()
    shown = g.draw(show_grad=True).source
    assert shown.count("∂") == 6 + 3  # a gradient on every edge and every bias
    assert g.expression(values=True) == ("sigmoid(-10 + 20·sigmoid(-30 + 20·x1 + 20·x2) + "
                                         "20·sigmoid(10 + -20·x1 + -20·x2))")
    require_dot()
    assert g._repr_svg_().lstrip().startswith("<?xml") or "<svg" in g._repr_svg_()


def test_mcculloch_pitts():
    AND = nn.McCullochPitts(threshold=2)
    OR = nn.McCullochPitts(threshold=1)
    NOT = nn.McCullochPitts(threshold=0, inhibitory=[0])
    X, _ = nn.data.truth_table("and")
    assert [AND(x) for x in X] == [0, 0, 0, 1]
    assert list(OR(X)) == [0, 1, 1, 1]
    assert NOT([0]) == 1 and NOT([1]) == 0
    x1_and_not_x2 = nn.McCullochPitts(threshold=1, inhibitory=[1])
    assert [x1_and_not_x2(x) for x in X] == [0, 0, 1, 0]
    assert isinstance(AND([1, 1]), int)
    with pytest.raises(ValueError, match="binary"):
        AND([0.5, 1])


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
@pytest.mark.parametrize("signed", [False, True])
def test_perceptron_learns_linearly_separable_gates(gate, signed):
    X, y = nn.data.truth_table(gate, signed=signed)
    p = nn.Perceptron(2)
    result = p.fit(X, y, epochs=50)
    assert result.converged and result.mistakes[-1] == 0 and "converged" in str(result)
    assert list(p.predict(X)) == list(y)


def test_perceptron_on_xor_runs_out_of_epochs_and_says_so():
    X, y = nn.data.truth_table("xor", signed=True)
    p = nn.Perceptron(2)
    result = p.fit(X, y, epochs=25)
    assert not result.converged and result.epochs == 25 and len(result.mistakes) == 25
    assert "did not converge in 25 epochs" in result.message and "linearly separable" in result.message
    assert p(X).data.shape == (4,)
