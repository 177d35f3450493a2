"""l — the loss: how far the network's output g(x|W, B) is from the desired y.

Slide "l the loss function": training solves argmin_{W,B} (1/n) Σ_i loss[y_i, g(x_i|W, B)]. Each loss
here has PyTorch's name, keywords and numbers (tests/test_nn_losses.py checks values and input
gradients against PyTorch 2.13), the lecture's name as an alias, and
``reduction``: "mean" (the slide's 1/n Σ), "sum" (Σ) or "none" (one loss per element or example).

Inputs are ``Tensor``s (an array is made a constant Tensor). The elementwise losses also take a
``Value`` or a list of Values with numbers as targets, for networks of scalars. A target is a Tensor,
an ndarray, a list or a number; a target that cannot be right (a shape that differs from the input's,
a BCE target outside [0, 1], a class index out of range, float class labels) is an error that names
the problem, before any arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import Function, Value
from autograd_lite import checks as C

from ._util import as_tensor, is_tensor, numbers
from .module import Module

__all__ = ["l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
           "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss",
           "CrossEntropyLoss", "MAE", "MSE", "SAE", "BCE", "CCE"]

_REDUCTIONS = ("mean", "sum", "none")


# --- shared checks and plumbing ----------------------------------------------------------------------
def _check_reduction(name: str, reduction: str) -> None:
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, not {reduction!r}")


def _is_scalar_input(x: Any) -> bool:
    return x.__class__ is Value or (isinstance(x, (list, tuple)) and any(v.__class__ is Value for v in x))


def _mask(x: Any, cond: np.ndarray | bool) -> Any:
    """A condition as a constant 0/1 multiplier of x's kind (a float for a Value).

    Piecewise losses are written m·(one piece) + (1 − m)·(other piece) with m constant: the value
    is exactly the chosen piece and the gradient flows through that piece only.
    """
    if x.__class__ is Value:
        return 1.0 if cond else 0.0
    return np.asarray(cond, dtype=x.data.dtype)


def _constant(x: Any, v: Any) -> Any:
    """The numbers of ``v`` as a constant for an op with x: a float for a Value, else an array."""
    if x.__class__ is Value:
        return float(numbers(v))
    return np.asarray(numbers(v), dtype=x.data.dtype)


def _elementwise(name: str, input: Any, target: Any, reduction: str,
                 fn: Callable[[Any, Any], Any]) -> Any:
    """fn(input, target) per element, then reduced; Tensors, or a Value / list of Values."""
    _check_reduction(name, reduction)
    if _is_scalar_input(input):
        xs = list(input) if isinstance(input, (list, tuple)) else [input]
        bad = [i for i, x in enumerate(xs) if x.__class__ is not Value and not C._is_real(x)]
        if bad:
            raise C.invalid(name, f"input[{bad[0]}]", xs[bad[0]], "a Value or a number", exc=TypeError)
        ts = C.finite_array(name, "target", numbers(target) if not isinstance(target, (list, tuple)) else
                            [numbers(t) for t in target], dtype=np.float64).ravel()
        if len(ts) != len(xs):
            raise ValueError(f"{name}: {len(xs)} input value(s) but {len(ts)} target value(s)")
        losses = [fn(x if x.__class__ is Value else Value(x), float(t)) for x, t in zip(xs, ts)]
        if reduction == "none":
            return losses if isinstance(input, (list, tuple)) else losses[0]
        total = sum(losses[1:], losses[0])
        return total / len(losses) if reduction == "mean" else total
    x = as_tensor(input, name)
    t = _float_target(name, x, target)
    return _reduce(fn(x, t), reduction)


def _float_target(name: str, x: Any, target: Any) -> Any:
    """The target as a Tensor (kept, so a gradient can flow into it) or a constant array of x's dtype."""
    if is_tensor(target):
        shape = target.data.shape
        t = target
    else:
        arr = C.real_array(name, "target", target)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"{name}: target must hold numbers, not {arr.dtype} data")
        t = arr.astype(x.data.dtype, copy=False)
        shape = t.shape
    if not C.all_finite(numbers(t)):
        raise C.invalid(name, "target", target, "finite numbers (a nan target makes the loss nan)",
                        "drop or fill the missing targets first", shown=f"holding {C.nonfinite(numbers(t))}")
    if shape != x.data.shape:
        raise ValueError(f"{name}: input shape {x.data.shape} and target shape {shape} differ; they must "
                         "be equal (broadcasting them would silently compare every output with every "
                         "target: reshape one, e.g. target.reshape(input.shape))")
    return t


