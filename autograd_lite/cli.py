"""The ``autograd-lite`` command line: demo, graph, gradcheck, bench."""

from __future__ import annotations

import argparse
import ast
import math
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import rules
from .value import Value as _Value

# the functions an expression may call: the registry's one-input methods of Value (leaky_relu with its
# default slope)
FUNCTIONS = tuple(name for name, r in rules.RULES.items() if r.forward is not None and hasattr(_Value, name))
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
INSTALL_DOT = "install Graphviz to get pictures: apt-get install graphviz, brew install graphviz " \
              "or conda install -c conda-forge graphviz"


# --- writing a graph -----------------------------------------------------------------------------
def write_graph(root: Any, path: Path, depth: int | None = None) -> Path:
    """Draw ``root``'s graph to ``path`` (its suffix picks the format: .svg .png .pdf, .html for the
    step-through view, .gv/.dot for DOT source). Without Graphviz, DOT source goes next to it.
    ``depth=1`` draws (and steps through) a network one box per layer."""
    from . import draw, step_through
    from .draw import dot_available

    suffix = path.suffix.lower().lstrip(".") or "svg"
    if suffix not in ("svg", "png", "pdf", "html", "gv", "dot"):  # before anything is written
        raise ValueError(f"cannot write a graph as .{suffix}: use .svg, .png, .pdf, .html or .gv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == "html":
        step_through(root, depth=depth).save_html(path)
        return path
    graph = draw(root, depth=depth)
    if suffix in ("gv", "dot"):
        path.write_text(graph.source)
        return path
    if not dot_available():
        gv = path.with_suffix(".gv")
        gv.write_text(graph.source)
        print(f"Graphviz's `dot` is not installed, so the graph was written as DOT source to "
              f"{gv.resolve()} ({INSTALL_DOT})")
        return gv
    path.write_bytes(graph.pipe(format=suffix))
    return path


# --- demo ----------------------------------------------------------------------------------------
def demo(args: argparse.Namespace) -> int:
    """Backpropagate through the lecture's neuron, then train a small network and plot it."""
    from . import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    a = x1 * w1 + x2 * w2 + b
    a.label = "a"
    z = a.tanh()
    z.label = "z"
    z.backward()
    print("z = tanh(w1*x1 + w2*x2 + b) =", f"{z.data:.6f}")
    for v in (x1, x2, w1, w2, b):
        print(f"  dz/d{v.label:2s} = {v.grad: .6f}")
    out = Path(args.out)
    path = write_graph(z, out / "neuron.svg")
    if path.suffix == ".svg":
        print(f"graph written to {path.resolve()}")
    if not args.no_train:
        _train_demo(out, quiet=args.quiet)
    return 0


def _train_demo(out: Path, quiet: bool = False, epochs: int = 200) -> None:
    """Train an MLP on two moons with ``nn`` and plot the loss and the decision boundary."""
    try:
        import numpy as np

        import nn
    except ImportError:
        print("(the training part of the demo needs the `nn` package of this repository)")
        return
    from . import no_grad, step_through
    from .tensor import Tensor

    X, y = nn.data.two_moons(200, noise=0.1, seed=0)
    model = nn.MLP([2, 16, 16, 2], activation="tanh", generator=np.random.default_rng(0))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    loader = nn.data.DataLoader((X, y), batch_size=32, shuffle=True, seed=0)
    print(f"training {model.__class__.__name__}([2, 16, 16, 2], tanh) on two moons "
          f"(200 points, Adam, {epochs} epochs)")
    history = nn.fit(model, loss_fn, optimizer, loader, epochs=epochs, quiet=quiet)
    acc = history.accuracy[-1] if history.accuracy else None
    print(f"  loss {history.loss[0]:.3g} -> {history.loss[-1]:.3g}"
          + (f", training accuracy {acc:.1%}" if acc is not None else "")
          + f" in {history.seconds:.1f} s")
    # the network for a small batch, one box per layer (named as the model names its parameters)
    batch_loss = loss_fn(model(Tensor(X[:4])), y[:4])
    batch_loss.backward()
    path = write_graph(batch_loss, out / "network.svg", depth=1)
    if path.suffix == ".svg":
        print(f"network graph written to {path.resolve()}")
    step_through(batch_loss, depth=1).save_html(out / "network_steps.html")
    print(f"its layer-by-layer backward, δ_k and ∂L/∂W_k (open in a browser): "
          f"{(out / 'network_steps.html').resolve()}")
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no window, works on a server
        import matplotlib.pyplot as plt
    except ImportError:
        print("(install matplotlib to get the loss and decision-boundary plot)")
        return
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 200)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 200)
    gx, gy = np.meshgrid(xs, ys)
    with no_grad():
        logits = model(Tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))).data
    pred = logits.argmax(axis=1).reshape(gx.shape)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(range(1, len(history.loss) + 1), history.loss)
    ax1.set(xlabel="epoch", ylabel="cross-entropy loss", title="training loss", yscale="log")
    ax2.contourf(gx, gy, pred, levels=[-0.5, 0.5, 1.5], colors=["#cfe0f5", "#f8d5c8"])
    ax2.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax2.set(title="decision boundary", xlabel="x1", ylabel="x2")
    fig.tight_layout()
    png = out / "two_moons.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    print(f"loss curve and decision boundary written to {png.resolve()}")


