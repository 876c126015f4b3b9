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


def _layer(spec, inputs, tensor):
    """One layer's output from its inputs' outputs (docs/model-format.md,
    docs/graph-models.md)."""
    kind = spec["type"]
    a = inputs[0]
    if kind == "conv1d":
        return _conv1d(spec, a, tensor(spec["name"] + ".weight"), tensor(spec["name"] + ".bias"))
    if kind == "dense":
        return tensor(spec["name"] + ".weight") @ a + tensor(spec["name"] + ".bias")
    if kind == "prelu":
        return _prelu(a, tensor(spec["name"] + ".weight"))
    if kind == "relu":
        return np.maximum(a, 0.0)
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-a))
    if kind == "tanh":
        return np.tanh(a)
    if kind == "maxpool1d":
        return _pool(spec, a, np.max)
    if kind == "avgpool1d":
        return _pool(spec, a, np.mean)
    if kind == "flatten":
        return a.reshape(-1)  # channel-major: feature c·L + l
    if kind == "add":
        return np.sum(inputs, axis=0)
    if kind == "concat":
        return np.concatenate(inputs, axis=0)
    if kind == "crop1d":
        length = a.shape[1]
        if "length" in spec:
            left = (length - spec["length"]) // 2
            right = length - spec["length"] - left
        else:
            left, right = spec.get("left", 0), spec.get("right", 0)
        return a[:, left:length - right]
    raise ArchError(f"unknown layer type: {kind}")


def _tensor_reader(tensors):
    def tensor(name):
        if name not in tensors:
            raise ArchError(f"missing tensor {name}")
        return np.asarray(tensors[name], dtype=np.float64)
    return tensor


def activations(arch, tensors, x):
    """{layer name: output} of every layer for one one-hot input x [4, L]
    (float64); layers read their "inputs" (default: the layer before), as
    in docs/graph-models.md. Unnamed layers are '<type><index>'."""
    tensor = _tensor_reader(tensors)
    values = {"input": np.asarray(x, dtype=np.float64)}
    previous = "input"
    for i, spec in enumerate(arch["layers"]):
        name = spec.get("name", f"{spec['type']}{i}")
        values[name] = _layer(spec, [values[n] for n in spec.get("inputs", [previous])], tensor)
        previous = name
    return values


def profile_value(z):
    """A profile task's target f = Σᵢ pᵢ·z̃ᵢ, z̃ = z − mean(z), p = softmax(z̃),
    over all strands and positions (docs/graph-models.md), in float64."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    zt = z - z.mean()
    p = np.exp(zt - zt.max())
    p /= p.sum()
    return float(np.dot(p, zt))


def output_values(arch, tensors, x):
    """[(output entry, value)] of a version 2 model with "outputs" for one
    input x [4, L]: each output layer's activation ([S, L] or [C])."""
    values = activations(arch, tensors, x)
    return [(entry, values[entry["layer"]]) for entry in arch["outputs"]]


def task_values(arch, outputs):
    """The task values (one per task, in task order) of a version 2 model
    from its outputs' activations [(entry, value)]: a profile output's f, a
    scalar output's rows."""
    out = []
    for entry, value in outputs:
        value = np.asarray(value, dtype=np.float64)
        if value.ndim == 2 and value.shape[1] > 1:
            out.append(profile_value(value))
        else:
            out += [float(v) for v in value.reshape(-1)]
    return np.array(out)


def logits(arch, tensors, x):
    """The last dense layer's output for one one-hot input x [4, L] (rows A, C,
    G, T), before the output function and without softmax's mean
    normalisation (docs/scoring.md applies that at scoring time, not here).
    For a model with "outputs" (docs/graph-models.md): its task values, a
    profile task's f among them. tensors maps state_dict names to arrays;
    computed in float64."""
    if "outputs" in arch:
        return task_values(arch, output_values(arch, tensors, x))
    values = activations(arch, tensors, x)
    return values[arch["layers"][-1].get("name", f"{arch['layers'][-1]['type']}{len(arch['layers']) - 1}")]
