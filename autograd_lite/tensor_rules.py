"""The registry's primitives of arrays: matmul, reductions, shapes, indexing, softmax, joins.

Each is one ``Rule`` (see rules.py) with its forward on arrays, ``array(*inputs, *params)``, and its
vector-Jacobian product ``vjp(g, out, inputs, params, needs)``: the gradient each input receives when
∂L/∂out = ``g`` arrives (None for an input whose ``needs`` is False). ``params`` are the op's other
arguments, the same tuple the forward took after the inputs: an axis, a shape, an index. Every
product is written with operations that ndarrays and Tensors share (``@``, ``.T``, ``.sum``,
``.reshape``, indexing), so ``backward(create_graph=True)`` evaluates the same lines on Tensors and
the backward pass is itself recorded.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .rules import _add_reduce, rule, select, unbroadcast

_ndarray = np.ndarray
_max_reduce = np.maximum.reduce


_ARRAYS = (_ndarray, np.generic)  # numbers, not Tensors (numpy hands back scalars from 0-d operations)


def _numbers(x: Any) -> np.ndarray:
    return x if isinstance(x, _ARRAYS) else x.data


# --- matmul -------------------------------------------------------------------------------------
def _matmul_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    """A 1-D operand is a row (a) or a column (b) for the product and flattened back; batch axes that
    broadcasting added are summed away by ``unbroadcast``."""
    a, b = inputs
    need_a, need_b = needs
    if a.ndim == 2 and b.ndim == 2:  # the common case, with no reshapes
        return (g @ b.T if need_a else None, a.T @ g if need_b else None)
    if a.ndim == 1 and b.ndim == 1:  # inner product: out = Σ a_i b_i
        return (g * b if need_a else None, g * a if need_b else None)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
    g2 = g.reshape(out_shape)
    ga = unbroadcast(g2 @ _mT(b2), a2.shape).reshape(a.shape) if need_a else None
    gb = unbroadcast(_mT(a2) @ g2, b2.shape).reshape(b.shape) if need_b else None
    return ga, gb


def _mT(x: Any) -> Any:
    """x with its last two axes swapped."""
    n = x.ndim
    return x.T if n == 2 else x.transpose((*range(n - 2), n - 1, n - 2))


MATMUL = rule("matmul", "@", "∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g  (ᵀ swaps the last two axes)",
              array=operator.matmul, vjp=_matmul_vjp)


# --- reductions: params (axis, keepdims) ----------------------------------------------------------
def _expand(g: Any, shape: tuple, axis: Any, keepdims: bool) -> Any:
    """g (a reduction's result) broadcast back to the reduced input's ``shape``."""
    if axis is None and isinstance(g, _ARRAYS) and math.prod(shape) <= 4096:
        out = np.empty(shape, g.dtype)  # a small array is faster to make than a view
        out[...] = g
        return out
    if axis is not None and not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        axes = tuple(a % len(shape) for a in axes)
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return _broadcast_to(g, shape)


def _broadcast_to(g: Any, shape: tuple) -> Any:
    if g.shape == shape:
        return g
    return np.broadcast_to(g, shape) if isinstance(g, _ARRAYS) else g.broadcast_to(shape)


def _sum_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (x,) = inputs
    return (_expand(g, x.shape, *params),)


def _mean(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    s = _add_reduce(x, axis, None, None, keepdims)
    return s / (x.size // max(s.size, 1))  # (s: an ndarray, or a numpy scalar; both have .size)


def _mean_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (x,) = inputs
    n = x.size // max(out.size, 1)
    return (_expand(g * (1.0 / n), x.shape, *params),)


def _max_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (x,) = inputs
    axis, keepdims = params
    xs = _numbers(x)
    mask = xs == _expand(_numbers(out), xs.shape, axis, keepdims)
    share = mask / mask.sum(axis=axis, keepdims=True)  # 1/(number of tied maxima) at each maximum
    return (_expand(g, xs.shape, axis, keepdims) * share.astype(xs.dtype, copy=False),)


SUM = rule("sum", "Σ", "∂L/∂x = g broadcast back over the summed axes",
           array=lambda x, axis, keepdims: _add_reduce(x, axis, None, None, keepdims), vjp=_sum_vjp)
MEAN = rule("mean", "mean", "∂L/∂x = g/n broadcast back over the averaged axes (n values each)",
            array=_mean, vjp=_mean_vjp)
MAX = rule("max", "max", "∂L/∂x = g where x is the maximum (shared equally among ties), else 0",
           array=lambda x, axis, keepdims: _max_reduce(x, axis, None, None, keepdims), vjp=_max_vjp)


# --- shapes: params (shape,) or (axes,) -----------------------------------------------------------
BROADCAST_TO = rule("broadcast_to", "broadcast", "∂L/∂x = g summed over the copies",
                    array=lambda x, shape: np.broadcast_to(x, shape),
                    vjp=lambda g, out, inputs, params, needs: (unbroadcast(g, inputs[0].shape),))
RESHAPE = rule("reshape", "reshape", "∂L/∂x = g.reshape(x.shape)",
               array=lambda x, shape: x.reshape(shape),
               vjp=lambda g, out, inputs, params, needs: (g.reshape(inputs[0].shape),))
TRANSPOSE = rule("transpose", "ᵀ", "∂L/∂x = g.transpose(p⁻¹), the inverse permutation",
                 array=lambda x, axes: x.transpose(axes),
                 vjp=lambda g, out, inputs, params, needs: (g.transpose(tuple(np.argsort(params[0]))),))


# --- indexing: params (idx,), and its adjoint scatter_add: params (idx, shape) --------------------
def _scatter_array(g: np.ndarray, idx: Any, shape: tuple) -> np.ndarray:
    z = np.zeros(shape, g.dtype)
    if _has_int_array(idx):
        np.add.at(z, idx, g)  # a repeated index adds up its gradients
    else:  # basic slicing or a boolean mask: every element appears at most once
        z[idx] = g
    return z


def _has_int_array(idx: Any) -> bool:
    for i in idx if isinstance(idx, tuple) else (idx,):
        if isinstance(i, _ndarray) and i.dtype.kind in "iu":
            return True
    return False


def _scatter_add(g: Any, idx: Any, shape: tuple) -> Any:
    if isinstance(g, _ARRAYS):
        return _scatter_array(g, idx, shape)
    from .tensor import apply

    return apply(SCATTER_ADD, (g,), (idx, shape))


GETITEM = rule("getitem", "[]", "∂L/∂x = zeros with g added at idx (a repeated index adds up)",
               array=lambda x, idx: x[idx],
               vjp=lambda g, out, inputs, params, needs: (_scatter_add(g, params[0], inputs[0].shape),))
SCATTER_ADD = rule("scatter_add", "[]+=", "∂L/∂x = g[idx]", array=_scatter_array,
                   vjp=lambda g, out, inputs, params, needs: (g[params[0]],))


# --- the rest ------------------------------------------------------------------------------------
def _clip_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    lo, hi = params
    d = _numbers(inputs[0])
    inside = np.ones(d.shape, bool) if lo is None else d >= lo
    if hi is not None:
        inside &= d <= hi
    return (select(inside, g, 0.0),)


CLIP = rule("clip", "clip", "∂L/∂x = g where lo ≤ x ≤ hi, else 0 (as PyTorch's clamp)",
            array=lambda x, lo, hi: np.clip(x, lo, hi), vjp=_clip_vjp)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """exp(x) / Σ exp(x), computed from x - max(x) so it never overflows."""
    e = np.exp(x - _max_reduce(x, axis, None, None, True))
    e /= _add_reduce(e, axis, None, None, True)
    return e


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """x - log Σ exp(x) (log-sum-exp shifted by the max: finite for any input)."""
    z = x - _max_reduce(x, axis, None, None, True)
    z -= np.log(_add_reduce(np.exp(z), axis, None, None, True))
    return z


def _softmax_vjp(g: Any, s: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (axis,) = params
    return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)


def _log_softmax_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (axis,) = params
    if not isinstance(g, _ARRAYS):
        return (g - out.exp() * g.sum(axis=axis, keepdims=True),)
    s = np.exp(out)  # the softmax
    s *= _add_reduce(g, axis, None, None, True)
    return (np.subtract(g, s, out=s),)  # in place: s is ours


SOFTMAX = rule("softmax", "softmax", "∂L/∂x = s · (g - Σ_axis g·s),  s = softmax(x)",
               array=_softmax, vjp=_softmax_vjp)
LOG_SOFTMAX = rule("log_softmax", "log_softmax", "∂L/∂x = g - exp(out) · Σ_axis g  (exp(out) is the softmax)",
                   array=_log_softmax, vjp=_log_softmax_vjp)


# joins: any number of inputs, then params (axis,)
def _concatenate_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (axis,) = params
    grads = []
    start = 0
    for x, need in zip(inputs, needs):
        stop = start + x.shape[axis]
        grads.append(g[(slice(None),) * axis + (slice(start, stop),)] if need else None)
        start = stop
    return tuple(grads)


def _stack_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    (axis,) = params
    return tuple(g[(slice(None),) * axis + (i,)] if need else None for i, need in enumerate(needs))


CONCATENATE = rule("concatenate", "concat", "∂L/∂x_i = g's slice where x_i sits",
                   array=lambda *xs_axis: np.concatenate(xs_axis[:-1], axis=xs_axis[-1]),
                   vjp=_concatenate_vjp)
STACK = rule("stack", "stack", "∂L/∂x_i = g[..., i, ...] along the new axis",
             array=lambda *xs_axis: np.stack(xs_axis[:-1], axis=xs_axis[-1]), vjp=_stack_vjp)


def _where_vjp(g: Any, out: Any, inputs: tuple, params: tuple, needs: tuple) -> tuple:
    a, b = inputs
    (cond,) = params
    return (unbroadcast(select(cond, g, 0.0), a.shape) if needs[0] else None,
            unbroadcast(select(cond, 0.0, g), b.shape) if needs[1] else None)


WHERE = rule("where", "where", "∂L/∂a = g where cond else 0,  ∂L/∂b = g where not cond else 0",
             array=lambda a, b, cond: np.where(cond, a, b), vjp=_where_vjp)
