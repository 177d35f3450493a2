"""Random garbage (wrong types, shapes, nan/inf, empty) passed to the public API, one argument at a
time: a call either works or raises an error that the library raised on purpose — never an internal
AttributeError, IndexError, KeyError or ZeroDivisionError from deep inside — and a call that fails
leaves the user's data as it was. Examples are bounded so that the whole test runs in seconds."""

from __future__ import annotations

import linecache
import traceback
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
from autograd_lite import Tensor, Value, concatenate, draw, gradcheck_graph, stack, where
from nn import functional as F
from nn import init, optim

from .badinput import same, snapshot

PACKAGES = tuple(str(Path(__file__).resolve().parents[1] / p) for p in ("autograd_lite", "nn"))
INTERNAL = (AttributeError, IndexError, KeyError, ZeroDivisionError)

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements=None,
)
special = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
    elements=st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0]),
)
garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    floats,
    st.text(max_size=3),
    st.binary(max_size=3),
    st.lists(floats, max_size=4),
    st.lists(st.one_of(st.none(), st.text(max_size=1), floats), max_size=3),
    st.tuples(floats),
    st.tuples(floats, floats, floats),
    st.dictionaries(st.text(max_size=2), floats, max_size=2),
    arrays,
    special,
    st.just(np.array([None, 1.0], dtype=object)),
    st.just(object()),
    st.just(()),
    st.just([]),
    st.just(np.zeros((0, 2))),
    st.just(np.ones(3, complex)),
)


def world() -> SimpleNamespace:
    model = nn.MLP([2, 3, 2], generator=np.random.default_rng(0))
    X, y = nn.data.two_moons(8, seed=0)
    nn.CrossEntropyLoss()(model(X), y).backward()
    params = list(model.parameters())
    w = SimpleNamespace(
        model=model,
        params=params,
        X=X,
        y=y,
        sgd=optim.SGD(params, lr=0.1, momentum=0.9),
        adam=optim.Adam(params, lr=0.01),
        graph=nn.NeuronGraph.xnor(),
        perceptron=nn.Perceptron(2),
    )
    w.sgd.step()
    w.adam.step()
    w.sched = optim.StepLR(w.sgd, step_size=2)
    w.t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w.t.grad = np.ones((2, 3))
    w.v = Value(0.5)
    return w


def _grad_then_step(opt):
    def call(w, g):
        w.params[-1].grad = g
        return getattr(w, opt).step

    return call


def _plain(fn):
    return lambda w, g: lambda: fn(w, g)


