"""The registry: one entry per primitive, read by every engine and every view.

An entry (``Rule``) states a primitive's math once: its name and the symbol it is drawn with, its
forward on floats (``forward``, for ``Value``) and on ndarrays (``array``, for ``Tensor``), its
derivative, the formula a person reads, and its domain check with its message.

The derivative comes in one of two forms:

* ``local(*inputs, out)`` for an elementwise (or scalar) primitive: one partial ∂out/∂input per
  input. It is written with operations that work on floats, ``Value``s, ndarrays and ``Tensor``s
  alike, so the same line serves three purposes: the ``Value`` engine evaluates it on floats in the
  forward pass and stores the numbers; the ``Tensor`` engine evaluates it on arrays and multiplies it
  by the arriving gradient (``elementwise_vjp``, applied per input by ``times_partial``, with
  ``unbroadcast`` undoing broadcasting); and
  ``backward(create_graph=True)`` evaluates it on ``Value``s/``Tensor``s, so that the backward pass
  is itself recorded and can be differentiated again.
* ``vjp(g, out, inputs, params, needs)`` for the primitives of arrays whose Jacobian is not diagonal
  (matmul, reductions, reshapes, indexing, softmax, ...: ``tensor_rules.py``): the gradient each input
  receives when ∂L/∂out = ``g`` arrives, written on arrays and, under create_graph, evaluated on
  Tensors. ``params`` are the op's other arguments (an axis, an index), ``needs`` says which inputs
  need a gradient.

``formula`` is what a step-through prints: for ``local``, a tuple with one formula per input
(``{x}``, ``{y}`` the inputs, ``{out}`` the output: tanh's is ``("1 - {out}²",)``); for ``vjp``, one
line (``"∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g"``). ``domain(*inputs)`` returns the error for inputs outside
the op's domain, or None: the Tensor engine asks before computing, the Value engine only once a float
computation failed (so the fast path pays nothing). ``constants`` lists the inputs that are constants
of the op (a constant exponent, leaky_relu's slope): they get no gradient.

The chain rule that consumes these derivatives is the lecture's backpropagation slide
("o the optimizer: Backpropagation"): δ_k = f'_k · W_{k+1} · δ_{k+1}, one op at a time, in tape.py.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

_ndarray = np.ndarray


class Rule:
    """A primitive: its name and symbol, forward on floats and arrays, derivative, formula, domain."""

    __slots__ = ("name", "symbol", "formula", "forward", "array", "local", "vjp", "domain", "constants")

    def __init__(self, name: str, symbol: str, formula: tuple | str, *,
                 forward: Callable[..., float] | None = None, array: Callable[..., Any] | None = None,
                 local: Callable[..., tuple] | None = None, vjp: Callable[..., tuple] | None = None,
                 domain: Callable[..., Exception | None] | None = None,
                 constants: tuple[int, ...] = ()) -> None:
        self.name = name
        self.symbol = symbol
        self.formula = formula
        self.forward = forward
        self.array = array
        self.local = local
        self.vjp = vjp
        self.domain = domain
        self.constants = constants

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"

    def __str__(self) -> str:
        return self.symbol


RULES: dict[str, Rule] = {}


def rule(name: str, symbol: str, formula: tuple | str, **parts: Any) -> Rule:
    """Register a primitive (see ``Rule``); its name must be new."""
    if name in RULES:
        raise ValueError(f"a primitive named {name!r} is registered already")
    r = RULES[name] = Rule(name, symbol, formula, **parts)
    return r


# --- functions the derivatives are written with: floats, arrays, Values and Tensors alike --------
def _data(x: Any) -> Any:
    """The number(s) inside a Value/Tensor, or x itself (ndarray.data is a buffer, not the values)."""
    if x.__class__ is float or isinstance(x, (float, int, _ndarray, np.generic)):
        return x  # (a numpy scalar, e.g. data a user assigned, has a buffer as .data too)
    return x.data


def _on(x: Any, on_float: Callable, on_array: Callable, method: str) -> Any:
    if x.__class__ is float or isinstance(x, (int, float)):
        return on_float(x)
    if isinstance(x, (_ndarray, np.generic)):
        return on_array(x)
    return getattr(x, method)()


def log(x: Any) -> Any:
    """Natural log of a float, an ndarray, a ``Value`` or a ``Tensor``."""
    return _on(x, math.log, np.log, "log")


def sin(x: Any) -> Any:
    return _on(x, math.sin, np.sin, "sin")


def cos(x: Any) -> Any:
    return _on(x, math.cos, np.cos, "cos")


def _sigmoid_float(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # exp(-x) would overflow for a very negative x
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # never overflows: for either sign of x the formula divides by 1 + e
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid(x: Any) -> Any:
    return _on(x, _sigmoid_float, _sigmoid_array, "sigmoid")


def step(x: Any) -> Any:
    """Heaviside step 1[x > 0] of the number(s) in x, as a constant (its own derivative is 0 everywhere
    it exists): a Value or Tensor gives the step of its data."""
    if x.__class__ is not _ndarray:
        x = _data(x)
        if not isinstance(x, _ndarray):
            return 1.0 if x > 0 else 0.0
    return (x > 0).astype(x.dtype)


def sign(x: Any) -> Any:
    """sign(x) ∈ {-1, 0, 1} of the number(s) in x, as a constant."""
    if x.__class__ is not _ndarray:
        x = _data(x)
        if not isinstance(x, _ndarray):
            return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    return np.sign(x)


def select(cond: Any, x: Any, y: Any) -> Any:
    """``x`` where ``cond`` else ``y``: numpy's where on arrays, the recorded op on Tensors."""
    if x.__class__.__name__ == "Tensor" or y.__class__.__name__ == "Tensor":
        from .tensor import where

        return where(cond, x, y)
    return np.where(cond, x, y)


