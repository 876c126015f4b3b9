"""The model file of docs/model-format.md (safetensors, version 1 or 2), written from Python.

tensor_specs walks an architecture and checks that its shapes chain;
build_tensors draws random weights (or takes given ones) in layer order;
serialize makes the safetensors bytes and write_file puts them in place
atomically; read_header reads a file's header back. A prelu layer may carry
the writer-only key "slope_shape" ("shared" | "channel" | "position"),
which stored_architecture removes: in the file the slope tensor's shape says it.
An architecture using a graph feature (layers naming their "inputs", the
layers add, crop1d and concat, named "outputs") is written as version 2.
"""
import json
import math
import os
import struct

import numpy as np

LAYER_TYPES = ("conv1d", "dense", "prelu", "relu", "sigmoid", "tanh",
               "maxpool1d", "avgpool1d", "flatten", "add", "crop1d", "concat")
GRAPH_TYPES = ("add", "crop1d", "concat")   # model format version 2 only
SLOPE_SHAPES = ("shared", "channel", "position")


class ArchError(Exception):
    pass


def _get_int(spec, key, where, default=None):
    value = spec.get(key, default)
    if value is None:
        raise ArchError(f"{where}: missing '{key}'")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ArchError(f"{where}: '{key}' must be a positive integer, got {value!r}")
    return value


