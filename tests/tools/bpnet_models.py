"""BPNet-style test models: PyTorch modules written the way their authors
write them, their model-file (version 2) architectures, and a writer.

- BPNetLite: jmschrei/bpnet-lite's BPNet layout ('same' padding):
  x = relu(iconv(x)); x = x + relu(rconv_i(x)) (dilation 2^i, i = 1..n);
  profile = fconv(x) (k = 75) trimmed to the centre out_length positions;
  counts = linear(mean of x over [start − 37, end + 37)).
- KerasBPNet: the Keras (ChromBPNet) layout of the same network: 'valid'
  padding, x = relu(conv_i(x)) + crop(x, 2^i each side), the profile conv's
  output centre-cropped to out_length, the counts mean over the centre
  out_length + 74 positions of the trunk.

With trim = (length − out_length)/2 >= the receptive-field half-width
(10 + Σ 2^i + 37), the two compute the same function from the same weights,
which the tests use as a check of the crops. Both share parameter names
(iconv, rconvs.{i}, fconv, linear), so one's state_dict loads into the other.
The model files name the layers as docs/model-format.md's graph example
(c0, r0, c{i}, r{i}, a{i}, pconv, profile, cwin, gap, flat, counts).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import model_zoo
import reference_deeplift
from torch_model import profile_f

COUNTS_MARGIN = 37   # bpnet-lite: the counts head averages [start − 37, end + 37)
SMALL = {"n_filters": 32, "n_layers": 4, "n_strands": 2, "length": 300, "out_length": 120}


def centre(x, keep):
    """The centre `keep` positions of x [..., L] (the odd one on the right)."""
    left = (x.shape[-1] - keep) // 2
    return x[..., left:left + keep]


class BPNetLite(nn.Module):
    def __init__(self, n_filters=32, n_layers=4, n_strands=2, length=300, out_length=120):
        super().__init__()
        self.iconv = nn.Conv1d(4, n_filters, 21, padding=10)
        self.rconvs = nn.ModuleList([nn.Conv1d(n_filters, n_filters, 3, padding=2 ** i, dilation=2 ** i)
                                     for i in range(1, n_layers + 1)])
        self.fconv = nn.Conv1d(n_filters, n_strands, 75, padding=37)
        self.linear = nn.Linear(n_filters, 1)
        self.trimming = (length - out_length) // 2
        self.length, self.out_length = length, out_length

    def forward(self, x):
        start, end = self.trimming, x.shape[2] - self.trimming
        x = torch.relu(self.iconv(x))
        for rconv in self.rconvs:
            x = x + torch.relu(rconv(x))
        profile = self.fconv(x)[:, :, start:end]
        counts = self.linear(torch.mean(x[:, :, start - COUNTS_MARGIN:end + COUNTS_MARGIN], dim=2))
        return profile, counts.reshape(x.shape[0], 1)


class KerasBPNet(nn.Module):
    def __init__(self, n_filters=32, n_layers=4, n_strands=2, length=300, out_length=120):
        super().__init__()
        self.iconv = nn.Conv1d(4, n_filters, 21)
        self.rconvs = nn.ModuleList([nn.Conv1d(n_filters, n_filters, 3, dilation=2 ** i)
                                     for i in range(1, n_layers + 1)])
        self.fconv = nn.Conv1d(n_filters, n_strands, 75)
        self.linear = nn.Linear(n_filters, 1)
        self.length, self.out_length = length, out_length

    def forward(self, x):
        x = F.relu(self.iconv(x))
        for i, rconv in enumerate(self.rconvs, 1):
            d = 2 ** i
            x = F.relu(rconv(x)) + x[:, :, d:x.shape[2] - d]
        profile = centre(self.fconv(x), self.out_length)
        counts = self.linear(centre(x, self.out_length + 2 * COUNTS_MARGIN).mean(dim=2))
        return profile, counts


def make(kind, seed=0, scale=1.0, **shape):
    """A float64 module (kind: "bpnet-lite" | "keras") with random weights:
    Normal(0, scale/√fan_in) weights, Uniform(±scale/√fan_in) biases."""
    torch.set_default_dtype(torch.float64)
    geometry = dict(SMALL, **shape)
    module = (BPNetLite if kind == "bpnet-lite" else KerasBPNet)(**geometry).double()
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            weight = module.get_submodule(name.rsplit(".", 1)[0]).weight
            fan_in = int(np.prod(weight.shape[1:]))
            if name.endswith("weight"):
                value = rng.normal(0, scale / np.sqrt(fan_in), size=p.shape)
            else:
                value = rng.uniform(-scale / np.sqrt(fan_in), scale / np.sqrt(fan_in), size=p.shape)
            p.copy_(torch.as_tensor(value))
    module.eval()
    return module


def architecture(module):
    """The model file (version 2) architecture of a BPNetLite or KerasBPNet."""
    keras = isinstance(module, KerasBPNet)
    padding = "valid" if keras else "same"
    n_filters = module.iconv.out_channels
    n_strands = module.fconv.out_channels
    out_length = module.out_length
    layers = [{"type": "conv1d", "name": "c0", "in_channels": 4, "out_channels": n_filters,
               "kernel_size": 21, "padding": padding},
              {"type": "relu", "name": "r0"}]
    trunk = "r0"
    for i in range(1, len(module.rconvs) + 1):
        d = 2 ** i
        layers += [{"type": "conv1d", "name": f"c{i}", "in_channels": n_filters, "out_channels": n_filters,
                    "kernel_size": 3, "dilation": d, "padding": padding, "inputs": [trunk]},
                   {"type": "relu", "name": f"r{i}"}]
        if keras:
            layers += [{"type": "crop1d", "name": f"x{i}", "left": d, "right": d, "inputs": [trunk]},
                       {"type": "add", "name": f"a{i}", "inputs": [f"r{i}", f"x{i}"]}]
        else:
            layers.append({"type": "add", "name": f"a{i}", "inputs": [trunk, f"r{i}"]})
        trunk = f"a{i}"
    layers.append({"type": "conv1d", "name": "pconv", "in_channels": n_filters, "out_channels": n_strands,
                   "kernel_size": 75, "padding": padding, "inputs": [trunk]})
    if keras:
        layers.append({"type": "crop1d", "name": "profile", "length": out_length})
    else:
        layers.append({"type": "crop1d", "name": "profile", "left": module.trimming, "right": module.trimming})
    window = out_length + 2 * COUNTS_MARGIN
    layers += [{"type": "crop1d", "name": "cwin", "length": window, "inputs": [trunk]},
               {"type": "avgpool1d", "name": "gap", "kernel_size": window},
               {"type": "flatten", "name": "flat"},
               {"type": "dense", "name": "counts", "in_features": n_filters, "out_features": 1}]
    return {"input": {"alphabet": "ACGT", "length": module.length},
            "layers": layers,
            "outputs": [{"name": "profile", "layer": "profile"}, {"name": "counts", "layer": "counts"}]}


def tensors(module):
    """{model-file tensor name: float64 array} of a BPNetLite or KerasBPNet."""
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    out = {"c0.weight": state["iconv.weight"], "c0.bias": state["iconv.bias"],
           "pconv.weight": state["fconv.weight"], "pconv.bias": state["fconv.bias"],
           "counts.weight": state["linear.weight"], "counts.bias": state["linear.bias"]}
    for i in range(1, len(module.rconvs) + 1):
        out[f"c{i}.weight"] = state[f"rconvs.{i - 1}.weight"]
        out[f"c{i}.bias"] = state[f"rconvs.{i - 1}.bias"]
    return out


def as_float32(module):
    """The module with its weights rounded to float32 (as a model file stores
    them), still computing in float64."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.float().double())
    return module


