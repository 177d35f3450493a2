"""The tape: what the forward pass records, the record contract the views read, and the backward walk.

Every operation made while gradients are enabled gets a sequence number from one counter, so the
records of any graph are ordered by execution. A record, whatever made it (a ``Value`` or ``Tensor``
operator, a ``Function``), answers one small interface: ``node.inputs``, ``node.rule`` (its entry in
the registry, rules.py), ``node.seq``, ``node.op`` and ``node.label``; here ``local_derivatives(node)``
and ``input_grads(node, g)`` compute from the record alone what the chain rule multiplies and sends,
and ``recorded_ops(root)`` lists a graph's records in execution order. Views read only that.

``backward()`` collects the records the output depends on with the one graph walk (an explicit stack,
never recursion), orders them newest first and applies the chain rule once per record: one loop per
engine (``backward_values``, ``backward_tensors``), which with ``create_graph=True`` evaluates the
same registry entries on Values/Tensors so that the backward pass is recorded too. Nothing points from
an input to its outputs, so a graph the user drops is freed at once by reference counting; there is
no global list of every record.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

import numpy as np

from .rules import elementwise_vjp, times_partial

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


def record_on_tapes(node: Any) -> None:
    """Append a new record to every ``Tape`` open now (the engines call this only when one is)."""
    for t in state.tapes:
        t.nodes.append(node)


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
    gradcheck_graph, the CLI) walk. Leaves are left out; an explicit stack, so any depth works."""
    if root._first is None:
        return []
    order = _newest_first(root)
    order.reverse()
    return order


def _newest_first(root: Any) -> list:
    """``root`` (a record) and every record it depends on, newest first: the one graph walk.

    It reads the layout both engines give their records: ``_first``, the first input (None on a
    leaf), and ``_rest``, the others (None, one input or plain number, or a tuple). An explicit stack
    (no recursion, so a 1,000,000-op chain is fine), ordered by the sequence numbers the forward pass
    gave in execution order. Written out inline, not with a function per node: the walk visits every
    node of a network, and a call per node would cost more than the walk itself.
    """
    node = root.__class__
    order = [root]
    keep = order.append
    seen = {root}
    add = seen.add
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        v = pop()
        x = v._first
        if x._first is not None and x not in seen:
            add(x)
            push(x)
            keep(x)
        rest = v._rest
        if rest is None:
            continue
        kind = rest.__class__
        if kind is tuple:
            for x in rest:
                if x._first is not None and x not in seen:
                    add(x)
                    push(x)
                    keep(x)
        elif kind is node and rest._first is not None and rest not in seen:  # not a plain number
            add(rest)
            push(rest)
            keep(rest)
    order.sort(key=_by_seq, reverse=True)
    return order


_by_seq = attrgetter("_seq")


# --- the record contract: what the views read -----------------------------------------------------
# A Value record keeps its first input and partial in (_first, _dfirst) and the rest in (_rest, _drest):
# None for a unary op, one input and its partial for a binary op, or tuples of them for an n-ary
# record (weighted_sum, a Function of several Values). A plain-number operand (``x * 2.0``) is kept
# as the number until someone asks for the record's inputs. A Tensor record keeps (_inputs, _params).
def _is_tensor(node: Any) -> bool:
    return node.data.__class__ is np.ndarray


def _stored(v: Any) -> tuple:
    """A Value record's inputs as stored (Values, or plain numbers) and their stored partials."""
    rest = v._rest
    if rest is None:
        return (v._first,), (v._dfirst,)
    if rest.__class__ is tuple:
        return (v._first, *rest), (v._dfirst, *v._drest)
    return (v._first, rest), (v._dfirst, v._drest)


def _number(x: Any) -> Any:
    return x if x.__class__ is float or x.__class__ is int else x.data


def _value_partials(v: Any) -> tuple:
    """∂v/∂input per input: as stored, or re-evaluated from the rule once a backward freed them."""
    ins, partials = _stored(v)
    if v._dfirst is None:
        partials = v._rule.local(*map(_number, ins), v.data)
    return partials


