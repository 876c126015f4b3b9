"""A small numpy (float64) evaluator of ONNX graphs, for the ops the
converter supports and the constant arithmetic exporters put around them.

onnxruntime is not packaged in Debian; this gives the source framework's
logits for an ONNX input (the test vectors) independently of the
conversion: it follows the ONNX operator specification directly, in the
graph's own layout.
"""
import itertools
import math

import numpy as np
from onnx import helper, numpy_helper


class EvalError(Exception):
    pass


def attributes(node):
    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        out[a.name] = value
    return out


def opset_version(model):
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    return 1


def spatial_pads(in_sizes, kernel, strides, dilations, attrs):
    """(begin, end) padding per spatial axis, explicit or from auto_pad."""
    nd = len(kernel)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto == "NOTSET":
        pads = list(attrs.get("pads", [0] * (2 * nd)))
        return pads[:nd], pads[nd:]
    if auto == "VALID":
        return [0] * nd, [0] * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise EvalError(f"auto_pad {auto!r}")
    begin, end = [], []
    for n, k, s, d in zip(in_sizes, kernel, strides, dilations):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small = total // 2
        begin.append(small if auto == "SAME_UPPER" else total - small)  # UPPER: the extra one at the end
        end.append(total - begin[-1])
    return begin, end


def _windows(x, kernel, strides, dilations, begin, end, fill):
    """(padded-input slices per kernel offset, output sizes) over axes 2.."""
    nd = len(kernel)
    x = np.pad(x, [(0, 0), (0, 0)] + list(zip(begin, end)), constant_values=fill)
    sizes = [(x.shape[2 + i] - ((kernel[i] - 1) * dilations[i] + 1)) // strides[i] + 1 for i in range(nd)]
    if min(sizes) < 1:
        raise EvalError(f"input {list(x.shape)} too small for kernel {kernel}")
    for offset in itertools.product(*[range(k) for k in kernel]):
        index = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                      for o, d, n, s in zip(offset, dilations, sizes, strides))
        yield offset, x[(slice(None), slice(None)) + index]


def _conv(node, a, inputs):
    x, w = inputs[0], inputs[1]
    b = inputs[2] if len(inputs) > 2 else None
    if a.get("group", 1) != 1:
        raise EvalError("group != 1")
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    nd = len(kernel)
    strides = list(a.get("strides", [1] * nd))
    dilations = list(a.get("dilations", [1] * nd))
    begin, end = spatial_pads(x.shape[2:], kernel, strides, dilations, a)
    y = 0.0
    for offset, patch in _windows(x, kernel, strides, dilations, begin, end, 0.0):
        y = y + np.einsum("ni...,oi->no...", patch, w[(slice(None), slice(None)) + offset])
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return [y]


def _pool(node, a, inputs, reduce):
    x = inputs[0]
    kernel = list(a["kernel_shape"])
    nd = len(kernel)
    strides = list(a.get("strides", [1] * nd))
    dilations = list(a.get("dilations", [1] * nd))
    begin, end = spatial_pads(x.shape[2:], kernel, strides, dilations, a)
    if a.get("ceil_mode", 0):
        for i in range(nd):
            n = x.shape[2 + i] + begin[i] + end[i] - ((kernel[i] - 1) * dilations[i] + 1)
            if n % strides[i]:
                raise EvalError("ceil_mode with a partial window")
    if reduce == "max":
        patches = [p for _, p in _windows(x, kernel, strides, dilations, begin, end, -np.inf)]
        return [np.max(patches, axis=0)]
    if any(begin + end) and not a.get("count_include_pad", 0):
        raise EvalError("AveragePool padding without count_include_pad")
    patches = [p for _, p in _windows(x, kernel, strides, dilations, begin, end, 0.0)]
    return [np.mean(patches, axis=0)]


def _axes(node, a, inputs, rank, opset_input):
    """Axes from the attribute (older opsets) or the second input."""
    axes = a.get("axes")
    if axes is None and len(inputs) > 1 and inputs[1] is not None:
        axes = inputs[1]
    if axes is None:
        return None
    return sorted(int(ax) % rank for ax in np.asarray(axes).reshape(-1))


def _squeeze(node, a, inputs):
    x = inputs[0]
    axes = _axes(node, a, inputs, x.ndim, True)
    if axes is None:
        return [np.squeeze(x)]
    return [np.squeeze(x, axis=tuple(axes))]


