"""Training: the lecture's fix-point procedure as a loop — forward, loss, backward, step, repeat.

``fit(model, loss_fn, optimizer, data, epochs)`` runs it with a progress bar (tqdm, when installed;
``quiet=True`` for none), keeps a ``History`` of the loss and accuracy of every epoch, and stops with a
clear message, instead of training on garbage, as soon as the loss is NaN or infinite.

``data`` is a ``DataLoader`` (minibatches: stochastic gradient descent), a tuple ``(X, y)`` (the whole
set in one batch each epoch: full-batch gradient descent) or any iterable of ``(X, y)`` batches.
Tensor models are called on a batch; models of ``Value``s (``nn.scalar``, ``NeuronGraph``) on each
example of the batch in turn, and the loss on the list of their outputs.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import Value, no_grad
from autograd_lite import checks as C

from .losses import BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss
from .module import Module

__all__ = ["fit", "Trainer", "History", "accuracy"]


@dataclass
class History:
    """Per-epoch ``loss`` and ``accuracy`` (None where it does not apply), the same for validation
    data, the wall-clock ``seconds``, and ``stopped``: why training ended early (None if it did not)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str | None = None

    def __getitem__(self, key: str) -> Any:
        keys = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds", "stopped", "epochs")
        if key not in keys:
            raise KeyError(f"History has no {key!r}; it has {', '.join(keys)}")
        return getattr(self, key)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return f"History(no epoch completed; stopped: {self.stopped})"
        parts = [f"{self.epochs} epochs in {self.seconds:.2f}s",
                 f"loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}"]
        if self.accuracy and self.accuracy[-1] is not None:
            parts.append(f"accuracy {self.accuracy[-1]:.2%}")
        if self.val_accuracy and self.val_accuracy[-1] is not None:
            parts.append(f"val_accuracy {self.val_accuracy[-1]:.2%}")
        if self.stopped:
            parts.append(f"stopped: {self.stopped}")
        return "History(" + ", ".join(parts) + ")"


def _numbers(out: Any) -> np.ndarray:
    if isinstance(out, (list, tuple)):
        arr = np.array([v.data if v.__class__ is Value else _numbers(v) for v in out])
        return arr.astype(np.float64) if arr.dtype.kind in "biuf" else arr  # objects fail their check
    if out.__class__ is Value:
        return np.array(out.data)
    return np.asarray(getattr(out, "data", out))


def accuracy(output: Any, target: Any, loss_fn: Any = None) -> float | None:
    """The share of correct predictions, or None when ``target`` is not a classification target.

    (N, C) outputs with C > 1 predict their argmax; one output per example predicts the positive
    class above a threshold: 0 for logits (``BCEWithLogitsLoss``) and for targets in {−1, 1}, 0.5
    otherwise (probabilities, or an MSE-trained output for 0/1 targets).
    """
    out = C.real_array("accuracy", "output", _numbers(output))
    y = C.real_array("accuracy", "target", getattr(target, "data", target))
    if y.size == 0 or not np.all(np.equal(np.mod(y, 1), 0)):
        return None
    if y.ndim == 0 and out.size != 1:
        raise C.invalid("accuracy", "target", target, f"one target per prediction ({len(out)})")
    if out.ndim == 0 and y.size != 1 or (y.ndim and out.ndim and len(out) != len(y)):
        raise C.invalid("accuracy", "output", output, f"one prediction per target ({len(y)})",
                        shown=f"of shape {out.shape}")
    if out.ndim == y.ndim + 1 and out.shape[-1] > 1:
        return float(np.mean(out.argmax(axis=-1) == y))
    if isinstance(loss_fn, (CrossEntropyLoss, NLLLoss)):
        return None
    out = out.reshape(y.shape) if out.size == y.size else out
    if out.shape != y.shape:
        return None
    labels = np.unique(y)
    if not set(labels.tolist()) <= {-1, 0, 1}:
        return None
    signed = -1 in labels
    threshold = 0.0 if signed or isinstance(loss_fn, BCEWithLogitsLoss) else 0.5
    pred = np.where(out > threshold, 1, -1 if signed else 0)
    return float(np.mean(pred == y))


