"""Write the backward pass yourself, then let ``check`` compare it with finite differences.

Each exercise gives an op's forward pass (on numpy arrays) and asks for its backward: a function
``backward(grad_out, *inputs, out)`` that returns ∂L/∂input for each input that needs a gradient,
where ``grad_out`` is ∂L/∂out arriving from later in the network (the δ of the lecture's
backpropagation slides) and ``out`` is the forward's result, handy for σ' = σ(1 − σ).

    from autograd_lite import exercises as ex
    ex.show("sigmoid")                  # the task, the signature, a hint
    def sigmoid_backward(grad_out, x, out):
        return grad_out * out * (1 - out)
    ex.check(sigmoid_backward)          # the name is read from the function's name

``check`` never trusts a formula: the truth is the central difference (f(x+h) − f(x−h)) / 2h of
L = Σ out · grad_out (the slide "Computing derivatives"), one input element at a time. It says which
derivative is right, which is not yet written, and which differs, by how much and where. A
``Function`` subclass (forward and backward) can be checked the same way: ``ex.check("sigmoid", MySigmoid)``.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import checks as C
from . import rules as R
from . import tensor_rules as TR

Array = np.ndarray


# The forwards and the derivatives the hints state are the registry's (rules.py); only the reference
# solutions below are written out here, on purpose, as a student would write them.
_sigmoid = R.SIGMOID.array


def _softmax(x: Array) -> Array:
    return TR.SOFTMAX.array(x, -1)


def _derivative(rule: R.Rule) -> str:
    """The entry's local derivative as the hints write it, with x the input and out the output."""
    return rule.formula[0].format(x="x", out="out")


@dataclass
class Exercise:
    """One op: its forward, which inputs need a gradient, random inputs, a hint and a solution."""

    name: str
    formula: str
    args: tuple[str, ...]  # the forward's inputs, in order
    wrt: tuple[str, ...]  # the inputs whose gradient backward returns, in order
    forward: Callable[..., Any]
    make_inputs: Callable[[np.random.Generator], tuple]
    hint: str
    solution: Callable[..., Any] = field(repr=False)

    @property
    def signature(self) -> str:
        return f"{self.name}_backward(grad_out, {', '.join(self.args)}, out)"

    def template(self) -> str:
        """A blank to copy into a notebook cell."""
        returns = ", ".join(f"d{w}" for w in self.wrt)
        shaped = f"shaped like {self.wrt[0]}" if len(self.wrt) == 1 else "each shaped like its input"
        return (f"def {self.signature}:\n"
                f'    """{self.formula}. Return {returns}, {shaped}."""\n'
                f"    raise NotImplementedError\n")


EXERCISES: dict[str, Exercise] = {}


def _exercise(name: str, formula: str, args: tuple, wrt: tuple, forward: Callable,
              make_inputs: Callable, hint: str) -> Callable:
    def register(solution: Callable) -> Callable:
        EXERCISES[name] = Exercise(name, formula, args, wrt, forward, make_inputs, hint, solution)
        return solution
    return register


def _normal(*shape: int) -> Callable[[np.random.Generator], tuple]:
    return lambda rng: (rng.normal(size=shape),)


# --- the exercises and their reference solutions --------------------------------------------------
# Each solution is the textbook formula. tests/test_exercises.py checks every one against finite
# differences, so a wrong solution here cannot hide.

@_exercise("mul", "out = a * b (elementwise)", ("a", "b"), ("a", "b"),
           R.MUL.array, lambda rng: (rng.normal(size=4), rng.normal(size=4)),
           "∂out/∂a = b and ∂out/∂b = a; multiply each by grad_out.")
def mul_backward(grad_out: Array, a: Array, b: Array, out: Array) -> tuple[Array, Array]:
    return grad_out * b, grad_out * a


@_exercise("sigmoid", "out = σ(x) = 1 / (1 + exp(-x))", ("x",), ("x",), _sigmoid, _normal(5),
           f"σ'(x) = σ(x)·(1 − σ(x)) = {_derivative(R.SIGMOID)}; multiply by grad_out.")
