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
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd_lite import Value
from autograd_lite import checks as C
from autograd_lite.scopes import calls as _calls
from autograd_lite.tape import next_seq as _next_seq

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "is_parameter"]


def Parameter(data: Any, requires_grad: bool = True) -> Any:
    """A trainable Tensor: ``Tensor(data, requires_grad=True)`` (float64 unless data is float32)."""
    from autograd_lite.tensor import Tensor

    if isinstance(data, Tensor):
        data = data.data
    arr = C.real_array("Parameter", "data", data, "e.g. nn.Parameter(np.zeros((3, 2)))")
    C.boolean("Parameter", "requires_grad", requires_grad)
    return Tensor(np.array(arr, dtype=_float_dtype(data)), requires_grad=requires_grad)


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
        # the ops this call makes are numbered between first and last: how a view knows which
        # module made an op, at two counter ticks per call and nothing per op
        first = _next_seq()
        out = self.forward(*args, **kwargs)
        _calls.append((self, first, _next_seq()))
        return out

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
        C.function(f"{type(self).__name__}.apply", "fn", fn)
        for c in self.children():
            c.apply(fn)
        fn(self)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``None`` for Tensors (as PyTorch), 0.0 for Values."""
        C.boolean(f"{type(self).__name__}.zero_grad", "set_to_none", set_to_none)
        for p in self.parameters():
            if p.__class__ is Value:
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.data)

    def train(self, mode: bool = True) -> Module:
        C.boolean(f"{type(self).__name__}.train", "mode", mode)
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to_torch(self) -> Any:
        """The equivalent ``torch.nn.Module``, with copies of the parameters (see ``nn.torch_bridge``).

        Needs PyTorch (``pip install -e '.[torch]'``); ``nn.from_torch`` is the way back.
        """
        from .torch_bridge import to_torch

        return to_torch(self)

    # --- saving and loading -----------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter's numbers, copied, under its dotted name."""
        return OrderedDict((name, _numbers(p)) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict: Any, strict: bool = True) -> Module:
        """Copy numbers into the parameters, in place; names and shapes must match.

        A missing or unexpected key (with ``strict``), a shape that differs, data that are not numbers
        or not finite (nan, inf) is an error naming the key. Everything is checked before the first
        parameter is written, so after an error the model is as it was.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if isinstance(state_dict, (str, os.PathLike)):
            raise C.invalid(where, "state_dict", state_dict, "a dict {name: array}",
                            "to read a file, use model.load(path)", TypeError)
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise C.invalid(where, "state_dict", state_dict, "a dict {name: array}, as state_dict() returns",
                            exc=TypeError)
        C.boolean(where, "strict", strict)
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
        writes = []
        for name, p in own.items():
            if name not in state_dict:
                continue
            arr = np.asarray(state_dict[name]) if not hasattr(state_dict[name], "requires_grad") \
                else state_dict[name].data
            if arr.dtype.kind not in "iuf":
                raise TypeError(f"load_state_dict: {name!r} holds {arr.dtype} data, not numbers")
            if p.__class__ is Value:
                if arr.size != 1:
                    raise ValueError(f"load_state_dict: {name!r} is a scalar Value here but the saved "
                                     f"array has shape {arr.shape}")
            elif arr.shape != p.data.shape:
                raise ValueError(f"load_state_dict: shape mismatch for {name!r}: saved {arr.shape}, "
                                 f"this model has {p.data.shape}")
            if not C.all_finite(arr):
                raise ValueError(f"load_state_dict: {name!r} holds {C.nonfinite(arr)}: the saved weights "
                                 "are not usable (the model diverged before it was saved?); nothing was "
                                 "loaded")
            writes.append((p, arr))
        for p, arr in writes:  # every check passed: now write
            if p.__class__ is Value:
                p.data = float(arr.reshape(()))
            else:
                p.data[...] = arr
        return self

    def save(self, path: str | os.PathLike) -> None:
        """Write ``state_dict()`` to a numpy ``.npz`` file (numbers only, no pickled objects).

        ``.npz`` is added to a name without it, as numpy does. The file is written under a temporary
        name and then renamed, so a save that fails leaves an existing file as it was.
        """
        path = C.path_like(f"{type(self).__name__}.save", "path", path)
        if not path.endswith(".npz"):
            path += ".npz"
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"{type(self).__name__}.save: there is no folder {folder!r} to write "
                                    f"{os.path.basename(path)!r} into; create it first")
        fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".npz", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **self.state_dict())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def load(self, path: str | os.PathLike) -> Module:
        """Read a file written by ``save`` into this module's parameters (in place); returns the module.

        Files are opened with ``allow_pickle=False``: one that holds a pickled Python object is refused.
        A file that is not such a file (text, empty, truncated) is an error that says so, and the whole
        file is read and checked before any parameter changes.
        """
        path = C.path_like(f"{type(self).__name__}.load", "path", path)
        if not os.path.exists(path) and os.path.exists(path + ".npz"):
            path = path + ".npz"  # np.savez added the suffix when the file was written
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


_NPZ_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (or ``.npy``) file, refusing any pickled object in it.

    Every failure is a ValueError that says what the file is (empty, text, truncated, a pickle)
    instead of numpy's or zipfile's words for it.
    """
    name = os.fspath(path)
    refuse = (f"refusing to load {name!r}: it holds a pickled Python object, and "
              "autograd-lite loads plain numeric arrays only (allow_pickle=False), because unpickling "
              "a file can run arbitrary code")
    if os.path.isdir(name):
        raise IsADirectoryError(f"cannot load {name!r}: it is a folder, not a file written by Module.save")
    if not os.path.exists(name):
        raise FileNotFoundError(f"cannot load {name!r}: there is no such file")
    with open(name, "rb") as f:
        head = f.read(8)
    if not head:
        raise ValueError(f"cannot load {name!r}: the file is empty (0 bytes), not a file written by "
                         "Module.save")
    if head.startswith(_NPY_MAGIC):
        try:
            loaded = np.load(name, allow_pickle=False)
        except ValueError as e:
            if "allow_pickle" in str(e):
                raise ValueError(refuse) from None
            raise ValueError(f"cannot load {name!r}: a damaged .npy file ({e})") from None
        raise ValueError(f"{name!r} holds a single array of shape {loaded.shape}, not a state dict "
                         "(write one with Module.save)")
    if not head.startswith(_NPZ_MAGIC):
        if head[:1] == b"\x80":  # the first byte of every pickle since protocol 2
            raise ValueError(refuse)
        kind = "a text file" if _looks_like_text(head) else "not a numpy .npz file"
        raise ValueError(f"cannot load {name!r}: it is {kind} (it begins {head!r}); Module.load reads the "
                         ".npz files that Module.save writes")
    try:
        with np.load(name, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except ValueError as e:
        if "allow_pickle" in str(e):  # numpy's words when it meets a pickle with pickling disallowed
            raise ValueError(refuse) from None
        raise ValueError(f"cannot load {name!r}: the .npz file is damaged ({e})") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise ValueError(f"cannot load {name!r}: the .npz file is truncated or damaged "
                         f"({type(e).__name__}: {e}); save it again") from None
    bad = [k for k, v in arrays.items() if not isinstance(v, np.ndarray)]
    if bad:  # numpy hands back the raw bytes of a member that is not an .npy array
        raise ValueError(f"cannot load {name!r}: the .npz file is damaged: its entries {bad} are not "
                         "numpy arrays")
    return arrays


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\t\r\n" for c in text)


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 3), Tanh(), Linear(3, 1))``."""

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                if not isinstance(name, str) or not name or "." in name:
                    raise C.invalid("Sequential", "module name", name, "a non-empty str without '.'",
                                    exc=TypeError if not isinstance(name, str) else ValueError)
                _check_module("Sequential", f"module {name!r}", m)
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    fix = ("pass the modules one by one: Sequential(*modules)" if isinstance(m, (list, tuple))
                           else "wrap a function in a Module, or use an activation such as nn.ReLU()")
                    raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}, not a Module; {fix}")
                setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module: Module) -> Sequential:
        _check_module("Sequential.append", "module", module)
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, idx: int | slice) -> Any:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return Sequential(*mods[idx])
        return mods[_position("Sequential", idx, len(mods))]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters belong to the owner."""

    def __init__(self, modules: Any = ()) -> None:
        super().__init__()
        if isinstance(modules, Module) or not hasattr(modules, "__iter__"):
            raise C.invalid("ModuleList", "modules", modules, "an iterable of Modules",
                            "pass a list: ModuleList([module])", TypeError)
        modules = list(modules)
        for i, m in enumerate(modules):
            _check_module("ModuleList", f"module {i}", m)
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        _check_module("ModuleList.append", "module", module)
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, idx: int) -> Module:
        mods = list(self._modules.values())
        return mods[_position("ModuleList", idx, len(mods))]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


def _check_module(where: str, name: str, m: Any) -> None:
    if not isinstance(m, Module):
        raise C.invalid(where, name, m, "a Module (nn.Linear(2, 3), nn.ReLU(), ...)", exc=TypeError)


def _position(where: str, idx: Any, n: int) -> int:
    i = C.integer(where, "index", idx)
    if not -n <= i < n:
        raise IndexError(f"{where}: index {i} is out of range for {n} module(s)")
    return i
