"""autograd-lite: reverse-mode automatic differentiation you can read, check and draw."""

from .draw import draw
from .function import Function
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .tape import Tape, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .value import Value

__all__ = [
    "Function",
    "GradcheckError",
    "draw",
    "gradcheck",
    "numerical_grad",
    "Tape",
    "Value",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
]
__version__ = "0.1.0"
