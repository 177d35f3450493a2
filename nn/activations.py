"""Activation functions f_i (slide "Activation Functions - Beyond «sign»"), as functions and modules.

Each function works on a ``Tensor``, a ``Value``, a list of Values (elementwise) or an array (made a
constant Tensor). The perceptron's ``sign`` and McCulloch–Pitts' ``step`` are piecewise constant: their
derivative is 0 wherever it exists, so no gradient flows through them (which is why the lecture moves
on to sigmoid and tanh).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_lite import Value
from autograd_lite import checks as C

from ._util import as_tensor
from .module import Module

__all__ = ["identity", "sign", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax",
           "log_softmax", "Identity", "Sign", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus",
           "Softmax", "LogSoftmax", "get_activation"]


def _elementwise(method: str) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        if isinstance(x, (list, tuple)) and any(v.__class__ is Value for v in x):
            return [getattr(v if v.__class__ is Value else Value(C.number(method, "input", v)), method)()
                    for v in x]
        if x.__class__ is not Value:
            x = as_tensor(x, method)
        return getattr(x, method)()

    return f


def identity(x: Any) -> Any:
    """Linear activation g(a) = a."""
    return x


sign = _elementwise("sign")
sign.__doc__ = "The perceptron's h(a) = sign(a) ∈ {−1, 0, 1}; derivative 0."
step = _elementwise("step")
step.__doc__ = "McCulloch–Pitts' threshold: 1 if a > 0 else 0; derivative 0."
sigmoid = _elementwise("sigmoid")
sigmoid.__doc__ = "g(a) = 1 / (1 + exp(−a)); g' = g (1 − g)."
tanh = _elementwise("tanh")
tanh.__doc__ = "g(a) = (exp(a) − exp(−a)) / (exp(a) + exp(−a)); g' = 1 − g²."
relu = _elementwise("relu")
relu.__doc__ = "g(a) = max(0, a); g' = 1 for a > 0, else 0."


softplus = _elementwise("softplus")
softplus.__doc__ = "g(a) = log(1 + exp(a)) (PyTorch's softplus, beta 1: a itself above 20); g' = σ(a)."


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Any:
    """g(a) = a for a > 0, else negative_slope · a (the gradient at 0 is negative_slope, as PyTorch)."""
    negative_slope = C.number("leaky_relu", "negative_slope", negative_slope)
    if isinstance(input, (list, tuple)):
        return [leaky_relu(v, negative_slope) for v in input]
    if input.__class__ is Value:
        return input.leaky_relu(negative_slope)
    return as_tensor(input, "leaky_relu").leaky_relu(negative_slope)


def softmax(input: Any, dim: int = -1) -> Any:
    """softmax(a)_k = exp(a_k) / Σ_j exp(a_j) along ``dim`` (a list of Values: over the list)."""
    C.integer("softmax", "dim", dim)
    if isinstance(input, (list, tuple)):
        _values("softmax", input)
        m = max(v.data if v.__class__ is Value else v for v in input)
        e = [(v - m).exp() if v.__class__ is Value else Value(v - m).exp() for v in input]
        s = sum(e[1:], e[0])
        return [x / s for x in e]
    return as_tensor(input, "softmax").softmax(axis=dim)


def log_softmax(input: Any, dim: int = -1) -> Any:
    """log softmax(a)_k = a_k − log Σ_j exp(a_j), computed stably along ``dim``."""
    C.integer("log_softmax", "dim", dim)
    if isinstance(input, (list, tuple)):
        _values("log_softmax", input)
        m = max(v.data if v.__class__ is Value else v for v in input)
        s = sum(((v - m).exp() for v in input[1:]), (input[0] - m).exp())
        lse = s.log() + m
        return [v - lse for v in input]
    return as_tensor(input, "log_softmax").log_softmax(axis=dim)


def _values(where: str, xs: Any) -> None:
    """A list of Values (or numbers) to take the softmax of: at least one, each a Value or a number."""
    if not xs:
        raise C.invalid(where, "input", xs, "at least one Value")
    for i, v in enumerate(xs):
        if v.__class__ is not Value and not C._is_real(v):
            raise C.invalid(where, f"input[{i}]", v, "a Value or a number", exc=TypeError)


class _Activation(Module):
    fn: Callable[[Any], Any]

    def forward(self, x: Any) -> Any:
        return type(self).fn(x)


class Identity(_Activation):
    """g(a) = a (the slide's linear activation)."""

    fn = staticmethod(identity)


class Sign(_Activation):
    """h(a) = sign(a) (Rosenblatt's perceptron)."""

    fn = staticmethod(sign)


class Step(_Activation):
    """1 if a > 0 else 0 (McCulloch–Pitts)."""

    fn = staticmethod(step)


class Sigmoid(_Activation):
    """g(a) = 1 / (1 + exp(−a))."""

    fn = staticmethod(sigmoid)


class Tanh(_Activation):
    """g(a) = tanh(a)."""

    fn = staticmethod(tanh)


class ReLU(_Activation):
    """g(a) = max(0, a)."""

    fn = staticmethod(relu)


class Softplus(_Activation):
    """g(a) = log(1 + exp(a)), a smooth ReLU (PyTorch's nn.Softplus with beta 1)."""

    fn = staticmethod(softplus)


class LeakyReLU(Module):
    """g(a) = a if a > 0 else negative_slope · a."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = C.number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x: Any) -> Any:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """softmax along ``dim`` (turns a layer's outputs into class probabilities)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = C.integer(type(self).__name__, "dim", dim)

    def forward(self, x: Any) -> Any:
        return softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim`` (pair it with NLLLoss)."""

    def forward(self, x: Any) -> Any:
        return log_softmax(x, self.dim)


_BY_NAME: dict[str, type[Module]] = {
    "identity": Identity, "linear": Identity, "sign": Sign, "step": Step, "sigmoid": Sigmoid,
    "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "softplus": Softplus, "softmax": Softmax,
    "log_softmax": LogSoftmax,
}


def get_activation(activation: str | Module | type | Callable[[Any], Any] | None) -> Module:
    """An activation module from a name ("relu", "tanh", …), a class, an instance or a function."""
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation()
    if isinstance(activation, str):
        try:
            return _BY_NAME[activation.lower()]()
        except KeyError:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(_BY_NAME)}") \
                from None
    if callable(activation):
        return _Lambda(activation)
    raise TypeError(f"an activation is a name, a Module or a function, not {type(activation).__name__}")


class _Lambda(Module):
    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)

    def __repr__(self) -> str:
        return getattr(self.fn, "__name__", "activation")
