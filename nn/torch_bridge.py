"""The step across to PyTorch: modules, losses and optimizers converted to torch and back.

``model.to_torch()``, ``loss_fn.to_torch()`` and ``optimizer.to_torch(torch_model)`` land here, and so
do ``nn.from_torch(torch_module)`` and ``nn.optim.from_torch(torch_optimizer, model)``. Parameters are
copied, never shared, in their own dtype; an optimizer's state (momentum buffers, accumulators, Adam's
moments and step count) goes with it, so training continues on the other side exactly where it stopped.

PyTorch is optional: it is imported on first use, and without it these calls raise an ImportError that
says what to install. Each direction is a table keyed by class; a class that is not in it (a user's own
``Module``, a torch layer ``nn`` lacks) is an error that names it and says what to write instead.
"""

from __future__ import annotations

import inspect
import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import numpy as np

from autograd_lite import Value

from . import activations as A
from . import graph, layers, losses, optim, scalar
from .module import Module, ModuleList, Sequential

__all__ = ["to_torch", "from_torch", "optimizer_to_torch", "optimizer_from_torch", "scheduler_to_torch",
           "scheduler_from_torch", "INSTALL"]

INSTALL = "pip install -e '.[torch]' (from a checkout) or pip install 'autograd-lite[torch]'"


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(f"PyTorch is not installed, and converting to or from it needs it: {INSTALL} "
                          "installs the version the tests check against (torch 2.13)") from e
    return torch


def _torch_modules() -> Any:
    _torch()
    from . import torch_modules

    return torch_modules


# --- which torch parameter holds which of ours ---------------------------------------------------------
# Every conversion records, per torch module that holds parameters, which of our parameters each torch
# parameter holds: one Tensor, or the Values of a networks of scalars in row-major order. The optimizer
# conversions read it; keyed weakly, so a dropped torch model takes its record with it.
_LINKS: weakref.WeakKeyDictionary[Any, list[tuple[str, tuple[Any, ...]]]] = weakref.WeakKeyDictionary()


def _link(torch_module: Any, name: str, ours: Iterable[Any]) -> None:
    _LINKS.setdefault(torch_module, []).append((name, tuple(ours)))


def _copy(values: Any, dtype: Any = None) -> Any:
    """A torch tensor holding a copy of ``values``: an array's numbers, or those of a list of Values."""
    if isinstance(values, (list, tuple)):
        values = [v.data if v.__class__ is Value else v for v in values]
    return _torch().tensor(np.array(values, dtype=dtype))


def _torch_dtype(dtype: Any) -> Any:
    torch = _torch()
    return torch.float32 if dtype == np.float32 else torch.float64


def _numbers(t: Any, where: str) -> np.ndarray:
    """A copy of a torch tensor's numbers as float32 or float64 (what nn computes in)."""
    torch = _torch()
    if t.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"{where} holds {t.dtype} numbers; nn computes in float32 and float64: convert "
                        "the torch module first with .float() or .double()")
    return t.detach().cpu().numpy().copy()


def _name(where: str, obj: Any) -> str:
    """How a message names a module: its path from the converted model, and its class where that differs."""
    cls = type(obj).__name__
    return where if where == cls else f"{where} ({cls})"


def _same_mode(ours: Module, theirs: Any) -> Any:
    theirs.train(ours.training)
    return theirs


# A module that appears twice in a model (weights shared between layers) converts once, so that it stays
# shared on the other side; the record of one conversion lives while that conversion runs.
_CONVERTED: list[dict[int, tuple[Any, Any]]] = []


