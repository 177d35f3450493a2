"""One entry per primitive: its forward and its local derivatives.

A rule's ``local(*inputs, out)`` returns one partial derivative ∂out/∂input per input. It is written
with operations that work on floats, ``Value``s, ndarrays and ``Tensor``s alike, so the same line
serves three purposes:

* the fast path evaluates it on plain numbers during the forward pass and stores the numbers;
* ``backward(create_graph=True)`` evaluates it on ``Value``s/``Tensor``s, so the backward pass is
  itself recorded and can be differentiated again;
* the ``Tensor`` engine evaluates it on ndarrays for every elementwise op (a vector-Jacobian
  product of an elementwise function is ``grad * local``).

The chain rule that consumes these partials is the lecture's backpropagation slide
("o the optimizer: Backpropagation"): δ_k = f'_k · W_{k+1} · δ_{k+1}, one op at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


def log(x: Any) -> Any:
    """Natural log of a float, an ndarray, a ``Value`` or a ``Tensor``."""
    if isinstance(x, (float, int)):
        return math.log(x)
    if isinstance(x, np.ndarray):
        return np.log(x)
    return x.log()


def step(x: Any) -> Any:
    """Heaviside step 1[x > 0] as a constant (its own derivative is 0 everywhere it exists)."""
    if x.__class__ is float:
        return 1.0 if x > 0 else 0.0
    if isinstance(x, np.ndarray):
        return (x > 0).astype(x.dtype)
    return 1.0 if x > 0 else 0.0


def sign(x: Any) -> Any:
    """sign(x) ∈ {-1, 0, 1} as a constant."""
    if isinstance(x, np.ndarray):
        return np.sign(x)
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _data(x: Any) -> Any:
    """The number(s) inside a Value/Tensor, or x itself (ndarray.data is a buffer, not the values)."""
    if x.__class__ is float or isinstance(x, (float, int, np.ndarray, np.generic)):
        return x  # (a numpy scalar, e.g. data a user assigned, has a buffer as .data too)
    return x.data


class Rule:
    """A primitive: its name, how it is drawn, its forward on floats and its local derivatives."""

    __slots__ = ("name", "symbol", "forward", "local", "arity", "formula")

    def __init__(self, name: str, symbol: str, forward: Callable[..., float],
                 local: Callable[..., tuple], arity: int, formula: tuple | str = ()) -> None:
        self.name = name
        self.symbol = symbol
        self.forward = forward
        self.local = local
        self.arity = arity
        # how a person reads the derivative: one formula per input ({x}, {y} the inputs, {out} the
        # output), or for a vector-Jacobian product one line stating it
        self.formula = formula

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"

    def __str__(self) -> str:
        return self.symbol


RULES: dict[str, Rule] = {}


def rule(name: str, symbol: str, forward: Callable[..., float], local: Callable[..., tuple],
         formula: tuple | str) -> Rule:
    arity = forward.__code__.co_argcount if hasattr(forward, "__code__") else 1
    r = Rule(name, symbol, forward, local, arity, formula)
    RULES[name] = r
    return r


# --- binary ---------------------------------------------------------------------------------------
#                  forward                         local derivatives (∂out/∂a, ∂out/∂b)
ADD = rule("add", "+", lambda a, b: a + b,        lambda a, b, out: (1.0, 1.0), ("1", "1"))
SUB = rule("sub", "-", lambda a, b: a - b,        lambda a, b, out: (1.0, -1.0), ("1", "-1"))
MUL = rule("mul", "*", lambda a, b: a * b,        lambda a, b, out: (b, a), ("{y}", "{x}"))
DIV = rule("div", "/", lambda a, b: a / b,        lambda a, b, out: (1.0 / b, -out / b),
           ("1/{y}", "-{out}/{y}"))
# a ** b with a variable exponent: ∂/∂b needs log(a), defined for a > 0 only.
POW = rule("pow", "**", lambda a, b: a ** b,      lambda a, b, out: (b * a ** (b - 1.0), out * log(a)),
           ("{y}·{x}^({y}-1)", "{out}·log({x})"))


# a ** n with a constant exponent n: the exponent receives no gradient.
def _powc_local(a, n, out):
    # Under create_graph n arrives as a Value; taking its number keeps a ** (n - 1) a power with a
    # constant exponent, which (unlike a ** Value) is defined for a negative base.
    n = _data(n)
    if n == 0:  # d/da a**0 = 0, also at a = 0 where n * a ** (n - 1) would divide by zero
        return (0.0, 0.0)
    return (n * a ** (n - 1.0), 0.0)


POWC = rule("powc", "**", lambda a, n: a ** n,    _powc_local, ("{y}·{x}^({y}-1)", "0"))

# --- unary ----------------------------------------------------------------------------------------
NEG = rule("neg", "neg", lambda x: -x,            lambda x, out: (-1.0,), ("-1",))
EXP = rule("exp", "exp", math.exp,                lambda x, out: (out,), ("exp({x}) = {out}",))
LOG = rule("log", "log", math.log,                lambda x, out: (1.0 / x,), ("1/{x}",))
SQRT = rule("sqrt", "sqrt", math.sqrt,            lambda x, out: (0.5 / out,), ("1/(2·{out})",))
TANH = rule("tanh", "tanh", math.tanh,            lambda x, out: (1.0 - out * out,), ("1 - {out}²",))
# slide "Activation Functions": sigmoid g(a) = 1 / (1 + exp(-a)), g' = g (1 - g)
SIGMOID = rule("sigmoid", "σ",
               lambda x: 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x)),
               lambda x, out: (out * (1.0 - out),), ("{out}·(1 - {out})",))
RELU = rule("relu", "ReLU", lambda x: x if x > 0 else 0.0, lambda x, out: (step(_data(x)),),
            ("1 if {x} > 0 else 0",))
ABS = rule("abs", "abs", abs,                     lambda x, out: (sign(_data(x)),), ("sign({x})",))
# the perceptron's activations (slide "Frank Rosenblatt's Perceptron"): piecewise constant, so their
# derivative is 0 wherever it exists; a gradient never flows through them.
SIGN = rule("sign", "sign", sign,                 lambda x, out: (0.0,), ("0 (piecewise constant)",))
STEP = rule("step", "step", step,                 lambda x, out: (0.0,), ("0 (piecewise constant)",))


# --- n-ary ----------------------------------------------------------------------------------------
# The lecture's neuron activation (slide "g the graph"): a_i = b_i + Σ_j w_ji z_j as one record.
# Inputs are (b, w_1..w_n, z_1..z_n); ∂a/∂b = 1, ∂a/∂w_j = z_j, ∂a/∂z_j = w_j.
def _weighted_sum(b, *wz):
    n = len(wz) // 2
    return b + sum(w * z for w, z in zip(wz[:n], wz[n:]))


def _weighted_sum_local(b, *wz_out):
    wz = wz_out[:-1]
    n = len(wz) // 2
    return (1.0, *wz[n:], *wz[:n])


WEIGHTED_SUM = rule("weighted_sum", "b+Σw·z", _weighted_sum, _weighted_sum_local,
                    "∂a/∂b = 1,  ∂a/∂w_j = z_j,  ∂a/∂z_j = w_j")
