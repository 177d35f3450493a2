"""The Value engine against finite differences, PyTorch, HIPS autograd and micrograd, op by op.

The ops and their domains come from tests/catalogue.py; every test here that reads a reference
gets it through ``require`` (a missing reference fails in CI).
"""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Tape, Value, gradcheck, no_grad
from autograd_lite import rules as R

from .catalogue import BINARY, CATALOGUE, MICROGRAD_OPS, UNARY, Op, inputs
from .conftest import require

ops = pytest.mark.parametrize("op", CATALOGUE, ids=repr)


@pytest.fixture(scope="module")
def torch():
    return require("torch")


@pytest.fixture(scope="module")
def hips():
    return require("autograd")


@pytest.fixture(scope="module")
def mg_value():
    return require("micrograd.engine").Value


def close(a: float, b: float) -> bool:
    # 1e-10 relative: libm and torch may differ in the last bits of exp/log/tanh; the absolute part
    # covers gradients computed as 1 - t² (tanh, sigmoid) where t rounds to within an ulp of 1.
    return math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-12)


def run_value(op: Op, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    vs = [Value(x) for x in xs]
    out = op.apply(*vs)
    out.backward()
    assert type(out.data) is float
    return out.data, [v.grad for v in vs]


def run_torch(T, op: Op, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    ts = [T.tensor(x, dtype=T.float64, requires_grad=True) for x in xs]
    out = op.torch(T, *ts)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in ts]


def run_hips(ag, op: Op, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    import autograd.numpy as anp

    def f(*a):
        return op.hips(anp, *a)

    return float(f(*xs)), [float(ag.grad(f, i)(*xs)) for i in range(len(xs))]


def assert_same(got: tuple[float, list[float]], ref: tuple[float, list[float]], who: str) -> None:
    (v, gs), (rv, rgs) = got, ref
    assert close(v, rv), f"value {v!r} != {who} {rv!r}"
    for i, (g, rg) in enumerate(zip(gs, rgs)):
        assert close(g, rg), f"gradient of input {i}: {g!r} != {who} {rg!r}"


# --- every op, on random inputs, against each reference -------------------------------------------


@ops
@given(data=st.data())
def test_matches_torch(op, data, torch):
    xs = data.draw(inputs(op))
    assert_same(run_value(op, xs), run_torch(torch, op, xs), "torch")


@ops
@given(data=st.data())
def test_matches_hips_autograd(op, data, hips):
    xs = data.draw(inputs(op))
    assert_same(run_value(op, xs), run_hips(hips, op, xs), "HIPS autograd")


@ops
@given(data=st.data())
def test_matches_finite_differences(op, data):
    xs = data.draw(inputs(op))
    assert gradcheck(op.apply, [Value(x) for x in xs])


@pytest.mark.parametrize("op", MICROGRAD_OPS, ids=repr)
@given(data=st.data())
def test_matches_micrograd(op, data, mg_value):
    xs = data.draw(inputs(op))
    ms = [mg_value(x) for x in xs]
    out = op.apply(*ms)
    out.backward()
    assert_same(run_value(op, xs), (out.data, [m.grad for m in ms]), "micrograd")


@ops
def test_records_its_rule(op):
    rng = np.random.default_rng(0)
    vs = [Value(d.sample(rng).item()) for d in op.domains]
    out = op.apply(*vs)
    assert out.op == op.rule
    assert not out.is_leaf
    assert all(isinstance(x, Value) for x in out.inputs)


def hessian_value(f, xs: tuple[float, ...]) -> tuple[list, list[list[float]]]:
    """Gradient and Hessian through backward(create_graph=True) and a backward of each gradient."""
    vs = [Value(x) for x in xs]
    f(*vs).backward(create_graph=True)
    grads = [v.grad for v in vs]
    rows = []
    for g in grads:
        for v in vs:
            v.grad = 0.0
        if isinstance(g, Value):
            g.backward(retain_graph=True)
            rows.append([float(v.grad) for v in vs])
        else:  # a constant gradient (e.g. of a + b): its derivatives are 0
            rows.append([0.0] * len(vs))
    return [float(g) for g in grads], rows


def hessian_torch(T, f, xs: tuple[float, ...]) -> tuple[list[float], list[list[float]]]:
    ts = tuple(T.tensor(x, dtype=T.float64, requires_grad=True) for x in xs)
    grads = T.autograd.grad(f(*ts), ts, allow_unused=True)
    H = T.autograd.functional.hessian(f, ts)
    n = len(xs)
    return ([0.0 if g is None else g.item() for g in grads],
            [[H[i][j].item() for j in range(n)] for i in range(n)])


@ops
@given(data=st.data())
def test_second_derivatives_match_torch(op, data, torch):
    xs = data.draw(inputs(op))
    # torch's pow backward returns 0 for the base when the exponent is exactly 0 (a shortcut), so
    # its mixed second derivative there is 0 instead of a^(b-1) (+ b a^(b-1) log a) = a^-1
    assume(not (op.name == "pow" and xs[1] == 0.0))
    g, H = hessian_value(op.apply, xs)
    tg, tH = hessian_torch(torch, lambda *ts: op.torch(torch, *ts), xs)
    for a, b in zip(g, tg):
        assert close(a, b)
    for row, trow in zip(H, tH):
        for a, b in zip(row, trow):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (H, tH)


def test_inlined_add_and_mul_agree_with_their_rules():
    # value.py evaluates ADD's and MUL's local derivatives inline for speed
    a, b = Value(1.25), Value(-3.5)
    assert R.ADD.local(a.data, b.data, a.data + b.data) == (1.0, 1.0)
    (a * b + a).backward()
    da, db = R.MUL.local(a.data, b.data, a.data * b.data)
    assert (a.grad, b.grad) == (da + 1.0, db)


# --- a small Hessian and one Newton step ------------------------------------------------------------


def newton_f(x, y):
    return x ** 4 / 4 + x * y + (y - 1) ** 2 + (x * y).tanh() + (x * x + 1).log() * y.exp()


def test_hessian_and_newton_step_match_torch(torch):
    xs = (0.7, -0.4)
    g, H = hessian_value(newton_f, xs)
    tg, tH = hessian_torch(torch, newton_f, xs)
    for a, b in zip(g, tg):
        assert close(a, b)
    for row, trow in zip(H, tH):
        for a, b in zip(row, trow):
            assert close(a, b)
    assert close(H[0][1], H[1][0])  # a Hessian is symmetric

    def newton(g, H):  # x - H⁻¹ g, 2x2 by Cramer's rule
        det = H[0][0] * H[1][1] - H[0][1] * H[1][0]
        return (xs[0] - (H[1][1] * g[0] - H[0][1] * g[1]) / det,
                xs[1] - (-H[1][0] * g[0] + H[0][0] * g[1]) / det)

    step, tstep = newton(g, H), newton(tg, tH)
    T = torch
    t = T.tensor(xs, dtype=T.float64)
    ref = t - T.linalg.solve(T.tensor(tH, dtype=T.float64), T.tensor(tg, dtype=T.float64))
    assert close(step[0], ref[0].item()) and close(step[1], ref[1].item())
    assert close(step[0], tstep[0]) and close(step[1], tstep[1])


def test_power_zero_has_derivative_zero_even_at_zero(torch):
    x = Value(0.0)
    y = x ** 0
    y.backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (t ** 0).backward()
    assert (y.data, x.grad) == (1.0, t.grad.item() + 0.0) == (1.0, 0.0)


def test_create_graph_through_a_power_of_a_negative_base(torch):
    # x ** 2 at x < 0: its derivative 2 * x ** 1 must stay a constant-exponent power when recorded
    g, H = hessian_value(lambda x: x ** 3, (-1.5,))
    assert g == [3 * 2.25] and H == [[6 * -1.5]]


def test_create_graph_gradients_are_values():
    x = Value(3.0)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.data == 27.0
    x.grad = 0.0
    g.backward()
    assert x.grad == 18.0  # d²/dx² x³ = 6x


# --- numbers in, numbers out ----------------------------------------------------------------------


def test_value_holds_a_python_float():
    assert type(Value(3).data) is float
    assert Value(2.5).grad == 0.0 and Value(2.5).op == "" and Value(2.5).is_leaf
    assert Value(1.0) < Value(2.0) and Value(2.0) >= 2 and Value(2.0) == 2.0


def test_numpy_scalars_become_python_floats():
    v = Value(np.float64(1.5))
    assert type(v.data) is float and type(Value(np.int64(2)).data) is float
    assert v.relu().data == 1.5 and Value(np.float32(-2.0)).abs().data == 2.0
    w = Value(1.0)
    w.data = np.float64(-0.5)  # assigned by a user, as micrograd's demo does with p.data -= ...
    y = w.relu() + w.abs() + w.sign()
    y.backward()
    assert y.data == -0.5 and w.grad == -1.0


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1 + 2j, object()], ids=lambda v: type(v).__name__)
def test_non_number_is_a_type_error(bad):
    with pytest.raises(TypeError):
        Value(bad)
    with pytest.raises(TypeError):
        Value(1.0) + bad


