"""o — the optimizer: gradient descent and its adaptive variants, with PyTorch's update rules.

Every optimizer reads ``p.grad`` and changes ``p.data`` in place, for parameters that are
``Tensor``s (``.data`` an ndarray) or ``Value``s (``.data`` a float), so the same optimizer trains a
Tensor network and a micrograd-style network of Values. Parameters whose ``.grad`` is ``None`` are
skipped, as in PyTorch. The arithmetic follows ``torch.optim``'s single-tensor code path operation by
operation, so float64 trajectories agree with PyTorch 2.13 to rounding (tests/test_nn_optim.py).

The slides write every variant with one learning rate η and the gradient ∇l_i of a minibatch; the
docstrings below map the slide's notation to the standard one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Optimizer", "GD", "SGD", "Adagrad", "AdaGrad", "RMSprop", "Adam", "LRScheduler", "StepLR",
           "ExponentialLR"]


def _grad(p: Any) -> np.ndarray | None:
    g = p.grad
    if g is None:
        return None
    if not isinstance(g, (float, int, np.ndarray, np.floating)):
        g = g.data  # a gradient recorded with create_graph=True: use its numbers
    return np.asarray(g, dtype=_dtype(p))


def _dtype(p: Any) -> Any:
    d = p.data
    return d.dtype if isinstance(d, np.ndarray) else np.float64


def _data(p: Any) -> np.ndarray:
    """The parameter's numbers as an array that can be updated in place (a 0-d copy for a Value)."""
    d = p.data
    return d if isinstance(d, np.ndarray) else np.array(d, dtype=np.float64)


def _store(p: Any, x: np.ndarray) -> None:
    """Write an updated 0-d array back into a Value (Tensors were updated in place already)."""
    if not isinstance(p.data, np.ndarray):
        p.data = float(x)


class _ParamState(dict):
    """Per-parameter state, keyed by ``id(param)`` (a Tensor compares elementwise, so it is not a good
    dict key) and looked up with the parameter itself, as PyTorch's ``optimizer.state[p]``."""

    @staticmethod
    def _key(k: Any) -> Any:
        return k if isinstance(k, int) else id(k)

    def __getitem__(self, k: Any) -> dict[str, Any]:
        return super().__getitem__(self._key(k))

    def __setitem__(self, k: Any, v: dict[str, Any]) -> None:
        super().__setitem__(self._key(k), v)

    def __contains__(self, k: object) -> bool:
        return super().__contains__(self._key(k))

    def get(self, k: Any, default: Any = None) -> Any:
        return super().get(self._key(k), default)