def _is_scalar_model(model: Any) -> bool:
    params = list(model.parameters())
    return bool(params) and params[0].__class__ is Value


def _batches(data: Any) -> Iterable[tuple[Any, Any]]:
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "__len__"):
        return [data]
    return data


def _check_data(where: str, name: str, data: Any) -> None:
    """``data`` as fit takes it: (X, y) of one length, a DataLoader, or an iterable of (X, y) batches."""
    expected = "(X, y), a DataLoader or an iterable of (X, y) batches"
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "__len__"):
        X, y = data
        if not hasattr(y, "__len__"):
            raise C.invalid(where, name, data, expected, "y must hold one target per example", TypeError)
        if len(X) != len(y):
            raise C.invalid(where, name, data, expected, f"X has {len(X)} example(s) but y has {len(y)}",
                            shown=f"(X, y) of lengths {len(X)} and {len(y)}")
        if len(X) == 0:
            raise C.invalid(where, name, data, "at least one example", shown="(X, y) with no example")
        return
    if isinstance(data, (np.ndarray, str, bytes, dict)) or hasattr(data, "requires_grad") or \
            not isinstance(data, Iterable):
        fix = "pass the inputs with their targets: (X, y)" if isinstance(data, np.ndarray) or \
            hasattr(data, "requires_grad") else None
        raise C.invalid(where, name, data, expected, fix, TypeError)


def _check_optimizer(where: str, optimizer: Any) -> None:
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
        raise C.invalid(where, "optimizer", optimizer, "an optimizer (with step and zero_grad)",
                        "pass nn.optim.SGD(model.parameters(), lr=0.1), not the parameters themselves",
                        TypeError)


def _batch(where: str, item: Any, b: int) -> tuple[Any, Any]:
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        raise C.invalid(where, f"batch {b + 1}", item, "a pair (X, y)",
                        "the data must yield (inputs, targets) pairs", TypeError)
    return item[0], item[1]