def _lowest(x: Any) -> Any:
    return x.min() if isinstance(x, _ndarray) else x


def _highest(x: Any) -> Any:
    return x.max() if isinstance(x, _ndarray) else x


def _shown(x: Any) -> str:
    """A number in a message: as a Python float (``-2.0``, not ``np.float64(-2.0)``)."""
    return repr(float(x)) if isinstance(x, (np.generic, _ndarray)) else repr(x)


# --- the elementwise vector-Jacobian product, for every rule with a ``local`` --------------------
def elementwise_vjp(rule: Rule, g: Any, out: Any, inputs: tuple, needs: tuple) -> tuple:
    """∂L/∂x_i = unbroadcast(g ⊙ ∂out/∂x_i) for each input that needs it; the partials from ``local``,
    evaluated on arrays, or on Tensors under create_graph so that the products are recorded too.

    This is the definition; ``tape.tensor_vjp`` applies it to the one- and two-input records that
    nearly every op makes through ``times_partial``, which saves the arrays it can."""
    partials = rule.local(*inputs, out)
    return tuple(unbroadcast(g * d, x.shape) if need else None for x, d, need in zip(inputs, partials, needs))


def times_partial(g: np.ndarray, d: Any, x: Any, y: Any, out: Any, shape: tuple) -> Any:
    """g · d on arrays, summed back to ``shape`` (the input's): no product for a partial of 1 or -1,
    and the product written into d itself when the rule made d just now (it is not x, y or out,
    which a rule may hand back as they are, like exp's output): one array less to allocate and fill."""
    kind = d.__class__
    if kind is float or kind is int:
        c = g if d == 1.0 else -g if d == -1.0 else g * d
    elif (kind is _ndarray and d.base is None and d is not x and d is not y and d is not out
          and d.shape == g.shape and d.dtype == g.dtype):
        d *= g
        c = d
    else:
        c = g * d
    return c if c.shape == shape else unbroadcast(c, shape)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, giving an array of ``shape``.

    Broadcasting copies an input along some axes; the gradient of a copy is the sum over the copies.
    This is the one place where broadcasting is undone (arrays, and Tensors under create_graph).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    array = g.__class__ is _ndarray
    if gshape[1:] == shape:  # a bias added to a batch: sum the rows
        if array and len(shape) == 1 and shape[0] > 1:
            # as one vector-matrix product, 1ᵀ g: BLAS sums the columns at once, in half the time
            # of a reduction over the rows
            return _ones(gshape[0], g.dtype) @ g
        return _add_reduce(g, 0) if array else g.sum(0)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = _add_reduce(g, axes, None, None, True) if array else g.sum(axes, True)
    return g.reshape(shape)


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones: made once per length and dtype (np.ones is three calls in Python)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


