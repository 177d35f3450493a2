"""PyTorch modules for the parts of ``nn`` that PyTorch does not have: sign, step, the lecture's units.

``nn.torch_bridge`` builds them when it converts a model; this file imports torch at the top, so
only the bridge imports it, and only once torch is known to be installed. Each module computes what
its ``nn`` original computes, operation for operation, so outputs and gradients agree to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch

__all__ = ["Sign", "Step", "Perceptron", "McCullochPitts", "NeuronGraph", "WithTorchForward"]


def step(x: torch.Tensor) -> torch.Tensor:
    """1 where x > 0, else 0, with derivative 0 (``torch.heaviside`` has no derivative at all)."""
    return torch.sign(x).clamp(min=0)


class Sign(torch.nn.Module):
    """sign(a) ∈ {−1, 0, 1} (Rosenblatt's perceptron); no gradient flows through it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x)


class Step(torch.nn.Module):
    """1 if a > 0 else 0 (McCulloch–Pitts); no gradient flows through it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return step(x)


class Perceptron(torch.nn.Module):
    """sign(x·w + b), ``weight`` of shape (n_inputs,) and a scalar ``bias``, as ``nn.Perceptron``."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(weight)
        self.bias = torch.nn.Parameter(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x @ self.weight + self.bias)


class McCullochPitts(torch.nn.Module):
    """1 iff no inhibitory input is 1 and at least ``threshold`` excitatory inputs are; int64 outputs."""

    def __init__(self, threshold: int, inhibitory: Sequence[int] = ()) -> None:
        super().__init__()
        self.threshold = threshold
        self.inhibitory = tuple(inhibitory)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        inhib = torch.zeros(n, dtype=torch.bool, device=x.device)
        inhib[[i % n for i in self.inhibitory]] = True
        active = x != 0
        vetoed = (active & inhib).any(dim=-1)
        excitatory = (active & ~inhib).sum(dim=-1)
        return ((excitatory >= self.threshold) & ~vetoed).to(torch.int64)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, inhibitory={self.inhibitory}"


_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "identity": lambda a: a, "linear": lambda a: a, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
    "relu": torch.relu, "sign": torch.sign, "step": step,
    "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, 0.01),
    "softplus": torch.nn.functional.softplus,  # beta 1, threshold 20, as nn's
}


class NeuronGraph(torch.nn.Module):
    """The lecture's g = {N, E} evaluated on a batch: a_i = b_i + Σ_j w_ji z_j, z_i = f_i(a_i).

    ``weight`` holds one entry per edge and ``bias`` one per non-input node, in the order the
    ``nn.NeuronGraph`` lists them. The input is (N, inputs) (or one example of shape (inputs,)), the
    output (N, outputs): one column per output node, in order.
    """

    def __init__(self, names: Sequence[Hashable], kinds: Sequence[str], activations: Sequence[str],
                 edges: Sequence[tuple[int, int]], order: Sequence[int], outputs: Sequence[int],
                 weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.names, self.kinds, self.activations = list(names), list(kinds), list(activations)
        self.edges, self.order, self.outputs = [tuple(e) for e in edges], list(order), list(outputs)
        self.inputs = [i for i, k in enumerate(self.kinds) if k == "input"]
        self.weight = torch.nn.Parameter(weight)
        self.bias = torch.nn.Parameter(bias)
        computing = [i for i, k in enumerate(self.kinds) if k != "input"]
        self._bias_index = {node: k for k, node in enumerate(computing)}
        self._incoming: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(self.names))}
        for e, (src, dst) in enumerate(self.edges):
            self._incoming[dst].append((e, src))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        one = x.dim() == 1
        x = x.reshape(1, -1) if one else x
        if x.shape[-1] != len(self.inputs):
            raise ValueError(f"NeuronGraph has {len(self.inputs)} input node(s), got input of shape "
                             f"{tuple(x.shape)}")
        z: dict[int, torch.Tensor] = {node: x[:, k] for k, node in enumerate(self.inputs)}
        for node in self.order:
            if self.kinds[node] == "input":
                continue
            a = self.bias[self._bias_index[node]]
            for e, src in self._incoming[node]:  # the order nn.NeuronGraph adds them in
                a = a + self.weight[e] * z[src]
            z[node] = _ACTIVATIONS[self.activations[node]](a)
        out = torch.stack([z[node] for node in self.outputs], dim=-1)
        return out[0] if one else out

    def extra_repr(self) -> str:
        return f"{len(self.names)} nodes ({len(self.inputs)} input, {len(self.outputs)} output), " \
               f"{len(self.edges)} edges"


class WithTorchForward(torch.nn.Module):
    """A user's ``nn.Module`` carried over: its sub-modules converted, its parameters copied under the
    same names, its plain settings (numbers, strings) kept, and ``forward`` the ``torch_forward``
    method the user wrote on their module, run with this module as ``self``."""

    def __init__(self, name: str, torch_forward: Callable[..., Any]) -> None:
        super().__init__()
        self.converted_from = name
        self._torch_forward = torch_forward

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._torch_forward(self, *args, **kwargs)

    def extra_repr(self) -> str:
        return f"converted from {self.converted_from}"
