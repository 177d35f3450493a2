"""The catalogue of ops: each with its inputs' domains and its references, for every engine.

An entry's ``apply`` is written with Python operators and methods only (``a * b``, ``a.exp()``), so
the same entry runs on ``Value``s and on ``Tensor``s (and, where ``micrograd`` is True, on
micrograd's own ``Value``). ``torch`` and ``hips`` compute the same function with PyTorch and HIPS
autograd; they take the library module first, so this file imports neither and a test decides how
a missing reference is treated (``require`` in conftest: fail in CI).

Domains keep inputs where the op is defined and differentiable, a ``gap`` away from kinks and poles,
so that finite differences with the default step are valid there. ``Domain.sample`` draws arrays in
the same domain for the Tensor engine; ``Domain.strategy`` draws floats for hypothesis.

A new op is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class Domain:
    """Inputs in [lo, hi], at least ``gap`` away from each point of ``avoid``."""

    lo: float
    hi: float
    avoid: tuple[float, ...] = ()
    gap: float = 0.0

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi and all(abs(x - p) >= self.gap for p in self.avoid)

    def strategy(self) -> st.SearchStrategy[float]:
        s = st.floats(self.lo, self.hi, allow_nan=False, allow_infinity=False)
        return s.filter(self.contains) if self.avoid else s

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniform draws in the domain; a draw too close to an avoided point moves ``gap`` away."""
        x = rng.uniform(self.lo, self.hi, size=shape)
        for p in self.avoid:
            near = np.abs(x - p) < self.gap
            x = np.where(near, p + np.where(x >= p, self.gap, -self.gap), x)
        return np.clip(x, self.lo, self.hi)


REAL = Domain(-10.0, 10.0)
NONZERO = Domain(-10.0, 10.0, avoid=(0.0,), gap=0.1)
POSITIVE = Domain(0.01, 100.0)
KINKED = Domain(-5.0, 5.0, avoid=(0.0,), gap=1e-3)  # relu, abs, sign, step: not smooth at 0


@dataclass(frozen=True)
class Op:
    """One op: how the engine under test computes it, where, and what the references say."""

    name: str
    apply: Callable[..., Any]
    domains: tuple[Domain, ...]
    torch: Callable[..., Any]  # (torch, *tensors) -> tensor
    hips: Callable[..., Any]  # (autograd.numpy, *arrays) -> array
    micrograd: bool = False  # micrograd 0.1.0 has it: apply runs on micrograd's Value as well
    rule: str = ""  # the rule of autograd_lite.rules that records it

    @property
    def arity(self) -> int:
        return len(self.domains)

    def __repr__(self) -> str:
        return self.name


def _step_torch(T: Any, a: Any) -> Any:
    # 1[a > 0], with a (zero) gradient path through a so that torch differentiates it
    return T.where(a > 0, T.ones_like(a), T.zeros_like(a)) + 0.0 * a