def _model_file(source):
    """scripts/deeplift_py/model_file.py of the source tree (the model file writer)."""
    scripts = os.path.join(source, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    from deeplift_py import model_file
    return model_file


def write(module, path, test_vectors=2, source=model_zoo.SOURCE, seed=0):
    """Write module as a model file (version 2) with scripts/deeplift_py's
    writer, every tensor given; returns path. test_vectors > 0 embeds that
    many one-hot inputs (every second one with some N columns) with the
    module's own values of the tasks (profile f, counts), as a converter
    embeds its source framework's. Round the module's weights with as_float32
    first to compare it with the file."""
    model_file = _model_file(source)
    arch = architecture(module)
    stored = model_file.build_tensors(arch, given=tensors(module))
    vectors = None
    if test_vectors:
        rng = np.random.default_rng(seed + 1)
        x = np.zeros((test_vectors, 4, module.length))
        for i in range(test_vectors):
            x[i, rng.integers(0, 4, size=module.length), np.arange(module.length)] = 1.0
            if i % 2 == 1:
                x[i][:, rng.choice(module.length, size=module.length // 20, replace=False)] = 0.0
        vectors = {"inputs": x.tolist(), "logits": task_values(module, x).tolist()}
    model_file.write_file(path, model_file.stored_architecture(arch), stored, vectors)
    return path


def outputs(module, x):
    """(profile [N, S, L_out], counts [N, 1]) as numpy, for x [N, 4, L]."""
    with torch.no_grad():
        profile, counts = module(torch.as_tensor(np.asarray(x, dtype=np.float64)))
    return profile.numpy(), counts.numpy()


def task_values(module, x):
    """[N, 2]: the profile task's f and the counts, as score-seqs' tasks profile, counts."""
    with torch.no_grad():
        profile, counts = module(torch.as_tensor(np.asarray(x, dtype=np.float64)))
        return torch.stack([profile_f(profile), counts[:, 0]], dim=1).numpy()


def gradients(module, x):
    """[2, 4, L]: the gradients of the profile f and of the counts at x [4, L] (autograd)."""
    out = []
    for task in range(2):
        xt = torch.as_tensor(np.asarray(x, dtype=np.float64)[None]).clone().requires_grad_(True)
        profile, counts = module(xt)
        (profile_f(profile) if task == 0 else counts[:, 0]).sum().backward()
        out.append(xt.grad[0].numpy().copy())
    return np.stack(out)


def write_pair(directory, seed=0, scale=1.0, test_vectors=2, source=model_zoo.SOURCE, **shape):
    """Both kinds with their own random weights (seed, seed + 1), written to
    directory/{bpnet-lite,keras}.safetensors; returns {kind: (module, path)}
    with the modules' weights rounded to float32 as stored."""
    out = {}
    for offset, kind in enumerate(("bpnet-lite", "keras")):
        module = as_float32(make(kind, seed + offset, scale, **shape))
        path = write(module, os.path.join(directory, f"{kind}.safetensors"), test_vectors, source, seed + offset)
        out[kind] = (module, path)
    return out


def conditioned_shuffles(nets, x, count, rng, threshold=1e-5, tries=500):
    """count references [count, 4, L] for x [4, L]: x's columns in random
    order (the composition kept, N columns too), drawn again until float32
    rounding moves no model's bpnet-lite profile seed by more than threshold
    of its largest value (reference_deeplift.profile_seed_spread; nets:
    [(float64 Network, float32 Network)]): where the float64 reference and a
    float32 engine can agree to 1e-4."""
    out = []
    for _ in range(tries):
        ref = x[:, rng.permutation(x.shape[1])]
        if all(reference_deeplift.profile_seed_spread(net, net32, x, ref) <= threshold for net, net32 in nets):
            out.append(ref)
            if len(out) == count:
                return np.stack(out)
    raise RuntimeError(f"no {count} well-conditioned shuffles in {tries} tries")
