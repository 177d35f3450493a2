"""The Tensor engine against PyTorch CPU and against hand-written numpy, side by side in one process.

Workload: a full training step — forward, loss, backward, SGD update — of an MLP with relu:

* large: 784 -> 256 -> 128 -> 10, batch 128, cross-entropy through ``log_softmax`` and integer
  indexing (``-logp[arange(n), y].mean()``); matrix products dominate;
* small: 2 -> 16 -> 16 -> 1, batch 100, mean squared error; the per-op overhead of Python dominates.

Each in float32 and float64. "numpy" is the same network with its backward written by hand (the floor
for any framework that calls numpy); PyTorch runs with as many threads as numpy's BLAS (threadpoolctl).
The engines start from the same weights (and are checked to compute the same losses) and alternate
within each rep; each rep builds each engine anew (fresh arrays: where they land in memory moves a
step's time by a few percent) and times ``steps`` consecutive steps after a warm-up (wall clock; the
garbage collector stays on). Between two engines the process sleeps ``--pause`` seconds: the BLAS
threads of numpy (OpenBLAS) and of PyTorch (OpenMP) keep spinning for a while after their work, and
on a machine with as many cores as threads the one that just ran would otherwise steal the cores of
the next. Reported: the median over reps of the per-rep time ratios, and the quartiles of lite/numpy,
between which half of the reps fall (how far the machine's noise moves one rep).

Run: ``python benchmarks/tensor_vs_torch.py [--reps N] [--quick]``. Where the environment sets
OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) for older OpenBLAS builds, they slow a current numpy: unset
both for this command alone, e.g. ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd_lite import Tensor  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - the benchmark needs the reference
    sys.exit("torch is not installed: pip install torch==2.13.0 (or pip install -e '.[test]')")

LR = 0.01


def blas_threads() -> tuple[int, str]:
    """numpy's BLAS thread count and kernel, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1, "unknown (threadpoolctl not installed)"
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return pool["num_threads"], f"{pool['internal_api']} {pool.get('architecture', '')}".strip()
    return 1, "none found"


def init(sizes: list[int], dtype: type, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [((rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dtype),
             (rng.standard_normal(b) * 0.01).astype(dtype)) for a, b in zip(sizes, sizes[1:])]


def data(sizes: list[int], batch: int, dtype: type, classify: bool, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], batch) if classify else rng.standard_normal((batch, 1)).astype(dtype)
    return x, y


# --- the three engines ----------------------------------------------------------------------------
def lite_engine(params, x, y, classify):
    ps = [(Tensor(w.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)) for w, b in params]
    flat = [p for wb in ps for p in wb]
    xt = Tensor(x)
    rows = np.arange(len(x))
    last = len(ps) - 1

    def step():
        h = xt
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i != last:
                h = h.relu()
        if classify:
            loss = -h.log_softmax()[rows, y].mean()
        else:
            loss = ((h - y) ** 2).mean()
        for p in flat:
            p.grad = None
        loss.backward()
        for p in flat:
            p.data -= LR * p.grad
        return loss

    return step


def torch_engine(params, x, y, classify):
    ps = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    flat = [p for wb in ps for p in wb]
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)
    last = len(ps) - 1
    nll = torch.nn.functional.nll_loss

    def step():
        h = xt
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i != last:
                h = h.relu()
        if classify:
            loss = nll(h.log_softmax(-1), yt)
        else:
            loss = ((h - yt) ** 2).mean()
        for p in flat:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in flat:
                p -= LR * p.grad
        return loss.detach()

    return step


def numpy_engine(params, x, y, classify):
    ws = [w.copy() for w, _ in params]
    bs = [b.copy() for _, b in params]
    n = len(x)
    rows = np.arange(n)
    last = len(ws) - 1

    def step():
        hs = [x]
        h = x
        for i in range(last + 1):
            h = h @ ws[i] + bs[i]
            if i != last:
                np.maximum(h, 0, out=h)
            hs.append(h)
        if classify:  # cross-entropy of log_softmax; d loss/d logits = (softmax - onehot) / n
            z = h - h.max(axis=1, keepdims=True)
            z -= np.log(np.exp(z).sum(axis=1, keepdims=True))
            loss = -z[rows, y].mean()
            d = np.exp(z)
            d[rows, y] -= 1.0
            d *= 1.0 / n
        else:
            diff = h - y
            loss = (diff * diff).mean()
            d = diff * (2.0 / diff.size)
        for i in range(last, -1, -1):
            gw = hs[i].T @ d
            gb = d.sum(axis=0)
            if i:
                d = d @ ws[i].T
                d *= hs[i] > 0
            ws[i] -= LR * gw
            bs[i] -= LR * gb
        return loss

    return step