def local_derivatives(node: Any) -> tuple | None:
    """∂node/∂input for each input: floats for a Value record, arrays of the output's shape for an
    elementwise Tensor op; None for a vector-Jacobian op (matmul, sum, softmax, a Tensor Function).

    Read from the record, or re-evaluated from its rule on the recorded numbers once a backward
    freed them; never reads or writes a ``.grad``.
    """
    rule = node.rule
    if rule is None:
        return ()
    data = node.data
    if not _is_tensor(node):
        return tuple(float(_number(d)) for d in _value_partials(node))
    if rule.local is None:
        return None
    partials = rule.local(*(x.data for x in node.inputs), data)
    return tuple(np.broadcast_to(np.asarray(d, dtype=data.dtype), data.shape) for d in partials)


def input_grads(node: Any, g: Any) -> tuple:
    """What the chain rule sends each input of ``node`` when ∂L/∂node = ``g`` arrives: one gradient
    per input (None where an input needs none: a constant of the op, a Tensor without
    requires_grad). Computed from the record alone, before or after a backward; never reads or writes
    a ``.grad``."""
    rule = node.rule
    if rule is None:
        return ()
    if not _is_tensor(node):
        g = _number(g)
        return tuple(None if i in rule.constants else _number(d) * g
                     for i, d in enumerate(_value_partials(node)))
    g = np.asarray(getattr(g, "data", g), dtype=node.data.dtype)
    with no_grad():
        return tensor_vjp(node, g, False)


def tensor_vjp(t: Any, g: Any, graph: bool) -> tuple:
    """One gradient per input of the Tensor record ``t`` when ∂L/∂t = ``g`` arrives (None for an input
    that needs none): the rule evaluated on the recorded arrays, or on the Tensors themselves under
    create_graph so that the product is recorded too.

    An elementwise entry's partials are multiplied by ``g`` here, one input at a time
    (``rules.times_partial``); written out for the one- and two-input records that nearly every op
    makes, since this runs once per record of every backward."""
    rule = t._rule
    ins = t._inputs
    n = len(ins)
    if graph or n > 2:
        needs = tuple([x.requires_grad for x in ins])
        xs = ins if graph else tuple([x.data for x in ins])
        out = t if graph else t.data
        if rule.local is not None:
            return elementwise_vjp(rule, g, out, xs, needs)
        return rule.vjp(g, out, xs, t._params, needs)
    out = t.data
    local = rule.local
    if n == 1:
        (a,) = ins
        x = a.data
        if local is None:
            return rule.vjp(g, out, (x,), t._params, (a.requires_grad,))
        return (times_partial(g, local(x, out)[0], x, x, out, x.shape) if a.requires_grad else None,)
    a, b = ins
    x, y = a.data, b.data
    if local is None:
        return rule.vjp(g, out, (x, y), t._params, (a.requires_grad, b.requires_grad))
    dx, dy = local(x, y, out)
    # one array for both partials: the first product must leave it as it is
    return (times_partial(g, dx, x, y, dx if dx is dy else out, x.shape) if a.requires_grad else None,
            times_partial(g, dy, x, y, out, y.shape) if b.requires_grad else None)


RETAIN_MSG = (
    "backward() twice through the same graph: its local derivatives were freed after the first "
    "backward. Pass retain_graph=True to the first call (or create_graph=True) to keep them."
)


# --- the Value walk -------------------------------------------------------------------------------
def backward_values(root: Any, seed: Any, retain_graph: bool, create_graph: bool) -> None:
    """The chain rule over ``Value`` records: each record's gradient times its local derivatives.

    Leaves accumulate (``+=``) across calls, as in PyTorch; an interior node's ``.grad`` holds the
    gradient that flowed through it in the latest backward (reset at the start of each).
    """
    if root._first is None:  # a leaf: ∂root/∂root
        root.grad = root.grad + seed
        return
    node = root.__class__
    order = _newest_first(root)
    for v in order:  # before any gradient is touched
        if v._dfirst is None:
            raise RuntimeError(RETAIN_MSG)
        v.grad = 0.0
    root.grad = seed
    free = not retain_graph
    if create_graph:
        _walk_values_recorded(order)
        return
    for v in order:
        g = v.grad
        v._first.grad += v._dfirst * g
        rest = v._rest
        kind = rest.__class__
        if kind is node:
            rest.grad += v._drest * g
        elif kind is tuple:
            for x, d in zip(rest, v._drest):
                x.grad += d * g
        # else None (a unary op) or a plain-number operand, which keeps no gradient
        if free:  # the local derivatives are used once; a later backward must ask to keep them
            v._dfirst = None
    if state.anomaly:
        _check_grads(order)