CATALOGUE: list[Op] = [
    # binary
    Op("add", lambda a, b: a + b, (REAL, REAL),
       lambda T, a, b: a + b, lambda np, a, b: a + b, micrograd=True, rule="add"),
    Op("sub", lambda a, b: a - b, (REAL, REAL),
       lambda T, a, b: T.sub(a, b), lambda np, a, b: np.subtract(a, b), micrograd=True, rule="sub"),
    Op("mul", lambda a, b: a * b, (REAL, REAL),
       lambda T, a, b: T.mul(a, b), lambda np, a, b: np.multiply(a, b), micrograd=True, rule="mul"),
    Op("div", lambda a, b: a / b, (REAL, NONZERO),
       lambda T, a, b: T.div(a, b), lambda np, a, b: np.divide(a, b), micrograd=True, rule="div"),
    Op("pow", lambda a, b: a ** b, (Domain(0.1, 5.0), Domain(-3.0, 3.0)),
       lambda T, a, b: T.pow(a, b), lambda np, a, b: np.power(a, b), rule="pow"),
    # constant exponents
    Op("square", lambda a: a ** 2, (REAL,),
       lambda T, a: T.pow(a, 2), lambda np, a: np.power(a, 2), micrograd=True, rule="powc"),
    Op("cube", lambda a: a ** 3, (REAL,),
       lambda T, a: T.pow(a, 3), lambda np, a: np.power(a, 3), micrograd=True, rule="powc"),
    Op("reciprocal", lambda a: a ** -1, (NONZERO,),
       lambda T, a: T.pow(a, -1), lambda np, a: np.power(a, -1.0), micrograd=True, rule="powc"),
    Op("pow_half", lambda a: a ** 0.5, (POSITIVE,),
       lambda T, a: T.pow(a, 0.5), lambda np, a: np.power(a, 0.5), micrograd=True, rule="powc"),
    Op("pow_1.5", lambda a: a ** 1.5, (Domain(0.01, 10.0),),
       lambda T, a: T.pow(a, 1.5), lambda np, a: np.power(a, 1.5), micrograd=True, rule="powc"),
    # unary operators and reflected forms (a number on the left)
    Op("neg", lambda a: -a, (REAL,),
       lambda T, a: T.neg(a), lambda np, a: np.negative(a), micrograd=True, rule="neg"),
    Op("radd", lambda a: 2 + a, (REAL,),
       lambda T, a: 2 + a, lambda np, a: 2 + a, micrograd=True, rule="add"),
    Op("rsub", lambda a: 1 - a, (REAL,),
       lambda T, a: 1 - a, lambda np, a: 1 - a, micrograd=True, rule="sub"),
    Op("rmul", lambda a: 2 * a, (REAL,),
       lambda T, a: 2 * a, lambda np, a: 2 * a, micrograd=True, rule="mul"),
    Op("rdiv", lambda a: 2 / a, (NONZERO,),
       lambda T, a: 2 / a, lambda np, a: 2 / a, micrograd=True, rule="div"),
    Op("rpow", lambda a: 2 ** a, (REAL,),
       lambda T, a: T.pow(2.0, a), lambda np, a: np.power(2.0, a), rule="pow"),
    # functions
    Op("exp", lambda a: a.exp(), (Domain(-20.0, 20.0),),
       lambda T, a: T.exp(a), lambda np, a: np.exp(a), rule="exp"),
    Op("log", lambda a: a.log(), (POSITIVE,),
       lambda T, a: T.log(a), lambda np, a: np.log(a), rule="log"),
    Op("sqrt", lambda a: a.sqrt(), (POSITIVE,),
       lambda T, a: T.sqrt(a), lambda np, a: np.sqrt(a), rule="sqrt"),
    Op("tanh", lambda a: a.tanh(), (REAL,),
       lambda T, a: T.tanh(a), lambda np, a: np.tanh(a), rule="tanh"),
    Op("sigmoid", lambda a: a.sigmoid(), (Domain(-30.0, 30.0),),
       lambda T, a: T.sigmoid(a), lambda np, a: 1.0 / (1.0 + np.exp(-a)), rule="sigmoid"),
    Op("relu", lambda a: a.relu(), (KINKED,),
       lambda T, a: T.relu(a), lambda np, a: np.maximum(a, 0.0), micrograd=True, rule="relu"),
    Op("abs", lambda a: a.abs(), (KINKED,),
       lambda T, a: T.abs(a), lambda np, a: np.abs(a), rule="abs"),
    Op("abs()", lambda a: abs(a), (KINKED,),
       lambda T, a: abs(a), lambda np, a: np.abs(a), rule="abs"),
    Op("sin", lambda a: a.sin(), (REAL,),
       lambda T, a: T.sin(a), lambda np, a: np.sin(a), rule="sin"),
    Op("cos", lambda a: a.cos(), (REAL,),
       lambda T, a: T.cos(a), lambda np, a: np.cos(a), rule="cos"),
    Op("log1p", lambda a: a.log1p(), (Domain(-0.99, 100.0),),
       lambda T, a: T.log1p(a), lambda np, a: np.log1p(a), rule="log1p"),
    # below PyTorch's threshold 20, where softplus is log(1 + exp(x)) exactly (tests/test_registry.py
    # checks the threshold itself against PyTorch)
    Op("softplus", lambda a: a.softplus(), (Domain(-30.0, 19.5),),
       lambda T, a: T.nn.functional.softplus(a), lambda np, a: np.logaddexp(0.0, a), rule="softplus"),
    Op("leaky_relu", lambda a: a.leaky_relu(), (KINKED,),
       lambda T, a: T.nn.functional.leaky_relu(a, 0.01), lambda np, a: np.where(a > 0, a, 0.01 * a),
       rule="leaky_relu"),
    # the perceptron's activations: piecewise constant, derivative 0
    Op("sign", lambda a: a.sign(), (KINKED,),
       lambda T, a: T.sign(a), lambda np, a: np.sign(a) + 0.0 * a, rule="sign"),
    Op("step", lambda a: a.step(), (KINKED,),
       _step_torch, lambda np, a: np.where(a > 0, 1.0, 0.0) + 0.0 * a, rule="step"),
]

BY_NAME = {op.name: op for op in CATALOGUE}
MICROGRAD_OPS = [op for op in CATALOGUE if op.micrograd]
UNARY = [op for op in CATALOGUE if op.arity == 1]
BINARY = [op for op in CATALOGUE if op.arity == 2]


def inputs(op: Op) -> st.SearchStrategy[tuple[float, ...]]:
    """Hypothesis: one float per input of ``op``, each in its domain."""
    return st.tuples(*(d.strategy() for d in op.domains))
