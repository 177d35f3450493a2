"""Value: one float on the tape.

Each operator and method maps to an entry of the registry (``rules.py``), applied by the one record
constructor ``_record``. While gradients are enabled the result records the entry, a sequence
number, its inputs and the entry's local derivatives evaluated on the numbers (so the backward walk
in tape.py is a loop of multiply-adds). A plain-number operand (``x * 2.0``) is kept as the number,
not as a leaf Value, until someone asks for the node's inputs. Nothing refers back from an input to
its outputs, so a graph has no reference cycles and is freed as soon as it is dropped.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from operator import mul as _mul
from typing import Any

from . import rules as R
from .tape import backward_values, next_seq, record_on_tapes, state

_new = object.__new__


def _domain_error(rule: R.Rule, args: tuple, exc: BaseException | None = None) -> Exception:
    """The error a user sees when a float op failed: the rule's domain message, else what failed."""
    err = rule.domain(*args) if rule.domain is not None else None
    if err is not None:
        return err
    name = rule.name
    shown = f" {rule.symbol} ".join(repr(a) for a in args) if len(args) == 2 else f"{name}({args[0]!r})"
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


def _number(x: Any) -> Any:
    """A plain-number operand as the record keeps it: a float (an int exponent stays an int, so that
    ``x ** 2`` shows as micrograd's ``'**2'``)."""
    if x.__class__ is float or x.__class__ is int:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return int(x) if isinstance(x, numbers.Integral) else float(x)
    if isinstance(x, bool):
        return float(x)
    raise TypeError(f"unsupported operand: Value and {type(x).__name__} ({x!r})")


def _const(x: Any) -> Value:
    """A number on the left of an operator (``2 * x``, ``1 - x``): a leaf Value."""
    if x.__class__ is Value:
        return x
    return Value(_number(x))


def _constructor(rule: R.Rule) -> Callable[..., Value]:
    """The one record constructor of the Value engine, made once per entry of the registry.

    ``record(a, b)`` applies ``rule`` to the Value ``a`` and ``b``: a Value, a plain number (kept as
    it is: the 2.0 of ``x * 2.0`` costs no leaf Value), or None for a unary op. The forward and the
    local derivatives come from the entry; + and *, which carry almost every node of a network, are
    evaluated inline (the same numbers as their entries: tests/test_value.py checks it). Made once
    per entry and used as the operator itself, so an op costs no call besides its own.
    """
    is_mul = rule is R.MUL
    is_add = rule is R.ADD

    def record(a: Value, b: Any = None) -> Value:
        x = a.data
        if b.__class__ is Value:
            y = b.data
        elif b is None:
            y = None
        else:
            y = b = _number(b)
        out = _new(Value)
        try:
            if is_mul:
                d = x * y
                da = y
                db = x
            elif is_add:
                d = x + y
                da = db = 1.0
            elif b is None:
                d = rule.forward(x)
                if state.grad_enabled:
                    (da,) = rule.local(x, d)
                    db = None
            else:
                d = rule.forward(x, y)
                if state.grad_enabled:
                    da, db = rule.local(x, y, d)
        except (ArithmeticError, ValueError) as e:
            raise _domain_error(rule, (x,) if b is None else (x, y), e) from None
        if d.__class__ is not float or d - d != 0.0:
            d = _checked(d, rule, (x,) if b is None else (x, y))
        out.data = d
        out.grad = 0.0
        if state.grad_enabled:
            out._rule = rule
            out._seq = next_seq()
            out._first = a
            out._dfirst = da
            out._rest = b
            out._drest = db
            if state.tapes:
                record_on_tapes(out)
        else:
            out._first = None
        return out

    record.__name__ = record.__qualname__ = rule.name
    return record


