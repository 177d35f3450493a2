"""g = {N, E}: the lecture's neuron graph, built node by node and edge by edge.

Slide "g the graph": every node i has an activation function f_i and a bias b_i (the weight of an edge
from a "ghost" node that is always 1); every edge j → i has a weight w_ji; a node computes

    a_i = b_i + Σ_{j → i ∈ E} w_ji z_j,      z_i = f_i(a_i)

Input nodes take their z from outside, hidden nodes compute, output nodes are read from outside. The
graph must be acyclic: ``add_edge`` refuses an edge that would close a cycle and names the cycle.

The weights and biases are ``Value``s. A node-and-edge graph is a network of individual numbers: as
Values every w_ji and b_i is its own leaf with its own ``.grad``, the tape's drawing of an output is the
neuron graph itself, and ``nn.optim`` trains them like any other parameters. (Tensors pay off when a
layer's weights form a matrix; for that, use ``nn.Linear``/``nn.MLP``.)

    g = NeuronGraph()
    g.add_node("x1", kind="input"); g.add_node("x2", kind="input")
    g.add_node("and", bias=-30); g.add_node("nor", bias=10); g.add_node("xnor", bias=-10, kind="output")
    for x in ("x1", "x2"):
        g.add_edge(x, "and", 20); g.add_edge(x, "nor", -20)
    g.add_edge("and", "xnor", 20); g.add_edge("nor", "xnor", 20)
    g([1, 1])   # Value(data=0.99995..., ...)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import Value, no_grad
from autograd_lite import checks as C

from . import activations as A
from .module import Module

__all__ = ["NeuronGraph"]

_FUNCS: dict[str, Callable[[Any], Any]] = {
    "identity": A.identity, "linear": A.identity, "sigmoid": A.sigmoid, "tanh": A.tanh, "relu": A.relu,
    "sign": A.sign, "step": A.step, "leaky_relu": A.leaky_relu,
}
_KINDS = ("input", "hidden", "output")


class _Node:
    __slots__ = ("name", "kind", "activation", "f", "bias")

    def __init__(self, name: Hashable, kind: str, activation: str | Callable[[Any], Any], bias: Value | None):
        self.name = name
        self.kind = kind
        self.activation = activation
        self.f = activation if callable(activation) else _FUNCS[activation]
        self.bias = bias

    @property
    def act_name(self) -> str:
        return self.activation if isinstance(self.activation, str) else \
            getattr(self.activation, "__name__", "f")


class NeuronGraph(Module):
    """A weighted, labelled, directed acyclic graph of neurons (the lecture's g = {N, E})."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: dict[Hashable, _Node] = {}
        self.edges: dict[tuple[Hashable, Hashable], Value] = {}
        self._in: dict[Hashable, list[Hashable]] = {}
        self._out: dict[Hashable, list[Hashable]] = {}

    # --- building ---------------------------------------------------------------------------------
    def add_node(self, name: Hashable, activation: str | Callable[[Any], Any] = "sigmoid",
                 bias: float | Value = 0.0, kind: str = "hidden") -> NeuronGraph:
        """Add neuron ``name``: ``kind`` "input", "hidden" or "output"; ``activation`` a name
        (identity/linear, sigmoid, tanh, relu, leaky_relu, sign, step) or a function of a Value.

        Input nodes take their value from outside: they have no bias and no activation.
        """
        _hashable("add_node", "name", name)
        if name in self.nodes:
            raise ValueError(f"add_node: a node named {name!r} already exists")
        if not isinstance(kind, str) or kind not in _KINDS:
            raise ValueError(f"add_node({name!r}): kind must be one of {_KINDS}, not {kind!r}")
        if isinstance(activation, str) and activation not in _FUNCS:
            raise ValueError(f"add_node({name!r}): unknown activation {activation!r}; "
                             f"choose one of {sorted(_FUNCS)} or pass a function")
        if not isinstance(activation, str) and not callable(activation):
            raise C.invalid(f"add_node({name!r})", "activation", activation,
                            f"a name among {sorted(_FUNCS)} or a function of a Value", exc=TypeError)
        if kind == "input":
            node = _Node(name, kind, "identity", None)
        else:
            b = bias if bias.__class__ is Value else Value(C.number(f"add_node({name!r})", "bias", bias))
            b.label = f"b[{name}]"
            node = _Node(name, kind, activation, b)
        self.nodes[name] = node
        self._in[name] = []
        self._out[name] = []
        return self

    def add_edge(self, src: Hashable, dst: Hashable, weight: float | Value) -> NeuronGraph:
        """Add edge ``src → dst`` with weight w_{src,dst}; an edge that closes a cycle is a ValueError."""
        for n in (src, dst):
            _hashable("add_edge", "node name", n)
            if n not in self.nodes:
                raise KeyError(f"add_edge({src!r}, {dst!r}): there is no node {n!r}; add_node it first")
        if weight.__class__ is not Value:
            C.number(f"add_edge({src!r}, {dst!r})", "weight", weight)
        if self.nodes[dst].kind == "input":
            raise ValueError(f"add_edge({src!r}, {dst!r}): {dst!r} is an input node, whose value comes "
                             "from outside; it has no incoming edges")
        if (src, dst) in self.edges:
            raise ValueError(f"add_edge({src!r}, {dst!r}): the edge already exists "
                             f"(weight {self.edges[src, dst].data}); change its .data instead")
        path = self._path(dst, src)
        if path is not None:
            cycle = " -> ".join(repr(n) for n in [src, *path])
            raise ValueError(f"add_edge({src!r}, {dst!r}) closes the cycle {cycle}: a NeuronGraph is "
                             f"feedforward (acyclic); nodes on the cycle: {[src, *path[:-1]]}")
        w = weight if weight.__class__ is Value else Value(C.number(f"add_edge({src!r}, {dst!r})", "weight",
                                                                    weight))
        w.label = f"w[{src}->{dst}]"
        self.edges[src, dst] = w
        self._in[dst].append(src)
        self._out[src].append(dst)
        return self

    def _path(self, start: Hashable, goal: Hashable) -> list[Hashable] | None:
        """A path start → … → goal along existing edges, or None (iterative DFS)."""
        stack = [(start, [start])]
        seen = {start}
        while stack:
            node, path = stack.pop()
            if node == goal:
                return path
            for nxt in self._out[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    @classmethod
    def feedforward(cls, sizes: Sequence[int], activation: str = "sigmoid",
                    output_activation: str | None = None, seed: int | None = None) -> NeuronGraph:
        """A fully connected layered graph, nodes numbered 1, 2, … as on the slides.

        ``feedforward([2, 3, 1])`` is the slide's example: inputs 1, 2; hidden 3, 4, 5; output 6.
        Weights are drawn from U(−1, 1) with ``random.Random(seed)``; biases start at 0. The output
        nodes use ``output_activation`` (``activation`` if None).
        """
        where = "NeuronGraph.feedforward"
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise C.invalid(where, "sizes", sizes, "a list of layer sizes, e.g. [2, 3, 1]", exc=TypeError)
        sizes = [C.integer(where, f"sizes[{i}]", n, low=1) for i, n in enumerate(sizes)]
        if len(sizes) < 2:
            raise C.invalid(where, "sizes", sizes, "at least an input and an output layer")
        for name, act in (("activation", activation), ("output_activation", output_activation)):
            if act is not None and (not isinstance(act, str) or act not in _FUNCS):
                raise C.invalid(where, name, act, f"one of {sorted(_FUNCS)}",
                                exc=TypeError if not isinstance(act, str) else ValueError)
        rng = random.Random(C.seed(where, "seed", seed))
        g = cls()
        layers: list[list[int]] = []
        k = 1
        for li, n in enumerate(sizes):
            kind = "input" if li == 0 else ("output" if li == len(sizes) - 1 else "hidden")
            layer = list(range(k, k + n))
            k += n
            act = output_activation if kind == "output" and output_activation else activation
            for name in layer:
                g.add_node(name, activation=act, kind=kind)
                for j in layers[-1] if layers else ():
                    g.add_edge(j, name, rng.uniform(-1, 1))
            layers.append(layer)
        return g

    @classmethod
    def xnor(cls) -> NeuronGraph:
        """NOT (A XOR B) = (A AND B) OR ((NOT A) AND (NOT B)), from the slides' sigmoid units:
        AND g(−30 + 20x₁ + 20x₂), NOR g(10 − 20x₁ − 20x₂), OR g(−10 + 20a + 20b)."""
        g = cls()
        g.add_node("x1", kind="input").add_node("x2", kind="input")
        g.add_node("and", bias=-30).add_node("nor", bias=10).add_node("or", bias=-10, kind="output")
        for x in ("x1", "x2"):
            g.add_edge(x, "and", 20).add_edge(x, "nor", -20)
        return g.add_edge("and", "or", 20).add_edge("nor", "or", 20)

    # --- reading ----------------------------------------------------------------------------------
    @property
    def inputs(self) -> list[Hashable]:
        return [n for n, v in self.nodes.items() if v.kind == "input"]

    @property
    def outputs(self) -> list[Hashable]:
        """Nodes of kind "output"; if none is declared, the non-input nodes without outgoing edges."""
        outs = [n for n, v in self.nodes.items() if v.kind == "output"]
        return outs or [n for n, v in self.nodes.items() if v.kind != "input" and not self._out[n]]

    def predecessors(self, name: Hashable) -> list[Hashable]:
        return list(self._in[self._known("predecessors", name)])

    def _known(self, where: str, name: Any) -> Hashable:
        _hashable(where, "name", name)
        if name not in self.nodes:
            raise KeyError(f"{where}: there is no node {name!r}; the nodes are {list(self.nodes)}")
        return name

    def topological_order(self) -> list[Hashable]:
        """Every node after all of its predecessors (Kahn's algorithm, ties in insertion order)."""
        indeg = {n: len(self._in[n]) for n in self.nodes}
        ready = [n for n in self.nodes if indeg[n] == 0]
        order = []
        i = 0
        while i < len(ready):
            n = ready[i]
            i += 1
            order.append(n)
            for m in self._out[n]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    ready.append(m)
        return order

    def layers(self) -> list[list[Hashable]]:
        """Nodes grouped by depth (longest path from an input): the slide's layers."""
        depth: dict[Hashable, int] = {}
        for n in self.topological_order():
            depth[n] = 1 + max((depth[p] for p in self._in[n]), default=-1)
        out: list[list[Hashable]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for n, d in depth.items():
            out[d].append(n)
        return out

    def _own_parameters(self) -> Iterator[tuple[str, Any]]:
        for (s, d), w in self.edges.items():
            yield f"w[{s}->{d}]", w
        for name, node in self.nodes.items():
            if node.bias is not None:
                yield f"b[{name}]", node.bias

    def parameters(self, recurse: bool = True) -> list[Value]:
        return [p for _, p in self._own_parameters()]

    # --- evaluating -------------------------------------------------------------------------------
    def _input_values(self, x: Mapping[Hashable, Any] | Sequence[Any]) -> dict[Hashable, Any]:
        ins = self.inputs
        if isinstance(x, Mapping):
            unknown = [k for k in x if k not in self.nodes or self.nodes[k].kind != "input"]
            if unknown:
                raise KeyError(f"not input nodes: {unknown}; the inputs are {ins}")
            missing = [k for k in ins if k not in x]
            if missing:
                raise KeyError(f"no value given for input node(s) {missing}")
            vals = dict(x)
        else:
            if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
                raise C.invalid("NeuronGraph", "x", x, f"a list of {len(ins)} number(s), one per input node "
                                f"{ins}, or a dict {{input name: number}}", exc=TypeError)
            x = list(C.real_array("NeuronGraph", "x", x, dtype=np.float64).ravel()) \
                if isinstance(x, np.ndarray) else list(x)
            if len(x) != len(ins):
                raise ValueError(f"got {len(x)} input value(s) for {len(ins)} input node(s) {ins}")
            vals = dict(zip(ins, x))
        return {k: v if v.__class__ is Value else Value(C.number("NeuronGraph", f"input {k!r}", v))
                for k, v in vals.items()}

    def evaluate(self, x: Mapping[Hashable, Any] | Sequence[Any]) -> dict[Hashable, Value]:
        """Every node's output z_i, computed in topological order (inputs copied from ``x``).

        ``x`` is a dict {input name: number} or a sequence in the order the inputs were added.
        """
        z = self._input_values(x)
        for n in self.topological_order():
            node = self.nodes[n]
            if node.kind == "input":
                continue
            a = node.bias
            for j in self._in[n]:
                a = a + self.edges[j, n] * z[j]
            z[n] = node.f(a)
        return z

    def forward(self, x: Mapping[Hashable, Any] | Sequence[Any]) -> Value | list[Value]:
        """The output node's value (a list of them, in order, when there are several)."""
        if not self.outputs:
            raise ValueError("this NeuronGraph has no output: add a node of kind 'output' (or any "
                             "non-input node)")
        z = self.evaluate(x)
        out = [z[n] for n in self.outputs]
        return out[0] if len(out) == 1 else out

    def predict(self, X: Any) -> np.ndarray:
        """Outputs for each row of ``X`` as floats (nothing recorded): shape (n,) or (n, outputs)."""
        X = C.finite_array("NeuronGraph.predict", "X", X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.inputs):
            raise ValueError(f"NeuronGraph.predict: X must have shape (n, {len(self.inputs)}), one column "
                             f"per input node, got {X.shape}")
        with no_grad():
            rows = [self.forward(list(r)) for r in X]
        out = np.array([[v.data for v in r] if isinstance(r, list) else r.data for r in rows])
        return out

    def expression(self, name: Hashable | None = None, values: bool = False) -> str:
        """The formula the graph computes at ``name`` (an output by default), as on the slide:
        ``f6(b6 + w[3->6]·f3(b3 + w[1->3]·x1 + …) + …)``; ``values`` shows the numbers instead."""
        if name is None:
            if not self.outputs:
                raise ValueError("expression: this NeuronGraph has no output node")
            name = self.outputs[0]
        node = self.nodes[self._known("expression", name)]
        if node.kind == "input":
            return f"x{name}" if isinstance(name, int) else str(name)

        def num(v: Value) -> str:
            return f"{v.data:.4g}"

        terms = [num(node.bias) if values else (f"b{name}" if isinstance(name, int) else f"b[{name}]")]
        for j in self._in[name]:
            w = self.edges[j, name]
            terms.append(f"{num(w) if values else f'w[{j}->{name}]'}·{self.expression(j, values)}")
        return f"{node.act_name}({' + '.join(terms)})"

    # --- what a person sees -----------------------------------------------------------------------
    def __repr__(self) -> str:
        kinds = {k: sum(v.kind == k for v in self.nodes.values()) for k in _KINDS}
        return (f"NeuronGraph({len(self.nodes)} nodes: {kinds['input']} input, {kinds['hidden']} hidden, "
                f"{kinds['output']} output; {len(self.edges)} edges)")

    def draw(self, show_grad: bool = False) -> Any:
        """The neuron graph as a ``graphviz.Digraph``: one circle per neuron (name, activation, bias),
        one arrow per edge labelled with its weight (and gradient with ``show_grad``), layers in columns."""
        import graphviz

        dot = graphviz.Digraph("neurons", graph_attr={"rankdir": "LR", "nodesep": "0.3"},
                               node_attr={"fontsize": "11"}, edge_attr={"fontsize": "10"})
        ids = {n: f"n{i}" for i, n in enumerate(self.nodes)}
        for li, layer in enumerate(self.layers()):
            with dot.subgraph(name=f"layer{li}") as sub:
                sub.attr(rank="same")
                for n in layer:
                    node = self.nodes[n]
                    if node.kind == "input":
                        sub.node(ids[n], f"{n}", shape="box", style="rounded")
                        continue
                    label = f"{n}\n{node.act_name}\nb={node.bias.data:.3g}"
                    if show_grad:
                        label += f"\n∂b={node.bias.grad:.3g}"
                    sub.node(ids[n], label, shape="doublecircle" if node.kind == "output" else "circle")
        for (s, d), w in self.edges.items():
            label = f"{w.data:.3g}" + (f"\n∂={w.grad:.3g}" if show_grad else "")
            dot.edge(ids[s], ids[d], label=label)
        return dot

    def _repr_svg_(self) -> str | None:
        import shutil

        if shutil.which("dot") is None:
            return None
        return self.draw().pipe(format="svg").decode()


def _hashable(where: str, what: str, name: Any) -> None:
    try:
        hash(name)
    except TypeError:
        raise C.invalid(where, what, name, "a hashable name (a str or an int)", exc=TypeError) from None
