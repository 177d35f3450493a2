"""Tensor: an ndarray on the tape.

A ``Tensor`` is to a numpy array what a ``Value`` is to a float. While gradients are enabled and one
of its inputs needs a gradient, an operation's result records its inputs (``_inputs``), the primitive
(``_op``, a ``Rule``), its vector-Jacobian product (``_vjp``), anything else the product needs
(``_ctx``: an axis, an index) and a sequence number from the same counter as ``Value``. Otherwise it
records nothing: that is the fast path for data, and for everything under ``no_grad()``.

Derivatives, written once per primitive:

* elementwise ops reuse the scalar rule of ``rules.py``: its ``local`` evaluated on the arrays gives
  ∂out/∂x elementwise, and the vector-Jacobian product is ``grad * local``, summed back to the input's
  shape by ``_unbroadcast`` (the one place where broadcasting is undone);
* the Tensor-only primitives (matmul, reductions, reshapes, indexing, softmax, ...) state their
  product in ``TensorRule.vjp``, formula in its docstring.

Both are written with operations that work on ndarrays and on Tensors, so ``backward(create_graph=
True)`` evaluates the very same lines on Tensors and the backward pass is itself recorded.

Nothing points from an input to its outputs, so a dropped graph is freed by reference counting.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import rules as R
from .rules import Rule
from .tape import backward_tensors, next_seq, state

_new = object.__new__
_ndarray = np.ndarray
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_EXP_LIMIT = {dt: float(np.log(np.finfo(dt).max)) for dt in (_F32, _F64)}  # exp(x) is finite below


# --- building results -----------------------------------------------------------------------------
def _record(d: Any, rule: Rule, vjp: Callable, inputs: tuple, ctx: Any = None) -> Tensor:
    """The result of an op that some input needs a gradient through: data plus its record."""
    if d.__class__ is not _ndarray:  # numpy returns scalars from 0-d operations
        d = np.asarray(d)
    out = _new(Tensor)
    out.data = d
    out.grad = None
    out.label = ""
    out.requires_grad = True
    out._op = rule
    out._seq = next_seq()
    out._inputs = inputs
    out._ctx = ctx
    out._vjp = vjp
    if state.tapes:
        for t in state.tapes:
            t.nodes.append(out)
    if state.anomaly:
        _check_forward(rule, inputs, d)
    return out


def _plain(d: Any, rule: Rule | None = None, inputs: tuple = ()) -> Tensor:
    """The result of an op that records nothing (no input needs a gradient, or under no_grad)."""
    if d.__class__ is not _ndarray:
        d = np.asarray(d)
    out = _new(Tensor)
    out.data = d
    out.grad = None
    out.label = ""
    out.requires_grad = False
    out._op = None
    out._seq = 0
    out._inputs = ()
    out._ctx = None
    out._vjp = None
    if state.anomaly and rule is not None:
        _check_forward(rule, inputs, d)
    return out


def _check_forward(rule: Rule, inputs: tuple, d: np.ndarray) -> None:
    if np.isfinite(d).all():
        return
    bad = "nan" if np.isnan(d).any() else "inf"
    shapes = ", ".join(str(x.shape) for x in inputs)
    if all(np.isfinite(x.data).all() for x in inputs):
        raise FloatingPointError(
            f"detect_anomaly: forward of {rule.name} produced {bad} from finite inputs of shape(s) {shapes}")
    raise FloatingPointError(f"detect_anomaly: an input of {rule.name} (shape(s) {shapes}) already holds "
                             "nan or inf: it comes from a leaf, or from an op run outside detect_anomaly()")


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as a float32/float64 ndarray, without a copy when it already is one."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        a = np.asarray(data)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"Tensor: data is not a rectangular array of numbers ({e})") from None
    if a.dtype.kind not in "fiub":
        raise TypeError(f"Tensor holds real numbers, not {a.dtype} data ({_clip_repr(data)}); "
                        "convert it first, e.g. Tensor(np.asarray(x, dtype=float))")
    if dtype is None:
        dt = a.dtype if a.dtype == _F32 or a.dtype == _F64 else _F64
    else:
        dt = np.dtype(dtype)
        if dt != _F32 and dt != _F64:
            raise TypeError(f"Tensor dtype must be float32 or float64, not {dt}")
    return a if a.dtype == dt else a.astype(dt)


def _clip_repr(x: Any) -> str:
    r = repr(x)
    return r if len(r) < 60 else r[:57] + "..."


def _lift(x: Any, dtype: np.dtype) -> Tensor:
    """A number or array used in an op with a Tensor: a constant Tensor of the Tensor's dtype."""
    if x.__class__ is Tensor:
        return x
    if x.__class__ is _ndarray and x.dtype == dtype:  # data (targets, masks) in the Tensor's dtype
        return _plain(x)
    if x.__class__ is float or x.__class__ is int or isinstance(x, numbers.Real):
        return _plain(np.array(x, dtype))
    if isinstance(x, (_ndarray, list, tuple)):
        a = np.asarray(x)
        if a.dtype.kind in "fiub":
            return _plain(a if a.dtype == dtype else a.astype(dtype))
    raise TypeError(f"unsupported operand: Tensor and {type(x).__name__} ({_clip_repr(x)})")


