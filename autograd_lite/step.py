"""step_through: the tape as a walk a person can follow, one recorded op at a time.

``step_through(out)`` lists the ops ``out`` depends on in the order they ran (forward), then walks
them back newest first (backward). Each backward step writes the chain rule out with numbers::

    ∂z/∂x = ∂z/∂t1 · ∂t1/∂x = 0.5 · 3.0 = 1.5

which is the lecture's δ_k = f'_k ⊙ (W_{k+1}ᵀ δ_{k+1}) taken one op at a time. The numbers come from
the tape itself (each record's local derivatives, or its rule re-evaluated on the recorded numbers
when a backward already freed them), so the walk is true by construction.

In Jupyter the walk shows as the graph with the current op highlighted and Previous/Next buttons
(self-contained HTML: inline SVG and script); ``print()`` gives the same walk as text.
"""

from __future__ import annotations

import html
import json
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .tape import recorded_ops

__all__ = ["LayerDelta", "LayerDeltas", "Step", "StepThrough", "layer_deltas", "step_through"]

# ∂out/∂input written as a formula of the op's names, per Value op; {a} {b} are the inputs, {out} the
# output. A step prints the formula, then its number.
_LOCAL_FORMULA: dict[str, tuple[str, ...]] = {
    "add": ("1", "1"),
    "sub": ("1", "-1"),
    "mul": ("{b}", "{a}"),
    "div": ("1/{b}", "-{out}/{b}"),
    "pow": ("{b}·{a}^({b}-1)", "{out}·log({a})"),
    "powc": ("{b}·{a}^({b}-1)", "0"),
    "neg": ("-1",),
    "exp": ("exp({a}) = {out}",),
    "log": ("1/{a}",),
    "sqrt": ("1/(2·{out})",),
    "tanh": ("1 - {out}²",),
    "sigmoid": ("{out}·(1 - {out})",),
    "relu": ("1 if {a} > 0 else 0",),
    "abs": ("sign({a})",),
    "sign": ("0 (piecewise constant)",),
    "step": ("0 (piecewise constant)",),
}
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "powc": "**", "matmul": "@"}


# --- numbers as a person reads them -------------------------------------------------------------
def _num(x: Any) -> str:
    """A float in 4 significant digits, keeping a '.0' so that 3.0 reads as a real number."""
    x = float(x)
    s = f"{x:.4g}"
    if s.lstrip("-").isdigit():
        s += ".0"
    return s


def _paren(s: str) -> str:
    """Parenthesise a negative number inside a product or a sum: 0.5 · (-3.0)."""
    return f"({s})" if s.startswith("-") else s


def _raw(x: Any) -> Any:
    """The number(s) of a node, a gradient or a plain value: a float or an ndarray."""
    if isinstance(x, (float, int, np.ndarray, np.generic)):
        return x
    return _raw(x.data)


def fmt(x: Any, small: int = 12) -> str:
    """A float as ``_num``; an array as its values when it has at most ``small`` of them, else its
    shape and first numbers."""
    x = _raw(x)
    if isinstance(x, np.ndarray) and x.ndim > 0:
        if x.size <= small:
            return np.array2string(x, separator=", ", max_line_width=10_000,
                                   formatter={"float_kind": lambda v: f"{v:.4g}"}).replace("\n", "")
        head = ", ".join(_num(v) for v in x.reshape(-1)[:4])
        return f"array{tuple(x.shape)} [{head}, …]"
    return _num(x)


def _shape(x: Any) -> tuple | None:
    x = _raw(x)
    return tuple(x.shape) if isinstance(x, np.ndarray) and x.ndim > 0 else None


def _is_array_graph(x: Any) -> bool:
    return isinstance(_raw(x), np.ndarray)


# --- one step ------------------------------------------------------------------------------------
@dataclass
class Step:
    """One step of the walk. ``phase`` is "forward" or "backward"; the backward fields are empty
    for a forward step. ``received[i]`` is what input ``i`` gets from this op (upstream · local) and
    ``totals[i]`` its gradient summed over the ops walked so far."""

    index: int
    phase: str
    op: str
    name: str
    node: Any
    inputs: tuple
    input_names: list[str]
    input_values: list[Any]
    output: Any
    upstream: Any = None
    local: list[Any] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    totals: list[Any] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.lines)


# --- the walk ------------------------------------------------------------------------------------
def _output_node(out: Any) -> Any:
    """The node to walk from: a Value/Tensor itself, or whatever holds one (``.output``, e.g. an
    evaluated ``nn.NeuronGraph``), or the last result of a callable that records one."""
    if isinstance(out, (list, tuple)):  # e.g. the outputs of a network with several
        if len(out) != 1:
            raise ValueError(f"step_through walks back from one output; got {len(out)}: pick one, "
                             "or combine them into a loss first")
        out = out[0]
    for _ in range(3):
        if hasattr(out, "inputs") and hasattr(out, "data"):
            return out
        for attr in ("output", "out", "loss"):
            if hasattr(out, attr):
                out = getattr(out, attr)
                break
        else:
            break
    if hasattr(out, "inputs") and hasattr(out, "data"):
        return out
    raise TypeError(f"step_through needs a Value or a Tensor (the output of a computation), "
                    f"not {type(out).__name__}")