def test_value_exponent_and_reflected_forms():
    a, b = Value(2.0), Value(3.0)
    out = a ** b + 2 ** a + (1 - a) * (2 * b) + 1 / a
    out.backward()
    assert out.data == 8.0 + 4.0 + (-1.0) * 6.0 + 0.5
    assert close(a.grad, 3 * 4.0 + 4.0 * math.log(2) - 6.0 - 0.25)
    assert close(b.grad, 8.0 * math.log(2.0) + 2 * (1 - 2.0))


# --- errors name the op and the value ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda: Value(1.5) / 0, ZeroDivisionError, ["division", "1.5"]),
        (lambda: Value(1.5) / Value(0.0), ZeroDivisionError, ["division", "1.5"]),
        (lambda: 2 / Value(0.0), ZeroDivisionError, ["division", "0.0"]),
        (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: Value(-2.0).log(), ValueError, ["log", "-2.0"]),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, ["pow", "0.0", "-1"]),
        (lambda: Value(0.0) ** -2.5, ZeroDivisionError, ["pow", "0.0", "-2.5"]),
        (lambda: Value(-1.0).sqrt(), ValueError, ["sqrt", "-1.0"]),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, ["pow", "-8.0"]),
        (lambda: Value(-8.0) ** 0.5, ValueError, ["pow", "-8.0"]),
        (lambda: Value(-8.0) ** Value(0.5), ValueError, ["pow", "-8.0"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0"]),
        (lambda: Value(1e200) * Value(1e200), OverflowError, ["mul", "1e+200"]),
    ],
)
def test_domain_errors_name_the_op_and_value(make, exc, words):
    with pytest.raises(exc) as info:
        make()
    msg = str(info.value)
    for w in words:
        assert w in msg, msg
    assert "complex" not in type(info.value).__name__


