"""Toy datasets made with numpy (no download) and a minibatch loader.

Every generator takes a ``seed`` and returns ``(X, y)``: ``X`` float64 of shape (n, features), ``y``
int64 class labels of shape (n,). The same seed gives the same data on every machine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd_lite import checks as C

__all__ = ["truth_table", "xor", "two_moons", "circles", "spirals", "blobs", "train_test_split",
           "load_digits", "DataLoader", "TensorDataset"]

_GATES = {
    "and": lambda bits: all(bits),
    "or": lambda bits: any(bits),
    "nand": lambda bits: not all(bits),
    "nor": lambda bits: not any(bits),
    "xor": lambda bits: sum(bits) % 2 == 1,
    "xnor": lambda bits: sum(bits) % 2 == 0,
}


def truth_table(gate: str, n_inputs: int = 2, signed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All 2**n_inputs binary inputs and ``gate``'s output: "and", "or", "nand", "nor", "xor", "xnor".

    Rows in counting order (00, 01, 10, 11 for two inputs). ``signed=True`` gives the labels in
    {-1, 1}, as the perceptron slides write them, instead of {0, 1}.
    """
    if not isinstance(gate, str):
        raise C.invalid("truth_table", "gate", gate, f"one of {sorted(_GATES)}", exc=TypeError)
    try:
        fn = _GATES[gate.lower()]
    except KeyError:
        raise ValueError(f"unknown gate {gate!r}; choose one of {sorted(_GATES)}") from None
    # 2**20 rows is a million: more is a typo, not a truth table
    n_inputs = C.integer("truth_table", "n_inputs", n_inputs, low=1, high=20)
    C.boolean("truth_table", "signed", signed)
    X = np.array(list(itertools.product((0, 1), repeat=n_inputs)), dtype=np.float64)
    y = np.array([int(fn(tuple(int(b) for b in row))) for row in X], dtype=np.int64)
    return X, (2 * y - 1 if signed else y)


