"""A graph seen module by module: ``draw(out, depth=k)`` and the groups ``step_through(out, depth=k)``
walks.

Each recorded op belongs to the module call that made it (``scopes.py``); at depth k the ops of a
call k deep (a model's layers at depth 1), or of a shallower call with no nested call (a loss), are
one group, drawn as one box: its name and type (``0: Linear(2→16)``), its input and output shapes,
its parameters with their shapes and, after backward, their gradients. Ops made outside any module,
or by a module's own forward between its sub-modules' calls (``self.fc2(self.fc1(x).relu())``),
stay ops. Nothing is written into the graph.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from . import scopes as S
from .names import Names
from .show import fmt, numbers_of

SMALL = 6  # arrays with at most this many numbers show them in a box
MANY_SCALARS = 12  # a box lists at most this many scalar parameters by name


@dataclass
class Group:
    """The ops of one module call at the drawn depth (or one op made outside modules)."""

    key: str
    scope: S.Scope | None
    ops: list = field(default_factory=list)
    params: list = field(default_factory=list)  # parameter leaves used inside, in order of use
    inputs: list = field(default_factory=list)  # nodes from outside the group (not params/constants)
    outputs: list = field(default_factory=list)  # its ops read outside it (or the root)

    @property
    def title(self) -> str:
        return self.scope.title if self.scope is not None else ""

    @property
    def last(self) -> Any:
        return self.ops[-1]


class Groups:
    """``root``'s graph cut into module groups at ``depth`` (see the module's docstring)."""

    def __init__(self, root: Any, depth: int, names: Names | None = None) -> None:
        from .step import collect

        self.root = root
        self.depth = depth
        self.ops, self.leaves = collect(root)
        self.names = names if names is not None else Names(root, self.ops, self.leaves)
        self.groups: list[Group] = []
        self.group_of: dict[int, Group] = {}
        by_scope: dict[int, Group] = {}
        for v in self.ops:
            s = S.at_depth(self.names.scopes, v.seq, depth)
            if s is not None and s.depth < depth and s.children:
                s = None  # an op a module's forward made itself, between its sub-modules' calls
            if s is None:
                g = Group(f"op{len(self.groups)}", None)
                self.groups.append(g)
            else:
                g = by_scope.get(id(s))
                if g is None:
                    g = by_scope[id(s)] = Group(f"m{len(self.groups)}", s)
                    self.groups.append(g)
            g.ops.append(v)
            self.group_of[id(v)] = g
        users: dict[int, set[int]] = {}
        for g in self.groups:
            seen_in: set[int] = set()
            for v in g.ops:
                for x in v.inputs:
                    users.setdefault(id(x), set()).add(id(g))
                    if self.group_of.get(id(x)) is g or id(x) in seen_in:
                        continue
                    role = self.names.role(x)
                    if g.scope is not None and role == "constant":
                        continue
                    seen_in.add(id(x))
                    (g.params if role == "parameter" and g.scope is not None else g.inputs).append(x)
        for g in self.groups:
            g.outputs = [v for v in g.ops if v is root or any(u != id(g) for u in users.get(id(v), ()))]

    def outside_leaves(self) -> list:
        """Leaves drawn as their own boxes: inputs, targets, variables, and what an op outside
        modules reads (a constant there, or a parameter)."""
        out, seen = [], set()
        for g in self.groups:
            for x in g.inputs:
                if not x.inputs and id(x) not in seen:
                    seen.add(id(x))
                    out.append(x)
        return out


# --- what a box shows --------------------------------------------------------------------------
def _shape_text(nodes: list) -> str:
    if not nodes:
        return "()"
    if all(not isinstance(numbers_of(x.data), np.ndarray) for x in nodes):
        return f"{len(nodes)} number{'s' if len(nodes) > 1 else ''}"
    return ", ".join(str(tuple(np.shape(numbers_of(x.data)))) for x in nodes)


def grad_text(p: Any) -> str:
    """A gradient as a box shows it: its numbers when few, else its shape and largest size."""
    g = getattr(p, "grad", None)
    if g is None:
        return ""
    g = numbers_of(g)
    if isinstance(g, np.ndarray) and g.size > SMALL:
        return f"grad max |g| {float(np.max(np.abs(g))):.3g}"
    return f"grad {fmt(g)}"


def _param_rows(g: Group, names: Names) -> list[str]:
    ps = g.params
    scalar = ps and all(not isinstance(numbers_of(p.data), np.ndarray) for p in ps)
    if scalar and len(ps) > MANY_SCALARS:
        grads = [abs(float(numbers_of(p.grad))) for p in ps]
        return [f"{len(ps)} parameters {names.name(ps[0])} … {names.name(ps[-1])}",
                f"max |grad| {max(grads):.3g}"]
    rows = []
    for p in ps:
        d = numbers_of(p.data)
        what = f"{tuple(d.shape)}" if isinstance(d, np.ndarray) and d.size > SMALL else fmt(d)
        gt = grad_text(p)
        row = f"{names.name(p)} {what}" + (f", {gt}" if gt else "")
        if len(row) > 48:  # a long row: its gradient on a line of its own
            rows += [f"{names.name(p)} {what}", f"    {gt}"] if gt else [row]
        else:
            rows.append(row)
    return rows


def _box(title: str, rows: list[str]) -> str:
    """An HTML-like label: the title in bold (with the shapes after it), then one row per line."""
    head, _, flow = title.partition("\t")
    cells = [f'<tr><td align="center"><b>{html.escape(head)}</b>  {html.escape(flow)}</td></tr>']
    cells += [f'<tr><td align="left">{html.escape(r)}</td></tr>' for r in rows]
    return f'<<table border="0" cellspacing="0" cellpadding="1">{"".join(cells)}</table>>'


def module_title(g: Group) -> str:
    """``0: Linear(2→16)``, a tab, then its input and output shapes: ``(4, 2) → (4, 16)``."""
    out = _shape_text(g.outputs)
    return f"{g.title}\t{_shape_text(g.inputs)} → {out}" if g.inputs else f"{g.title}\t→ {out}"


def module_rows(g: Group, names: Names) -> list[str]:
    rows = _param_rows(g, names)
    if len(g.outputs) == 1 and np.size(numbers_of(g.outputs[0].data)) == 1:
        rows.append(f"{names.name(g.outputs[0])} = {fmt(g.outputs[0].data)}")
    return rows


def module_drawing(root: Any, depth: int, dot: Any, pid: str | None = None,
                   groups: Groups | None = None) -> tuple[Any, dict[int, str], dict[int, str]]:
    """Draw ``root``'s graph with each module group as one box. Returns the drawing and, with a page
    id ``pid``, element ids keyed by ``id(node)`` (a group's box under its ops' ids)."""
    from .draw import _op_text, _value_label

    G = groups if groups is not None else Groups(root, depth)
    dot.graph_attr.update(ranksep="0.25", nodesep="0.3")
    names = G.names
    vid: dict[int, str] = {}
    oid: dict[int, str] = {}
    src: dict[int, str] = {}  # id(node) -> the DOT node its value leaves from

    def ident(key: str) -> dict[str, str]:
        return {"id": f"{pid}-{key}"} if pid is not None else {}

    for i, x in enumerate(G.outside_leaves()):
        key = f"leaf{i}"
        attrs = ident(key)
        dot.node(key, graphviz.nohtml(_value_label(x, names.name(x), None, names.is_constant(x))),
                 shape="record", **attrs)
        src[id(x)] = key
        if pid is not None:
            vid[id(x)] = attrs["id"]
    for g in G.groups:
        if g.scope is not None:
            attrs = ident(g.key)
            pen = "2" if any(v is root for v in g.ops) else "1"
            dot.node(g.key, _box(module_title(g), module_rows(g, names)), shape="box", style="rounded",
                     penwidth=pen, **attrs)
            for v in g.ops:
                src[id(v)] = g.key
                if pid is not None:
                    vid[id(v)] = attrs["id"]
        else:  # an op outside modules: its value box and its op circle, as draw() at full depth
            v = g.last
            attrs = ident(g.key)
            if v is root:
                attrs["penwidth"] = "2"
            dot.node(g.key, graphviz.nohtml(_value_label(v, names.name(v))), shape="record", **attrs)
            op_attrs = ident(g.key + "_op")
            dot.node(g.key + "_op", graphviz.nohtml(_op_text(v)), shape="circle", margin="0.02",
                     **op_attrs)
            dot.edge(g.key + "_op", g.key)
            src[id(v)] = g.key
            if pid is not None:
                vid[id(v)] = attrs["id"]
                oid[id(v)] = op_attrs["id"]
    drawn: set[tuple[str, str]] = set()
    for g in G.groups:
        target = g.key if g.scope is not None else g.key + "_op"
        for x in g.inputs:
            edge = (src[id(x)], target)
            if edge[0] != g.key and (edge not in drawn or g.scope is None):
                drawn.add(edge)
                dot.edge(*edge)
    return dot, vid, oid
