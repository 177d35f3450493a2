"""The bad-input battery's one check: the call raises the right error, says the right words, and leaves
the user's data (parameters, gradients, optimizer and schedule state, files) exactly as it was.

A case is ``(id, exc, words, setup)``: ``setup(world)`` may first put the world into the state the
mistake needs (a wrong gradient, a damaged file) and returns the call that must fail. Everything the
world holds is snapshot after the setup and compared after the call.
"""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import nn
from autograd_lite import Tensor, Value


def snapshot(x: Any) -> Any:
    """A deep copy of the numbers a user would lose: what ``same`` compares."""
    if isinstance(x, SimpleNamespace):
        return {k: snapshot(v) for k, v in vars(x).items()}
    if isinstance(x, nn.Module):
        return {
            "state": {k: v.copy() for k, v in x.state_dict().items()},
            "grads": [snapshot(p.grad) for p in x.parameters()],
            "training": [m.training for m in x.modules()],
        }
    if isinstance(x, nn.optim.Optimizer):
        return copy.deepcopy(x.state_dict())
    if isinstance(x, nn.optim.LRScheduler):
        return copy.deepcopy(x.state_dict())
    if isinstance(x, Tensor):
        return ("Tensor", x.data.copy(), snapshot(x.grad), x.requires_grad)
    if isinstance(x, Value):
        return ("Value", x.data, x.grad)
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, Path):
        return (
            x.read_bytes()
            if x.is_file()
            else ("missing" if not x.exists() else sorted(p.name for p in x.iterdir()))
        )
    if isinstance(x, dict):
        return {k: snapshot(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(snapshot(v) for v in x)
    if x is None or isinstance(x, (bool, int, float, complex, str, bytes)):
        return x
    return _Same(x)


class _Same:
    """Any other object: unchanged means the very same object."""

    def __init__(self, x: Any) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.x is self.x


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return a == b


def check(world: Any, exc: type[BaseException], words: tuple[str, ...], setup: Any) -> BaseException:
    """Run one case: the error's type and words, and the world unchanged."""
    call = setup(world)
    before = snapshot(world)
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in the message: {msg}"
    assert same(snapshot(world), before), f"the failed call changed the user's data ({msg})"
    return info.value


def ids(cases: list) -> list[str]:
    names = [c[0] for c in cases]
    assert len(set(names)) == len(names), "case ids must be unique"
    return names