def _collect(root: Any) -> tuple[list, list]:
    """The op nodes ``root`` depends on in recorded order, and its leaves in order of first use."""
    ops = recorded_ops(root)
    leaves, seen_leaf = [], set()
    for v in ops:
        for x in v.inputs:
            if not x.inputs and id(x) not in seen_leaf:
                seen_leaf.add(id(x))
                leaves.append(x)
    if not ops:
        leaves = [root]
    return ops, leaves


def _local_values(v: Any) -> tuple:
    """∂v/∂input for each input of a scalar op, from its record or, once a backward without
    ``retain_graph`` freed it, from its rule re-evaluated on the recorded floats."""
    da = getattr(v, "_da", None)
    if da is not None:
        b = getattr(v, "_b", None)  # a unary record may leave its second-input slots unset
        locs = (da,) if b is None else (da, *v._db) if b.__class__ is tuple else (da, v._db)
    else:
        locs = v._op.local(*(x.data for x in v.inputs), v.data)
    return tuple(float(_raw(d)) for d in locs)


def _vjp(v: Any, g: Any) -> tuple[tuple, tuple | None]:
    """What each input of ``v`` receives when ``g`` = ∂L/∂v arrives, and (for elementwise and scalar
    ops) the local derivatives it is made of (None where it is a vector-Jacobian product)."""
    if not isinstance(_raw(v.data), np.ndarray):
        locs = _local_values(v)
        return tuple(d * g for d in locs), locs
    return _tensor_vjp(v, g)


