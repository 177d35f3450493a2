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
import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_lite import Value
from autograd_lite import checks as C

__all__ = ["Optimizer", "GD", "SGD", "Adagrad", "AdaGrad", "RMSprop", "Adam", "LRScheduler", "StepLR",
           "ExponentialLR", "from_torch"]


def _shape(p: Any) -> tuple:
    return p.data.shape if isinstance(p.data, np.ndarray) else ()


def _checked_grad(where: str, i: int, p: Any) -> np.ndarray | None:
    """Parameter ``i``'s gradient as an array of its dtype and shape, or an error that names it."""
    g = p.grad
    if g is None:
        return None
    if not isinstance(g, (float, int, np.ndarray, np.floating)):
        g = getattr(g, "data", g)  # a gradient recorded with create_graph=True: use its numbers
    shape = _shape(p)
    name = f"gradient of parameter {i}"
    after = "nothing was updated"
    arr = C.real_array(where, name, g, fix=after)
    if arr.shape != shape:
        raise C.invalid(where, name, g, f"the parameter's shape {shape}", f"{after} (set .grad by calling "
                        "backward(), or give it the parameter's shape)", shown=f"of shape {arr.shape}")
    if not C.all_finite(arr):
        raise C.invalid(where, name, g, "finite numbers", f"{after}; find the op that made it with "
                        "autograd_lite.detect_anomaly()", shown=f"holding {C.nonfinite(arr)}")
    return np.asarray(arr, dtype=_dtype(p))


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
        where = type(self).__name__
        self._check_hyper(where, defaults)
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = _ParamState()
        self.param_groups: list[dict[str, Any]] = []
        groups = _param_items(where, params)
        if not groups:
            raise ValueError(f"{where} got an empty parameter list "
                             "(did the model register its parameters?)")
        if isinstance(groups[0], dict):
            if not all(isinstance(g, dict) for g in groups):
                raise C.invalid(where, "params", params, "either parameters or parameter groups (dicts), "
                                "not a mix of both", exc=TypeError)
        else:
            groups = [{"params": groups}]
        for group in groups:
            self._add_group(where, group)

    @classmethod
    def _check_hyper(cls, where: str, h: dict[str, Any]) -> None:
        """Check each hyperparameter in ``h`` (lr, betas, ...); subclasses list their own."""
        for name, v in h.items():
            check = _HYPER.get(name)
            if check is not None:
                check(where, name, v)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], "lr": ...}``; options it leaves out take the defaults."""
        self._add_group(f"{type(self).__name__}.add_param_group", group)

    def _add_group(self, where: str, group: dict[str, Any]) -> None:
        if not isinstance(group, dict):
            raise C.invalid(where, "group", group, 'a dict {"params": [...], "lr": ...}', exc=TypeError)
        if "params" not in group:
            raise C.invalid(where, "group", group, 'a dict with a "params" entry',
                            'e.g. {"params": model.parameters(), "lr": 0.1}')
        known = set(self.defaults) | {"params", "initial_lr"}
        unknown = sorted(str(k) for k in group if k not in known)
        if unknown:
            raise C.invalid(where, "group", group, f"keys among {sorted(known)}",
                            f"{type(self).__name__} has no option {', '.join(unknown)}")
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if _is_param(params) else _param_items(where, params)
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._check_hyper(where, group)
        offset = sum(len(g["params"]) for g in self.param_groups)
        for j, p in enumerate(group["params"]):
            _check_param(where, offset + j, p)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]) or \
                any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group "
                             "(or twice in one)")
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
        """One update of every parameter that has a gradient.

        Every gradient (and every group's hyperparameters) is checked before any parameter changes: a
        wrong shape, a non-number or a nan/inf is an error naming the parameter, and then nothing,
        neither parameters nor optimizer state, has moved.
        """
        where = f"{type(self).__name__}.step"
        todo = []
        i = 0
        for group in self.param_groups:
            self._check_hyper(where, {k: v for k, v in group.items() if k != "params"})
            for p in group["params"]:
                g = _checked_grad(where, i, p)
                i += 1
                if g is not None:
                    todo.append((p, g, group))
        for p, g, group in todo:
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
        """Resume from ``state_dict()``: the next ``step()`` continues exactly where it left off.

        The whole saved state is checked (groups, parameter indices, each buffer's shape, the
        hyperparameters) before anything is written: a state that does not fit this optimizer is an
        error that says what differs, and the optimizer keeps its own state.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise C.invalid(where, "state_dict", state_dict, 'a dict with "state" and "param_groups", as '
                            "optimizer.state_dict() returns", exc=TypeError)
        groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g
                                                            for g in groups):
            raise C.invalid(where, "param_groups", groups, 'a list of dicts with a "params" entry',
                            exc=TypeError)
        if not isinstance(saved_state, dict):
            raise C.invalid(where, "state", saved_state, "a dict {parameter index: {buffer: array}}",
                            exc=TypeError)
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the saved state has {len(groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        params: dict[int, tuple[Any, dict[str, Any]]] = {}
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            ids = saved["params"]
            if not isinstance(ids, (list, tuple)) or not all(
                    isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in ids):
                raise C.invalid(where, f"param_groups[{i}]['params']", ids, "a list of parameter indices",
                                exc=TypeError)
            if len(ids) != len(group["params"]):
                raise ValueError(f"load_state_dict: parameter group {i} has {len(ids)} "
                                 f"parameter(s) in the saved state and {len(group['params'])} here")
            hyper = {k: v for k, v in saved.items() if k != "params"}
            self._check_hyper(where, hyper)
            for k, p in zip(ids, group["params"]):
                if int(k) in params:
                    raise ValueError(f"{where}: parameter index {int(k)} appears twice in the saved groups")
                params[int(k)] = (p, {**group, **hyper})
        new_state = _ParamState()
        for k, v in saved_state.items():
            try:
                idx = operator.index(k) if not isinstance(k, str) else int(k)
            except (TypeError, ValueError):
                raise C.invalid(where, "state key", k, "a parameter index (int)", exc=TypeError) from None
            if idx not in params:
                raise ValueError(f"{where}: the saved state has an entry for parameter index {idx}, but the "
                                 f"saved groups number the parameters {sorted(params)}: this state "
                                 "belongs to another optimizer or model; nothing was loaded")
            p, group = params[idx]
            new_state[id(p)] = self._checked_state(where, idx, p, v, group)
        self.state = new_state
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        """The buffers a stepped parameter's state holds under ``group``'s options."""
        return set()

    def _checked_state(self, where: str, idx: int, p: Any, st: Any, group: dict[str, Any]) -> dict[str, Any]:
        name = f"state of parameter {idx}"
        if not isinstance(st, dict):
            raise C.invalid(where, name, st, "a dict of buffers", exc=TypeError)
        want = self._state_keys(group)
        if st and set(st) != want:
            raise C.invalid(where, name, st, f"the buffers {sorted(want)} of {type(self).__name__}",
                            "it was saved by another optimizer, or with other options; nothing was loaded",
                            shown=f"with buffers {sorted(map(str, st))}")
        out = {}
        for key, v in st.items():
            if key == "step":
                out[key] = C.number(where, f"{name}['step']", v, low=0)
                continue
            arr = C.finite_array(where, f"{name}[{key!r}]", v)
            if arr.shape != _shape(p):
                raise C.invalid(where, f"{name}[{key!r}]", v, f"the parameter's shape {_shape(p)}",
                                "nothing was loaded", shown=f"of shape {arr.shape}")
            out[key] = arr.astype(_dtype(p), copy=True)  # each buffer in its parameter's dtype
        return out

    def to_torch(self, torch_model: Any) -> Any:
        """The ``torch.optim`` optimizer that continues this one on ``torch_model`` (what
        ``model.to_torch()`` returned): same hyper-parameters and state, so the next step is the one this
        optimizer would take. Needs PyTorch (``pip install -e '.[torch]'``)."""
        from .torch_bridge import optimizer_to_torch

        return optimizer_to_torch(self, torch_model)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _nonneg(where: str, name: str, v: Any) -> None:
    C.number(where, name, v, low=0.0)


def _flag(where: str, name: str, v: Any) -> None:
    C.boolean(where, name, v)


def _betas(where: str, name: str, v: Any) -> None:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise C.invalid(where, name, v, "a pair (beta1, beta2) of numbers in [0, 1)",
                        "e.g. betas=(0.9, 0.999)",
                        TypeError if not isinstance(v, (tuple, list)) else ValueError)
    for j, b in enumerate(v):
        C.number(where, f"{name}[{j}]", b, 0.0, 1.0, high_open=True)


def _any_number(where: str, name: str, v: Any) -> None:
    C.number(where, name, v)


def _lr(where: str, name: str, v: Any) -> None:
    C.number(where, name, v, low=0.0, fix=("pass a number, e.g. lr=0.1" if isinstance(v, str) else None))


# each hyperparameter's check, shared by the optimizers that have it
_HYPER: dict[str, Any] = {
    "lr": _lr, "initial_lr": _lr, "momentum": _nonneg, "dampening": _any_number, "weight_decay": _nonneg,
    "lr_decay": _nonneg, "initial_accumulator_value": _nonneg, "eps": _nonneg, "alpha": _nonneg,
    "betas": _betas, "nesterov": _flag, "maximize": _flag, "amsgrad": _flag, "centered": _flag,
}


def _is_param(x: Any) -> bool:
    return x.__class__ is Value or (isinstance(getattr(x, "data", None), np.ndarray)
                                    and hasattr(x, "requires_grad"))


def _param_items(where: str, params: Any) -> list:
    """``params`` as a list (of parameters or of groups), or an error that says what was passed."""
    if hasattr(params, "parameters") and callable(params.parameters):
        raise C.invalid(where, "params", params, "an iterable of parameters", "pass model.parameters()",
                        TypeError)
    if _is_param(params):
        raise C.invalid(where, "params", params, "an iterable of parameters", "pass a list: [param]",
                        TypeError)
    if isinstance(params, (dict, str, bytes)) or not isinstance(params, Iterable):
        fix = "pass a list of groups: [group]" if isinstance(params, dict) else "pass model.parameters()"
        raise C.invalid(where, "params", params, "an iterable of parameters or of parameter groups",
                        fix, TypeError)
    return list(params)


def _check_param(where: str, i: int, p: Any) -> None:
    if not _is_param(p):
        raise C.invalid(where, f"parameter {i}", p, "a Tensor that requires grad or a Value",
                        "make one with nn.Parameter(array)", TypeError)
    if p.__class__ is not Value:
        if not p.requires_grad:
            raise C.invalid(where, f"parameter {i}", p, "a Tensor that requires grad",
                            "make it with requires_grad=True (nn.Parameter does)",
                            shown=f"of shape {p.data.shape} with requires_grad=False")
        if getattr(p, "_inputs", ()):
            raise C.invalid(where, f"parameter {i}", p, "a leaf Tensor (one not computed from others)",
                            "optimize the leaves the result was computed from",
                            shown=f"computed by {p.op}")


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
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        self._check_hyper(type(self).__name__, defaults)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum requires momentum > 0 and dampening = 0")
        super().__init__(params, defaults)

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

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
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        # PyTorch creates the state when the optimizer is made, so that it can be shared at once
        for group in self.param_groups:
            for p in group["params"]:
                self.state[id(p)] = {
                    "step": 0.0,
                    "sum": np.full_like(_data(p), group["initial_accumulator_value"], dtype=_dtype(p))}

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "sum"}

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
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return ({"step", "square_avg"} | ({"momentum_buffer"} if group["momentum"] > 0 else set())
                | ({"grad_avg"} if group["centered"] else set()))

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
        _betas(type(self).__name__, "betas", betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _state_keys(self, group: dict[str, Any]) -> set[str]:
        return {"step", "exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if group["amsgrad"] else set())

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


def from_torch(torch_optimizer: Any, model: Any) -> Any:
    """The ``nn.optim`` optimizer that continues ``torch_optimizer`` on ``model`` (what ``nn.from_torch``
    made of the torch model it trains): same class, hyper-parameters and state.

    Given a torch ``StepLR``/``ExponentialLR`` and the ``nn.optim`` optimizer it will drive (what this
    function made of the torch optimizer), it returns the schedule that continues it.
    """
    from .torch_bridge import optimizer_from_torch

    return optimizer_from_torch(torch_optimizer, model)


# --- learning-rate schedules ------------------------------------------------------------------------
class LRScheduler:
    """Changes each group's ``lr`` once per ``step()`` (call it once per epoch, after the optimizer)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        where = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            fix = (f"pass the optimizer, not the model: {where}(nn.optim.SGD(model.parameters()), ...)"
                   if hasattr(optimizer, "parameters") else None)
            raise C.invalid(where, "optimizer", optimizer, "an nn.optim optimizer", fix, TypeError)
        last_epoch = C.integer(where, "last_epoch", last_epoch, low=-1)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def to_torch(self, torch_optimizer: Any) -> Any:
        """The ``torch.optim.lr_scheduler`` schedule that continues this one on ``torch_optimizer`` (what
        ``optimizer.to_torch`` returned): same rule, epoch and learning rates. Needs PyTorch."""
        from .torch_bridge import scheduler_to_torch

        return scheduler_to_torch(self, torch_optimizer)

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
        """Resume from ``state_dict()``; a state of another kind of schedule is refused, unchanged."""
        where = f"{type(self).__name__}.load_state_dict"
        own = self.state_dict()
        if not isinstance(state_dict, dict):
            raise C.invalid(where, "state_dict", state_dict, "a dict, as scheduler.state_dict() returns",
                            exc=TypeError)
        if set(state_dict) != set(own):
            raise C.invalid(where, "state_dict", state_dict, f"the keys {sorted(own)}",
                            "it was saved by another kind of schedule",
                            shown=f"with keys {sorted(map(str, state_dict))}")
        C.integer(where, "last_epoch", state_dict["last_epoch"], low=-1)
        for key in ("base_lrs", "_last_lr"):
            lrs = state_dict[key]
            if not isinstance(lrs, (list, tuple)) or len(lrs) != len(self.optimizer.param_groups):
                raise C.invalid(where, key, lrs, f"one learning rate per parameter group "
                                f"({len(self.optimizer.param_groups)})")
            for j, lr in enumerate(lrs):
                C.number(where, f"{key}[{j}]", lr, low=0.0)
        for key in ("step_size", "gamma"):
            if key in state_dict:
                getattr(self, "_check_" + key)(where, state_dict[key])
        self.__dict__.update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = self._check_step_size("StepLR", step_size)
        self.gamma = self._check_gamma("StepLR", gamma)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _check_step_size(where: str, v: Any) -> int:
        return C.integer(where, "step_size", v, low=1)

    @staticmethod
    def _check_gamma(where: str, v: Any) -> float:
        return C.number(where, "gamma", v, low=0.0, low_open=True)

    def get_lr(self) -> list[float]:
        lrs = [g["lr"] for g in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = self._check_gamma("ExponentialLR", gamma)
        super().__init__(optimizer, last_epoch)

    _check_gamma = staticmethod(StepLR._check_gamma)

    def get_lr(self) -> list[float]:
        lrs = [g["lr"] for g in self.optimizer.param_groups]
        if self.last_epoch == 0:
            return lrs
        return [lr * self.gamma for lr in lrs]
