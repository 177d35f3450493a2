"""Gradient checking: compare what backward() computes with finite differences.

The lecture's slide "o the optimizer" approximates a derivative by a difference quotient:

    forward   f'(x) ≈ (f(x + h) - f(x)) / h            error O(h)
    backward  f'(x) ≈ (f(x) - f(x - h)) / h            error O(h)
    central   f'(x) ≈ (f(x + h) - f(x - h)) / (2h)     error O(h²)

``numerical_grad`` applies one of them to every number of every input (a ``Value``'s float, each
element of a ``Tensor``'s array, or a plain float/ndarray), ``gradcheck`` compares the result with
the gradients ``backward()`` leaves in ``.grad``, element by element, as
``|analytic - numeric| <= atol + rtol * |numeric|`` (PyTorch's test and defaults).

Both call ``f(*inputs)``. Inputs are perturbed in place and restored bit for bit afterwards; their
``.grad`` is saved and put back, so a check leaves them exactly as they were.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks as C
from .tape import enable_grad, input_grads, local_derivatives, no_grad

METHODS = ("forward", "backward", "central")



def _text_table(title: str, header: list, rows: list) -> str:
    """A title line, then the rows in columns aligned to their widest cell."""
    rows = [header, *rows]
    widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
    lines = [title] + ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)

class GradcheckError(RuntimeError):
    """Analytic and numeric gradients disagree; ``.report`` holds the full comparison."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(f"backward() disagrees with finite differences:\n{report!r}")
        self.report = report


# --- numerical gradients ------------------------------------------------------------------------


def _numbers(x: Any) -> Any:
    """The float or array inside a Value/Tensor, or x itself (an ndarray's .data is a raw buffer)."""
    return x if isinstance(x, (np.ndarray, float, int)) else getattr(x, "data", x)


def _is_array_like(x: Any) -> bool:
    """True for inputs whose numbers live in an ndarray (a Tensor, or an ndarray itself)."""
    return isinstance(x, np.ndarray) or isinstance(getattr(x, "data", None), np.ndarray)


def _output_numbers(out: Any) -> Any:
    """f's output as a float, or as a float64 array when it is an array/Tensor."""
    d = _numbers(out)
    return np.array(d, dtype=np.float64) if isinstance(d, np.ndarray) else float(d)


def _weigh(q: Any, w: Any) -> float:
    """One number from a difference quotient of the outputs: itself, or Σ w · q for an array.

    The quotient is taken output by output before weighing, so each output's change is resolved
    against its own size, not against the size of their sum.
    """
    if w is None:
        if np.size(q) != 1:
            raise ValueError(
                f"f returned an output of shape {np.shape(q)}; a gradient needs one number: pass "
                "grad_output= (the ∂L/∂output to weight it with, as backward(gradient) takes)")
        return float(np.reshape(q, ()))
    return float(np.sum(np.asarray(w, dtype=np.float64) * q))


def numerical_grad(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                   method: str = "central", grad_output: Any = None) -> list[Any]:
    """Finite-difference gradient of ``f(*inputs)`` with respect to each input.

    ``eps`` is the absolute step h; ``method`` is "forward", "backward" or "central". Returns one
    gradient per input: a float for a ``Value`` or a float, a float64 array of the input's shape for
    a ``Tensor`` or an ndarray. ``f`` must return one number (a ``Value``, a size-1 ``Tensor``, a
    float); for a larger output pass ``grad_output`` and the gradient of Σ grad_output · f(...) is
    taken, which is what ``backward(grad_output)`` computes.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    C.function("numerical_grad", "f", f, "pass the function itself, e.g. lambda x: (x * x).sum()")
    if not eps > 0:
        raise ValueError(f"eps must be a positive step, not {eps!r}")
    args = list(inputs)
    w = _numbers(grad_output)

    def value() -> Any:
        return _output_numbers(f(*args))

    grads: list[Any] = []
    # The evaluations only need numbers: no records (faster, and nothing lands on a user's Tape).
    with no_grad():
        base = None if method == "central" else value()
        for i, x in enumerate(args):
            if _is_array_like(x):
                grads.append(_array_grad(value, x, eps, method, base, w))
            else:
                grads.append(_weigh(_scalar_grad(value, args, i, eps, method, base), w))
    return grads


def _quotient(plus: Any, minus: Any, base: Any, eps: float, method: str) -> Any:
    """The slide's difference quotient, on numbers or elementwise on output arrays."""
    if method == "central":
        return (plus - minus) / (2.0 * eps)
    if method == "forward":
        return (plus - base) / eps
    return (base - minus) / eps


