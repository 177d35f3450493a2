"""The ``autograd-lite`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def demo(args: argparse.Namespace) -> int:
    """Build the lecture's neuron z = tanh(w1 x1 + w2 x2 + b), backpropagate, print and draw it."""
    from . import Value, draw
    from .draw import dot_available

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
    out.mkdir(parents=True, exist_ok=True)
    graph = draw(z)
    if dot_available():
        path = graph.render(out / "neuron", format="svg", cleanup=True)
        print(f"graph written to {Path(path).resolve()}")
    else:
        path = out / "neuron.gv"
        path.write_text(graph.source)
        print(f"Graphviz's `dot` is not installed, so the graph was written as DOT source to "
              f"{path.resolve()} (install Graphviz, e.g. `apt-get install graphviz`, to get an SVG)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograd-lite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="backpropagate through a small neuron and draw its graph")
    p.add_argument("-o", "--out", default="out", help="folder for the pictures (default: ./out)")
    p.set_defaults(func=demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as e:
        print(f"autograd-lite {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
