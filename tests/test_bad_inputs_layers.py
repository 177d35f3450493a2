"""Bad inputs to layers, activations and initializers: the error names the argument, and an
initializer that refuses leaves the weights as they were. Zero-size layers work as in PyTorch."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import nn
from autograd_lite import Tensor, Value, weighted_sum
from nn import functional as F
from nn import init

from .badinput import check, ids
from .conftest import require


def world():
    w = SimpleNamespace(lin=nn.Linear(3, 2, generator=np.random.default_rng(0)))
    w.weight = w.lin.weight
    w.arr = np.ones((4, 3))
    w.ints = np.ones((2, 2), dtype=np.int64)
    w.vec = Tensor(np.ones(5), requires_grad=True)
    w.empty = Tensor(np.ones((0, 3)), requires_grad=True)
    ro = np.ones((2, 2))
    ro.flags.writeable = False
    w.readonly = ro
    return w


def c(fn):
    return lambda w: lambda: fn(w)


LAYERS = [
    ("Linear(2.0, 3)", TypeError, ("Linear", "in_features", "pass 2"), c(lambda w: nn.Linear(2.0, 3))),
    ("Linear(-1, 3)", ValueError, ("in_features", "-1", ">= 0"), c(lambda w: nn.Linear(-1, 3))),
    ("Linear(2, -3)", ValueError, ("out_features", "-3"), c(lambda w: nn.Linear(2, -3))),
    ("Linear('2', 3)", TypeError, ("in_features", "'2'"), c(lambda w: nn.Linear("2", 3))),
    ("Linear(None, 3)", TypeError, ("in_features", "None"), c(lambda w: nn.Linear(None, 3))),
    ("Linear(True, 3)", TypeError, ("in_features",), c(lambda w: nn.Linear(True, 3))),
    ("Linear((2, 3))", TypeError, ("in_features",), c(lambda w: nn.Linear((2, 3), 1))),
    ("Linear bias='no'", TypeError, ("bias", "True or False"), c(lambda w: nn.Linear(2, 3, bias="no"))),
    ("Linear dtype int", TypeError, ("dtype", "float32"), c(lambda w: nn.Linear(2, 3, dtype=int))),
    ("Linear dtype 'half'", TypeError, ("dtype",), c(lambda w: nn.Linear(2, 3, dtype="half"))),
    (
        "Linear generator=0",
        TypeError,
        ("generator", "default_rng"),
        c(lambda w: nn.Linear(2, 3, generator=0)),
    ),
    (
        "Linear input None",
        TypeError,
        ("Linear", "None or other objects"),
        c(lambda w: w.lin([[1.0, None, 2.0]])),
    ),
    ("Linear input str", TypeError, ("Linear",), c(lambda w: w.lin("abc"))),
    ("Linear input strings", TypeError, ("Linear", "<U1"), c(lambda w: w.lin([["a", "b", "c"]]))),
    ("Linear input ragged", ValueError, ("rectangular",), c(lambda w: w.lin([[1.0, 2.0, 3.0], [1.0]]))),
    (
        "Linear input shape",
        ValueError,
        ("Linear(3, 2)", "last dimension must be 3"),
        c(lambda w: w.lin(np.ones((4, 2)))),
    ),
    ("Linear input scalar", ValueError, ("last dimension",), c(lambda w: w.lin(1.0))),
    ("Linear input Value", TypeError, ("nn.scalar",), c(lambda w: w.lin(Value(1.0)))),
    ("Linear input dict", TypeError, ("Linear",), c(lambda w: w.lin({"x": 1}))),
    ("Linear input complex", TypeError, ("complex",), c(lambda w: w.lin(np.ones((1, 3), complex)))),
    ("Dropout(1.0)", ValueError, ("Dropout", "p", "[0.0, 1.0)"), c(lambda w: nn.Dropout(1.0))),
    ("Dropout(-0.1)", ValueError, ("Dropout", "p"), c(lambda w: nn.Dropout(-0.1))),
    ("Dropout('0.5')", TypeError, ("p", "'0.5'"), c(lambda w: nn.Dropout("0.5"))),
    ("Dropout(nan)", ValueError, ("p",), c(lambda w: nn.Dropout(float("nan")))),
    ("Dropout generator", TypeError, ("generator",), c(lambda w: nn.Dropout(0.5, generator=1))),
    ("MLP(3)", TypeError, ("MLP", "sizes", "[2, 16, 1]"), c(lambda w: nn.MLP(3))),
    ("MLP('2,3')", TypeError, ("sizes",), c(lambda w: nn.MLP("2,3"))),
    ("MLP([2])", ValueError, ("at least an input and an output",), c(lambda w: nn.MLP([2]))),
    ("MLP([2, -1, 1])", ValueError, ("sizes[1]", "-1"), c(lambda w: nn.MLP([2, -1, 1]))),
    ("MLP([2, 1.5])", TypeError, ("sizes[1]",), c(lambda w: nn.MLP([2, 1.5]))),
    ("MLP([2, None])", TypeError, ("sizes[1]",), c(lambda w: nn.MLP([2, None]))),
    (
        "MLP activation",
        ValueError,
        ("unknown activation 'rleu'",),
        c(lambda w: nn.MLP([2, 3, 1], activation="rleu")),
    ),
    ("MLP activation 5", TypeError, ("activation",), c(lambda w: nn.MLP([2, 3, 1], activation=5))),
    (
        "MLP output_activation",
        ValueError,
        ("unknown activation",),
        c(lambda w: nn.MLP([2, 1], output_activation="sigmod")),
    ),
    ("MLP dropout 1", ValueError, ("dropout",), c(lambda w: nn.MLP([2, 3, 1], dropout=1.0))),
    ("MLP dropout str", TypeError, ("dropout",), c(lambda w: nn.MLP([2, 3, 1], dropout="0.1"))),
    ("MLP bias", TypeError, ("bias",), c(lambda w: nn.MLP([2, 3, 1], bias=None))),
    ("MLP dtype", TypeError, ("dtype",), c(lambda w: nn.MLP([2, 1], dtype="int8"))),
    ("McCullochPitts threshold", TypeError, ("threshold",), c(lambda w: nn.McCullochPitts(1.5))),
    (
        "McCullochPitts inhibitory",
        TypeError,
        ("inhibitory",),
        c(lambda w: nn.McCullochPitts(1, inhibitory=0)),
    ),
    (
        "McCullochPitts inhibitory str",
        TypeError,
        ("inhibitory[0]",),
        c(lambda w: nn.McCullochPitts(1, inhibitory=["a"])),
    ),
    ("McCullochPitts input", ValueError, ("binary",), c(lambda w: nn.McCullochPitts(1)([0, 2]))),
    (
        "McCullochPitts input None",
        TypeError,
        ("McCullochPitts",),
        c(lambda w: nn.McCullochPitts(1)([0, None])),
    ),
    ("McCullochPitts 3-d", ValueError, ("vector",), c(lambda w: nn.McCullochPitts(1)(np.zeros((2, 2, 2))))),
    (
        "McCullochPitts inhibitory range",
        IndexError,
        ("out of range",),
        c(lambda w: nn.McCullochPitts(1, [5])([0, 1])),
    ),
    ("LeakyReLU slope", TypeError, ("negative_slope",), c(lambda w: nn.LeakyReLU("0.1"))),
    ("LeakyReLU slope nan", ValueError, ("negative_slope",), c(lambda w: nn.LeakyReLU(float("nan")))),
    ("Softmax dim", TypeError, ("Softmax", "dim"), c(lambda w: nn.Softmax(dim=1.0))),
    ("LogSoftmax dim", TypeError, ("LogSoftmax", "dim"), c(lambda w: nn.LogSoftmax(dim="last"))),
    ("relu(None)", TypeError, ("relu",), c(lambda w: F.relu(None))),
    ("tanh('x')", TypeError, ("tanh",), c(lambda w: F.tanh("x"))),
    ("sigmoid([Value, 'a'])", TypeError, ("sigmoid", "'a'"), c(lambda w: F.sigmoid([Value(1.0), "a"]))),
    ("softmax([])", ValueError, ("softmax", "at least one"), c(lambda w: F.softmax([Value(1.0)][:0]))),
    ("softmax dim float", TypeError, ("dim",), c(lambda w: F.softmax(w.arr, dim=0.0))),
    ("log_softmax(['a'])", TypeError, ("log_softmax", "input[0]"), c(lambda w: F.log_softmax(["a"]))),
    ("leaky_relu slope", TypeError, ("negative_slope",), c(lambda w: F.leaky_relu(w.arr, "x"))),
    ("F.dropout p", ValueError, ("dropout", "p"), c(lambda w: F.dropout(w.arr, 2.0))),
    ("F.dropout training", TypeError, ("training",), c(lambda w: F.dropout(w.arr, 0.5, training="yes"))),
    ("F.linear None", TypeError, ("linear",), c(lambda w: F.linear([[None]], w.arr))),
    ("get activation 5", TypeError, ("activation",), c(lambda w: nn.activations.get_activation(5))),
    ("Perceptron(0)", ValueError, ("n_inputs", ">= 1"), c(lambda w: nn.Perceptron(0))),
    ("Perceptron(2.0)", TypeError, ("n_inputs",), c(lambda w: nn.Perceptron(2.0))),
    (
        "Perceptron predict shape",
        ValueError,
        ("shape (n, 2)",),
        c(lambda w: nn.Perceptron(2).predict(np.ones((3, 3)))),
    ),
    ("Perceptron predict str", TypeError, ("X",), c(lambda w: nn.Perceptron(2).predict([["a", "b"]]))),
    ("scalar Neuron(1.5)", TypeError, ("Neuron", "nin"), c(lambda w: nn.scalar.Neuron(1.5))),
    (
        "scalar Neuron activation",
        ValueError,
        ("choose one of",),
        c(lambda w: nn.scalar.Neuron(2, activation="elu")),
    ),
    (
        "scalar Neuron wrong input",
        ValueError,
        ("2 weights for 3 inputs",),
        c(lambda w: nn.scalar.Neuron(2)([1.0, 2.0, 3.0])),
    ),
    (
        "scalar Neuron str input",
        TypeError,
        ("unsupported operand",),
        c(lambda w: nn.scalar.Neuron(2)([1.0, "a"])),
    ),
    (
        "weighted_sum str weight",
        TypeError,
        ("weighted_sum", "weights[1]", "unsupported operand", "str"),
        c(lambda w: weighted_sum([Value(1.0), "a"], [1.0, 2.0])),
    ),
    ("weighted_sum None bias", TypeError, ("weighted_sum", "bias", "NoneType"),
     c(lambda w: weighted_sum([Value(1.0)], [1.0], None))),
    ("scalar Layer(2, 0)", ValueError, ("Layer", "nout"), c(lambda w: nn.scalar.Layer(2, 0))),
    ("scalar MLP(2, 3)", TypeError, ("nouts",), c(lambda w: nn.scalar.MLP(2, 3))),
    ("scalar MLP(2, [])", ValueError, ("nouts",), c(lambda w: nn.scalar.MLP(2, []))),
    ("scalar MLP(2, [0])", ValueError, ("nouts[0]",), c(lambda w: nn.scalar.MLP(2, [0]))),
]

# (function, arguments after the tensor, exception, words): every initializer refuses and leaves W as it was
INIT_FNS = [
    "zeros_",
    "ones_",
    "uniform_",
    "normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "xavier_uniform_",
    "xavier_normal_",
]
INIT = []
for fn in INIT_FNS:
    INIT += [
        (
            f"{fn}(list)",
            TypeError,
            (fn, "tensor", "list cannot be filled in place"),
            (lambda f: c(lambda w: getattr(init, f)([1.0, 2.0])))(fn),
        ),
        (
            f"{fn}(None)",
            TypeError,
            (fn, "tensor", "None"),
            (lambda f: c(lambda w: getattr(init, f)(None)))(fn),
        ),
        (f"{fn}(int array)", TypeError, (fn, "int64"), (lambda f: c(lambda w: getattr(init, f)(w.ints)))(fn)),
        (
            f"{fn}(read-only)",
            ValueError,
            (fn, "writable"),
            (lambda f: c(lambda w: getattr(init, f)(w.readonly)))(fn),
        ),
    ]
INIT += [
    ("constant_ str", TypeError, ("constant_", "val"), c(lambda w: init.constant_(w.weight, "1"))),
    (
        "constant_ nan",
        ValueError,
        ("constant_", "val", "nan"),
        c(lambda w: init.constant_(w.weight, float("nan"))),
    ),
    ("constant_ list", TypeError, ("tensor",), c(lambda w: init.constant_([1.0], 2.0))),
    (
        "uniform_ a > b",
        ValueError,
        ("uniform_", "invalid b", "lower bound comes first"),
        c(lambda w: init.uniform_(w.weight, 1.0, 0.0)),
    ),
    ("uniform_ a str", TypeError, ("uniform_", "invalid a"), c(lambda w: init.uniform_(w.weight, "0", 1.0))),
    ("uniform_ b inf", ValueError, ("invalid b",), c(lambda w: init.uniform_(w.weight, 0.0, float("inf")))),
    ("uniform_ generator", TypeError, ("generator",), c(lambda w: init.uniform_(w.weight, generator=42))),
    (
        "normal_ std < 0",
        ValueError,
        ("normal_", "std", ">= 0"),
        c(lambda w: init.normal_(w.weight, std=-1.0)),
    ),
    ("normal_ mean None", TypeError, ("mean",), c(lambda w: init.normal_(w.weight, mean=None))),
    ("normal_ generator", TypeError, ("generator",), c(lambda w: init.normal_(w.weight, generator="rng"))),
    ("kaiming 1-d", ValueError, ("fewer than 2 dimensions",), c(lambda w: init.kaiming_uniform_(w.vec))),
    (
        "kaiming mode",
        ValueError,
        ("mode 'fan_avg'",),
        c(lambda w: init.kaiming_normal_(w.weight, mode="fan_avg")),
    ),
    (
        "kaiming mode on empty",
        ValueError,
        ("mode 'x'",),
        c(lambda w: init.kaiming_normal_(w.empty, mode="x")),
    ),
    (
        "kaiming nonlinearity",
        ValueError,
        ("unsupported nonlinearity 'swish'",),
        c(lambda w: init.kaiming_uniform_(w.weight, nonlinearity="swish")),
    ),
    (
        "kaiming nonlinearity 3",
        TypeError,
        ("nonlinearity",),
        c(lambda w: init.kaiming_uniform_(w.weight, nonlinearity=3)),
    ),
    (
        "kaiming a str",
        TypeError,
        ("kaiming_uniform_", "invalid a"),
        c(lambda w: init.kaiming_uniform_(w.weight, a="5")),
    ),
    (
        "kaiming generator",
        TypeError,
        ("generator",),
        c(lambda w: init.kaiming_normal_(w.weight, generator=np.random)),
    ),
    ("xavier 1-d", ValueError, ("fewer than 2 dimensions",), c(lambda w: init.xavier_normal_(w.vec))),
    ("xavier gain str", TypeError, ("gain",), c(lambda w: init.xavier_uniform_(w.weight, gain="1"))),
    ("xavier gain nan", ValueError, ("gain",), c(lambda w: init.xavier_normal_(w.weight, gain=float("nan")))),
    (
        "calculate_gain unknown",
        ValueError,
        ("unsupported nonlinearity",),
        c(lambda w: init.calculate_gain("gelu")),
    ),
    ("calculate_gain None", TypeError, ("nonlinearity",), c(lambda w: init.calculate_gain(None))),
    (
        "calculate_gain slope",
        ValueError,
        ("negative_slope",),
        c(lambda w: init.calculate_gain("leaky_relu", "0.1")),
    ),
    ("manual_seed(-1)", ValueError, ("manual_seed", "seed", ">= 0"), c(lambda w: init.manual_seed(-1))),
    ("manual_seed(1.5)", TypeError, ("seed",), c(lambda w: init.manual_seed(1.5))),
    ("manual_seed('0')", TypeError, ("seed",), c(lambda w: init.manual_seed("0"))),
]

CASES = LAYERS + INIT


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_layers_and_init(case):
    _, exc, words, setup = case
    check(world(), exc, words, setup)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # PyTorch's note on the same no-op
@pytest.mark.parametrize("sizes", [(0, 3), (3, 0), (0, 0)])
def test_zero_size_linear_as_pytorch(sizes):
    """Linear(0, 3) is allowed, as in PyTorch: an empty weight, a zero bias, zeros out."""
    torch = require("torch")
    n_in, n_out = sizes
    ours = nn.Linear(n_in, n_out)
    ref = torch.nn.Linear(n_in, n_out)
    assert ours.weight.data.shape == tuple(ref.weight.shape)
    assert ours.bias.data.shape == tuple(ref.bias.shape)
    x = np.ones((4, n_in))
    np.testing.assert_array_equal(ours(x).data, np.zeros((4, n_out)))  # the bias bound 1/√0 is taken as 0
    np.testing.assert_array_equal(ref(torch.from_numpy(x).float()).detach().numpy(), np.zeros((4, n_out)))


def test_mlp_with_an_empty_hidden_layer_trains_its_last_bias():
    m = nn.MLP([2, 0, 1])
    out = m(np.ones((3, 2)))
    nn.MSELoss()(out, np.ones((3, 1))).backward()
    assert m[2].bias.grad.shape == (1,)
    assert m[0].weight.data.shape == (0, 2)
