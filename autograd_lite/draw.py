"""Graphviz pictures of a computation: values as boxes, operations as circles, data flowing right.

``draw(root)`` walks from ``root`` back through ``.inputs`` (an explicit stack, so a graph of any
depth draws) and returns a ``graphviz.Digraph``. Building it needs only the Python package; turning
it into SVG/PNG runs Graphviz's ``dot`` program, and when that is missing the error says how to
install it. The Value engine keeps every node's inputs after ``backward()`` (it frees only the local
derivatives), so a graph drawn after backward shows the gradients as well.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from typing import Any

import graphviz
import numpy as np

INSTALL_HELP = (
    "rendering the graph needs Graphviz's `dot` program, which is not on PATH. Install Graphviz "
    "itself (the pip package `graphviz` is only its Python interface): Debian/Ubuntu "
    "`sudo apt-get install graphviz`, macOS `brew install graphviz`, conda "
    "`conda install -c conda-forge graphviz`, Windows https://graphviz.org/download/. "
    "The DOT text is available without it as `.source`."
)

SMALL_ARRAY = 6  # arrays with at most this many elements show their numbers in the picture


def dot_available() -> bool:
    """True when Graphviz's ``dot`` executable can be found, i.e. a drawing can be rendered."""
    return shutil.which("dot") is not None


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """``dot`` is missing; the message says how to install it. Still a ``graphviz.ExecutableNotFound``."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, INSTALL_HELP)


def _explained(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with graphviz's missing-executable error (which says only "make sure the Graphviz
    executables are on your systems' PATH") replaced by one that says how to install them."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except GraphvizNotFound:
            raise
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None

    return wrapper


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains how to install Graphviz when ``dot`` is missing.

    ``.source`` is the DOT text; ``.pipe(format="svg")``, ``.render(...)`` and Jupyter's display
    (which pipes SVG) run ``dot``.
    """

    pipe = _explained(graphviz.Digraph.pipe)
    render = _explained(graphviz.Digraph.render)
    unflatten = _explained(graphviz.Digraph.unflatten)


# --- what a node shows --------------------------------------------------------------------------


def _record_text(s: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>":
        s = s.replace(ch, "\\" + ch)
    return s


def _plain(x: Any) -> Any:
    """The float or array to show: a gradient may itself be a Value/Tensor (create_graph=True)."""
    if isinstance(x, (np.ndarray, float, int)):  # (an ndarray's own .data is a raw buffer)
        return x
    return x.data


def _field(name: str, x: Any) -> str:
    """``name`` and a float to 4 significant digits, or a small array's numbers row by row.

    Returns record-label text, already escaped; a large array shows only its shape.
    """
    if not isinstance(x, np.ndarray):
        return _record_text(f"{name} {float(x):.4g}")
    if x.size > SMALL_ARRAY:
        return _record_text(f"{name} {tuple(x.shape)}")
    if x.ndim == 0:
        return _record_text(f"{name} {float(x):.4g}")
    rows = np.array2string(x, precision=4, separator=", ").split("\n")
    # one line per row of the array: DOT's \n is a line break inside a record field
    return "\\n".join(_record_text((f"{name} " if i == 0 else "") + r.strip())
                       for i, r in enumerate(rows))


def _value_label(v: Any) -> str:
    """Record fields: the label (if any), data and grad; an array's shape first, its numbers if few."""
    fields = []
    label = getattr(v, "label", "")
    if label:
        fields.append(_record_text(str(label)))
    data = v.data
    if isinstance(data, np.ndarray):
        dtype = "" if data.dtype == np.float64 else f" {data.dtype}"
        fields.append(_record_text(f"shape {tuple(data.shape)}{dtype}"))
    if not isinstance(data, np.ndarray) or data.size <= SMALL_ARRAY:
        fields.append(_field("data", data))
    g = getattr(v, "grad", None)
    fields.append("grad None" if g is None else _field("grad", _plain(g)))
    return "{ " + " | ".join(fields) + " }"


def _op_text(v: Any) -> str:
    """How the op that made ``v`` is drawn: the rule's symbol, else the op's name."""
    op = getattr(v, "_op", None)
    symbol = getattr(op, "symbol", None)
    if symbol:
        return str(symbol)
    name = getattr(v, "op", None)
    if isinstance(name, str) and name:
        return name
    return op if isinstance(op, str) and op else "op"


def _inputs(v: Any) -> tuple:
    ins = getattr(v, "inputs", None)
    if ins is None:  # a micrograd Value, which names its inputs _prev
        ins = getattr(v, "_prev", ())
    return tuple(ins)


# --- the graph ----------------------------------------------------------------------------------


def nodes_of(root: Any) -> list:
    """Every node ``root`` depends on, ``root`` first, each once (explicit stack: no recursion)."""
    seen = {id(root)}
    order = [root]
    stack = [root]
    while stack:
        v = stack.pop()
        for x in _inputs(v):
            if id(x) not in seen:
                seen.add(id(x))
                order.append(x)
                stack.append(x)
    return order


NOTEBOOK_LIMIT = 150  # nodes: larger graphs show as text in Jupyter; draw() them on purpose


def notebook_svg(root: Any) -> str | None:
    """The picture Jupyter shows for a Value or Tensor: its graph as SVG, or None (the text repr)
    when ``dot`` is missing or the graph is too large to be worth drawing on every display."""
    if not dot_available():
        return None
    seen = {id(root)}
    stack = [root]
    while stack:
        for x in _inputs(stack.pop()):
            if id(x) not in seen:
                if len(seen) >= NOTEBOOK_LIMIT:
                    return None
                seen.add(id(x))
                stack.append(x)
    return draw(root).pipe(format="svg").decode()


def draw(root: Any, rankdir: str = "LR") -> Drawing:
    """The graph that computed ``root``: one box per value, one circle per op, data flowing right.

    Each box shows the value's label (if any), data and grad (for a tensor its shape, and its numbers
    when it is small). Edges run input → op → output. Works for ``Value``, ``Tensor`` and anything
    with ``.data``, ``.grad`` and ``.inputs`` (or micrograd's ``_prev``). ``rankdir="TB"`` draws
    top to bottom.
    """
    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir},
                  node_attr={"fontname": "Helvetica", "fontsize": "11"})
    nodes = nodes_of(root)
    name = {id(v): f"v{i}" for i, v in enumerate(nodes)}
    # Reverse discovery order puts inputs mostly before their outputs in the DOT text.
    nodes.reverse()
    for v in nodes:
        vid = name[id(v)]
        attrs = {"shape": "record"}
        if v is root:
            attrs["penwidth"] = "2"
        dot.node(vid, graphviz.nohtml(_value_label(v)), **attrs)
        ins = _inputs(v)
        if ins:
            oid = vid + "_op"
            dot.node(oid, graphviz.nohtml(_op_text(v)), shape="circle", margin="0.02")
            for x in ins:
                dot.edge(name[id(x)], oid)
            dot.edge(oid, vid)
    return dot


__all__ = ["Drawing", "GraphvizNotFound", "INSTALL_HELP", "dot_available", "draw", "nodes_of"]
