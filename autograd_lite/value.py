"""Value: one float on the tape.

Each operator maps to a rule of ``rules.py``. While gradients are enabled the result records its
inputs (``_a``, ``_b``), the op's local derivatives evaluated on the numbers (``_da``, ``_db``), the
rule, and a sequence number. Nothing refers back from an input to its outputs, so a graph has no
reference cycles and is freed as soon as it is dropped.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from operator import mul as _mul
from typing import Any

from . import rules as R
from .tape import backward_values, next_seq, state

_new = object.__new__


def _domain_error(rule: R.Rule, args: tuple, exc: BaseException | None = None) -> Exception:
    """The error a user sees when an op is undefined, infinite or non-finite at its inputs."""
    name = rule.name
    x = args[0]
    if name == "div":
        return ZeroDivisionError(f"division by zero: {x!r} / {args[1]!r}")
    if name == "log":
        return ValueError(f"log of {x!r}: log is defined for positive numbers only "
                          "(log of 0.0 is -inf); add a small epsilon or use log_softmax")
    if name == "sqrt":
        if x == 0:
            return ZeroDivisionError("sqrt of 0.0: its derivative 1/(2*sqrt(x)) is infinite there; "
                                     "add a small epsilon, e.g. (x + 1e-12).sqrt()")
        return ValueError(f"sqrt of {x!r}: sqrt is defined for non-negative numbers only "
                          "(the result would be complex)")
    if name in ("pow", "powc"):
        b = args[1]
        if x == 0 and b < 0:
            return ZeroDivisionError(f"pow: 0.0 ** {b!r} is a division by zero")
        if x == 0 and b < 1:
            return ZeroDivisionError(f"pow: the derivative of x ** {b!r} is infinite at x = 0.0")
        if x < 0 and b != int(b):
            return ValueError(f"pow: {x!r} ** {b!r} is a fractional power of a negative number "
                              "(the result would be complex)")
        if x <= 0 and name == "pow":
            return ValueError(f"pow: the gradient with respect to the exponent needs log(base), "
                              f"and the base {x!r} is not positive")
        return OverflowError(f"pow: {x!r} ** {b!r} overflows a float64")
    if name == "exp":
        return OverflowError(f"exp of {x!r} overflows a float64 (exp is finite up to about 709.78)")
    shown = f" {rule.symbol} ".join(repr(a) for a in args) if len(args) == 2 else f"{name}({x!r})"
    return OverflowError(f"{name}: {shown} is not finite ({exc or 'inf or nan'})")


def _checked(d: Any, rule: R.Rule, args: tuple) -> float:
    """A result off the fast path: a numpy scalar (from data a user assigned) becomes a float; a
    complex number, inf or nan is the op's domain error."""
    if isinstance(d, float) and d - d == 0.0:
        return float(d)
    raise _domain_error(rule, args)


def _as_float(x: Any) -> float:
    if x.__class__ is float:
        return x
    if isinstance(x, numbers.Real):  # int, bool, numpy scalars (np.float64 subclasses float, but its
        return float(x)  # .data is a buffer): stored as a plain float, as the ops' fast paths expect
    raise TypeError(f"Value holds a real number, not {type(x).__name__} ({x!r})")


def _const(x: Any) -> Value:
    """A number used in an op with a Value: a leaf Value (its gradient is computed, then ignored)."""
    if x.__class__ is Value:
        return x
    if not isinstance(x, numbers.Real):
        raise TypeError(f"unsupported operand: Value and {type(x).__name__} ({x!r})")
    return Value(x)


def _binary(rule: R.Rule, a: Value, b: Value) -> Value:
    x = a.data
    y = b.data
    out = _new(Value)
    try:
        d = out.data = rule.forward(x, y)
        if state.grad_enabled:
            out._da, out._db = rule.local(x, y, d)
    except (ArithmeticError, ValueError) as e:
        raise _domain_error(rule, (x, y), e) from None
    if d.__class__ is not float or d - d != 0.0:
        d = out.data = _checked(d, rule, (x, y))
    out.grad = 0.0
    if state.grad_enabled:
        out._op = rule
        out._seq = next_seq()
        out._a = a
        out._b = b
        if state.tapes:
            _on_tape(out)
    else:
        out._op = out._a = None
    return out