def _broadcast_error(name: str, x: np.ndarray, y: np.ndarray) -> ValueError:
    return ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together (numpy "
                      "broadcasting compares trailing dimensions, which must be equal or 1)")


# --- elementwise ops: the scalar rules of rules.py, evaluated on arrays -----------------------------
def _binary(rule: Rule, a: Tensor, b: Tensor, d: Any) -> Tensor:
    if (a.requires_grad or b.requires_grad) and state.grad_enabled:
        return _record(d, rule, _binary_vjp, (a, b))
    return _plain(d, rule, (a, b))


def _unary(rule: Rule, a: Tensor, d: Any) -> Tensor:
    if a.requires_grad and state.grad_enabled:
        return _record(d, rule, _unary_vjp, (a,))
    return _plain(d, rule, (a,))


def _binary_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """∂L/∂a = unbroadcast(g · ∂out/∂a), the same for b; the partials come from the scalar rule."""
    a, b = t._inputs
    if graph:
        da, db = t._op.local(a, b, t)
        return (_unbroadcast(_times(g, da), a.shape) if a.requires_grad else None,
                _unbroadcast(_times(g, db), b.shape) if b.requires_grad else None)
    x, y, o = a.data, b.data, t.data
    da, db = t._op.local(x, y, o)
    keep = o if da is not db else da  # one array for both partials: the first product leaves it be
    return (_unbroadcast(_times(g, da, x, y, keep), x.shape) if a.requires_grad else None,
            _unbroadcast(_times(g, db, x, y, o), y.shape) if b.requires_grad else None)