TARGETS = {
    "SGD(params=g)": _plain(lambda w, g: optim.SGD(g)),
    "SGD(lr=g)": _plain(lambda w, g: optim.SGD(w.params, lr=g)),
    "SGD(momentum=g)": _plain(lambda w, g: optim.SGD(w.params, momentum=g)),
    "Adam(betas=g)": _plain(lambda w, g: optim.Adam(w.params, betas=g)),
    "Adam(eps=g)": _plain(lambda w, g: optim.Adam(w.params, eps=g)),
    "RMSprop(alpha=g)": _plain(lambda w, g: optim.RMSprop(w.params, alpha=g)),
    "Adagrad(lr_decay=g)": _plain(lambda w, g: optim.Adagrad(w.params, lr_decay=g)),
    "sgd.step with grad g": _grad_then_step("sgd"),
    "adam.step with grad g": _grad_then_step("adam"),
    "adam.load_state_dict(g)": _plain(lambda w, g: w.adam.load_state_dict(g)),
    "adam.load_state_dict(state=g)": _plain(
        lambda w, g: w.adam.load_state_dict({**w.adam.state_dict(), "state": g})
    ),
    "adam.load_state_dict(buffer=g)": _plain(lambda w, g: w.adam.load_state_dict(_with_buffer(w.adam, g))),
    "add_param_group(g)": _plain(lambda w, g: w.adam.add_param_group(g)),
    "StepLR(step_size=g)": _plain(lambda w, g: optim.StepLR(w.sgd, step_size=g)),
    "ExponentialLR(g)": _plain(lambda w, g: optim.ExponentialLR(g, 0.9)),
    "sched.load_state_dict(g)": _plain(lambda w, g: w.sched.load_state_dict(g)),
    "load_state_dict(g)": _plain(lambda w, g: w.model.load_state_dict(g)),
    "load_state_dict(weight=g)": _plain(
        lambda w, g: w.model.load_state_dict({**w.model.state_dict(), "2.bias": g})
    ),
    "Linear(g, 2)": _plain(lambda w, g: nn.Linear(g, 2)),
    "MLP(g)": _plain(lambda w, g: nn.MLP(g)),
    "model(g)": _plain(lambda w, g: w.model(g)),
    "Dropout(g)": _plain(lambda w, g: nn.Dropout(g)),
    "init.uniform_(g)": _plain(lambda w, g: init.uniform_(g)),
    "init.kaiming_uniform_(a=g)": _plain(lambda w, g: init.kaiming_uniform_(w.params[0], a=g)),
    "init.normal_(std=g)": _plain(lambda w, g: init.normal_(w.params[0], std=g)),
    "two_moons(g)": _plain(lambda w, g: nn.data.two_moons(g)),
    "blobs(centers=g)": _plain(lambda w, g: nn.data.blobs(10, centers=g)),
    "train_test_split(test_size=g)": _plain(lambda w, g: nn.data.train_test_split(w.X, w.y, test_size=g)),
    "DataLoader(g)": _plain(lambda w, g: list(nn.data.DataLoader(g))),
    "DataLoader(batch_size=g)": _plain(lambda w, g: nn.data.DataLoader((w.X, w.y), batch_size=g)),
    "mse_loss(target=g)": _plain(lambda w, g: F.mse_loss(w.model(w.X), g)),
    "cross_entropy(target=g)": _plain(lambda w, g: F.cross_entropy(w.model(w.X), g)),
    "cross_entropy(input=g)": _plain(lambda w, g: F.cross_entropy(g, w.y)),
    "bce(input=g)": _plain(
        lambda w, g: F.binary_cross_entropy(g, np.zeros(np.shape(g)) if _numeric(g) else g)
    ),
    "fit(data=g)": _plain(lambda w, g: nn.fit(w.model, nn.CrossEntropyLoss(), w.sgd, g, quiet=True)),
    "fit(epochs=g)": _plain(
        lambda w, g: nn.fit(w.model, nn.CrossEntropyLoss(), w.sgd, (w.X, w.y), epochs=g, quiet=True)
    ),
    "add_node(activation=g)": _plain(lambda w, g: w.graph.add_node("n", activation=g)),
    "add_edge(weight=g)": _plain(lambda w, g: w.graph.add_edge("x1", "or", g)),
    "graph(g)": _plain(lambda w, g: w.graph(g)),
    "Perceptron.fit(lr=g)": _plain(lambda w, g: w.perceptron.fit(*nn.data.truth_table("and"), lr=g)),
    "Perceptron.fit(X=g)": _plain(lambda w, g: w.perceptron.fit(g, [0, 1, 1, 0])),
    "Tensor(g)": _plain(lambda w, g: Tensor(g)),
    "t.sum(axis=g)": _plain(lambda w, g: w.t.sum(axis=g)),
    "t.mean(axis=g)": _plain(lambda w, g: w.t.mean(axis=g)),
    "t.max(keepdims=g)": _plain(lambda w, g: w.t.max(axis=0, keepdims=g)),
    "t.softmax(axis=g)": _plain(lambda w, g: w.t.softmax(axis=g)),
    "t.reshape(g)": _plain(lambda w, g: w.t.reshape(g)),
    "t[g]": _plain(lambda w, g: w.t[g]),
    "t * g": _plain(lambda w, g: w.t * g),
    "t + g": _plain(lambda w, g: w.t + g),
    "t / g": _plain(lambda w, g: w.t / g),
    "t ** g": _plain(lambda w, g: w.t**g),
    "t @ g": _plain(lambda w, g: w.t @ g),
    "where(g, t, 0)": _plain(lambda w, g: where(g, w.t, 0.0)),
    "concatenate(g)": _plain(lambda w, g: concatenate(g)),
    "concatenate([t, g])": _plain(lambda w, g: concatenate([w.t, g])),
    "stack([t, t], axis=g)": _plain(lambda w, g: stack([w.t, w.t], axis=g)),
    "backward(gradient=g)": _plain(lambda w, g: (w.t * 2).backward(gradient=g)),
    "Value * g": _plain(lambda w, g: w.v * g),
    "Value(g)": _plain(lambda w, g: Value(g)),
    "draw(g)": _plain(lambda w, g: draw(g)),
    "gradcheck_graph(g)": _plain(lambda w, g: gradcheck_graph(g)),
    "gradcheck_graph(eps=g)": _plain(lambda w, g: gradcheck_graph((w.t * w.t).sum(), eps=g)),
}


def _numeric(g):
    return isinstance(g, np.ndarray) and g.dtype.kind in "biuf"


def _with_buffer(opt, g):
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = g
    return sd


def raised_on_purpose(e: BaseException) -> bool:
    """Whether ``e`` comes from a ``raise`` statement of the library itself."""
    last = traceback.extract_tb(e.__traceback__)[-1]
    return last.filename.startswith(PACKAGES) and linecache.getline(
        last.filename, last.lineno
    ).strip().startswith(("raise", ")"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's note on arithmetic with the garbage's inf
@pytest.mark.parametrize("target", list(TARGETS), ids=list(TARGETS))
@settings(max_examples=20, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(g=garbage)
def test_garbage_never_breaks_inside_and_never_changes_state(target, g):
    w = world()
    call = TARGETS[target](w, g)
    before = snapshot(w)
    try:
        call()
    except Exception as e:  # any error the library means to raise, and then nothing changed
        assert not isinstance(e, INTERNAL) or raised_on_purpose(e), f"{type(e).__name__} from inside: {e}"
        assert same(snapshot(w), before), f"{target} failed ({type(e).__name__}: {e}) but changed the data"
