"""autograd-lite: reverse-mode automatic differentiation you can read, check and draw."""

from .draw import draw
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradcheck_graph, numerical_grad
from .step import step_through
from .tape import Tape, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor, concatenate, stack, where
from .value import Value, weighted_sum

__all__ = [
    "Function",
    "GradcheckError",
    "draw",
    "gradcheck",
    "gradcheck_graph",
    "numerical_grad",
    "step_through",
    "Tape",
    "Tensor",
    "Value",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "concatenate",
    "stack",
    "where",
    "weighted_sum",
]
__version__ = "0.1.0"