def _powc_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = xⁿ for a constant n:  ∂L/∂x = g · n·xⁿ⁻¹ (the scalar rule POWC, n kept as a number)."""
    x = t._inputs[0]
    if graph:
        return (_times(g, R.POWC.local(x, t._ctx, t)[0]), None)
    (d, _) = R.POWC.local(x.data, t._ctx, t.data)
    return (_times(g, d, x.data, t.data), None)


def _unary_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """∂L/∂x = g · f'(x), with f'(x) from the scalar rule."""
    (x,) = t._inputs
    if graph:
        return (_times(g, t._op.local(x, t)[0]),)
    (d,) = t._op.local(x.data, t.data)
    return (_times(g, d, x.data, t.data),)


def _times(g: Any, d: Any, h1: Any = None, h2: Any = None, h3: Any = None) -> Any:
    """g · d, without the multiplication when the local derivative is the constant 1 or -1, and
    into d itself when the rule made d just now (it is none of the arrays h1, h2, h3 that a rule
    may hand back as they are, like exp's output): one array less to allocate and fill."""
    if d.__class__ is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    elif (d.__class__ is _ndarray and d.base is None and d is not h1 and d is not h2 and d is not h3
          and d.shape == g.shape and d.dtype == g.dtype):
        d *= g
        return d
    return g * d


def _unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, giving an array of ``shape``.

    Broadcasting copies an input along some axes; the gradient of a copy is the sum over the copies.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    if gshape[1:] == shape and g.__class__ is _ndarray:  # a bias added to a batch: sum the rows
        return _add_reduce(g, 0)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = _add_reduce(g, axes, None, None, True) if g.__class__ is _ndarray else g.sum(axes, True)
    return g.reshape(shape)


_add_reduce = np.add.reduce  # ndarray.sum() without its Python wrapper (~1 µs less per call)


# --- Tensor-only primitives -----------------------------------------------------------------------
class TensorRule(Rule):
    """A primitive of Tensors only: its vector-Jacobian product instead of a scalar local derivative.

    ``vjp(t, g, graph)`` returns one gradient per input of the record ``t`` (None for an input that
    needs none), given ``g`` = ∂L/∂t; ``graph`` says whether to evaluate on Tensors (create_graph).
    """

    __slots__ = ("vjp",)

    def __init__(self, name: str, symbol: str, vjp: Callable[[Any, Any, bool], tuple]) -> None:
        formula = (vjp.__doc__ or "").strip().splitlines()[0] if vjp.__doc__ else ""
        super().__init__(name, symbol, None, None, 0, formula)  # type: ignore[arg-type]
        self.vjp = vjp


def _matmul_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = a @ b:  ∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g  (ᵀ swaps the last two axes).

    A 1-D operand is a row (a) or a column (b) for the product and flattened back; batch axes that
    broadcasting added are summed away by ``_unbroadcast``.
    """
    a, b = A, B = t._inputs
    if not graph:
        a, b = A.data, B.data
    if a.ndim == 2 and b.ndim == 2:  # the common case, with no reshapes
        return (g @ b.T if A.requires_grad else None, a.T @ g if B.requires_grad else None)
    if a.ndim == 1 and b.ndim == 1:  # inner product: out = Σ a_i b_i
        return (g * b if A.requires_grad else None, g * a if B.requires_grad else None)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    g2 = g.reshape(out_shape)
    ga = gb = None
    if A.requires_grad:
        ga = _unbroadcast(g2 @ _mT(b2), a2.shape).reshape(a.shape)
    if B.requires_grad:
        gb = _unbroadcast(_mT(a2) @ g2, b2.shape).reshape(b.shape)
    return ga, gb


def _mT(x: Any) -> Any:
    """x with its last two axes swapped."""
    n = x.ndim
    return x.T if n == 2 else x.transpose((*range(n - 2), n - 1, n - 2))


def _expand(g: Any, shape: tuple, axis: Any, keepdims: bool) -> Any:
    """g (a reduction's result) broadcast back to the reduced input's ``shape``."""
    if axis is None and g.__class__ is not Tensor and math.prod(shape) <= 4096:
        out = np.empty(shape, g.dtype)  # a small array is faster to make than a view
        out[...] = g
        return out
    if axis is not None and not keepdims:
        axes = _axes(axis, len(shape))
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return _broadcast_to(g, shape)


def _axes(axis: Any, ndim: int) -> tuple:
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _broadcast_to(g: Any, shape: tuple) -> Any:
    if g.shape == shape:
        return g
    if g.__class__ is Tensor:
        return g.broadcast_to(shape)
    return np.broadcast_to(g, shape)


def _sum_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = Σ_axis x:  ∂L/∂x = g broadcast back over the summed axes."""
    (x,) = t._inputs
    axis, keepdims = t._ctx
    return (_expand(g, x.shape, axis, keepdims),)


def _mean_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = (1/n) Σ_axis x:  ∂L/∂x = g/n broadcast back over the averaged axes (n values each)."""
    (x,) = t._inputs
    axis, keepdims = t._ctx
    n = x.data.size // max(t.data.size, 1)
    return (_expand(g * (1.0 / n), x.data.shape, axis, keepdims),)


def _max_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = max_axis x:  ∂L/∂x = g where x is the maximum, shared equally among ties, else 0."""
    (x,) = t._inputs
    axis, keepdims = t._ctx
    shape = x.shape
    mask = x.data == _expand(t.data, shape, axis, keepdims)
    share = mask / mask.sum(axis=axis, keepdims=True)  # 1/(number of tied maxima) at each maximum
    return (_expand(g, shape, axis, keepdims) * share.astype(x.data.dtype, copy=False),)


def _broadcast_to_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = x copied along broadcast axes:  ∂L/∂x = g summed over the copies."""
    return (_unbroadcast(g, t._inputs[0].shape),)


def _reshape_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = x.reshape(s):  ∂L/∂x = g.reshape(x.shape)."""
    return (g.reshape(t._inputs[0].shape),)


def _transpose_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = x.transpose(p):  ∂L/∂x = g.transpose(p⁻¹)."""
    return (g.transpose(tuple(np.argsort(t._ctx))),)


def _getitem_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = x[idx]:  ∂L/∂x = zeros with g added at idx (a repeated index adds up its gradients)."""
    return (_scatter_add(g, t._ctx, t._inputs[0].shape),)


def _scatter_add(g: Any, idx: Any, shape: tuple) -> Any:
    if g.__class__ is Tensor:
        d = _scatter_array(g.data, idx, shape)
        if g.requires_grad and state.grad_enabled:
            return _record(d, SCATTER_ADD, SCATTER_ADD.vjp, (g,), (idx, shape))
        return _plain(d)
    return _scatter_array(g, idx, shape)


def _scatter_array(g: np.ndarray, idx: Any, shape: tuple) -> np.ndarray:
    z = np.zeros(shape, g.dtype)
    if _has_int_array(idx):
        np.add.at(z, idx, g)
    else:  # basic slicing or a boolean mask: every element appears at most once
        z[idx] = g
    return z


def _has_int_array(idx: Any) -> bool:
    for i in idx if isinstance(idx, tuple) else (idx,):
        if isinstance(i, _ndarray) and i.dtype.kind in "iu":
            return True
    return False


def _scatter_add_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = zeros(shape) with x added at idx:  ∂L/∂x = g[idx]."""
    return (g[t._ctx[0]],)


def _clip_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = clip(x, lo, hi):  ∂L/∂x = g where lo ≤ x ≤ hi, else 0 (as PyTorch's clamp)."""
    (x,) = t._inputs
    lo, hi = t._ctx
    d = x.data
    inside = np.ones(d.shape, bool) if lo is None else d >= lo
    if hi is not None:
        inside &= d <= hi
    return (_where(inside, g, 0.0),)


def _softmax_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """s = softmax(x):  ∂L/∂x = s · (g - Σ_axis g·s)."""
    axis = t._ctx
    s = t if graph else t.data
    return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)


def _log_softmax_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = x - logΣexp(x):  ∂L/∂x = g - exp(out) · Σ_axis g   (exp(out) is the softmax)."""
    axis = t._ctx
    if graph:
        return (g - t.exp() * g.sum(axis=axis, keepdims=True),)
    s = np.exp(t.data)
    s *= _add_reduce(g, axis, None, None, True)
    return (np.subtract(g, s, out=s),)  # in place: s is ours


def _concatenate_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = [x_1, x_2, ...] along axis:  ∂L/∂x_i = g's slice where x_i sits."""
    axis = t._ctx
    grads = []
    start = 0
    for x in t._inputs:
        stop = start + x.shape[axis]
        grads.append(g[(slice(None),) * axis + (slice(start, stop),)] if x.requires_grad else None)
        start = stop
    return tuple(grads)


def _stack_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = stack(x_1, x_2, ...) on a new axis:  ∂L/∂x_i = g[..., i, ...] at that axis."""
    axis = t._ctx
    return tuple(g[(slice(None),) * axis + (i,)] if x.requires_grad else None
                 for i, x in enumerate(t._inputs))


def _where_vjp(t: Tensor, g: Any, graph: bool) -> tuple:
    """out = where(c, a, b):  ∂L/∂a = g where c else 0,  ∂L/∂b = g where not c else 0."""
    a, b = t._inputs
    cond = t._ctx
    return (_unbroadcast(_where(cond, g, 0.0), a.shape) if a.requires_grad else None,
            _unbroadcast(_where(cond, 0.0, g), b.shape) if b.requires_grad else None)


def _where(cond: np.ndarray, x: Any, y: Any) -> Any:
    if x.__class__ is Tensor or y.__class__ is Tensor:
        return where(cond, x, y)
    return np.where(cond, x, y)


MATMUL = TensorRule("matmul", "@", _matmul_vjp)
SUM = TensorRule("sum", "Σ", _sum_vjp)
MEAN = TensorRule("mean", "mean", _mean_vjp)
MAX = TensorRule("max", "max", _max_vjp)
BROADCAST_TO = TensorRule("broadcast_to", "broadcast", _broadcast_to_vjp)
RESHAPE = TensorRule("reshape", "reshape", _reshape_vjp)
TRANSPOSE = TensorRule("transpose", "ᵀ", _transpose_vjp)
GETITEM = TensorRule("getitem", "[]", _getitem_vjp)
SCATTER_ADD = TensorRule("scatter_add", "[]+=", _scatter_add_vjp)
CLIP = TensorRule("clip", "clip", _clip_vjp)
SOFTMAX = TensorRule("softmax", "softmax", _softmax_vjp)
LOG_SOFTMAX = TensorRule("log_softmax", "log_softmax", _log_softmax_vjp)
CONCATENATE = TensorRule("concatenate", "concat", _concatenate_vjp)
STACK = TensorRule("stack", "stack", _stack_vjp)
WHERE = TensorRule("where", "where", _where_vjp)

TENSOR_RULES = {r.name: r for r in (MATMUL, SUM, MEAN, MAX, BROADCAST_TO, RESHAPE, TRANSPOSE, GETITEM,
                                    SCATTER_ADD, CLIP, SOFTMAX, LOG_SOFTMAX, CONCATENATE, STACK, WHERE)}


def vjp_of(t: Tensor) -> Callable[[Any, Any, bool], tuple]:
    """The record's vector-Jacobian product, also after a backward freed ``t._vjp``."""
    if t._vjp is not None:
        return t._vjp
    rule = t._op
    vjp = getattr(rule, "vjp", None)
    if vjp is not None:
        return vjp
    if rule is R.POWC:
        return _powc_vjp
    return _binary_vjp if len(t._inputs) == 2 else _unary_vjp


def _op(rule: TensorRule, x: Tensor, d: Any, ctx: Any = None) -> Tensor:
    if x.requires_grad and state.grad_enabled:
        return _record(d, rule, rule.vjp, (x,), ctx)
    return _plain(d, rule, (x,))


def _domain(ok: bool, exc: type[Exception], msg: str) -> None:
    if not ok:
        raise exc(msg)


# --- the Tensor -----------------------------------------------------------------------------------
class Tensor:
    """An ndarray that remembers how it was computed, so that ``backward()`` can differentiate it.

    ``Tensor(data, requires_grad=False, dtype=None)``: float64 by default, float32 on request (or when
    ``data`` is a float32 array) and kept float32 through every op and gradient. An ndarray of the
    right dtype is used as it is, not copied (like ``torch.from_numpy``). ``.grad`` is an ndarray of
    the same shape after ``backward()`` (a Tensor after ``backward(create_graph=True)``). ``.op``,
    ``.inputs`` and ``.is_leaf`` show the record, as for ``Value``.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_op", "_seq", "_inputs", "_ctx", "_vjp")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self.data = _as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op = None
        self._seq = 0
        self._inputs = ()
        self._ctx = None
        self._vjp = None

    # --- what a person sees -----------------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that produced this Tensor ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def inputs(self) -> tuple:
        """The Tensors this one was computed from (empty for a leaf); constants are leaf Tensors."""
        return self._inputs

    @property
    def rule(self) -> Rule | None:
        """The primitive that produced this Tensor (its registry entry), None for a leaf."""
        return self._op

    @property
    def seq(self) -> int:
        """When the op ran: records are numbered in execution order (0 for a leaf)."""
        return self._seq

    @property
    def _prev(self) -> tuple:
        return self._inputs

    @property
    def is_leaf(self) -> bool:
        return not self._inputs

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (the same memory, not a copy)."""
        return self.data

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item(): only a Tensor with one element is a number; this one has shape "
                             f"{self.shape}")
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        d = self.data
        if dtype is not None and d.dtype != dtype:
            return d.astype(dtype)
        return d.copy() if copy else d

    def __bool__(self) -> bool:
        return bool(self.data)  # as numpy: a one-element Tensor's truth, else an error

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __repr__(self) -> str:
        prefix = "Tensor(data="
        text = prefix + np.array2string(self.data, prefix=prefix, separator=", ")
        g = self.grad
        if g is not None:
            pre = ", grad="
            gd = g.data if g.__class__ is Tensor else np.asarray(g)
            text += pre + np.array2string(gd, prefix=" " * (len(prefix) - len(pre)) + pre, separator=", ")
        elif self.requires_grad:
            text += ", grad=None"
        if self._op is not None:
            text += f", op={self._op.name!r}"
        elif self.requires_grad:
            text += ", requires_grad=True"
        if self.data.dtype != _F64:
            text += f", dtype={self.data.dtype}"
        if self.label:
            text += f", label={self.label!r}"
        return text + ")"

    # --- arithmetic: the scalar rules, on arrays --------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        try:
            d = self.data + b.data
        except ValueError:
            raise _broadcast_error("add", self.data, b.data) from None
        return _binary(R.ADD, self, b, d)

    def __radd__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) + self

    def __sub__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        try:
            d = self.data - b.data
        except ValueError:
            raise _broadcast_error("sub", self.data, b.data) from None
        return _binary(R.SUB, self, b, d)

    def __rsub__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) - self

    def __mul__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        try:
            d = self.data * b.data
        except ValueError:
            raise _broadcast_error("mul", self.data, b.data) from None
        return _binary(R.MUL, self, b, d)

    def __rmul__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) * self

    def __truediv__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        y = b.data
        if not y.all():
            raise ZeroDivisionError(f"div: division by zero (the divisor of shape {y.shape} holds 0.0)")
        try:
            d = self.data / y
        except ValueError:
            raise _broadcast_error("div", self.data, y) from None
        return _binary(R.DIV, self, b, d)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) / self

    def __pow__(self, other: Any) -> Tensor:
        x = self.data
        if other.__class__ is int or other.__class__ is float:  # x ** n, the common case
            b = None
            y = other
            variable = False
        else:
            b = other if other.__class__ is Tensor else _lift(other, x.dtype)
            y = b.data
            # an exponent that needs no gradient is a constant n: the rule POWC, whose local
            # derivative n·xⁿ⁻¹ needs no log(x)
            variable = b.requires_grad and state.grad_enabled
        if x.size:
            _pow_domain(x, y, variable)
        try:
            d = x ** y
        except ValueError:
            raise _broadcast_error("pow", x, y) from None
        if variable:
            return _record(d, R.POW, _binary_vjp, (self, b))
        if self.requires_grad and state.grad_enabled:
            if b is None:
                b = _plain(np.array(y, x.dtype))
            n = y if b.data.ndim else b.data.item()  # a number keeps n·xⁿ⁻¹ on numpy's fast path
            return _record(d, R.POWC, _powc_vjp, (self, b), n)
        return _plain(d, R.POWC, (self,))

    def __rpow__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) ** self

    def __matmul__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        x, y = self.data, b.data
        try:
            d = x @ y
        except ValueError:
            raise _matmul_error(x.shape, y.shape) from None
        if (self.requires_grad or b.requires_grad) and state.grad_enabled:
            return _record(d, MATMUL, _matmul_vjp, (self, b))
        return _plain(d, MATMUL, (self, b))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) @ self

    def __neg__(self) -> Tensor:
        return _unary(R.NEG, self, -self.data)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    # --- elementwise functions --------------------------------------------------------------------
    def exp(self) -> Tensor:
        x = self.data
        high = x.max() if x.size else 0.0
        if high > _EXP_LIMIT[x.dtype]:
            raise OverflowError(
                f"exp of {float(high)!r} overflows {x.dtype} (exp is finite up to about "
                f"{_EXP_LIMIT[x.dtype]:.5g}); for softmax or log-probabilities use softmax()/log_softmax(), "
                "which stay finite")
        return _unary(R.EXP, self, np.exp(x))

    def log(self) -> Tensor:
        x = self.data
        low = x.min() if x.size else 1.0
        if not low > 0 and not np.isnan(low):
            raise ValueError(f"log of {float(low)!r}: log is defined for positive numbers only (log of 0.0 "
                             "is -inf); add a small epsilon or use log_softmax")
        return _unary(R.LOG, self, np.log(x))

    def sqrt(self) -> Tensor:
        x = self.data
        if x.size and x.min() < 0:
            raise ValueError(f"sqrt of {float(x.min())!r}: sqrt is defined for non-negative numbers only "
                             "(the result would be complex)")
        return _unary(R.SQRT, self, np.sqrt(x))

    def tanh(self) -> Tensor:
        return _unary(R.TANH, self, np.tanh(self.data))

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-x)), computed without overflow for either sign of x."""
        x = self.data
        e = np.exp(-np.abs(x))
        return _unary(R.SIGMOID, self, np.where(x >= 0, 1.0, e) / (1.0 + e))

    def relu(self) -> Tensor:
        return _unary(R.RELU, self, np.maximum(self.data, 0.0))

    def abs(self) -> Tensor:
        return _unary(R.ABS, self, np.abs(self.data))

    def sign(self) -> Tensor:
        """sign(x) ∈ {-1, 0, 1}, the perceptron's activation; its derivative is taken as 0."""
        return _unary(R.SIGN, self, np.sign(self.data))

    def step(self) -> Tensor:
        """1 where x > 0 else 0 (McCulloch–Pitts threshold); its derivative is taken as 0."""
        return _unary(R.STEP, self, R.step(self.data))

    # --- reductions -------------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        axis = _axis(axis, self.data.ndim, "sum")
        return _op(SUM, self, _add_reduce(self.data, axis, None, None, keepdims), (axis, keepdims))

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        x = self.data
        axis = _axis(axis, x.ndim, "mean")
        if x.size == 0:
            raise ValueError(f"mean of an empty Tensor (shape {x.shape})")
        s = _add_reduce(x, axis, None, None, keepdims)
        return _op(MEAN, self, s / (x.size // s.size), (axis, keepdims))

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        x = self.data
        axis = _axis(axis, x.ndim, "max")
        if x.size == 0:
            raise ValueError(f"max of an empty Tensor (shape {x.shape})")
        return _op(MAX, self, _max_reduce(x, axis, None, None, keepdims), (axis, keepdims))

    # --- shapes -----------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            d = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {self.shape} ({self.data.size} "
                             f"values) into shape {shape}") from None
        return _op(RESHAPE, self, d)

    def transpose(self, *axes: Any) -> Tensor:
        n = self.data.ndim
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(range(n - 1, -1, -1))
        if sorted(a % n if n else a for a in axes) != list(range(n)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of the {n} axes of shape "
                             f"{self.shape}")
        axes = tuple(a % n for a in axes)
        return _op(TRANSPOSE, self, self.data.transpose(axes), axes)

    def broadcast_to(self, shape: tuple) -> Tensor:
        """This Tensor repeated along new or length-1 axes to ``shape`` (numpy's broadcast_to)."""
        shape = tuple(shape)
        try:
            d = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} to {shape}") from None
        return _op(BROADCAST_TO, self, d)

    def __getitem__(self, idx: Any) -> Tensor:
        idx = _index(idx)
        try:
            d = self.data[idx]
        except IndexError as e:
            raise IndexError(f"getitem: index {_clip_repr(idx)} does not fit shape {self.shape}: {e}") \
                from None
        return _op(GETITEM, self, d, idx)

    # --- the rest of the ops ----------------------------------------------------------------------
    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Values limited to [lo, hi]; the gradient flows where lo ≤ x ≤ hi (either bound may be None)."""
        if lo is None and hi is None:
            raise ValueError("clip: give lo, hi or both")
        return _op(CLIP, self, np.clip(self.data, lo, hi), (lo, hi))

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / Σ exp(x) along ``axis``, computed from x - max(x) so it never overflows."""
        x = self.data
        axis = _axis(axis, x.ndim, "softmax")
        e = np.exp(x - _max_reduce(x, axis, None, None, True))
        e /= _add_reduce(e, axis, None, None, True)
        return _op(SOFTMAX, self, e, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log Σ exp(x) along ``axis`` (log-sum-exp shifted by the max: finite for any input)."""
        x = self.data
        axis = _axis(axis, x.ndim, "log_softmax")
        z = x - _max_reduce(x, axis, None, None, True)
        z -= np.log(_add_reduce(np.exp(z), axis, None, None, True))
        return _op(LOG_SOFTMAX, self, z, axis)

    # --- comparisons give boolean arrays (masks for where()); hashing stays by identity ---------
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _raw(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _raw(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _raw(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _raw(other)

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return self.data == _raw(other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return self.data != _raw(other)

    __hash__ = object.__hash__

    # --- the tape ---------------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """The same data (not a copy) as a new leaf: no gradient flows back through it."""
        return _plain(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only a leaf Tensor's flag can be set; use detach() first")
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def backward(self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Backpropagate: add ∂self/∂x to ``x.grad`` for every Tensor x that requires grad.

        ``gradient`` seeds ∂L/∂self (an ndarray or Tensor of self's shape; 1 for a one-element Tensor).
        As in PyTorch, leaves accumulate across calls, a graph is freed after backward unless
        ``retain_graph=True``, and ``create_graph=True`` (which implies it) records the backward pass
        so that the gradients are Tensors that can be differentiated again.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this Tensor does not require grad: no input of its computation "
                               "has requires_grad=True (or it was computed under no_grad())")
        shape = self.data.shape
        dtype = self.data.dtype
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: a gradient is needed for a non-scalar output (shape {shape}): pass "
                    f"gradient= an array of that shape (e.g. np.ones({shape})), or reduce first (.sum())")
            seed: Any = np.ones(shape, dtype)
        else:
            gd = gradient.data if gradient.__class__ is Tensor else gradient
            seed = np.array(gd, dtype=dtype)  # a copy: the walk may hand it on to a leaf's .grad
            if seed.shape != shape:
                raise ValueError(f"backward: gradient of shape {seed.shape} for an output of shape {shape}")
            if create_graph and gradient.__class__ is Tensor:
                seed = gradient
        if create_graph:
            seed = seed if seed.__class__ is Tensor else _plain(seed)
        with np.errstate(all="ignore"):  # an infinite or NaN gradient is reported by detect_anomaly()
            backward_tensors(self, seed, retain_graph or create_graph, create_graph)


_max_reduce = np.maximum.reduce


def _axis(axis: Any, ndim: int, name: str) -> Any:
    """``axis`` as numpy's reductions take it (None, an int or a tuple), checked against ``ndim``."""
    if axis is None:
        return None
    if axis.__class__ is int:
        if -ndim <= axis < ndim:
            return axis
    elif isinstance(axis, (tuple, list)) and all(-ndim <= a < ndim for a in axis):
        return tuple(axis)
    raise ValueError(f"{name}: axis {axis} is out of range for a Tensor with {ndim} axes")


def _raw(x: Any) -> Any:
    return x.data if x.__class__ is Tensor else x


def _index(idx: Any) -> Any:
    """An index as numpy takes it: Tensors and lists become integer or boolean arrays."""
    if isinstance(idx, tuple):
        return tuple(_index_part(i) for i in idx)
    return _index_part(idx)


def _index_part(i: Any) -> Any:
    if i.__class__ is Tensor:
        i = i.data
        if i.dtype.kind == "f":
            if not np.array_equal(i, np.round(i)):
                raise IndexError("getitem: a Tensor used as an index must hold whole numbers")
            return i.astype(np.intp)
    if isinstance(i, list):
        return np.asarray(i)
    return i


def _pow_domain(x: np.ndarray, y: Any, variable: bool) -> None:
    """x ** y must be real and finite, and with a variable exponent its gradient needs log(x)."""
    if variable:
        _domain(bool(x.min() > 0), ValueError, "pow: the gradient with respect to the exponent needs "
                "log(base), and the base holds values that are not positive")
        return
    if y.__class__ is int or y.__class__ is float:  # a number: checks without array temporaries
        _domain(y == round(y) or not x.min() < 0, ValueError,
                "pow: a negative base to a fractional power (the result would be complex)")
        _domain(y >= 0 or bool(x.all()), ZeroDivisionError,
                "pow: 0.0 to a negative power is a division by zero")
        return
    whole = y == np.round(y)
    if not np.all(whole) and x.min() < 0:
        _domain(not ((x < 0) & ~whole).any(), ValueError,
                "pow: a negative base to a fractional power (the result would be complex)")
    if np.any(y < 0) and not x.all():
        _domain(not ((x == 0) & (y < 0)).any(), ZeroDivisionError,
                "pow: 0.0 to a negative power is a division by zero")


def _matmul_error(sa: tuple, sb: tuple) -> ValueError:
    if not sa or not sb:
        return ValueError(f"matmul: shapes {sa} and {sb}: a 0-d operand cannot be matrix-multiplied (use *)")
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        return ValueError(f"matmul: shapes {sa} and {sb} do not align ({k_a} != {k_b})")
    return ValueError(f"matmul: shapes {sa} and {sb}: batch shapes {sa[:-2]} and {sb[:-2]} cannot be "
                      "broadcast together")


# --- functions of several Tensors -----------------------------------------------------------------
def _tensors(ts: Sequence[Any], name: str) -> list[Tensor]:
    ts = list(ts)
    if not ts:
        raise ValueError(f"{name}: needs at least one Tensor")
    dtypes = [t.data.dtype for t in ts if t.__class__ is Tensor]
    dtype = np.result_type(*dtypes) if dtypes else _F64
    return [_lift(t, dtype) for t in ts]


def concatenate(ts: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors along an existing axis (numpy's concatenate)."""
    ts = _tensors(ts, "concatenate")
    try:
        d = np.concatenate([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} do not fit together along axis "
                         f"{axis} (all other axes must be equal)") from None
    axis = axis % d.ndim
    if state.grad_enabled and any(t.requires_grad for t in ts):
        return _record(d, CONCATENATE, _concatenate_vjp, tuple(ts), axis)
    return _plain(d, CONCATENATE, tuple(ts))


def stack(ts: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors of one shape along a new axis (numpy's stack)."""
    ts = _tensors(ts, "stack")
    try:
        d = np.stack([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        raise ValueError(f"stack: shapes {[t.shape for t in ts]} must all be equal (and axis {axis} "
                         "within range)") from None
    axis = axis % d.ndim
    if state.grad_enabled and any(t.requires_grad for t in ts):
        return _record(d, STACK, _stack_vjp, tuple(ts), axis)
    return _plain(d, STACK, tuple(ts))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (numpy's where); the gradient follows the choice."""
    c = np.asarray(cond.data if cond.__class__ is Tensor else cond).astype(bool, copy=False)
    a, b = _tensors((a, b), "where")
    try:
        d = np.where(c, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {c.shape} (cond), {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None
    if state.grad_enabled and (a.requires_grad or b.requires_grad):
        return _record(d, WHERE, _where_vjp, (a, b), c)
    return _plain(d, WHERE, (a, b))


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor (a Tensor is returned as it is)."""
    return data if data.__class__ is Tensor else Tensor(data, requires_grad, dtype)


__all__ = ["Tensor", "TensorRule", "concatenate", "stack", "tensor", "where"]