def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the axes broadcasting added or stretched (a copy's gradient is the sum)."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def _tensor_vjp(v: Any, g: np.ndarray) -> tuple[tuple, tuple | None]:
    """What each input of the Tensor record ``v`` receives, computed from the record alone (the
    user's ``.grad``s are not touched). An elementwise op shows its local derivative array and the
    product g ⊙ local (summed back over broadcast axes); a Tensor-only op (matmul, sum, indexing...)
    is a vector-Jacobian product, evaluated by the engine's own rule."""
    op = v._op
    needs = [getattr(x, "requires_grad", True) for x in v.inputs]
    if hasattr(op, "vjp"):  # a TensorRule: its product, on the recorded arrays
        outs = op.vjp(v, g, False)
    elif getattr(op, "local", None) is not None:
        locs = tuple(np.asarray(d, dtype=float) if isinstance(d, np.ndarray) else float(d)
                     for d in op.local(*(x.data for x in v.inputs), v.data))
        received = tuple(_unbroadcast(g * d, x.data.shape) if need else None
                         for x, d, need in zip(v.inputs, locs, needs))
        return received, locs
    elif getattr(v, "_vjp", None) is not None:  # e.g. a user's Function: its backward
        outs = v._vjp(v, g, False)
    else:
        raise TypeError(f"step_through: the {v.op!r} record keeps no way to compute its gradient "
                        "(backward freed it): call step_through before backward, or backward with "
                        "retain_graph=True")
    if not isinstance(outs, (tuple, list)):
        outs = (outs,)
    return tuple(None if o is None or not need else np.asarray(_raw(o))
                 for o, need in zip(outs, needs)), None


def _vjp_formula(v: Any) -> str:
    """The first line of a Tensor rule's docstring states its product (e.g. ∂L/∂a = g @ bᵀ)."""
    fn = getattr(v._op, "vjp", None)
    doc = (getattr(fn, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def _backpropagated(root: Any) -> bool:
    g = root.grad
    if g is None:
        return False
    return bool(np.any(np.asarray(_raw(g)) != 0))


class StepThrough:
    """The recorded ops of a graph as a forward walk then a backward walk (``.steps``).

    ``print()`` it for the text; in Jupyter it shows the graph with Previous/Next buttons.
    """

    def __init__(self, out: Any) -> None:
        root = _output_node(out)
        self.root = root
        self._locals: dict[int, tuple | None] = {}
        self.ops, self.leaves = _collect(root)
        self._names = self._name_nodes()
        if _backpropagated(root):
            seed = _raw(root.grad)
        else:
            if np.size(_raw(root.data)) != 1:
                raise ValueError(
                    f"step_through: the output has shape {_shape(root.data)}, and backward needs a "
                    "scalar (a loss): step through out.sum(), or call out.backward(gradient=...) first")
            seed = np.ones_like(root.data) if isinstance(_raw(root.data), np.ndarray) else 1.0
            # the locals are taken before the user's backward frees them; the walk below uses them
            self._locals = {id(v): _vjp(v, 1.0)[1] for v in self.ops if not _is_array_graph(v)}
            root.backward()
        self.seed = seed
        self.steps: list[Step] = []
        self._forward_steps()
        self._backward_steps()

    # names: a node's label, else t1, t2, ... for results and in1, in2, ... for unnamed inputs
    def _name_nodes(self) -> dict[int, str]:
        names: dict[int, str] = {}
        used: set[str] = set()
        for v in [*self.leaves, *self.ops]:
            lab = getattr(v, "label", "") or ""
            if lab and lab not in used:
                names[id(v)] = lab
                used.add(lab)
        if id(self.root) not in names and self.ops and "L" not in used:
            names[id(self.root)] = "L"  # the output, as the lecture writes ∂L/∂w
            used.add("L")
        counters = {"in": 0, "t": 0}
        for v in [*self.leaves, *self.ops]:
            if id(v) in names:
                continue
            kind = "t" if v.inputs else "in"
            while True:
                counters[kind] += 1
                cand = f"{kind}{counters[kind]}"
                if cand not in used:
                    break
            names[id(v)] = cand
            used.add(cand)
        return names

    def name(self, node: Any) -> str:
        return self._names[id(node)]

    def _expr(self, v: Any, names: list[str], values: list[str] | None = None) -> str:
        """``a * b`` or ``tanh(a)`` (with names, or with the given values instead)."""
        items = values if values is not None else names
        op = v.op
        if op in _INFIX and len(items) == 2:
            sym = _INFIX[op]
            right = _paren(items[1]) if values is not None else items[1]
            return f"{items[0]} {sym} {right}"
        if op == "weighted_sum" and len(items) % 2 == 1:  # inputs (b, w_1..w_n, z_1..z_n)
            n = len(items) // 2
            p = _paren if values is not None else str
            terms = [f"{p(w)}·{p(z)}" for w, z in zip(items[1:n + 1], items[n + 1:])]
            return " + ".join([items[0], *terms])
        if op == "transpose" and len(items) == 1:
            return f"{items[0]}ᵀ"
        if op == "neg" and len(items) == 1:
            return f"-{_paren(items[0]) if values is not None else items[0]}"
        sym = getattr(getattr(v, "_op", None), "symbol", op) if op not in ("relu",) else "relu"
        return f"{sym}({', '.join(items)})"

    def _forward_steps(self) -> None:
        for v in self.ops:
            ins = v.inputs
            in_names = [self.name(x) for x in ins]
            vals = [_raw(x.data) for x in ins]
            out = self.name(v)
            lines = [f"forward {len(self.steps) + 1}: {out} = {self._expr(v, in_names)}"]
            if _is_array_graph(v):
                shapes = " ".join(f"{n}{_shape(x) or ()}" for n, x in zip(in_names, vals))
                lines.append(f"    shapes: {shapes} -> {out}{_shape(v.data) or ()}")
                for n, x in zip(in_names, vals):
                    lines.append(f"    {n} = {fmt(x)}")
                lines.append(f"    {out} = {fmt(v.data)}")
            else:
                lines[0] += (f" = {self._expr(v, in_names, [_num(x) for x in vals])}"
                             f" = {_num(v.data)}")
            self.steps.append(Step(len(self.steps), "forward", v.op, out, v, tuple(ins), in_names,
                                   vals, _raw(v.data), lines=lines))

    def _backward_steps(self) -> None:
        root = self.root
        L = self.name(root)
        grads: dict[int, Any] = {id(root): self.seed}
        self.steps.append(Step(len(self.steps), "backward", "seed", L, root, (), [], [],
                               _raw(root.data), upstream=self.seed,
                               lines=[f"backward {len(self.steps) + 1}: start at the output: "
                                      f"∂{L}/∂{L} = {fmt(self.seed)}"]))
        locals_before = self._locals
        for v in reversed(self.ops):
            g = grads.get(id(v))
            out = self.name(v)
            ins = v.inputs
            in_names = [self.name(x) for x in ins]
            if g is None:  # every op is reachable from the root; kept for safety on odd graphs
                g = np.zeros_like(_raw(v.data)) if _is_array_graph(v) else 0.0
            if id(v) in locals_before and locals_before[id(v)] is not None:
                locs = locals_before[id(v)]
                received = tuple(d * g for d in locs)
            else:
                received, locs = _vjp(v, g)
            lines = [f"backward {len(self.steps) + 1}: through {out} = {self._expr(v, in_names)}",
                     f"    arriving: ∂{L}/∂{out} = {fmt(g)}"]
            if locs is None and _vjp_formula(v):
                lines.append(f"    rule:     {_vjp_formula(v)}   (g = ∂{L}/∂{out})")
            if locs is not None:
                formulas = _LOCAL_FORMULA.get(v.op, ())
                parts = []
                if v.op == "weighted_sum":  # ∂a/∂b = 1, ∂a/∂w_j = z_j, ∂a/∂z_j = w_j
                    k = len(in_names) // 2
                    formulas = ("1", *in_names[k + 1:], *in_names[1:k + 1])
                for i, (n, d) in enumerate(zip(in_names, locs)):
                    f = formulas[i] if i < len(formulas) else ""
                    f = f.format(a=in_names[0], b=in_names[-1], out=out)
                    plain = not f or f.lstrip("-").isdigit()  # "1" needs no "= 1.0" after it
                    shown = fmt(d) if plain else f"{f} = {fmt(d)}"
                    parts.append(f"∂{out}/∂{n} = {shown}")
                sep = "\n              " if _is_array_graph(v) else ";  "  # arrays: one per line
                lines.append("    local:    " + sep.join(parts))
            totals = []
            for x, n, r, d in zip(ins, in_names, received, locs or [None] * len(ins)):
                if r is None:
                    totals.append(grads.get(id(x)))
                    continue
                before = grads.get(id(x))
                total = r if before is None else before + r
                grads[id(x)] = total
                totals.append(total)
                eq = "=" if before is None else "+="
                if d is not None and not _is_array_graph(v):
                    lines.append(f"    ∂{L}/∂{n} {eq} ∂{L}/∂{out} · ∂{out}/∂{n} = {_paren(fmt(g))} · "
                                 f"{_paren(fmt(d))} = {fmt(r)}")
                elif d is not None:  # elementwise on arrays: ⊙, then summed over broadcast axes
                    summed = "" if _shape(r) == _shape(g) else f", summed to shape {_shape(r) or ()}"
                    lines.append(f"    ∂{L}/∂{n} {eq} ∂{L}/∂{out} ⊙ ∂{out}/∂{n}{summed} = {fmt(r)}")
                else:
                    lines.append(f"    ∂{L}/∂{n} {eq} {fmt(r)}")
                if before is not None:
                    lines.append(f"        (so far ∂{L}/∂{n} = {fmt(total)})")
            self.steps.append(Step(len(self.steps), "backward", v.op, out, v, tuple(ins), in_names,
                                   [_raw(x.data) for x in ins], _raw(v.data), upstream=g,
                                   local=list(locs) if locs is not None else [],
                                   received=list(received), totals=totals, lines=lines))
        self.grads = grads

    def grad(self, node: Any) -> Any:
        """∂L/∂node as this walk computed it (one backward pass, seeded as the output's)."""
        return self.grads.get(id(node))

    # --- text -------------------------------------------------------------------------------------
    def __str__(self) -> str:
        head = [f"step-through of {self.name(self.root)}: {len(self.ops)} op(s), "
                f"{len(self.steps)} steps (forward, then backward)"]
        if self.leaves:
            head.append("inputs: " + ", ".join(f"{self.name(x)} = {fmt(x.data)}" for x in self.leaves))
        return "\n".join(head + [str(s) for s in self.steps])

    def __repr__(self) -> str:
        return str(self)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    # --- HTML ------------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """Self-contained HTML: graph (inline SVG), the current step's text, Previous/Next buttons."""
        from .draw import dot_available

        pid = "agl-step-" + uuid.uuid4().hex[:10]
        graph_html, note = "", ""
        if dot_available():
            graph_html, vid, oid = self._svg_for(pid)
        else:
            note = ("<p class='agl-note'>Graphviz's <code>dot</code> is not installed, so the graph is "
                    "not drawn (install it: <code>apt-get install graphviz</code>, <code>brew install "
                    "graphviz</code> or <code>conda install -c conda-forge graphviz</code>). "
                    "The walk is below.</p>")
            vid = oid = {}
        nid = lambda v: vid.get(id(v), "")  # noqa: E731
        opid = lambda v: oid.get(id(v), "")  # noqa: E731
        # the last backward step that adds to a node: from then on its box shows the final gradient
        last = {id(x): s.index for s in self.steps for x in s.inputs if s.phase == "backward"}
        partial = lambda t: f"grad {fmt(t)}" if not isinstance(_raw(t), np.ndarray) else "grad …"  # noqa: E731
        init = [[nid(v), int(not v.inputs)] for v in [*self.leaves, *self.ops] if nid(v)]
        inputs = ", ".join(f"{self.name(x)} = {fmt(x.data)}" for x in self.leaves)
        frames = [{"t": f"Start: the inputs are known: {inputs}\nPress Next to run the ops.",
                   "cur": [nid(v) for v in self.leaves], "ins": [], "set": []}]
        # a frame's "set" entries: [node id, "d" or "g", text to show, 1 if it is the final number]
        for s in self.steps:
            v = s.node
            if s.phase == "forward":
                sets = [[nid(v), "d", "", 1]]
            elif s.op == "seed":
                sets = [[nid(v), "g", partial(s.upstream), int(v not in s.inputs)]]
            else:
                sets = [[nid(x), "g", partial(t), int(last[id(x)] == s.index)]
                        for x, t in zip(s.inputs, s.totals) if t is not None]
            cur = [nid(v)] if s.op == "seed" else [nid(v), opid(v)]
            frames.append({"t": str(s), "cur": [c for c in cur if c], "ins": [nid(x) for x in s.inputs],
                           "set": [u for u in sets if u[0]]})
        blob = json.dumps({"nodes": init, "frames": frames}).replace("</", "<\\/")
        return _TEMPLATE.format(pid=pid, note=note, graph=graph_html, n=len(frames) - 1,
                                text=html.escape(str(self)), data=blob, script=_SCRIPT.replace("PID", pid))

    def _svg_for(self, pid: str) -> tuple[str, dict[int, str], dict[int, str]]:
        """``draw``'s picture of the graph, drawn once with the final numbers (so every box is wide
        enough) and with element ids, so the script can blank what is not yet known and fill it in
        step by step. Unlabelled nodes are drawn with the walk's names (t1, in1, ...)."""
        from .draw import draw, nodes_of

        nodes = nodes_of(self.root)
        unlabelled = [v for v in nodes if not getattr(v, "label", "")]
        # an engine may keep no .grad on interior nodes; the picture shows the walk's gradient there
        no_grad = [v for v in nodes if v.grad is None and id(v) in self.grads]
        try:
            for v in unlabelled:
                v.label = self.name(v)
            for v in no_grad:
                v.grad = self.grads[id(v)]
            g = draw(self.root)
        finally:
            for v in unlabelled:
                v.label = ""
            for v in no_grad:
                v.grad = None
        # draw names the i-th node of nodes_of(root) "v{i}" and its op "v{i}_op"; re-declaring a
        # node in DOT adds attributes to it
        g.graph_attr["id"] = f"{pid}-graph"
        vid, oid = {}, {}
        for i, v in enumerate(nodes):
            vid[id(v)] = f"{pid}-v{i}"
            g.node(f"v{i}", id=vid[id(v)])
            if v.inputs:
                oid[id(v)] = f"{pid}-o{i}"
                g.node(f"v{i}_op", id=oid[id(v)])
        svg = g.pipe(format="svg").decode()
        svg = svg[svg.index("<svg"):]
        # graphviz's comments and <title>s (internal node names) are a quarter of a big graph's bytes
        svg = re.sub(r"<!--.*?-->\n?|<title>[^<]*</title>\n?", "", svg, flags=re.S)
        return svg, vid, oid

    def save_html(self, path: Any) -> None:
        """Write the view as a standalone HTML page (opens in any browser, no network)."""
        from pathlib import Path

        Path(path).write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>step-through"
                              "</title></head><body>" + self.to_html() + "</body></html>",
                              encoding="utf-8")


def step_through(out: Any) -> StepThrough:
    """Walk ``out``'s graph: the forward ops in recorded order, then backward newest first.

    ``out`` is a ``Value`` or a ``Tensor`` (a scalar, e.g. a loss), or an object holding one as
    ``.output``. If ``out`` has not been backpropagated, this runs ``out.backward()`` once (so the
    leaves' ``.grad`` are filled as usual); if it has, nothing is run again and the walk uses the
    gradient already seeded. ``.steps`` lists the ``Step`` records; ``print()`` shows them.
    """
    return StepThrough(out)


_TEMPLATE = """<div class="agl-step" id="{pid}" tabindex="0">
<style>
#{pid} {{ font-family: Helvetica, Arial, sans-serif; font-size: 13px; }}
#{pid} .agl-bar {{ margin: 4px 0; }}
#{pid} .agl-bar button {{ font-size: 13px; padding: 2px 10px; margin-right: 6px; cursor: pointer; }}
#{pid} pre {{ background: #f7f7f7; border: 1px solid #ddd; padding: 6px; margin: 4px 0;
  white-space: pre-wrap; max-height: 20em; overflow: auto; }}
#{pid} .agl-graph {{ overflow: auto; max-height: 75vh; border: 1px solid #eee; }}
#{pid} .agl-graph svg {{ max-width: 100%; height: auto; }}
#{pid} .agl-graph.agl-full svg {{ max-width: none; }}
#{pid} g.agl-cur polygon, #{pid} g.agl-cur ellipse {{ fill: #ffd966; stroke: #d62728; stroke-width: 2.5px; }}
#{pid} g.agl-in polygon, #{pid} g.agl-in ellipse {{ fill: #dbe9ff; stroke: #1f77b4; stroke-width: 2px; }}
#{pid} g.agl-new text {{ fill: #d62728; font-weight: bold; }}
#{pid} .agl-note {{ color: #8a4b00; }}
</style>
{note}<div class="agl-bar"><button type="button" class="agl-prev" id="{pid}-prev">&#9664; Previous</button
><button type="button" class="agl-next" id="{pid}-next">Next &#9654;</button
><button type="button" class="agl-zoom" id="{pid}-zoom">Full size</button
><span class="agl-pos" id="{pid}-pos">step 0 / {n}</span></div>
<pre class="agl-text" id="{pid}-text">{text}</pre>
<div class="agl-graph" id="{pid}-graph-box">{graph}</div>
<script type="application/json" id="{pid}-data">{data}</script>
<script>{script}</script>
</div>"""

# Plain ES5, no libraries: it must run in an exported notebook, a static viewer and an old browser.
_SCRIPT = """(function () {
  var root = document.getElementById("PID");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var D = JSON.parse(document.getElementById("PID-data").textContent);
  var frames = D.frames, text = document.getElementById("PID-text");
  var pos = document.getElementById("PID-pos");
  var prev = document.getElementById("PID-prev"), next = document.getElementById("PID-next");
  var cells = {}, shown = {}, marked = [];
  function slice(t, a, b) {
    var out = [];
    for (var i = a; i < b; i++) { out.push([t[i], t[i].textContent]); }
    return out;
  }
  D.nodes.forEach(function (n) {
    var g = document.getElementById(n[0]);
    if (!g) { return; }
    var t = g.getElementsByTagName("text"), gi = -1, di = -1, i;
    for (i = t.length - 1; i >= 0 && gi < 0; i--) { if (t[i].textContent.indexOf("grad") === 0) { gi = i; } }
    for (i = gi - 1; i >= 0 && di < 0; i--) { if (t[i].textContent.indexOf("data") === 0) { di = i; } }
    if (gi < 0) { return; }
    cells[n[0]] = {d: di >= 0 ? slice(t, di, gi) : [], g: slice(t, gi, t.length)};
  });
  // what a box shows: null (not known yet: "data ?"), a partial sum, or the final number as drawn
  function state(k) {
    var s = {};
    D.nodes.forEach(function (n) { s[n[0] + " d"] = n[1] ? ["", 1] : null; s[n[0] + " g"] = null; });
    for (var i = 1; i <= k; i++) {
      frames[i].set.forEach(function (u) { s[u[0] + " " + u[1]] = [u[2], u[3]]; });
    }
    return s;
  }
  function paint(lines, field, st) {
    if (!lines.length) { return; }
    lines.forEach(function (l, i) {
      var blank = field === "d" ? "data ?" : "grad ?";
      l[0].textContent = st && st[1] ? l[1] : (i === 0 ? (st ? st[0] : blank) : "");
    });
  }
  function mark(ids, cls) {
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.classList.add(cls); marked.push([el, cls]); }
    });
  }
  var k = 0;
  function show(to) {
    k = Math.max(0, Math.min(frames.length - 1, to));
    var s = state(k);
    Object.keys(cells).forEach(function (id) {
      ["d", "g"].forEach(function (f) {
        var key = id + " " + f, v = s[key], tag = JSON.stringify(v);
        if (shown[key] !== tag) { paint(cells[id][f], f, v); shown[key] = tag; }
      });
    });
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    var fr = frames[k];
    mark(fr.ins, "agl-in");
    mark(fr.cur, "agl-cur");
    mark(fr.set.map(function (u) { return u[0]; }), "agl-new");
    text.textContent = fr.t;
    var here = document.getElementById(fr.cur[0]);
    if (here && box.classList.contains("agl-full") && here.getBoundingClientRect) {
      var r = here.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (r.right > b.right || r.left < b.left || r.bottom > b.bottom || r.top < b.top) {
        box.scrollLeft += r.left - b.left - b.width / 3;
        box.scrollTop += r.top - b.top - b.height / 3;
      }
    }
    pos.textContent = "step " + k + " / " + (frames.length - 1);
    root.setAttribute("data-step", String(k));
    prev.disabled = k === 0;
    next.disabled = k === frames.length - 1;
  }
  var box = document.getElementById("PID-graph-box"), zoom = document.getElementById("PID-zoom");
  var svg = box.getElementsByTagName("svg")[0];
  function setFull(full) {
    if (full) { box.classList.add("agl-full"); } else { box.classList.remove("agl-full"); }
    zoom.textContent = full ? "Fit to width" : "Full size";
  }
  if (!svg) { zoom.style.display = "none"; }
  // a graph far wider than the page would shrink to unreadable: show it full size, scrolled to the step
  else if (svg.width && svg.width.baseVal && box.clientWidth &&
           svg.width.baseVal.value > 1.8 * box.clientWidth) { setFull(true); }
  zoom.addEventListener("click", function () {
    setFull(!box.classList.contains("agl-full"));
    show(k);
  });
  prev.addEventListener("click", function () { show(k - 1); });
  next.addEventListener("click", function () { show(k + 1); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(k + 1); } else if (e.key === "ArrowLeft") { show(k - 1); }
  });
  show(0);
})();"""



# --- the lecture's layer-wise backpropagation ----------------------------------------------------
# δ_K = f'_K(a_K) ⊙ loss'(z_K),  δ_k = f'_k(a_k) ⊙ (W_{k+1}ᵀ δ_{k+1}),  ∂L/∂W_k = δ_k z_{k-1}ᵀ,
# ∂L/∂b_k = δ_k, with a_k = W_k z_{k-1} + b_k and z_k = f_k(a_k). Rows are samples, so in code the
# column vector W_{k+1}ᵀ δ_{k+1} is the row δ_{k+1} W_{k+1}, and δ_k z_{k-1}ᵀ summed over the
# samples is δ_kᵀ Z_{k-1}.

# name -> (f, f' written from a and z = f(a)), on ndarrays
_ACTIVATIONS: dict[str, tuple[Any, Any, str]] = {
    "identity": (lambda a: a, lambda a, z: np.ones_like(a), "1"),
    "tanh": (np.tanh, lambda a, z: 1.0 - z * z, "1 - z²"),
    "sigmoid": (lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)), lambda a, z: z * (1.0 - z), "z (1 - z)"),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, z: (a > 0).astype(a.dtype), "1[a > 0]"),
}
_LOSSES = {"mse": "mean((z - y)²)", "sse": "½ Σ (z - y)²", "cross_entropy": "mean(-log softmax(z)[y])"}


