"""A PyTorch (float64) network built from a docs/model-format.md model's tensors with
torch.nn modules: the second, independent forward pass the tests trust.

Conv1d gets no padding of its own: docs/model-format.md's 'same' rule (TensorFlow's,
possibly asymmetric) is applied with F.pad first, as torch's own
padding='same' only exists for stride 1.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class PadConv1d(nn.Module):
    def __init__(self, spec, weight, bias, length):
        super().__init__()
        k = spec["kernel_size"]
        stride, dilation = spec.get("stride", 1), spec.get("dilation", 1)
        if spec.get("padding", "valid") == "same":
            total = max((math.ceil(length / stride) - 1) * stride + (k - 1) * dilation + 1 - length, 0)
        else:
            total = 0
        self.pad = (total // 2, total - total // 2)
        self.conv = nn.Conv1d(spec["in_channels"], spec["out_channels"], k,
                              stride=stride, dilation=dilation, padding=0)
        with torch.no_grad():
            self.conv.weight.copy_(torch.as_tensor(weight))
            self.conv.bias.copy_(torch.as_tensor(bias))

    def forward(self, x):
        return self.conv(F.pad(x, self.pad))


class PositionPReLU(nn.Module):
    """PReLU with a [C, L] slope (Keras' default); torch.where's gradient at 0
    takes the slope branch, the left derivative."""

    def __init__(self, slope):
        super().__init__()
        self.slope = nn.Parameter(torch.as_tensor(slope))

    def forward(self, x):
        return torch.where(x > 0, x, self.slope * x)


def build(arch, tensors, normalise_softmax=True):
    """nn.Sequential computing the logits of docs/model-format.md (float64). With
    normalise_softmax, a softmax model's logits are mean-normalised (§4)."""
    torch.set_default_dtype(torch.float64)
    modules = []
    shape = (arch["input"].get("channels", 4), arch["input"]["length"])  # channels: tests only
    probe = torch.zeros((1,) + shape)
    for spec in arch["layers"]:
        kind = spec["type"]
        if kind == "conv1d":
            module = PadConv1d(spec, tensors[spec["name"] + ".weight"], tensors[spec["name"] + ".bias"], shape[1])
        elif kind == "dense":
            w = torch.as_tensor(tensors[spec["name"] + ".weight"], dtype=torch.float64)
            b = torch.as_tensor(tensors[spec["name"] + ".bias"], dtype=torch.float64)
            if spec is arch["layers"][-1] and arch["output"] == "softmax" and normalise_softmax:
                w = w - w.mean(dim=0, keepdim=True)
                b = b - b.mean()
            module = nn.Linear(spec["in_features"], spec["out_features"])
            with torch.no_grad():
                module.weight.copy_(w)
                module.bias.copy_(b)
        elif kind == "prelu":
            slope = torch.as_tensor(tensors[spec["name"] + ".weight"], dtype=torch.float64)
            if slope.dim() == 2:
                module = PositionPReLU(slope)
            else:
                module = nn.PReLU(num_parameters=slope.numel())
                with torch.no_grad():
                    module.weight.copy_(slope)
        elif kind == "relu":
            module = nn.ReLU()
        elif kind == "sigmoid":
            module = nn.Sigmoid()
        elif kind == "tanh":
            module = nn.Tanh()
        elif kind == "maxpool1d":
            module = nn.MaxPool1d(spec["kernel_size"], spec.get("stride", spec["kernel_size"]))
        elif kind == "avgpool1d":
            module = nn.AvgPool1d(spec["kernel_size"], spec.get("stride", spec["kernel_size"]))
        elif kind == "flatten":
            module = nn.Flatten(1)
        else:
            raise ValueError(f"unknown layer type: {kind}")
        modules.append(module)
        with torch.no_grad():
            probe = module(probe)
        shape = tuple(probe.shape[1:])
    net = nn.Sequential(*modules).double()
    net.eval()
    return net


def logits(net, x):
    """Logits for a numpy batch [N, 4, L] (float64 numpy out)."""
    with torch.no_grad():
        return net(torch.as_tensor(x, dtype=torch.float64)).numpy()


def gradient(net, x, task):
    """d logit_task / d x at numpy x [4, L] (autograd, float64)."""
    xt = torch.as_tensor(x[None], dtype=torch.float64).clone().requires_grad_(True)
    net(xt)[0, task].backward()
    return xt.grad[0].numpy()
