"""The checks at the boundary of every public call, and the one wording of their messages.

Every message reads ``where: invalid NAME VALUE (TYPE): expected WHAT[; FIX]``, e.g.

    SGD: invalid params Linear(in_features=2, ...) (Linear): expected an iterable of parameters;
    pass model.parameters()

A wrong type is a ``TypeError``, a value of the right type outside its range a ``ValueError``. The
helpers return the value in the form the caller uses (an ``int``, a ``float``, an ndarray), so a check
and its conversion are one line. They run once per call, never per element or per op.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["describe", "invalid", "number", "integer", "boolean", "choice", "real_array", "finite_array",
           "nonfinite", "all_finite", "generator", "seed", "function", "path_like"]


def describe(x: Any) -> str:
    """``x`` as a message shows it: a short repr and its type, e.g. ``'0.1' (str)``."""
    try:
        r = repr(x)
    except Exception:  # a broken __repr__ must not hide the real error
        r = object.__repr__(x)
    first, _, rest = r.partition("\n")
    if rest:  # a Module's repr lists its children: its first line is enough
        r = first + "...)" if first.endswith("(") else first + " ..."
    r = " ".join(r.split())
    if len(r) > 60:
        r = r[:57] + "..."
    return f"{r} ({type(x).__name__})"


def invalid(where: str, name: str, value: Any, expected: str, fix: str | None = None,
            exc: type[Exception] = ValueError, shown: str | None = None) -> Exception:
    """The exception for a bad argument (the caller raises it, so the traceback ends at the call).

    ``shown`` replaces the value's repr where a summary says more (an array's shape, say).
    """
    msg = f"{where}: invalid {name} {describe(value) if shown is None else shown}: expected {expected}"
    return exc(msg + (f"; {fix}" if fix else ""))


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def number(where: str, name: str, value: Any, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, fix: str | None = None) -> float:
    """A finite real number (not a bool, not a string) within the given bounds, as a float."""
    rng = _range_text(low, high, low_open, high_open)
    expected = "a finite number" + (f" {rng}" if rng else "")
    if not _is_real(value):
        if fix is None and isinstance(value, str):
            fix = f"pass a number, not a string (e.g. {name}=0.1)"
        raise invalid(where, name, value, expected, fix, TypeError)
    v = float(value)
    if not math.isfinite(v) or (low is not None and (v <= low if low_open else v < low)) \
            or (high is not None and (v >= high if high_open else v > high)):
        raise invalid(where, name, value, expected, fix)
    return v


def integer(where: str, name: str, value: Any, low: int | None = None, high: int | None = None,
            fix: str | None = None) -> int:
    """A whole number (an int or numpy integer, not a bool or a float) within [low, high], as an int."""
    rng = _range_text(low, high, False, False)
    expected = "an int" + (f" {rng}" if rng else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if fix is None and isinstance(value, float) and value.is_integer():
            fix = f"pass {int(value)}"
        raise invalid(where, name, value, expected, fix, TypeError)
    v = operator.index(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise invalid(where, name, value, expected, fix)
    return v


def boolean(where: str, name: str, value: Any) -> bool:
    """True or False (numpy's bool too); 0/1, strings and None are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise invalid(where, name, value, "True or False", exc=TypeError)
    return bool(value)


def choice(where: str, name: str, value: Any, options: Iterable[str], fix: str | None = None) -> str:
    """One of ``options`` (strings)."""
    opts = tuple(options)
    expected = "one of " + ", ".join(repr(o) for o in opts)
    if not isinstance(value, str):
        raise invalid(where, name, value, expected, fix, TypeError)
    if value not in opts:
        raise invalid(where, name, value, expected, fix)
    return value


def nonfinite(arr: np.ndarray) -> str:
    """What is not finite in ``arr``, e.g. ``2 nan and 1 inf among 6 values`` ("" if all are finite)."""
    a = np.asarray(arr)
    if a.dtype.kind not in "fc":
        return ""
    n_nan = int(np.isnan(a).sum())
    n_inf = int(np.isinf(a).sum())
    if not n_nan and not n_inf:
        return ""
    parts = ([f"{n_nan} nan"] if n_nan else []) + ([f"{n_inf} inf"] if n_inf else [])
    return f"{' and '.join(parts)} among {a.size} value(s)"


def all_finite(a: np.ndarray) -> bool:
    """Whether every value of a numeric array is finite (one sum first: one pass, no temporary)."""
    if a.dtype.kind not in "fc":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        s = a.sum()
        if math.isfinite(s):
            return True
    return bool(np.isfinite(a).all())  # the sum can overflow while every value is finite


def real_array(where: str, name: str, value: Any, fix: str | None = None, dtype: Any = None) -> np.ndarray:
    """An ndarray of real numbers (bool, int or float; no None, strings, objects or complex numbers)."""
    data = getattr(value, "data", value)
    if not isinstance(data, np.ndarray):
        data = value
    if isinstance(data, (str, bytes, dict, set)) or data is None:
        raise invalid(where, name, value, "an array of numbers", fix, TypeError)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):  # ragged nested lists
        raise invalid(where, name, value, "a rectangular array of numbers (every row of one length)",
                      fix) from None
    if arr.dtype.kind not in "biuf":
        what = "None or other objects" if arr.dtype.kind == "O" else f"{arr.dtype} data"
        raise invalid(where, name, value, f"an array of numbers, not {what}", fix, TypeError)
    return arr if dtype is None else arr.astype(dtype, copy=False)


def finite_array(where: str, name: str, value: Any, fix: str | None = None, dtype: Any = None) -> np.ndarray:
    """``real_array`` whose every value is finite (no nan, no inf)."""
    arr = real_array(where, name, value, fix, dtype)
    if not all_finite(arr):
        raise invalid(where, name, value, f"finite numbers, found {nonfinite(arr)}", fix)
    return arr


def generator(where: str, name: str, value: Any) -> np.random.Generator | None:
    """None or a ``numpy.random.Generator``."""
    if value is not None and not isinstance(value, np.random.Generator):
        raise invalid(where, name, value, "None or a numpy.random.Generator",
                      "make one with np.random.default_rng(seed)", TypeError)
    return value


def seed(where: str, name: str, value: Any) -> int | None:
    """None or a non-negative int, as ``numpy.random.default_rng`` takes it."""
    if value is None:
        return None
    return integer(where, name, value, low=0)


def function(where: str, name: str, value: Any, fix: str | None = None) -> Callable[..., Any]:
    if not callable(value):
        raise invalid(where, name, value, "a function (something callable)", fix, TypeError)
    return value


def path_like(where: str, name: str, value: Any) -> str:
    """A file name: a str or an os.PathLike, as a str."""
    import os

    if not isinstance(value, (str, os.PathLike)):
        raise invalid(where, name, value, "a file name (str or pathlib.Path)", exc=TypeError)
    return os.fspath(value)
