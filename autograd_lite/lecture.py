"""The lecture's backpropagation, layer by layer: δ_k = f'_k ⊙ (W_{k+1}ᵀ δ_{k+1}), ∂L/∂W_k = δ_k z_{k-1}ᵀ.

``layer_deltas(model, x, y, loss)`` computes the recursion with numpy from a model's weights and
checks it against the tape. ``LayerWalk`` (``step_through(loss, depth=1)``) walks a recorded graph
module by module: forward layer by layer, then backward layer by layer, each step's δ and ∂L/∂W
read from the tape's records (``tape.input_grads``) and compared with the recursion.

Both sit on ``nn`` through its public API only: a model's ``children()`` and ``named_parameters()``,
and an activation module is recognised by what it computes, never by its class name.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .show import fmt
from .show import num as _num
from .show import numbers_of as _raw
from .show import paren as _paren

__all__ = ["LayerDelta", "LayerDeltas", "layer_deltas"]

# --- the lecture's layer-wise backpropagation ----------------------------------------------------
# δ_K = f'_K(a_K) ⊙ loss'(z_K),  δ_k = f'_k(a_k) ⊙ (W_{k+1}ᵀ δ_{k+1}),  ∂L/∂W_k = δ_k z_{k-1}ᵀ,
# ∂L/∂b_k = δ_k, with a_k = W_k z_{k-1} + b_k and z_k = f_k(a_k). Rows are samples, so in code the
# column vector W_{k+1}ᵀ δ_{k+1} is the row δ_{k+1} W_{k+1}, and δ_k z_{k-1}ᵀ summed over the
# samples is δ_kᵀ Z_{k-1}.

# name -> (f, f' written from a and z = f(a)), on ndarrays
_ACTIVATIONS: dict[str, tuple[Any, Any, str]] = {
    "identity": (lambda a: a, lambda a, z: np.ones_like(a), "1"),
    "tanh": (np.tanh, lambda a, z: 1.0 - z * z, "1 - z²"),
    "sigmoid": (lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)), lambda a, z: z * (1.0 - z), "z (1 - z)"),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, z: (a > 0).astype(a.dtype), "1[a > 0]"),
}
_LOSSES = {"mse": "mean((z - y)²)", "sse": "½ Σ (z - y)²", "cross_entropy": "mean(-log softmax(z)[y])"}


@dataclass
class LayerDelta:
    """Layer k of ``layer_deltas``: its pre-activation ``a``, output ``z``, input ``z_prev``, the
    derivative ``fprime`` = f'_k(a_k), the back-propagated ``back`` (W_{k+1}ᵀ δ_{k+1}, or loss'(z_K)
    for the last layer), ``delta`` = fprime ⊙ back, the gradients ``dW`` and ``db``, and the tape's
    gradients for the same numbers (``tape_delta`` = ∂L/∂a_k, ``tape_dW``, ``tape_db``)."""

    k: int
    activation: str
    z_prev: np.ndarray
    a: np.ndarray
    z: np.ndarray
    fprime: np.ndarray
    back: np.ndarray
    delta: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    tape_delta: np.ndarray | None = None
    tape_dW: np.ndarray | None = None
    tape_db: np.ndarray | None = None

    @property
    def max_diff(self) -> float:
        """Largest difference between the recursion and the tape over δ, ∂L/∂W and ∂L/∂b."""
        pairs = [(self.delta, self.tape_delta), (self.dW, self.tape_dW), (self.db, self.tape_db)]
        return max(float(np.max(np.abs(x - t))) if t is not None else math.nan for x, t in pairs)

    @property
    def agrees(self) -> bool:
        return all(t is not None and np.allclose(x, t, rtol=1e-7, atol=1e-10)
                   for x, t in [(self.delta, self.tape_delta), (self.dW, self.tape_dW),
                                (self.db, self.tape_db)])


class LayerDeltas:
    """The slide's backpropagation layer by layer, checked against the tape (see ``layer_deltas``)."""

    def __init__(self, layers: list[LayerDelta], loss_name: str, loss: float, batch: int) -> None:
        self.layers = layers
        self.loss_name = loss_name
        self.loss = loss
        self.batch = batch

    @property
    def passed(self) -> bool:
        return all(layer.agrees for layer in self.layers)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        K = len(self.layers)
        one = self.batch == 1
        sq = (lambda x: x[0]) if one else (lambda x: x)  # noqa: E731 - one sample reads as vectors
        out = [f"loss = {_LOSSES[self.loss_name]} = {_num(self.loss)}"
               + ("" if one else f"   (a batch of {self.batch} samples n, one per row)")]
        for layer in reversed(self.layers):
            k, f = layer.k, layer.activation
            out.append(f"layer {k} ({f}): a_{k} = W_{k} z_{k - 1} + b_{k},  z_{k} = {f}(a_{k})")
            out.append(f"    f'_{k}(a_{k}) = {_ACTIVATIONS[f][2] if f in _ACTIVATIONS else 'f′'}"
                       f" = {fmt(sq(layer.fprime))}")
            if k == K:
                out.append(f"    loss'(z_{K}) = {fmt(sq(layer.back))}")
                out.append(f"    δ_{k} = f'_{k} ⊙ loss'(z_{k}) = {fmt(sq(layer.delta))}")
            else:
                out.append(f"    W_{k + 1}ᵀ δ_{k + 1} = {fmt(sq(layer.back))}")
                out.append(f"    δ_{k} = f'_{k} ⊙ (W_{k + 1}ᵀ δ_{k + 1}) = {fmt(sq(layer.delta))}")
            over = "" if one else "Σ_n "
            out.append(f"    ∂L/∂W_{k} = {over}δ_{k} z_{k - 1}ᵀ = {fmt(layer.dW, 20)}")
            out.append(f"    ∂L/∂b_{k} = {over}δ_{k} = {fmt(layer.db, 20)}")
            verdict = "agrees with" if layer.agrees else "DIFFERS from"
            out.append(f"    {verdict} the tape (largest difference {layer.max_diff:.1e})")
        out.append("all layers agree with the tape's gradients" if self.passed
                   else "some layers differ from the tape's gradients")
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b3261e"
        return (f"<pre style='border-left: 4px solid {color}; padding-left: 8px; white-space: pre-wrap'>"
                f"{html.escape(str(self))}</pre>")


