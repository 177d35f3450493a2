"""Functions without state, with PyTorch's names and keywords (``import nn.functional as F``)."""

from __future__ import annotations

from typing import Any

from ._util import as_tensor
from .activations import identity, leaky_relu, log_softmax, relu, sigmoid, sign, softmax, step, tanh
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

__all__ = ["linear", "identity", "sign", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax",
           "log_softmax", "l1_loss", "mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy"]


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """input @ weight.T + bias (weight of shape (out_features, in_features))."""
    y = as_tensor(input) @ as_tensor(weight).T
    return y if bias is None else y + bias