# --- graph ---------------------------------------------------------------------------------------
_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}


def _reject(node: ast.AST, why: str) -> ValueError:
    col = getattr(node, "col_offset", None)
    where = f" at column {col + 1}" if col is not None else ""
    return ValueError(f"{why}{where}; an expression may use numbers, variables, + - * / ** and "
                      f"{', '.join(FUNCTIONS)}")


def parse_expression(text: str) -> tuple[ast.Expression, list[str]]:
    """Parse ``text`` as an arithmetic expression, allowing only whitelisted syntax (nothing is
    evaluated as Python). Returns the tree and the variable names in order of first use."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"not a valid expression: {e.msg} at column {e.offset or 0}") from None
    except RecursionError:
        raise ValueError("expression is nested too deeply") from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, *_BINOPS, *_UNARY)):
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise _reject(node, f"operator {type(node.op).__name__} is not allowed")
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise _reject(node, f"operator {type(node.op).__name__} is not allowed")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _reject(node, f"{node.value!r} is not a number")
        elif isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else None
            if fn not in FUNCTIONS:
                raise _reject(node, f"unknown function {ast.unparse(node.func)!r}")
            if len(node.args) != 1 or node.keywords:
                raise _reject(node, f"{fn} takes exactly one argument")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                continue  # a call's function name; checked above
            if node.id.startswith("_"):
                raise _reject(node, f"variable names may not start with '_' ({node.id})")
            if node.id not in names:
                names.append(node.id)
        else:
            raise _reject(node, f"{type(node).__name__} is not allowed")
    for node in ast.walk(tree):  # a function name used as a variable (``exp + 1``)
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and not _is_callee(tree, node):
            raise _reject(node, f"{node.id} is a function: write {node.id}(...)")
    return tree, names


def _is_callee(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


def build_expression(text: str, values: dict[str, float], default: float = 1.0
                     ) -> tuple[Any, dict[str, Any], list[str]]:
    """Build ``text`` from ``Value``s: the output (label ``f``), the variables by name, and the names
    that took the default because no value was given."""
    from . import Value

    tree, names = parse_expression(text)
    unknown = [n for n in values if n not in names]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not in the expression (its variables: "
                         f"{', '.join(names) or 'none'})")
    defaulted = [n for n in names if n not in values]
    leaves = {n: Value(values.get(n, default), label=n) for n in names}

    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant):  # a constant: views show it as its value
            return Value(float(node.value))
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant):
                # x ** 2 has a constant exponent (the rule powc): no log(x) needed, x may be negative
                out = build(node.left) ** float(node.right.value)
            else:
                out = _BINOPS[type(node.op)](build(node.left), build(node.right))
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return build(node.operand)
            out = -build(node.operand)
        else:  # a whitelisted call
            out = getattr(build(node.args[0]), node.func.id)()
        return out  # unlabelled: the walk names it t1, t2, ... and writes what each one is

    try:
        root = build(tree)
    except RecursionError:
        raise ValueError("expression is nested too deeply") from None
    if not getattr(root, "inputs", ()):  # a bare number or variable: make it an op so it has a graph
        root = root + 0.0
    root.label = "f"
    return root, leaves, defaulted


def _assignments(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, eq, num = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise ValueError(f"{item!r}: give variable values as name=number, e.g. x=2 y=-3")
        if name in values:
            first = next(i for i in items if i.partition("=")[0].strip() == name)
            raise ValueError(f"{name} is given twice ({first!r} and {item!r}): give each variable once")
        try:
            values[name] = float(num)
        except ValueError:
            raise ValueError(f"{item!r}: {num!r} is not a number") from None
        if not math.isfinite(values[name]):
            raise ValueError(f"{item!r}: the value must be finite")
    return values


def graph(args: argparse.Namespace) -> int:
    """Build EXPR from Values, backpropagate, print the gradients and draw the graph."""
    from . import step_through

    values = _assignments(args.values)
    if not math.isfinite(args.default):
        raise ValueError(f"--default {args.default}: the value must be finite")
    root, leaves, defaulted = build_expression(args.expr, values, args.default)
    walk = step_through(root)  # runs backward once
    given = ", ".join(f"{n} = {v.data:g}" for n, v in leaves.items())
    print(f"f = {args.expr.strip()}" + (f"   with {given}" if given else ""))
    if defaulted:
        print(f"  ({', '.join(defaulted)} not given: using the default {args.default:g}; "
              f"set {'values' if len(defaulted) > 1 else 'it'} as {defaulted[0]}=...)")
    print(f"f = {root.data:.6g}")
    for n, v in leaves.items():
        print(f"  ∂f/∂{n} = {v.grad:.6g}")
    if args.steps:
        print(walk)
    path = write_graph(root, Path(args.out))
    if path.suffix != ".gv" or Path(args.out).suffix in (".gv", ".dot"):
        print(f"graph written to {path.resolve()}")
    return 0


# --- gradcheck -----------------------------------------------------------------------------------
_KINKED = ("abs", "sign", "step", "relu", "leaky_relu")  # also checked at x < 0


def _value_checks() -> list[tuple[str, Callable[..., Any] | None, tuple[float, ...]]]:
    """One check per entry of the registry that has a forward on floats (inputs inside its domain)."""
    from . import value as value_mod

    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "powc": lambda a: a ** 3.0}
    checks: list[tuple[str, Callable[..., Any] | None, tuple[float, ...]]] = []
    for name, r in rules.RULES.items():
        if r.forward is None:
            continue
        if name in binary:
            fn = binary[name]
            args = (1.3, 0.7) if fn.__code__.co_argcount == 2 else (0.7,)
        elif name == "neg":
            fn, args = (lambda a: -a), (0.7,)
        elif name == "weighted_sum":
            fn = lambda b, w1, w2, z1, z2: value_mod.weighted_sum([w1, w2], [z1, z2], b)  # noqa: E731
            args = (0.1, 0.5, -1.5, 2.0, 0.3)
        elif hasattr(value_mod.Value, name):
            fn, args = (lambda a, _m=name: getattr(a, _m)()), (0.7,)
            if name in _KINKED:
                checks.append((f"Value.{name} (x < 0)", fn, (-0.7,)))
        else:
            checks.append((f"Value {name}", None, ()))  # no way to call it: reported as missing
            continue
        checks.append((f"Value.{name}" if name not in binary and name != "neg" else f"Value {name}",
                       fn, args))
    return checks


def _tensor_checks() -> list[tuple[str, Callable[..., Any] | None, tuple]]:
    """One check per entry of the registry that has a forward on arrays, on small random arrays."""
    import numpy as np

    from .tensor import Tensor, apply, concatenate, stack, where

    rng = np.random.default_rng(0)
    m = lambda *s: rng.uniform(0.3, 1.5, size=s)  # noqa: E731 - positive: inside log/sqrt's domain
    idx = np.array([0, 2, 0])
    mask = np.array([[True, False, True], [False, True, True]])
    specific: dict[str, tuple[str, Callable[..., Any], tuple]] = {
        "add": ("Tensor +", lambda a, b: (a + b).sum(), (m(2, 3), m(3))),
        "sub": ("Tensor -", lambda a, b: (a - b).sum(), (m(2, 3), m(2, 1))),
        "mul": ("Tensor *", lambda a, b: (a * b).sum(), (m(2, 3), m(2, 3))),
        "div": ("Tensor /", lambda a, b: (a / b).sum(), (m(2, 3), m(3))),
        "pow": ("Tensor ** Tensor", lambda a, b: (a ** b).sum(), (m(2, 3), m(3))),
        "powc": ("Tensor **", lambda a: (a ** 3.0).sum(), (m(4),)),
        "neg": ("Tensor neg", lambda a: (-a * a).sum(), (m(2, 3),)),
        "matmul": ("Tensor @", lambda a, b: (a @ b).sum(), (m(2, 3), m(3, 4))),
        "sum": ("Tensor.sum(axis)", lambda a: (a.sum(axis=0) * a.sum(axis=0)).sum(), (m(3, 2),)),
        "mean": ("Tensor.mean", lambda a: (a.mean(axis=1) ** 2.0).sum(), (m(3, 2),)),
        "max": ("Tensor.max", lambda a: a.max(axis=1).sum(), (m(3, 4),)),
        "reshape": ("Tensor.reshape", lambda a: (a.reshape(3, 2) @ a.reshape(2, 3)).sum(), (m(2, 3),)),
        "transpose": ("Tensor.T", lambda a: (a.T @ a).sum(), (m(2, 3),)),
        "broadcast_to": ("Tensor.broadcast_to", lambda a: (a.broadcast_to((4, 3)) ** 2.0).sum(), (m(3),)),
        "getitem": ("Tensor[idx]", lambda a: (a[idx] ** 2.0).sum(), (m(3, 2),)),
        "scatter_add": ("Tensor scatter_add",
                        lambda a: (apply(rules.RULES["scatter_add"], (a,), (idx, (3, 2))) ** 2.0).sum(),
                        (m(3, 2),)),
        "clip": ("Tensor.clip", lambda a: (a.clip(0.5, 1.2) * a).sum(), (m(2, 3),)),
        "softmax": ("Tensor.softmax", lambda a: (a.softmax(axis=-1) * a).sum(), (m(2, 3),)),
        "log_softmax": ("Tensor.log_softmax", lambda a: (a.log_softmax(axis=-1) * a).sum(), (m(2, 3),)),
        "concatenate": ("concatenate", lambda a, b: (concatenate([a, b], axis=1) ** 2.0).sum(),
                        (m(2, 3), m(2, 2))),
        "stack": ("stack", lambda a, b: (stack([a, b], axis=1) ** 2.0).sum(), (m(2, 3), m(2, 3))),
        "where": ("where", lambda a, b: (where(mask, a, b) ** 2.0).sum(), (m(2, 3), m(3))),
    }
    out: list[tuple[str, Callable[..., Any] | None, tuple]] = []
    for name, r in rules.RULES.items():
        if r.array is None:
            continue
        if name in specific:
            label, fn, arrays = specific[name]
        elif hasattr(Tensor, name):
            label, arrays = f"Tensor.{name}", (m(2, 3),)
            fn = lambda a, _m=name: (getattr(a, _m)() * a).sum()  # noqa: E731
        else:
            out.append((f"Tensor {name}", None, ()))  # no way to call it: reported as missing
            continue
        out.append((label, fn, tuple(Tensor(a, requires_grad=True) for a in arrays)))
    return out


def run_gradchecks() -> list[tuple[str, bool, float, str]]:
    """Every built-in check as (what, passed, largest |analytic - numeric|, note)."""
    from . import Value
    from .gradcheck import gradcheck

    rows: list[tuple[str, bool, float, str]] = []

    def run(label: str, fn: Callable[..., Any] | None, inputs: Sequence[Any]) -> None:
        if fn is None:
            rows.append((label, False, math.nan, "no built-in check for this op"))
            return
        try:
            report = gradcheck(fn, list(inputs), raise_exception=False)
        except Exception as e:  # an op that raises is a failed check, reported on its row
            rows.append((label, False, math.nan, f"{type(e).__name__}: {e}"))
            return
        err = max((c.abs_err for c in report.checks), default=0.0)
        bad = [c.name for c in report.checks if not c.passed]
        rows.append((label, bool(report), err, f"wrong: {', '.join(bad)}" if bad else ""))

    for label, fn, args in _value_checks():
        run(label, fn, [Value(a, label=f"x{i}") for i, a in enumerate(args)])
    for label, fn, tensors in _tensor_checks():
        run(label, fn, tensors)
    try:
        from . import exercises
    except ImportError:
        return rows
    for name in exercises.names():
        try:
            result = exercises.check(name, exercises.solution(name))
        except Exception as e:
            rows.append((f"exercise {name}", False, math.nan, f"{type(e).__name__}: {e}"))
            continue
        err = max((v.max_error for v in result.verdicts if not math.isnan(v.max_error)), default=0.0)
        bad = [v.name for v in result.verdicts if not v.ok]
        rows.append((f"exercise {name} (reference)", bool(result), err,
                     f"wrong: {', '.join(bad)}" if bad else ""))
    return rows


def gradcheck_cmd(args: argparse.Namespace) -> int:
    """Print a table of every built-in gradient check; exit 1 if any fails."""
    start = time.perf_counter()
    rows = run_gradchecks()
    width = max(len(r[0]) for r in rows)
    print(f"{'check':{width}s}  {'max abs err':>11s}  result")
    for label, ok, err, note in rows:
        e = "-" if math.isnan(err) else f"{err:.1e}"
        print(f"{label:{width}s}  {e:>11s}  {'ok' if ok else 'FAIL'}{'  ' + note if note else ''}")
    failed = sum(not r[1] for r in rows)
    took = time.perf_counter() - start
    if failed:
        print(f"{failed} of {len(rows)} checks FAILED ({took:.1f} s)")
        return 1
    print(f"all {len(rows)} checks passed: backward agrees with central differences ({took:.1f} s)")
    return 0


# --- bench ---------------------------------------------------------------------------------------
def _benchmarks(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise OSError(f"no benchmarks folder at {folder}: run from a checkout of autograd-lite "
                      "(or pass --dir)")
    return {p.stem: p for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}


def bench(args: argparse.Namespace) -> int:
    """Run the scripts in benchmarks/ (all, or those named), each in its own process."""
    found = _benchmarks(Path(args.dir))
    if args.list:
        for name, path in found.items():
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            print(f"{name}: {doc.splitlines()[0] if doc else ''}")
        return 0
    unknown = [n for n in args.names if n not in found]
    if unknown:
        raise ValueError(f"no benchmark named {', '.join(unknown)}; there are: {', '.join(found)}")
    failed = 0
    for name in args.names or list(found):
        print(f"=== {name} ===", flush=True)
        rc = subprocess.call([sys.executable, str(found[name]), *args.extra])
        if rc:
            print(f"{name} exited with status {rc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


# --- main ----------------------------------------------------------------------------------------
def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-lite", description="Reverse-mode autodiff you can read, check and draw.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  autograd-lite demo\n  autograd-lite graph \"x*y + tanh(x)\" x=2 y=-3 -o xy.svg\n"
               "  autograd-lite gradcheck\n  autograd-lite bench --list\n"
               "run `autograd-lite COMMAND --help` for a command's options")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="backpropagate through a neuron, train a small network, draw both",
                       description=demo.__doc__)
    p.add_argument("-o", "--out", default="out", help="folder for the pictures (default: ./out)")
    p.add_argument("--no-train", action="store_true", help="only the neuron, no training")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=demo)

    p = sub.add_parser("graph", help="draw an expression's graph with its gradients",
                       description="Build EXPR from Values, backpropagate, print ∂f/∂(each variable) "
                                   "and draw the graph with data and gradients. Only numbers, "
                                   "variables, + - * / ** and " + ", ".join(FUNCTIONS) + " are allowed.",
                       epilog='example: autograd-lite graph "x*y + tanh(x)" x=2 y=-3 -o xy.svg')
    p.add_argument("expr", help='the expression, e.g. "x*y + tanh(x)"')
    p.add_argument("values", nargs="*", metavar="NAME=VALUE", help="variable values, e.g. x=2 y=-3")
    p.add_argument("-o", "--out", default="graph.svg",
                   help="output file: .svg (default graph.svg), .png, .pdf, .gv, or .html for the "
                        "step-through view")
    p.add_argument("--default", type=float, default=1.0,
                   help="value of a variable that is not given (default: 1.0)")
    p.add_argument("--steps", action="store_true", help="also print the step-by-step walk")
    p.set_defaults(func=graph)

    p = sub.add_parser("gradcheck", help="check every op's backward against finite differences",
                       description=gradcheck_cmd.__doc__)
    p.set_defaults(func=gradcheck_cmd)

    p = sub.add_parser("bench", help="run the benchmarks in benchmarks/",
                       description=bench.__doc__ + " Arguments after -- go to each script.",
                       epilog="example: autograd-lite bench scalar_vs_micrograd -- --reps 3")
    p.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--dir", default=str(BENCHMARKS), help="the benchmarks folder")
    p.set_defaults(func=bench, extra=[])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if argv[:1] == ["bench"] and "--" in argv:  # what follows -- goes to each benchmark script
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    if argv[:1] == ["graph"]:  # "-x*y" is an expression, not an option: a space keeps argparse off it
        argv = argv[:1] + [" " + a if a[:1] == "-" and a[:2] not in ("--", "-o", "-h") else a
                           for a in argv[1:]]
    args = make_parser().parse_args(argv)
    if extra:
        args.extra = extra
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ValueError, TypeError, OSError, ArithmeticError, RuntimeError) as e:
        msg = " ".join(str(e).split()) or type(e).__name__
        print(f"autograd-lite {args.command}: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
