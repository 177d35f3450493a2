"""Function: an op you define yourself, with its forward and its backward (like ``torch.autograd.Function``).

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    y = Cube.apply(Value(2.0))        # works on Values and on Tensors

``backward`` returns one gradient per input of ``forward`` (a bare value when there is one input;
``None`` for an input that gets no gradient, such as a constant).

On ``Value``s any number of arguments may be ``Value``s (the others are plain numbers, i.e.
constants). Its local derivatives ∂out/∂input are ``backward(ctx, 1.0)``
— a vector-Jacobian product with the vector 1 — evaluated once in the forward pass and stored like any
other op's, so the backward walk does not know the op is user-defined. The op's name on the tape, in
``draw`` and in ``step_through`` is the subclass name.

``forward`` runs with recording off (what it does inside is one op, not many). It sees the caller's
``Value``s, so ``x.exp()`` and ``math.exp(x)`` both work. ``backward(create_graph=True)`` calls
``backward`` again with recording on: derivatives written with operations on the saved inputs are then
differentiable once more; anything computed from plain floats is a constant there.

On ``Tensor``s any number of arguments may be Tensors; ``backward`` receives ∂L/∂out as an ndarray
(a Tensor under ``create_graph=True``) and returns ∂L/∂input for each, the vector-Jacobian product. A
gradient of the broadcast shape is summed back to the input's shape; any other shape is an error
naming the Function and the input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .rules import Rule, unbroadcast
from .tape import next_seq, no_grad, record_on_tapes, state
from .value import Value


class FunctionCtx:
    """What ``forward`` keeps for ``backward``: any attribute, or ``save_for_backward(*xs)``."""

    def __init__(self, needs_input_grad: tuple[bool, ...] = ()) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()

    def save_for_backward(self, *xs: Any) -> None:
        self._saved = xs

    @property
    def saved_tensors(self) -> tuple:
        return self._saved

    saved_values = saved_tensors


def _is_tensor(x: Any) -> bool:
    # Tensor is imported lazily: function.py must work before (and without) the Tensor engine.
    return type(x).__name__ == "Tensor" and hasattr(x, "requires_grad")


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, grad_output)``; call ``apply``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass defines a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad_output: Any) -> Any:
        raise NotImplementedError("a Function subclass defines a static backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` and record one op whose derivatives come from ``backward``."""
        if any(_is_tensor(a) for a in args):
            return _apply_tensor(cls, args)
        if any(a.__class__ is Value for a in args):
            return _apply_value(cls, args)
        return cls.forward(FunctionCtx((False,) * len(args)), *args)  # plain numbers: nothing to record


def gradients_per_input(cls: type, grads: Any, n: int) -> tuple:
    """``backward``'s answer as a tuple of ``n`` gradients, or a TypeError that says what is wrong."""
    if n == 1 and not isinstance(grads, (tuple, list)):
        return (grads,)
    if not isinstance(grads, (tuple, list)):
        raise TypeError(f"{cls.__name__}.backward must return one gradient per input of forward "
                        f"({n} inputs), as a tuple; it returned {type(grads).__name__}")
    if len(grads) != n:
        raise TypeError(f"{cls.__name__}.backward returned {len(grads)} gradient(s) but forward has "
                        f"{n} input(s); return one per input (None for an input that needs none)")
    return tuple(grads)


# --- Values ---------------------------------------------------------------------------------------

class ValueFunctionOp:
    """The entry of one ``Function.apply`` on Values, shaped like a registry entry (``name``,
    ``symbol``, ``formula``, ``forward``, ``local``).

    ``forward(*floats)`` and ``local(*inputs, out)`` take the Value inputs only; the constants of the
    call are kept here and put back in their places.
    """

    __slots__ = ("fn", "args", "pos", "ctx")
    array = vjp = domain = None  # a Function on Values has no array forward and no vector product
    constants: tuple[int, ...] = ()

    def __init__(self, fn: type, args: tuple, pos: tuple[int, ...], ctx: FunctionCtx) -> None:
        self.fn = fn
        self.args = args
        self.pos = pos
        self.ctx = ctx

    @property
    def name(self) -> str:
        return self.fn.__name__

    symbol = name

    @property
    def formula(self) -> str:
        return f"∂{self.name}/∂inputs = {self.name}.backward(ctx, 1.0), the backward written with the op"

    def __repr__(self) -> str:
        return f"Function({self.name})"

    def __str__(self) -> str:
        return self.name

    def _call_args(self, xs: tuple) -> list:
        args = list(self.args)
        for p, x in zip(self.pos, xs):
            args[p] = x if x.__class__ is Value else Value(x)
        return args

    def forward(self, *xs: float) -> float:
        """The op's output at other values of its Value inputs (used by finite differences)."""
        with no_grad():
            out = self.fn.forward(FunctionCtx(), *self._call_args(xs))
        return _as_float(self.fn, "forward", out)

    def local(self, *inputs: Any) -> tuple:
        """∂out/∂input for each Value input: ``backward(ctx, 1.0)``.

        On the recorded inputs (``create_graph=True``) it reuses the forward's ctx and records what
        backward computes; at other inputs (numbers) it runs forward again first.
        """
        xs = inputs[:-1]
        if all(x is self.args[p] for x, p in zip(xs, self.pos)):
            ctx = self.ctx
        else:
            ctx = FunctionCtx()
            with no_grad():
                self.fn.forward(ctx, *self._call_args(xs))
        grads = gradients_per_input(self.fn, self.fn.backward(ctx, 1.0), len(self.args))
        return tuple(0.0 if grads[p] is None else grads[p] for p in self.pos)


