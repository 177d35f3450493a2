"""Bad inputs to the views and checks (draw, gradcheck, gradcheck_graph, numerical_grad,
step_through): the error names the argument; the graph and its gradients are left as they were."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from autograd_lite import Tensor, Value, draw, gradcheck, gradcheck_graph, numerical_grad, step_through

from .badinput import check, ids


def world():
    rng = np.random.default_rng(0)
    w = SimpleNamespace(
        t=Tensor(rng.normal(size=(2, 3)), requires_grad=True),
        u=Tensor(rng.normal(size=(2, 3)), requires_grad=True),
        v=Value(0.5),
    )
    w.out = (w.t * w.u).sum()
    w.out.backward()
    return w


def c(fn):
    return lambda w: lambda: fn(w)


CASES = [
    # the views and checks
    ("draw(3.0)", TypeError, ("draw", "3.0", "Value or a Tensor"), c(lambda w: draw(3.0))),
    ("draw(None)", TypeError, ("draw", "None"), c(lambda w: draw(None))),
    ("draw('z')", TypeError, ("draw", "'z'"), c(lambda w: draw("z"))),
    ("draw(ndarray)", TypeError, ("draw", "Tensor(array)"), c(lambda w: draw(np.ones(3)))),
    ("draw([v])", TypeError, ("draw",), c(lambda w: draw([w.v]))),
    ("draw rankdir", ValueError, ("rankdir",), c(lambda w: draw(w.out, rankdir="XY"))),
    (
        "gradcheck_graph(3.0)",
        TypeError,
        ("gradcheck_graph", "3.0", "Value or a Tensor"),
        c(lambda w: gradcheck_graph(3.0)),
    ),
    ("gradcheck_graph(None)", TypeError, ("gradcheck_graph", "None"), c(lambda w: gradcheck_graph(None))),
    (
        "gradcheck_graph eps=0",
        ValueError,
        ("gradcheck_graph", "eps", "> 0"),
        c(lambda w: gradcheck_graph(w.out, eps=0)),
    ),
    ("gradcheck_graph eps=-1", ValueError, ("eps", "-1"), c(lambda w: gradcheck_graph(w.out, eps=-1))),
    ("gradcheck_graph eps=nan", ValueError, ("eps",), c(lambda w: gradcheck_graph(w.out, eps=float("nan")))),
    ("gradcheck_graph eps str", TypeError, ("eps",), c(lambda w: gradcheck_graph(w.out, eps="1e-6"))),
    ("gradcheck_graph atol<0", ValueError, ("atol",), c(lambda w: gradcheck_graph(w.out, atol=-1))),
    ("gradcheck_graph rtol<0", ValueError, ("rtol",), c(lambda w: gradcheck_graph(w.out, rtol=-1e-3))),
    ("gradcheck f=3", TypeError, ("gradcheck", "f", "3.0"), c(lambda w: gradcheck(3.0, [w.t]))),
    ("gradcheck eps=0", ValueError, ("eps",), c(lambda w: gradcheck(lambda x: (x * 2).sum(), [w.t], eps=0))),
    (
        "gradcheck atol str",
        TypeError,
        ("atol",),
        c(lambda w: gradcheck(lambda x: (x * 2).sum(), [w.t], atol="0")),
    ),
    (
        "numerical_grad eps=-1",
        ValueError,
        ("eps",),
        c(lambda w: numerical_grad(lambda x: x * 2, [w.v], eps=-1)),
    ),
    ("numerical_grad f=None", TypeError, ("numerical_grad", "f"), c(lambda w: numerical_grad(None, [w.v]))),
    ("step_through(3.0)", TypeError, ("step_through", "float"), c(lambda w: step_through(3.0))),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_views_and_checks(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)
