"""g — the graph as a program: ``Module``, the base of every layer and network.

A Module owns parameters (the slide's W and B) and sub-modules, found by attribute assignment:
``self.weight = Parameter(...)`` registers a parameter, ``self.fc = Linear(...)`` a sub-module. A
parameter is a ``Tensor`` that requires grad (``Parameter(data)`` makes one; a function rather than
a subclass, so parameters run on the Tensor engine's fast paths unchanged) or, in networks of scalars,
a ``Value``.

``state_dict()`` maps dotted names to numpy arrays; ``save``/``load`` write and read them as a numpy
``.npz`` file. Loading never unpickles (``allow_pickle=False``): a file that holds a pickled object is
refused, because unpickling a file can run any code its author put in it.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd_lite import Value

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "is_parameter"]


def Parameter(data: Any, requires_grad: bool = True) -> Any:
    """A trainable Tensor: ``Tensor(data, requires_grad=True)`` (float64 unless data is float32)."""
    from autograd_lite.tensor import Tensor

    if isinstance(data, Tensor):
        data = data.data
    return Tensor(np.array(data, dtype=_float_dtype(data)), requires_grad=requires_grad)


def _float_dtype(data: Any) -> Any:
    dt = getattr(data, "dtype", None)
    return dt if dt in (np.float32, np.float64) else np.float64


def is_parameter(x: Any) -> bool:
    """A Value, or a Tensor that requires grad."""
    if x.__class__ is Value:
        return True
    return getattr(x, "requires_grad", False) is True and isinstance(getattr(x, "data", None), np.ndarray)


def _numbers(p: Any) -> np.ndarray:
    return np.array(p.data) if isinstance(p.data, np.ndarray) else np.array(p.data, dtype=np.float64)


class Module:
    """Base class: subclasses set parameters and sub-modules in ``__init__`` and define ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            if is_parameter(value) or isinstance(value, Module):
                raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called: "
                                     f"call super().__init__() first in {type(self).__name__}.__init__")
        else:
            params.pop(name, None)
            self._modules.pop(name, None)
            if is_parameter(value):
                params[name] = value
            elif isinstance(value, Module):
                self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- the parameters --------------------------------------------------------------------------
    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """``(name, parameter)`` pairs, sub-modules' names dotted (``"0.weight"``), each parameter once."""
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, p in m._own_parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mprefix}.{name}" if mprefix else name), p

    def _own_parameters(self) -> Iterator[tuple[str, Any]]:
        return iter(self._parameters.items())

    def parameters(self, recurse: bool = True) -> Iterator[Any]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        stack: list[tuple[str, Module]] = [(prefix, self)]
        seen: set[int] = set()
        while stack:  # depth first, children in order
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (e.g. to re-initialize weights)."""
        for c in self.children():
            c.apply(fn)
        fn(self)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``None`` for Tensors (as PyTorch), 0.0 for Values."""
        for p in self.parameters():
            if p.__class__ is Value:
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.data)

    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    # --- saving and loading -----------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter's numbers, copied, under its dotted name."""
        return OrderedDict((name, _numbers(p)) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> Module:
        """Copy numbers into the parameters, in place; names and shapes must match.

        A missing or unexpected key (with ``strict``), or a shape that differs, is an error naming it.
        """
        own = OrderedDict(self.named_parameters())
        keys = list(state_dict.keys())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in keys if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing key(s) {missing}")
            if unexpected:
                parts.append(f"unexpected key(s) {unexpected}")
            raise KeyError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        for name, p in own.items():
            if name not in state_dict:
                continue
            arr = np.asarray(state_dict[name])
            if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
                raise TypeError(f"load_state_dict: {name!r} holds {arr.dtype} data, not numbers")
            if p.__class__ is Value:
                if arr.size != 1:
                    raise ValueError(f"load_state_dict: {name!r} is a scalar Value here but the saved "
                                     f"array has shape {arr.shape}")
                p.data = float(arr.reshape(()))
            else:
                if arr.shape != p.data.shape:
                    raise ValueError(f"load_state_dict: shape mismatch for {name!r}: saved {arr.shape}, "
                                     f"this model has {p.data.shape}")
                p.data[...] = arr
        return self

    def save(self, path: str | os.PathLike) -> None:
        """Write ``state_dict()`` to a numpy ``.npz`` file (numbers only, no pickled objects)."""
        np.savez(path, **self.state_dict())

    def load(self, path: str | os.PathLike) -> Module:
        """Read a file written by ``save`` into this module's parameters (in place); returns the module.

        Files are opened with ``allow_pickle=False``: one that holds a pickled Python object is refused.
        """
        if not os.path.exists(path) and os.path.exists(os.fspath(path) + ".npz"):
            path = os.fspath(path) + ".npz"  # np.savez added the suffix when the file was written
        return self.load_state_dict(load_npz(path))

    # --- what a person sees -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def summary(self) -> str:
        """A table of the parameters: name, shape, number of values, and the total."""
        rows = [(name, tuple(np.shape(p.data)), int(np.size(p.data))) for name, p in self.named_parameters()]
        width = max([len(r[0]) for r in rows] + [9])
        lines = [f"{'parameter':<{width}}  {'shape':<14}  {'values':>8}"]
        lines += [f"{n:<{width}}  {str(s):<14}  {c:>8,}" for n, s, c in rows]
        lines.append(f"{'total':<{width}}  {'':<14}  {sum(r[2] for r in rows):>8,}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (or ``.npy``) file, refusing any pickled object in it."""
    refuse = (f"refusing to load {os.fspath(path)!r}: it holds a pickled Python object, and "
              "autograd-lite loads plain numeric arrays only (allow_pickle=False), because unpickling "
              "a file can run arbitrary code")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.ndarray):
            with loaded as f:
                return {k: f[k] for k in f.files}
    except ValueError as e:
        if "allow_pickle" in str(e):  # numpy's words when it meets a pickle with pickling disallowed
            raise ValueError(refuse) from None
        raise
    raise ValueError(f"{os.fspath(path)!r} holds a single array of shape {loaded.shape}, not a state dict "
                     "(write one with Module.save)")


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 3), Tanh(), Linear(3, 1))``."""

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module")
                setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module: Module) -> Sequential:
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters belong to the owner."""

    def __init__(self, modules: Any = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, idx: int) -> Module:
        return list(self._modules.values())[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