def _unsqueeze(node, a, inputs):
    x = inputs[0]
    raw = a.get("axes") if a.get("axes") is not None else inputs[1]
    axes = sorted(int(ax) % (x.ndim + len(np.asarray(raw).reshape(-1))) for ax in np.asarray(raw).reshape(-1))
    for ax in axes:
        x = np.expand_dims(x, ax)
    return [x]


def _reshape(node, a, inputs):
    x, shape = inputs[0], [int(s) for s in inputs[1].reshape(-1)]
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _reduce(node, a, inputs, fn):
    x = inputs[0]
    axes = _axes(node, a, inputs, x.ndim, True)
    if axes is None:
        if a.get("noop_with_empty_axes", 0):
            return [x]
        axes = list(range(x.ndim))
    return [fn(x, axis=tuple(axes), keepdims=bool(a.get("keepdims", 1)))]


def _gemm(node, a, inputs):
    A, B = inputs[0], inputs[1]
    if a.get("transA", 0):
        A = A.T
    if a.get("transB", 0):
        B = B.T
    y = a.get("alpha", 1.0) * (A @ B)
    if len(inputs) > 2 and inputs[2] is not None:
        y = y + a.get("beta", 1.0) * inputs[2]
    return [y]


def _batchnorm(node, a, inputs):
    x, scale, bias, mean, var = inputs[:5]
    if a.get("training_mode", 0):
        raise EvalError("training_mode")
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5))
    return [y * scale.reshape(shape) + bias.reshape(shape)]


def _softmax(x, axis, log):
    z = x - x.max(axis=axis, keepdims=True)
    if log:
        return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _pad(node, a, inputs):
    x = inputs[0]
    if a.get("mode", "constant") != "constant":
        raise EvalError(f"Pad mode {a.get('mode')}")
    pads = a.get("pads") if a.get("pads") is not None else [int(p) for p in inputs[1].reshape(-1)]
    value = a.get("value", 0.0)
    if len(inputs) > 2 and inputs[2] is not None and inputs[2].size:
        value = float(inputs[2].reshape(-1)[0])
    if len(inputs) > 3 and inputs[3] is not None:
        raise EvalError("Pad with axes")
    n = x.ndim
    if min(pads) < 0:
        raise EvalError("negative pads")
    return [np.pad(x, list(zip(pads[:n], pads[n:])), constant_values=value)]


def _constant(node, a, inputs):
    if "value" in a:
        return [numpy_helper.to_array(a["value"])]
    for key in ("value_float", "value_int"):
        if key in a:
            return [np.array(a[key])]
    for key in ("value_floats", "value_ints"):
        if key in a:
            return [np.array(a[key])]
    raise EvalError("Constant without a value")


def _constant_of_shape(node, a, inputs):
    value = numpy_helper.to_array(a["value"]).reshape(-1) if "value" in a else np.zeros(1)
    return [np.full([int(n) for n in inputs[0].reshape(-1)], value[0], dtype=value.dtype)]


def _slice(node, a, inputs):
    x = inputs[0]
    if "starts" in a:   # opset < 10: attributes
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends = inputs[1].reshape(-1), inputs[2].reshape(-1)
        axes = inputs[3].reshape(-1) if len(inputs) > 3 and inputs[3] is not None else None
        steps = inputs[4].reshape(-1) if len(inputs) > 4 and inputs[4] is not None else None
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        # Python slices clamp like ONNX; INT64 extremes stand for "to the end"
        index[int(axis)] = slice(int(start), int(end), int(step))
    return [x[tuple(index)]]


def _cast(node, a, inputs):
    dtype = helper.tensor_dtype_to_np_dtype(a["to"]) if hasattr(helper, "tensor_dtype_to_np_dtype") else None
    if dtype is None:
        from onnx import mapping
        dtype = mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]]
    x = inputs[0]
    # floats stay float64 here: the evaluator's precision is the point
    return [x.astype(np.float64) if np.issubdtype(dtype, np.floating) else x.astype(dtype)]


def _div(x, y):
    """ONNX Div: integer tensors divide with truncation (exporters' shape arithmetic)."""
    x, y = np.asarray(x), np.asarray(y)
    if np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer):
        return (np.trunc(x / y)).astype(np.result_type(x, y))
    return x / y


def _flatten(node, a, inputs):
    x = inputs[0]
    axis = a.get("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis
    return [x.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)]