_add_reduce = np.add.reduce  # ndarray.sum() without its Python wrapper (~1 µs less per call)


# --- domains ------------------------------------------------------------------------------------
def _div_domain(x: Any, y: Any) -> Exception | None:
    if isinstance(y, _ndarray):
        if not y.all():
            return ZeroDivisionError(f"div: division by zero (the divisor of shape {y.shape} holds 0.0)")
        return None
    if y == 0:
        return ZeroDivisionError(f"div: division by zero: {_shown(x)} / {_shown(y)}")
    return None


def _log_domain(x: Any) -> Exception | None:
    low = _lowest(x)
    if low <= 0:  # (nan compares false: it is detect_anomaly's to report)
        return ValueError(f"log of {_shown(low)}: log is defined for positive numbers only (log of 0.0 is "
                          "-inf); add a small epsilon or use log_softmax")
    return None


def _log1p_domain(x: Any) -> Exception | None:
    low = _lowest(x)
    if low <= -1:
        return ValueError(f"log1p of {_shown(low)}: log1p(x) = log(1 + x) is defined for x > -1 only "
                          "(log1p(-1) is -inf)")
    return None


def _sqrt_domain(x: Any) -> Exception | None:
    low = _lowest(x)
    if low < 0:
        return ValueError(f"sqrt of {_shown(low)}: sqrt is defined for non-negative numbers only (the "
                          "result would be complex)")
    # A Value stops at 0, where its derivative 0.5/0.0 is a float division by zero; a Tensor goes on
    # with an infinite gradient there, as PyTorch does (detect_anomaly names the op).
    if low == 0 and not isinstance(x, _ndarray):
        return ZeroDivisionError("sqrt of 0.0: its derivative 1/(2*sqrt(x)) is infinite there; add a "
                                 "small epsilon, e.g. (x + 1e-12).sqrt()")
    return None


_EXP_LIMIT = {np.dtype(t): float(np.log(np.finfo(t).max)) for t in (np.float32, np.float64)}


def _exp_domain(x: Any) -> Exception | None:
    high = _highest(x)
    dtype = x.dtype if isinstance(x, _ndarray) else np.dtype(np.float64)
    limit = _EXP_LIMIT.get(dtype, _EXP_LIMIT[np.dtype(np.float64)])
    if high > limit:
        return OverflowError(f"exp of {_shown(high)} overflows {dtype} (exp is finite up to about "
                             f"{limit:.5g}); for softmax or log-probabilities use softmax()/log_softmax(), "
                             "which stay finite")
    return None


def _powc_domain(x: Any, n: Any) -> Exception | None:
    """x ** n must be real and finite (and, on floats, so must its derivative n·xⁿ⁻¹)."""
    if isinstance(x, _ndarray):
        n = _data(n)
        if not x.size:
            return None
        if isinstance(n, (int, float)) or np.ndim(n) == 0:  # a number: no array temporaries
            n = float(n)
            if n != round(n) and x.min() < 0:
                return ValueError("pow: a negative base to a fractional power (the result would be "
                                  "complex)")
            if n < 0 and not x.all():
                return ZeroDivisionError("pow: 0.0 to a negative power is a division by zero")
            return None
        whole = n == np.round(n)
        if not np.all(whole) and x.min() < 0 and ((x < 0) & ~whole).any():
            return ValueError("pow: a negative base to a fractional power (the result would be complex)")
        if np.any(n < 0) and not x.all() and ((x == 0) & (n < 0)).any():
            return ZeroDivisionError("pow: 0.0 to a negative power is a division by zero")
        return None
    if x == 0 and n < 0:
        return ZeroDivisionError(f"pow: 0.0 ** {_shown(n)} is a division by zero")
    if x == 0 and n < 1:
        return ZeroDivisionError(f"pow: the derivative of x ** {_shown(n)} is infinite at x = 0.0")
    if x < 0 and n != int(n):
        return ValueError(f"pow: {_shown(x)} ** {_shown(n)} is a fractional power of a negative number "
                          "(the result would be complex)")
    return None


