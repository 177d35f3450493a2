"""The scalar engine against micrograd 0.1.0, side by side in one process.

Workload: a running training loop (forward, MSE, zero grads, backward, SGD update) of an MLP
2 -> 16 -> 16 -> 1 (relu) built from scalar Values, over 100 points. The model code is written once
and run with each engine's ``Value``. The garbage collector stays on, as users run it; each rep times
``STEPS`` consecutive steps after a warm-up step, so each step pays for tearing down its predecessor's
graph (micrograd's cyclic graphs are reclaimed by the collector during later steps). Process CPU
time; the engines alternate; the ratio reported is the median of the per-rep ratios, with their
quartiles (half of the reps fall between them).

Then memory: bytes per op node (tracemalloc) of a live 100,000-op chain ``y = y * 1.0001 + 0.0001``,
its number operands counted, and what stays held after the chain is dropped.

Run: ``python benchmarks/scalar_vs_micrograd.py [--reps N] [--steps N]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd_lite import Value as LiteValue  # noqa: E402
from autograd_lite import weighted_sum  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the benchmark needs the reference
    sys.exit("micrograd is not installed: pip install micrograd==0.1.0 (or pip install -e '.[test]')")


def make_mlp(Value, sizes, rng):  # noqa: N803 - the engine's class
    """micrograd's own MLP structure: per neuron sum(w*x, b) then relu (not on the last layer)."""
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        neurons = [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)]
        layers.append((neurons, i != len(sizes) - 2))
    return layers


def forward(layers, x):
    for neurons, nonlin in layers:
        out = []
        for w, b in neurons:
            act = sum((wi * xi for wi, xi in zip(w, x)), b)
            out.append(act.relu() if nonlin else act)
        x = out
    return x[0]


def forward_fused(layers, x):
    """The same network with autograd_lite's one-record neuron a = b + Σ w·z (weighted_sum)."""
    for neurons, nonlin in layers:
        out = []
        for w, b in neurons:
            act = weighted_sum(w, x, b)
            out.append(act.relu() if nonlin else act)
        x = out
    return x[0]


def parameters(layers):
    return [p for neurons, _ in layers for w, b in neurons for p in (*w, b)]


def make_data(Value, n=100, seed=0):  # noqa: N803
    rng = random.Random(seed)
    xs = [[Value(rng.uniform(-2, 2)), Value(rng.uniform(-2, 2))] for _ in range(n)]
    ys = [1.0 if (x[0].data * x[1].data > 0) else -1.0 for x in xs]
    return xs, ys


def train_step(model, params, xs, ys, fwd, lr=0.01):
    loss = sum((fwd(model, x) - y) ** 2 for x, y in zip(xs, ys)) * (1.0 / len(xs))
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


def setup(Value, fwd):  # noqa: N803
    model = make_mlp(Value, [2, 16, 16, 1], random.Random(1))
    xs, ys = make_data(Value)
    return model, parameters(model), xs, ys, fwd


def time_steps(state, steps):
    train_step(*state)  # warm-up: its graph is torn down inside the timed steps
    t0 = time.process_time()
    for _ in range(steps):
        train_step(*state)
    return (time.process_time() - t0) / steps


def collector_share(state, steps):
    """Fraction of a step's wall time spent in the cyclic garbage collector (gc.callbacks)."""
    spent = [0.0, 0.0]

    def on_gc(phase, info):
        if phase == "start":
            spent[1] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - spent[1]

    gc.collect()
    train_step(*state)
    gc.callbacks.append(on_gc)
    try:
        t0 = time.perf_counter()
        for _ in range(steps):
            train_step(*state)
        total = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(on_gc)
    return spent[0] / total


def count_nodes(state):
    model, params, xs, ys, fwd = state
    loss = sum((fwd(model, x) - y) ** 2 for x, y in zip(xs, ys)) * (1.0 / len(xs))
    seen, stack = {id(loss)}, [loss]
    while stack:
        v = stack.pop()
        for c in v._prev:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def chain_memory(Value, n=100_000):  # noqa: N803
    """Bytes per op node of a live n-op chain y = y * 1.0001 + 0.0001, its number operands counted
    (micrograd makes each a leaf Value), and the bytes still held after the chain is dropped."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = Value(0.5)
    for _i in range(n // 2):
        y = y * 1.0001 + 0.0001
    live = tracemalloc.get_traced_memory()[0] - base
    del y
    held_by_refcount = tracemalloc.get_traced_memory()[0] - base
    gc.collect()
    held_after_gc = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return live / n, held_by_refcount, held_after_gc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()

    engines = {
        "micrograd": setup(MicroValue, forward),
        "autograd_lite": setup(LiteValue, forward),
        "autograd_lite+ws": setup(LiteValue, forward_fused),
    }
    nodes = {name: count_nodes(st) for name, st in engines.items()}
    print(f"workload: MLP 2-16-16-1 relu, 100 points, MSE, SGD; gc on; {args.reps} reps x "
          f"{args.steps} steps after a warm-up step; process CPU time; engines alternate")
    print("  micrograd, autograd_lite: micrograd's graph (per neuron: n products, n sums, relu)")
    print("  autograd_lite+ws: the same network with one weighted_sum record per neuron")
    ratios = {k: [] for k in engines if k != "micrograd"}
    times = {k: [] for k in engines}
    for rep in range(args.reps):
        order = list(engines) if rep % 2 == 0 else list(engines)[::-1]
        t = {}
        for name in order:
            gc.collect()  # no engine pays for the garbage another left
            t[name] = time_steps(engines[name], args.steps)
        for k, v in t.items():
            times[k].append(v)
        for k in ratios:
            ratios[k].append(t["micrograd"] / t[k])
    for name in engines:
        tm = statistics.median(times[name])
        print(f"{name:17s} {tm * 1e3:9.2f} ms/step  {nodes[name]:7,} nodes  "
              f"{tm / nodes[name] * 1e9:6.0f} ns/node")
    shares = ", ".join(f"{name} {collector_share(st, args.steps):.0%}" for name, st in engines.items())
    print(f"time in the cyclic garbage collector: {shares}")
    memory = {"micrograd": chain_memory(MicroValue), "autograd_lite": chain_memory(LiteValue)}
    for name, (per_node, held, held_gc) in memory.items():
        print(f"{name:17s} chain of 100,000 ops: {per_node:6.1f} B/op node live; after del: "
              f"{held:,} B held, {held_gc:,} B after gc.collect()")
    per_node, held, _ = memory["autograd_lite"]
    print("speed-up per training step vs micrograd (median of the per-rep ratios; half of the reps "
          "between the quartiles):")
    for name, what, target in (("autograd_lite", "micrograd's graph", 11.0),
                               ("autograd_lite+ws", "weighted_sum neurons", 45.0)):
        r = statistics.median(ratios[name])
        lo, hi = middle_half(ratios[name])
        verdict = "ok" if r >= target else "BELOW TARGET"
        print(f"  {what:21s} {r:5.1f}x, half of the reps within {lo:.1f}-{hi:.1f}x (target >= {target:.0f}x) "
              f"{verdict}")
    verdict = "ok" if per_node <= 200 else "ABOVE TARGET"
    print(f"autograd_lite: {per_node:.0f} B per op node live, number operands counted (target <= 200) "
          f"{verdict}; {held:,} B held after the chain is dropped")


def middle_half(xs: list[float]) -> tuple[float, float]:
    """The first and third quartiles: half of the reps fall between them."""
    q1, _, q3 = statistics.quantiles(xs, n=4) if len(xs) > 1 else (xs[0], xs[0], xs[0])
    return q1, q3


if __name__ == "__main__":
    main()