def _once(convert: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def once(module: Any, where: str) -> Any:
        outermost = not _CONVERTED
        if outermost:
            _CONVERTED.append({})
        try:
            done = _CONVERTED[-1]
            if id(module) not in done:
                done[id(module)] = (module, convert(module, where))  # the module kept: its id stays its own
            return done[id(module)][1]
        finally:
            if outermost:
                _CONVERTED.pop()

    return once


# --- nn -> torch ---------------------------------------------------------------------------------------
_TO_TORCH: dict[type, Callable[[Any, str], Any]] = {}


def _converts(*classes: type) -> Callable[[Callable[[Any, str], Any]], Callable[[Any, str], Any]]:
    def register(fn: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        for cls in classes:
            _TO_TORCH[cls] = fn
        return fn

    return register


def to_torch(module: Module) -> Any:
    """The ``torch.nn.Module`` that computes what ``module`` computes, with copies of its parameters.

    ``Linear``, ``Sequential``/``MLP``, ``ModuleList``, the activations, ``Dropout`` and the losses become
    their torch namesakes; ``Sign``, ``Step``, ``Perceptron``, ``McCullochPitts``, ``NeuronGraph`` become
    small modules of ``nn.torch_modules``; ``nn.scalar``'s ``MLP`` becomes the ``torch.nn.Sequential`` of
    ``Linear`` layers and activations it amounts to. A module of your own converts when it defines
    ``torch_forward(self, x)``: its forward written with torch operations.
    """
    return _convert(module, type(module).__name__)


@_once
def _convert(module: Any, where: str) -> Any:
    _torch()
    if not isinstance(module, Module):
        raise TypeError(f"to_torch: {where} is a {type(module).__name__}, not an nn.Module")
    if type(module).to_torch is not Module.to_torch:  # the class says itself how it converts
        return module.to_torch()
    for cls in type(module).__mro__:
        fn = _TO_TORCH.get(cls)
        if fn is not None and type(module).forward is cls.forward:
            return _same_mode(module, fn(module, where))
    if hasattr(module, "torch_forward"):
        return _same_mode(module, _with_torch_forward(module, where))
    raise TypeError(_cannot_carry_over(module, where))


def _cannot_carry_over(module: Module, where: str) -> str:
    cls = type(module).__name__
    if isinstance(module, A._Lambda):  # an activation given as a function: get_activation(fn)
        return (f"to_torch: {where} is the activation function {module!r}, Python code on autograd-lite "
                "Tensors, which cannot be carried over to PyTorch: use a named activation ('relu', 'tanh', "
                "...) or an nn.Module that has a torch_forward(self, x) method")
    parts = ", ".join(f"self.{n} ({type(m).__name__})" for n, m in module._modules.items())
    return (f"to_torch: {_name(where, module)} cannot be carried over to PyTorch automatically: its "
            f"forward is Python code on autograd-lite Tensors. Give {cls} a method torch_forward(self, x) "
            "that does what forward does with torch operations (x is a torch.Tensor; "
            + (f"{parts} are then the converted torch modules" if parts else "its parameters are then "
               "torch Parameters under the same names")
            + "), or define to_torch(self) returning a torch.nn.Module yourself.")


def _with_torch_forward(module: Module, where: str) -> Any:
    torch = _torch()
    tm = _torch_modules().WithTorchForward(_name(where, module),
                                           type(module).torch_forward)
    for name, p in module._parameters.items():
        tm.register_parameter(name, torch.nn.Parameter(_copy(p.data)))
        _link(tm, name, [p])
    for name, child in module._modules.items():
        tm.add_module(name, _convert(child, f"{where}.{name}"))
    for name, value in vars(module).items():  # the settings torch_forward may read (self.alpha, ...)
        if not name.startswith("_") and name != "training" and isinstance(value, (bool, int, float, str)):
            setattr(tm, name, value)
    return tm


@_converts(layers.Linear)
def _linear(m: layers.Linear, where: str) -> Any:
    torch = _torch()
    tm = torch.nn.utils.skip_init(torch.nn.Linear, m.in_features, m.out_features, bias=m.bias is not None,
                                  dtype=_torch_dtype(m.weight.data.dtype))  # skip_init: torch's RNG untouched
    with torch.no_grad():
        tm.weight.copy_(_copy(m.weight.data))
        _link(tm, "weight", [m.weight])
        if m.bias is not None:
            tm.bias.copy_(_copy(m.bias.data))
            _link(tm, "bias", [m.bias])
    return tm


@_converts(Sequential)
def _sequential(m: Sequential, where: str) -> Any:
    parts = OrderedDict((k, _convert(c, f"{where}.{k}")) for k, c in m._modules.items())
    return _torch().nn.Sequential(parts)


@_converts(ModuleList)
def _module_list(m: ModuleList, where: str) -> Any:
    return _torch().nn.ModuleList([_convert(c, f"{where}.{i}") for i, c in enumerate(m)])


# activations without settings, under the same name in torch.nn (Softplus: beta 1, threshold 20 in both)
_PLAIN_ACTIVATIONS = [c for c in (getattr(A, n, None) for n in ("Identity", "ReLU", "Tanh", "Sigmoid",
                                                                 "Softplus")) if c is not None]


@_converts(*_PLAIN_ACTIVATIONS)
def _plain_activation(m: Module, where: str) -> Any:
    return getattr(_torch().nn, type(m).__name__)()


@_converts(A.LeakyReLU)
def _leaky_relu(m: A.LeakyReLU, where: str) -> Any:
    return _torch().nn.LeakyReLU(m.negative_slope)


@_converts(A.Softmax, A.LogSoftmax)
def _softmax(m: A.Softmax, where: str) -> Any:
    return getattr(_torch().nn, type(m).__name__)(dim=m.dim)


@_converts(A.Sign, A.Step)
def _sign_step(m: Module, where: str) -> Any:
    return getattr(_torch_modules(), type(m).__name__)()


@_converts(layers.Dropout)
def _dropout(m: layers.Dropout, where: str) -> Any:
    return _torch().nn.Dropout(m.p)


@_converts(layers.Perceptron)
def _perceptron(m: layers.Perceptron, where: str) -> Any:
    tm = _torch_modules().Perceptron(_copy(m.weight.data), _copy(m.bias.data))
    _link(tm, "weight", [m.weight])
    _link(tm, "bias", [m.bias])
    return tm


@_converts(layers.McCullochPitts)
def _mcculloch_pitts(m: layers.McCullochPitts, where: str) -> Any:
    return _torch_modules().McCullochPitts(m.threshold, m.inhibitory)


_SCALAR_ACT = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus"}


def _scalar_layer(neurons: list[scalar.Neuron], where: str) -> list[Any]:
    """A layer of Value neurons as torch Linear (+ its activation): weight row i is neuron i's w."""
    torch = _torch()
    kinds = {(n.nonlin, n.activation) for n in neurons}
    if len(kinds) != 1:
        raise TypeError(f"to_torch: the neurons of {where} do not share one activation ({sorted(kinds)}), "
                        "so the layer is not a torch Linear followed by one activation")
    nonlin, act = kinds.pop()
    nin = len(neurons[0].w)
    tm = torch.nn.utils.skip_init(torch.nn.Linear, nin, len(neurons), dtype=torch.float64)
    with torch.no_grad():
        tm.weight.copy_(_copy(np.array([[w.data for w in n.w] for n in neurons], dtype=np.float64)))
        tm.bias.copy_(_copy([n.b for n in neurons]))
    _link(tm, "weight", [w for n in neurons for w in n.w])
    _link(tm, "bias", [n.b for n in neurons])
    return [tm, getattr(torch.nn, _SCALAR_ACT[act])()] if nonlin else [tm]


@_converts(scalar.MLP)
def _scalar_mlp(m: scalar.MLP, where: str) -> Any:
    parts = [p for i, layer in enumerate(m.layers)
             for p in _scalar_layer(layer.neurons, f"{where}.layers.{i}")]
    return _torch().nn.Sequential(*parts)


@_converts(scalar.Layer)
def _scalar_layer_module(m: scalar.Layer, where: str) -> Any:
    return _torch().nn.Sequential(*_scalar_layer(m.neurons, where))


@_converts(scalar.Neuron)
def _scalar_neuron(m: scalar.Neuron, where: str) -> Any:
    return _torch().nn.Sequential(*_scalar_layer([m], where))


@_converts(graph.NeuronGraph)
def _neuron_graph(g: graph.NeuronGraph, where: str) -> Any:
    names = list(g.nodes)
    index = {n: i for i, n in enumerate(names)}
    acts = []
    for n, node in g.nodes.items():
        if not isinstance(node.activation, str):
            raise TypeError(f"to_torch: node {n!r} of {where} has the Python function {node.act_name!r} as "
                            "its activation, which cannot be carried over to PyTorch; give it one of the "
                            "named activations (identity, sigmoid, tanh, relu, leaky_relu, sign, step)")
        acts.append(node.activation)
    edges = list(g.edges)
    biases = [node.bias for node in g.nodes.values() if node.bias is not None]
    tm = _torch_modules().NeuronGraph(
        names, [node.kind for node in g.nodes.values()], acts, [(index[s], index[d]) for s, d in edges],
        [index[n] for n in g.topological_order()], [index[n] for n in g.outputs],
        _copy([g.edges[e] for e in edges], np.float64), _copy(biases, np.float64))
    _link(tm, "weight", [g.edges[e] for e in edges])
    _link(tm, "bias", biases)
    return tm


def _weight(w: Any) -> Any:
    return None if w is None else _copy(np.asarray(w.data if hasattr(w, "data") else w))


@_converts(losses.L1Loss, losses.MSELoss)
def _plain_loss(m: Any, where: str) -> Any:
    return getattr(_torch().nn, type(m).__name__)(reduction=m.reduction)


@_converts(losses.HuberLoss)
def _huber(m: losses.HuberLoss, where: str) -> Any:
    return _torch().nn.HuberLoss(reduction=m.reduction, delta=m.delta)


@_converts(losses.SmoothL1Loss)
def _smooth_l1(m: losses.SmoothL1Loss, where: str) -> Any:
    return _torch().nn.SmoothL1Loss(reduction=m.reduction, beta=m.beta)


@_converts(losses.BCELoss)
def _bce(m: losses.BCELoss, where: str) -> Any:
    return _torch().nn.BCELoss(weight=_weight(m.weight), reduction=m.reduction)


@_converts(losses.BCEWithLogitsLoss)
def _bce_logits(m: losses.BCEWithLogitsLoss, where: str) -> Any:
    return _torch().nn.BCEWithLogitsLoss(weight=_weight(m.weight), reduction=m.reduction,
                                         pos_weight=_weight(m.pos_weight))


@_converts(losses.NLLLoss)
def _nll(m: losses.NLLLoss, where: str) -> Any:
    return _torch().nn.NLLLoss(weight=_weight(m.weight), ignore_index=m.ignore_index, reduction=m.reduction)


@_converts(losses.CrossEntropyLoss)
def _cross_entropy(m: losses.CrossEntropyLoss, where: str) -> Any:
    return _torch().nn.CrossEntropyLoss(weight=_weight(m.weight), ignore_index=m.ignore_index,
                                        reduction=m.reduction, label_smoothing=m.label_smoothing)


# --- torch -> nn ---------------------------------------------------------------------------------------
def from_torch(module: Any) -> Module:
    """The ``nn`` module that computes what the ``torch.nn.Module`` computes, with copies of its parameters:
    the reverse of ``to_torch`` for the same layers. A torch module with no ``nn`` counterpart is an error
    that names it."""
    return _from(module, type(module).__name__)


@_once
def _from(tm: Any, where: str) -> Module:
    torch = _torch()
    if not isinstance(tm, torch.nn.Module):
        raise TypeError(f"from_torch: {where} is a {type(tm).__name__}, not a torch.nn.Module")
    fn = _from_table().get(type(tm))
    if fn is None:
        known = sorted({c.__name__ for c in _from_table()})
        raise TypeError(f"from_torch: {where} is a {type(tm).__module__}.{type(tm).__qualname__}, which has "
                        f"no counterpart in nn (nn converts {', '.join(known)}). Convert its parts with "
                        "nn.from_torch and write an nn.Module whose forward does what its forward does")
    ours = fn(tm, where)
    return ours.train(tm.training)


def _from_linear(tm: Any, where: str) -> Module:
    w = _numbers(tm.weight, f"{where}.weight")
    m = layers.Linear(tm.in_features, tm.out_features, bias=tm.bias is not None, dtype=w.dtype,
                      generator=np.random.default_rng(0))  # a throwaway generator: nn's stream untouched
    m.weight.data[...] = w
    _link(tm, "weight", [m.weight])
    if tm.bias is not None:
        m.bias.data[...] = _numbers(tm.bias, f"{where}.bias")
        _link(tm, "bias", [m.bias])
    return m


def _from_sequential(tm: Any, where: str) -> Module:
    # every position, a module used twice included (named_children() lists it once)
    return Sequential(OrderedDict((k, _from(c, f"{where}.{k}")) for k, c in tm._modules.items()))


def _from_module_list(tm: Any, where: str) -> Module:
    return ModuleList([_from(c, f"{where}.{i}") for i, c in enumerate(tm)])


def _from_softmax(tm: Any, where: str) -> Module:
    if tm.dim is None:
        raise ValueError(f"from_torch: {where} is a {type(tm).__name__} without dim, whose axis PyTorch "
                         f"guesses from the input; give it one, e.g. torch.nn.{type(tm).__name__}(dim=-1)")
    return getattr(A, type(tm).__name__)(dim=tm.dim)


def _from_softplus(tm: Any, where: str) -> Module:
    if (tm.beta, tm.threshold) != (1.0, 20.0):
        raise ValueError(f"from_torch: {where} is a Softplus with beta={tm.beta}, threshold={tm.threshold}; "
                         "nn.Softplus is PyTorch's with the defaults beta=1, threshold=20")
    return A.Softplus()


def _from_dropout(tm: Any, where: str) -> Module:
    return layers.Dropout(tm.p)


def _from_perceptron(tm: Any, where: str) -> Module:
    w = _numbers(tm.weight, f"{where}.weight")
    m = layers.Perceptron(len(w))
    m.weight.data[...] = w
    m.bias.data[...] = _numbers(tm.bias, f"{where}.bias")
    _link(tm, "weight", [m.weight])
    _link(tm, "bias", [m.bias])
    return m


def _from_neuron_graph(tm: Any, where: str) -> Module:
    g = graph.NeuronGraph()
    w = _numbers(tm.weight, f"{where}.weight").astype(np.float64)
    b = iter(_numbers(tm.bias, f"{where}.bias").astype(np.float64).tolist())
    outputs = set(tm.outputs)
    for i, (name, kind, act) in enumerate(zip(tm.names, tm.kinds, tm.activations)):
        # a graph without declared outputs reads its sinks; declaring them keeps the same outputs
        kind = "output" if kind == "hidden" and i in outputs else kind
        g.add_node(name, activation=act, kind=kind) if kind == "input" else \
            g.add_node(name, activation=act, bias=next(b), kind=kind)
    for (src, dst), wi in zip(tm.edges, w.tolist()):
        g.add_edge(tm.names[src], tm.names[dst], wi)
    _link(tm, "weight", list(g.edges.values()))
    _link(tm, "bias", [node.bias for node in g.nodes.values() if node.bias is not None])
    return g


def _loss_weight(w: Any, where: str) -> np.ndarray | None:
    return None if w is None else _numbers(w, where)


def _from_loss(tm: Any, where: str) -> Module:
    cls = getattr(losses, type(tm).__name__)
    kw: dict[str, Any] = {"reduction": tm.reduction}
    for name in ("delta", "beta", "ignore_index", "label_smoothing"):
        if hasattr(tm, name):
            kw[name] = getattr(tm, name)
    for name in ("weight", "pos_weight"):
        if hasattr(tm, name):
            kw[name] = _loss_weight(getattr(tm, name), f"{where}.{name}")
    return cls(**kw)


@cache
def _from_table() -> dict[type, Callable[[Any, str], Module]]:
    torch = _torch()
    tmods = _torch_modules()
    nn_ = torch.nn
    table: dict[type, Callable[[Any, str], Module]] = {
        nn_.Linear: _from_linear, nn_.Sequential: _from_sequential, nn_.ModuleList: _from_module_list,
        nn_.Softmax: _from_softmax, nn_.LogSoftmax: _from_softmax, nn_.Dropout: _from_dropout,
        nn_.LeakyReLU: lambda tm, where: A.LeakyReLU(tm.negative_slope),
        tmods.Perceptron: _from_perceptron, tmods.NeuronGraph: _from_neuron_graph,
        tmods.McCullochPitts: lambda tm, where: layers.McCullochPitts(tm.threshold, tm.inhibitory),
    }
    for cls in _PLAIN_ACTIVATIONS:
        table[getattr(nn_, cls.__name__)] = lambda tm, where, cls=cls: cls()
    if nn_.Softplus in table:
        table[nn_.Softplus] = _from_softplus
    for name in ("Sign", "Step"):
        table[getattr(tmods, name)] = lambda tm, where, name=name: getattr(A, name)()
    for name in ("L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss",
                 "CrossEntropyLoss"):
        table[getattr(nn_, name)] = _from_loss
    return table


# --- optimizers --------------------------------------------------------------------------------------------
_OPTIMIZERS = ("SGD", "Adagrad", "RMSprop", "Adam")  # in nn.optim and torch.optim, with the same rules
_IMPLEMENTATION_ONLY = ("foreach", "fused", "capturable", "differentiable")  # torch's choice of kernels


def _step_dtype(torch: Any) -> Any:
    # what torch.optim itself uses for a step count kept on the CPU
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def optimizer_to_torch(opt: optim.Optimizer, torch_model: Any) -> Any:
    """The ``torch.optim`` optimizer over ``torch_model``'s parameters that continues ``opt`` exactly:
    the same class, parameter groups and hyper-parameters, and the same state."""
    torch = _torch()
    name = next((c.__name__ for c in type(opt).__mro__ if c.__name__ in _OPTIMIZERS
                 and getattr(optim, c.__name__, None) is c), None)
    if name is None:
        raise TypeError(f"to_torch: {type(opt).__name__} has no torch.optim counterpart "
                        f"(these do: {', '.join(_OPTIMIZERS)})")
    if not isinstance(torch_model, torch.nn.Module):
        raise TypeError(f"{type(opt).__name__}.to_torch takes the torch model it will train (what "
                        f"model.to_torch() returned), not a {type(torch_model).__name__}")
    ours = [p for g in opt.param_groups for p in g["params"]]
    holder = _holders_in_torch_model(ours, torch_model)
    tnames = {id(t): n for n, t in torch_model.named_parameters()}
    groups = []
    placed: dict[int, int] = {}
    for gi, group in enumerate(opt.param_groups):
        in_group = {id(p) for p in group["params"]}
        tparams = []
        for p in group["params"]:
            t, members = holder[id(p)]
            if id(t) not in placed:
                if not all(id(q) in in_group for q in members):
                    raise ValueError(f"to_torch: torch parameter {tnames[id(t)]!r} holds parameters of "
                                     "more than one of this optimizer's parameter groups; torch keeps one "
                                     "group per tensor")
                placed[id(t)] = gi
                tparams.append(t)
        groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": tparams})
    for t, members in {id(t): (t, m) for t, m in holder.values()}.values():
        _check_same_numbers(t, members, f"optimizer.to_torch: torch parameter {tnames[id(t)]!r}")
    topt = getattr(torch.optim, name)(groups, **opt.defaults)
    saved = topt.state_dict()
    index = {id(t): i for i, t in enumerate(t for g in topt.param_groups for t in g["params"])}
    state = {}
    for t, members in {id(t): (t, m) for t, m in holder.values()}.values():
        st = _gathered_state(opt, members, t, tnames[id(t)])
        if st:
            state[index[id(t)]] = st
    saved["state"] = state
    topt.load_state_dict(saved)
    return topt


def _holders_in_torch_model(ours: list[Any], torch_model: Any) -> dict[int, tuple[Any, tuple[Any, ...]]]:
    """For each of our parameters: (the torch parameter that holds it, everything that one holds)."""
    holder: dict[int, tuple[Any, tuple[Any, ...]]] = {}
    wanted = {id(p) for p in ours}
    for tm in torch_model.modules():
        for name, members in _LINKS.get(tm, ()):
            if all(id(q) in wanted for q in members):
                t = getattr(tm, name)
                for q in members:
                    holder.setdefault(id(q), (t, members))
    if len(holder) == len(wanted):
        return holder
    tparams = list(torch_model.parameters())
    if _same_shapes(ours, tparams):  # a torch model built by hand, in the same order
        return {id(p): (t, (p,)) for p, t in zip(ours, tparams)}
    missing = next(i for i, p in enumerate(ours) if id(p) not in holder)
    raise ValueError(f"to_torch: parameter {missing} of the optimizer (shape {np.shape(ours[missing].data)}) "
                     "is not in this torch model. Pass the module that model.to_torch() returned for the "
                     "model this optimizer trains (or a torch module containing it)")


def _same_shapes(ours: list[Any], tparams: list[Any]) -> bool:
    return len(ours) == len(tparams) and all(isinstance(p.data, np.ndarray) and p.data.shape == tuple(t.shape)
                                             for p, t in zip(ours, tparams))


def _check_same_numbers(t: Any, members: tuple[Any, ...], what: str) -> None:
    """Optimizer state belongs to the weights it was computed for: refuse to pair it with others."""
    theirs = t.detach().cpu().numpy().reshape(-1)
    mine = np.concatenate([np.ravel(p.data) for p in members]).astype(theirs.dtype)
    if mine.shape != theirs.shape or not np.array_equal(mine, theirs):
        diff = float(np.max(np.abs(mine - theirs))) if mine.shape == theirs.shape else math.inf
        raise ValueError(f"{what} does not hold the same numbers as the nn parameter(s) it stands for "
                         f"(largest difference {diff:.3g}): the optimizer's state belongs to the "
                         "weights it was computed for. Convert the model and its optimizer at the same "
                         "point of training (nn.from_torch(torch_model), or model.to_torch(), first)")


def _gathered_state(opt: optim.Optimizer, members: tuple[Any, ...], t: Any, name: str) -> dict[str, Any]:
    torch = _torch()
    states = [opt.state.get(id(p)) for p in members]
    if all(not s for s in states):
        return {}
    keys = {tuple(sorted(s)) if s else () for s in states}
    if len(keys) != 1:
        raise ValueError(f"to_torch: the parameters held by torch parameter {name!r} are at different points "
                         "of training (some have optimizer state, some have none or another kind)")
    out: dict[str, Any] = {}
    for key in keys.pop():
        vals = [s[key] for s in states]
        if key == "step":
            if len({float(v) for v in vals}) != 1:
                raise ValueError(f"to_torch: the parameters held by torch parameter {name!r} have taken "
                                 "different numbers of steps; torch counts steps per tensor")
            out[key] = torch.tensor(float(vals[0]), dtype=_step_dtype(torch))
        elif len(vals) == 1:
            out[key] = torch.tensor(np.array(vals[0])).reshape(t.shape)
        else:
            out[key] = torch.tensor(np.array([np.asarray(v).reshape(()) for v in vals])).reshape(t.shape)
    return out


def optimizer_from_torch(topt: Any, model: Any) -> Any:
    """The ``nn.optim`` optimizer over ``model``'s parameters that continues ``topt`` exactly.

    ``model`` is what ``nn.from_torch`` made of the torch model ``topt`` trains (or the model that was
    converted to it, holding the same numbers). A torch schedule and the ``nn.optim`` optimizer it will
    drive give the schedule that continues it."""
    torch = _torch()
    if isinstance(topt, torch.optim.lr_scheduler.LRScheduler):
        return scheduler_from_torch(topt, model)
    name = type(topt).__name__
    if type(topt) is not getattr(torch.optim, name, None) or name not in _OPTIMIZERS:
        raise TypeError(f"nn.optim.from_torch: {type(topt).__module__}.{type(topt).__qualname__} has no "
                        f"counterpart in nn.optim (it has {', '.join(_OPTIMIZERS)})")
    if not isinstance(model, Module):
        raise TypeError(f"nn.optim.from_torch takes the nn model the optimizer will train, not a "
                        f"{type(model).__name__}")
    cls = getattr(optim, name)
    known = [k for k in inspect.signature(cls.__init__).parameters if k not in ("self", "params")]
    if name == "Adam" and topt.defaults.get("decoupled_weight_decay"):
        raise ValueError("nn.optim.from_torch: this Adam decouples its weight decay (torch's AdamW), "
                         "which nn.optim does not have")
    tparams = [t for g in topt.param_groups for t in g["params"]]
    members = _members_in_model(tparams, model)
    names = {id(p): n for n, p in model.named_parameters()}
    for i, t in enumerate(tparams):
        held = members[id(t)]
        ours = repr(names.get(id(held[0]), "?")) + (f" and {len(held) - 1} more" if len(held) > 1 else "")
        _check_same_numbers(t, held, f"nn.optim.from_torch: the torch optimizer's parameter {i} (the model's "
                                     f"{ours})")
    groups = []
    for g in topt.param_groups:
        if g.get("decoupled_weight_decay"):
            raise ValueError("nn.optim.from_torch: a parameter group decouples its weight decay (AdamW), "
                             "which nn.optim does not have")
        group = {k: _plain(v) for k, v in g.items() if k not in _IMPLEMENTATION_ONLY
                 and k != "decoupled_weight_decay" and k != "params"}
        group["params"] = [p for t in g["params"] for p in members[id(t)]]
        groups.append(group)
    ours = cls(groups, **{k: _plain(v) for k, v in topt.defaults.items() if k in known})
    ours.state.clear()
    for t in tparams:
        st = topt.state.get(t)
        if st:
            for i, p in enumerate(members[id(t)]):
                ours.state[p] = _split_state(st, p, i, len(members[id(t)]))
    return ours


def _plain(v: Any) -> Any:
    """A torch scalar hyper-parameter (lr may be a tensor) as a Python number."""
    return v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v


def _members_in_model(tparams: list[Any], model: Module) -> dict[int, tuple[Any, ...]]:
    ours = list(model.parameters())
    own = {id(p) for p in ours}
    wanted = {id(t) for t in tparams}
    members: dict[int, tuple[Any, ...]] = {}
    for tm, links in list(_LINKS.items()):
        for name, ms in links:
            t = getattr(tm, name, None)
            if t is not None and id(t) in wanted and all(id(q) in own for q in ms):
                members.setdefault(id(t), ms)
    if len(members) == len(wanted):
        return members
    if _same_shapes(ours, tparams):
        return {id(t): (p,) for p, t in zip(ours, tparams)}
    missing = next(i for i, t in enumerate(tparams) if id(t) not in members)
    raise ValueError(f"nn.optim.from_torch: parameter {missing} of the torch optimizer (shape "
                     f"{tuple(tparams[missing].shape)}) is not a parameter of this model. Pass the model "
                     "that nn.from_torch(torch_model) returned for the torch model this optimizer trains")


def _split_state(st: dict[str, Any], p: Any, i: int, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, v in st.items():
        if v is None:
            continue
        if key == "step":
            out[key] = float(_plain(v))
            continue
        arr = v.detach().cpu().numpy()
        if n == 1:
            out[key] = np.array(arr, dtype=p.data.dtype).reshape(p.data.shape)
        else:  # one Value of a torch tensor that holds n of them
            out[key] = np.array(arr.reshape(-1)[i], dtype=np.float64)
    return out


# --- learning-rate schedules --------------------------------------------------------------------------
_SCHEDULERS = ("StepLR", "ExponentialLR")  # in nn.optim and torch.optim.lr_scheduler, the same rule


def _settings(s: Any) -> dict[str, Any]:
    if type(s).__name__ == "StepLR":
        return {"step_size": s.step_size, "gamma": s.gamma}
    return {"gamma": s.gamma}


def _check_same_lrs(ours: Any, theirs: Any, where: str) -> None:
    mine, other = [g["lr"] for g in ours.param_groups], [_plain(g["lr"]) for g in theirs.param_groups]
    if mine != other:
        raise ValueError(f"{where}: the optimizer's learning rates {other} are not the schedule's {mine}; "
                         "convert the optimizer and its schedule at the same point of training")


def scheduler_to_torch(s: optim.LRScheduler, torch_optimizer: Any) -> Any:
    """The ``torch.optim.lr_scheduler`` schedule that continues ``s`` on ``torch_optimizer`` (what
    ``optimizer.to_torch`` returned): the same rule, the same epoch, the same learning rates."""
    torch = _torch()
    name = type(s).__name__
    if name not in _SCHEDULERS or getattr(optim, name) is not type(s):
        raise TypeError(f"to_torch: {name} has no torch.optim.lr_scheduler counterpart "
                        f"(these do: {', '.join(_SCHEDULERS)})")
    if not isinstance(torch_optimizer, torch.optim.Optimizer):
        raise TypeError(f"{name}.to_torch takes the torch optimizer it will drive (what optimizer.to_torch "
                        f"returned), not a {type(torch_optimizer).__name__}")
    _check_same_lrs(s.optimizer, torch_optimizer, f"{name}.to_torch")
    for group, theirs in zip(s.optimizer.param_groups, torch_optimizer.param_groups):
        theirs.setdefault("initial_lr", group["initial_lr"])
    ts = getattr(torch.optim.lr_scheduler, name)(torch_optimizer, **_settings(s))  # epoch 0: lr unchanged
    saved = ts.state_dict()
    saved.update(last_epoch=s.last_epoch, base_lrs=list(s.base_lrs), _last_lr=s.get_last_lr())
    ts.load_state_dict(saved)
    return ts


def scheduler_from_torch(ts: Any, opt: optim.Optimizer) -> optim.LRScheduler:
    """The ``nn.optim`` schedule that continues the torch schedule ``ts`` on ``opt`` (what
    ``nn.optim.from_torch`` made of the torch optimizer ``ts`` drives)."""
    torch = _torch()
    name = type(ts).__name__
    if name not in _SCHEDULERS or type(ts) is not getattr(torch.optim.lr_scheduler, name):
        raise TypeError(f"nn.optim.from_torch: {type(ts).__module__}.{type(ts).__qualname__} has no "
                        f"counterpart in nn.optim (it has {', '.join(_SCHEDULERS)})")
    if not isinstance(opt, optim.Optimizer):
        raise TypeError(f"nn.optim.from_torch of a {name} takes the nn.optim optimizer it will drive, not a "
                        f"{type(opt).__name__}")
    _check_same_lrs(opt, ts.optimizer, "nn.optim.from_torch")
    for group, theirs in zip(opt.param_groups, ts.optimizer.param_groups):
        group.setdefault("initial_lr", _plain(theirs.get("initial_lr", theirs["lr"])))
    s = getattr(optim, name)(opt, **_settings(ts))
    s.load_state_dict({**s.state_dict(), "last_epoch": ts.last_epoch,
                       "base_lrs": [_plain(lr) for lr in ts.base_lrs],
                       "_last_lr": [_plain(lr) for lr in ts.get_last_lr()]})
    return s