def _unary(rule: R.Rule, a: Value) -> Value:
    x = a.data
    out = _new(Value)
    try:
        d = out.data = rule.forward(x)
        if state.grad_enabled:
            (out._da,) = rule.local(x, d)
    except (ArithmeticError, ValueError) as e:
        raise _domain_error(rule, (x,), e) from None
    if d.__class__ is not float or d - d != 0.0:
        d = out.data = _checked(d, rule, (x,))
    out.grad = 0.0
    if state.grad_enabled:
        out._op = rule
        out._seq = next_seq()
        out._a = a
        out._b = None
        if state.tapes:
            _on_tape(out)
    else:
        out._op = out._a = None
    return out


def _on_tape(out: Value) -> None:
    for t in state.tapes:
        t.nodes.append(out)


class Value:
    """A float that remembers how it was computed, so that ``backward()`` can differentiate it.

    ``Value(2.0)``; ``.data`` the number, ``.grad`` ∂(output)/∂(this) after ``backward()``, ``.op``
    the op that made it ("" for a leaf), ``.inputs`` the Values it was made from. Works as a drop-in
    for micrograd's ``Value``.
    """

    # A leaf sets data, grad, _op and _a; a recorded op also sets _seq, _b and its local derivatives
    # (_db only when there is a second input). Slots left empty cost the garbage collector nothing.
    __slots__ = ("data", "grad", "_label", "_op", "_seq", "_a", "_b", "_da", "_db")

    def __init__(self, data: Any, _children: tuple = (), _op: str = "", label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self._op = self._a = None
        if label:
            self._label = label

    @property
    def label(self) -> str:
        """A name to show in drawings and step-throughs ("" when none was given)."""
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, name: str) -> None:
        self._label = name

    # --- what a person sees -----------------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that produced this Value ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def inputs(self) -> tuple:
        """The Values this one was computed from (empty for a leaf)."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is None:
            return (a,)
        return (a, *b) if b.__class__ is tuple else (a, b)

    @property
    def rule(self) -> R.Rule | None:
        """The primitive that produced this Value (its registry entry), None for a leaf."""
        return self._op

    @property
    def seq(self) -> int:
        """When the op ran: records are numbered in execution order (0 for a leaf)."""
        return 0 if self._a is None else self._seq

    @property
    def _prev(self) -> tuple:  # micrograd's name for the inputs
        return self.inputs

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    def __repr__(self) -> str:
        g = self.grad
        gs = repr(g) if isinstance(g, float) else f"Value({g.data!r})"
        lab = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={gs}{lab})"

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    # --- arithmetic -------------------------------------------------------------------------------
    # + and * carry almost every node of a network, so their rules (ADD: local (1, 1); MUL: local
    # (b, a)) are evaluated inline here rather than through _binary's calls; the result is the same
    # record, and tests/test_value.py checks these inlined derivatives against the rules.
    def __add__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = _const(other)
        x = self.data
        y = other.data
        out = _new(Value)
        d = out.data = x + y
        if d - d != 0.0:
            raise _domain_error(R.ADD, (x, y))
        out.grad = 0.0
        if state.grad_enabled:
            out._op = R.ADD
            out._seq = next_seq()
            out._a = self
            out._b = other
            out._da = out._db = 1.0
            if state.tapes:
                _on_tape(out)
        else:
            out._op = out._a = None
        return out

    def __radd__(self, other: Any) -> Value:
        return _const(other) + self

    def __sub__(self, other: Any) -> Value:
        return _binary(R.SUB, self, other if other.__class__ is Value else _const(other))

    def __rsub__(self, other: Any) -> Value:
        return _binary(R.SUB, _const(other), self)

    def __mul__(self, other: Any) -> Value:
        if other.__class__ is not Value:
            other = _const(other)
        x = self.data
        y = other.data
        out = _new(Value)
        d = out.data = x * y
        if d - d != 0.0:
            raise _domain_error(R.MUL, (x, y))
        out.grad = 0.0
        if state.grad_enabled:
            out._op = R.MUL
            out._seq = next_seq()
            out._a = self
            out._b = other
            out._da = y
            out._db = x
            if state.tapes:
                _on_tape(out)
        else:
            out._op = out._a = None
        return out

    def __rmul__(self, other: Any) -> Value:
        return _const(other) * self

    def __truediv__(self, other: Any) -> Value:
        return _binary(R.DIV, self, other if other.__class__ is Value else _const(other))

    def __rtruediv__(self, other: Any) -> Value:
        return _binary(R.DIV, _const(other), self)

    def __pow__(self, other: Any) -> Value:
        if other.__class__ is Value:
            return _binary(R.POW, self, other)
        return _binary(R.POWC, self, _const(other))

    def __rpow__(self, other: Any) -> Value:
        return _binary(R.POW, _const(other), self)

    def __neg__(self) -> Value:
        return _unary(R.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(R.ABS, self)

    # --- functions --------------------------------------------------------------------------------
    def exp(self) -> Value:
        return _unary(R.EXP, self)

    def log(self) -> Value:
        return _unary(R.LOG, self)

    def sqrt(self) -> Value:
        return _unary(R.SQRT, self)

    def tanh(self) -> Value:
        return _unary(R.TANH, self)

    def sigmoid(self) -> Value:
        return _unary(R.SIGMOID, self)

    def relu(self) -> Value:
        return _unary(R.RELU, self)

    def abs(self) -> Value:
        return _unary(R.ABS, self)

    def sign(self) -> Value:
        """sign(x) ∈ {-1, 0, 1}, the perceptron's activation; its derivative is taken as 0."""
        return _unary(R.SIGN, self)

    def step(self) -> Value:
        """1 if x > 0 else 0 (McCulloch–Pitts threshold); its derivative is taken as 0."""
        return _unary(R.STEP, self)

    # --- comparisons look at the numbers; hashing stays by identity, as for torch tensors --------
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)

    def __eq__(self, other: object) -> bool:
        return self.data == _data(other)

    def __ne__(self, other: object) -> bool:
        return self.data != _data(other)

    __hash__ = object.__hash__

    # --- the tape ---------------------------------------------------------------------------------
    def detach(self) -> Value:
        """The same number as a new leaf: no gradient flows back through it."""
        return Value(self.data)

    def zero_grad(self) -> None:
        self.grad = 0.0

    def backward(self, gradient: Any = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Backpropagate: add ∂self/∂v to ``v.grad`` for every Value ``v`` this one depends on.

        ``gradient`` seeds ∂L/∂self (1.0 by default). As in PyTorch, leaves accumulate across calls,
        a graph is freed after backward unless ``retain_graph=True``, and ``create_graph=True``
        (which implies ``retain_graph``) records the backward pass so gradients are Values that can
        be differentiated again.
        """
        if gradient is None:
            seed: Any = 1.0
        elif gradient.__class__ is Value:
            seed = gradient if create_graph else gradient.data
        else:
            seed = _as_float(gradient)
        backward_values(self, seed, retain_graph or create_graph, create_graph)


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Any], bias: Any = 0.0) -> Value:
    """a = b + Σ_j w_j z_j as one record: the lecture's neuron activation (slide "g the graph").

    The same number as ``sum((w * z for w, z in zip(weights, inputs)), bias)`` but one node instead
    of 2n, so a neuron shows as one unit in a drawing and trains several times faster.
    """
    ws = tuple(weights)
    zs = tuple(x if x.__class__ is Value else _const(x) for x in inputs)
    if len(ws) != len(zs):
        raise ValueError(f"weighted_sum: {len(ws)} weights for {len(zs)} inputs")
    b = bias if bias.__class__ is Value else _const(bias)
    wd = [w.data for w in ws]
    zd = [z.data for z in zs]
    d = b.data + sum(map(_mul, wd, zd))
    if d - d != 0.0:
        raise OverflowError(f"weighted_sum: the result is not finite ({d})")
    out = _new(Value)
    out.data = d
    out.grad = 0.0
    if state.grad_enabled:
        out._op = R.WEIGHTED_SUM
        out._seq = next_seq()
        out._a = b
        out._da = 1.0
        out._b = ws + zs
        out._db = (*zd, *wd)
        if state.tapes:
            _on_tape(out)
    else:
        out._op = out._a = None
    return out


def _data(x: Any) -> Any:
    return x.data if x.__class__ is Value else x


def value(x: Any) -> Value:
    """``x`` as a Value (a Value is returned as it is)."""
    return x if x.__class__ is Value else Value(x)


__all__ = ["Value", "value", "weighted_sum"]