def _scalar_grad(value: Callable[[], Any], args: list, i: int, eps: float, method: str,
                 base: Any) -> Any:
    x = args[i]
    holder = x if hasattr(x, "data") else None  # a Value is perturbed in place, a float replaced
    x0 = holder.data if holder is not None else float(x)

    def at(v: float) -> Any:
        if holder is not None:
            holder.data = v
        else:
            args[i] = v
        return value()

    try:
        plus = at(x0 + eps) if method != "backward" else None
        minus = at(x0 - eps) if method != "forward" else None
    finally:
        if holder is not None:
            holder.data = x0
        else:
            args[i] = x
    return _quotient(plus, minus, base, eps, method)


def _array_grad(value: Callable[[], Any], x: Any, eps: float, method: str, base: Any,
                w: Any) -> np.ndarray:
    arr = x if isinstance(x, np.ndarray) else x.data
    if not arr.flags.writeable:
        raise ValueError("numerical_grad perturbs an input's array in place; this one is read-only")
    if arr.dtype != np.float64:
        warnings.warn(f"numerical_grad on a {arr.dtype} array: a step of {eps} is lost in its "
                      "rounding; check gradients in float64", stacklevel=3)
    grad = np.zeros(arr.shape, dtype=np.float64)
    for idx in np.ndindex(arr.shape):
        x0 = arr[idx].copy()  # a numpy scalar of the array's dtype: restoring it is exact
        try:
            plus = minus = None
            if method != "backward":
                arr[idx] = x0 + eps
                plus = value()
            if method != "forward":
                arr[idx] = x0 - eps
                minus = value()
        finally:
            arr[idx] = x0
        grad[idx] = _weigh(_quotient(plus, minus, base, eps, method), w)
    return grad


# --- the report ---------------------------------------------------------------------------------


@dataclass
class InputCheck:
    """One input's comparison. For an array input ``abs_err``/``rel_err`` are the largest over its
    elements, and ``worst`` is the index of the element furthest beyond its tolerance."""

    name: str
    analytic: Any
    numeric: Any
    abs_err: float
    rel_err: float
    passed: bool
    worst: tuple | None = None

    def cells(self) -> list[str]:
        """The row as the table shows it: an array input shows its worst element."""
        if self.worst is None:
            return [self.name, _num(self.analytic), _num(self.numeric), _num(self.abs_err),
                    _num(self.rel_err), "ok" if self.passed else "FAIL"]
        a, n = float(self.analytic[self.worst]), float(self.numeric[self.worst])
        err = abs(a - n)
        rel = 0.0 if err == 0 else (err / abs(n) if n else math.inf)
        name = f"{self.name} {np.shape(self.analytic)} worst at {list(self.worst)}"
        return [name, _num(a), _num(n), _num(err), _num(rel), "ok" if self.passed else "FAIL"]


def _num(x: Any) -> str:
    return f"{float(x):.6g}"


