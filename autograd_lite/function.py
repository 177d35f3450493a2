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

On ``Value``s the tape's records are binary, so a Function takes at most two ``Value`` inputs (other
arguments are plain numbers, i.e. constants). Its local derivatives ∂out/∂input are ``backward(ctx, 1.0)``
— a vector-Jacobian product with the vector 1 — evaluated once in the forward pass and stored like any
other op's, so the backward walk does not know the op is user-defined. The op's name on the tape, in
``draw`` and in ``step_through`` is the subclass name.

``forward`` runs with recording off (what it does inside is one op, not many). It sees the caller's
``Value``s, so ``x.exp()`` and ``math.exp(x)`` both work. ``backward(create_graph=True)`` calls
``backward`` again with recording on: derivatives written with operations on the saved inputs are then
differentiable once more; anything computed from plain floats is a constant there.
"""

from __future__ import annotations

import math
from typing import Any

from .tape import next_seq, no_grad, state
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
    """The record of one ``Function.apply`` on Values, shaped like a rule (``name``, ``forward``, ``local``).

    ``forward(*floats)`` and ``local(*inputs, out)`` take the Value inputs only (at most two); the
    constants of the call are kept here and put back in their places.
    """

    __slots__ = ("fn", "args", "pos", "ctx", "arity")

    def __init__(self, fn: type, args: tuple, pos: tuple[int, ...], ctx: FunctionCtx) -> None:
        self.fn = fn
        self.args = args
        self.pos = pos
        self.ctx = ctx
        self.arity = len(pos)

    @property
    def name(self) -> str:
        return self.fn.__name__

    symbol = name

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
    if len(pos) > 2:
        raise TypeError(
            f"{cls.__name__}.apply got {len(pos)} Value inputs (arguments {list(pos)}), but a Function on "
            "Values records at most two: the scalar tape's records are binary. Pass the others as plain "
            "numbers (constants), split the op into two Functions, or use Tensors.")
    ctx = FunctionCtx(tuple(a.__class__ is Value for a in args))
    with no_grad():
        out = cls.forward(ctx, *args)
    result = Value(_as_float(cls, "forward", out))
    if not state.grad_enabled:
        return result
    with no_grad():
        grads = gradients_per_input(cls, cls.backward(ctx, 1.0), len(args))
    local = [0.0 if grads[p] is None else _as_float(cls, "backward", grads[p]) for p in pos]
    result._op = ValueFunctionOp(cls, args, pos, ctx)
    result._seq = next_seq()
    result._a, result._da = args[pos[0]], local[0]
    if len(pos) == 2:
        result._b, result._db = args[pos[1]], local[1]
    else:
        result._b = None  # a one-input record has no _db (the Value engine's convention)
    for t in state.tapes:
        t.nodes.append(result)
    return result


# --- Tensors --------------------------------------------------------------------------------------

def _apply_tensor(cls: type, args: tuple) -> Any:
    raise NotImplementedError("Function on Tensors arrives with the Tensor engine")


__all__ = ["Function", "FunctionCtx"]
