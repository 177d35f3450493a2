"""Which module made which op: the scopes a view groups a network's records by.

Every recorded op already has a sequence number from one global counter. A module's call takes one
number before its ``forward`` runs and one after, and appends ``(module, first, last)`` here: the ops
it made are exactly those with ``first < seq < last``, nested calls nest. That is two counter ticks
and one append per module call, and nothing per op, so the engines' hot paths are unchanged.

The log is a bounded ring (the newest ``LOG_SIZE`` calls): it never keeps a dropped graph alive (it
holds modules, not their inputs or outputs), and a view of a graph older than the ring simply shows
its ops without module names.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

LOG_SIZE = 20_000
calls: deque = deque(maxlen=LOG_SIZE)  # (module, first seq, last seq), appended by Module.__call__


@dataclass
class Scope:
    """One module call that made some of a graph's ops: its module, its sequence range, its name
    (the parent's name for it, e.g. ``"0"``), its depth (0 for a model called by the user) and the
    calls nested in it."""

    module: Any
    first: int
    last: int
    name: str = ""
    depth: int = 0
    parent: Scope | None = None
    children: list[Scope] = field(default_factory=list)

    def contains(self, seq: int) -> bool:
        return self.first < seq < self.last

    @property
    def path(self) -> str:
        """The dotted name from the outermost call, as ``named_parameters`` writes it (``"0"``)."""
        parts, s = [], self
        while s is not None and s.parent is not None:
            parts.append(s.name)
            s = s.parent
        return ".".join(reversed(parts))

    @property
    def title(self) -> str:
        """``0: Linear(2→16)``: the name its parent gives it and its type, sizes where it has them."""
        kind = type(self.module).__name__
        m = self.module
        ins, outs = getattr(m, "in_features", None), getattr(m, "out_features", None)
        if isinstance(ins, int) and isinstance(outs, int):
            kind += f"({ins}→{outs})"
        return f"{self.path}: {kind}" if self.path else kind


def scopes_of(ops: list) -> list[Scope]:
    """The module calls that made ``ops`` (recorded nodes in execution order), outermost first, as a
    forest: each call's ``children`` are the calls made inside it. Calls that made none of ``ops``
    are left out."""
    if not ops:
        return []
    lo, hi = ops[0].seq, ops[-1].seq
    seqs = sorted(v.seq for v in ops)
    found = [c for c in list(calls) if c[1] < hi and c[2] > lo and _any_between(seqs, c[1], c[2])]
    # a call opens before everything nested in it: by first seq, then widest first
    found.sort(key=lambda c: (c[1], -c[2]))
    roots: list[Scope] = []
    stack: list[Scope] = []
    for module, first, last in found:
        while stack and not stack[-1].last > last:
            stack.pop()
        parent = stack[-1] if stack else None
        s = Scope(module, first, last, depth=0 if parent is None else parent.depth + 1, parent=parent)
        if parent is None:
            roots.append(s)
        else:
            s.name = _child_name(parent.module, module)
            parent.children.append(s)
        stack.append(s)
    return roots


def _any_between(seqs: list, first: int, last: int) -> bool:
    from bisect import bisect_right

    i = bisect_right(seqs, first)
    return i < len(seqs) and seqs[i] < last


def _child_name(parent: Any, child: Any) -> str:
    """The name ``parent`` gives ``child`` (its first in ``named_modules``), or its type's name."""
    named = getattr(parent, "named_modules", None)
    if named is not None:
        for name, m in named():
            if m is child and name:
                return name
    return type(child).__name__


def walk(roots: list[Scope]) -> list[Scope]:
    """Every scope of the forest, parents before children."""
    out, stack = [], list(reversed(roots))
    while stack:
        s = stack.pop()
        out.append(s)
        stack.extend(reversed(s.children))
    return out


def innermost(roots: list[Scope], seq: int) -> Scope | None:
    """The deepest scope whose call made the op numbered ``seq``."""
    found = None
    level = roots
    while True:
        for s in level:
            if s.contains(seq):
                found = s
                level = s.children
                break
        else:
            return found


def at_depth(roots: list[Scope], seq: int, depth: int) -> Scope | None:
    """The scope that stands for op ``seq`` when modules ``depth`` deep are drawn as one box: the
    call ``depth`` deep that made it, or a shallower one that made it with no nested call (a loss)."""
    s = innermost(roots, seq)
    while s is not None and s.depth > depth:
        s = s.parent
    return s


def parameter_names(roots: list[Scope]) -> dict[int, str]:
    """id(parameter) -> its ``named_parameters()`` name in the outermost module that holds it."""
    names: dict[int, str] = {}
    for s in roots:
        named = getattr(s.module, "named_parameters", None)
        if named is None:
            continue
        for name, p in named():
            names.setdefault(id(p), name)
    return names