class _Report:
    """A list of checks: truthy when all pass; a text table as repr, an HTML table in Jupyter."""

    HEADER: list[str] = []

    def __init__(self, checks: list, eps: float, atol: float, rtol: float) -> None:
        self.checks = checks
        self.eps, self.atol, self.rtol = eps, atol, rtol

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def first_failure(self) -> Any:
        return next((c for c in self.checks if not c.passed), None)

    def __bool__(self) -> bool:
        return self.passed

    def __len__(self) -> int:
        return len(self.checks)

    def __getitem__(self, i: int) -> Any:
        return self.checks[i]

    def __iter__(self) -> Iterator:
        return iter(self.checks)

    def title(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return _text_table(self.title(), self.HEADER, [c.cells() for c in self.checks])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        first = self.first_failure
        body = []
        for c in self.checks:
            colour = "#e6f4ea" if c.passed else "#fce8e6"
            weight = "font-weight:bold;" if c is first else ""
            cells = "".join(f"<td>{html.escape(x)}</td>" for x in c.cells())
            body.append(f'<tr style="background:{colour};{weight}">{cells}</tr>')
        return (f"<div><p>{html.escape(self.title())}</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


class GradcheckReport(_Report):
    """The comparison of every input: truthy when all pass; a table as repr, HTML in Jupyter."""

    HEADER = ["input", "analytic", "numeric", "abs err", "rel err", ""]

    def __init__(self, checks: list[InputCheck], eps: float, atol: float, rtol: float,
                 method: str, culprit: OpCheck | None = None) -> None:
        super().__init__(checks, eps, atol, rtol)
        self.method = method
        self.culprit = culprit  # on a failure: the first recorded op whose backward is wrong

    def title(self) -> str:
        failed = sum(not c.passed for c in self.checks)
        verdict = "passed" if not failed else f"FAILED for {failed} of {len(self.checks)} inputs"
        text = (f"gradcheck {verdict} ({self.method} differences, eps={self.eps:g}; "
                f"ok when |analytic - numeric| <= {self.atol:g} + {self.rtol:g} * |numeric|)")
        c = self.culprit
        if c is not None:
            text += (f"\nthe first op whose backward disagrees: #{c.step} {c.op}, with respect to "
                     f"{c.input}: backward uses {c.analytic:.6g}, finite differences of its forward "
                     f"give {c.numeric:.6g}")
        return text


# --- gradcheck ----------------------------------------------------------------------------------


def _name(x: Any, i: int) -> str:
    label = getattr(x, "label", "")
    return str(label) if label else f"input {i}"


def _grad_array(g: Any, like: Any) -> Any:
    """A gradient read from ``.grad`` as a float or float64 array (None: nothing flowed, so 0)."""
    if g is None:
        return np.zeros(np.shape(like.data), dtype=np.float64)
    g = _numbers(g)  # a Value/Tensor gradient after create_graph=True holds its numbers in .data
    if isinstance(g, np.ndarray):
        return np.asarray(g, dtype=np.float64)
    return float(g)


def _analytic(f: Callable[..., Any], inputs: list, grad_output: Any) -> list[Any]:
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            x.grad = None if _is_array_like(x) else 0.0
        with enable_grad():
            out = f(*inputs)
            if not hasattr(out, "backward"):
                raise TypeError(f"gradcheck: f returned {type(out).__name__}, not a Value or Tensor "
                                "to call backward() on")
            if grad_output is None:
                out.backward()
            else:
                out.backward(grad_output)
        return [_grad_array(x.grad, x) for x in inputs]
    finally:
        for x, g in zip(inputs, saved):
            x.grad = g


def _check_inputs(inputs: list) -> None:
    for i, x in enumerate(inputs):
        if not hasattr(x, "grad") or not hasattr(x, "data"):
            raise TypeError(f"gradcheck: input {i} is a {type(x).__name__}; pass Values or Tensors "
                            "(numerical_grad alone also takes plain numbers)")
        if getattr(x, "requires_grad", True) is False:
            raise ValueError(f"gradcheck: input {i} does not require grad, so backward() gives it "
                             "no gradient; create it with requires_grad=True")
        # backward from f's output would run on into the input's own history and free it.
        if not getattr(x, "is_leaf", True):
            raise ValueError(f"gradcheck: input {i} was computed by {x.op!r}, not a leaf; pass "
                             "x.detach() (a leaf with the same numbers)")


def _compare(name: str, a: Any, n: Any, atol: float, rtol: float) -> InputCheck:
    a_arr = np.asarray(a, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    diff = np.abs(a_arr - n_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(n_arr))
    ok = bool(np.all(diff <= atol + rtol * np.abs(n_arr)))
    if a_arr.ndim == 0:
        return InputCheck(name, a, n, float(diff), float(rel), ok)
    if a_arr.size == 0:
        return InputCheck(name, a, n, 0.0, 0.0, ok)
    # the element furthest beyond its tolerance is the one a person should look at first
    excess = diff - (atol + rtol * np.abs(n_arr))
    worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(excess), np.inf, excess))),
                             a_arr.shape)
    return InputCheck(name, a, n, float(diff.max()), float(np.max(rel)), ok,
                      tuple(int(k) for k in worst))