def sigmoid_backward(grad_out: Array, x: Array, out: Array) -> Array:
    return grad_out * out * (1.0 - out)


@_exercise("tanh", "out = tanh(x)", ("x",), ("x",), R.TANH.array, _normal(5),
           f"tanh'(x) = 1 − tanh(x)² = {_derivative(R.TANH)}; multiply by grad_out.")
def tanh_backward(grad_out: Array, x: Array, out: Array) -> Array:
    return grad_out * (1.0 - out ** 2)


@_exercise("relu", "out = max(0, x)", ("x",), ("x",), R.RELU.array,
           lambda rng: (rng.choice([-1, 1], size=6) * rng.uniform(0.1, 2.0, size=6),),
           f"relu'(x) = {_derivative(R.RELU)}, elementwise.")
def relu_backward(grad_out: Array, x: Array, out: Array) -> Array:
    return grad_out * (x > 0)


@_exercise("softmax", "out = softmax(x) = exp(x) / Σ exp(x) over the last axis", ("x",), ("x",),
           _softmax, _normal(2, 4),
           "∂out_i/∂x_j = out_i (1[i = j] − out_j), so dx = out · (grad_out − Σ_i grad_out_i out_i), "
           "the sum over the last axis (keepdims=True).")
def softmax_backward(grad_out: Array, x: Array, out: Array) -> Array:
    return out * (grad_out - (grad_out * out).sum(axis=-1, keepdims=True))


@_exercise("mse", "out = mean((pred − target)²), a number (the slide's MSE)", ("pred", "target"),
           ("pred",), lambda p, t: np.mean((p - t) ** 2),
           lambda rng: (rng.normal(size=(3, 2)), rng.normal(size=(3, 2))),
           "∂out/∂pred = 2 (pred − target) / n, where n = pred.size counts every element; "
           "grad_out is a number here.")
def mse_backward(grad_out: float, pred: Array, target: Array, out: float) -> Array:
    return grad_out * 2.0 * (pred - target) / pred.size


@_exercise("bce", "out = −mean(y·log p + (1 − y)·log(1 − p)), a number (the slide's BCE)", ("p", "y"),
           ("p",), lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
           lambda rng: (rng.uniform(0.1, 0.9, size=5), rng.integers(0, 2, size=5).astype(float)),
           "∂out/∂p = (p − y) / (p (1 − p)) / n with n = p.size; grad_out is a number here.")
def bce_backward(grad_out: float, p: Array, y: Array, out: float) -> Array:
    return grad_out * (p - y) / (p * (1.0 - p)) / p.size


@_exercise("cross_entropy", "out = mean over rows of −log softmax(z)[label], from logits z (the slide's "
           "CCE)", ("z", "labels"), ("z",),
           lambda z, labels: -np.mean(np.log(_softmax(z)[np.arange(len(labels)), labels])),
           lambda rng: (rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)),
           "dz = (softmax(z) − onehot(labels)) / number of rows; grad_out is a number here.")
def cross_entropy_backward(grad_out: float, z: Array, labels: Array, out: float) -> Array:
    dz = _softmax(z)
    dz[np.arange(len(labels)), labels] -= 1.0
    return grad_out * dz / len(labels)


@_exercise("linear", "out = x @ W.T + b, x (batch, in), W (out, in), b (out,) — nn.Linear", ("x", "W", "b"),
           ("x", "W", "b"), lambda x, W, b: x @ W.T + b,
           lambda rng: (rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=2)),
           "dx = grad_out @ W, dW = grad_out.T @ x (the slide's δ_k z_hᵀ), db = grad_out summed over "
           "the batch (axis 0): b was broadcast to every row.")
def linear_backward(grad_out: Array, x: Array, W: Array, b: Array, out: Array) -> tuple:
    return grad_out @ W, grad_out.T @ x, grad_out.sum(axis=0)


