"""Gradients of gradients through every Tensor op, against finite differences of the first derivative.

For an op f, L = Σ w · tanh(f(inputs)) (the tanh makes even a linear op's second derivative non-zero,
so the recorded backward of f itself is differentiated). ``backward(create_graph=True)`` gives ∇L as
Tensors; the backward of Σ ∇L·v gives the Hessian-vector product H v, which must equal the central
difference (∇L(x + εv) − ∇L(x − εv)) / 2ε of first derivatives computed without create_graph. matmul
goes one order further. Binary ops run with arrays and numbers on either side.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import Tensor, concatenate, stack, where

RNG = np.random.default_rng(7)


def loss(f, xs, w):
    return (f(*xs).tanh() * w).sum()


def grads(f, arrays, w, create_graph=False):
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    loss(f, xs, w).backward(create_graph=create_graph)
    return xs, [x.grad for x in xs]


def hvp(f, arrays, w, v):
    """H v through the recorded backward: the second backward of Σ ∇L·v."""
    xs, gs = grads(f, arrays, w, create_graph=True)
    s = sum((g * vi).sum() for g, vi in zip(gs, v))
    for x in xs:
        x.grad = None
    s.backward()
    return [x.grad for x in xs]


def fd_hvp(f, arrays, w, v, eps=1e-6):
    up = grads(f, [a + eps * vi for a, vi in zip(arrays, v)], w)[1]
    down = grads(f, [a - eps * vi for a, vi in zip(arrays, v)], w)[1]
    return [(u - d) / (2 * eps) for u, d in zip(up, down)]


def check_second_order(f, arrays):
    out = f(*[Tensor(a) for a in arrays])
    w = RNG.uniform(0.5, 1.5, size=out.shape)
    v = [RNG.normal(size=a.shape) for a in arrays]
    got = hvp(f, arrays, w, v)
    want = fd_hvp(f, arrays, w, v)
    for g, r in zip(got, want):
        assert g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


def pos(*shape):
    return RNG.uniform(0.5, 2.0, size=shape)


def real(*shape):
    return RNG.uniform(-1.5, 1.5, size=shape) + np.where(RNG.random(shape) < 0.5, -0.2, 0.2)


A, B = pos(2, 3), pos(3)  # broadcasting operands, positive: inside every op's domain

BINARY = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": lambda x, y: x / y,
    "**": lambda x, y: x ** y,
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("operands", ["tensor,tensor", "tensor,number", "number,tensor",
                                      "tensor,array", "array,tensor", "tensor,0-d tensor"])
def test_binary_ops_to_second_order(name, operands):
    op = BINARY[name]
    if operands == "tensor,tensor":
        check_second_order(op, [A, B])
    elif operands == "tensor,number":
        check_second_order(lambda x: op(x, 1.7), [A])
    elif operands == "number,tensor":
        check_second_order(lambda y: op(1.7, y), [B])
    elif operands == "tensor,array":
        check_second_order(lambda x: op(x, B), [A])
    elif operands == "array,tensor":
        check_second_order(lambda y: op(A, y), [B])
    else:
        check_second_order(lambda x, y: op(x, y), [A, np.array(0.8)])


def test_power_with_array_and_constant_tensor_exponents():
    n = np.array([2.0, 3.0, 0.0])
    check_second_order(lambda x: x ** n, [real(2, 3)])  # a negative base to whole powers is fine
    check_second_order(lambda x: x ** Tensor(n), [real(2, 3)])  # a constant Tensor exponent
    x = Tensor([1.5, 2.0], requires_grad=True)
    (x ** np.array([2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])
    # an exponent that broadcasts the base: the base's gradient is summed back to its own shape
    check_second_order(lambda x: x ** np.array([[1.0, 2.0], [3.0, 0.5]]), [pos(2)])
    x = Tensor([1.5, 2.0], requires_grad=True)
    (x ** np.array([[2.0, 3.0], [1.0, 1.0]])).sum().backward()
    np.testing.assert_allclose(x.grad, [2 * 1.5 + 1.0, 3 * 4.0 + 1.0])


UNARY = {
    "neg": (lambda x: -x, real), "exp": (lambda x: x.exp(), real), "log": (lambda x: x.log(), pos),
    "log1p": (lambda x: x.log1p(), pos), "sqrt": (lambda x: x.sqrt(), pos),
    "tanh": (lambda x: x.tanh(), real), "sigmoid": (lambda x: x.sigmoid(), real),
    "softplus": (lambda x: x.softplus(), real), "relu": (lambda x: x.relu(), real),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), real), "abs": (lambda x: x.abs(), real),
    "abs()": (lambda x: abs(x), real), "sin": (lambda x: x.sin(), real), "cos": (lambda x: x.cos(), real),
    "sign": (lambda x: x.sign() + x, real), "step": (lambda x: x.step() * x, real),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_elementwise_functions_to_second_order(name):
    f, make = UNARY[name]
    check_second_order(f, [make(2, 3)])


def test_abs_and_relu_under_create_graph_on_arrays():
    x = Tensor(np.array([-1.5, 2.0, 0.5]), requires_grad=True)
    x.abs().sum().backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, [-1.0, 1.0, 1.0])
    x.grad = None
    (x.relu() * x).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 2.0])  # d²(relu(x)·x)/dx² = 2 where x > 0


IDX = np.array([0, 2, 0])
MASK = np.array([[True, False, True], [False, True, True]])
ARRAY_OPS = {
    "matmul": (lambda a, b: a @ b, [real(2, 3), real(3, 2)]),
    "matmul 1-d": (lambda a, b: a @ b, [real(3), real(3, 2)]),
    "matmul batched": (lambda a, b: a @ b, [real(2, 2, 3), real(3, 2)]),
    "sum": (lambda a: a.sum(axis=1), [real(2, 3)]),
    "sum all": (lambda a: a.sum() * a, [real(2, 3)]),
    "mean": (lambda a: a.mean(axis=0, keepdims=True), [real(2, 3)]),
    "max": (lambda a: a.max(axis=1), [real(2, 3)]),
    "reshape": (lambda a: a.reshape(3, 2), [real(2, 3)]),
    "transpose": (lambda a: a.T, [real(2, 3)]),
    "broadcast_to": (lambda a: a.broadcast_to((4, 3)), [real(3)]),
    "getitem": (lambda a: a[IDX], [real(3, 2)]),
    "getitem slice": (lambda a: a[1:, ::2], [real(3, 3)]),
    "getitem mask": (lambda a: a[MASK], [real(2, 3)]),
    "clip": (lambda a: a.clip(-0.5, 0.5) * a, [real(2, 3)]),
    "softmax": (lambda a: a.softmax(axis=-1), [real(2, 3)]),
    "log_softmax": (lambda a: a.log_softmax(axis=0), [real(2, 3)]),
    "concatenate": (lambda a, b: concatenate([a, b], axis=1), [real(2, 3), real(2, 2)]),
    "stack": (lambda a, b: stack([a, b], axis=0), [real(2, 3), real(2, 3)]),
    "where": (lambda a, b: where(MASK, a, b), [real(2, 3), real(3)]),
}


@pytest.mark.parametrize("name", list(ARRAY_OPS))
def test_array_ops_to_second_order(name):
    f, arrays = ARRAY_OPS[name]
    check_second_order(f, arrays)


def test_matmul_to_third_order():
    a, b = real(2, 3), real(3, 2)
    f = lambda a, b: a @ b  # noqa: E731
    w = RNG.uniform(0.5, 1.5, size=(2, 2))
    v = [RNG.normal(size=a.shape), RNG.normal(size=b.shape)]
    u = [RNG.normal(size=a.shape), RNG.normal(size=b.shape)]

    def hvp_recorded(arrays):
        xs, gs = grads(f, arrays, w, create_graph=True)
        s = sum((g * vi).sum() for g, vi in zip(gs, v))
        for x in xs:
            x.grad = None
        s.backward(create_graph=True)
        return xs, [x.grad for x in xs]

    xs, hv = hvp_recorded([a, b])
    t = sum((h * ui).sum() for h, ui in zip(hv, u))
    for x in xs:
        x.grad = None
    t.backward()
    eps = 1e-5
    up = [h.data for h in hvp_recorded([a + eps * u[0], b + eps * u[1]])[1]]
    down = [h.data for h in hvp_recorded([a - eps * u[0], b - eps * u[1]])[1]]
    for x, p, m in zip(xs, up, down):
        np.testing.assert_allclose(x.grad, (p - m) / (2 * eps), rtol=1e-5, atol=1e-6)