def _check_tolerances(where: str, eps: Any, atol: Any, rtol: Any, raise_exception: Any) -> None:
    C.number(where, "eps", eps, low=0.0, low_open=True, fix="eps is the finite-difference step, e.g. 1e-6")
    C.number(where, "atol", atol, low=0.0)
    C.number(where, "rtol", rtol, low=0.0)
    C.boolean(where, "raise_exception", raise_exception)


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, method: str = "central",
              grad_output: Any = None) -> GradcheckReport:
    """Check ``backward()`` of ``f(*inputs)`` against finite differences, input by input.

    Returns a ``GradcheckReport`` (truthy when every input passes; print it for the table). On a
    mismatch it raises ``GradcheckError`` carrying the report, or with ``raise_exception=False``
    returns the falsy report. The inputs must be leaf ``Value``s/``Tensor``s; their numbers and
    ``.grad`` are left as they were. A non-scalar output is weighted with ``grad_output`` (by
    default fixed pseudo-random weights), so the whole vector-Jacobian product is checked.
    """
    inputs = list(inputs)
    C.function("gradcheck", "f", f, "pass the function itself, e.g. lambda x: (x * x).sum()")
    _check_tolerances("gradcheck", eps, atol, rtol, raise_exception)
    _check_inputs(inputs)
    if grad_output is None:
        with no_grad():
            probe = f(*inputs)
        d = _numbers(probe)
        if isinstance(d, np.ndarray) and d.size != 1:
            grad_output = np.random.default_rng(0).uniform(0.5, 1.5, size=d.shape)
    analytic = _analytic(f, inputs, grad_output)
    numeric = numerical_grad(f, inputs, eps=eps, method=method, grad_output=grad_output)
    checks = [_compare(_name(x, i), a, n, atol, rtol)
              for i, (x, a, n) in enumerate(zip(inputs, analytic, numeric))]
    report = GradcheckReport(checks, eps, atol, rtol, method)
    if not report:
        report.culprit = _first_wrong_op(f, inputs, eps, atol, rtol)
        if raise_exception:
            raise GradcheckError(report)
    return report


def _first_wrong_op(f: Callable[..., Any], inputs: list, eps: float, atol: float,
                    rtol: float) -> OpCheck | None:
    """Where ``f``'s gradient goes wrong: the first recorded op whose own backward disagrees with
    finite differences of its forward (``gradcheck_graph`` on one more recorded run of ``f``; no
    backward runs, so the inputs' ``.grad`` stay as they are). None when every op agrees (then the
    error is elsewhere, e.g. in numbers f computes outside the tape)."""
    with enable_grad():
        out = f(*inputs)
    if not hasattr(out, "inputs"):
        return None
    try:
        graph = gradcheck_graph(out, eps, atol, rtol, raise_exception=False)
    except (TypeError, ValueError, ArithmeticError, RuntimeError):  # an op it cannot replay
        return None
    return graph.first_failure


__all__ = ["GradcheckError", "GradcheckReport", "InputCheck", "gradcheck", "numerical_grad"]


# --- the whole graph, op by op ------------------------------------------------------------------
# gradcheck says *that* a gradient is wrong; gradcheck_graph says *where*. Backward multiplies the
# local derivatives of every recorded op, so one wrong op (a user's Function, say) spoils every
# gradient upstream of it. Checking each op's local derivative against finite differences of that
# op's own forward, at the numbers it saw, finds the culprit.