def conv_output_length(length, kernel, stride, dilation, padding):
    """Output length and (left, right) padding; docs/model-format.md (TensorFlow's 'same')."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        left = right = 0
    elif padding == "same":
        total = max((math.ceil(length / stride) - 1) * stride + span - length, 0)
        left = total // 2
        right = total - left
    else:
        raise ArchError(f"padding must be 'valid' or 'same', got {padding!r}")
    padded = length + left + right
    if padded < span:
        return 0, (left, right)
    return (padded - span) // stride + 1, (left, right)


def is_graph(arch):
    """True when the architecture uses a model format version 2 feature."""
    return isinstance(arch, dict) and ("outputs" in arch or any(
        isinstance(layer, dict) and ("inputs" in layer or layer.get("type") in GRAPH_TYPES)
        for layer in arch.get("layers") or []))


def _check_tasks(arch):
    tasks = arch.get("tasks")
    if not isinstance(tasks, list) or not tasks or not all(isinstance(t, str) for t in tasks):
        raise ArchError("'tasks' must be a non-empty list of names")
    if len(set(tasks)) != len(tasks):
        raise ArchError("task names must be unique")
    if arch.get("output") not in ("sigmoid", "softmax", "linear"):
        raise ArchError(f"'output' must be sigmoid, softmax or linear, got {arch.get('output')!r}")
    return tasks


def _check_outputs(arch, shapes, fed):
    """Version 2 'outputs': [{"name", "layer"[, "tasks"]}] -> the task names."""
    if "tasks" in arch or arch.get("output", "linear") != "linear":
        raise ArchError("a model with 'outputs' has no 'tasks' and no output function but linear")
    outputs = arch["outputs"]
    if not isinstance(outputs, list) or not outputs:
        raise ArchError("'outputs' must be a non-empty list")
    tasks, seen = [], set()
    for entry in outputs:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                or entry.get("layer") not in shapes or entry.get("layer") == "input":
            raise ArchError(f"output {entry!r}: needs a 'name' and the 'layer' of an existing layer")
        if entry["layer"] in seen:
            raise ArchError(f"output {entry['name']}: layer {entry['layer']} is already an output")
        seen.add(entry["layer"])
        shape = shapes[entry["layer"]]
        fed.add(entry["layer"])
        if len(shape) == 1 or shape[1] == 1:      # scalar: one task per channel
            names = entry.get("tasks", [entry["name"]] if shape[0] == 1 else None)
            if not isinstance(names, list) or len(names) != shape[0]:
                raise ArchError(f"output {entry['name']}: layer {entry['layer']} has {shape[0]} channels; "
                                f"list {shape[0]} names in 'tasks'")
            tasks += names
        else:                                      # [strands, positions]: one profile task
            tasks.append(entry["name"])
    if len(set(tasks)) != len(tasks):
        raise ArchError(f"task names must be unique, got {tasks}")
    return tasks


def _layer_inputs(spec, i, where, shapes, previous):
    """The names a layer reads: its 'inputs', or the layer before."""
    if "inputs" not in spec:
        return [previous]
    names = spec["inputs"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ArchError(f"{where}: 'inputs' must be a non-empty list of layer names")
    for n in names:
        if n not in shapes:
            raise ArchError(f"{where}: input {n!r} is not 'input' or an earlier layer")
    return names


def tensor_specs(arch, shapes_out=None):
    """Walk the layers, checking that shapes chain, and list the tensors.

    Returns [(name, shape, kind, fan_in)] in layer order; kind is one of
    weight, bias, slope. With a dict shapes_out (graph architectures only),
    it receives each layer's output shape by name and the outputs are not
    checked (converters use it to decide what the outputs are).
    """
    if not isinstance(arch, dict):
        raise ArchError("architecture must be a JSON object")
    inp = arch.get("input", {})
    if inp.get("alphabet", "ACGT") != "ACGT":
        raise ArchError("input.alphabet must be ACGT")
    length = _get_int(inp, "length", "input")
    graph = is_graph(arch)
    tasks = None if graph else _check_tasks(arch)
    layers = arch.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ArchError("'layers' must be a non-empty list")

    shape = (4, length)  # activations are [channels, length] or [features]
    shapes = {"input": shape}   # by layer name (and "input"), for 'inputs'
    previous = "input"
    fed = set()
    specs = []
    names = set()
    for i, spec in enumerate(layers):
        kind = spec.get("type")
        where = f"layer {i} ({kind})"
        if kind not in LAYER_TYPES:
            raise ArchError(f"{where}: unknown layer type: {kind}")
        name = spec.get("name")
        if kind in ("conv1d", "dense", "prelu") or name is not None:
            if not isinstance(name, str) or not name:
                raise ArchError(f"{where}: needs a 'name'")
            if name in names or name == "input":
                raise ArchError(f"{where}: duplicate layer name {name!r}")
            names.add(name)
        if graph:
            sources = _layer_inputs(spec, i, where, shapes, previous)
            fed.update(sources)
            in_shapes = [shapes[n] for n in sources]
            shape = in_shapes[0]
            if kind not in ("add", "concat") and len(sources) != 1:
                raise ArchError(f"{where}: takes one input, got {len(sources)}")
        if kind == "conv1d":
            if len(shape) != 2:
                raise ArchError(f"{where}: needs [channels, length] input, got {list(shape)}")
            cin = _get_int(spec, "in_channels", where)
            cout = _get_int(spec, "out_channels", where)
            k = _get_int(spec, "kernel_size", where)
            s = _get_int(spec, "stride", where, 1)
            d = _get_int(spec, "dilation", where, 1)
            if cin != shape[0]:
                raise ArchError(f"{where}: in_channels {cin} but input has {shape[0]} channels")
            lout, _ = conv_output_length(shape[1], k, s, d, spec.get("padding", "valid"))
            if lout < 1:
                raise ArchError(f"{where}: input length {shape[1]} too short for the kernel")
            specs.append((f"{name}.weight", (cout, cin, k), "weight", cin * k))
            specs.append((f"{name}.bias", (cout,), "bias", cin * k))
            shape = (cout, lout)
        elif kind == "dense":
            if len(shape) != 1:
                raise ArchError(f"{where}: needs a flat input (add a flatten layer), got {list(shape)}")
            fin = _get_int(spec, "in_features", where)
            fout = _get_int(spec, "out_features", where)
            if fin != shape[0]:
                raise ArchError(f"{where}: in_features {fin} but input has {shape[0]} features")
            specs.append((f"{name}.weight", (fout, fin), "weight", fin))
            specs.append((f"{name}.bias", (fout,), "bias", fin))
            shape = (fout,)
        elif kind == "prelu":
            slope = spec.get("slope_shape", "shared")
            if slope not in SLOPE_SHAPES:
                raise ArchError(f"{where}: slope_shape must be one of {SLOPE_SHAPES}, got {slope!r}")
            if slope == "shared":
                sshape = (1,)
            elif slope == "channel":
                sshape = (shape[0],)
            else:
                if len(shape) != 2:
                    raise ArchError(f"{where}: slope_shape 'position' needs [channels, length] input")
                sshape = tuple(shape)
            specs.append((f"{name}.weight", sshape, "slope", None))
        elif kind in ("maxpool1d", "avgpool1d"):
            if len(shape) != 2:
                raise ArchError(f"{where}: needs [channels, length] input")
            k = _get_int(spec, "kernel_size", where)
            s = _get_int(spec, "stride", where, k)
            if shape[1] < k:
                raise ArchError(f"{where}: input length {shape[1]} shorter than kernel {k}")
            shape = (shape[0], (shape[1] - k) // s + 1)
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "add":
            if len(in_shapes) < 2 or any(s != in_shapes[0] for s in in_shapes):
                raise ArchError(f"{where}: needs >= 2 inputs of one shape, got {[list(s) for s in in_shapes]}")
        elif kind == "concat":
            if len(in_shapes) < 2 or any(len(s) != 2 or s[1] != shape[1] for s in in_shapes):
                raise ArchError(f"{where}: needs >= 2 [channels, length] inputs of one length, "
                                f"got {[list(s) for s in in_shapes]}")
            shape = (sum(s[0] for s in in_shapes), shape[1])
        elif kind == "crop1d":
            if len(shape) != 2:
                raise ArchError(f"{where}: needs [channels, length] input")
            if "length" in spec:
                if "left" in spec or "right" in spec:
                    raise ArchError(f"{where}: give either 'length' or 'left'/'right'")
                keep = _get_int(spec, "length", where)
                left = (shape[1] - keep) // 2
                right = shape[1] - keep - left
            else:
                left, right = spec.get("left", 0), spec.get("right", 0)
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right)):
                    raise ArchError(f"{where}: 'left' and 'right' must be integers")
            if left < 0 or right < 0 or shape[1] - left - right < 1:
                raise ArchError(f"{where}: cannot crop {left} + {right} from length {shape[1]}")
            shape = (shape[0], shape[1] - left - right)
        if graph:
            previous = name if name is not None else f"#{i}"
            shapes[previous] = shape
    if graph and shapes_out is not None:
        shapes_out.update(shapes)
        return specs
    if graph:
        _check_outputs(arch, shapes, fed)
        for i, spec in enumerate(layers):
            key = spec.get("name", f"#{i}")
            if key not in fed:
                raise ArchError(f"layer {i} ({spec.get('type')}): layer {key!r} feeds nothing")
        return specs
    last = layers[-1]
    if last.get("type") != "dense" or last.get("out_features") != len(tasks):
        raise ArchError("the last layer must be dense with out_features == len(tasks)")
    return specs


def random_tensor(rng, shape, kind, fan_in, scale):
    if kind == "weight":
        return rng.normal(0.0, scale / math.sqrt(fan_in), size=shape)
    if kind == "bias":
        bound = scale / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape)
    return rng.uniform(0.05, 0.5, size=shape)


def stored_architecture(arch):
    """The architecture as written to the file: without writer-only keys."""
    out = json.loads(json.dumps(arch))
    for layer in out["layers"]:
        layer.pop("slope_shape", None)
    return out


def serialize(tensors, metadata):
    """safetensors bytes: u64 LE header length, JSON header, packed F32 data."""
    header = {}
    chunks = []
    offset = 0
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # safetensors pads the header to 8 bytes
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def build_tensors(arch, seed=0, scale=1.0, given=None):
    """[(name, float32 array)] in layer order."""
    rng = np.random.default_rng(seed)
    given = dict(given or {})
    out = []
    for name, shape, kind, fan_in in tensor_specs(arch):
        value = random_tensor(rng, shape, kind, fan_in, scale)  # drawn always: stable stream
        if name in given:
            value = np.asarray(given.pop(name), dtype=np.float64)
            if value.shape != shape:
                raise ArchError(f"--weights: {name} has shape {list(value.shape)}, expected {list(shape)}")
        if not np.all(np.isfinite(value)):
            raise ArchError(f"{name}: non-finite values")
        out.append((name, value.astype(np.float32)))
    if given:
        raise ArchError(f"--weights: not tensors of this model: {', '.join(sorted(given))}")
    return out


def make_test_vectors(arch, tensors, count, seed):
    """docs/model-format.md test vectors: count one-hot inputs (every second one
    with some all-zero N columns) and their raw logits from deeplift_py.forward,
    computed in float64 from the float32 weights as stored."""
    from . import forward
    if is_graph(arch):
        # A graph model's test vectors come from its source framework
        # (tests/tools/bpnet_models.py: PyTorch; scripts/convert-model), not
        # from the writer's own forward pass (forward.py runs graphs too, but
        # for the converter's check against the source)
        raise ArchError("test vectors for a graph model (version 2) are not computed here")
    named = dict(tensors)
    rng = np.random.default_rng(seed + 1)
    length = arch["input"]["length"]
    inputs, logits = [], []
    for i in range(count):
        x = np.zeros((4, length))
        x[rng.integers(0, 4, size=length), np.arange(length)] = 1.0
        if i % 2 == 1:
            x[:, rng.choice(length, size=max(1, length // 20), replace=False)] = 0.0
        inputs.append(x.tolist())
        logits.append([float(v) for v in forward.logits(arch, named, x)])
    return {"inputs": inputs, "logits": logits}


def write_file(path, arch, tensors, test_vectors=None):
    """Writes a model file: arch is the stored architecture, tensors
    [(name, array)], test_vectors None or {"inputs", "logits"}. Written to a
    temporary name and renamed into place, so a failed write leaves nothing."""
    metadata = {"format": "deeplift-model", "version": "2" if is_graph(arch) else "1",
                "architecture": json.dumps(arch)}
    if test_vectors is not None:
        metadata["test_vectors"] = json.dumps(test_vectors)
    blob = serialize(tensors, metadata)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_model(arch, path, seed=0, scale=1.0, given=None, test_vectors=0):
    """A model file with random weights (or the given ones) and, when
    test_vectors > 0, that many embedded test vectors."""
    tensors = build_tensors(arch, seed, scale, given)
    stored = stored_architecture(arch)
    vectors = make_test_vectors(stored, tensors, test_vectors, seed) if test_vectors else None
    write_file(path, stored, tensors, vectors)


def read_header(path):
    """The safetensors header of a model file as a dict (tensor entries and
    "__metadata__"); read_architecture(path) is its parsed architecture."""
    with open(path, "rb") as handle:
        (n,) = struct.unpack("<Q", handle.read(8))
        return json.loads(handle.read(n).decode("utf-8"))


def read_architecture(path):
    return json.loads(read_header(path)["__metadata__"]["architecture"])
