"""draw: one box per value, one circle per op, edges in data-flow direction; rendering needs `dot`."""

from __future__ import annotations

import html
import re
import sys

import graphviz
import numpy as np
import pytest

from autograd_lite import Value, draw
from autograd_lite.draw import INSTALL_HELP, GraphvizNotFound, dot_available

from .conftest import require, require_dot

NODE = re.compile(r'^\t(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\S+)) (.*)\]$', re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)$", re.M)


def parse(dot: graphviz.Digraph) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """(value boxes, op circles, edges) of a drawing, each node by its DOT name with its label."""
    values, ops = {}, {}
    for name, quoted, bare, attrs in NODE.findall(dot.source):
        (values if "shape=record" in attrs else ops)[name] = quoted or bare
    return values, ops, EDGE.findall(dot.source)


def small_graph() -> tuple[Value, Value, Value]:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.label = "c"
    return a, b, c


def test_one_node_per_value_and_per_op():
    *_, c = small_graph()
    values, ops, edges = parse(draw(c))
    assert len(values) == 4  # a, b, a*b, c
    assert sorted(ops.values()) == ["*", "+"]
    assert len(edges) == 6  # a, b -> *; * -> ab; ab, a -> +; + -> c


def test_edges_follow_the_data():
    *_, c = small_graph()
    values, ops, edges = parse(draw(c))
    by_label = {label.split(" | ")[0].strip("{ "): name for name, label in values.items()}
    a, b, c_ = by_label["a"], by_label["b"], by_label["c"]
    for src, dst in edges:  # every edge joins a value and an op: into the op, or out to its result
        assert (src in values) != (dst in values)
    plus = next(n for n, s in ops.items() if s == "+")
    times = next(n for n, s in ops.items() if s == "*")
    assert (plus, c_) in edges and (a, plus) in edges and (a, times) in edges and (b, times) in edges
    product = next(dst for src, dst in edges if src == times)
    assert (product, plus) in edges
    assert not any(dst in (a, b) for _, dst in edges)  # leaves only send
    assert not any(src == c_ for src, _ in edges)  # the output only receives


def test_left_to_right_by_default():
    *_, c = small_graph()
    assert "rankdir=LR" in draw(c).source
    assert "rankdir=TB" in draw(c, rankdir="TB").source


def test_labels_show_data_and_grad_also_after_backward():
    *_, c = small_graph()
    before = draw(c).source
    assert "data 2 " in before and "data -3 " in before and "data -4 " in before
    assert "grad 0 " in before
    c.backward()  # frees local derivatives only: the graph can still be drawn
    values, _, edges = parse(draw(c))
    labels = sorted(values.values())
    assert "{ a | data 2 | grad -2 }" in labels and "{ b | data -3 | grad 2 }" in labels
    assert "{ c | data -4 | grad 1 }" in labels and "{ data -6 | grad 1 }" in labels
    assert len(edges) == 6


def test_gradients_that_are_values_show_their_numbers():
    x = Value(3.0, label="x")
    y = x * x * x
    y.backward(create_graph=True)  # x.grad is a Value (27.0) with its own graph
    values, _, _ = parse(draw(y))
    assert "{ x | data 3 | grad 27 }" in values.values()
    values, ops, _ = parse(draw(x.grad))  # and the backward pass can be drawn itself
    assert len(ops) > 0 and any("data 27" in label for label in values.values())


def test_an_input_used_twice_has_two_edges():
    x = Value(3.0)
    _, ops, edges = parse(draw(x * x))
    (op,) = ops
    assert [e for e in edges if e[1] == op] == [("v1", op), ("v1", op)]


def test_a_deep_graph_draws_without_recursion():
    n = sys.getrecursionlimit() + 1000  # deeper than any recursive walk could go
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001
    values, ops, edges = parse(draw(y))
    assert len(ops) == n and len(values) == 1 + n + n  # x, constants, results


def test_labels_are_escaped():
    v = Value(1.0, label="w{1}|<in>") * 2.0
    assert r"w\{1\}\|\<in\>" in draw(v).source


class Node:
    """A duck-typed tensor node: what draw needs from an engine."""

    def __init__(self, data, grad=None, inputs=(), op="", label=""):
        self.data, self.grad, self.inputs, self.op, self.label = data, grad, tuple(inputs), op, label


def test_array_nodes_show_shape_and_small_values():
    w = Node(np.ones((30, 40)), grad=np.zeros((30, 40)), label="W")
    x = Node(np.array([1.5, -2.0]), grad=None)
    y = Node(np.array([[0.25, 0.5]], dtype=np.float32), grad=np.array([[1.0, 1.0]]), inputs=(w, x),
             op="matmul")
    values, ops, _ = parse(draw(y))
    labels = sorted(values.values())
    assert "{ W | shape (30, 40) | grad (30, 40) }" in labels  # large: the shape, not 1200 numbers
    assert "{ shape (2,) | data [ 1.5, -2. ] | grad None }" in labels
    assert "{ shape (1, 2) float32 | data [[0.25, 0.5 ]] | grad [[1., 1.]] }" in labels
    assert list(ops.values()) == ["matmul"]


def test_draws_micrograd_values_too(  # the drop-in promise extends to pictures of micrograd graphs
):
    mg = require("micrograd.engine")
    a = mg.Value(2.0)
    values, ops, edges = parse(draw(a * 3 + 1))
    assert len(values) == 5 and sorted(ops.values()) == ["*", "+"] and len(edges) == 6


# --- rendering ----------------------------------------------------------------------------------


def test_renders_svg_with_dot():
    require_dot()
    assert dot_available()
    a, b, c = small_graph()
    c.backward()
    svg = html.unescape(draw(c).pipe(format="svg").decode())  # dot writes - as &#45;
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "data -4" in svg and "grad -2" in svg
    assert "<svg" in c._repr_svg_()  # Jupyter shows a Value's graph
    weird = Value(1.0, label='a{b}|"c"<d>') * 2.0
    assert "<svg" in draw(weird).pipe(format="svg").decode()


def test_without_dot_the_source_builds_and_rendering_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    assert not dot_available()
    *_, c = small_graph()
    dot = draw(c)
    assert "->" in dot.source
    for render in (lambda: dot.pipe(format="svg"), lambda: dot.render(tmp_path / "g"),
                   lambda: dot._repr_mimebundle_()):
        with pytest.raises(GraphvizNotFound) as info:
            render()
        msg = str(info.value)
        assert msg == INSTALL_HELP
        assert "apt-get install graphviz" in msg and "brew install graphviz" in msg and "conda" in msg
        assert isinstance(info.value, graphviz.ExecutableNotFound)  # what graphviz users catch
    assert c._repr_svg_() is None  # Jupyter falls back to the text repr


def test_jupyter_shows_small_graphs_and_text_for_large_ones() -> None:
    require_dot()
    x = Value(1.0)
    small = x * 2.0 + 1.0
    assert small._repr_svg_().lstrip().startswith(("<?xml", "<svg", "<!--"))
    big = x
    for _ in range(200):
        big = big * 1.001
    assert big._repr_svg_() is None  # Jupyter falls back to the text repr
