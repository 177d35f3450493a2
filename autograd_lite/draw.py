"""Graphviz pictures of a computation: values as boxes, operations as circles, data flowing right.

``draw(root)`` walks from ``root`` back through ``.inputs`` (an explicit stack, so a graph of any
depth draws) and returns a ``graphviz.Digraph``. Building it needs only the Python package; turning
it into SVG/PNG runs Graphviz's ``dot`` program, and when that is missing the error says how to
install it. The Value engine keeps every node's inputs after ``backward()`` (it frees only the local
derivatives), so a graph drawn after backward shows the gradients as well.

Boxes are named from the model (``names.py``: ``0.weight``, ``x``, ``a1``, constants as their value)
without writing anything into the graph. ``draw(loss, depth=1)`` draws each module one level deep
as one box (name, type, shapes, parameters and their gradients). In Jupyter a drawing scales to the
cell's width and says when its text would become too small to read, and how to get a smaller one.

This module also gives ``Value`` and ``Tensor`` their Jupyter picture (``_repr_svg_``): the engines
do not import the views.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
from collections.abc import Callable
from typing import Any

import graphviz
import numpy as np

from . import checks as C

INSTALL_HELP = (
    "rendering the graph needs Graphviz's `dot` program, which is not on PATH. Install Graphviz "
    "itself (the pip package `graphviz` is only its Python interface): Debian/Ubuntu "
    "`sudo apt-get install graphviz`, macOS `brew install graphviz`, conda "
    "`conda install -c conda-forge graphviz`, Windows https://graphviz.org/download/. "
    "The DOT text is available without it as `.source`."
)

SMALL_ARRAY = 6  # arrays with at most this many elements show their numbers in the picture
FONT_PT = 11  # the boxes' font size; an SVG point is 4/3 of a CSS pixel
LEGIBLE_PX = 9  # smallest text a drawing may be scaled to in a notebook cell
CELL_PX = 1100  # the width a notebook cell offers (JupyterLab and nbconvert at 1280 px wide)


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


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height of a graphviz SVG, in CSS pixels."""
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', svg)
    return (float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3) if m else (0.0, 0.0)


def fitted_html(svg: str, hint: str = "", cell_px: float = CELL_PX) -> str:
    """An SVG that shrinks to its container's width (never wider than the cell), with a note when
    that scaling would make its text smaller than ``LEGIBLE_PX`` (and the ``hint`` how to avoid it)."""
    svg = svg[svg.index("<svg"):]
    width, _ = svg_size(svg)
    svg = svg.replace("<svg", '<svg style="max-width: 100%; height: auto"', 1)
    note = ""
    scale = min(1.0, cell_px / width) if width else 1.0
    if FONT_PT * 4 / 3 * scale < LEGIBLE_PX:
        note = (f"<p style='color:#8a4b00;margin:2px 0'>This graph is {width:.0f} px wide and is "
                f"shown at {scale:.0%}, so its text is hard to read. {html.escape(hint)}</p>")
    return f"<div class='agl-draw' style='max-width:100%;overflow:hidden'>{note}{svg}</div>"


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains how to install Graphviz when ``dot`` is missing.

    ``.source`` is the DOT text; ``.pipe(format="svg")``, ``.render(...)`` and Jupyter's display
    (which pipes SVG, fitted to the cell) run ``dot``.
    """

    hint = "draw(out, depth=1) draws one box per layer; rankdir='TB' draws top to bottom."

    pipe = _explained(graphviz.Digraph.pipe)
    render = _explained(graphviz.Digraph.render)
    unflatten = _explained(graphviz.Digraph.unflatten)

    @_explained
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        svg = self.pipe(format="svg").decode()
        return {"text/html": fitted_html(svg, self.hint), "image/svg+xml": svg}

    def _repr_html_(self) -> str:
        return self._repr_mimebundle_()["text/html"]


# --- what a node shows --------------------------------------------------------------------------


def _record_text(s: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>":
        s = s.replace(ch, "\\" + ch)
    return s


def _plain(x: Any) -> Any:
    """The float or array to show: a gradient may itself be a Value/Tensor (create_graph=True)."""
    while not isinstance(x, (np.ndarray, float, int, np.generic)):
        x = x.data
    return x


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


def _value_label(v: Any, name: str = "", grad: Any = None, constant: bool = False) -> str:
    """Record fields: the name (if any), data and grad; an array's shape first, its numbers if few.
    A constant shows its value only (it is its name)."""
    fields = []
    if name:
        fields.append(_record_text(str(name)))
    data = v.data
    if constant:
        if isinstance(data, np.ndarray) and data.size > SMALL_ARRAY:
            fields.append(_record_text(f"constant, shape {tuple(data.shape)}"))
        return "{ " + " | ".join(fields or [_field("", data)]) + " }"
    if isinstance(data, np.ndarray):
        dtype = "" if data.dtype == np.float64 else f" {data.dtype}"
        fields.append(_record_text(f"shape {tuple(data.shape)}{dtype}"))
    if not isinstance(data, np.ndarray) or data.size <= SMALL_ARRAY:
        fields.append(_field("data", data))
    g = grad if grad is not None else getattr(v, "grad", None)
    if g is None and getattr(v, "requires_grad", None) is False:
        return "{ " + " | ".join(fields) + " }"  # data, not a variable: no gradient to show
    fields.append("grad None" if g is None else _field("grad", _plain(g)))
    return "{ " + " | ".join(fields) + " }"


def _op_text(v: Any) -> str:
    """How the op that made ``v`` is drawn: its registry entry's symbol, else the op's name."""
    symbol = getattr(getattr(v, "rule", None), "symbol", None)
    if symbol:
        return str(symbol)
    name = getattr(v, "op", None)
    if isinstance(name, str) and name:
        return name
    op = getattr(v, "_op", None)  # a micrograd Value keeps its op's name as a string there
    return op if isinstance(op, str) and op else "op"


def _inputs(v: Any) -> tuple:
    ins = getattr(v, "inputs", None)
    if ins is None:  # a micrograd Value, which names its inputs _prev
        ins = getattr(v, "_prev", ())
    return tuple(ins)


def check_root(where: str, root: Any) -> None:
    """A view draws a computation's output: anything with ``.data`` and ``.inputs`` (or ``._prev``)."""
    if not hasattr(root, "data") or not (hasattr(root, "inputs") or hasattr(root, "_prev")):
        fix = ("make it a Tensor first: Tensor(array)" if isinstance(root, np.ndarray) else
               "pass the result of a computation, e.g. z = (x * w + b).tanh()")
        raise C.invalid(where, "root", root, "a Value or a Tensor (the output of a computation)", fix,
                        TypeError)