def _weight(name: str, what: str, weight: Any, shape: tuple | None, dtype: Any) -> np.ndarray:
    """A rescaling weight: finite numbers of the input's dtype that broadcast to ``shape``."""
    w = C.finite_array(name, what, numbers(weight), dtype=dtype)
    if shape is not None:
        try:
            fits = np.broadcast_shapes(w.shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise C.invalid(name, what, weight, f"a shape that broadcasts to the input's {shape}",
                            shown=f"of shape {w.shape}")
    return w


def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# --- regression ----------------------------------------------------------------------------------------
def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """MAE, slide "Loss functions for Regression": (1/n) Σ_i ‖y_i − g(x_i)‖₁ = (1/n) Σ_i Σ_j |y_ij − g_j|.

    With reduction="mean" PyTorch divides by the number of elements (n·m), not by n: the slide's
    per-example sum of the m outputs is ``reduction="sum"`` divided by n. The derivative at 0 is 0.
    """
    return _elementwise("l1_loss", input, target, reduction, lambda x, t: (x - t).abs())


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """MSE, slide "Loss functions for Regression": (1/n) Σ_i Σ_j (y_ij − g_j)².

    The slide writes the middle term as ‖y_i − g(x_i)‖₂; the sum that follows it shows that the
    *squared* 2-norm ‖·‖₂² is meant. As for l1_loss, "mean" divides by every element (n·m).
    """
    def sq(x: Any, t: Any) -> Any:
        d = x - t
        return d * d

    return _elementwise("mse_loss", input, target, reduction, sq)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """Huber loss: ½d² where |d| < delta, else delta·(|d| − ½delta)  (d = input − target).

    This is the slide's "Smooth Absolute Error (SAE)", which "merges MAE and MSE": quadratic for small
    errors, linear for large ones. The slide's version switches per example on ‖·‖₁ < 1 and writes the
    2-norm where it means the squared one; the standard form (here, as in PyTorch) switches per element
    at ``delta`` (the slide's 1). With delta = 1 it equals smooth_l1_loss with beta = 1.
    """
    delta = C.number("huber_loss", "delta", delta, low=0.0, low_open=True)

    def huber(x: Any, t: Any) -> Any:
        d = x - t
        ad = d.abs()
        m = _mask(d, numbers(ad) < delta)
        return m * (0.5 * d * d) + (1 - m) * (delta * (ad - 0.5 * delta))

    return _elementwise("huber_loss", input, target, reduction, huber)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Any:
    """Smooth L1: ½d²/beta where |d| < beta, else |d| − ½beta (the Huber loss divided by beta).

    Also the slide's SAE (with beta = 1, the slide's threshold). beta = 0 is the L1 loss.
    """
    beta = C.number("smooth_l1_loss", "beta", beta, low=0.0)
    if beta == 0:
        return l1_loss(input, target, reduction)

    def smooth(x: Any, t: Any) -> Any:
        d = x - t
        ad = d.abs()
        m = _mask(d, numbers(ad) < beta)
        return m * (0.5 * d * d / beta) + (1 - m) * (ad - 0.5 * beta)

    return _elementwise("smooth_l1_loss", input, target, reduction, smooth)


# --- binary classification ---------------------------------------------------------------------------
def _check_unit_interval(name: str, what: str, arr: Any) -> None:
    a = np.asarray(arr)
    if a.size and not ((a >= 0) & (a <= 1)).all():  # nan is outside too
        bad = float(a[~((a >= 0) & (a <= 1))].ravel()[0])
        raise ValueError(f"{name}: every {what} must be in [0, 1], found {bad!r}"
                         + (" (for logits use binary_cross_entropy_with_logits)" if what == "input" else
                            " (BCE targets are labels 0/1 or probabilities)"))


# PyTorch's floor for p(1 − p) in BCE's derivative: the float32 number nearest 1e-12
_BCE_EPS = float(np.float32(1e-12))


class _BCEFunction(Function):
    """−[y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)], elementwise, with PyTorch's derivative
    (p − y) / max(p(1 − p), 1e-12): finite at p = 0 and p = 1."""

    @staticmethod
    def forward(ctx: Any, p: Any, y: Any) -> Any:
        pd = numbers(p)
        ctx.save_for_backward(p)
        ctx.y = y
        with np.errstate(divide="ignore"):
            out = (y - 1) * np.maximum(np.log1p(-pd), -100.0) - y * np.maximum(np.log(pd), -100.0)
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        (p,) = ctx.saved_tensors
        pd = numbers(p)
        local = (pd - ctx.y) / np.maximum((1 - pd) * pd, _BCE_EPS)
        return grad_output * local, None


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Any:
    """BCE, slide "Loss functions for Classification": −(1/n) Σ_i y_i ln g(x_i) + (1 − y_i) ln(1 − g(x_i)),
    for outputs g in [0, 1] (after a sigmoid) and targets y in [0, 1].

    As in PyTorch each log is clamped at −100, so p = 0 or 1 gives a finite loss (100) and a finite
    gradient; ``weight`` rescales each element's loss.
    """
    name = "binary_cross_entropy"
    _check_reduction(name, reduction)
    if _is_scalar_input(input):
        def bce(x: Any, t: Any) -> Any:
            _check_unit_interval(name, "input", x.data)
            _check_unit_interval(name, "target", t)
            return _BCEFunction.apply(x, t)

        return _elementwise(name, input, target, reduction, bce)
    x = as_tensor(input, name)
    t = _float_target(name, x, target)
    _check_unit_interval(name, "input", x.data)
    _check_unit_interval(name, "target", numbers(t))
    loss = _BCEFunction.apply(x, numbers(t))
    if weight is not None:
        loss = loss * _weight(name, "weight", weight, x.data.shape, x.data.dtype)
    return _reduce(loss, reduction)


def _softplus(z: Any) -> Any:
    """log(1 + exp(z)) without overflow: max(z, 0) + log(1 + exp(−|z|)), with the derivative σ(z)
    everywhere (including z = 0, where max and |·| have kinks that cancel)."""
    m = _mask(z, numbers(z) >= 0)
    s = 2 * m - 1  # the sign of z, +1 at 0 so that it agrees with m there
    return z * m + (1 + (-(z * s)).exp()).log()


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Any:
    """BCE on logits a (the sigmoid inside the loss): (1 − y)·a + log(1 + exp(−a)), which is
    −[y ln σ(a) + (1 − y) ln(1 − σ(a))] computed without ever forming σ(a), so it stays finite and
    exact for any a. The derivative is σ(a) − y.

    ``pos_weight`` multiplies the positive term: (1 − y)·a + (1 + (pos_weight − 1)·y)·log(1 + exp(−a)).
    """
    name = "binary_cross_entropy_with_logits"
    if pos_weight is not None:
        pos_weight = C.finite_array(name, "pos_weight", numbers(pos_weight))
    if weight is not None:
        weight = C.finite_array(name, "weight", numbers(weight))

    def bce_logits(x: Any, t: Any) -> Any:
        _check_unit_interval(name, "target", numbers(t))
        sp = _softplus(-x)
        if pos_weight is not None:
            sp = sp * ((_constant(x, pos_weight) - 1) * _constant(x, t) + 1)
        loss = (1 - t) * x + sp
        return loss if weight is None else loss * _constant(x, weight)

    return _elementwise(name, input, target, reduction, bce_logits)


# --- multi-class classification ---------------------------------------------------------------------
def _check_logits(name: str, x: Any) -> None:
    """A classifier's input has a class axis: (C,) or (N, C, ...), with C >= 1."""
    shape = x.data.shape
    if not shape:
        raise C.invalid(name, "input", x, "scores with a class axis, shape (C,) or (N, C)",
                        "a single number is not a score per class; for two classes use "
                        "binary_cross_entropy_with_logits", shown=f"of shape {shape}")
    if shape[1 if len(shape) >= 2 else 0] == 0:
        raise C.invalid(name, "input", x, "at least one class", shown=f"of shape {shape}")


def _class_target(name: str, x: Any, target: Any, ignore_index: int, probabilities_ok: bool) -> np.ndarray:
    """Integer class indices of shape input.shape without the class axis, each in [0, C) or ignored."""
    arr = C.real_array(name, "target", numbers(target))
    shape = x.data.shape
    n_classes = shape[1] if len(shape) >= 2 else shape[0]
    if arr.dtype.kind not in "iu":
        hint = (f", or pass class probabilities of the input's shape {shape}" if probabilities_ok else "")
        example = arr.ravel()[0].item() if arr.size else ""
        raise TypeError(f"{name}: class targets must be integer class indices 0..{n_classes - 1}, got "
                        f"{arr.dtype} values (e.g. {example!r}); convert them with "
                        f"np.asarray(y, dtype=int){hint}")
    want = (shape[0],) + shape[2:] if len(shape) >= 2 else ()
    if arr.shape != want:
        raise ValueError(f"{name}: input of shape {shape} (class axis {1 if len(shape) >= 2 else 0}, "
                         f"{n_classes} classes) needs a target of shape {want}, got {arr.shape}")
    used = arr != ignore_index
    bad = used & ((arr < 0) | (arr >= n_classes))
    if bad.any():
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        where = pos if len(pos) != 1 else pos[0]
        raise IndexError(f"{name}: class index {int(arr[pos])} at position {where} "
                         f"is out of range for {n_classes} classes (0 to {n_classes - 1})")
    return arr.astype(np.intp)


def _as_rows(x: Any) -> tuple[Any, tuple]:
    """(N, C, d1, ...) as (N·d1·…, C) with the class axis last; (C,) as (1, C); also the batch shape."""
    shape = x.data.shape
    if len(shape) == 1:
        return x.reshape(1, shape[0]), ()
    if len(shape) == 2:
        return x, (shape[0],)
    perm = (0, *range(2, len(shape)), 1)
    return x.transpose(perm).reshape(-1, shape[1]), (shape[0], *shape[2:])


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Any:
    """Negative log-likelihood of the target class: −w_{y_i} · input[i, y_i] for log-probabilities
    ``input`` of shape (N, C) (or (C,), or (N, C, d1, …)) and integer targets.

    "mean" divides by Σ_i w_{y_i} (by the number of targets without ``weight``); targets equal to
    ``ignore_index`` contribute nothing and are not counted.
    """
    name = "nll_loss"
    _check_reduction(name, reduction)
    ignore_index = C.integer(name, "ignore_index", ignore_index)
    x = as_tensor(input, name)
    _check_logits(name, x)
    t = _class_target(name, x, target, ignore_index, probabilities_ok=False)
    return _nll(name, x, t, weight, ignore_index, reduction)


def _nll(name: str, x: Any, t: np.ndarray, weight: Any, ignore_index: int, reduction: str) -> Any:
    rows, batch = _as_rows(x)
    tf = t.reshape(-1)
    used = tf != ignore_index
    safe = np.where(used, tf, 0)
    picked = rows[np.arange(len(tf)), safe]
    n_classes = rows.data.shape[1]
    w = np.ones(n_classes, x.data.dtype) if weight is None \
        else _weight(name, "weight", weight, None, x.data.dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    wi = w[safe] * used
    loss = -(picked * wi)
    if reduction == "none":
        return loss.reshape(batch)
    if reduction == "sum":
        return loss.sum()
    total = float(wi.sum())
    if total == 0:
        raise ValueError(f"{name}: the mean is over no target (every target is ignore_index or has "
                         "weight 0)")
    return loss.sum() / total


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Any:
    """CCE, slide "Loss functions for Classification": −(1/n) Σ_i Σ_k y_ik ln g(x_i)_k, on logits.

    ``input`` holds raw scores (logits), shape (N, C): the softmax that turns them into the slide's
    probabilities g(x_i)_k is inside the loss, as log_softmax, so it never takes the log of 0. With
    integer class targets (N,) the sum over k keeps the one k where y_ik = 1: −log_softmax(x_i)[y_i].
    A float target of the input's shape is the slide's y_ik itself (one-hot rows or probabilities).
    ``label_smoothing`` ε mixes the target with the uniform distribution: y ← (1 − ε) y + ε / C.
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    label_smoothing = C.number(name, "label_smoothing", label_smoothing, 0.0, 1.0)
    ignore_index = C.integer(name, "ignore_index", ignore_index)
    x = as_tensor(input, name)
    _check_logits(name, x)
    arr = C.real_array(name, "target", numbers(target))
    axis = 1 if x.data.ndim >= 2 else 0
    n_classes = x.data.shape[axis]
    w = None
    if weight is not None:
        w = _weight(name, "weight", weight, None, x.data.dtype)
        if w.shape != (n_classes,):
            raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), "
                             f"got {w.shape}")
    lsm = x.log_softmax(axis=axis)
    if arr.dtype.kind == "f" and arr.shape == x.data.shape:  # class probabilities, as on the slide
        if arr.size and not ((arr >= 0) & (arr <= 1)).all():  # nan is outside too
            raise ValueError(f"{name}: class probabilities must be in [0, 1] (found "
                             f"{arr[~((arr >= 0) & (arr <= 1))].ravel()[0]!r})")
        y = arr.astype(x.data.dtype)
        if label_smoothing:
            y = y * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            y = y * w.reshape([-1 if i == axis else 1 for i in range(x.data.ndim)])
        loss = -(lsm * y).sum(axis=axis)
        if reduction == "mean":
            return loss.sum() / float(x.data.size // n_classes)
        return loss.sum() if reduction == "sum" else loss
    t = _class_target(name, x, target, ignore_index, probabilities_ok=True)
    nll = _nll(name, lsm, t, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    # PyTorch's smoothing term: −Σ_k w_k log p_k per example, reduced as the NLL part is
    rows, batch = _as_rows(lsm)
    tf = t.reshape(-1)
    used = tf != ignore_index
    smooth = -(rows * w).sum(axis=1) if w is not None else -rows.sum(axis=1)
    smooth = smooth * used.astype(x.data.dtype)
    if reduction == "none":
        ret = smooth.reshape(batch)
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        total = float(w[tf[used]].sum()) if w is not None else float(used.sum())
        ret = smooth.sum() / total
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


# --- as modules ------------------------------------------------------------------------------------------
def _module_weight(where: str, what: str, weight: Any) -> Any:
    """A loss module's weight, checked when the module is made (kept as given)."""
    if weight is not None:
        C.finite_array(where, what, numbers(weight))
    return weight


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class L1Loss(_Loss):
    """Mean absolute error (the slide's MAE); see ``l1_loss``."""

    def forward(self, input: Any, target: Any) -> Any:
        return l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (the slide's MSE, with the squared 2-norm); see ``mse_loss``."""

    def forward(self, input: Any, target: Any) -> Any:
        return mse_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber loss (the slide's SAE); see ``huber_loss``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = C.number("HuberLoss", "delta", delta, low=0.0, low_open=True)

    def forward(self, input: Any, target: Any) -> Any:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss (the slide's SAE with beta = 1); see ``smooth_l1_loss``."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = C.number("SmoothL1Loss", "beta", beta, low=0.0)

    def forward(self, input: Any, target: Any) -> Any:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (the slide's BCE); see ``binary_cross_entropy``."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = _module_weight("BCELoss", "weight", weight)

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy in one stable step; see ``binary_cross_entropy_with_logits``."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = _module_weight("BCEWithLogitsLoss", "weight", weight)
        self.pos_weight = _module_weight("BCEWithLogitsLoss", "pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                reduction=self.reduction, pos_weight=self.pos_weight)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities; see ``nll_loss``."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = _module_weight("NLLLoss", "weight", weight)
        self.ignore_index = C.integer("NLLLoss", "ignore_index", ignore_index)

    def forward(self, input: Any, target: Any) -> Any:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax + categorical cross entropy on logits (the slide's CCE); see ``cross_entropy``."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight = _module_weight("CrossEntropyLoss", "weight", weight)
        self.ignore_index = C.integer("CrossEntropyLoss", "ignore_index", ignore_index)
        self.label_smoothing = C.number("CrossEntropyLoss", "label_smoothing", label_smoothing, 0.0, 1.0)

    def forward(self, input: Any, target: Any) -> Any:
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


# the lecture's names
MAE = L1Loss
MSE = MSELoss
SAE = HuberLoss
BCE = BCELoss
CCE = CrossEntropyLoss