@dataclass
class LayerDelta:
    """Layer k of ``layer_deltas``: its pre-activation ``a``, output ``z``, input ``z_prev``, the
    derivative ``fprime`` = f'_k(a_k), the back-propagated ``back`` (W_{k+1}ᵀ δ_{k+1}, or loss'(z_K)
    for the last layer), ``delta`` = fprime ⊙ back, the gradients ``dW`` and ``db``, and the tape's
    gradients for the same numbers (``tape_delta`` = ∂L/∂a_k, ``tape_dW``, ``tape_db``)."""

    k: int
    activation: str
    z_prev: np.ndarray
    a: np.ndarray
    z: np.ndarray
    fprime: np.ndarray
    back: np.ndarray
    delta: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    tape_delta: np.ndarray | None = None
    tape_dW: np.ndarray | None = None
    tape_db: np.ndarray | None = None

    @property
    def max_diff(self) -> float:
        """Largest difference between the recursion and the tape over δ, ∂L/∂W and ∂L/∂b."""
        pairs = [(self.delta, self.tape_delta), (self.dW, self.tape_dW), (self.db, self.tape_db)]
        return max(float(np.max(np.abs(x - t))) if t is not None else math.nan for x, t in pairs)

    @property
    def agrees(self) -> bool:
        return all(t is not None and np.allclose(x, t, rtol=1e-7, atol=1e-10)
                   for x, t in [(self.delta, self.tape_delta), (self.dW, self.tape_dW),
                                (self.db, self.tape_db)])