def _has_contract(v: Any) -> bool:
    return hasattr(v, "rule") and hasattr(v, "seq")


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
    svg = draw(root).pipe(format="svg").decode()
    # shown inline in a notebook cell: never wider than the cell (the text repr is the fallback)
    return svg.replace("<svg", '<svg style="max-width: 100%; height: auto"', 1)


def _names_for(root: Any) -> Any:
    """The view's names of ``root``'s graph, or None for a graph without the record contract."""
    if not _has_contract(root):
        return None
    from .names import Names
    from .step import collect

    ops, leaves = collect(root)
    return Names(root, ops, leaves)


def _new_drawing(rankdir: str) -> Drawing:
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), not {rankdir!r}")
    return Drawing(format="svg", graph_attr={"rankdir": rankdir},
                   node_attr={"fontname": "Helvetica", "fontsize": str(FONT_PT)})


def draw(root: Any, depth: int | None = None, rankdir: str | None = None) -> Drawing:
    """The graph that computed ``root``: one box per value, one circle per op, data flowing right.

    Each box shows the value's name (a label, a parameter's name in its model, ``x``, ``a1``...),
    data and grad (for a tensor its shape, and its numbers when it is small); a constant shows its
    value. Edges run input → op → output. Works for ``Value``, ``Tensor`` and anything with
    ``.data``, ``.grad`` and ``.inputs`` (or micrograd's ``_prev``). ``rankdir="TB"`` draws top to
    bottom, ``"LR"`` left to right (the default for ops; module boxes default to "TB").
    ``depth=k`` draws each module called k deep (1: the layers of a model) as one box, with its
    name and type, input and output shapes and its parameters with their shapes and gradients; a
    loss module is one box too. ``None`` draws every op.
    """
    check_root("draw", root)
    if depth is not None:
        from .module_view import module_drawing

        if not isinstance(depth, int) or depth < 0:
            raise ValueError(f"depth must be None (every op) or a module depth >= 0, not {depth!r}")
        if not _has_contract(root):
            raise TypeError(f"draw(depth=...) needs a Value or Tensor of autograd_lite, not "
                            f"{type(root).__name__}")
        return module_drawing(root, depth, _new_drawing(rankdir or "TB"))[0]
    dot, _, _ = drawing_with_ids(root, None, _names_for(root), None, rankdir or "LR")
    return dot


def drawing_with_ids(root: Any, pid: str | None, names: Any = None, grads: Any = None,
                     rankdir: str = "LR") -> tuple[Drawing, dict[int, str], dict[int, str]]:
    """The op-level drawing, and (with a page id ``pid``) element ids for each node's box and op
    circle, keyed by ``id(node)``, so a widget can highlight them. ``grads(node)`` gives the gradient
    a box shows where the node keeps none. A widget (``pid``) shows the walk's every name (t1, ...),
    a plain drawing only the names that come from the graph or the model."""
    dot = _new_drawing(rankdir)
    nodes = nodes_of(root)
    key = {id(v): f"v{i}" for i, v in enumerate(nodes)}
    vid: dict[int, str] = {}
    oid: dict[int, str] = {}
    # Reverse discovery order puts inputs mostly before their outputs in the DOT text.
    for v in reversed(nodes):
        k = key[id(v)]
        attrs = {"shape": "record"}
        if v is root:
            attrs["penwidth"] = "2"
        if pid is not None:
            vid[id(v)] = attrs["id"] = f"{pid}-{k}"
        if names is not None:
            g = v.grad if v.grad is not None or grads is None else grads(v)
            shown = names.name(v) if pid is not None else names.from_model(v)
            label = _value_label(v, shown, g, names.is_constant(v))
        else:
            label = _value_label(v, getattr(v, "label", ""))
        dot.node(k, graphviz.nohtml(label), **attrs)
        ins = _inputs(v)
        if ins:
            op_attrs = {"shape": "circle", "margin": "0.02"}
            if pid is not None:
                oid[id(v)] = op_attrs["id"] = f"{pid}-o{k[1:]}"
            dot.node(k + "_op", graphviz.nohtml(_op_text(v)), **op_attrs)
            for x in ins:
                dot.edge(key[id(x)], k + "_op")
            dot.edge(k + "_op", k)
    return dot, vid, oid


# --- Jupyter: the engines' pictures are wired from here ---------------------------------------------
def _repr_svg_(self: Any) -> str | None:
    return notebook_svg(self)


def _attach_display() -> None:
    from .tensor import Tensor
    from .value import Value

    for cls in (Value, Tensor):
        cls._repr_svg_ = _repr_svg_


_attach_display()

__all__ = ["Drawing", "GraphvizNotFound", "INSTALL_HELP", "dot_available", "draw", "nodes_of"]
