"""The intermediate layer list shared by the sources, and the file writer.

A source yields a list of records (dicts), in execution order:

  {"type": "conv1d", "weight": [O, I, K], "bias": [O], "stride", "dilation", "padding"}
  {"type": "dense", "weight": [O, F], "bias": [O]}
  {"type": "prelu", "slope": [1] | [C] | [C, L]}
  {"type": "relu" | "sigmoid" | "tanh" | "flatten"}
  {"type": "maxpool1d" | "avgpool1d", "kernel_size", "stride"}
  {"type": "affine", "scale": [C], "shift": [C]}   batch norm or a per-channel
                                                   Add/Mul: folded into the
                                                   preceding conv1d/dense
  {"type": "softmax"}                              only as the last record

plus "what" (the source's name for it, for messages) and "tap" (a handle the
source uses to read that layer's output: the logits of the last dense layer
are taken there, before any output function). Arrays are float64 in the
docs/model-format.md layout ([channels, length], flatten channel-major).
"""
import numpy as np

from deeplift_py import model_file as write_model  # the shapes walk and the file writer

OUTPUT_KINDS = ("sigmoid", "softmax", "linear")


class ConversionError(Exception):
    """The model cannot be expressed in docs/model-format.md (or the options contradict it)."""


def same_padding(length, kernel, stride, dilation):
    """(left, right) of docs/model-format.md 'same' padding (TensorFlow's rule)."""
    _, pads = write_model.conv_output_length(length, kernel, stride, dilation, "same")
    return pads


def padding_name(pads, length, kernel, stride, dilation, what):
    """'valid' or 'same' for explicit (left, right) zero padding, or an error:
    docs/model-format.md has only those two."""
    pads = tuple(int(p) for p in pads)
    if pads == (0, 0):
        return "valid"
    same = same_padding(length, kernel, stride, dilation)
    if pads == tuple(same):
        return "same"
    raise ConversionError(
        f"{what}: padding {pads[0]} left, {pads[1]} right on a length-{length} input is neither "
        f"'valid' (0, 0) nor docs/model-format.md 'same' ({same[0]}, {same[1]}) for kernel {kernel}, "
        f"stride {stride}, dilation {dilation}")