def xor(n_samples: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners of the unit square, labelled x1 XOR x2 (not linearly separable)."""
    n_samples, noise, rng = _common("xor", n_samples, noise, seed)
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n_samples, 2))
    X = corners + rng.normal(0.0, noise, size=(n_samples, 2))
    return X, (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def two_moons(n_samples: int = 200, noise: float = 0.1,
              seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), class 0 above, class 1 below."""
    n_samples, noise, rng = _common("two_moons", n_samples, noise, seed)
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    return _shuffle(X, y, rng)


def circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
            seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n_samples, noise, rng = _common("circles", n_samples, noise, seed)
    C.number("circles", "factor", factor, 0.0, 1.0, low_open=True, high_open=True,
             fix="factor is the inner circle's radius, the outer one's being 1")
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + rng.normal(0.0, noise, X.shape) if noise else X
    return _shuffle(X, y, rng)


def spirals(n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, turns: float = 1.5,
            seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (the classic hard case for a small network)."""
    n_samples, noise, rng = _common("spirals", n_samples, noise, seed)
    n_classes = C.integer("spirals", "n_classes", n_classes, low=1, high=n_samples,
                          fix="every class needs at least one point: n_classes <= n_samples")
    C.number("spirals", "turns", turns)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    Xs, ys = [], []
    for k, n in enumerate(sizes):
        r = np.linspace(0.05, 1.0, n)
        t = 2 * np.pi * (turns * r + k / n_classes) + rng.normal(0.0, noise, n) * r
        Xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(n, k, np.int64))
    return _shuffle(np.concatenate(Xs), np.concatenate(ys), rng)


def blobs(n_samples: int = 300, centers: int | Sequence[Sequence[float]] = 3, cluster_std: float = 1.0,
          n_features: int = 2, center_box: tuple[float, float] = (-10.0, 10.0),
          seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters (as scikit-learn's ``make_blobs``): ``centers`` a count or the centres."""
    where = "blobs"
    n_samples, cluster_std, rng = _common(where, n_samples, cluster_std, seed, "cluster_std")
    n_features = C.integer(where, "n_features", n_features, low=1)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = C.integer(where, "centers", centers, low=1)
        if not isinstance(center_box, (tuple, list)) or len(center_box) != 2:
            raise C.invalid(where, "center_box", center_box, "a pair (low, high)", exc=TypeError)
        lo = C.number(where, "center_box[0]", center_box[0])
        hi = C.number(where, "center_box[1]", center_box[1], low=lo)
        cs = rng.uniform(lo, hi, size=(k, n_features))
    else:
        cs = C.finite_array(where, "centers", centers, "pass a count or a list of centres, one row each",
                            dtype=np.float64)
        if cs.ndim != 2 or len(cs) == 0:
            raise C.invalid(where, "centers", centers, "a count or an array of centres of shape "
                            "(k, features), k >= 1", shown=f"of shape {cs.shape}")
        k = len(cs)
    y = np.arange(n_samples) % k
    X = cs[y] + rng.normal(0.0, cluster_std, size=(n_samples, cs.shape[1]))
    return _shuffle(X, y.astype(np.int64), rng)


def _common(where: str, n_samples: Any, noise: Any, seed: Any,
            noise_name: str = "noise") -> tuple[int, float, np.random.Generator]:
    """The arguments every generator has, checked: a count >= 1, a spread >= 0 and a seed."""
    n = C.integer(where, "n_samples", n_samples, low=1)
    s = C.number(where, noise_name, noise, low=0.0,
                 fix=f"{noise_name} is a standard deviation" if _is_negative(noise) else None)
    return n, s, np.random.default_rng(C.seed(where, "seed", seed))


def _is_negative(x: Any) -> bool:
    try:
        return bool(x < 0)
    except TypeError:
        return False


def _shuffle(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    p = rng.permutation(len(X))
    return X[p], y[p]


def train_test_split(X: np.ndarray, y: np.ndarray, test_size: float = 0.25, seed: int | None = 0,
                     stratify: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test`` from one seeded permutation (``stratify`` keeps class shares)."""
    where = "train_test_split"
    X = C.real_array(where, "X", X)
    y = C.real_array(where, "y", y)
    if X.ndim == 0 or y.ndim == 0:
        raise C.invalid(where, "X" if X.ndim == 0 else "y", X if X.ndim == 0 else y,
                        "an array with one row per example", exc=TypeError)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    test_size = C.number(where, "test_size", test_size, 0.0, 1.0, low_open=True, high_open=True,
                         fix="test_size is the share of the examples held out, e.g. 0.25")
    C.boolean(where, "stratify", stratify)
    n_test = int(np.ceil(test_size * len(X)))
    if not stratify and (n_test == 0 or n_test == len(X)):
        raise ValueError(f"{where}: test_size={test_size} of {len(X)} example(s) leaves "
                         f"{'no test' if n_test == 0 else 'no training'} example; use more data or "
                         "another test_size")
    rng = np.random.default_rng(C.seed(where, "seed", seed))
    if stratify:
        test = np.concatenate([
            idx[: int(round(test_size * len(idx)))]
            for idx in (rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y))])
        mask = np.zeros(len(X), bool)
        mask[test] = True
        train = rng.permutation(np.flatnonzero(~mask))
        test = rng.permutation(test)
    else:
        p = rng.permutation(len(X))
        n_test = int(np.ceil(test_size * len(X)))
        test, train = p[:n_test], p[n_test:]
    return X[train], X[test], y[train], y[test]


def load_digits(test_size: float = 0.25, seed: int | None = 0, scale: bool = True
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits (1797 images, shipped inside scikit-learn), split 75/25.

    ``scale`` maps the pixel values 0..16 to 0..1. Needs scikit-learn installed.
    """
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("load_digits needs scikit-learn: pip install scikit-learn") from e
    C.boolean("load_digits", "scale", scale)
    d = _load()
    X = d.data.astype(np.float64) / (16.0 if scale else 1.0)
    return train_test_split(X, d.target.astype(np.int64), test_size=test_size, seed=seed)


class TensorDataset:
    """Arrays with the same first dimension, indexed together: ``ds[i] == (X[i], y[i])``."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, e.g. TensorDataset(X, y)")
        self.arrays = tuple(_np(a) for a in arrays)
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise C.invalid("TensorDataset", f"array {i}", arrays[i], "an array with one row per example",
                                exc=TypeError)
        n = {len(a) for a in self.arrays}
        if len(n) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: the arrays differ in their first dimension ({shapes})")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, idx: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[idx] for a in self.arrays)


def _np(a: Any) -> np.ndarray:
    data = getattr(a, "data", a)
    return data if isinstance(data, np.ndarray) and data.dtype.kind in "biuf" \
        else C.real_array("TensorDataset", "array", a)


class DataLoader:
    """Minibatches of a dataset: ``for X, y in DataLoader((X, y), batch_size=32, shuffle=True, seed=0)``.

    ``dataset`` is a ``TensorDataset`` or a tuple of arrays. Batches are numpy arrays (every module
    and loss accepts them). With ``shuffle`` each epoch (each ``iter``) draws a new order from one
    generator seeded once with ``seed``, so a run is reproducible epoch after epoch.
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, seed: int | None = None,
                 drop_last: bool = False) -> None:
        where = "DataLoader"
        if isinstance(batch_size, np.ndarray) or hasattr(batch_size, "requires_grad"):
            raise C.invalid(where, "batch_size", batch_size, "an int >= 1",
                            "pass the arrays as one tuple: DataLoader((X, y), batch_size=32)", TypeError)
        batch_size = C.integer(where, "batch_size", batch_size, low=1)
        C.boolean(where, "shuffle", shuffle)
        C.boolean(where, "drop_last", drop_last)
        seed = C.seed(where, "seed", seed)
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")) or \
                isinstance(dataset, (str, bytes, dict)):
            raise C.invalid(where, "dataset", dataset, "a tuple of arrays (X, y) or a TensorDataset",
                            exc=TypeError)
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                return
            yield self.dataset[idx]