class Optimizer:
    """The common part: parameter groups, per-parameter state, ``zero_grad`` and ``state_dict``.

    ``params`` is an iterable of parameters or of dicts ``{"params": [...], "lr": ...}`` (parameter
    groups, each overriding the defaults), as in PyTorch.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = _ParamState()
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list "
                             "(did the model register its parameters?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if hasattr(params, "data") else list(params)
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``None`` for Tensors, as in PyTorch; 0.0 for Values)."""
        for group in self.param_groups:
            for p in group["params"]:
                if not isinstance(p.data, np.ndarray):
                    p.grad = 0.0
                elif set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = _grad(p)
                if g is None:
                    continue
                x = _data(p)
                st = self.state.get(id(p), {})
                self._update(x, g, st, group)
                if st:  # plain SGD keeps no state, and then has none to show (as PyTorch)
                    self.state[id(p)] = st
                _store(p, x)

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    # --- saving and resuming -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` as in PyTorch.

        Parameters are numbered in the order of the groups; the arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[k]: copy.deepcopy(v) for k, v in self.state.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()``: the next ``step()`` continues exactly where it left off."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the saved state has {len(groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        params: dict[int, Any] = {}
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"load_state_dict: parameter group {i} has {len(saved['params'])} "
                                 f"parameter(s) in the saved state and {len(group['params'])} here")
            params.update(zip(saved["params"], group["params"]))
        self.state = _ParamState()
        for k, v in state_dict["state"].items():
            p = params[int(k)]
            st = copy.deepcopy(v)
            for name, arr in st.items():  # keep each buffer in its parameter's dtype
                if isinstance(arr, np.ndarray):
                    st[name] = arr.astype(_dtype(p), copy=False)
            self.state[id(p)] = st
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    if not (value >= low and (high is None or value < high)):
        rng = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"invalid {name}: {value} (must be {rng})")


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum, dampening, weight decay and Nesterov as PyTorch.

    Slide "Stochastic Approach": W_{t+1} = W_t − η ∇l_i, one update per example or minibatch (η is
    ``lr``). With the options (g = ∇l_i + weight_decay · W):

        b_1 = g,  b_{t+1} = momentum · b_t + (1 − dampening) · g
        W_{t+1} = W_t − lr · (g + momentum · b_{t+1})   if nesterov   else   W_t − lr · b_{t+1}
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        _check("lr", lr)
        _check("momentum", momentum)
        _check("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum requires momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g)  # an array even for 0-d parameters
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        x += -group["lr"] * g


class GD(SGD):
    """Plain gradient descent, the slide's a_new = a_old − η ∇F(a_old) (``lr`` is η).

    The same update as ``SGD(params, lr)``; what makes it *full-batch* gradient descent is the data:
    compute the loss on the whole training set before each ``step()``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 0.1) -> None:
        super().__init__(params, lr=lr)


class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011) as PyTorch computes it.

        G_t = G_{t−1} + g_t²            (G_0 = initial_accumulator_value)
        W_{t+1} = W_t − lr_t · g_t / (√G_t + eps),   lr_t = lr / (1 + (t − 1) · lr_decay)

    The slide writes W_{t+1} = W_t − η / √(ε I + diag(∇l_i ∇l_iᵀ)) ∇l_i, i.e. it divides by the
    *current* squared gradient only. AdaGrad accumulates: the diagonal is the sum of the squared
    gradients of all steps so far (G_t above), which is what makes the effective learning rate of a
    weight that keeps receiving large gradients shrink, as the slide's bullet says. PyTorch also adds
    ``eps`` outside the square root rather than inside.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10,
                 maximize: bool = False) -> None:
        _check("lr", lr)
        _check("lr_decay", lr_decay)
        _check("weight_decay", weight_decay)
        _check("initial_accumulator_value", initial_accumulator_value)
        _check("eps", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        # PyTorch creates the state when the optimizer is made, so that it can be shared at once
        for group in self.param_groups:
            for p in group["params"]:
                self.state[id(p)] = {
                    "step": 0.0,
                    "sum": np.full_like(_data(p), group["initial_accumulator_value"], dtype=_dtype(p))}

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if "sum" not in state:
            state.update(step=0.0, sum=np.full_like(x, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        std = np.sqrt(state["sum"]) + group["eps"]
        x += -clr * (g / std)


AdaGrad = Adagrad  # the slides' spelling


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012) as PyTorch computes it.

    Slide: ζ_{t+1} = α ζ_t + (1 − α) (∇l_i)²,  W_{t+1} = W_t − η / √(ε I + ζ_{t+1}) ∇l_i. Here
    α is ``alpha`` and η is ``lr``; PyTorch adds ``eps`` outside the square root:
    W_{t+1} = W_t − lr · g / (√ζ_{t+1} + eps). ``centered`` divides by the estimated standard
    deviation √(ζ − m²) (m the running mean of g) instead, and ``momentum`` keeps a buffer
    b = momentum · b + g / (√ζ + eps) and steps by lr · b.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False) -> None:
        _check("lr", lr)
        _check("alpha", alpha)
        _check("eps", eps)
        _check("weight_decay", weight_decay)
        _check("momentum", momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(x)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(x)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(x)
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        alpha = group["alpha"]
        sq = state["square_avg"]
        sq *= alpha
        sq += (1 - alpha) * (g * g)
        if group["centered"]:
            ga = state["grad_avg"]
            ga += (1 - alpha) * (g - ga)  # lerp towards g
            avg = np.sqrt(sq - ga * ga)
        else:
            avg = np.sqrt(sq)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            x += -group["lr"] * buf
        else:
            x += -group["lr"] * (g / avg)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) as PyTorch computes it.

        m_t = β1 m_{t−1} + (1 − β1) g_t          v_t = β2 v_{t−1} + (1 − β2) g_t²
        W_{t+1} = W_t − lr · (m_t / (1 − β1^t)) / (√(v_t / (1 − β2^t)) + eps)

    with ``betas=(β1, β2)`` = (0.9, 0.999). The slide names the two decay rates the other way round:
    its α (0.999 in practice) smooths the squared gradient ζ, which is the standard β2 and v, and its
    β (0.9) smooths the gradient m, which is the standard β1. The slide's final line divides by
    √(ε I + ζ*) inside the root; PyTorch adds ``eps`` outside it, and multiplies by the bias-corrected
    m* only (the slide's trailing ∇l_i is not part of the update). ``amsgrad`` divides by the largest
    v seen so far.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        _check("lr", lr)
        _check("eps", eps)
        _check("betas[0]", betas[0], 0.0, 1.0)
        _check("betas[1]", betas[1], 0.0, 1.0)
        _check("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, x: np.ndarray, g: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(x)
            state["exp_avg_sq"] = np.zeros_like(x)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(x)
        state["step"] += 1
        step = state["step"]
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * x
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)  # PyTorch's lerp_
        v *= beta2
        v += (1 - beta2) * (g * g)
        step_size = group["lr"] / (1 - beta1 ** step)
        bc2_sqrt = math.sqrt(1 - beta2 ** step)
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]
            np.maximum(vmax, v, out=vmax)
            denom = np.sqrt(vmax) / bc2_sqrt + group["eps"]
        else:
            denom = np.sqrt(v) / bc2_sqrt + group["eps"]
        x += -step_size * (m / denom)


# --- learning-rate schedules ------------------------------------------------------------------------
class LRScheduler:
    """Changes each group's ``lr`` once per ``step()`` (call it once per epoch, after the optimizer)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [g["lr"] for g in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lrs = [g["lr"] for g in self.optimizer.param_groups]
        if self.last_epoch == 0:
            return lrs
        return [lr * self.gamma for lr in lrs]