def activation_of(module: Any) -> str | None:
    """Which of ``_ACTIVATIONS`` a parameterless module computes, found by running it on a probe
    (None when it is none of them): the module is known by what it does, not by its class's name."""
    from .tensor import Tensor

    probe = np.linspace(-2.0, 2.0, 9)
    try:
        out = module(Tensor(probe))
    except Exception:  # noqa: BLE001 - a module that cannot take a vector is not an activation
        return None
    got = np.asarray(_raw(out), dtype=np.float64)
    for name, (f, _, _) in _ACTIVATIONS.items():
        if got.shape == probe.shape and np.allclose(got, f(probe), rtol=1e-6, atol=1e-9):
            return name
    return None


def _has_parameters(module: Any) -> bool:
    return next(iter(module.parameters()), None) is not None


def _layers_of(model: Any) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(W, b, activation name) per layer, from an ``nn.Sequential``/``nn.MLP`` of Linear layers and
    activations, or from a list of (W, b, activation) with W shaped (out, in)."""
    children = getattr(model, "children", None)
    if children is None:
        layers = []
        for i, item in enumerate(model):
            W, b, f = item if len(item) == 3 else (*item, "identity")
            f = str(f).lower()
            if f not in _ACTIVATIONS:
                raise ValueError(f"layer {i + 1}: activation {f!r} is not one of {', '.join(_ACTIVATIONS)}")
            W = np.asarray(_raw(W), dtype=np.float64)
            b = np.zeros(W.shape[0]) if b is None else np.asarray(_raw(b), dtype=np.float64)
            layers.append((W, b, f))
        return layers
    layers: list[list[Any]] = []
    for m in children():
        params = dict(m.named_parameters())
        if set(params) in ({"weight", "bias"}, {"weight"}):  # a Linear layer: x Wᵀ + b
            W = np.asarray(_raw(params["weight"]), dtype=np.float64)
            b = params.get("bias")
            layers.append([W, np.zeros(W.shape[0]) if b is None else np.asarray(_raw(b), np.float64),
                           "identity"])
            continue
        f = None if params else activation_of(m)
        if f == "identity":
            continue
        if f is not None and layers and layers[-1][2] == "identity":
            layers[-1][2] = f
        else:
            raise ValueError(f"layer_deltas handles Linear layers with {', '.join(_ACTIVATIONS)} "
                             f"activations; this model has a {type(m).__name__}")
    return [tuple(x) for x in layers]  # type: ignore[misc]


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        name = loss.lower()
    else:
        name = loss_of(loss) or ""
    if name not in _LOSSES:
        raise ValueError(f"layer_deltas: the loss must be one of {', '.join(_LOSSES)} "
                         f"(or nn.MSELoss()/nn.CrossEntropyLoss() with reduction='mean'), not {loss!r}")
    return name


def loss_of(loss: Any) -> str | None:
    """Which of ``_LOSSES`` a loss module computes ("mse" or "cross_entropy", with the mean over the
    batch), found by calling it on a probe, as the tape would: by what it does, not its class name."""
    from .tensor import Tensor

    z = np.array([[0.5, -1.0, 0.25], [2.0, 0.1, -0.3]])
    labels = np.array([1, 0])
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.5]])
    shifted = z - z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probes = [("mse", target, float(np.mean((z - target) ** 2))),
              ("cross_entropy", labels, float(-np.mean(logp[np.arange(2), labels])))]
    for name, t, expected in probes:
        try:
            got = float(np.asarray(_raw(loss(Tensor(z), t))))
        except Exception:  # noqa: BLE001 - a loss that refuses this probe is not this loss
            continue
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            return name
    return None


def layer_deltas(model: Any, x: Any, y: Any, loss: Any = "mse") -> LayerDeltas:
    """The lecture's backpropagation slides for a small MLP: each layer's δ_k and weight gradient.

    ``model`` is an ``nn.MLP``/``nn.Sequential`` of Linear layers and tanh/sigmoid/relu/identity
    activations, or a list of ``(W, b, activation)`` with W shaped (out, in). ``x`` is one input
    (a vector) or a batch (rows); ``y`` the targets (class indices for ``"cross_entropy"``).
    ``loss`` is ``"mse"`` (mean of squares, as ``nn.MSELoss``), ``"sse"`` (½ Σ (z - y)²) or
    ``"cross_entropy"`` (on logits). The recursion is computed with numpy from the weights and the
    activations' derivatives only, then the same network is run on ``Tensor``s and backpropagated
    by the tape, and the two are compared layer by layer. The model's own ``.grad``s are untouched.
    """
    from .tensor import Tensor

    layers = _layers_of(model)
    name = _loss_name(loss)
    X = np.asarray(_raw(x), dtype=np.float64)
    one = X.ndim == 1
    X = X.reshape(1, -1) if one else X
    N = X.shape[0]
    Y = np.asarray(_raw(y))
    # forward, keeping a_k and z_k
    zs, as_ = [X], []
    for W, b, f in layers:
        as_.append(zs[-1] @ W.T + b)
        zs.append(_ACTIVATIONS[f][0](as_[-1]))
    out = zs[-1]
    if name == "cross_entropy":
        labels = Y.astype(int).reshape(-1)
        shifted = out - out.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        value = float(-np.mean(np.log(p[np.arange(N), labels])))
        onehot = np.zeros_like(out)
        onehot[np.arange(N), labels] = 1.0
        dloss = (p - onehot) / N
    else:
        target = Y.astype(np.float64).reshape(out.shape)
        value = float(np.mean((out - target) ** 2) if name == "mse" else 0.5 * np.sum((out - target) ** 2))
        dloss = 2.0 * (out - target) / out.size if name == "mse" else out - target
    # backward by the slide's recursion
    result: list[LayerDelta] = []
    back = dloss
    for k in range(len(layers), 0, -1):
        W, b, f = layers[k - 1]
        fprime = _ACTIVATIONS[f][1](as_[k - 1], zs[k])
        delta = fprime * back
        result.append(LayerDelta(k, f, zs[k - 1], as_[k - 1], zs[k], fprime, back, delta,
                                 delta.T @ zs[k - 1], delta.sum(axis=0)))
        back = delta @ W  # W_kᵀ δ_k, as rows
    result.reverse()
    # the same numbers through the tape
    Ws = [Tensor(W, requires_grad=True) for W, _, _ in layers]
    bs = [Tensor(b, requires_grad=True) for _, b, _ in layers]
    z: Any = Tensor(X)
    pre = []
    for W, b, (_, _, f) in zip(Ws, bs, layers):
        a = z @ W.T + b
        pre.append(a)
        z = a if f == "identity" else getattr(a, f)()
    if name == "cross_entropy":
        L = -(z.log_softmax(axis=-1) * onehot).sum() / N
    else:
        L = ((z - target) ** 2.0).mean() if name == "mse" else ((z - target) ** 2.0).sum() * 0.5
    L.backward()
    for layer, a, W, b in zip(result, pre, Ws, bs):
        layer.tape_delta, layer.tape_dW, layer.tape_db = (np.asarray(_raw(t.grad)) for t in (a, W, b))
    return LayerDeltas(result, name, value, N)


# --- the same recursion, read off a recorded graph, module by module --------------------------------
@dataclass
class Check:
    """One number of the layer walk against the tape: ``formula`` (the lecture's, evaluated on the
    walk's numbers) and ``tape`` (the gradient backward() left)."""

    what: str
    formula: Any
    tape: Any

    @property
    def agrees(self) -> bool:
        if self.tape is None:
            return False
        a = np.asarray(_raw(self.formula), dtype=np.float64)
        b = np.asarray(_raw(self.tape), dtype=np.float64)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-7, atol=1e-10))


