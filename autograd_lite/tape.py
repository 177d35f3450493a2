"""The tape: what the forward pass records, and the backward walk over it.

Every operation made while gradients are enabled gets a sequence number from one counter, so the
records of any graph are ordered by execution. ``backward()`` collects the records the output depends
on (an explicit stack, never recursion), orders them newest first and applies the chain rule once per
record. Nothing points from an input to its outputs, so a graph the user drops is freed at once by
reference counting; there is no global list of every record.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

import numpy as np

next_seq = itertools.count(1).__next__


class _State:
    """Process-wide switches, read on every operation (one attribute load)."""

    __slots__ = ("grad_enabled", "tapes", "anomaly")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.tapes: list[Tape] = []
        self.anomaly = False


state = _State()


@contextmanager
def no_grad() -> Iterator[None]:
    """Record nothing inside the block (like ``torch.no_grad()``): results are constants."""
    before = state.grad_enabled
    state.grad_enabled = False
    try:
        yield
    finally:
        state.grad_enabled = before


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record again inside a ``no_grad`` block."""
    before = state.grad_enabled
    state.grad_enabled = True
    try:
        yield
    finally:
        state.grad_enabled = before


def is_grad_enabled() -> bool:
    return state.grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every forward result and every gradient for NaN/inf and name the op where one appears."""
    before = state.anomaly
    state.anomaly = True
    try:
        yield
    finally:
        state.anomaly = before


class TapeRecord:
    """One recorded operation as a person reads it: op, inputs, output and the gradient through it."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    @property
    def op(self) -> str:
        return self.node.op

    @property
    def inputs(self) -> tuple:
        return self.node.inputs

    @property
    def output(self) -> Any:
        return self.node

    @property
    def grad(self) -> Any:
        return self.node.grad

    def __repr__(self) -> str:
        ins = ", ".join(_short(x) for x in self.inputs)
        return f"{self.op}({ins}) -> {_short(self.node)}  grad={_short_grad(self.node.grad)}"


def _short(x: Any) -> str:
    data = x.data
    if isinstance(data, float):
        return f"{data:.4g}"
    return f"array{tuple(data.shape)}"


def _short_grad(g: Any) -> str:
    if g is None:
        return "None"
    if isinstance(g, float):
        return f"{g:.4g}"
    data = getattr(g, "data", g)
    if isinstance(data, float):
        return f"{data:.4g}"
    return f"array{tuple(data.shape)}"


class Tape:
    """Holds the operations recorded inside ``with Tape() as tape:``, in execution order.

    ``tape.records`` lists them (op, inputs, output, and after backward the gradient that flowed
    through each); ``len(tape)`` and iteration work on the records.
    """

    def __init__(self) -> None:
        self.nodes: list[Any] = []

    def __enter__(self) -> Tape:
        state.tapes.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        state.tapes.remove(self)

    @property
    def records(self) -> list[TapeRecord]:
        return [TapeRecord(n) for n in self.nodes]

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[TapeRecord]:
        return iter(self.records)

    def __getitem__(self, i: int) -> TapeRecord:
        return TapeRecord(self.nodes[i])

    def __repr__(self) -> str:
        lines = [f"Tape with {len(self.nodes)} operation(s):"]
        lines += [f"  {i:3d}  {r!r}" for i, r in enumerate(self.records)]
        return "\n".join(lines)


def recorded_ops(root: Any) -> list:
    """The operations ``root`` depends on, in the order they ran: what views (step-through,
    gradcheck_graph) walk. Leaves are left out; an explicit stack, so any depth works."""
    seen = {id(root)}
    stack = [root]
    ops = []
    while stack:
        v = stack.pop()
        ins = v.inputs
        if ins:
            ops.append(v)
        for x in ins:
            if id(x) not in seen:
                seen.add(id(x))
                stack.append(x)
    ops.sort(key=_by_seq)
    return ops