@dataclass
class OpCheck:
    """One input of one recorded op: backward's local derivative against finite differences."""

    step: int  # position of the op in execution order (0 = first op of the graph)
    op: str
    input: str  # the input's label, or "input 0" / "input 1"
    analytic: float
    numeric: float
    abs_err: float
    status: str  # "ok", "FAIL" or "skipped: why"

    @property
    def passed(self) -> bool:
        return self.status != "FAIL"

    def cells(self) -> list[str]:
        return [str(self.step), self.op, self.input, _num(self.analytic), _num(self.numeric),
                _num(self.abs_err), self.status]


class GraphCheckReport(_Report):
    """Every recorded op's derivatives, in execution order; ``.first_failure`` is the op to fix."""

    HEADER = ["#", "op", "input", "backward", "numeric", "abs err", ""]

    def title(self) -> str:
        ops = len({c.step for c in self.checks})
        bad = self.first_failure
        if bad is None:
            return (f"gradcheck_graph passed: the local derivatives of all {ops} ops agree with "
                    "finite differences")
        return (f"gradcheck_graph FAILED: the first wrong derivative is op #{bad.step} {bad.op}, "
                f"with respect to {bad.input}: backward uses {bad.analytic:.6g}, finite differences of "
                f"its forward give {bad.numeric:.6g}")


class _Where(dict):
    """id(op) -> its position in execution order, with the view's names of the graph's nodes."""

    names: Any = None


def _input_name(x: Any, i: int, steps: dict[int, int]) -> str:
    """A label, or the name the model gives it (a parameter's ``0.weight``, ``x``...), else where it
    came from: an earlier op, or a leaf's number."""
    label = getattr(x, "label", "")
    if label:
        return str(label)
    names = getattr(steps, "names", None)
    known = names.from_model(x) if names is not None and x in names else ""
    if known and not x.inputs and names.role(x) != "constant":
        return f"input {i} ({known})"
    if id(x) in steps:
        return f"input {i} (from #{steps[id(x)]} {x.op}{', ' + known if known else ''})"
    d = x.data
    return f"input {i} ({d:.4g})" if isinstance(d, float) else f"input {i} {tuple(np.shape(d))}"


def _constant_status(rule: Any, i: int) -> str | None:
    """How the report names an input that is a constant of its op (a constant exponent), else None."""
    if i not in getattr(rule, "constants", ()):
        return None
    formula = rule.formula[i] if isinstance(rule.formula, tuple) else ""
    return "skipped: " + (formula[formula.find("(") + 1:-1] if "(" in formula else "a constant of the op")


def _value_op_checks(step: int, v: Any, eps: float, atol: float, rtol: float,
                     steps: dict[int, int]) -> list[OpCheck]:
    """Check one Value record: its local derivatives against central differences of its forward."""
    rule = v.rule
    ins = v.inputs
    xs = [x.data for x in ins]
    local = local_derivatives(v)
    checks = []
    for i, x in enumerate(ins):
        name = _input_name(x, i, steps)
        analytic = local[i]

        def f(t: float, i: int = i) -> float:
            args = list(xs)
            args[i] = t
            return float(rule.forward(*args))

        with no_grad():
            try:
                up, mid, down = f(xs[i] + eps), f(xs[i]), f(xs[i] - eps)
            except (ArithmeticError, ValueError):  # a step leaves the op's domain (log near 0, ...)
                checks.append(OpCheck(step, v.op, name, analytic, float("nan"), 0.0,
                                      "skipped: outside the op's domain"))
                continue
        numeric = (up - down) / (2.0 * eps)
        err = abs(analytic - numeric)
        constant = _constant_status(rule, i)
        if constant:
            status = constant
        elif abs((up - mid) / eps - (mid - down) / eps) > 2 * (atol + rtol * abs(numeric)) + 1e-3:
            status = "skipped: not differentiable here (a kink)"  # relu(0), abs(0), step(0)
        else:
            status = "ok" if err <= atol + rtol * abs(numeric) else "FAIL"
        checks.append(OpCheck(step, v.op, name, analytic, numeric, err, status))
    return checks