def _pow_domain(x: Any, y: Any) -> Exception | None:
    """As a constant power, and the gradient with respect to the exponent needs log(x > 0)."""
    e = _powc_domain(x, y)
    if e is not None:
        return e
    if isinstance(x, _ndarray) and not x.size:
        return None
    if not _lowest(x) > 0:
        shown = "holds values that are" if isinstance(x, _ndarray) else f"{_shown(x)} is"
        return ValueError(f"pow: the gradient with respect to the exponent needs log(base), and the base "
                          f"{shown} not positive")
    return None


# --- binary -------------------------------------------------------------------------------------
ADD = rule("add", "+", ("1", "1"), forward=operator.add, array=operator.add,
           local=lambda a, b, out: (1.0, 1.0))
SUB = rule("sub", "-", ("1", "-1"), forward=operator.sub, array=operator.sub,
           local=lambda a, b, out: (1.0, -1.0))
MUL = rule("mul", "*", ("{y}", "{x}"), forward=operator.mul, array=operator.mul,
           local=lambda a, b, out: (b, a))
DIV = rule("div", "/", ("1/{y}", "-{out}/{y}"), forward=operator.truediv, array=operator.truediv,
           local=lambda a, b, out: (1.0 / b, -out / b), domain=_div_domain)
# a ** b with a variable exponent: ∂/∂b needs log(a), defined for a > 0 only.
POW = rule("pow", "**", ("{y}·{x}^({y}-1)", "{out}·log({x})"), forward=operator.pow, array=operator.pow,
           local=lambda a, b, out: (b * a ** (b - 1.0), out * log(a)), domain=_pow_domain)


def _powc_local(a: Any, n: Any, out: Any) -> tuple:
    """a ** n with a constant exponent n: d/da = n·aⁿ⁻¹ (0 for n = 0, also at a = 0); n gets none."""
    # Under create_graph n arrives as a Value/Tensor; taking its number keeps a ** (n - 1) a power
    # with a constant exponent, which (unlike a ** Value) is defined for a negative base.
    n = _data(n)
    if isinstance(n, _ndarray):
        if n.ndim == 0:
            n = float(n)  # a number keeps n·xⁿ⁻¹ on numpy's fast path
        else:  # an array of exponents: 0 where n = 0 (n·xⁿ⁻¹ would be 0·inf at x = 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                d = n * a ** (n - 1.0)
            return (select(n == 0, 0.0, d), 0.0)
    if n == 0:
        return (0.0, 0.0)
    if n == 2:  # (the square's 2·x: one product, where a ** 1.0 would be a copy first)
        return (2.0 * a, 0.0)
    return (n * a ** (n - 1.0), 0.0)


POWC = rule("powc", "**", ("{y}·{x}^({y}-1)", "0 (constant exponent)"), forward=operator.pow,
            array=operator.pow, local=_powc_local, domain=_powc_domain, constants=(1,))

# --- unary --------------------------------------------------------------------------------------
NEG = rule("neg", "neg", ("-1",), forward=operator.neg, array=operator.neg, local=lambda x, out: (-1.0,))
EXP = rule("exp", "exp", ("exp({x}) = {out}",), forward=math.exp, array=np.exp,
           local=lambda x, out: (out,), domain=_exp_domain)
LOG = rule("log", "log", ("1/{x}",), forward=math.log, array=np.log,
           local=lambda x, out: (1.0 / x,), domain=_log_domain)
SQRT = rule("sqrt", "sqrt", ("1/(2·{out})",), forward=math.sqrt, array=np.sqrt,
            local=lambda x, out: (0.5 / out,), domain=_sqrt_domain)
TANH = rule("tanh", "tanh", ("1 - {out}²",), forward=math.tanh, array=np.tanh,
            local=lambda x, out: (1.0 - out * out,))
# slide "Activation Functions": sigmoid g(a) = 1 / (1 + exp(-a)), g' = g (1 - g)
SIGMOID = rule("sigmoid", "σ", ("{out}·(1 - {out})",), forward=_sigmoid_float, array=_sigmoid_array,
               local=lambda x, out: (out * (1.0 - out),))
