"""gradcheck_graph: every recorded op's derivative against finite differences; the first bad one named."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import Function, GradcheckError, Tensor, Value
from autograd_lite.gradcheck import gradcheck_graph


class GoodTanh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.t = math.tanh(x)
        return ctx.t

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * (1 - ctx.t ** 2)


class BadTanh(GoodTanh):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * (1 - ctx.t)  # forgot the square


class BadMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = float(a), float(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.b, grad_output * ctx.b  # second one should be ctx.a


def neuron(act: type[Function]) -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.2, label="w"), Value(0.3, label="b")
    a = x * w + b
    a.label = "a"
    return (act.apply(a) * 2.0 + (x ** 2).log()).exp()


def test_a_correct_graph_passes_every_op():
    report = gradcheck_graph(neuron(GoodTanh))
    assert report and report.first_failure is None
    assert {c.op for c in report} >= {"mul", "add", "GoodTanh", "powc", "log", "exp"}
    assert "passed" in repr(report)


def test_the_first_wrong_op_and_input_are_named():
    report = gradcheck_graph(neuron(BadTanh), raise_exception=False)
    assert not report
    bad = report.first_failure
    assert (bad.op, bad.input) == ("BadTanh", "a")
    assert "first wrong derivative is op #2 BadTanh, with respect to a" in repr(report)
    assert [c.status for c in report].count("FAIL") == 1  # the ops around it are fine


def test_it_names_the_input_of_a_two_input_function():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    report = gradcheck_graph(BadMul.apply(x, y) + x, raise_exception=False)
    assert (report.first_failure.op, report.first_failure.input) == ("BadMul", "y")


def test_raises_gradcheck_error_with_the_report():
    with pytest.raises(GradcheckError, match="BadTanh") as info:
        gradcheck_graph(neuron(BadTanh))
    assert info.value.report.first_failure.op == "BadTanh"


def test_works_after_backward_freed_the_local_derivatives():
    out = neuron(BadTanh)
    out.backward()
    assert gradcheck_graph(out, raise_exception=False).first_failure.op == "BadTanh"


def test_kinks_and_constant_exponents_are_skipped_not_failed():
    z = Value(0.0, label="z")
    report = gradcheck_graph(z.relu() + abs(z) + (z + 1) ** 3)
    skipped = [c.status for c in report if c.status.startswith("skipped")]
    assert "skipped: not differentiable here (a kink)" in skipped
    assert "skipped: constant exponent" in skipped


def test_the_graph_is_left_as_it_was():
    x = Value(0.7, label="x")
    y = GoodTanh.apply(x * x)
    gradcheck_graph(y)
    y.backward()
    assert x.grad == pytest.approx(2 * 0.7 * (1 - math.tanh(0.49) ** 2))
    assert x.data == 0.7


# --- Tensors ----------------------------------------------------------------------------------------

def _tanh_layer(wrong: bool) -> type[Function]:
    class Layer(Function):
        @staticmethod
        def forward(ctx, x, W):
            ctx.save_for_backward(x, W)
            ctx.out = np.tanh(x.data @ W.data)
            return ctx.out

        @staticmethod
        def backward(ctx, g):
            x, W = ctx.saved_tensors
            d = g * (1 - ctx.out) if wrong else g * (1 - ctx.out ** 2)
            return d @ W.data.T, x.data.T @ d

    Layer.__name__ = "BadTanhLayer" if wrong else "TanhLayer"
    return Layer


def tensor_net(layer: type[Function]):
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 3)), requires_grad=True, label="x")
    W1 = Tensor(rng.normal(size=(3, 5)), requires_grad=True, label="W1")
    W2 = Tensor(rng.normal(size=(5, 2)), requires_grad=True, label="W2")
    b = Tensor(np.full(5, 0.1), requires_grad=True, label="b")
    h = (x @ W1 + b).sigmoid()
    logits = layer.apply(h, W2)
    return logits.log_softmax(axis=1)[np.arange(4), [0, 1, 1, 0]].mean() + (h ** 2).sum() * 0.1


def test_tensor_graph_passes_every_op():
    report = gradcheck_graph(tensor_net(_tanh_layer(False)))
    assert {c.op for c in report} >= {"matmul", "add", "sigmoid", "TanhLayer", "log_softmax", "getitem",
                                      "mean", "powc", "sum", "mul"}


def test_tensor_graph_names_the_wrong_function_and_input():
    out = tensor_net(_tanh_layer(True))
    out.backward()  # also after backward dropped the records' products
    report = gradcheck_graph(out, raise_exception=False)
    assert report.first_failure.op == "BadTanhLayer"
    assert [(c.op, c.input) for c in report if c.status == "FAIL"][-1] == ("BadTanhLayer", "W2")


def test_html_report_highlights_the_first_failure():
    report = gradcheck_graph(neuron(BadTanh), raise_exception=False)
    html = report._repr_html_()
    assert "font-weight:bold" in html and "BadTanh" in html and html.count("<tr") == len(report) + 1


def test_names_the_third_input_of_an_nary_function():
    class BadProd3(Function):
        @staticmethod
        def forward(ctx, a, b, c):
            ctx.save_for_backward(a, b, c)
            return a * b * c

        @staticmethod
        def backward(ctx, g):
            a, b, c = ctx.saved_tensors
            return g * b * c, g * a * c, g * b  # the last one lost its a

    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5, label="c")
    report = gradcheck_graph(BadProd3.apply(a, b, c).tanh(), raise_exception=False)
    assert [(x.input, x.status) for x in report if x.op == "BadProd3"] == [
        ("a", "ok"), ("b", "ok"), ("c", "FAIL")]
