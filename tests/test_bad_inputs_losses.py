"""Bad inputs to the losses: a target that cannot be right is an error that names it, before any
arithmetic, and the input's gradient is left as it was."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd_lite import Tensor, Value
from nn import functional as F

from .badinput import check, ids


def world():
    rng = np.random.default_rng(0)
    w = SimpleNamespace(
        logits=Tensor(rng.normal(size=(4, 3)), requires_grad=True),
        out=Tensor(rng.normal(size=(4, 1)), requires_grad=True),
        prob=Tensor(rng.uniform(0.1, 0.9, size=(4, 1)), requires_grad=True),
        v=Value(0.3),
    )
    w.logits.grad = np.ones((4, 3))  # an earlier backward's gradient, which a failed call must not touch
    w.labels = np.array([0, 2, 1, 0])
    w.t = np.zeros((4, 1))
    return w


def c(fn):
    return lambda w: lambda: fn(w)


ELEMENTWISE = [
    ("l1_loss", nn.L1Loss),
    ("mse_loss", nn.MSELoss),
    ("huber_loss", nn.HuberLoss),
    ("smooth_l1_loss", nn.SmoothL1Loss),
    ("binary_cross_entropy_with_logits", nn.BCEWithLogitsLoss),
]


def on(f, *args, **kwargs):
    """A call of loss ``f`` whose arguments are names in the world ("out", "t") or values."""

    def setup(w):
        get = lambda a: getattr(w, a) if isinstance(a, str) and hasattr(w, a) else a  # noqa: E731
        return lambda: f(*[get(a) for a in args], **kwargs)

    return setup


CASES = []
for fname, cls in ELEMENTWISE:
    f = getattr(F, fname)
    CASES += [
        (f"{fname} nan target", ValueError, (fname, "target", "nan"), on(f, "out", np.full((4, 1), np.nan))),
        (f"{fname} inf target", ValueError, (fname, "inf"), on(f, "out", np.full((4, 1), np.inf))),
        (f"{fname} shape", ValueError, (fname, "(4, 1)", "(4,)", "reshape"), on(f, "out", np.zeros(4))),
        (f"{fname} str target", TypeError, (fname, "target"), on(f, "out", "zeros")),
        (f"{fname} None target", TypeError, (fname, "target"), on(f, "out", None)),
        (f"{fname} objects target", TypeError, (fname, "objects"), on(f, "out", [[None]] * 4)),
        (f"{fname} reduction", ValueError, (fname, "reduction", "'avg'"), on(f, "out", "t", reduction="avg")),
        (f"{fname} reduction None", ValueError, ("reduction",), on(f, "out", "t", reduction=None)),
        (f"{cls.__name__}(reduction=1)", ValueError, ("reduction",), on(cls, reduction=1)),
        (f"{fname} Value nan target", ValueError, (fname, "nan"), on(f, "v", float("nan"))),
        (
            f"{fname} Values count",
            ValueError,
            ("2 input value(s) but 3",),
            on(f, [Value(0.3), Value(0.1)], [0.0, 1.0, 1.0]),
        ),
        (f"{fname} Values str", TypeError, ("input[1]",), on(f, [Value(0.3), "a"], [0.0, 1.0])),
        (f"{fname} input None", TypeError, (fname, "None or other objects"), on(f, [[None]] * 4, "t")),
    ]
CASES += [
    (
        "huber delta 0",
        ValueError,
        ("huber_loss", "delta", "> 0"),
        c(lambda w: F.huber_loss(w.out, w.t, delta=0)),
    ),
    ("huber delta str", TypeError, ("delta",), c(lambda w: F.huber_loss(w.out, w.t, delta="1"))),
    ("HuberLoss delta -1", ValueError, ("HuberLoss", "delta"), c(lambda w: nn.HuberLoss(delta=-1))),
    (
        "smooth_l1 beta -1",
        ValueError,
        ("smooth_l1_loss", "beta"),
        c(lambda w: F.smooth_l1_loss(w.out, w.t, beta=-1)),
    ),
    (
        "SmoothL1Loss beta nan",
        ValueError,
        ("SmoothL1Loss", "beta"),
        c(lambda w: nn.SmoothL1Loss(beta=float("nan"))),
    ),
    (
        "bce input > 1",
        ValueError,
        ("binary_cross_entropy", "[0, 1]", "with_logits"),
        c(lambda w: F.binary_cross_entropy(w.out * 10, w.t)),
    ),
    (
        "bce target 2",
        ValueError,
        ("target", "[0, 1]"),
        c(lambda w: F.binary_cross_entropy(w.prob, np.full((4, 1), 2.0))),
    ),
    (
        "bce target nan",
        ValueError,
        ("target", "nan"),
        c(lambda w: F.binary_cross_entropy(w.prob, np.full((4, 1), np.nan))),
    ),
    (
        "bce weight shape",
        ValueError,
        ("weight", "broadcasts"),
        c(lambda w: F.binary_cross_entropy(w.prob, w.t, weight=np.ones(3))),
    ),
    (
        "bce weight nan",
        ValueError,
        ("weight", "nan"),
        c(lambda w: F.binary_cross_entropy(w.prob, w.t, weight=np.full((4, 1), np.nan))),
    ),
    ("BCELoss weight str", TypeError, ("BCELoss", "weight"), c(lambda w: nn.BCELoss(weight="w"))),
    (
        "bce logits target 3",
        ValueError,
        ("[0, 1]",),
        c(lambda w: F.binary_cross_entropy_with_logits(w.out, np.full((4, 1), 3.0))),
    ),
    (
        "bce logits pos_weight str",
        TypeError,
        ("pos_weight",),
        c(lambda w: F.binary_cross_entropy_with_logits(w.out, w.t, pos_weight="2")),
    ),
    (
        "BCEWithLogitsLoss pos_weight nan",
        ValueError,
        ("pos_weight", "nan"),
        c(lambda w: nn.BCEWithLogitsLoss(pos_weight=float("nan"))),
    ),
    # classification
    (
        "CE 0-d input",
        ValueError,
        ("cross_entropy", "class axis", "binary_cross_entropy_with_logits"),
        c(lambda w: nn.CrossEntropyLoss()(Tensor(1.0), 0)),
    ),
    (
        "CE no classes",
        ValueError,
        ("at least one class",),
        c(lambda w: F.cross_entropy(np.zeros((2, 0)), [0, 0])),
    ),
    (
        "CE label out of range",
        IndexError,
        ("class index 3", "3 classes"),
        c(lambda w: F.cross_entropy(w.logits, [0, 1, 3, 0])),
    ),
    ("CE label -1", IndexError, ("class index -1",), c(lambda w: F.cross_entropy(w.logits, [0, 1, -1, 0]))),
    (
        "CE float labels",
        TypeError,
        ("integer class indices", "dtype=int"),
        c(lambda w: F.cross_entropy(w.logits, [0.0, 1.0, 2.0, 0.0])),
    ),
    (
        "CE nan labels",
        TypeError,
        ("integer class indices",),
        c(lambda w: F.cross_entropy(w.logits, [0.0, np.nan, 2.0, 0.0])),
    ),
    ("CE str labels", TypeError, ("target",), c(lambda w: F.cross_entropy(w.logits, ["a", "b", "c", "a"]))),
    ("CE None labels", TypeError, ("target",), c(lambda w: F.cross_entropy(w.logits, None))),
    (
        "CE label shape",
        ValueError,
        ("needs a target of shape (4,)",),
        c(lambda w: F.cross_entropy(w.logits, [0, 1])),
    ),
    (
        "CE one-hot wrong shape",
        TypeError,
        ("integer class indices",),
        c(lambda w: F.cross_entropy(w.logits, np.eye(3))),
    ),
    (
        "CE probabilities > 1",
        ValueError,
        ("probabilities", "[0, 1]"),
        c(lambda w: F.cross_entropy(w.logits, np.full((4, 3), 2.0))),
    ),
    (
        "CE probabilities nan",
        ValueError,
        ("probabilities", "nan"),
        c(lambda w: F.cross_entropy(w.logits, np.full((4, 3), np.nan))),
    ),
    (
        "CE weight shape",
        ValueError,
        ("one entry per class", "(3,)"),
        c(lambda w: F.cross_entropy(w.logits, w.labels, weight=np.ones(2))),
    ),
    (
        "CE weight nan",
        ValueError,
        ("weight", "nan"),
        c(lambda w: F.cross_entropy(w.logits, w.labels, weight=[1.0, np.nan, 1.0])),
    ),
    (
        "CE label_smoothing 2",
        ValueError,
        ("label_smoothing",),
        c(lambda w: F.cross_entropy(w.logits, w.labels, label_smoothing=2)),
    ),
    (
        "CE label_smoothing str",
        TypeError,
        ("label_smoothing",),
        c(lambda w: F.cross_entropy(w.logits, w.labels, label_smoothing="0.1")),
    ),
    (
        "CE ignore_index float",
        TypeError,
        ("ignore_index",),
        c(lambda w: F.cross_entropy(w.logits, w.labels, ignore_index=0.5)),
    ),
    (
        "CE all ignored",
        ValueError,
        ("mean is over no target",),
        c(lambda w: F.cross_entropy(w.logits, w.labels * 0 - 100)),
    ),
    ("CE input None", TypeError, ("cross_entropy",), c(lambda w: F.cross_entropy([[None, 1.0]], [0]))),
    ("CE input str", TypeError, ("cross_entropy",), c(lambda w: F.cross_entropy("logits", [0]))),
    (
        "CrossEntropyLoss weight str",
        TypeError,
        ("CrossEntropyLoss", "weight"),
        c(lambda w: nn.CrossEntropyLoss(weight="balanced")),
    ),
    (
        "CrossEntropyLoss label_smoothing",
        ValueError,
        ("CrossEntropyLoss", "label_smoothing"),
        c(lambda w: nn.CrossEntropyLoss(label_smoothing=-0.1)),
    ),
    (
        "CrossEntropyLoss ignore_index",
        TypeError,
        ("ignore_index",),
        c(lambda w: nn.CrossEntropyLoss(ignore_index=None)),
    ),
    (
        "CrossEntropyLoss reduction",
        ValueError,
        ("reduction",),
        c(lambda w: nn.CrossEntropyLoss(reduction="batchmean")),
    ),
    ("NLL 0-d input", ValueError, ("nll_loss", "class axis"), c(lambda w: F.nll_loss(Tensor(0.5), 0))),
    ("NLL label range", IndexError, ("class index 5",), c(lambda w: F.nll_loss(w.logits, [0, 1, 5, 0]))),
    (
        "NLL float labels",
        TypeError,
        ("integer class indices",),
        c(lambda w: F.nll_loss(w.logits, [0.5, 1, 2, 0])),
    ),
    (
        "NLL weight",
        ValueError,
        ("one entry per class",),
        c(lambda w: F.nll_loss(w.logits, w.labels, weight=[1.0])),
    ),
    (
        "NLLLoss ignore_index str",
        TypeError,
        ("NLLLoss", "ignore_index"),
        c(lambda w: nn.NLLLoss(ignore_index="none")),
    ),
    (
        "NLLLoss weight None inside",
        TypeError,
        ("NLLLoss", "weight"),
        c(lambda w: nn.NLLLoss(weight=[1.0, None])),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_losses(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)
