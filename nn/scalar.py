"""Networks of ``Value``s, with micrograd's classes, signatures and random numbers.

``Neuron(nin)``, ``Layer(nin, nout)`` and ``MLP(nin, nouts)`` draw each weight with
``random.uniform(-1, 1)`` (Python's ``random``, in micrograd's order) and start every bias at 0, so
``random.seed(s)`` gives the same network as micrograd's and a micrograd notebook runs unchanged. Every
weight is one ``Value``: small networks whose every number a student can inspect, draw and step through.
They are ``nn.Module``s as well: ``state_dict``, ``save``/``load`` and the ``nn.optim`` optimizers work
on them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from autograd_lite import Value, weighted_sum
from autograd_lite import checks as C

from .module import Module

__all__ = ["Neuron", "Layer", "MLP"]

_ACT = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid}


class Neuron(Module):
    """z = f(b + Σ w_i x_i) (slide "g the graph": a_i = b_i + Σ_j w_ji z_j, z_i = f_i(a_i)).

    The activation a is one ``weighted_sum`` record, so a drawing shows the neuron as one unit and a
    network trains several times faster than with 2n separate products and sums; the numbers equal
    micrograd's ``sum(w*x, b)`` up to the order of the float additions.

    ``nonlin=False`` makes it linear; ``activation`` picks f ("relu" as micrograd, "tanh", "sigmoid").
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu") -> None:
        super().__init__()
        nin = C.integer("Neuron", "nin", nin, low=0)
        C.boolean("Neuron", "nonlin", nonlin)
        if not isinstance(activation, str) or activation not in _ACT:
            raise ValueError(f"activation {activation!r}: choose one of {sorted(_ACT)}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin
        self.activation = activation

    def forward(self, x: Sequence[Any]) -> Value:
        act = weighted_sum(self.w, x, self.b)
        return _ACT[self.activation](act) if self.nonlin else act

    def _own_parameters(self) -> Iterator[tuple[str, Any]]:
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        yield "b", self.b

    def parameters(self, recurse: bool = True) -> list[Value]:  # a list, as micrograd's
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}[self.activation]
        return f"{kind if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; a layer of one neuron returns a Value, not a list."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        super().__init__()
        C.integer("Layer", "nin", nin, low=0)
        C.integer("Layer", "nout", nout, low=1)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        for i, n in enumerate(self.neurons):
            self._modules[f"neurons.{i}"] = n

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self, recurse: bool = True) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nin → nouts[0] → … → nouts[-1]``, nonlinear on all but the last layer."""

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu") -> None:
        super().__init__()
        C.integer("MLP", "nin", nin, low=0)
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise C.invalid("MLP", "nouts", nouts, "a list of layer sizes, e.g. [16, 16, 1]", exc=TypeError)
        nouts = [C.integer("MLP", f"nouts[{i}]", n, low=1) for i, n in enumerate(nouts)]
        if not nouts:
            raise C.invalid("MLP", "nouts", nouts, "at least one layer size")
        sz = [nin] + list(nouts)
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1, activation=activation)
                       for i in range(len(nouts))]
        for i, layer in enumerate(self.layers):
            self._modules[f"layers.{i}"] = layer

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self, recurse: bool = True) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