RELU = rule("relu", "ReLU", ("1 if {x} > 0 else 0",), forward=lambda x: x if x > 0 else 0.0,
            array=lambda x: np.maximum(x, 0.0), local=lambda x, out: (step(x),))
ABS = rule("abs", "abs", ("sign({x})",), forward=abs, array=np.abs, local=lambda x, out: (sign(x),))
SIN = rule("sin", "sin", ("cos({x})",), forward=math.sin, array=np.sin, local=lambda x, out: (cos(x),))
COS = rule("cos", "cos", ("-sin({x})",), forward=math.cos, array=np.cos, local=lambda x, out: (-sin(x),))
LOG1P = rule("log1p", "log1p", ("1/(1 + {x})",), forward=math.log1p, array=np.log1p,
             local=lambda x, out: (1.0 / (1.0 + x),), domain=_log1p_domain)

# PyTorch's softplus with beta = 1: log(1 + exp(x)), and x itself above the threshold 20, where the
# two differ by less than 2.1e-9 (exp(x) would overflow for x > 709). Derivative σ(x), 1 above 20.
SOFTPLUS_THRESHOLD = 20.0


def _softplus_array(x: np.ndarray) -> np.ndarray:
    return np.where(x > SOFTPLUS_THRESHOLD, x, np.log1p(np.exp(np.minimum(x, SOFTPLUS_THRESHOLD))))


def _softplus_local(x: Any, out: Any) -> tuple:
    v = _data(x)
    if isinstance(v, _ndarray):
        return (select(v > SOFTPLUS_THRESHOLD, 1.0, sigmoid(x)),)
    return (1.0 if v > SOFTPLUS_THRESHOLD else sigmoid(x),)


SOFTPLUS = rule("softplus", "softplus", ("σ({x}) (1 above 20)",),
                forward=lambda x: x if x > SOFTPLUS_THRESHOLD else math.log1p(math.exp(x)),
                array=_softplus_array, local=_softplus_local)


# leaky_relu(x, s) = x for x > 0, else s·x; its slope s is a constant of the op. The derivative at
# 0 is s, as PyTorch takes it.
def _leaky_relu_local(x: Any, slope: Any, out: Any) -> tuple:
    v, s = _data(x), _data(slope)
    if isinstance(v, _ndarray):
        return (np.where(v > 0, 1.0, s).astype(v.dtype), 0.0)
    return (1.0 if v > 0 else s, 0.0)


LEAKY_RELU = rule("leaky_relu", "LeakyReLU", ("1 if {x} > 0 else {y}", "0 (constant slope)"),
                  forward=lambda x, s: x if x > 0 else s * x,
                  array=lambda x, s: np.where(x > 0, x, s * x), local=_leaky_relu_local, constants=(1,))
# the perceptron's activations (slide "Frank Rosenblatt's Perceptron"): piecewise constant, so their
# derivative is 0 wherever it exists; a gradient never flows through them.
SIGN = rule("sign", "sign", ("0 (piecewise constant)",), forward=sign, array=np.sign,
            local=lambda x, out: (0.0,))
STEP = rule("step", "step", ("0 (piecewise constant)",), forward=step, array=step,
            local=lambda x, out: (0.0,))


# --- n-ary --------------------------------------------------------------------------------------
# The lecture's neuron activation (slide "g the graph"): a_i = b_i + Σ_j w_ji z_j as one record.
# Inputs are (b, w_1..w_n, z_1..z_n); ∂a/∂b = 1, ∂a/∂w_j = z_j, ∂a/∂z_j = w_j.
def _weighted_sum(b: Any, *wz: Any) -> Any:
    n = len(wz) // 2
    return b + sum(w * z for w, z in zip(wz[:n], wz[n:]))


def _weighted_sum_local(b: Any, *wz_out: Any) -> tuple:
    wz = wz_out[:-1]
    n = len(wz) // 2
    return (1.0, *wz[n:], *wz[:n])


WEIGHTED_SUM = rule("weighted_sum", "b+Σw·z", "∂a/∂b = 1,  ∂a/∂w_j = z_j,  ∂a/∂z_j = w_j",
                    forward=_weighted_sum, local=_weighted_sum_local)

# the primitives of arrays register themselves next to these
from . import tensor_rules  # noqa: E402, F401
