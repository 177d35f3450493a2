"""Tensor: an ndarray on the tape.

A ``Tensor`` is to a numpy array what a ``Value`` is to a float. Every operation is an entry of the
registry (``rules.py`` for the elementwise ones, ``tensor_rules.py`` for matmul, reductions, shapes,
indexing, softmax, ...), applied by the one record constructor ``_result``: while gradients are
enabled and one of its inputs needs a gradient, the result records the entry (``_rule``), its inputs
(``_inputs``), the op's other arguments (``_params``: an axis, a shape, an index) and a sequence
number from the same counter as ``Value``. Otherwise it records nothing: that is the fast path for
data, and for everything under ``no_grad()``.

The derivatives are the registry's: an elementwise entry's local derivative evaluated on the arrays
and multiplied by the arriving gradient (summed back over broadcast axes by ``rules.unbroadcast``),
or an array entry's vector-Jacobian product. Both are written with operations that work on ndarrays
and on Tensors, so ``backward(create_graph=True)`` evaluates the very same lines on Tensors and the
backward pass is itself recorded. The chain-rule loop is in tape.py.

Nothing points from an input to its outputs, so a dropped graph is freed by reference counting.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import checks as C
from . import rules as R
from . import tensor_rules as TR
from .rules import Rule
from .tape import backward_tensors, next_seq, record_on_tapes, recorded_ops, state

_new = object.__new__
_ndarray = np.ndarray
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


# --- building results -----------------------------------------------------------------------------
def _result(d: Any, rule: Rule, inputs: tuple, params: tuple = ()) -> Tensor:
    """The one record constructor: ``d`` computed by ``rule`` from ``inputs`` (and ``params``), with
    its record when gradients are enabled and some input needs a gradient through it."""
    if d.__class__ is not _ndarray:  # numpy returns scalars from 0-d operations
        d = np.asarray(d)
    out = _new(Tensor)
    out.data = d
    out.grad = None
    out.label = ""
    # (one or two inputs for nearly every op: no loop for them)
    n = len(inputs)
    if n == 2:
        rest = inputs[1]
        recorded = inputs[0].requires_grad or rest.requires_grad
    elif n == 1:
        rest = None
        recorded = inputs[0].requires_grad
    else:
        rest = inputs[1:]
        recorded = any([x.requires_grad for x in inputs])
    if recorded and state.grad_enabled:
        out.requires_grad = True
        out._rule = rule
        out._seq = next_seq()
        out._inputs = inputs
        out._first = inputs[0]
        out._rest = rest
        out._params = params
        out._freed = False
        if state.tapes:
            record_on_tapes(out)
    else:
        out.requires_grad = False
        out._rule = None
        out._seq = 0
        out._inputs = out._params = ()
        out._first = None
    if state.anomaly:
        _check_forward(rule, inputs, d)
    return out


def _constant(d: np.ndarray) -> Tensor:
    """A leaf that needs no gradient: data, a constant operand, a detached Tensor."""
    out = _new(Tensor)
    out.data = d
    out.grad = None
    out.label = ""
    out.requires_grad = False
    out._rule = None
    out._seq = 0
    out._inputs = out._params = ()
    out._first = None
    return out


def apply(rule: Rule, inputs: tuple, params: tuple = ()) -> Tensor:
    """``rule`` applied to Tensors: its forward on their arrays and, when needed, its record."""
    if len(inputs) == 1:  # (a generator per op costs more than the forward of a small array)
        return _result(rule.array(inputs[0].data, *params), rule, inputs, params)
    return _result(rule.array(*[x.data for x in inputs], *params), rule, inputs, params)


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
        return _constant(x)
    if x.__class__ is float or x.__class__ is int or isinstance(x, numbers.Real):
        return _constant(np.array(x, dtype))
    if isinstance(x, (_ndarray, list, tuple)):
        a = np.asarray(x)
        if a.dtype.kind in "fiub":
            return _constant(a if a.dtype == dtype else a.astype(dtype))
    raise TypeError(f"unsupported operand: Tensor and {type(x).__name__} ({_clip_repr(x)})")


def _broadcast_error(name: str, x: np.ndarray, y: np.ndarray) -> ValueError:
    return ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together (numpy "
                      "broadcasting compares trailing dimensions, which must be equal or 1)")


# --- elementwise ops: the scalar rules of rules.py, evaluated on arrays -----------------------------

# --- elementwise ops: the entries' forward on arrays, after their domain check --------------------
def _unary(rule: Rule, a: Tensor) -> Tensor:
    x = a.data
    if rule.domain is not None and x.size:
        err = rule.domain(x)
        if err is not None:
            raise err
    return _result(rule.array(x), rule, (a,))


def _binary(rule: Rule, a: Tensor, b: Tensor) -> Tensor:
    x, y = a.data, b.data
    try:
        err = rule.domain(x, y) if rule.domain is not None and x.size else None
        d = rule.array(x, y) if err is None else None
    except ValueError:  # (a user wrote **: powc is pow with a constant exponent)
        raise _broadcast_error("pow" if rule is R.POWC else rule.name, x, y) from None
    if err is not None:
        raise err
    return _result(d, rule, (a, b))


_add_reduce = np.add.reduce
_isfinite = math.isfinite


def _overflowed(root: Tensor) -> None:
    """Before a backward from a result that is not finite: the first op of its graph whose finite
    inputs gave inf or nan (1e308 * 10) is an OverflowError naming it, as a Value op would raise; an
    inf or nan that was in the data already passes on, as in numpy (detect_anomaly() finds it).

    Checked here, once per backward, rather than after every op: a sum of each op's result costs a
    tenth of a small network's training step."""
    with np.errstate(all="ignore"):
        if np.isfinite(root.data).all():
            return  # only the sum overflowed
        for t in recorded_ops(root):
            if not np.isfinite(t.data).all() and all(np.isfinite(x.data).all() for x in t.inputs):
                top = max((float(np.abs(x.data).max()) for x in t.inputs if x.data.size), default=0.0)
                hint = " or compute in float64" if t.data.dtype == _F32 else ""
                bad = "nan" if np.isnan(t.data).any() else "inf"
                raise OverflowError(
                    f"backward: the forward pass overflowed {t.data.dtype} at op {t.seq} ({t.op}): finite "
                    f"inputs, the largest of magnitude {top:.4g}, gave {bad}, and every gradient through it "
                    f"would be nan; rescale the inputs{hint}")


