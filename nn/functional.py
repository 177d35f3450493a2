"""Functions without state, with PyTorch's names and keywords (``import nn.functional as F``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import checks as C

from . import init
from ._util import as_tensor
from .activations import (
    identity,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    sign,
    softmax,
    softplus,
    step,
    tanh,
)
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = ["linear", "dropout", "identity", "sign", "step", "sigmoid", "tanh", "relu", "leaky_relu",
           "softplus", "softmax", "log_softmax", "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy"]


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """input @ weight.T + bias (weight of shape (out_features, in_features))."""
    y = as_tensor(input, "linear") @ as_tensor(weight, "linear").T
    return y if bias is None else y + bias


def dropout(input: Any, p: float = 0.5, training: bool = True,
            generator: np.random.Generator | None = None) -> Any:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) (if ``training``)."""
    p = C.number("dropout", "p", p, 0.0, 1.0, high_open=True,
                 fix="p is the probability of zeroing an element")
    C.boolean("dropout", "training", training)
    C.generator("dropout", "generator", generator)
    x = as_tensor(input, "dropout")
    if not training or p == 0:
        return x
    rng = generator if generator is not None else init.default_generator()
    keep = rng.random(x.data.shape) >= p
    return x * (keep / (1 - p)).astype(x.data.dtype)