def middle_half(xs: list[float]) -> tuple[float, float]:
    """The first and third quartiles: half of the reps fall between them."""
    q1, _, q3 = statistics.quantiles(xs, n=4) if len(xs) > 1 else (xs[0], xs[0], xs[0])
    return q1, q3


def check_same(engines: dict, steps: int = 3) -> None:
    """The three engines compute the same losses, step after step (they start from the same weights)."""
    losses = {name: [float(make()) for _ in range(steps)] for name, make in engines.items()}
    ref = losses["numpy"]
    for name, ls in losses.items():
        if not np.allclose(ls, ref, rtol=1e-3, atol=1e-5):
            sys.exit(f"{name} disagrees with numpy: {ls} vs {ref}")


def bench(name: str, sizes: list[int], batch: int, dtype: type, classify: bool, reps: int, steps: int,
          pause: float):
    params = init(sizes, dtype)
    x, y = data(sizes, batch, dtype, classify)
    check_same({k: f(params, x, y, classify) for k, f in
                (("numpy", numpy_engine), ("lite", lite_engine), ("torch", torch_engine))})
    makers = {"lite": lite_engine, "torch": torch_engine, "numpy": numpy_engine}
    times = {k: [] for k in makers}
    order = list(makers)
    for r in range(reps):
        for k in order[r % 3:] + order[:r % 3]:  # rotate who goes first
            # each rep builds the engine anew: where the allocator places the weights and buffers
            # moves the time of a step by several percent, for all engines alike; a fresh placement
            # per rep turns that luck into noise the median removes
            step = makers[k](params, x, y, classify)
            for _ in range(3):  # warm up: caches, allocator, BLAS buffers
                step()
            time.sleep(pause)
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            times[k].append((time.perf_counter() - t0) / steps)
    per_rep = {pair: [a / b for a, b in zip(times[pair[0]], times[pair[1]])]
               for pair in (("lite", "numpy"), ("torch", "numpy"), ("lite", "torch"))}
    ratio = {pair: statistics.median(rs) for pair, rs in per_rep.items()}
    ms = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print(f"{name:<28} numpy {ms['numpy']:8.3f} ms  lite {ms['lite']:8.3f} ms  torch {ms['torch']:8.3f} ms"
          f"   lite/numpy {ratio['lite', 'numpy']:5.2f}x  torch/numpy {ratio['torch', 'numpy']:5.2f}x"
          f"  lite/torch {ratio['lite', 'torch']:5.2f}x")
    return ratio["lite", "numpy"], middle_half(per_rep["lite", "numpy"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--quick", action="store_true", help="few reps, for a smoke test")
    ap.add_argument("--pause", type=float, default=0.25, help="seconds of idle between two engines")
    args = ap.parse_args()
    reps = 5 if args.quick else args.reps
    threads, kernel = blas_threads()
    torch.set_num_threads(threads)
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set and slows a current numpy; "
              "for a fair number run with env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE")
    print(f"numpy {np.__version__} (BLAS: {kernel}, {threads} threads), torch {torch.__version__} "
          f"({torch.get_num_threads()} threads); median of {reps} reps")
    results = {}
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        results["large", tag] = bench(f"784-256-128-10 b128 {tag}", [784, 256, 128, 10], 128, dtype, True,
                                      reps, 5 if args.quick else 20, args.pause)
    for dtype in (np.float32, np.float64):
        tag = np.dtype(dtype).name
        results["small", tag] = bench(f"2-16-16-1 b100 {tag}", [2, 16, 16, 1], 100, dtype, False,
                                      reps, 50 if args.quick else 500, args.pause)
    targets = {"large": 1.10, "small": 2.0}
    print()
    for (case, tag), (r, (lo, hi)) in results.items():
        verdict = "ok" if r <= targets[case] else "ABOVE TARGET"
        print(f"{case} {tag}: lite/numpy {r:.3f}x, half of the reps within {lo:.3f}-{hi:.3f}x "
              f"(target <= {targets[case]:.2f}x) {verdict}")


if __name__ == "__main__":
    main()