def _walk_values_recorded(order: list) -> None:
    """The same walk with the rule's partials re-evaluated on Values, so that it is recorded too. It
    runs the user's code (a Function's backward): if that fails, every .grad is put back as it was."""
    saved = [(x, x.grad) for v in order for x in v.inputs]
    try:
        for v in order:
            g = v.grad
            rule = v._rule
            ins = v.inputs
            for i, (x, d) in enumerate(zip(ins, rule.local(*ins, v))):
                if i not in rule.constants:
                    x.grad = x.grad + d * g
    except BaseException:
        for x, g in saved:
            x.grad = g
        raise
    if state.anomaly:
        _check_grads(order)


def _check_grads(order: list) -> None:
    for v in order:
        for x in v.inputs:
            if x.grad - x.grad != 0.0:
                raise FloatingPointError(
                    f"detect_anomaly: backward of {v.op} produced a gradient of {x.grad} for its input"
                    f" {x.data!r}")


# --- the Tensor walk ------------------------------------------------------------------------------
def backward_tensors(root: Any, seed: Any, retain_graph: bool, create_graph: bool) -> None:
    """The chain rule over Tensor records: each record's gradient through its vector-Jacobian product.

    The walk gathers every gradient first and writes the ``.grad``s only once it has finished, so a
    backward that fails half-way (a Function's gradient of the wrong shape, detect_anomaly, a freed
    graph) leaves every ``.grad`` as it was. A leaf gets its own writable array of its own dtype and
    accumulates across calls, as in PyTorch; an interior Tensor's ``.grad`` holds the gradient that
    flowed through it in the latest backward.
    """
    order = _newest_first(root) if root._inputs else []
    grads = _walk_tensors(root, seed, order, create_graph)
    free = not retain_graph  # a later backward through these records must ask for them to be kept
    for t in order:
        t.grad = grads.pop(t, None)
        if free:
            t._freed = True
    for x, c in grads.items():  # the leaves
        old = x.grad
        x.grad = c if old is None else old + c


def _walk_tensors(root: Any, seed: Any, order: list, create_graph: bool) -> dict:
    """∂L/∂x for the root and every Tensor it depends on, newest record first.

    The first gradient that reaches a Tensor is kept as it is (no zeros to add it to); later ones are
    added out of place, so an array handed on unchanged (``+``'s gradient) is never modified through
    another Tensor's gradient."""
    ndarray = np.ndarray
    grads = {root: seed}  # (the caller's seed is an array of its own, of the root's dtype)
    get = grads.get
    check = state.anomaly
    for t in order:
        if t._freed:
            raise RuntimeError(RETAIN_MSG)
        g = get(t)
        if g is None:  # a Function's backward gave None for it: nothing flows on
            continue
        for x, c in zip(t._inputs, tensor_vjp(t, g, create_graph)):
            if c is None:
                continue
            if check:
                _check_tensor_grad(t, x, c)
            old = get(x)
            if old is not None:
                grads[x] = old + c
            elif create_graph or (c.__class__ is ndarray and c.dtype is x.data.dtype
                                  and (x._inputs or (c is not g and c.base is None))):
                grads[x] = c  # as the VJP made it (a leaf's: an array of its own, made just now)
            else:
                grads[x] = _own(x, c, g)
    return grads


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


def _check_tensor_grad(t: Any, x: Any, c: Any) -> None:
    d = c if isinstance(c, np.ndarray) else getattr(c, "data", c)
    if not np.isfinite(d).all():
        bad = "nan" if np.isnan(d).any() else "inf"
        i = next(i for i, y in enumerate(t._inputs) if y is x)
        raise FloatingPointError(
            f"detect_anomaly: backward of {t.op} produced {bad} in the gradient of its input {i} "
            f"(shape {np.shape(d)})")
