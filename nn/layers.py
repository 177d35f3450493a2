"""Layers: ``Linear``, the ``MLP`` built from it, and the lecture's historical units.

Slide "the graph: Feedforward Networks": two consecutive layers h → k compute z_k = f_k(b_k + W_k z_h).
``Linear`` is b_k + W_k z_h for a batch of row vectors (``x @ W.T + b``, W of shape (out, in) as in
PyTorch); an activation module applies f_k.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import checks as C

from . import init
from ._util import as_tensor, numbers
from .activations import get_activation
from .functional import dropout
from .module import Module, Parameter, Sequential

__all__ = ["Linear", "Dropout", "MLP", "McCullochPitts", "Perceptron", "PerceptronResult"]


class Linear(Module):
    """y = x Wᵀ + b, ``weight`` (out_features, in_features), ``bias`` (out_features,).

    Initialized as PyTorch's ``nn.Linear``: ``kaiming_uniform_(weight, a=√5)``, which is
    U(−1/√in_features, 1/√in_features), and the bias from the same range. Zero sizes are allowed, as
    in PyTorch: ``Linear(0, 3)`` has an empty weight and a zero bias, so it outputs 0 for every example.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        self.in_features = C.integer("Linear", "in_features", in_features, low=0)
        self.out_features = C.integer("Linear", "out_features", out_features, low=0)
        C.boolean("Linear", "bias", bias)
        C.generator("Linear", "generator", generator)
        dt = _float_dtype("Linear", dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        self.bias = Parameter(np.empty(out_features, dtype=dt)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Any) -> Any:
        x = as_tensor(x, "Linear")
        if x.data.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) got input of shape "
                             f"{x.data.shape}: its last dimension must be {self.in_features}")
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Dropout(Module):
    """During training, zero each element with probability ``p`` and scale the rest by 1/(1 − p);
    in ``eval()`` mode, the identity. A regularizer: no hidden unit can rely on one particular other."""

    def __init__(self, p: float = 0.5, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = C.number("Dropout", "p", p, 0.0, 1.0, high_open=True,
                          fix="p is the probability of zeroing an element")
        self.generator = C.generator("Dropout", "generator", generator)

    def forward(self, x: Any) -> Any:
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MLP(Sequential):
    """A multilayer perceptron: ``MLP([2, 16, 16, 1], activation="relu")`` is
    Linear(2, 16) → ReLU → Linear(16, 16) → ReLU → Linear(16, 1).

    The last layer has no activation (its outputs are the logits a loss expects); pass
    ``output_activation`` ("sigmoid", "softmax"…) to add one. ``dropout`` > 0 adds a ``Dropout``
    after each hidden activation.
    """

    def __init__(self, sizes: Sequence[int], activation: Any = "relu", bias: bool = True,
                 output_activation: Any = None, dropout: float = 0.0, dtype: Any = None,
                 generator: np.random.Generator | None = None) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise C.invalid("MLP", "sizes", sizes, "a list of layer sizes, e.g. [2, 16, 1]", exc=TypeError)
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {sizes}")
        sizes = [C.integer("MLP", f"sizes[{i}]", n, low=0) for i, n in enumerate(sizes)]
        C.number("MLP", "dropout", dropout, 0.0, 1.0, high_open=True)
        C.boolean("MLP", "bias", bias)
        get_activation(activation)  # a bad name fails here, before any layer is made
        mods: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            mods.append(Linear(n_in, n_out, bias=bias, dtype=dtype, generator=generator))
            if i < len(sizes) - 2:
                mods.append(get_activation(activation))
                if dropout:
                    mods.append(Dropout(dropout, generator=generator))
        if output_activation is not None:
            mods.append(get_activation(output_activation))
        super().__init__(*mods)
        self.sizes = sizes


class McCullochPitts(Module):
    """McCulloch & Pitts (1943): binary inputs, output 1 iff no inhibitory input is active and the
    number of active excitatory inputs reaches ``threshold``, else 0.

    ``inhibitory`` lists input positions with absolute veto. Called on one input vector it returns the
    int 0 or 1; on a 2-D array, one int per row. The unit has no weights: it is not learned.
    """

    def __init__(self, threshold: int, inhibitory: Sequence[int] = ()) -> None:
        super().__init__()
        self.threshold = C.integer("McCullochPitts", "threshold", threshold)
        if isinstance(inhibitory, (str, bytes)) or not hasattr(inhibitory, "__iter__"):
            raise C.invalid("McCullochPitts", "inhibitory", inhibitory, "a list of input positions",
                            exc=TypeError)
        self.inhibitory = tuple(C.integer("McCullochPitts", f"inhibitory[{i}]", j)
                                for i, j in enumerate(inhibitory))

    def forward(self, x: Any) -> Any:
        arr = C.real_array("McCullochPitts", "x", numbers(x))
        if arr.ndim == 2:
            return np.array([self.forward(row) for row in arr], dtype=np.int64)
        if arr.ndim != 1:
            raise ValueError(f"McCullochPitts takes a vector of binary inputs, got shape {arr.shape}")
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(f"McCullochPitts inputs are binary (0 or 1), got {arr.tolist()}")
        bad = [i for i in self.inhibitory if not -len(arr) <= i < len(arr)]
        if bad:
            raise IndexError(f"inhibitory input(s) {bad} out of range for {len(arr)} inputs")
        inhib = {i % len(arr) for i in self.inhibitory}
        if any(arr[i] for i in inhib):
            return 0
        excitatory = sum(int(arr[i]) for i in range(len(arr)) if i not in inhib)
        return int(excitatory >= self.threshold)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, inhibitory={self.inhibitory}"


@dataclass
class PerceptronResult:
    """What ``Perceptron.fit`` did: ``converged`` (an epoch without a mistake), the number of
    ``epochs`` run, the ``mistakes`` of each epoch, and a sentence saying so."""

    converged: bool
    epochs: int
    mistakes: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epoch(s): every example is classified correctly"
        return (f"did not converge in {self.epochs} epochs ({self.mistakes[-1]} mistake(s) in the last): "
                "the classes may not be linearly separable (XOR's are not)")

    def __bool__(self) -> bool:
        return self.converged

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"PerceptronResult(converged={self.converged}, epochs={self.epochs}, " \
               f"mistakes in the last epoch={self.mistakes[-1] if self.mistakes else None})"


class Perceptron(Module):
    """Rosenblatt's perceptron (1957): h(x) = sign(w·x + b) (slide "The Math of the Perceptron",
    where b is w_0 on a constant input x_0 = 1).

    ``fit`` applies Rosenblatt's rule: for each example the unit gets wrong (y·(w·x + b) ≤ 0, with y in
    {−1, 1}), w ← w + lr·y·x and b ← b + lr·y. Labels may be {−1, 1} or {0, 1}; ``predict`` answers in
    the set ``fit`` was given ({−1, 1} before any fit).
    """

    def __init__(self, n_inputs: int) -> None:
        super().__init__()
        self.n_inputs = C.integer("Perceptron", "n_inputs", n_inputs, low=1)
        self.weight = Parameter(np.zeros(n_inputs))
        self.bias = Parameter(np.zeros(()))
        self.classes = (-1, 1)

    def forward(self, x: Any) -> Any:
        """sign(w·x + b) as a Tensor (−1, 0 or 1; a score of exactly 0 gives 0)."""
        return (as_tensor(x, "Perceptron") @ self.weight + self.bias).sign()

    def decision_function(self, X: Any) -> np.ndarray:
        X = C.real_array("Perceptron", "X", numbers(X), dtype=np.float64)
        if X.shape[-1:] != (self.n_inputs,):
            raise ValueError(f"Perceptron({self.n_inputs}): X must have shape (n, {self.n_inputs}) or "
                             f"({self.n_inputs},), got {X.shape}")
        return X @ self.weight.data + self.bias.data

    def predict(self, X: Any) -> Any:
        """Class labels in the set given to ``fit``: positive for w·x + b > 0, negative otherwise."""
        score = self.decision_function(X)
        out = np.where(score > 0, self.classes[1], self.classes[0])
        return int(out) if out.ndim == 0 else out

    def fit(self, X: Any, y: Any, epochs: int = 100, lr: float = 1.0) -> PerceptronResult:
        """Rosenblatt's rule, one example at a time in the given order, for at most ``epochs`` passes.

        Stops at the first epoch without a mistake (``converged``); otherwise stops after ``epochs``
        and says so: it never loops forever on data that is not linearly separable.
        """
        where = "Perceptron.fit"
        epochs = C.integer(where, "epochs", epochs, low=1)
        lr = C.number(where, "lr", lr, low=0.0, low_open=True,
                      fix="Rosenblatt's rule moves towards each misclassified example by a positive step")
        X = C.finite_array(where, "X", numbers(X), dtype=np.float64)
        y = C.finite_array(where, "y", numbers(y))
        if y.ndim != 1:
            raise ValueError(f"Perceptron.fit: y must be one label per example, shape (n,), got {y.shape}")
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"Perceptron({self.n_inputs}).fit: X must have shape (n, {self.n_inputs}), "
                             f"got {X.shape}")
        if len(y) != len(X):
            raise ValueError(f"Perceptron.fit: {len(X)} examples but {len(y)} labels")
        labels = set(np.unique(y).tolist())
        if labels <= {-1, 1}:
            self.classes = (-1, 1)
            t = y.astype(np.float64)
        elif labels <= {0, 1}:
            self.classes = (0, 1)
            t = 2.0 * y - 1.0
        else:
            raise ValueError(f"Perceptron labels must be in {{-1, 1}} or {{0, 1}}, got {sorted(labels)}")
        w, b = self.weight.data, self.bias.data  # updated in place
        mistakes: list[int] = []
        for _ in range(epochs):
            m = 0
            for xi, ti in zip(X, t):
                if ti * (xi @ w + b) <= 0:
                    w += lr * ti * xi
                    b += lr * ti
                    m += 1
            mistakes.append(m)
            if m == 0:
                return PerceptronResult(True, len(mistakes), mistakes)
        return PerceptronResult(False, len(mistakes), mistakes)

    def extra_repr(self) -> str:
        return f"n_inputs={self.n_inputs}"


def _float_dtype(where: str, dtype: Any) -> Any:
    if dtype is None:
        return np.float64
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise C.invalid(where, "dtype", dtype, "None, np.float32 or np.float64", exc=TypeError)
    return dt.type