class Value:
    """A float that remembers how it was computed, so that ``backward()`` can differentiate it.

    ``Value(2.0)``; ``.data`` the number, ``.grad`` ∂(output)/∂(this) after ``backward()``, ``.op``
    the op that made it ("" for a leaf), ``.inputs`` the Values it was made from, ``.rule`` the
    primitive's registry entry. A drop-in for micrograd's ``Value``: ``_prev``, ``_op`` and
    ``_backward()`` answer as micrograd's do.
    """

    # A leaf sets data, grad and _first (None). A record also sets _rule, _seq, its first input and
    # partial (_first, _dfirst) and the rest of its inputs and their partials (_rest, _drest): None for a
    # unary op, one Value or plain number for a binary op, tuples for an n-ary record. Slots left
    # empty cost the garbage collector nothing.
    __slots__ = ("data", "grad", "_label", "_rule", "_seq", "_first", "_dfirst", "_rest", "_drest")

    def __init__(self, data: Any, _children: tuple = (), _op: str = "", label: str = "") -> None:
        if _children or _op:
            raise TypeError(
                "Value(data, _children, _op) builds a node by hand, which autograd_lite does not "
                "record (it would have no derivative): compute it with the operators and methods "
                "(a + b, a * b, a.tanh(), a ** 2), or define the op as an autograd_lite.Function")
        self.data = _as_float(data)
        self.grad = 0.0
        self._first = None
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

    # --- the record -------------------------------------------------------------------------------
    @property
    def op(self) -> str:
        """Name of the op that produced this Value ("" for a leaf)."""
        return "" if self._first is None else self._rule.name

    @property
    def rule(self) -> R.Rule | None:
        """The primitive that produced this Value (its registry entry), None for a leaf."""
        return None if self._first is None else self._rule

    @property
    def seq(self) -> int:
        """When the op ran: records are numbered in execution order (0 for a leaf)."""
        return 0 if self._first is None else self._seq

    @property
    def inputs(self) -> tuple:
        """The Values this one was computed from (empty for a leaf). A plain-number operand becomes a
        leaf Value here, the first time it is asked for, and stays that Value."""
        a = self._first
        if a is None:
            return ()
        rest = self._rest
        if rest is None:
            return (a,)
        if rest.__class__ is tuple:
            return (a, *rest)
        if rest.__class__ is float or rest.__class__ is int:
            rest = self._rest = self._constant_leaf(rest)
        return (a, rest)

    def _constant_leaf(self, number: Any) -> Value:
        """A plain-number operand as a leaf Value, holding the gradient a backward already sent it
        (this node's gradient times ∂node/∂number), as if it had been a leaf all along."""
        leaf = Value(number)
        g = self.grad
        if g.__class__ is float and g != 0.0 and 1 not in self._rule.constants:
            leaf.grad = g * self._drest
        return leaf

    params = ()  # a Value op has no arguments besides its inputs (a constant exponent is an input)

    @property
    def is_leaf(self) -> bool:
        return self._first is None

    # --- micrograd's introspection ----------------------------------------------------------------
    @property
    def _prev(self) -> set:
        """micrograd's children: a set of the input Values (``a + a`` has one), without the constants
        of an op (micrograd's ``x ** 2`` has the child x only)."""
        rule = self.rule
        if rule is None:
            return set()
        return {x for i, x in enumerate(self.inputs) if i not in rule.constants}

    @property
    def _op(self) -> str:
        """micrograd's name of the op: '' for a leaf, '+', '*', 'ReLU', 'tanh', 'exp', '**2', ...
        (the registry's symbol; for a constant power the exponent written in, as micrograd's)."""
        rule = self.rule
        if rule is None:
            return ""
        if rule is R.POWC:
            n = self._rest
            return f"**{n if n.__class__ is float or n.__class__ is int else n.data}"
        return rule.symbol

    def _backward(self) -> None:
        """micrograd's one step of the chain rule by hand: add this Value's ``grad`` times each local
        derivative into its inputs' ``grad`` (a leaf does nothing). ``backward()`` does them all."""
        from .tape import input_grads

        if self._first is None:
            return
        for x, c in zip(self.inputs, input_grads(self, self.grad)):
            if c is not None:
                x.grad += c

    def __repr__(self) -> str:
        g = self.grad
        gs = repr(g) if isinstance(g, float) else f"Value({g.data!r})"
        lab = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={gs}{lab})"

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    # --- arithmetic: each operator is an entry of the registry ------------------------------------
    __add__ = _constructor(R.ADD)
    __sub__ = _constructor(R.SUB)
    __mul__ = _constructor(R.MUL)
    __truediv__ = _constructor(R.DIV)
    __neg__ = _constructor(R.NEG)
    __abs__ = _constructor(R.ABS)
    _pow_variable = _constructor(R.POW)
    _pow_constant = _constructor(R.POWC)

    def __pow__(self, other: Any) -> Value:
        if other.__class__ is Value:
            return self._pow_variable(other)
        return self._pow_constant(other)

    # a number on the left becomes a leaf Value
    def __radd__(self, other: Any) -> Value:
        return _const(other) + self

    def __rsub__(self, other: Any) -> Value:
        return _const(other) - self

    def __rmul__(self, other: Any) -> Value:
        return _const(other) * self

    def __rtruediv__(self, other: Any) -> Value:
        return _const(other) / self

    def __rpow__(self, other: Any) -> Value:
        return _const(other)._pow_variable(self)

    def __pos__(self) -> Value:
        return self

    # --- functions --------------------------------------------------------------------------------
    exp = _constructor(R.EXP)
    log = _constructor(R.LOG)
    log1p = _constructor(R.LOG1P)  # log(1 + x), accurate for x near 0
    sqrt = _constructor(R.SQRT)
    sin = _constructor(R.SIN)
    cos = _constructor(R.COS)
    tanh = _constructor(R.TANH)
    sigmoid = _constructor(R.SIGMOID)
    softplus = _constructor(R.SOFTPLUS)  # log(1 + exp(x)), PyTorch's with beta 1 (x itself above 20)
    relu = _constructor(R.RELU)
    abs = _constructor(R.ABS)
    sign = _constructor(R.SIGN)  # the perceptron's activation; its derivative is taken as 0
    step = _constructor(R.STEP)  # 1 if x > 0 else 0 (McCulloch–Pitts); its derivative is taken as 0
    _leaky_relu = _constructor(R.LEAKY_RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else negative_slope · x (the slope is a constant of the op)."""
        return self._leaky_relu(negative_slope)

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


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Value:
    """a = b + Σ_j w_j z_j as one record: the lecture's neuron activation (slide "g the graph").

    The same number as ``sum((w * z for w, z in zip(weights, inputs)), bias)`` but one node instead
    of 2n, so a neuron shows as one unit in a drawing and trains several times faster. A plain number
    among the weights, the inputs or the bias is a constant, as in ``x * 2.0``.
    """
    ws = _operands(weights, "weights")
    zs = _operands(inputs, "inputs")
    if len(ws) != len(zs):
        raise ValueError(f"weighted_sum: {len(ws)} weights for {len(zs)} inputs")
    b = bias if bias.__class__ is Value else _operand(bias, "bias")
    wd = [w.data for w in ws]
    zd = [z.data for z in zs]
    d = b.data + sum(map(_mul, wd, zd))
    if d - d != 0.0:
        raise OverflowError(f"weighted_sum: the result is not finite ({d})")
    out = _new(Value)
    out.data = d
    out.grad = 0.0
    if state.grad_enabled:
        out._rule = R.WEIGHTED_SUM
        out._seq = next_seq()
        out._first = b
        out._dfirst = 1.0
        out._rest = ws + zs
        out._drest = (*zd, *wd)
        if state.tapes:
            record_on_tapes(out)
    else:
        out._first = None
    return out


def _operands(xs: Sequence[Any], name: str) -> tuple:
    """``xs`` as a tuple of Values: a plain number becomes a constant leaf."""
    vs = tuple(xs)
    for x in vs:  # (a plain loop: a generator here cost a neuron of 16 inputs 8% of its time)
        if x.__class__ is not Value:
            break
    else:
        return vs
    return tuple([_operand(x, f"{name}[{i}]") for i, x in enumerate(vs)])


def _operand(x: Any, where: str) -> Value:
    try:
        return _const(x)
    except TypeError as e:
        raise TypeError(f"weighted_sum: {where}: {e}") from None


def _data(x: Any) -> Any:
    return x.data if x.__class__ is Value else x


def value(x: Any) -> Value:
    """``x`` as a Value (a Value is returned as it is)."""
    return x if x.__class__ is Value else Value(x)


__all__ = ["Value", "value", "weighted_sum"]