@_exercise("neuron", "out = tanh(x @ w + b), one tanh neuron over a batch: x (batch, in), w (in,), b a "
           "number", ("x", "w", "b"), ("w", "b"),
           lambda x, w, b: np.tanh(x @ w + b),
           lambda rng: (rng.normal(size=(4, 3)), rng.normal(size=3), np.array(0.3)),
           "chain rule: δ = grad_out · (1 − out²) is ∂L/∂a for a = x @ w + b; then dw = x.T @ δ and "
           "db = Σ δ.")
def neuron_backward(grad_out: Array, x: Array, w: Array, b: Array, out: Array) -> tuple:
    delta = grad_out * (1.0 - out ** 2)
    return x.T @ delta, delta.sum()


# --- checking -------------------------------------------------------------------------------------

@dataclass
class Verdict:
    """What ``check`` found for one derivative."""

    name: str  # e.g. "dx"
    ok: bool
    message: str
    max_error: float = float("nan")


@dataclass
class CheckResult:
    """The outcome of ``check``: truthy when every derivative is right; prints as a short report."""

    exercise: str
    verdicts: list[Verdict]
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)

    @property
    def passed(self) -> bool:
        return bool(self)

    def __repr__(self) -> str:
        head = (f"{self.exercise}: all {len(self.verdicts)} derivative(s) right. Well done!" if self
                else f"{self.exercise}: not there yet — look at "
                + ", ".join(v.name for v in self.verdicts if not v.ok) + ".")
        lines = [head] + [f"  {'✓' if v.ok else '✗'} {v.name}: {v.message}" for v in self.verdicts]
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self else "#b35900"
        rows = "".join(
            f"<li style='color:{'#1a7f37' if v.ok else '#b35900'}'>{'✓' if v.ok else '✗'} "
            f"<b>{html.escape(v.name)}</b>: {html.escape(v.message)}</li>" for v in self.verdicts)
        first = html.escape(repr(self).splitlines()[0])
        note = f"<div>{html.escape(self.note)}</div>" if self.note else ""
        return (f"<div style='font-family:sans-serif'><b style='color:{color}'>{first}</b>"
                f"<ul>{rows}</ul>{note}</div>")


def numerical_vjp(forward: Callable, inputs: tuple, grad_out: Any, index: int, eps: float = 1e-6) -> Array:
    """∂/∂inputs[index] of Σ forward(*inputs)·grad_out by central differences, one element at a time."""
    x = np.array(inputs[index], dtype=float)
    grad = np.zeros_like(x)
    args = list(inputs)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        args[index] = x
        up = np.sum(forward(*args) * grad_out)
        x[i] = old - eps
        down = np.sum(forward(*args) * grad_out)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _student_grads(fn: Any, ex: Exercise, inputs: tuple, out: Any, grad_out: Any) -> Any:
    """Call the student's function (or Function subclass) on copies of the inputs."""
    from .function import Function, FunctionCtx, gradients_per_input

    copies = tuple(np.array(a, copy=True) for a in inputs)
    if isinstance(fn, type) and issubclass(fn, Function):
        ctx = FunctionCtx()
        fn.forward(ctx, *copies)
        grads = gradients_per_input(fn, fn.backward(ctx, grad_out), len(ex.args))
        picked = tuple(grads[ex.args.index(w)] for w in ex.wrt)
        return picked[0] if len(picked) == 1 else picked
    return fn(grad_out, *copies, np.array(out, copy=True))


def _takes(fn: Callable, n: int) -> bool:
    """Whether ``fn`` accepts ``n`` positional arguments (a Function subclass is not judged here)."""
    if isinstance(fn, type):
        return True
    try:
        inspect.signature(fn).bind(*range(n))
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): give it the benefit of the doubt
        return True
    return True


