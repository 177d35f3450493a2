"""step_through: the tape as a walk a person can follow, one recorded op at a time.

``step_through(out)`` lists the ops ``out`` depends on in the order they ran (forward), then walks
them back newest first (backward). Each backward step writes the chain rule out with numbers::

    ∂z/∂x = ∂z/∂t1 · ∂t1/∂x = 0.5 · 3.0 = 1.5

which is the lecture's δ_k = f'_k ⊙ (W_{k+1}ᵀ δ_{k+1}) taken one op at a time.

The walk reads only the record contract of ``tape.py``: each op's inputs, its registry entry (for
its symbol and its formula), ``local_derivatives`` and ``input_grads`` for the numbers, so it is true
by construction and writes nothing into the graph. Names come from the model (``names.py``). The
HTML widget is ``step_html.py``; the lecture's layer-wise helpers are ``lecture.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .names import Names
from .show import fmt, num, numbers_of, paren, shape_of
from .tape import input_grads, local_derivatives, recorded_ops

__all__ = ["LayerDelta", "LayerDeltas", "Step", "StepThrough", "layer_deltas", "step_through"]

_INFIX = {"add", "sub", "mul", "div", "pow", "powc", "matmul"}


def _is_array_graph(x: Any) -> bool:
    return isinstance(numbers_of(x), np.ndarray)


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
def output_node(out: Any, what: str = "step_through") -> Any:
    """The node to walk from: a Value/Tensor itself, or whatever holds one (``.output``, e.g. an
    evaluated ``nn.NeuronGraph``)."""
    if isinstance(out, (list, tuple)):  # e.g. the outputs of a network with several
        if len(out) != 1:
            raise ValueError(f"{what} walks back from one output; got {len(out)}: pick one, "
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
    raise TypeError(f"{what} needs a Value or a Tensor (the output of a computation), "
                    f"not {type(out).__name__}")


def collect(root: Any) -> tuple[list, list]:
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


def backpropagated(root: Any) -> bool:
    g = root.grad
    if g is None:
        return False
    return bool(np.any(np.asarray(numbers_of(g)) != 0))


def run_backward_once(root: Any, what: str = "step_through") -> Any:
    """The gradient seeded at ``root``: the one a backward already used, or 1 after running it."""
    if backpropagated(root):
        return numbers_of(root.grad)
    if np.size(numbers_of(root.data)) != 1:
        raise ValueError(
            f"{what}: the output has shape {shape_of(root.data)}, and backward needs a "
            "scalar (a loss): step through out.sum(), or call out.backward(gradient=...) first")
    seed = np.ones_like(root.data) if _is_array_graph(root) else 1.0
    root.backward()
    return seed


class StepThrough:
    """The recorded ops of a graph as a forward walk then a backward walk (``.steps``).

    ``print()`` it for the text; in Jupyter it shows the graph with Previous/Next buttons.
    """

    def __init__(self, out: Any) -> None:
        root = output_node(out)
        self.root = root
        self.ops, self.leaves = collect(root)
        self.names = Names(root, self.ops, self.leaves)
        self.seed = run_backward_once(root)
        self.steps: list[Step] = []
        self._forward_steps()
        self._backward_steps()

    def name(self, node: Any) -> str:
        return self.names.name(node)

    def _expr(self, v: Any, names: list[str], values: list[str] | None = None) -> str:
        """``a * b`` or ``tanh(a)`` (with names, or with the given values instead)."""
        items = values if values is not None else names
        op = v.op
        rule = v.rule
        if op in _INFIX and len(items) == 2:  # (a name starts with "-" only for a negative constant)
            left = paren(items[0]) if op in ("pow", "powc") else items[0]
            return f"{left} {rule.symbol} {paren(items[1])}"
        if op == "weighted_sum" and len(items) % 2 == 1:  # inputs (b, w_1..w_n, z_1..z_n)
            n = len(items) // 2
            terms = [f"{paren(w)}·{paren(z)}" for w, z in zip(items[1:n + 1], items[n + 1:])]
            return " + ".join([items[0], *terms])
        if op == "transpose" and len(items) == 1:
            return f"{items[0]}ᵀ"
        if op == "getitem" and len(items) == 1:
            return f"{items[0]}[…]"
        if op == "neg" and len(items) == 1:
            return f"-{paren(items[0])}"
        sym = op if op == "relu" else getattr(rule, "symbol", op)
        return f"{sym}({', '.join(items)})"

    def _forward_steps(self) -> None:
        for v in self.ops:
            ins = v.inputs
            in_names = [self.name(x) for x in ins]
            vals = [numbers_of(x.data) for x in ins]
            out = self.name(v)
            lines = [f"forward {len(self.steps) + 1}: {out} = {self._expr(v, in_names)}"]
            if _is_array_graph(v):
                shapes = " ".join(f"{n}{shape_of(x) or ()}" for n, x in zip(in_names, vals))
                lines.append(f"    shapes: {shapes} -> {out}{shape_of(v.data) or ()}")
                for n, x, node in zip(in_names, vals, ins):
                    if not self.names.is_constant(node) or fmt(x) != n:
                        lines.append(f"    {n} = {fmt(x)}")
                lines.append(f"    {out} = {fmt(v.data)}")
            else:
                lines[0] += (f" = {self._expr(v, in_names, [num(x) for x in vals])}"
                             f" = {num(v.data)}")
            self.steps.append(Step(len(self.steps), "forward", v.op, out, v, tuple(ins), in_names,
                                   vals, numbers_of(v.data), lines=lines))

    def _formulas(self, v: Any, in_names: list[str], out: str) -> list[str]:
        """The formula of each local derivative, from the op's registry entry, with the names."""
        if v.op == "weighted_sum":  # ∂a/∂b = 1, ∂a/∂w_j = z_j, ∂a/∂z_j = w_j
            k = len(in_names) // 2
            return ["1", *in_names[k + 1:], *in_names[1:k + 1]]
        formula = getattr(v.rule, "formula", ())
        if not isinstance(formula, (tuple, list)):
            return [""] * len(in_names)
        x = in_names[0] if in_names else ""
        y = in_names[1] if len(in_names) > 1 else ""
        return [f.format(x=x, y=y, out=out) for f in formula] + [""] * (len(in_names) - len(formula))

    def _backward_steps(self) -> None:
        root = self.root
        L = self.name(root)
        grads: dict[int, Any] = {id(root): self.seed}
        self.steps.append(Step(len(self.steps), "backward", "seed", L, root, (), [], [],
                               numbers_of(root.data), upstream=self.seed,
                               lines=[f"backward {len(self.steps) + 1}: start at the output: "
                                      f"∂{L}/∂{L} = {fmt(self.seed)}"]))
        for v in reversed(self.ops):
            g = grads.get(id(v))
            out = self.name(v)
            ins = v.inputs
            in_names = [self.name(x) for x in ins]
            if g is None:  # every op is reachable from the root; kept for safety on odd graphs
                g = np.zeros_like(numbers_of(v.data)) if _is_array_graph(v) else 0.0
            locs = local_derivatives(v)
            received = input_grads(v, g)
            lines = [f"backward {len(self.steps) + 1}: through {out} = {self._expr(v, in_names)}",
                     f"    arriving: ∂{L}/∂{out} = {fmt(g)}"]
            formula = getattr(v.rule, "formula", "")
            if locs is None and isinstance(formula, str) and formula:
                lines.append(f"    rule:     {formula}   (g = ∂{L}/∂{out})")
            if locs is not None:
                parts = []
                for f, n, d, x in zip(self._formulas(v, in_names, out), in_names, locs, ins):
                    if self.names.is_constant(x):
                        continue
                    # "1" needs no "= 1.0" after it, nor a constant "0.5" its "= 0.5"
                    plain = not f or f.lstrip("-").isdigit() or f == fmt(d)
                    shown = fmt(d) if plain else f"{f} = {fmt(d)}"
                    parts.append(f"∂{out}/∂{n} = {shown}")
                sep = "\n              " if _is_array_graph(v) else ";  "  # arrays: one per line
                if parts:
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
                if self.names.is_constant(x):
                    continue  # a number in the formula: its gradient is of no use to anyone
                eq = "=" if before is None else "+="
                if d is not None and not _is_array_graph(v):
                    lines.append(f"    ∂{L}/∂{n} {eq} ∂{L}/∂{out} · ∂{out}/∂{n} = {paren(fmt(g))} · "
                                 f"{paren(fmt(d))} = {fmt(r)}")
                elif d is not None:  # elementwise on arrays: ⊙, then summed over broadcast axes
                    summed = "" if shape_of(r) == shape_of(g) else f", summed to shape {shape_of(r) or ()}"
                    lines.append(f"    ∂{L}/∂{n} {eq} ∂{L}/∂{out} ⊙ ∂{out}/∂{n}{summed} = {fmt(r)}")
                else:
                    lines.append(f"    ∂{L}/∂{n} {eq} {fmt(r)}")
                if before is not None:
                    lines.append(f"        (so far ∂{L}/∂{n} = {fmt(total)})")
            self.steps.append(Step(len(self.steps), "backward", v.op, out, v, tuple(ins), in_names,
                                   [numbers_of(x.data) for x in ins], numbers_of(v.data), upstream=g,
                                   local=list(locs) if locs is not None else [],
                                   received=list(received), totals=totals, lines=lines))
        self.grads = grads

    def grad(self, node: Any) -> Any:
        """∂L/∂node as this walk computed it (one backward pass, seeded as the output's)."""
        return self.grads.get(id(node))

    # --- text -------------------------------------------------------------------------------------
    def inputs_text(self) -> str:
        return ", ".join(f"{self.name(x)} = {fmt(x.data)}" for x in self.leaves
                         if not self.names.is_constant(x))

    def __str__(self) -> str:
        head = [f"step-through of {self.name(self.root)}: {len(self.ops)} op(s), "
                f"{len(self.steps)} steps (forward, then backward)"]
        if self.leaves and self.inputs_text():
            head.append("inputs: " + self.inputs_text())
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
        from .step_html import walk_html

        return walk_html(self)

    def save_html(self, path: Any) -> None:
        """Write the view as a standalone HTML page (opens in any browser, no network)."""
        from .step_html import save_page

        save_page(self, path)


def step_through(out: Any, depth: int | None = None) -> Any:
    """Walk ``out``'s graph: the forward ops in recorded order, then backward newest first.

    ``out`` is a ``Value`` or a ``Tensor`` (a scalar, e.g. a loss), or an object holding one as
    ``.output``. If ``out`` has not been backpropagated, this runs ``out.backward()`` once (so the
    leaves' ``.grad`` are filled as usual); if it has, nothing is run again and the walk uses the
    gradient already seeded. ``.steps`` lists the ``Step`` records; ``print()`` shows them.

    ``depth=None`` walks every recorded op. ``depth=1`` walks module by module (the layers of a model
    called inside the graph, its loss as one step): forward layer by layer, then backward layer by
    layer with the lecture's δ_k and ∂L/∂W_k, checked against the tape (a ``lecture.LayerWalk``).
    """
    if depth is None:
        return StepThrough(out)
    from .lecture import LayerWalk

    return LayerWalk(out, depth)


# the lecture's layer-wise helpers live in lecture.py; they are imported from here as documented
from .lecture import LayerDelta, LayerDeltas, layer_deltas  # noqa: E402