@pytest.mark.parametrize("make", [lambda: Value(1.0) / 0, lambda: Value(-1.0).sqrt(),
                                  lambda: Value(800.0).exp(), lambda: Value(-1.0).log()])
def test_errors_are_raised_without_recording_too(make):
    with no_grad(), pytest.raises((ValueError, ArithmeticError)):
        make()


def test_never_a_complex_number_or_nan():
    for make in (lambda: Value(-8.0) ** (1 / 3), lambda: Value(-2.0) ** 1.5):
        with pytest.raises(ValueError, match="complex"):
            make()


# --- the tape and backward's semantics ---------------------------------------------------------------


@pytest.fixture
def default_recursion_limit():
    # Python's default, whatever an earlier test or library in this process set it to
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(before)


def test_million_op_chain_with_default_recursion_limit(default_recursion_limit):
    x = Value(0.5)
    y = x
    n = 1_000_000
    for _ in range(n):
        y = y + x
    y.backward()
    assert x.grad == n + 1
    del y  # a million-deep chain is freed without recursing either


def test_second_backward_without_retain_graph_names_retain_graph():
    x = Value(2.0)
    inner = x * x
    out = inner.tanh() + x
    out.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        inner.backward()


def test_retain_graph_allows_a_second_backward_and_grads_accumulate():
    x = Value(2.0)
    out = x * x * x
    out.backward(retain_graph=True)
    assert x.grad == 12.0
    out.backward()
    assert x.grad == 24.0  # leaves accumulate across calls, as in PyTorch
    x2 = Value(2.0)
    (x2 * x2).backward()
    (x2 * 3.0).backward()
    assert x2.grad == 7.0