def _describe_difference(name: str, yours: Array, truth: Array, local: Array, tol: float) -> str:
    """Where and by how much ``yours`` differs from ``truth``, with a guess at the usual slips."""
    err = np.abs(yours - truth)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    at = f" at index {tuple(int(i) for i in where)}" if where else ""
    msg = (f"differs from finite differences by up to {err.max():.3g}{at} "
           f"(yours {float(yours[where]):.6g}, expected {float(truth[where]):.6g}).")
    scale = float(np.max(np.abs(truth)))
    if scale > tol and np.allclose(yours, -truth, atol=tol, rtol=1e-3):
        msg += " It has the wrong sign."
    elif scale > tol and np.allclose(yours, local, atol=tol, rtol=1e-3):
        msg += " It looks like the local derivative alone: multiply it by grad_out (the chain rule)."
    else:
        mask = np.abs(truth) > tol
        if mask.any():
            ratio = yours[mask] / truth[mask]
            if np.allclose(ratio, ratio.flat[0], rtol=1e-4) and abs(ratio.flat[0]) > tol:
                msg += f" It is {ratio.flat[0]:.4g} times the right answer everywhere: a constant factor?"
    return msg


def check(exercise: str | Callable, backward: Callable | None = None, *, seed: int = 0,
          atol: float = 1e-6, rtol: float = 1e-4) -> CheckResult:
    """Check a backward for one exercise: ``check("sigmoid", fn)``, or ``check(sigmoid_backward)``.

    Random inputs (fixed by ``seed``) and a random ``grad_out``; the truth is the central difference of
    Σ out·grad_out. Returns a ``CheckResult`` (truthy when all derivatives are right) that reads as a
    report. ``backward`` may also be a ``Function`` subclass, whose forward and backward are both used.
    """
    if backward is None:
        if not callable(exercise):
            raise TypeError("check(name, backward) or check(backward) with a function named like "
                            "'sigmoid_backward'")
        backward = exercise
        exercise = backward.__name__.removesuffix("_backward").lower()
    if not isinstance(exercise, str):
        raise C.invalid("check", "exercise", exercise, f"an exercise's name, one of {', '.join(EXERCISES)}",
                        exc=TypeError)
    C.function("check", "backward", backward, "pass your backward function itself, without calling it")
    C.seed("check", "seed", seed)
    C.number("check", "atol", atol, low=0.0)
    C.number("check", "rtol", rtol, low=0.0)
    exercise = exercise.removesuffix("_backward")
    if exercise not in EXERCISES:
        raise KeyError(f"no exercise named {exercise!r}; the exercises are {', '.join(EXERCISES)}")
    ex = EXERCISES[exercise]
    rng = np.random.default_rng(seed)
    inputs = ex.make_inputs(rng)
    out = ex.forward(*inputs)
    grad_out = rng.normal(size=np.shape(out)) if np.ndim(out) else float(rng.uniform(0.5, 2.0))
    names = [f"d{w}" for w in ex.wrt]

    def everyone(ok: bool, message: str) -> CheckResult:
        return CheckResult(ex.name, [Verdict(n, ok, message) for n in names], f"Hint: {ex.hint}")

    try:
        # copies: an in-place slip in the student's code must not change the reference computation
        grads = _student_grads(backward, ex, inputs, out, np.array(grad_out, copy=True)
                               if np.ndim(grad_out) else grad_out)
    except NotImplementedError:
        return everyone(False, "not written yet (it raises NotImplementedError). Give it a go!")
    except Exception as e:  # a student's bug: report it kindly, with its type and message
        if isinstance(e, TypeError) and not _takes(backward, 2 + len(ex.args)):
            return everyone(False, f"it should take the arguments of {ex.signature}")
        return everyone(False, f"calling it raised {type(e).__name__}: {e}")
    if len(names) == 1 and not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if grads is None or not isinstance(grads, (tuple, list)):
        return everyone(False, f"it returned {type(grads).__name__}; return {', '.join(names)}"
                               + (" as a tuple" if len(names) > 1 else ""))
    if len(grads) != len(names):
        return everyone(False, f"it returned {len(grads)} value(s) but {len(names)} are expected: "
                               f"{', '.join(names)}, in that order")
    verdicts = []
    for name, wrt, g in zip(names, ex.wrt, grads):
        i = ex.args.index(wrt)
        truth = numerical_vjp(ex.forward, inputs, grad_out, i)
        shape = np.shape(inputs[i])
        if g is None:
            verdicts.append(Verdict(name, False, "is None: return an array shaped like "
                                                 f"{wrt} {shape} (not written yet?)"))
            continue
        try:
            g = np.asarray(g, dtype=float)
        except (TypeError, ValueError):
            verdicts.append(Verdict(name, False, f"is a {type(g).__name__}, not numbers"))
            continue
        if g.shape != shape:
            hint = " — transposed?" if g.shape == shape[::-1] and len(shape) > 1 else ""
            hint += " — summed over the batch?" if g.ndim < len(shape) else ""
            hint += " — forgot to sum over the batch?" if g.ndim > len(shape) else ""
            verdicts.append(Verdict(name, False, f"has shape {g.shape} but {wrt} has shape {shape}{hint}"))
            continue
        err = float(np.max(np.abs(g - truth))) if g.size else 0.0
        if np.allclose(g, truth, atol=atol, rtol=rtol):
            verdicts.append(Verdict(name, True, f"right (largest difference from finite differences "
                                                f"{err:.1e})", err))
        else:
            local = numerical_vjp(ex.forward, inputs, np.ones_like(grad_out), i)
            verdicts.append(Verdict(name, False, _describe_difference(name, g, truth, local, atol), err))
    ok = all(v.ok for v in verdicts)
    return CheckResult(ex.name, verdicts, "" if ok else f"Hint: {ex.hint}")


