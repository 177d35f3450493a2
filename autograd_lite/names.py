"""What a view calls each node of a graph: names a student can follow, taken from the model.

In order of precedence: a user's ``label``; a parameter's ``named_parameters()`` name (``0.weight``,
in a network of scalars the short ``L0.n3.w1`` for ``layers.0.neurons.3.w.1``); ``x`` for the data
passed into the model and ``y`` for a target passed with it into a loss; a constant (a number that
entered the graph as an operand) shown as its value; the output of the k-th layer of a sequential
model ``a1``, ``z1`` … as the lecture writes them; the output of any other module call its name,
an op inside it that name and the op's (``0.matmul``); outside modules ``t1``, ``t2`` …; the output
``L``. Nothing is written into the graph: the names live here, keyed by node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import scopes as S

__all__ = ["Names", "compact"]


def compact(name: str) -> str:
    """``layers.0.neurons.3.w.1`` -> ``L0.n3.w1``: a scalar network's dotted names, shortened so a
    line of the walk stays readable; a name with fewer indexed levels (``0.weight``) is kept."""
    parts = name.split(".")
    pairs = sum(1 for a, b in zip(parts, parts[1:]) if b.isdigit() and not a.isdigit())
    if pairs < 2:
        return name
    out: list[str] = []
    i = 0
    while i < len(parts):
        p = parts[i]
        if i + 1 < len(parts) and parts[i + 1].isdigit() and not p.isdigit():
            head = p if len(p) == 1 else p[0]
            out.append((head.upper() if not out else head) + parts[i + 1])
            i += 2
        else:
            out.append(p)
            i += 1
    return ".".join(out)


def _number(x: Any) -> str:
    x = float(x)
    s = f"{x:.6g}"
    return s + ".0" if s.lstrip("-").isdigit() else s


def constant_text(data: Any) -> str:
    """A constant as its value: ``4.0``, ``[1, 1, 1, 1]``, or its shape when it is large."""
    if isinstance(data, np.ndarray) and data.ndim > 0:
        if data.size <= 6:
            return np.array2string(data, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"})
        return f"const{tuple(data.shape)}"
    return _number(data)


class Names:
    """Names for the nodes of one graph: ``names.name(node)``, ``names.role(node)`` ("parameter",
    "input", "target", "constant", "variable", "op")."""

    def __init__(self, root: Any, ops: list, leaves: list) -> None:
        self.root = root
        self.ops = ops
        self.leaves = leaves
        self.scopes = S.scopes_of(ops)
        self.params = {k: compact(v) for k, v in S.parameter_names(self.scopes).items()}
        self._scope_of = {id(v): S.innermost(self.scopes, v.seq) for v in ops} if self.scopes else {}
        self._last_of: dict[int, Any] = {}  # id(scope) -> its last op in the graph
        for v in ops:
            s = self._scope_of.get(id(v))
            while s is not None:
                self._last_of[id(s)] = v
                s = s.parent
        self._consumers: dict[int, list] = {}
        for v in ops:
            for x in v.inputs:
                self._consumers.setdefault(id(x), []).append(v)
        self._roles: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._used: set[str] = set()
        self._counted_ids: set[int] = set()
        self._assign()

    def name(self, node: Any) -> str:
        return self._names[id(node)]

    def __contains__(self, node: Any) -> bool:
        return id(node) in self._names

    def role(self, node: Any) -> str:
        return self._roles.get(id(node), "op" if node.inputs else "variable")

    def scope(self, node: Any) -> S.Scope | None:
        """The innermost module call that made ``node`` (None for a leaf or an op outside modules)."""
        return self._scope_of.get(id(node))

    def is_constant(self, node: Any) -> bool:
        return self.role(node) == "constant"

    def from_model(self, node: Any) -> str:
        """The name if it says something beyond the walk's counting (a label, a parameter's name,
        x, a1, a module's name, a constant's value); "" for ``t1``, ``in1`` and the output's ``L``."""
        return "" if id(node) in self._counted_ids else self._names[id(node)]

    # ---------------------------------------------------------------------------------------------
    def _take(self, node: Any, name: str) -> None:
        if self._roles.get(id(node)) == "constant":  # shown as its value: two 1.0s may both be 1.0
            self._names[id(node)] = name
            return
        base, k = name, 1
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._names[id(node)] = name
        self._used.add(name)

    def _assign(self) -> None:
        nodes = [*self.leaves, *self.ops]
        for v in nodes:  # a user's label first, and never overridden
            lab = getattr(v, "label", "") or ""
            if lab and lab not in self._used:
                self._take(v, lab)
        for v in self.leaves:
            self._roles[id(v)] = self._leaf_role(v)
        if id(self.root) not in self._names and self.ops and "L" not in self._used:
            self._take(self.root, "L")  # the output, as the lecture writes ∂L/∂w
            self._counted_ids.add(id(self.root))
        inputs = [v for v in self.leaves if self._roles[id(v)] == "input"]
        targets = [v for v in self.leaves if self._roles[id(v)] == "target"]
        for group, letter in ((inputs, "x"), (targets, "y")):
            for i, v in enumerate(group):
                if id(v) not in self._names:
                    self._take(v, letter if len(group) == 1 else f"{letter}{i + 1}")
        layer_names = self._layer_names()
        counters = {"in": 0, "t": 0}
        for v in nodes:
            if id(v) in self._names:
                continue
            role = self._roles.get(id(v))
            if role == "parameter":
                self._take(v, self.params[id(v)])
            elif role == "constant":
                self._take(v, constant_text(v.data))
            elif not v.inputs:
                self._take(v, self._counted("in", counters))
                self._counted_ids.add(id(v))
            elif id(v) in layer_names:
                self._take(v, layer_names[id(v)])
            else:
                s = self._scope_of.get(id(v))
                if s is None:
                    self._take(v, self._counted("t", counters))
                    self._counted_ids.add(id(v))
                elif self._is_output(v, s):
                    self._take(v, self._scope_name(s))
                else:
                    self._take(v, f"{self._scope_name(s)}.{v.op}")

    def _counted(self, kind: str, counters: dict[str, int]) -> str:
        while True:
            counters[kind] += 1
            cand = f"{kind}{counters[kind]}"
            if cand not in self._used:
                return cand

    def _scope_name(self, s: S.Scope) -> str:
        if s.path:
            return compact(s.path)
        if len(self.scopes) > 1 and s is not self.scopes[0] and not _has_parameters(s.module):
            return "loss"  # a call after the model's, without parameters: the criterion
        return type(s.module).__name__

    def _is_output(self, v: Any, s: S.Scope) -> bool:
        """Whether ``v`` is the last op of its module call (what the call returned)."""
        return self._last_of.get(id(s)) is v

    def _leaf_role(self, v: Any) -> str:
        if id(v) in self.params:
            return "parameter"
        consumers = self._consumers.get(id(v), [])
        scopes = [S.at_depth(self.scopes, u.seq, 0) for u in consumers]
        if (self.scopes and all(s is self.scopes[0] for s in scopes) and _is_array(v)
                and np.ndim(v.data) >= 1):
            return "input"  # data handed to the model (a number lifted to an array is 0-d)
        if getattr(v, "requires_grad", False) is True:
            return "variable"  # a leaf the user asked a gradient for, outside any module
        if len(self.scopes) > 1:
            model = self.scopes[0]
            for u, s in zip(consumers, scopes):
                if s is not None and s is not model and any(
                        x is not v and x.inputs and S.at_depth(self.scopes, x.seq, 0) is model
                        for x in u.inputs):
                    return "target"  # compared with the model's output inside a loss
        if not _is_array(v) and len({id(s) for s in scopes}) > 1 and self.scopes:
            return "input"  # one Value read by several module calls: the network's input
        if getattr(v, "label", ""):
            return "variable"
        return "constant"

    def _layer_names(self) -> dict[int, str]:
        """a_k / z_k for the outputs of a sequential model's layers: the k-th call with parameters
        gives a_k, a call without parameters after it (its activation) z_k."""
        if not self.scopes:
            return {}
        out: dict[int, str] = {}
        model = self.scopes[0]
        k = 0
        for child in model.children:
            if child.children:  # a layer of neuron calls returns several nodes, not one a_k
                return {}
            last = self._last_op(child)
            if last is None or last is self.root:
                continue
            if _has_parameters(child.module):
                k += 1
                out[id(last)] = f"a{k}"
            elif k and f"z{k}" not in out.values():
                out[id(last)] = f"z{k}"
        return {i: n for i, n in out.items() if n not in self._used}

    def _last_op(self, s: S.Scope) -> Any:
        return self._last_of.get(id(s))


def _is_array(v: Any) -> bool:
    return isinstance(v.data, np.ndarray)


def _has_parameters(module: Any) -> bool:
    params = getattr(module, "parameters", None)
    if params is None:
        return False
    return next(iter(params()), None) is not None

