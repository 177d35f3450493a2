"""i — the initialization: the starting point of gradient descent, filled in place.

Slide "i the initialization": zero or constant weights leave every hidden unit of a layer with the
same gradient, so the units stay copies of each other (the symmetry is never broken); weights that
are too large saturate sigmoid/tanh, weights too small make the gradient vanish. The remedies are
random weights scaled by the layer's fan-in and fan-out:

* He et al. (2015):   W = ε · √(2 / fan_in),              ε ~ N(0, 1)   → ``kaiming_normal_``
* Xavier/Glorot:      W = ε · √(2 / (fan_in + fan_out)),  ε ~ N(0, 1)   → ``xavier_normal_``
* its uniform form:   W = ε · √(6 / (fan_in + fan_out)),  ε ~ U(−1, 1)  → ``xavier_uniform_``

(the slide's |→k| is fan_in, and its |h| + |k| the sizes of the two layers the weights connect).

Each function takes a ``Tensor`` (or an ndarray), overwrites its numbers in place and returns it, and
draws from ``generator`` (a ``numpy.random.Generator``) or from this module's default one, seeded with
``manual_seed``. fan_in and fan_out are computed as PyTorch does: for a weight of shape
(out, in, *k), fan_in = in · prod(k) and fan_out = out · prod(k).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_lite import checks as C

__all__ = ["calculate_gain", "manual_seed", "default_generator", "zeros_", "ones_", "constant_",
           "uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
           "xavier_normal_", "he_uniform_", "he_normal_", "glorot_uniform_", "glorot_normal_"]

_default = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default generator (used by every initializer and layer without ``generator=``)."""
    seed = C.integer("manual_seed", "seed", seed, low=0)
    global _default
    _default = np.random.default_rng(seed)
    return _default


def default_generator() -> np.random.Generator:
    return _default


def _array(tensor: Any, where: str = "nn.init") -> np.ndarray:
    arr = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(arr, np.ndarray):
        fix = ("a list cannot be filled in place: make it a Tensor first, e.g. nn.Parameter(values)"
               if isinstance(tensor, (list, tuple)) else None)
        raise C.invalid(where, "tensor", tensor, "a Tensor or an ndarray (filled in place)", fix, TypeError)
    if arr.dtype.kind != "f":
        raise C.invalid(where, "tensor", tensor, "floating-point numbers (an integer array would round "
                        "the values it is given)", "use arr.astype(float)", TypeError,
                        shown=f"of dtype {arr.dtype}")
    if not arr.flags.writeable:
        raise C.invalid(where, "tensor", tensor, "a writable array", "pass a copy: arr.copy()",
                        shown="(read-only)")
    return arr


def _fill(tensor: Any, values: Any, where: str = "nn.init") -> Any:
    arr = _array(tensor, where)
    arr[...] = values  # in place, in the tensor's own dtype
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out can not be computed for a tensor with fewer than 2 "
                         f"dimensions (shape {shape}); they are defined for weights (out, in, ...)")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _check_mode(mode: Any) -> None:
    if not isinstance(mode, str) or mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")


def _fan(tensor: Any, mode: str) -> int:
    _check_mode(mode)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table): relu √2, tanh 5/3, linear/sigmoid 1."""
    if not isinstance(nonlinearity, str):
        raise C.invalid("calculate_gain", "nonlinearity", nonlinearity, "a name such as 'relu' or 'tanh'",
                        exc=TypeError)
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _gen(generator: np.random.Generator | None, where: str = "nn.init") -> np.random.Generator:
    C.generator(where, "generator", generator)
    return _default if generator is None else generator


def _empty(tensor: Any, where: str) -> bool:
    """Whether there is nothing to fill (a zero-size weight, as in Linear(0, 3)): then, as PyTorch
    does, an initializer leaves it as it is instead of dividing by a fan of 0."""
    return _array(tensor, where).size == 0


def zeros_(tensor: Any) -> Any:
    """Fill with 0 (the slide's "zero initialization": the hidden units stay symmetric)."""
    return _fill(tensor, 0.0, "zeros_")


def ones_(tensor: Any) -> Any:
    """Fill with 1."""
    return _fill(tensor, 1.0, "ones_")


def constant_(tensor: Any, val: float) -> Any:
    """Fill with ``val`` (a constant initialization has the same symmetry problem as zeros)."""
    _array(tensor, "constant_")
    return _fill(tensor, C.number("constant_", "val", val), "constant_")


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Any:
    """W ~ U(a, b)."""
    arr = _array(tensor, "uniform_")
    a = C.number("uniform_", "a", a)
    b = C.number("uniform_", "b", b, low=a, fix="the lower bound comes first: uniform_(t, a, b), a <= b")
    return _fill(tensor, _gen(generator, "uniform_").uniform(a, b, arr.shape))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Any:
    """W ~ N(mean, std²)."""
    arr = _array(tensor, "normal_")
    mean = C.number("normal_", "mean", mean)
    std = C.number("normal_", "std", std, low=0.0)
    return _fill(tensor, _gen(generator, "normal_").normal(mean, std, arr.shape))


def _kaiming_std(tensor: Any, a: Any, mode: str, nonlinearity: str, where: str) -> float | None:
    """std = gain / √fan for He's initializers, after checking their arguments; None for an empty
    tensor (nothing to fill)."""
    a = C.number(where, "a", a)
    gain = calculate_gain(nonlinearity, a)
    _check_mode(mode)
    if _empty(tensor, where):
        return None
    return gain / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Any:
    """He uniform: W ~ U(−bound, bound), bound = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (leaky_relu with slope 0, i.e. ReLU) bound = √(6 / fan_in): the uniform
    distribution with the variance 2 / fan_in of the slide's He formula.
    """
    rng = _gen(generator, "kaiming_uniform_")
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _fill(tensor, rng.uniform(-bound, bound, _array(tensor).shape))


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Any:
    """He normal, the slide's W = ε · √(2 / fan_in), ε ~ N(0, 1) (with the defaults).

    In general W ~ N(0, std²), std = gain / √fan, gain = calculate_gain(nonlinearity, a).
    """
    rng = _gen(generator, "kaiming_normal_")
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if std is None:
        return tensor
    return _fill(tensor, rng.normal(0.0, std, _array(tensor).shape))


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot uniform, the slide's W = ε · √(6 / (fan_in + fan_out)), ε ~ U(−1, 1) (times ``gain``)."""
    rng = _gen(generator, "xavier_uniform_")
    gain = C.number("xavier_uniform_", "gain", gain)
    if _empty(tensor, "xavier_uniform_"):
        return tensor
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, rng.uniform(-bound, bound, _array(tensor).shape))


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None) -> Any:
    """Glorot normal, the slide's W = ε · √(2 / (fan_in + fan_out)), ε ~ N(0, 1) (times ``gain``)."""
    rng = _gen(generator, "xavier_normal_")
    gain = C.number("xavier_normal_", "gain", gain)
    if _empty(tensor, "xavier_normal_"):
        return tensor
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, rng.normal(0.0, std, _array(tensor).shape))


# the names the lecture (and Keras) use
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