def gradcheck_graph(out: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                    raise_exception: bool = True) -> GraphCheckReport:
    """Check the local derivative of every op recorded in ``out``'s graph, in execution order.

    Each op — built-in or a user's ``Function`` — is differentiated numerically at the numbers it
    saw, by central differences of its own forward, and compared with the derivative backward
    uses. The report lists every (op, input) pair and names the first one that is wrong; it raises
    ``GradcheckError`` carrying the report on a failure unless ``raise_exception=False``. Points
    where an op has a kink (relu or abs at 0) are skipped and say so. The graph is not changed.
    """
    from .draw import check_root
    from .names import Names
    from .step import collect

    check_root("gradcheck_graph", out)
    _check_tolerances("gradcheck_graph", eps, atol, rtol, raise_exception)
    checks: list[OpCheck] = []
    nodes, leaves = collect(out)
    steps = _Where((id(v), k) for k, v in enumerate(nodes))
    steps.names = Names(out, nodes, leaves)
    for step, v in enumerate(nodes):
        if isinstance(getattr(v, "data", None), np.ndarray):
            checks += _tensor_op_checks(step, v, eps, atol, rtol, steps)
        else:
            checks += _value_op_checks(step, v, eps, atol, rtol, steps)
    report = GraphCheckReport(checks, eps, atol, rtol)
    if not report and raise_exception:
        raise GradcheckError(report)  # type: ignore[arg-type]  # it only needs the report's repr
    return report


def _tensor_op_checks(step: int, v: Any, eps: float, atol: float, rtol: float,
                      steps: dict[int, int]) -> list[OpCheck]:
    """Check one Tensor record's vector-Jacobian product along a random direction per input.

    With a random ∂L/∂out ``g`` and a random direction ``d`` for one input, backward's answer is
    Σ vjp(g)·d and the finite difference is (L(x + εd) − L(x − εd)) / 2ε with L = Σ g·op(...): one
    number per input, two evaluations of the op, whatever its size.
    """
    ins = v.inputs
    name = v.op
    rule = v.rule
    params = v.params  # the op's other arguments (an axis, an index), as its forward takes them

    def forward(*arrays: np.ndarray) -> np.ndarray:
        return np.asarray(rule.array(*arrays, *params), dtype=np.float64)

    # a fixed seed per op, so a report is reproducible
    rng = np.random.default_rng(step)
    g = rng.normal(size=v.data.shape)
    grads = input_grads(v, g.astype(v.data.dtype))
    base = [np.asarray(x.data, dtype=np.float64) for x in ins]
    checks = []
    for i, x in enumerate(ins):
        label = _input_name(x, i, steps)
        if grads[i] is None:
            continue  # the input needs no gradient (a constant)
        d = rng.normal(size=base[i].shape)
        analytic = float(np.sum(np.asarray(getattr(grads[i], "data", grads[i]), dtype=np.float64) * d))

        def f(s: float, i: int = i, d: np.ndarray = d) -> float:
            arrays = list(base)
            arrays[i] = base[i] + s * d
            return float(np.sum(forward(*arrays) * g))

        with no_grad(), np.errstate(all="ignore"):
            up, mid, down = f(eps), f(0.0), f(-eps)
        numeric = (up - down) / (2.0 * eps)
        err = abs(analytic - numeric)
        if not np.isfinite([up, mid, down]).all():
            status = "skipped: outside the op's domain"
        elif _constant_status(rule, i):
            status = _constant_status(rule, i)
        elif abs((up - mid) / eps - (mid - down) / eps) > 2 * (atol + rtol * abs(numeric)) + 1e-3:
            status = "skipped: not differentiable here (a kink)"
        else:
            status = "ok" if err <= atol + rtol * abs(numeric) else "FAIL"
        checks.append(OpCheck(step, name, label, analytic, numeric, err, status))
    return checks


__all__ += ["GraphCheckReport", "OpCheck", "gradcheck_graph"]