class Trainer:
    """``Trainer(model, loss_fn, optimizer, scheduler=None)``: ``fit``, ``evaluate`` and ``predict``."""

    def __init__(self, model: Any, loss_fn: Any, optimizer: Any, scheduler: Any = None) -> None:
        where = "fit"
        C.function(where, "model", model, "pass the network, e.g. nn.MLP([2, 16, 1])")
        C.function(where, "loss_fn", loss_fn, "pass a loss, e.g. nn.MSELoss()")
        if optimizer is not None:  # a Trainer only to evaluate or predict needs none
            _check_optimizer(where, optimizer)
        if scheduler is not None and not callable(getattr(scheduler, "step", None)):
            raise C.invalid(where, "scheduler", scheduler, "None or a schedule such as "
                            "nn.optim.StepLR(optimizer, step_size=10)", exc=TypeError)
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.history = History()

    def _forward(self, X: Any, scalar: bool) -> Any:
        if scalar:
            return [self.model(list(x)) for x in np.asarray(getattr(X, "data", X), dtype=np.float64)]
        return self.model(X)

    def fit(self, data: Any, epochs: int = 1, val_data: Any = None, quiet: bool = False) -> History:
        """Train for ``epochs`` passes over ``data``; returns (and extends) ``self.history``."""
        _check_optimizer("fit", self.optimizer)
        epochs = C.integer("fit", "epochs", epochs, low=0)
        C.boolean("fit", "quiet", quiet)
        _check_data("fit", "data", data)
        if val_data is not None:
            _check_data("fit", "val_data", val_data)
        h = self.history
        scalar = _is_scalar_model(self.model)
        bar = _progress(range(epochs), quiet)
        start = time.perf_counter()
        for epoch in bar:
            if isinstance(self.model, Module):
                self.model.train()
            total = correct = 0.0
            n_seen = 0
            have_acc = True
            for b, item in enumerate(_batches(data)):
                X, y = _batch("fit", item, b)
                self.optimizer.zero_grad()
                out = self._forward(X, scalar)
                loss = self.loss_fn(out, y)
                value = float(loss.data if loss.__class__ is Value else np.asarray(loss.data))
                if not math.isfinite(value):
                    h.stopped = (f"the loss became {value} at epoch {epoch + 1}, batch {b + 1}: training "
                                 "stopped before the step (try a smaller learning rate, or check the "
                                 "inputs for nan/inf)")
                    warnings.warn(h.stopped, RuntimeWarning, stacklevel=2)
                    h.seconds += time.perf_counter() - start
                    return h
                loss.backward()
                self.optimizer.step()
                n = len(y)
                n_seen += n
                total += value * n
                acc = accuracy(out, y, self.loss_fn)
                if acc is None:
                    have_acc = False
                else:
                    correct += acc * n
            if not n_seen:
                raise ValueError(f"fit: data yielded no batch in epoch {epoch + 1} (an empty DataLoader, or "
                                 "an iterator that was used up by an earlier epoch: pass a DataLoader or "
                                 "a list of batches)")
            h.loss.append(total / n_seen)
            h.accuracy.append(correct / n_seen if have_acc and n_seen else None)
            if val_data is not None:
                vl, va = self.evaluate(val_data)
                h.val_loss.append(vl)
                h.val_accuracy.append(va)
            if self.scheduler is not None:
                self.scheduler.step()
            if hasattr(bar, "set_postfix"):
                post = {"loss": f"{h.loss[-1]:.4f}"}
                if h.accuracy[-1] is not None:
                    post["acc"] = f"{h.accuracy[-1]:.3f}"
                if val_data is not None and h.val_accuracy[-1] is not None:
                    post["val_acc"] = f"{h.val_accuracy[-1]:.3f}"
                bar.set_postfix(post, refresh=False)  # the bar redraws at its own pace
        h.seconds += time.perf_counter() - start
        return h

    def evaluate(self, data: Any) -> tuple[float, float | None]:
        """Mean loss and accuracy on ``data``, in eval mode (no dropout), with nothing recorded."""
        _check_data("evaluate", "data", data)
        scalar = _is_scalar_model(self.model)
        total = correct = 0.0
        n_seen = 0
        have_acc = True
        with _eval_mode(self.model), no_grad():
            for b, item in enumerate(_batches(data)):
                X, y = _batch("evaluate", item, b)
                out = self._forward(X, scalar)
                loss = self.loss_fn(out, y)
                n = len(y)
                n_seen += n
                total += float(np.asarray(loss.data)) * n
                acc = accuracy(out, y, self.loss_fn)
                if acc is None:
                    have_acc = False
                else:
                    correct += acc * n
        if not n_seen:
            raise ValueError("evaluate: data yielded no batch")
        return total / n_seen, (correct / n_seen if have_acc and n_seen else None)

    def predict(self, X: Any) -> np.ndarray:
        """The model's outputs on ``X`` as an array, in eval mode (no dropout), with nothing recorded."""
        with _eval_mode(self.model), no_grad():
            return _numbers(self._forward(X, _is_scalar_model(self.model)))


@contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    """``model.eval()`` inside the block, its previous mode restored after it."""
    if not isinstance(model, Module):
        yield
        return
    before = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(before)


def _progress(it: Iterable[int], quiet: bool) -> Any:
    if quiet:
        return it
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: train without a bar
        return it
    return tqdm(it, desc="epochs", unit="epoch", leave=False)


def fit(model: Any, loss_fn: Any, optimizer: Any, data: Any, epochs: int = 1, val_data: Any = None,
        scheduler: Any = None, quiet: bool = False) -> History:
    """Train ``model`` on ``data`` for ``epochs``; returns the ``History`` (see the module docstring)."""
    return Trainer(model, loss_fn, optimizer, scheduler).fit(data, epochs, val_data=val_data, quiet=quiet)