def _op(rule: Rule, x: Tensor, d: Any, params: tuple = ()) -> Tensor:
    """An array entry whose forward the method computed (after checking its arguments)."""
    return _result(d, rule, (x,), params)


class Tensor:
    """An ndarray that remembers how it was computed, so that ``backward()`` can differentiate it.

    ``Tensor(data, requires_grad=False, dtype=None)``: float64 by default, float32 on request (or when
    ``data`` is a float32 array) and kept float32 through every op and gradient. An ndarray of the
    right dtype is used as it is, not copied (like ``torch.from_numpy``). ``.grad`` is an ndarray of
    the same shape after ``backward()`` (a Tensor after ``backward(create_graph=True)``). ``.op``,
    ``.inputs`` and ``.is_leaf`` show the record, as for ``Value``.
    """

    # a record: its entry, sequence number, inputs, the op's other arguments, and whether a backward
    # without retain_graph went through it (as PyTorch, a second one is refused)
    # (_first, _rest): the inputs again, laid out as the tape's one walk reads every engine's records
    # (_rest: None for one input, the second input for two, a tuple of the others for more)
    __slots__ = ("data", "grad", "requires_grad", "label", "_rule", "_seq", "_inputs", "_params", "_freed",
                 "_first", "_rest")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to the Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = "") -> None:
        self.data = _as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._rule = None
        self._seq = 0
        self._inputs = self._params = ()
        self._first = None

    # --- what a person sees -----------------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that produced this Tensor ("" for a leaf)."""
        return self._rule.name if self._rule is not None else ""

    @property
    def inputs(self) -> tuple:
        """The Tensors this one was computed from (empty for a leaf); constants are leaf Tensors."""
        return self._inputs

    @property
    def rule(self) -> Rule | None:
        """The primitive that produced this Tensor (its registry entry), None for a leaf."""
        return self._rule

    @property
    def params(self) -> tuple:
        """The op's other arguments, as its entry's forward takes them after the inputs: an axis, a
        shape, an index (empty for a leaf and for most ops)."""
        return self._params

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
        if self._rule is not None:
            text += f", op={self._rule.name!r}"
        elif self.requires_grad:
            text += ", requires_grad=True"
        if self.data.dtype != _F64:
            text += f", dtype={self.data.dtype}"
        if self.label:
            text += f", label={self.label!r}"
        return text + ")"

    # --- arithmetic: the registry's elementwise entries, on arrays ---------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _binary(R.ADD, self, other if other.__class__ is Tensor else _lift(other, self.data.dtype))

    def __radd__(self, other: Any) -> Tensor:
        return _binary(R.ADD, _lift(other, self.data.dtype), self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(R.SUB, self, other if other.__class__ is Tensor else _lift(other, self.data.dtype))

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(R.SUB, _lift(other, self.data.dtype), self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(R.MUL, self, other if other.__class__ is Tensor else _lift(other, self.data.dtype))

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(R.MUL, _lift(other, self.data.dtype), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(R.DIV, self, other if other.__class__ is Tensor else _lift(other, self.data.dtype))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(R.DIV, _lift(other, self.data.dtype), self)

    def __pow__(self, other: Any) -> Tensor:
        if other.__class__ is int or other.__class__ is float:  # x ** n, the common case
            x = self.data
            err = R.POWC.domain(x, other) if x.size else None
            if err is not None:
                raise err
            # the forward with the number itself keeps numpy's fast path (x ** 2 is x * x); the
            # record keeps it as a 0-d input of x's dtype, as for any constant operand
            return _result(R.POWC.array(x, other), R.POWC, (self, _constant(np.array(other, x.dtype))))
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        # an exponent that needs no gradient is a constant n: the entry powc, whose local derivative
        # n·xⁿ⁻¹ needs no log(x) (a negative base is fine for a whole n)
        variable = b.requires_grad and state.grad_enabled
        return _binary(R.POW if variable else R.POWC, self, b)

    def __rpow__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) ** self

    def __matmul__(self, other: Any) -> Tensor:
        b = other if other.__class__ is Tensor else _lift(other, self.data.dtype)
        x, y = self.data, b.data
        try:
            d = x @ y
        except ValueError:
            raise _matmul_error(x.shape, y.shape) from None
        return _result(d, TR.MATMUL, (self, b))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self.data.dtype) @ self

    def __neg__(self) -> Tensor:
        return _unary(R.NEG, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    # --- elementwise functions (each checks its entry's domain first) -----------------------------
    def exp(self) -> Tensor:
        return _unary(R.EXP, self)

    def log(self) -> Tensor:
        return _unary(R.LOG, self)

    def log1p(self) -> Tensor:
        """log(1 + x), accurate for x near 0."""
        return _unary(R.LOG1P, self)

    def sqrt(self) -> Tensor:
        return _unary(R.SQRT, self)

    def sin(self) -> Tensor:
        return _unary(R.SIN, self)

    def cos(self) -> Tensor:
        return _unary(R.COS, self)

    def tanh(self) -> Tensor:
        return _unary(R.TANH, self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-x)), computed without overflow for either sign of x."""
        return _unary(R.SIGMOID, self)

    def softplus(self) -> Tensor:
        """log(1 + exp(x)), PyTorch's softplus with beta 1 (x itself above 20)."""
        return _unary(R.SOFTPLUS, self)

    def relu(self) -> Tensor:
        return _unary(R.RELU, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, else negative_slope · x (the slope is a constant of the op)."""
        return _binary(R.LEAKY_RELU, self, _constant(np.array(negative_slope, self.data.dtype)))

    def abs(self) -> Tensor:
        return _unary(R.ABS, self)

    def sign(self) -> Tensor:
        """sign(x) ∈ {-1, 0, 1}, the perceptron's activation; its derivative is taken as 0."""
        return _unary(R.SIGN, self)

    def step(self) -> Tensor:
        """1 where x > 0 else 0 (McCulloch–Pitts threshold); its derivative is taken as 0."""
        return _unary(R.STEP, self)

    # --- reductions -------------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _reduce(TR.SUM, self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"mean of an empty Tensor (shape {self.shape})")
        return _reduce(TR.MEAN, self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"max of an empty Tensor (shape {self.shape})")
        return _reduce(TR.MAX, self, axis, keepdims)

    # --- shapes -----------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            d = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {self.shape} ({self.data.size} "
                             f"values) into shape {shape}") from None
        return _op(TR.RESHAPE, self, d, (d.shape,))

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
        return _op(TR.TRANSPOSE, self, self.data.transpose(axes), (axes,))

    def broadcast_to(self, shape: tuple) -> Tensor:
        """This Tensor repeated along new or length-1 axes to ``shape`` (numpy's broadcast_to)."""
        shape = tuple(shape)
        try:
            d = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {self.shape} to {shape}") from None
        return _op(TR.BROADCAST_TO, self, d, (shape,))

    def __getitem__(self, idx: Any) -> Tensor:
        idx = _index(idx)
        try:
            d = self.data[idx]
        except IndexError as e:
            raise IndexError(f"getitem: index {_clip_repr(idx)} does not fit shape {self.shape}: {e}") \
                from None
        return _op(TR.GETITEM, self, d, (idx,))

    # --- the rest of the ops ----------------------------------------------------------------------
    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """Values limited to [lo, hi]; the gradient flows where lo ≤ x ≤ hi (either bound may be None)."""
        if lo is None and hi is None:
            raise ValueError("clip: give lo, hi or both")
        return apply(TR.CLIP, (self,), (lo, hi))

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / Σ exp(x) along ``axis``, computed from x - max(x) so it never overflows."""
        return apply(TR.SOFTMAX, (self,), (_axis(axis, self.data.ndim, "softmax"),))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log Σ exp(x) along ``axis`` (log-sum-exp shifted by the max: finite for any input)."""
        return apply(TR.LOG_SOFTMAX, (self,), (_axis(axis, self.data.ndim, "log_softmax"),))

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
        return _constant(self.data)

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
            seed: Any = np.empty(shape, dtype)
            seed.fill(1.0)  # (np.ones costs a small network's step two microseconds more)
        else:
            gd = gradient.data if gradient.__class__ is Tensor else gradient
            gd = C.finite_array("backward", "gradient", gd, "seed with ∂L/∂output, e.g. np.ones(out.shape)")
            seed = np.array(gd, dtype=dtype)  # a copy: the walk may hand it on to a leaf's .grad
            if seed.shape != shape:
                raise ValueError(f"backward: gradient of shape {seed.shape} for an output of shape {shape}")
            if create_graph and gradient.__class__ is Tensor:
                seed = gradient
        if create_graph:
            seed = seed if seed.__class__ is Tensor else _constant(seed)
        d = self.data
        if not _isfinite(d if d.ndim == 0 else _add_reduce(d, None)):
            _overflowed(self)
        with np.errstate(all="ignore"):  # an infinite or NaN gradient is reported by detect_anomaly()
            backward_tensors(self, seed, retain_graph or create_graph, create_graph)


def _reduce(rule: Rule, x: Tensor, axis: Any, keepdims: bool) -> Tensor:
    if keepdims.__class__ is not bool:
        C.boolean(rule.name, "keepdims", keepdims)
    if axis is not None:
        axis = _axis(axis, x.data.ndim, rule.name)
    return _result(rule.array(x.data, axis, keepdims), rule, (x,), (axis, keepdims))


def _axis(axis: Any, ndim: int, name: str) -> Any:
    """``axis`` as numpy's reductions take it (None, an int or a tuple), checked against ``ndim``."""
    if axis is None:
        return None
    if axis.__class__ is int and -ndim <= axis < ndim:
        return axis
    expected = "None, an int or a tuple of ints"
    if isinstance(axis, (tuple, list)):
        axes = tuple(_one_axis(a, ndim, name, expected) for a in axis)
        if len({a % ndim for a in axes}) != len(axes):
            raise ValueError(f"{name}: axis {axis} is repeated; name each axis once")
        return axes
    return _one_axis(axis, ndim, name, expected)


def _one_axis(a: Any, ndim: int, name: str, expected: str) -> int:
    if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
        raise C.invalid(name, "axis", a, expected, exc=TypeError)
    a = int(a)
    if not -ndim <= a < ndim:
        raise ValueError(f"{name}: axis {a} is out of range for a Tensor with {ndim} axes")
    return a


def _raw(x: Any) -> Any:
    return x.data if x.__class__ is Tensor else x


def _index(idx: Any) -> Any:
    """An index as numpy takes it: Tensors and lists become integer or boolean arrays."""
    if isinstance(idx, tuple):  # (integer arrays, the common case, pass as they are)
        return tuple([i if i.__class__ is _ndarray else _index_part(i) for i in idx])
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
    if ts.__class__ is Tensor or isinstance(ts, (np.ndarray, str, bytes, numbers.Number)) or \
            not hasattr(ts, "__iter__"):
        raise C.invalid(name, "ts", ts, "a list of Tensors", f"pass them in one list: {name}([a, b])",
                        TypeError)
    ts = list(ts)
    if not ts:
        raise ValueError(f"{name}: needs at least one Tensor")
    dtypes = [t.data.dtype for t in ts if t.__class__ is Tensor]
    dtype = np.result_type(*dtypes) if dtypes else _F64
    return [_lift(t, dtype) for t in ts]


def _join_axis(name: str, axis: Any, ndim: int) -> None:
    _one_axis(axis, max(ndim, 1), name, "an int")
    if ndim == 0:
        raise ValueError(f"{name}: 0-d Tensors have no axis to join along; use stack")


def concatenate(ts: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors along an existing axis (numpy's concatenate)."""
    ts = _tensors(ts, "concatenate")
    _join_axis("concatenate", axis, ts[0].data.ndim)
    try:
        d = np.concatenate([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} do not fit together along axis "
                         f"{axis} (all other axes must be equal)") from None
    axis = axis % d.ndim
    return _result(d, TR.CONCATENATE, tuple(ts), (axis,))


def stack(ts: Sequence[Any], axis: int = 0) -> Tensor:
    """Join Tensors of one shape along a new axis (numpy's stack)."""
    ts = _tensors(ts, "stack")
    _join_axis("stack", axis, ts[0].data.ndim + 1)
    try:
        d = np.stack([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        raise ValueError(f"stack: shapes {[t.shape for t in ts]} must all be equal (and axis {axis} "
                         "within range)") from None
    axis = axis % d.ndim
    return _result(d, TR.STACK, tuple(ts), (axis,))


def _condition(cond: Any) -> np.ndarray:
    """where's condition as booleans: a mask (x > 0 gives one), or numbers that are all 0 or 1."""
    c = cond.data if cond.__class__ is Tensor else cond
    if c.__class__ is _ndarray and c.dtype.kind == "b":
        return c
    expected = "booleans, e.g. where(x > 0, a, b), or numbers that are all 0 or 1"
    if isinstance(c, (str, bytes)) or c is None:
        raise C.invalid("where", "cond", cond, expected, exc=TypeError)
    arr = C.real_array("where", "cond", c)
    if arr.dtype.kind != "b" and not ((arr == 0) | (arr == 1)).all():
        raise C.invalid("where", "cond", cond, expected, "compare first: where(x > 0.5, a, b)")
    return arr.astype(bool, copy=False)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (numpy's where); the gradient follows the choice."""
    c = _condition(cond)
    a, b = _tensors((a, b), "where")
    try:
        d = np.where(c, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {c.shape} (cond), {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None
    return _result(d, TR.WHERE, (a, b), (c,))


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor (a Tensor is returned as it is)."""
    return data if data.__class__ is Tensor else Tensor(data, requires_grad, dtype)


__all__ = ["Tensor", "apply", "concatenate", "stack", "tensor", "where"]