class LayerDeltas:
    """The slide's backpropagation layer by layer, checked against the tape (see ``layer_deltas``)."""

    def __init__(self, layers: list[LayerDelta], loss_name: str, loss: float, batch: int) -> None:
        self.layers = layers
        self.loss_name = loss_name
        self.loss = loss
        self.batch = batch

    @property
    def passed(self) -> bool:
        return all(layer.agrees for layer in self.layers)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        K = len(self.layers)
        one = self.batch == 1
        sq = (lambda x: x[0]) if one else (lambda x: x)  # noqa: E731 - one sample reads as vectors
        out = [f"loss = {_LOSSES[self.loss_name]} = {_num(self.loss)}"
               + ("" if one else f"   (a batch of {self.batch} samples n, one per row)")]
        for layer in reversed(self.layers):
            k, f = layer.k, layer.activation
            out.append(f"layer {k} ({f}): a_{k} = W_{k} z_{k - 1} + b_{k},  z_{k} = {f}(a_{k})")
            out.append(f"    f'_{k}(a_{k}) = {_ACTIVATIONS[f][2] if f in _ACTIVATIONS else 'f′'}"
                       f" = {fmt(sq(layer.fprime))}")
            if k == K:
                out.append(f"    loss'(z_{K}) = {fmt(sq(layer.back))}")
                out.append(f"    δ_{k} = f'_{k} ⊙ loss'(z_{k}) = {fmt(sq(layer.delta))}")
            else:
                out.append(f"    W_{k + 1}ᵀ δ_{k + 1} = {fmt(sq(layer.back))}")
                out.append(f"    δ_{k} = f'_{k} ⊙ (W_{k + 1}ᵀ δ_{k + 1}) = {fmt(sq(layer.delta))}")
            over = "" if one else "Σ_n "
            out.append(f"    ∂L/∂W_{k} = {over}δ_{k} z_{k - 1}ᵀ = {fmt(layer.dW, 20)}")
            out.append(f"    ∂L/∂b_{k} = {over}δ_{k} = {fmt(layer.db, 20)}")
            verdict = "agrees with" if layer.agrees else "DIFFERS from"
            out.append(f"    {verdict} the tape (largest difference {layer.max_diff:.1e})")
        out.append("all layers agree with the tape's gradients" if self.passed
                   else "some layers differ from the tape's gradients")
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b3261e"
        return (f"<pre style='border-left: 4px solid {color}; padding-left: 8px'>"
                f"{html.escape(str(self))}</pre>")


