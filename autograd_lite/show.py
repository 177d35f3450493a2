"""Numbers as a person reads them, for every view (step-through, layer walk, drawing)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fmt", "num", "numbers_of", "paren", "shape_of"]


def numbers_of(x: Any) -> Any:
    """The float or ndarray of a node, a gradient (which may itself be a node) or a plain number."""
    while not isinstance(x, (float, int, np.ndarray, np.generic)):
        x = x.data
    return x


def num(x: Any) -> str:
    """A float in 4 significant digits, keeping a '.0' so that 3.0 reads as a real number."""
    s = f"{float(x):.4g}"
    return s + ".0" if s.lstrip("-").isdigit() else s


def paren(s: str) -> str:
    """Parenthesise a negative number inside a product or a sum: 0.5 · (-3.0)."""
    return f"({s})" if s.startswith("-") else s


def fmt(x: Any, small: int = 12) -> str:
    """A float as ``num``; an array as its values when it has at most ``small`` of them, else its
    shape and first numbers."""
    x = numbers_of(x)
    if isinstance(x, np.ndarray) and x.ndim > 0:
        if x.size <= small:
            return np.array2string(x, separator=", ", max_line_width=10_000,
                                   formatter={"float_kind": lambda v: f"{v:.4g}"}).replace("\n", "")
        head = ", ".join(num(v) for v in x.reshape(-1)[:4])
        return f"array{tuple(x.shape)} [{head}, …]"
    return num(x)


def shape_of(x: Any) -> tuple | None:
    """The shape of an array (None for a number or a 0-d array)."""
    x = numbers_of(x)
    return tuple(x.shape) if isinstance(x, np.ndarray) and x.ndim > 0 else None
