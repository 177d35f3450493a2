"""The exercises: reference solutions pass, blanks and classic slips fail with a message that helps."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import Function
from autograd_lite import exercises as ex


@pytest.mark.parametrize("name", ex.names())
def test_reference_solution_passes(name):
    result = ex.check(name, ex.solution(name))
    assert result, repr(result)
    assert "Well done" in repr(result)


@pytest.mark.parametrize("name", ex.names())
def test_blank_fails_naming_every_derivative(name):
    def blank(grad_out, *args):
        raise NotImplementedError

    result = ex.check(name, blank)
    assert not result
    for w in ex.EXERCISES[name].wrt:
        assert f"✗ d{w}: not written yet" in repr(result)


def test_returning_none_fails_and_names_the_shape():
    result = ex.check("tanh", lambda grad_out, x, out: None)
    assert not result and "dx: is None" in repr(result) and "(5,)" in repr(result)


def test_name_is_read_from_the_function():
    def sigmoid_backward(grad_out, x, out):
        return grad_out * out * (1 - out)

    assert ex.check(sigmoid_backward)


def test_wrong_derivative_says_which_by_how_much_and_where():
    def sigmoid_backward(grad_out, x, out):
        return grad_out * out  # forgot (1 - out)

    report = repr(ex.check(sigmoid_backward))
    assert "✗ dx: differs from finite differences by up to" in report
    assert "at index (" in report and "yours" in report and "expected" in report


def test_classic_slips_get_a_specific_hint():
    forgot_chain = ex.check("tanh", lambda g, x, out: 1 - out ** 2)
    assert "multiply it by grad_out" in repr(forgot_chain)
    half = ex.check("mse", lambda g, p, t, out: g * (p - t) / p.size)
    assert "0.5 times the right answer" in repr(half)
    flipped = ex.check("mul", lambda g, a, b, out: (-g * b, g * a))
    assert "✗ da" in repr(flipped) and "wrong sign" in repr(flipped) and "✓ db" in repr(flipped)


def test_linear_reports_each_derivative_separately():
    result = ex.check("linear", lambda g, x, W, b, out: (g @ W, x.T @ g, g))
    report = repr(result)
    assert "✓ dx: right" in report
    assert "✗ dW: has shape (4, 2) but W has shape (2, 4) — transposed?" in report
    assert "✗ db: has shape (3, 2) but b has shape (2,)" in report


def test_too_few_gradients_and_exceptions_are_reported_kindly():
    assert "returned 2 value(s) but 3 are expected" in repr(ex.check("linear", lambda *a: (1, 2)))
    assert "raised ZeroDivisionError" in repr(ex.check("relu", lambda g, x, out: 1 / 0))
    wrong_args = repr(ex.check("mul", lambda g, a, b: (g, g)))
    assert "should take the arguments of mul_backward(grad_out, a, b, out)" in wrong_args


def test_a_function_subclass_can_be_checked():
    class Sigmoid(Function):
        @staticmethod
        def forward(ctx, x):
            out = 1 / (1 + np.exp(-x))
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad_output):
            (out,) = ctx.saved_tensors
            return grad_output * out * (1 - out)

    assert ex.check("sigmoid", Sigmoid)


def test_unknown_exercise_lists_the_real_ones():
    with pytest.raises(KeyError, match="sigmoid"):
        ex.check("sigmod", lambda *a: None)


def test_template_is_a_blank_that_fails():
    namespace: dict = {}
    exec(ex.EXERCISES["softmax"].template(), namespace)
    assert not ex.check(namespace["softmax_backward"])


def test_html_view_marks_each_derivative(capsys):
    html = ex.check("linear", lambda g, x, W, b, out: (g @ W, x.T @ g, g.sum(axis=0)))._repr_html_()
    assert html.count("<li") == 3 and "✓" in html and "✗" in html and "transposed?" in html
    ex.show("mse")
    shown = capsys.readouterr().out
    assert "def mse_backward(grad_out, pred, target, out):" in shown and "Return dpred" in shown


def test_progress_lists_every_exercise():
    def tanh_backward(grad_out, x, out):
        return grad_out * (1 - out ** 2)

    def relu_backward(grad_out, x, out):
        raise NotImplementedError

    p = ex.progress({"tanh_backward": tanh_backward, "relu_backward": relu_backward})
    text = repr(p)
    assert p.done == 1 and text.startswith(f"1 of {len(ex.names())} exercises right")
    assert "✓ tanh" in text and "relu           not written yet" in text
    assert "not started (define softmax_backward)" in text


def test_changing_grad_out_in_place_does_not_fool_the_check():
    def tanh_backward(grad_out, x, out):
        grad_out *= 1 - out ** 2  # right answer, computed in place
        return grad_out

    assert ex.check(tanh_backward)