def _layers_of(model: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(W, b, activation name) per layer, from an ``nn.Sequential``/``nn.MLP`` of Linear layers and
    activations, or from a list of (W, b, activation) with W shaped (out, in)."""
    mods = getattr(model, "_modules", None)
    if mods is None:
        layers = []
        for i, item in enumerate(model):
            W, b, f = item if len(item) == 3 else (*item, "identity")
            f = str(f).lower()
            if f not in _ACTIVATIONS:
                raise ValueError(f"layer {i + 1}: activation {f!r} is not one of {', '.join(_ACTIVATIONS)}")
            W = np.asarray(_raw(W), dtype=np.float64)
            b = np.zeros(W.shape[0]) if b is None else np.asarray(_raw(b), dtype=np.float64)
            layers.append((W, b, f))
        return layers
    layers: list[list[Any]] = []
    for m in mods.values():
        kind = type(m).__name__
        if hasattr(m, "weight"):  # a Linear layer
            W = np.asarray(_raw(m.weight), dtype=np.float64)
            b = getattr(m, "bias", None)
            layers.append([W, np.zeros(W.shape[0]) if b is None else np.asarray(_raw(b), np.float64),
                           "identity"])
        elif kind.lower() in _ACTIVATIONS and layers and layers[-1][2] == "identity":
            layers[-1][2] = kind.lower()
        elif kind != "Identity":
            raise ValueError(f"layer_deltas handles Linear layers with {', '.join(_ACTIVATIONS)} "
                             f"activations; this model has a {kind}")
    return [tuple(x) for x in layers]  # type: ignore[misc]


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        name = loss.lower()
    else:
        name = {"MSELoss": "mse", "MSE": "mse", "CrossEntropyLoss": "cross_entropy",
                "CCE": "cross_entropy"}.get(type(loss).__name__, "")
        if getattr(loss, "reduction", "mean") != "mean":
            name = ""
    if name not in _LOSSES:
        raise ValueError(f"layer_deltas: the loss must be one of {', '.join(_LOSSES)} "
                         f"(or nn.MSELoss()/nn.CrossEntropyLoss() with reduction='mean'), not {loss!r}")
    return name


def layer_deltas(model: Any, x: Any, y: Any, loss: Any = "mse") -> LayerDeltas:
    """The lecture's backpropagation slides for a small MLP: each layer's δ_k and weight gradient.

    ``model`` is an ``nn.MLP``/``nn.Sequential`` of Linear layers and tanh/sigmoid/relu/identity
    activations, or a list of ``(W, b, activation)`` with W shaped (out, in). ``x`` is one input
    (a vector) or a batch (rows); ``y`` the targets (class indices for ``"cross_entropy"``).
    ``loss`` is ``"mse"`` (mean of squares, as ``nn.MSELoss``), ``"sse"`` (½ Σ (z - y)²) or
    ``"cross_entropy"`` (on logits). The recursion is computed with numpy from the weights and the
    activations' derivatives only, then the same network is run on ``Tensor``s and backpropagated
    by the tape, and the two are compared layer by layer. The model's own ``.grad``s are untouched.
    """
    from .tensor import Tensor

    layers = _layers_of(model)
    name = _loss_name(loss)
    X = np.asarray(_raw(x), dtype=np.float64)
    one = X.ndim == 1
    X = X.reshape(1, -1) if one else X
    N = X.shape[0]
    Y = np.asarray(_raw(y))
    # forward, keeping a_k and z_k
    zs, as_ = [X], []
    for W, b, f in layers:
        as_.append(zs[-1] @ W.T + b)
        zs.append(_ACTIVATIONS[f][0](as_[-1]))
    out = zs[-1]
    if name == "cross_entropy":
        labels = Y.astype(int).reshape(-1)
        shifted = out - out.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        value = float(-np.mean(np.log(p[np.arange(N), labels])))
        onehot = np.zeros_like(out)
        onehot[np.arange(N), labels] = 1.0
        dloss = (p - onehot) / N
    else:
        target = Y.astype(np.float64).reshape(out.shape)
        value = float(np.mean((out - target) ** 2) if name == "mse" else 0.5 * np.sum((out - target) ** 2))
        dloss = 2.0 * (out - target) / out.size if name == "mse" else out - target
    # backward by the slide's recursion
    result: list[LayerDelta] = []
    back = dloss
    for k in range(len(layers), 0, -1):
        W, b, f = layers[k - 1]
        fprime = _ACTIVATIONS[f][1](as_[k - 1], zs[k])
        delta = fprime * back
        result.append(LayerDelta(k, f, zs[k - 1], as_[k - 1], zs[k], fprime, back, delta,
                                 delta.T @ zs[k - 1], delta.sum(axis=0)))
        back = delta @ W  # W_kᵀ δ_k, as rows
    result.reverse()
    # the same numbers through the tape
    Ws = [Tensor(W, requires_grad=True) for W, _, _ in layers]
    bs = [Tensor(b, requires_grad=True) for _, b, _ in layers]
    z: Any = Tensor(X)
    pre = []
    for W, b, (_, _, f) in zip(Ws, bs, layers):
        a = z @ W.T + b
        pre.append(a)
        z = a if f == "identity" else getattr(a, f)()
    if name == "cross_entropy":
        L = -(z.log_softmax(axis=-1) * onehot).sum() / N
    else:
        L = ((z - target) ** 2.0).mean() if name == "mse" else ((z - target) ** 2.0).sum() * 0.5
    L.backward()
    for layer, a, W, b in zip(result, pre, Ws, bs):
        layer.tape_delta, layer.tape_dW, layer.tape_db = (np.asarray(_raw(t.grad)) for t in (a, W, b))
    return LayerDeltas(result, name, value, N)
