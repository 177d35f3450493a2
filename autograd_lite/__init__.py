"""autograd-lite: reverse-mode automatic differentiation you can read, check and draw."""

from .function import Function
from .tape import Tape, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .value import Value

__all__ = ["Function", "Tape", "Value", "detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad"]
__version__ = "0.1.0"