# --- the record contract: what the views read -----------------------------------------------------
def local_derivatives(node: Any) -> tuple | None:
    """∂node/∂input for each input: floats for a Value record, arrays of the output's shape for an
    elementwise Tensor op; None for a vector-Jacobian op (matmul, sum, softmax, a Tensor Function).

    Read from the record, or re-evaluated from its rule on the recorded numbers once a backward
    freed them; never reads or writes a ``.grad``.
    """
    ins = node.inputs
    if not ins:
        return ()
    data = node.data
    if isinstance(data, np.ndarray):
        rule = node.rule
        if getattr(rule, "vjp", None) is not None or getattr(rule, "local", None) is None:
            return None
        args = [x.data for x in ins]
        if rule.name == "powc":
            args[1] = node._ctx
        return tuple(np.broadcast_to(np.asarray(d, dtype=data.dtype), data.shape)
                     for d in rule.local(*args, data))
    da = node._da
    if da is not None:
        b = node._b
        locs = (da,) if b is None else (da, *node._db) if b.__class__ is tuple else (da, node._db)
    else:
        locs = node.rule.local(*(x.data for x in ins), data)
    return tuple(float(getattr(d, "data", d)) for d in locs)


def input_grads(node: Any, g: Any) -> tuple:
    """What the chain rule sends each input of ``node`` when ∂L/∂node = ``g`` arrives: one gradient
    per input (None where an input needs none). Computed from the record alone, before or after a
    backward; never reads or writes a ``.grad``."""
    ins = node.inputs
    if not ins:
        return ()
    if not isinstance(node.data, np.ndarray):
        return tuple(d * g for d in local_derivatives(node))
    from .tensor import vjp_of

    g = np.asarray(getattr(g, "data", g), dtype=node.data.dtype)
    with no_grad():
        grads = vjp_of(node)(node, g, False)
    return tuple(None if c is None or not x.requires_grad else np.asarray(getattr(c, "data", c))
                 for x, c in zip(ins, grads))


RETAIN_MSG = (
    "backward() twice through the same graph: its local derivatives were freed after the first "
    "backward. Pass retain_graph=True to the first call (or create_graph=True) to keep them."
)


def value_order(root: Any) -> list:
    """The recorded nodes ``root`` depends on, newest first, each with its ``.grad`` reset to 0.

    Walks with an explicit stack (no recursion, so a 1,000,000-op chain is fine) and checks that no
    record was freed by an earlier backward, before any gradient is touched.
    """
    order = []
    keep = order.append
    seen = {root}
    add = seen.add
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        v = pop()
        a = v._a
        if a is None:
            continue
        if v._da is None:
            raise RuntimeError(RETAIN_MSG)
        v.grad = 0.0
        keep(v)
        if a not in seen:
            add(a)
            push(a)
        b = v._b
        if b is None:
            continue
        if b.__class__ is tuple:  # an n-ary record: _b holds the inputs after the first
            for x in b:
                if x not in seen:
                    add(x)
                    push(x)
        elif b not in seen:
            add(b)
            push(b)
    order.sort(key=_by_seq, reverse=True)
    return order


_by_seq = attrgetter("_seq")


def backward_values(root: Any, seed: Any, retain_graph: bool, create_graph: bool) -> None:
    """The chain rule over ``Value`` records: each record's gradient times its local derivatives.

    Leaves accumulate (``+=``) across calls, as in PyTorch; an interior node's ``.grad`` holds the
    gradient that flowed through it in the latest backward.
    """
    order = value_order(root)
    root.grad = root.grad + seed
    if create_graph:
        _walk_recorded(order)
        return
    free = not retain_graph
    for v in order:
        g = v.grad
        v._a.grad += v._da * g
        b = v._b
        if b is not None:
            if b.__class__ is tuple:
                for x, d in zip(b, v._db):
                    x.grad += d * g
            else:
                b.grad += v._db * g
        if free:  # the local derivatives are used once; a later backward must ask to keep them
            v._da = None
    if state.anomaly:
        _check_grads(order)


