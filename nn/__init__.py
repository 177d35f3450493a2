"""nn: the lecture's four ingredients on top of autograd_lite, with PyTorch's names.

* g, the graph: ``Module``, ``Linear``, ``Sequential``, ``MLP``, the activations, the historical units
  (``McCullochPitts``, ``Perceptron``) and ``NeuronGraph`` (g = {N, E} node by node); ``nn.scalar``
  holds micrograd's ``Neuron``/``Layer``/``MLP`` made of ``Value``s.
* l, the loss: ``L1Loss`` … ``CrossEntropyLoss`` and the lecture's names ``MAE MSE SAE BCE CCE``.
* o, the optimizer: ``nn.optim`` (``GD SGD Adagrad RMSprop Adam``, ``StepLR ExponentialLR``).
* i, the initialization: ``nn.init`` (``kaiming_*``/``he_*``, ``xavier_*``/``glorot_*``, …).

Plus ``nn.data`` (toy datasets, ``DataLoader``) and ``nn.fit`` (a training loop with a history), and the
step across to PyTorch: ``model.to_torch()``, ``optimizer.to_torch(torch_model)``, ``nn.from_torch`` and
``nn.optim.from_torch`` (``nn.torch_bridge``; PyTorch is optional, ``pip install -e '.[torch]'``).
"""

from . import data, functional, init, optim, scalar
from .activations import (
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Sign,
    Softmax,
    Softplus,
    Step,
    Tanh,
)
from .graph import NeuronGraph
from .init import manual_seed
from .layers import MLP, Dropout, Linear, McCullochPitts, Perceptron, PerceptronResult
from .losses import (
    BCE,
    CCE,
    MAE,
    MSE,
    SAE,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, ModuleList, Parameter, Sequential
from .torch_bridge import from_torch
from .train import History, Trainer, accuracy, fit

__all__ = [
    "data", "functional", "init", "optim", "scalar", "manual_seed",
    "Module", "ModuleList", "Parameter", "Sequential", "Linear", "Dropout", "MLP", "NeuronGraph",
    "McCullochPitts", "Perceptron", "PerceptronResult",
    "Identity", "Sign", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus", "Softmax",
    "LogSoftmax",
    "L1Loss", "MSELoss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss",
    "CrossEntropyLoss", "MAE", "MSE", "SAE", "BCE", "CCE",
    "fit", "Trainer", "History", "accuracy", "from_torch",
]
