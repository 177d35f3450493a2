"""Bad calls of the backward exercises' checker: the error names what is wrong."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from autograd_lite import exercises as E

from .badinput import check, ids


def mul_backward(grad_out, a, b, out):
    return grad_out * b, grad_out * a


CASES = [
    (
        "unknown name",
        KeyError,
        ("no exercise named 'nope'", "mul, sigmoid"),
        lambda w: lambda: E.check("nope", mul_backward),
    ),
    ("name not a str", TypeError, ("exercise", "3"), lambda w: lambda: E.check(3, mul_backward)),
    (
        "backward called",
        TypeError,
        ("backward", "without calling it"),
        lambda w: lambda: E.check("mul", mul_backward(1, 2, 3, 6)),
    ),
    ("backward None", TypeError, ("check(name, backward)",), lambda w: lambda: E.check("mul")),
    ("seed -1", ValueError, ("seed",), lambda w: lambda: E.check("mul", mul_backward, seed=-1)),
    ("seed str", TypeError, ("seed",), lambda w: lambda: E.check("mul", mul_backward, seed="0")),
    ("atol negative", ValueError, ("atol",), lambda w: lambda: E.check("mul", mul_backward, atol=-1e-6)),
    ("rtol nan", ValueError, ("rtol",), lambda w: lambda: E.check("mul", mul_backward, rtol=float("nan"))),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_exercise_checker(case):
    _, exc, words, setup = case
    check(SimpleNamespace(), exc, words, setup)


def test_the_backward_suffix_is_understood():
    assert E.check("mul_backward", mul_backward)