def test_backward_with_a_seed_gradient():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_no_grad_records_nothing():
    x = Value(2.0)
    with Tape() as tape, no_grad():
        y = (x * 3.0).tanh() + x
    assert y.is_leaf and y.op == "" and y.inputs == ()
    assert len(tape) == 0
    assert close(y.data, math.tanh(6.0) + 2.0)
    z = x * 3.0  # recording resumes after the block
    assert z.op == "mul"


def test_detach_stops_the_gradient():
    x = Value(3.0)
    d = x.detach()
    assert d.is_leaf and d.data == 3.0 and d is not x
    (x * d).backward()
    assert x.grad == 3.0 and d.grad == 3.0


def test_tape_holds_the_ops_in_order_with_their_grads():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    with Tape() as tape:
        c = a * b
        d = c + a
        e = d.tanh()
    assert [r.op for r in tape.records] == ["mul", "add", "tanh"]
    assert [r.output for r in tape.records] == [c, d, e]
    assert tape.records[0].inputs == (a, b) and tape.records[1].inputs == (c, a)
    e.backward()
    t = math.tanh(d.data)
    assert close(tape.records[2].grad, 1.0)
    assert close(tape.records[1].grad, 1 - t * t) and close(tape.records[0].grad, 1 - t * t)
    assert close(a.grad, (1 - t * t) * (b.data + 1)) and close(b.grad, (1 - t * t) * a.data)


def test_drawn_graph_still_shows_after_backward():
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    c.backward()
    assert c.inputs[1] is a and c.inputs[0].inputs == (a, b)


# --- memory -------------------------------------------------------------------------------------------


def _graph(n: int) -> tuple[Value, Value]:
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = (y * 0.999).tanh() + x - 0.1
    y.backward()
    return x, y


def _count_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def test_a_dropped_graph_is_freed_at_once_without_cycles():
    _graph(100)  # warm up caches so they do not count
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        values_before = _count_values()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        x, y = _graph(20_000)
        live = tracemalloc.get_traced_memory()[0] - base
        assert _count_values() - values_before > 80_000
        del x, y
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        values_after = _count_values()
        gc.collect()
        cyclic = [o for o in gc.garbage if type(o) is Value
                  or any(type(r) is Value for r in gc.get_referents(o))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert live > 1_000_000
    assert held < 20_000, f"{held} bytes still held after the graph was dropped ({live} live)"
    assert values_after == values_before  # freed by reference counting, before any collection
    assert cyclic == []


@pytest.mark.parametrize("keep", ["output", "leaf"])
def test_what_is_kept_alive(keep):
    gc.collect()
    before = _count_values()
    x, y = _graph(1000)
    kept = y if keep == "output" else x
    del x, y
    if keep == "output":
        assert _count_values() - before > 3000  # the output keeps its whole graph
    else:
        assert _count_values() - before == 1  # a leaf keeps nothing: nothing points back to it
    del kept
    assert _count_values() == before


def test_catalogue_samples_stay_in_each_ops_domain():
    # Domain.sample is what the Tensor tests draw arrays with: it must respect gaps and bounds
    rng = np.random.default_rng(1)
    for op in UNARY + BINARY:
        for _ in range(50):
            xs = [d.sample(rng).item() for d in op.domains]
            assert all(d.contains(x) for d, x in zip(op.domains, xs)), (op, xs)
            op.apply(*[Value(x) for x in xs])


def test_a_live_chain_with_number_operands_costs_at_most_200_bytes_per_op():
    # y = y * c + c: a plain-number operand is kept as the number, not as a leaf Value (the bound
    # of the design notes: 200 bytes per op node, constants counted; about 156 on CPython 3.11)
    n = 20_000
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = Value(0.5)
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        per_op = (tracemalloc.get_traced_memory()[0] - base) / (2 * n)
    finally:
        tracemalloc.stop()
    assert per_op <= 200, f"{per_op:.0f} bytes per op node"
    assert y.inputs[1].data == 0.0001  # and the number is still there to be drawn and stepped through
