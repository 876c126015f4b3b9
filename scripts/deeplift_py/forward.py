"""The logits of a model file (docs/model-format.md) in float64 numpy.

Used for the test vectors that write-model.py and convert-model embed, and by
convert-model to check a conversion before writing it. It is the production
side's own forward pass; the tests check it (and the C++ loader) against
PyTorch and against tests/tools/reference_deeplift.py, which is written
separately on purpose (deeplift_py/__init__.py).
"""
import numpy as np

from .model_file import ArchError, conv_output_length


def _conv1d(spec, x, weight, bias):
    """x [C_in, L] -> [C_out, L_out]; docs/model-format.md padding, stride, dilation."""
    kernel = weight.shape[2]
    stride, dilation = spec.get("stride", 1), spec.get("dilation", 1)
    out_length, (left, right) = conv_output_length(x.shape[1], kernel, stride, dilation,
                                                   spec.get("padding", "valid"))
    padded = np.pad(x, ((0, 0), (left, right)))
    out = np.repeat(bias[:, None], out_length, axis=1)
    last = (out_length - 1) * stride + 1
    for k in range(kernel):
        columns = padded[:, k * dilation:k * dilation + last:stride]
        out = out + weight[:, :, k] @ columns
    return out


def _pool(spec, x, reduce):
    kernel = spec["kernel_size"]
    stride = spec.get("stride", kernel)
    count = (x.shape[1] - kernel) // stride + 1
    return np.stack([reduce(x[:, i * stride:i * stride + kernel], axis=1) for i in range(count)], axis=1)


def _prelu(x, slope):
    if slope.ndim == 1 and x.ndim == 2 and slope.size == x.shape[0] and slope.size != 1:
        slope = slope[:, None]  # one slope per channel, shared along the length
    return np.where(x > 0, x, slope * x)


def logits(arch, tensors, x):
    """The last dense layer's output for one one-hot input x [4, L] (rows A, C,
    G, T), before the output function and without softmax's mean
    normalisation (docs/scoring.md applies that at scoring time, not here).
    tensors maps state_dict names to arrays; computed in float64."""
    def tensor(name):
        if name not in tensors:
            raise ArchError(f"missing tensor {name}")
        return np.asarray(tensors[name], dtype=np.float64)

    a = np.asarray(x, dtype=np.float64)
    for spec in arch["layers"]:
        kind = spec["type"]
        if kind == "conv1d":
            a = _conv1d(spec, a, tensor(spec["name"] + ".weight"), tensor(spec["name"] + ".bias"))
        elif kind == "dense":
            a = tensor(spec["name"] + ".weight") @ a + tensor(spec["name"] + ".bias")
        elif kind == "prelu":
            a = _prelu(a, tensor(spec["name"] + ".weight"))
        elif kind == "relu":
            a = np.maximum(a, 0.0)
        elif kind == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-a))
        elif kind == "tanh":
            a = np.tanh(a)
        elif kind == "maxpool1d":
            a = _pool(spec, a, np.max)
        elif kind == "avgpool1d":
            a = _pool(spec, a, np.mean)
        elif kind == "flatten":
            a = a.reshape(-1)  # channel-major: feature c·L + l
        else:
            raise ArchError(f"unknown layer type: {kind}")
    return a
