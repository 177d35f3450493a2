"""Small shared helpers: turning arrays into Tensors, telling Values from Tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import Value
from autograd_lite import checks as C


def tensor_class() -> type:
    from autograd_lite.tensor import Tensor  # imported on first use: nn's scalar parts need no Tensor

    return Tensor


def is_tensor(x: Any) -> bool:
    return isinstance(x, tensor_class())


def as_tensor(x: Any, where: str = "nn") -> Any:
    """A Tensor as it is; an ndarray, list or number as a constant Tensor (float64 unless float32).

    None, strings and other objects inside the data are an error, not a silent nan.
    """
    T = tensor_class()
    if isinstance(x, T):
        return x
    if x.__class__ is Value:
        raise TypeError("a Value where a Tensor is expected: use nn.scalar for networks of Values")
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        arr = x
    else:
        arr = C.real_array(where, "input", x, "convert the data to numbers first, e.g. "
                           "np.asarray(x, dtype=float) after replacing missing values")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64)
    return T(arr)


def numbers(x: Any) -> Any:
    """The plain numbers inside a Value, a Tensor or an array-like."""
    if x.__class__ is Value:
        return x.data
    data = getattr(x, "data", None)
    if isinstance(data, np.ndarray):
        return data
    return np.asarray(x)