class Progress:
    """Where a student stands on every exercise (``progress(globals())``); prints as a table."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.rows = rows  # (exercise, status)

    @property
    def done(self) -> int:
        return sum(status == "right" for _, status in self.rows)

    def __repr__(self) -> str:
        width = max(len(name) for name, _ in self.rows)
        lines = [f"{self.done} of {len(self.rows)} exercises right"]
        lines += [f"  {'✓' if status == 'right' else '·'} {name.ljust(width)}  {status}"
                  for name, status in self.rows]
        return "\n".join(lines)


def progress(namespace: dict[str, Any]) -> Progress:
    """Check every ``<name>_backward`` found in ``namespace`` (pass ``globals()``)."""
    rows = []
    for name in EXERCISES:
        fn = namespace.get(f"{name}_backward")
        if fn is None:
            rows.append((name, f"not started (define {name}_backward)"))
            continue
        result = check(name, fn)
        wrong = [v for v in result.verdicts if not v.ok]
        if result:
            status = "right"
        elif all(v.message.startswith("not written yet") for v in wrong):
            status = "not written yet"
        else:
            status = "to look at: " + ", ".join(v.name for v in wrong)
        rows.append((name, status))
    return Progress(rows)


def show(exercise: str) -> None:
    """Print an exercise: what the forward computes, the signature to write, and a blank."""
    ex = EXERCISES[exercise]
    print(f"{ex.name}: {ex.formula}\nwrite {ex.signature} returning "
          f"{', '.join('d' + w for w in ex.wrt)}\n\n{ex.template()}")


def solution(exercise: str) -> Callable:
    """The reference backward of an exercise (for the teacher, or after an honest try)."""
    return EXERCISES[exercise].solution


def solution_source(exercise: str) -> str:
    """The reference backward's code, without the decorator that registers it."""
    src = inspect.getsource(EXERCISES[exercise].solution)
    return src[src.index("def "):]


def names() -> list[str]:
    return list(EXERCISES)


__all__ = ["EXERCISES", "CheckResult", "Exercise", "Progress", "check", "names", "numerical_vjp", "progress",
           "show", "solution"]