def pool_length(length, kernel, stride, ceil_mode, what):
    """Output length of a pooling layer without padding; ceil mode is
    accepted only where it gives the same windows as floor mode (docs/model-format.md)."""
    if length < kernel:
        raise ConversionError(f"{what}: input length {length} is shorter than the kernel {kernel}")
    floor = (length - kernel) // stride + 1
    if ceil_mode and -(-(length - kernel) // stride) + 1 != floor:
        raise ConversionError(f"{what}: ceil_mode adds a partial window on a length-{length} input; "
                              "docs/model-format.md pooling is floor mode")
    return floor


def fold_affine(records):
    """Fold each affine record (batch norm, per-channel scale/shift) into the
    conv1d/dense record right before it: w' = w·scale, b' = b·scale + shift."""
    out = []
    for rec in records:
        if rec["type"] != "affine":
            out.append(rec)
            continue
        prev = out[-1] if out else None
        if prev is None or prev["type"] not in ("conv1d", "dense"):
            after = f"follows {prev['what']}" if prev else "is the first layer"
            raise ConversionError(f"{rec['what']} cannot be folded: it {after}, not a convolution "
                                  "or dense layer (docs/model-format.md has no separate normalisation layer)")
        scale, shift = rec["scale"], rec["shift"]
        if scale.shape != prev["bias"].shape or shift.shape != prev["bias"].shape:
            raise ConversionError(f"{rec['what']}: {scale.size} channels, but {prev['what']} has "
                                  f"{prev['bias'].size}")
        folded = dict(prev)
        folded["weight"] = prev["weight"] * scale.reshape((-1,) + (1,) * (prev["weight"].ndim - 1))
        folded["bias"] = prev["bias"] * scale + shift
        folded["what"] = f"{prev['what']} + {rec['what']}"
        folded["tap"] = rec["tap"]
        out[-1] = folded
    return out


def output_function(records, requested):
    """(records without a trailing output function, output kind). A final
    Softmax, or a Sigmoid right after the last dense layer, is the model's
    output function; the logits (docs/scoring.md) are taken before it."""
    found = None
    if records and records[-1]["type"] == "softmax":
        found = "softmax"
    elif len(records) >= 2 and records[-1]["type"] == "sigmoid" and records[-2]["type"] == "dense":
        found = "sigmoid"
    for rec in records[:-1]:
        if rec["type"] == "softmax":
            raise ConversionError(f"{rec['what']}: softmax is supported only as the output function")
    if found:
        if requested and requested != found:
            raise ConversionError(f"the model's output function is {found} ({records[-1]['what']}) but "
                                  f"--output {requested} was given")
        return records[:-1], found
    return records, requested


def _describe_layer(rec, name, spec):
    """Adds a layer record's fields to its architecture entry `spec`; returns
    its tensors [(name, array)] (the same for chains and graphs)."""
    kind = rec["type"]
    if kind == "conv1d":
        out_c, in_c, k = rec["weight"].shape
        spec.update(in_channels=int(in_c), out_channels=int(out_c), kernel_size=int(k),
                    stride=int(rec["stride"]), dilation=int(rec["dilation"]), padding=rec["padding"])
        return [(f"{name}.weight", rec["weight"]), (f"{name}.bias", rec["bias"])]
    if kind == "dense":
        out_f, in_f = rec["weight"].shape
        spec.update(in_features=int(in_f), out_features=int(out_f))
        return [(f"{name}.weight", rec["weight"]), (f"{name}.bias", rec["bias"])]
    if kind == "prelu":
        slope = rec["slope"]
        # write-model.py's key for the slope tensor's shape; stripped from the stored file
        spec["slope_shape"] = "position" if slope.ndim == 2 else "shared" if slope.size == 1 else "channel"
        return [(f"{name}.weight", slope)]
    if kind in ("maxpool1d", "avgpool1d"):
        spec.update(kernel_size=int(rec["kernel_size"]), stride=int(rec["stride"]))
    elif kind == "crop1d":
        spec.update(left=int(rec["left"]), right=int(rec["right"]))
    return []


def build(records, length, tasks, output):
    """(architecture, [(tensor name, float32 array)], tap of the logits, note or None):
    folds, names layers (conv1…, act1…, fc1…, the last dense 'out') and checks
    the result with write-model.py's own shape walk."""
    records = fold_affine(records)
    records, output = output_function(records, output)
    note = None
    if output is None:
        output = "sigmoid"  # the loader's default too; said out loud, as the model did not say
        note = "the model has no final Sigmoid/Softmax: output sigmoid assumed (--output to choose)"
    if not records or records[-1]["type"] != "dense":
        last = records[-1]["what"] if records else "nothing"
        raise ConversionError(f"the model must end in a dense (Linear/Gemm/MatMul) layer giving the logits; "
                              f"it ends in {last}")
    count = records[-1]["weight"].shape[0]
    if tasks is None:
        tasks = [f"task{i}" for i in range(count)]
    if len(tasks) != count:
        raise ConversionError(f"--tasks names {len(tasks)} tasks but the last layer "
                              f"({records[-1]['what']}) has {count} outputs")
    layers, tensors = [], []
    counters = {"conv1d": 0, "dense": 0, "prelu": 0}
    prefixes = {"conv1d": "conv", "dense": "fc", "prelu": "act"}
    for i, rec in enumerate(records):
        kind = rec["type"]
        if kind in ("softmax", "affine"):
            raise ConversionError(f"{rec['what']}: not supported here")
        spec = {"type": kind}
        if kind in counters:
            counters[kind] += 1
            name = "out" if i == len(records) - 1 else f"{prefixes[kind]}{counters[kind]}"
            spec["name"] = name
        tensors += _describe_layer(rec, spec.get("name"), spec)
        layers.append(spec)
    arch = {"input": {"alphabet": "ACGT", "length": int(length)}, "tasks": list(tasks),
            "output": output, "layers": layers}
    try:
        specs = write_model.tensor_specs(arch)
        expected = {name: shape for name, shape, _, _ in specs}
        for name, value in tensors:
            if tuple(value.shape) != tuple(expected.get(name, ())):
                raise ConversionError(f"{name}: shape {list(value.shape)}, the architecture needs "
                                      f"{list(expected.get(name, ()))}")
        if set(expected) != {name for name, _ in tensors}:
            raise ConversionError(f"tensors {sorted(expected)} expected, converted {[n for n, _ in tensors]}")
        stored = write_model.build_tensors(arch, given=dict(tensors))
    except write_model.ArchError as exc:
        raise ConversionError(f"the converted layers do not chain: {exc} "
                              f"(layers: {', '.join(r['what'] for r in records)})") from None
    return write_model.stored_architecture(arch), stored, records[-1]["tap"], note


def random_inputs(length, count=3, seed=0):
    """count one-hot [4, L] inputs (rows A, C, G, T); the second has some
    all-zero (N) columns, as score-seqs produces for N bases."""
    rng = np.random.default_rng(seed)
    out = np.zeros((count, 4, length))
    for i in range(count):
        out[i, rng.integers(0, 4, size=length), np.arange(length)] = 1.0
        if i == 1:
            out[i][:, rng.choice(length, size=max(1, length // 10), replace=False)] = 0.0
    return out


def write(path, arch, tensors, test_vectors=None):
    """A docs/model-format.md file, written to a temporary name and renamed into place."""
    write_model.write_file(path, arch, tensors, test_vectors)


# -- graphs (model format version 2, docs/graph-models.md) ---------------------
#
# A graph source gives each record "inputs" (indices of the records it reads,
# None for the one-hot input) and a list of outputs [(name, record index,
# shape)], shape (C, L) for an activation of C channels and L positions, or
# (F,) for flat features.

GRAPH_PREFIXES = {"conv1d": "conv", "dense": "fc", "prelu": "act", "maxpool1d": "maxpool",
                  "avgpool1d": "avgpool", "crop1d": "crop"}


def is_chain(records, outputs):
    """True when the records are a plain chain to one flat output: such a
    model is format version 1 and converts exactly as a sequential one."""
    if len(outputs) != 1 or outputs[0][1] != len(records) - 1 or len(outputs[0][2]) != 1:
        return False
    return all(rec.get("inputs", [i - 1 if i else None]) == [i - 1 if i else None]
               and rec["type"] not in write_model.GRAPH_TYPES for i, rec in enumerate(records))


def _fold_affine_graph(records, outputs):
    """fold_affine for a graph: an affine record folds into the conv1d/dense
    record it reads, which must feed nothing else. Returns (records, outputs)
    with the folded ones replaced by None and inputs redirected."""
    records = [dict(rec) for rec in records]
    consumers = {}
    for i, rec in enumerate(records):
        for j in rec["inputs"]:
            consumers.setdefault(j, []).append(i)
    output_layers = {index for _, index, _ in outputs}
    alias = {}
    for i, rec in enumerate(records):
        rec["inputs"] = [alias.get(j, j) for j in rec["inputs"]]
        if rec["type"] != "affine":
            continue
        j = rec["inputs"][0]
        prev = records[j] if j is not None else None
        if prev is None or prev["type"] not in ("conv1d", "dense"):
            after = f"follows {prev['what']}" if prev else "reads the input"
            raise ConversionError(f"{rec['what']} cannot be folded: it {after}, not a convolution "
                                  "or dense layer (docs/model-format.md has no separate normalisation layer)")
        if len(consumers.get(j, [])) > 1 or j in output_layers:
            raise ConversionError(f"{rec['what']} cannot be folded into {prev['what']}: that layer's output "
                                  "is also used elsewhere")
        folded = fold_affine([prev, rec])[0]
        records[j] = folded
        records[i] = None
        alias[i] = j
    outputs = [(name, alias.get(index, index), shape) for name, index, shape in outputs]
    return records, outputs


def _task_names(outputs, shapes, tasks):
    """Per output: ("profile" | "scalar", [task names]). --tasks names the
    tasks in output order (a scalar output of C rows takes C names)."""
    kinds = []
    for name, index, _ in outputs:
        shape = shapes[index]
        if len(shape) == 2 and shape[1] > 1:
            kinds.append(("profile", 1))
        else:
            kinds.append(("scalar", shape[0]))
    wanted = sum(n for _, n in kinds)
    if tasks is None:
        tasks = []
        for (name, _, _), (kind, n) in zip(outputs, kinds):
            tasks += [name] if n == 1 else [f"{name}{i}" for i in range(n)]
        if len(set(tasks)) != len(tasks) or not all(tasks):
            raise ConversionError(f"the outputs' names {tasks} cannot be task names; give --tasks")
    if len(tasks) != wanted:
        described = ", ".join(f"'{name}' ({kind}, {n} task{'s' if n > 1 else ''})"
                              for (name, _, _), (kind, n) in zip(outputs, kinds))
        raise ConversionError(f"--tasks names {len(tasks)} tasks but the outputs {described} have {wanted}")
    out, at = [], 0
    for kind, n in kinds:
        out.append((kind, list(tasks[at:at + n])))
        at += n
    return out


def build_graph(records, outputs, length, tasks, output):
    """(architecture, [(tensor name, array)], output entries) of a version 2
    model (docs/graph-models.md): layers named conv1…, fc1…, relu1…, each
    with its "inputs", and "outputs" in the order of the source's outputs.
    outputs: [(source name, record index, shape)]."""
    if output not in (None, "linear"):
        raise ConversionError(f"--output {output}: a model with several outputs (or a profile output) is "
                              "linear; its outputs are the values explained (docs/graph-models.md)")
    for rec in records:
        if rec["type"] == "softmax":
            raise ConversionError(f"{rec['what']}: softmax is supported only as the output function of a "
                                  "model with one output of [N, tasks]")
    records, outputs = _fold_affine_graph(records, outputs)
    # Only what the outputs need: exporters may leave unused branches.
    needed, stack = set(), [index for _, index, _ in outputs]
    while stack:
        i = stack.pop()
        if i is None or i in needed:
            continue
        needed.add(i)
        stack += records[i]["inputs"]
    names, counters, layers, tensors = {None: "input"}, {}, [], []
    for i, rec in enumerate(records):
        if rec is None or i not in needed:
            continue
        kind = rec["type"]
        if kind == "affine":
            raise ConversionError(f"{rec['what']}: not supported here")
        counters[kind] = counters.get(kind, 0) + 1
        name = f"{GRAPH_PREFIXES.get(kind, kind)}{counters[kind]}"
        names[i] = name
        spec = {"type": kind, "name": name, "inputs": [names[j] for j in rec["inputs"]]}
        tensors += _describe_layer(rec, name, spec)
        layers.append(spec)
    seen = set()
    for source_name, index, _ in outputs:
        if index in seen:
            raise ConversionError(f"output '{source_name}' is the same layer as another output")
        seen.add(index)
    arch = {"input": {"alphabet": "ACGT", "length": int(length)}, "layers": layers}
    try:
        shapes = _shapes(arch)
        by_index = {i: shapes[names[i]] for i in names if i is not None}
        kinds = _task_names(outputs, by_index, tasks)
        entries = []
        task_set = {t for _, ts in kinds for t in ts}
        for (source_name, index, _), (kind, names_) in zip(outputs, kinds):
            if kind == "scalar" and len(names_) > 1:
                label = source_name if source_name not in task_set else f"{source_name}_out"
                entries.append({"name": label, "layer": names[index], "tasks": names_})
            else:
                entries.append({"name": names_[0], "layer": names[index]})
        arch["outputs"] = entries
        specs = write_model.tensor_specs(arch)
        expected = {name: shape for name, shape, _, _ in specs}
        for name, value in tensors:
            if tuple(value.shape) != tuple(expected.get(name, ())):
                raise ConversionError(f"{name}: shape {list(value.shape)}, the architecture needs "
                                      f"{list(expected.get(name, ()))}")
        stored = write_model.build_tensors(arch, given=dict(tensors))
    except write_model.ArchError as exc:
        raise ConversionError(f"the converted layers do not fit together: {exc}") from None
    return write_model.stored_architecture(arch), stored, [(e, kind) for e, (kind, _) in zip(entries, kinds)]


def _shapes(arch):
    """{layer name: output shape} of a version 2 architecture ((C, L) or (F,))."""
    shapes = {}
    write_model.tensor_specs(arch, shapes)
    return shapes