def _walk_recorded(order: list) -> None:
    """The same loop, with the rule's local derivatives re-evaluated on Values (so it is recorded)."""
    for v in order:
        g = v.grad
        inputs = v.inputs
        for x, d in zip(inputs, v._op.local(*inputs, v)):
            x.grad = x.grad + d * g


def _check_grads(order: list) -> None:
    for v in order:
        for x in v.inputs:
            if x.grad - x.grad != 0.0:
                raise FloatingPointError(
                    f"detect_anomaly: backward of {v.op} produced a gradient of {x.grad} for its input"
                    f" {x.data!r}")


# --- the Tensor walk ------------------------------------------------------------------------------
def tensor_order(root: Any) -> list:
    """The recorded Tensors ``root`` depends on through inputs that need a gradient, newest first,
    each with its ``.grad`` reset to None.

    An explicit stack (no recursion); checks that no record was freed by an earlier backward before
    any gradient is touched.
    """
    if not root._inputs:
        return []
    order = []
    keep = order.append
    seen = {root}
    add = seen.add
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        t = pop()
        if t._vjp is None:
            raise RuntimeError(RETAIN_MSG)
        keep(t)
        t.grad = None
        for x in t._inputs:  # leaves are not walked: their gradients accumulate
            if x.requires_grad and x._inputs and x not in seen:
                add(x)
                push(x)
    order.sort(key=_by_seq, reverse=True)
    return order


def backward_tensors(root: Any, seed: Any, retain_graph: bool, create_graph: bool) -> None:
    """The chain rule over Tensor records: each record's gradient through its vector-Jacobian product.

    The first gradient that reaches a Tensor is stored as it is (no zeros to add it to); later ones
    are added out of place, so an array handed on unchanged (``+``'s gradient) is never modified
    through another Tensor's ``.grad``. A leaf gets its own writable array of its own dtype, and
    accumulates across calls, as in PyTorch; an interior Tensor's ``.grad`` holds the gradient that
    flowed through it in the latest backward.
    """
    order = tensor_order(root)
    ndarray = np.ndarray
    _deposit(root, seed, None, create_graph)
    free = not retain_graph
    check = state.anomaly
    for t in order:
        g = t.grad
        grads = t._vjp(t, g, create_graph)
        if free:  # a later backward through this record must ask for it to be kept
            t._vjp = None
        for x, c in zip(t._inputs, grads):
            if c is None:
                continue
            if check:
                _check_tensor_grad(t, x, c)
            old = x.grad
            if old is not None:
                x.grad = old + c
            elif create_graph or (c.__class__ is ndarray and c.dtype is x.data.dtype
                                  and (x._inputs or (c is not g and c.base is None))):
                x.grad = c  # as the VJP made it (a leaf's: an array of its own, made just now)
            else:
                x.grad = _own(x, c, g)


def _own(x: Any, c: Any, g: Any) -> np.ndarray:
    """The gradient as ``x`` keeps it: an ndarray of x's dtype; for a leaf, one no other Tensor holds."""
    dtype = x.data.dtype
    if c.__class__ is not np.ndarray:  # numpy returns scalars from 0-d operations
        return np.asarray(c, dtype=dtype)
    if c.dtype != dtype:  # float32 stays float32 where it met float64
        return c.astype(dtype)
    if not x._inputs and (c is g or c.base is not None):  # handed on, or a (maybe read-only) view
        return c.copy()
    return c


def _deposit(x: Any, c: Any, g: Any, create_graph: bool) -> None:
    old = x.grad
    if old is None:
        x.grad = c if create_graph else _own(x, c, g)
    else:
        x.grad = old + c


def _check_tensor_grad(t: Any, x: Any, c: Any) -> None:
    d = c if isinstance(c, np.ndarray) else getattr(c, "data", c)
    if not np.isfinite(d).all():
        bad = "nan" if np.isnan(d).any() else "inf"
        i = next(i for i, y in enumerate(t._inputs) if y is x)
        raise FloatingPointError(
            f"detect_anomaly: backward of {t.op} produced {bad} in the gradient of its input {i} "
            f"(shape {np.shape(d)})")