def _as_float(fn: type, what: str, x: Any) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{fn.__name__}.{what} on Values must return a number or a Value, "
                        f"not {type(x).__name__} ({x!r})") from None
    if not math.isfinite(f):
        raise OverflowError(f"{fn.__name__}.{what} returned {f}, which is not finite")
    return f


def _apply_value(cls: type, args: tuple) -> Value:
    pos = tuple(i for i, a in enumerate(args) if a.__class__ is Value)
    ctx = FunctionCtx(tuple(a.__class__ is Value for a in args))
    with no_grad():
        out = cls.forward(ctx, *args)
    result = Value(_as_float(cls, "forward", out))
    if not state.grad_enabled:
        return result
    with no_grad():
        grads = gradients_per_input(cls, cls.backward(ctx, 1.0), len(args))
    local = [0.0 if grads[p] is None else _as_float(cls, "backward", grads[p]) for p in pos]
    result._rule = ValueFunctionOp(cls, args, pos, ctx)
    result._seq = next_seq()
    result._first, result._dfirst = args[pos[0]], local[0]
    if len(pos) == 1:
        result._rest = None
    elif len(pos) == 2:
        result._rest, result._drest = args[pos[1]], local[1]
    else:  # an n-ary record: the inputs after the first, and their local derivatives, as tuples
        result._rest = tuple(args[p] for p in pos[1:])
        result._drest = tuple(local[1:])
    if state.tapes:
        record_on_tapes(result)
    return result


# --- Tensors --------------------------------------------------------------------------------------
# A Function's Tensor record is one of the engine's: its entry (one per Function class) has the
# user's forward as its forward on arrays and the user's backward as its vector-Jacobian product;
# its params are (ctx, the call's arguments, the positions of its Tensor inputs).

_TENSOR_RULES: dict[type, Rule] = {}


def _tensor_rule(cls: type) -> Rule:
    rule = _TENSOR_RULES.get(cls)
    if rule is None:
        name = cls.__name__
        rule = _TENSOR_RULES[cls] = Rule(
            name, name, f"∂L/∂inputs = {name}.backward(ctx, g), the backward written with the op",
            array=lambda *arrays_params: _replay(cls, *arrays_params),
            vjp=lambda g, out, inputs, params, needs: _function_vjp(cls, g, inputs, params, needs))
    return rule


def _replay(cls: type, *arrays_params: Any) -> np.ndarray:
    """The Function's forward run again on other arrays (what gradcheck_graph differentiates)."""
    from .tensor import Tensor

    *arrays, _, args, pos = arrays_params
    call = list(args)
    for p, a in zip(pos, arrays):
        call[p] = Tensor(a)
    with no_grad():
        out = cls.forward(FunctionCtx(), *call)
    return np.asarray(getattr(out, "data", out))


def _apply_tensor(cls: type, args: tuple) -> Any:
    from .tensor import _as_array, _result

    pos = tuple(i for i, a in enumerate(args) if _is_tensor(a))
    needs = tuple(_is_tensor(a) and bool(a.requires_grad) for a in args)
    ctx = FunctionCtx(needs)
    with no_grad():
        out = cls.forward(ctx, *args)
    if _is_tensor(out):
        out = out.data
    try:
        data = _as_array(out)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{cls.__name__}.forward on Tensors must return a Tensor, an ndarray or a number: "
                        f"{e}") from None
    return _result(data, _tensor_rule(cls), tuple(args[p] for p in pos), (ctx, args, pos))


def _function_vjp(cls: type, g: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    """The user's backward as the record's vector-Jacobian product, one gradient per Tensor input.

    Under create_graph ``g`` is a Tensor and backward runs with recording on, so what it computes
    from the saved Tensors is differentiable again.
    """
    from .tensor import Tensor

    ctx, args, pos = params
    graph = _is_tensor(g)
    grads = gradients_per_input(cls, cls.backward(ctx, g), len(args))
    out = []
    for p, x, need in zip(pos, inputs, needs):
        c = grads[p]
        if c is None or not need:
            out.append(None)
            continue
        raw = c.data if _is_tensor(c) else c
        arr = np.asarray(raw) if isinstance(raw, (np.ndarray, list, tuple, int, float, np.number)) else None
        if arr is None or arr.dtype.kind not in "biuf":
            raise TypeError(f"{cls.__name__}.backward returned {type(c).__name__} ({c!r:.40}) as the "
                            f"gradient of input {p}; return an array (or a number) of the input's shape")
        if not graph:
            c = arr.astype(x.dtype, copy=False)
        elif not _is_tensor(c):  # computed from plain numbers: a constant in the recorded backward
            c = Tensor(arr.astype(x.dtype))
        shape = x.shape
        if c.shape != shape:
            try:  # a gradient of the broadcast shape is summed back, as the engine's own ops do
                ok = np.broadcast_shapes(shape, c.shape) == c.shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{cls.__name__}.backward returned a gradient of shape {c.shape} for "
                                 f"input {p}, which has shape {shape}; return one of the input's shape")
            c = unbroadcast(c, shape)
        out.append(c)
    return tuple(out)


__all__ = ["Function", "FunctionCtx"]