def _tape_grad(node: Any) -> Any:
    g = getattr(node, "grad", None)
    return None if g is None else np.asarray(_raw(g), dtype=np.float64)


def _linear_params(group: Any, names: Any) -> tuple[Any, Any] | None:
    """(weight, bias) of a group that is one Linear call: a 2-D ``*weight`` and a 1-D ``*bias``."""
    ps = {names.name(p).rsplit(".", 1)[-1]: p for p in group.params}
    W, b = ps.get("weight"), ps.get("bias")
    if W is None or np.ndim(_raw(W.data)) != 2 or len(group.params) != (1 if b is None else 2):
        return None
    return W, b


class LayerWalk:
    """``step_through(loss, depth=1)``: one forward and one backward step per module call (a layer,
    an activation, the loss), the backward steps written as the lecture's δ_k and ∂L/∂W_k with their
    numbers (or shapes, for large arrays) and each checked against the tape (``.checks``, ``.passed``).

    The numbers are read off the records (``tape.input_grads`` through each module's ops, newest
    first); the δ and ∂L/∂W formulas are then evaluated on them with numpy and compared with the
    gradients backward() left in ``.grad``. Ops made outside modules are steps of their own.
    """

    def __init__(self, out: Any, depth: int = 1) -> None:
        from .module_view import Groups
        from .step import output_node, run_backward_once

        if not isinstance(depth, int) or depth < 0:
            raise ValueError(f"depth must be None (every op) or a module depth >= 0, not {depth!r}")
        root = output_node(out)
        self.root = root
        self.depth = depth
        self.groups = Groups(root, depth)
        self.names = self.groups.names
        self.ops, self.leaves = self.groups.ops, self.groups.leaves
        self.seed = run_backward_once(root)
        self.steps: list[Any] = []
        self.checks: list[Check] = []
        self._forward_steps()
        self._backward_steps()

    @property
    def passed(self) -> bool:
        return all(c.agrees for c in self.checks)

    def name(self, node: Any) -> str:
        return self.names.name(node)

    def _title(self, g: Any) -> str:
        if g.title:
            return g.title
        from .step import StepThrough

        v = g.last
        return f"{self.name(v)} = {StepThrough._expr(self, v, [self.name(x) for x in v.inputs])}"

    def _new_step(self, phase: str, g: Any, lines: list[str], upstream: Any = None) -> None:
        from .step import Step

        node = g.last if g is not None else self.root
        ins = tuple(g.inputs) if g is not None else ()
        self.steps.append(Step(len(self.steps), phase, g.title if g is not None else "seed",
                               self.name(node), node, ins, [self.name(x) for x in ins],
                               [_raw(x.data) for x in ins], _raw(node.data), upstream=upstream,
                               lines=lines))

    # --- forward -----------------------------------------------------------------------------------
    def _forward_steps(self) -> None:
        from .module_view import module_title

        for g in self.groups.groups:
            n = len(self.steps) + 1
            outs = ", ".join(self.name(v) for v in g.outputs) or self.name(g.last)
            read = g.inputs or [x for x in g.ops[0].inputs if self.names.is_constant(x)]
            ins = ", ".join(self.name(x) for x in read)
            if g.scope is None:
                from .step import StepThrough

                expr = StepThrough._expr(self, g.last, [self.name(x) for x in g.last.inputs])
                lines = [f"forward {n}: {self.name(g.last)} = {expr}"]
            else:
                lin = _linear_params(g, self.names)
                head = module_title(g).replace("\t", ":  ")
                if lin is not None and len(g.inputs) == 1:
                    W, b = lin
                    formula = f"{ins} {self.name(W)}ᵀ" + (f" + {self.name(b)}" if b is not None else "")
                    lines = [f"forward {n}: {head}", f"    {outs} = {formula}"]
                elif len(g.ops) == 1 and g.ops[0].op not in ("", None):
                    lines = [f"forward {n}: {head}", f"    {outs} = {g.ops[0].op}({ins})"]
                else:
                    lines = [f"forward {n}: {head}", f"    {outs} = {g.title.split(': ')[-1]}({ins})"]
            for v in g.outputs or [g.last]:
                lines.append(f"    {self.name(v)} = {fmt(v.data)}")
            self._new_step("forward", g, lines)

    # --- backward ----------------------------------------------------------------------------------
    def _backward_steps(self) -> None:
        from .tape import input_grads, local_derivatives

        L = self.name(self.root)
        grads: dict[int, Any] = {id(self.root): self.seed}
        self.steps.append(None)  # the seed step, made below with its index
        self.steps.pop()
        self._new_step("backward", None, [f"backward {len(self.steps) + 1}: start at the output: "
                                          f"∂{L}/∂{L} = {fmt(self.seed)}"], self.seed)
        groups = self.groups.groups
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            arriving = [(v, grads.get(id(v))) for v in (g.outputs or [g.last])]
            for v in reversed(g.ops):  # the records' own products, op by op
                gv = grads.get(id(v))
                if gv is None:
                    continue
                for x, c in zip(v.inputs, input_grads(v, gv)):
                    if c is not None:
                        grads[id(x)] = c if id(x) not in grads else grads[id(x)] + c
            n = len(self.steps) + 1
            lines = [f"backward {n}: through {self._title(g)}"]
            lin = _linear_params(g, self.names)
            act = (g.scope is not None and not g.params and len(g.ops) == 1
                   and local_derivatives(g.ops[0]) is not None and len(g.inputs) == 1)
            if lin is not None and len(g.inputs) == 1 and len(arriving) == 1:
                self._linear_lines(lines, g, lin, arriving[0], grads, L)
            elif act and len(arriving) == 1:
                self._activation_lines(lines, g, arriving[0], grads, L, gi)
            else:
                for v, gv in arriving:
                    lines.append(f"    arriving: ∂{L}/∂{self.name(v)} = {fmt(gv)}")
                is_loss = g.scope is not None and not g.params and any(v is self.root for v in g.ops)
                for x in g.inputs:
                    if not self.names.is_constant(x) and id(x) in grads:
                        # the loss's derivative at the model's output starts the lecture's recursion
                        said = f" = loss'({self.name(x)})" if is_loss and x.inputs else ""
                        lines.append(f"    sends:    ∂{L}/∂{self.name(x)}{said} = {fmt(grads[id(x)])}")
                neurons = self._neurons(g)
                if neurons:
                    for ws, act in neurons:
                        self._neuron_lines(lines, ws, act, grads, L)
                else:
                    for p in g.params:
                        self._param_line(lines, p, grads.get(id(p)), f"∂{L}/∂{self.name(p)}")
            ok = all(c.agrees for c in self._checks_of_step)
            lines.append(f"    {'agrees with' if ok else 'DIFFERS from'} the tape's gradients"
                         if self._checks_of_step else "")
            self._checks_of_step = []
            self._new_step("backward", g, [ln for ln in lines if ln], arriving[-1][1])
        self.grads = grads

    _checks_of_step: list[Check] = []

    def _check(self, what: str, formula: Any, tape: Any) -> None:
        c = Check(what, formula, tape)
        self.checks.append(c)
        self._checks_of_step = [*self._checks_of_step, c]

    def _param_line(self, lines: list[str], p: Any, walked: Any, what: str) -> None:
        if walked is None:
            return
        lines.append(f"    {what} = {fmt(walked, 20)}")
        self._check(what, walked, _tape_grad(p))

    def _linear_lines(self, lines: list[str], g: Any, lin: tuple, arriving: tuple, grads: dict,
                      L: str) -> None:
        W, b = lin
        out, delta = arriving
        z = g.inputs[0]
        k = self._k(out)
        dk = f"δ{k}"
        Z = np.asarray(_raw(z.data), dtype=np.float64)
        D = np.asarray(_raw(delta), dtype=np.float64)
        lines.append(f"    {dk} = ∂{L}/∂{self.name(out)} = {fmt(D)}")
        self._check(dk, D, _tape_grad(out))
        batch = D.ndim == 2
        over = f"   (Σ over the {D.shape[0]} samples)" if batch else ""
        dW = D.T @ Z if batch else np.outer(D, Z)
        lines.append(f"    ∂{L}/∂{self.name(W)} = {dk}ᵀ {self.name(z)} = {fmt(dW, 20)}{over}")
        self._check(f"∂{L}/∂{self.name(W)}", dW, _tape_grad(W))
        if b is not None:
            db = D.sum(axis=0) if batch else D
            lines.append(f"    ∂{L}/∂{self.name(b)} = Σ {dk} = {fmt(db, 20)}")
            self._check(f"∂{L}/∂{self.name(b)}", db, _tape_grad(b))
        if z.inputs:  # passed down to the layer below: W_kᵀ δ_k, as rows δ_k W_k
            back = D @ np.asarray(_raw(W.data), dtype=np.float64)
            lines.append(f"    ∂{L}/∂{self.name(z)} = {dk} {self.name(W)} = {fmt(back)}"
                         f"   (W{k}ᵀ {dk}, for the layer below)")
            self._check(f"∂{L}/∂{self.name(z)}", back, grads.get(id(z)))

    def _activation_lines(self, lines: list[str], g: Any, arriving: tuple, grads: dict, L: str,
                          gi: int) -> None:
        from .tape import local_derivatives

        out, gz = arriving
        v = g.ops[0]
        a = g.inputs[0]
        k = self._k(out)
        k1 = str(int(k) + 1) if k.isdigit() else f"{k}+1"
        fprime = local_derivatives(v)[0]
        formula = getattr(v.rule, "formula", ())
        shown = formula[0].format(x=self.name(a), y="", out=self.name(out)) if isinstance(
            formula, (tuple, list)) and formula else "f′"
        later = self.groups.groups[gi + 1] if gi + 1 < len(self.groups.groups) else None
        lin = _linear_params(later, self.names) if later is not None and later.scope is not None else None
        came = f" = W{k1}ᵀ δ{k1}" if lin is not None else ""
        lines.append(f"    ∂{L}/∂{self.name(out)}{came} = {fmt(gz)}")
        lines.append(f"    f'{k}({self.name(a)}) = {shown} = {fmt(fprime)}")
        delta = np.asarray(_raw(fprime), dtype=np.float64) * np.asarray(_raw(gz), dtype=np.float64)
        paren = f"(W{k1}ᵀ δ{k1})" if lin is not None else f"∂{L}/∂{self.name(out)}"
        lines.append(f"    δ{k} = f'{k} ⊙ {paren} = {fmt(delta)}")
        self._check(f"δ{k}", delta, _tape_grad(a))

    def _neurons(self, g: Any) -> list[tuple[Any, Any]]:
        """(activation record a_j, output z_j or None) of each neuron call in a layer of neurons
        (one ``weighted_sum`` record, maybe followed by its elementwise activation), else []."""
        from .tape import local_derivatives

        if g.scope is None or not g.scope.children:
            return []
        found = []
        for child in g.scope.children:
            ops = [v for v in g.ops if child.contains(v.seq)]
            if not ops or ops[0].op != "weighted_sum" or len(ops) > 2:
                return []
            act = ops[1] if len(ops) == 2 else None
            if act is not None and (act.inputs != (ops[0],) or local_derivatives(act) is None):
                return []
            found.append((ops[0], act))
        return found

    def _neuron_lines(self, lines: list[str], ws: Any, act: Any, grads: dict, L: str) -> None:
        """The slide's neuron: δ_j = f'(a_j) · ∂L/∂z_j, ∂L/∂w_ji = δ_j z_i, ∂L/∂b_j = δ_j."""
        from .tape import local_derivatives

        out = act if act is not None else ws
        g_out = grads.get(id(out), 0.0)
        if act is not None:
            fp = local_derivatives(act)[0]
            delta = fp * g_out
            lines.append(f"    {self.name(out)}: δ = f'(a) · ∂{L}/∂{self.name(out)} = {_num(fp)} · "
                         f"{_paren(_num(g_out))} = {_num(delta)}")
        else:
            delta = g_out
            lines.append(f"    {self.name(out)}: δ = ∂{L}/∂{self.name(out)} = {_num(delta)}")
        b, rest = ws.inputs[0], ws.inputs[1:]
        n = len(rest) // 2
        parts = []
        for w, z in zip(rest[:n], rest[n:]):
            if self.names.role(w) == "parameter":
                dw = delta * float(_raw(z.data))
                parts.append(f"∂{L}/∂{self.name(w)} = δ·{_paren(self.name(z))} = {_num(dw)}")
                self._check(f"∂{L}/∂{self.name(w)}", dw, _tape_grad(w))
        if self.names.role(b) == "parameter":
            parts.append(f"∂{L}/∂{self.name(b)} = δ = {_num(delta)}")
            self._check(f"∂{L}/∂{self.name(b)}", delta, _tape_grad(b))
        lines.extend(f"        {p}" for p in parts)

    def _k(self, node: Any) -> str:
        """The layer index k the lecture writes, from the node's name a_k / z_k (else its name)."""
        name = self.name(node)
        return name[1:] if name[:1] in "az" and name[1:].isdigit() else f"({name})"

    # --- text and HTML -----------------------------------------------------------------------------
    def inputs_text(self) -> str:
        return ", ".join(f"{self.name(x)} = {fmt(x.data)}" for x in self.groups.outside_leaves()
                         if not self.names.is_constant(x))

    def __str__(self) -> str:
        verdict = ("every δ and gradient agrees with the tape" if self.passed
                   else "some numbers DIFFER from the tape")
        head = [f"layer walk of {self.name(self.root)} (depth {self.depth}): "
                f"{len(self.groups.groups)} steps forward, then backward; {verdict}"]
        return "\n".join(head + [str(s) for s in self.steps])

    __repr__ = __str__

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i: int) -> Any:
        return self.steps[i]

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """The widget: the module-level drawing, the current step's text, Previous/Next buttons."""
        from .draw import _new_drawing
        from .module_view import module_drawing
        from .step_html import walk_html

        def graph(pid: str) -> tuple:
            return module_drawing(self.root, self.depth, _new_drawing("TB"), pid, self.groups)

        return walk_html(self, graph, side=True)

    def save_html(self, path: Any) -> None:
        from .step_html import save_page

        save_page(self, path)
