"""Functions the tests share: user-defined ops with a known derivative."""

from __future__ import annotations

from autograd_lite import Function


class Cube(Function):
    """x³, with its backward 3x² written on the saved input (Values and Tensors alike)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2