OPS = {
    "Identity": lambda n, a, i: [i[0]],
    "Dropout": lambda n, a, i: [i[0], np.ones(i[0].shape, dtype=bool)],
    "Constant": _constant,
    "Cast": _cast,
    "ConstantOfShape": _constant_of_shape,
    "Slice": _slice,
    "Shape": lambda n, a, i: [np.array(i[0].shape, dtype=np.int64)[a.get("start", 0):a.get("end")]],
    "Gather": lambda n, a, i: [np.take(i[0], i[1].astype(np.int64), axis=a.get("axis", 0))],
    "Concat": lambda n, a, i: [np.concatenate([np.atleast_1d(x) for x in i], axis=a["axis"])],
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": lambda n, a, i: [np.transpose(i[0], a.get("perm"))],
    "Conv": _conv,
    "MaxPool": lambda n, a, i: _pool(n, a, i, "max"),
    "AveragePool": lambda n, a, i: _pool(n, a, i, "mean"),
    "GlobalAveragePool": lambda n, a, i: [i[0].mean(axis=tuple(range(2, i[0].ndim)), keepdims=True)],
    "GlobalMaxPool": lambda n, a, i: [i[0].max(axis=tuple(range(2, i[0].ndim)), keepdims=True)],
    "ReduceMean": lambda n, a, i: _reduce(n, a, i, np.mean),
    "ReduceMax": lambda n, a, i: _reduce(n, a, i, np.max),
    "Relu": lambda n, a, i: [np.maximum(i[0], 0.0)],
    "Sigmoid": lambda n, a, i: [1.0 / (1.0 + np.exp(-i[0]))],
    "Tanh": lambda n, a, i: [np.tanh(i[0])],
    "PRelu": lambda n, a, i: [np.where(i[0] > 0, i[0], i[1] * i[0])],
    "LeakyRelu": lambda n, a, i: [np.where(i[0] > 0, i[0], a.get("alpha", 0.01) * i[0])],
    "BatchNormalization": _batchnorm,
    "Gemm": _gemm,
    "MatMul": lambda n, a, i: [np.matmul(i[0], i[1])],
    "Add": lambda n, a, i: [i[0] + i[1]],
    "Sub": lambda n, a, i: [i[0] - i[1]],
    "Mul": lambda n, a, i: [i[0] * i[1]],
    "Div": lambda n, a, i: [_div(i[0], i[1])],
    "Sqrt": lambda n, a, i: [np.sqrt(i[0])],
    "Log": lambda n, a, i: [np.log(i[0])],
    "Exp": lambda n, a, i: [np.exp(i[0])],
    "Neg": lambda n, a, i: [-i[0]],
    "Softmax": lambda n, a, i: [_softmax(i[0], a.get("axis", -1), False)],
    "LogSoftmax": lambda n, a, i: [_softmax(i[0], a.get("axis", -1), True)],
    "Pad": _pad,
}


def node_label(node):
    """How messages name a node: its op type and name (or first output)."""
    if node.name:
        return f"{node.op_type} node '{node.name}'"
    return f"{node.op_type} node (output '{node.output[0] if node.output else '?'}')"


def run_node(node, inputs, opset):
    """Outputs (list of arrays) of one node; inputs in float64 where floating."""
    fn = OPS.get(node.op_type)
    if fn is None or node.domain not in ("", "ai.onnx"):
        raise EvalError(f"{node_label(node)}: op {node.op_type} is not supported by the evaluator")
    if node.op_type in ("Softmax", "LogSoftmax") and opset < 13:
        a = attributes(node)
        x = inputs[0]
        axis = a.get("axis", 1) % x.ndim
        flat = x.reshape(int(np.prod(x.shape[:axis])), -1)   # opset < 13: 2-D coercion
        return [_softmax(flat, 1, node.op_type == "LogSoftmax").reshape(x.shape)]
    try:
        return fn(node, attributes(node), inputs)
    except EvalError as exc:
        raise EvalError(f"{node_label(node)}: {exc}") from None


def initializers(graph):
    out = {}
    for init in graph.initializer:
        value = numpy_helper.to_array(init)
        out[init.name] = value.astype(np.float64) if np.issubdtype(value.dtype, np.floating) else value
    return out


def evaluate(model, feeds):
    """Every value of the graph (dict name → array) for the given inputs."""
    graph = model.graph
    opset = opset_version(model)
    values = initializers(graph)
    values.update({k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()})
    for node in graph.node:
        inputs = [values[name] if name else None for name in node.input]
        outputs = run_node(node, inputs, opset)
        for name, value in zip(node.output, outputs):
            if name:
                values[name] = value
    return values
