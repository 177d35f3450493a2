"""numerical_grad and gradcheck: the lecture's difference quotients, and catching wrong derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import GradcheckError, Tape, Value, gradcheck, numerical_grad
from autograd_lite import rules as R
from autograd_lite.gradcheck import GradcheckReport

# --- numerical_grad -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_known_derivatives(method):
    tol = 1e-8 if method == "central" else 1e-5
    assert numerical_grad(math.sin, [0.3], method=method)[0] == pytest.approx(math.cos(0.3), abs=tol)
    x, y = Value(0.5), Value(-2.0)
    gx, gy = numerical_grad(lambda x, y: x * y.exp() + x.tanh(), [x, y], method=method)
    assert gx == pytest.approx(math.exp(-2.0) + 1 - math.tanh(0.5) ** 2, abs=tol)
    assert gy == pytest.approx(0.5 * math.exp(-2.0), abs=tol)


def test_the_slides_formulas_exactly():
    f = lambda x: x ** 3  # noqa: E731 - a one-line function under test
    h, x = 0.25, 1.5
    assert numerical_grad(f, [x], eps=h, method="forward") == [(f(x + h) - f(x)) / h]
    assert numerical_grad(f, [x], eps=h, method="backward") == [(f(x) - f(x - h)) / h]
    assert numerical_grad(f, [x], eps=h, method="central") == [(f(x + h) - f(x - h)) / (2 * h)]


@pytest.mark.parametrize("method, order", [("forward", 1), ("backward", 1), ("central", 2)])
def test_order_of_accuracy(method, order):
    # The error of a one-sided quotient falls like h, the central one like h²: dividing h by 10
    # divides the error by 10 (resp. 100). exp at 1 has every derivative equal to e.
    errors = [abs(numerical_grad(math.exp, [1.0], eps=h, method=method)[0] - math.e)
              for h in (1e-2, 1e-3)]
    assert errors[0] / errors[1] == pytest.approx(10 ** order, rel=0.1)
    # and the leading error term is the Taylor one: h/2 f'' one-sided, h²/6 f''' central
    leading = 1e-2 / 2 * math.e if order == 1 else 1e-4 / 6 * math.e
    assert errors[0] == pytest.approx(leading, rel=0.05)


def test_one_sided_errors_have_opposite_signs_for_a_convex_function():
    fwd, bwd = (numerical_grad(math.exp, [0.0], eps=1e-3, method=m)[0] for m in ("forward", "backward"))
    assert fwd > 1.0 > bwd


def test_inputs_are_left_exactly_as_they_were():
    x = Value(0.1 + 0.2, label="x")  # a number with no short decimal form: restoring must be exact
    x.grad = 7.5
    arr = np.array([[0.1, 0.7], [1 / 3, -2.2]])
    before = arr.copy()
    gx, garr = numerical_grad(lambda x, a: x * float((a ** 2).sum()), [x, arr])
    assert x.data == 0.1 + 0.2 and x.grad == 7.5 and x.label == "x" and x.is_leaf
    assert np.array_equal(arr, before) and arr.dtype == np.float64
    assert gx == pytest.approx(float((before ** 2).sum()))
    np.testing.assert_allclose(garr, 2 * (0.1 + 0.2) * before, rtol=1e-7)


def test_records_nothing():
    x = Value(1.0)
    with Tape() as tape:
        numerical_grad(lambda x: (x * x).exp(), [x])
    assert len(tape) == 0


def test_non_scalar_output_needs_grad_output():
    a = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="grad_output"):
        numerical_grad(lambda a: a ** 2, [a])
    w = np.array([1.0, 0.0, -1.0])
    (g,) = numerical_grad(lambda a: a ** 2, [a], grad_output=w)
    np.testing.assert_allclose(g, 2 * a * w, atol=1e-7)


@pytest.mark.parametrize("kwargs, match", [({"method": "centered"}, "method"), ({"eps": 0.0}, "eps"),
                                           ({"eps": -1e-6}, "eps")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        numerical_grad(math.sin, [1.0], **kwargs)


# --- gradcheck ------------------------------------------------------------------------------------


def test_passes_on_a_correct_function_and_reports_it():
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    report = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (b * b + 1), [a, b])
    assert report and isinstance(report, GradcheckReport) and len(report) == 2
    text = repr(report)
    assert "passed" in text and "analytic" in text and "numeric" in text and "a" in text
    for c in report:
        assert c.passed and c.abs_err < 1e-8
        assert c.analytic == pytest.approx(c.numeric, rel=1e-7)
    assert "<table>" in report._repr_html_()


def test_defaults_are_pytorchs():
    import inspect

    params = inspect.signature(gradcheck).parameters
    assert (params["eps"].default, params["atol"].default, params["rtol"].default) == (1e-6, 1e-5, 1e-3)
    assert params["raise_exception"].default is True


def test_catches_a_detached_factor():
    a = Value(3.0, label="a")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: a * a.detach(), [a])
    report = info.value.report
    assert not report and report[0].analytic == 3.0 and report[0].numeric == pytest.approx(6.0)
    assert repr(report) in str(info.value) and "FAIL" in str(info.value)

    report = gradcheck(lambda a: a * a.detach(), [a], raise_exception=False)
    assert not report and not report.passed and "FAIL" in repr(report)
    assert a.grad == 0.0 and a.data == 3.0  # left as it was


def test_names_the_failing_input_only():
    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    report = gradcheck(lambda a, b: a * b.detach() * b, [a, b], raise_exception=False)
    assert [c.passed for c in report] == [True, False]
    assert "FAILED for 1 of 2" in repr(report)
    assert "#fce8e6" in report._repr_html_()  # the failing row is coloured


def test_catches_a_wrong_rule(monkeypatch):
    x = Value(0.4)
    assert gradcheck(lambda x: x.tanh(), [x])
    monkeypatch.setattr(R.TANH, "local", lambda x, out: (1.0 - out,))  # forgot the square
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: x.tanh(), [x])
    report = gradcheck(lambda x: x.tanh() * 2.0, [x], raise_exception=False)
    assert not report and report[0].analytic == pytest.approx(2 * (1 - math.tanh(0.4)))


def test_prior_gradients_are_restored_and_ignored():
    x = Value(2.0)
    x.grad = 100.0  # left over from an earlier backward: must not leak into the comparison
    assert gradcheck(lambda x: x * x, [x])
    assert x.grad == 100.0


def test_tolerances_decide():
    x = Value(1.0)
    # exp's central quotient with a large step is off by h²/6·e ≈ 4.5e-3
    assert not gradcheck(lambda x: x.exp(), [x], eps=0.1, raise_exception=False)
    assert gradcheck(lambda x: x.exp(), [x], eps=0.1, rtol=1e-2)


def test_refuses_inputs_it_cannot_check():
    x = Value(1.0)
    y = x * 2.0
    with pytest.raises(ValueError, match="detach"):
        gradcheck(lambda y: y * y, [y])
    with pytest.raises(TypeError):
        gradcheck(lambda x: x * x, [1.0])
    with pytest.raises(TypeError, match="backward"):
        gradcheck(lambda x: 3.0, [x])


# --- every rule, made wrong on purpose, is caught -------------------------------------------------


def _mutable_ops():
    from .catalogue import CATALOGUE

    # add and mul evaluate their derivatives inline (value.py), sign and step have derivative 0
    return [op for op in CATALOGUE if op.rule not in ("add", "mul", "sign", "step")]


@pytest.mark.parametrize("op", _mutable_ops(), ids=repr)
def test_every_rule_made_wrong_is_caught(op, monkeypatch):
    xs = [Value(1.3), Value(0.7)][: op.arity]  # inside every op's domain, derivatives non-zero
    assert gradcheck(op.apply, xs)
    rule = R.RULES[op.rule]
    right = rule.local
    monkeypatch.setattr(rule, "local", lambda *args: tuple(d * 1.01 for d in right(*args)))
    report = gradcheck(op.apply, xs, raise_exception=False)
    assert not report  # a 1% error in one derivative is beyond rtol=1e-3


@pytest.mark.parametrize("x", [0.0, -0.0, 1e-300, 0.1 + 0.2, -1e10, 2.0 ** -30])
def test_restores_any_float_bit_for_bit(x):
    v = Value(x)
    numerical_grad(lambda v: v * v + 1.0, [v], method="central")
    assert math.copysign(1.0, v.data) == math.copysign(1.0, x) and v.data == x


def test_html_is_escaped():
    a = Value(1.0, label="<script>alert(1)</script>")
    html = gradcheck(lambda a: a * a, [a])._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
