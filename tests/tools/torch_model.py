"""A PyTorch (float64) network built from a docs/model-format.md model's tensors with
torch.nn modules: the second, independent forward pass the tests trust.
Graph models (version 2) become a GraphNet returning every task's value.

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


def layer_module(spec, tensors, shape, normalise=False):
    """The torch.nn module of one layer reading activations of shape
    [channels, length] (or [features]); normalise: mean-normalise a dense
    layer's rows (a softmax model's last layer)."""
    kind = spec["type"]
    if kind == "conv1d":
        return PadConv1d(spec, tensors[spec["name"] + ".weight"], tensors[spec["name"] + ".bias"], shape[1])
    if kind == "dense":
        w = torch.as_tensor(tensors[spec["name"] + ".weight"], dtype=torch.float64)
        b = torch.as_tensor(tensors[spec["name"] + ".bias"], dtype=torch.float64)
        if normalise:
            w = w - w.mean(dim=0, keepdim=True)
            b = b - b.mean()
        module = nn.Linear(spec["in_features"], spec["out_features"])
        with torch.no_grad():
            module.weight.copy_(w)
            module.bias.copy_(b)
        return module
    if kind == "prelu":
        slope = torch.as_tensor(tensors[spec["name"] + ".weight"], dtype=torch.float64)
        if slope.dim() == 2:
            return PositionPReLU(slope)
        module = nn.PReLU(num_parameters=slope.numel())
        with torch.no_grad():
            module.weight.copy_(slope)
        return module
    if kind == "relu":
        return nn.ReLU()
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "tanh":
        return nn.Tanh()
    if kind == "maxpool1d":
        return nn.MaxPool1d(spec["kernel_size"], spec.get("stride", spec["kernel_size"]))
    if kind == "avgpool1d":
        return nn.AvgPool1d(spec["kernel_size"], spec.get("stride", spec["kernel_size"]))
    if kind == "flatten":
        return nn.Flatten(1)
    if kind == "crop1d":
        return Crop1d(spec, shape[1])
    raise ValueError(f"unknown layer type: {kind}")


def build(arch, tensors, normalise_softmax=True):
    """nn.Sequential computing the logits of docs/model-format.md (float64). With
    normalise_softmax, a softmax model's logits are mean-normalised (§4).
    A graph model (version 2: `outputs`) gives a GraphNet instead."""
    torch.set_default_dtype(torch.float64)
    if "outputs" in arch:
        return GraphNet(arch, tensors)
    modules = []
    shape = (arch["input"].get("channels", 4), arch["input"]["length"])  # channels: tests only
    probe = torch.zeros((1,) + shape)
    for spec in arch["layers"]:
        normalise = spec is arch["layers"][-1] and arch["output"] == "softmax" and normalise_softmax
        module = layer_module(spec, tensors, shape, normalise)
        modules.append(module)
        with torch.no_grad():
            probe = module(probe)
        shape = tuple(probe.shape[1:])
    net = nn.Sequential(*modules).double()
    net.eval()
    return net


class Crop1d(nn.Module):
    """x[..., left:L - right]; `length` keeps the centre, the odd base on the right."""

    def __init__(self, spec, length):
        super().__init__()
        if "length" in spec:
            self.left = (length - spec["length"]) // 2
            self.right = length - spec["length"] - self.left
        else:
            self.left, self.right = spec.get("left", 0), spec.get("right", 0)

    def forward(self, x):
        return x[..., self.left:x.shape[-1] - self.right]


def profile_f(z):
    """f = Σᵢ softmax(z̃)ᵢ·z̃ᵢ over strands × positions, z̃ = z − mean(z); z [N, S, L] -> [N]."""
    z = z.reshape(z.shape[0], -1)
    zt = z - z.mean(dim=1, keepdim=True)
    return (torch.softmax(zt, dim=1) * zt).sum(dim=1)


class GraphNet(nn.Module):
    """A version 2 model: each layer reads the activations its `inputs` name
    (default: the layer before); forward() returns [N, T], every task's value
    (a profile task's f, see profile_f)."""

    def __init__(self, arch, tensors):
        super().__init__()
        shapes = {"input": (4, arch["input"]["length"])}
        previous = "input"
        self.sources, self.kinds, self.keys = [], [], []
        modules = []
        probes = {"input": torch.zeros((1,) + shapes["input"])}
        for i, spec in enumerate(arch["layers"]):
            key = spec.get("name", f"#{i}")
            sources = spec.get("inputs", [previous])
            kind = spec["type"]
            if kind in ("add", "concat"):
                module = nn.Identity()
            else:
                module = layer_module(spec, tensors, tuple(probes[sources[0]].shape[1:]))
            modules.append(module)
            self.sources.append(sources)
            self.kinds.append(kind)
            self.keys.append(key)
            with torch.no_grad():
                probes[key] = self._combine(kind, module, [probes[s] for s in sources])
            previous = key
        self.layers = nn.ModuleList(modules)
        self.outputs = []
        for entry in arch["outputs"]:
            shape = tuple(probes[entry["layer"]].shape[1:])
            if len(shape) == 1 or shape[1] == 1:
                for c in range(shape[0]):
                    self.outputs.append((entry["layer"], c))
            else:
                self.outputs.append((entry["layer"], None))
        self.double()
        self.eval()

    @staticmethod
    def _combine(kind, module, ins):
        if kind == "add":
            out = ins[0]
            for x in ins[1:]:
                out = out + x
            return out
        if kind == "concat":
            return torch.cat(ins, dim=1)
        return module(ins[0])

    def activations(self, x):
        acts = {"input": x}
        for kind, key, sources, module in zip(self.kinds, self.keys, self.sources, self.layers):
            acts[key] = self._combine(kind, module, [acts[s] for s in sources])
        return acts

    def forward(self, x):
        acts = self.activations(x)
        values = []
        for layer, channel in self.outputs:
            a = acts[layer]
            values.append(profile_f(a) if channel is None else a.reshape(a.shape[0], -1)[:, channel])
        return torch.stack(values, dim=1)


def logits(net, x):
    """Logits for a numpy batch [N, 4, L] (float64 numpy out)."""
    with torch.no_grad():
        return net(torch.as_tensor(x, dtype=torch.float64)).numpy()


def gradient(net, x, task):
    """d logit_task / d x at numpy x [4, L] (autograd, float64)."""
    xt = torch.as_tensor(x[None], dtype=torch.float64).clone().requires_grad_(True)
    net(xt)[0, task].backward()
    return xt.grad[0].numpy()
