"""Keras .h5 (ChromBPNet, BPNet) → layer records (common.py), read with h5py: no TensorFlow.

The file's weights are read from `model_weights/<layer>/<layer>/kernel:0` and
`bias:0` (a weights-only file keeps the layer groups at the root), with
Conv1D kernels (k, C_in, C_out) and Dense kernels (in, out).

The architecture is the Keras functional graph in the root attribute
`model_config` (JSON) when the file has one. Without it the architecture is
ChromBPNet's (chrombpnet training/models/bpnet_model.py), recognised from the
layer names, each optionally prefixed `wo_bias_` or `wo_bias_bpnet_` (the
accessibility model of chrombpnet_nobias.h5):

  bpnet_1st_conv        Conv1D(F, k, 'valid', relu) on the one-hot [L, 4]
  bpnet_{i}conv         Conv1D(F, 3, dilation 2^i, 'valid', relu), i = 1..n;
                        x = conv + Cropping1D(2^i)(x)  (the residual, centre-cropped)
  prof_out_precrop      Conv1D(S, k, 'valid'); centre-cropped to the output length
                        (S strands: a [S, length] profile output)
  logcount_predictions  Dense(U) of GlobalAveragePooling1D(x) (U scalar outputs)

with the input length from --length (default 2114) and the output length
from --output-length (default 1000), cropped as ChromBPNet crops:
⌊P/2⌋ − ⌊out/2⌋ on each side of the P profile positions.

Keras is channels-last: a layer's output is [L, C]; the records are in
docs/model-format.md's [C, L] layout (kernels transposed to [C_out, C_in, k];
a Dense after a Flatten of [L, C] has its columns permuted from l·C + c to
c·L + l). An output that is a Flatten of a [L, C] tensor (ChromBPNet's
profile) is a profile output: the layer before the Flatten.

The source values (test vectors, and the converter's check) come from
`forward`: an independent float64 numpy pass of the Keras graph in Keras'
own terms (channels-last, Keras kernels), not from the records.
"""
import json
import re

import numpy as np

from .common import ConversionError, padding_name, write_model

PREFIXES = ("", "wo_bias_", "wo_bias_bpnet_")
DEFAULT_LENGTH = 2114
DEFAULT_OUTPUT_LENGTH = 1000
FIRST_KERNEL_NOTE = "ChromBPNet: 21"
SUPPORTED = ("InputLayer, Conv1D (padding valid/same, activation relu/linear/sigmoid/tanh), Cropping1D, Add, "
             "Concatenate (channels), GlobalAveragePooling1D, Flatten, Dense, Activation, ReLU, Dropout")
ACTIVATIONS = {"linear": None, None: None, "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _history(node):
    """The (layer name) entries of one inbound node, Keras 2 or 3 format."""
    if isinstance(node, dict):
        if "keras_history" in node.get("config", {}):
            return [node["config"]["keras_history"][0]]
        out = []
        for value in node.values():
            out += _history(value)
        return out
    if isinstance(node, list):
        if len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):
            return [node[0]]    # Keras 2: [layer, node index, tensor index, kwargs]
        out = []
        for item in node:
            out += _history(item)
        return out
    return []


def _single(value, what):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ConversionError(f"{what} {value} is not one-dimensional")
        value = value[0]
    return int(value)


class KerasSource:
    """A Keras file ready for conversion: records(length), graph_outputs,
    output_values(inputs) and logits(inputs, tap)."""

    MISMATCH = "This is a converter bug; please report it with the model"

    def __init__(self, path, length=None, output_length=None):
        try:
            import h5py
        except ImportError:
            raise ConversionError("reading Keras .h5 files needs h5py (Debian: python3-h5py)") from None
        try:
            handle = h5py.File(path, "r")
        except OSError as exc:
            raise ConversionError(f"not an HDF5 file ({exc})") from None
        with handle:
            root = handle["model_weights"] if "model_weights" in handle else handle
            self.groups = {name: root[name] for name in root.keys() if isinstance(root[name], h5py.Group)}
            self.weights = {}
            config = handle.attrs.get("model_config")
            if config is not None:
                if output_length is not None:
                    raise ConversionError("--output-length is only for files without a model_config (this "
                                          "file's model_config fixes the output crop)")
                try:
                    config = json.loads(_text(config))
                except ValueError as exc:
                    raise ConversionError(f"the model_config attribute is not JSON ({exc})") from None
                self._from_config(config, length)
            else:
                self._from_names(length, output_length)
            for layer in self.layers:
                if layer["class"] in ("Conv1D", "Dense"):
                    self.weights[layer["name"]] = self._read_weights(layer)

    # -- the architecture -----------------------------------------------------

    def _from_config(self, config, length):
        body = config.get("config", {}) if isinstance(config, dict) else {}
        layers = body.get("layers")
        if not isinstance(layers, list) or not layers:
            raise ConversionError("the model_config has no layers (a Keras functional model is expected)")
        self.layers = []
        for entry in layers:
            cls = entry.get("class_name")
            cfg = entry.get("config", {})
            name = entry.get("name", cfg.get("name"))
            inbound = _history(entry.get("inbound_nodes", []))
            if cls in ("Functional", "Model", "Sequential"):
                raise ConversionError(f"layer '{name}' is a nested model ({cls}); convert the model it holds "
                                      "(for ChromBPNet: chrombpnet_nobias.h5, the accessibility model alone)")
            self.layers.append({"name": name, "class": cls, "config": cfg, "inbound": inbound})
        inputs = [l for l in self.layers if l["class"] == "InputLayer"]
        if len(inputs) != 1:
            raise ConversionError(f"the model has {len(inputs)} inputs; a sequence model has one")
        cfg = inputs[0]["config"]
        shape = cfg.get("batch_input_shape", cfg.get("batch_shape"))
        if not isinstance(shape, list) or len(shape) != 3 or shape[2] != 4:
            raise ConversionError(f"input layer '{inputs[0]['name']}' has shape {shape}, not [N, L, 4] "
                                  "(one-hot DNA, channels last)")
        if shape[1] is not None and length is not None and length != shape[1]:
            raise ConversionError(f"--length {length} but the model_config fixes the input length {shape[1]}")
        self.length = shape[1] or length or DEFAULT_LENGTH
        outputs = body.get("output_layers") or []
        if outputs and isinstance(outputs[0], str):   # a single output may be written unnested
            outputs = [outputs]
        names = [o[0] if isinstance(o, list) else o for o in outputs]
        if not names:
            raise ConversionError("the model_config names no output_layers")
        self.outputs = names
        # ChromBPNet's outputs get the task names its users know them by
        self.defaults = {n: "profile" if n.endswith("logits_profile_predictions") else "counts"
                         for n in names if n.endswith(("logits_profile_predictions", "logcount_predictions"))}
        if len(set(self.defaults.values())) != len(self.defaults):
            self.defaults = {}

    def _role(self, role):
        """The file's layer name for a ChromBPNet role, with any prefix."""
        found = [p + role for p in PREFIXES if p + role in self.groups]
        if len(found) > 1:
            raise ConversionError(f"layers {', '.join(found)} all match '{role}'; which model is meant?")
        return found[0] if found else None

    def _from_names(self, length, output_length):
        def required(role):
            name = self._role(role)
            if name is None:
                hint = ""
                if any(n.startswith("model") for n in self.groups):
                    hint = (" (this looks like a full ChromBPNet with its bias model nested inside; convert "
                            "chrombpnet_nobias.h5, the accessibility model alone)")
                raise ConversionError(f"missing layer '{role}' (looked for {', '.join(p + role for p in PREFIXES)}"
                                      f" among the file's layers {', '.join(sorted(self.groups)) or '(none)'})"
                                      f"{hint}; without a model_config the file must have ChromBPNet's "
                                      "layers bpnet_1st_conv, bpnet_{i}conv, prof_out_precrop, "
                                      "logcount_predictions")
            return name

        first = required("bpnet_1st_conv")
        dilated = []
        while self._role(f"bpnet_{len(dilated) + 1}conv"):
            dilated.append(self._role(f"bpnet_{len(dilated) + 1}conv"))
        pattern = re.compile(r"^(?:wo_bias_|wo_bias_bpnet_)?bpnet_(\d+)conv$")
        beyond = sorted(int(m.group(1)) for m in map(pattern.match, self.groups) if m)
        if beyond and beyond[-1] > len(dilated):
            raise ConversionError(f"missing layer 'bpnet_{len(dilated) + 1}conv': the file has "
                                  f"bpnet_{beyond[-1]}conv, so the dilated layers 1..{beyond[-1]} must all be there")
        profile = required("prof_out_precrop")
        counts = required("logcount_predictions")
        self.length = length or DEFAULT_LENGTH
        out_length = output_length or DEFAULT_OUTPUT_LENGTH
        # The kernel sizes come from the kernels: read them now.
        shapes = {}
        for name in [first] + dilated + [profile, counts]:
            shapes[name] = self._read_weights({"name": name, "class": "Dense" if name == counts else "Conv1D",
                                               "config": {"use_bias": True}})[0].shape
        conv = lambda name, inbound, dilation=1, activation="relu": {  # noqa: E731
            "name": name, "class": "Conv1D", "inbound": [inbound],
            "config": {"filters": shapes[name][2], "kernel_size": [shapes[name][0]], "strides": [1],
                       "padding": "valid", "dilation_rate": [dilation], "activation": activation,
                       "use_bias": True}}
        layers = [{"name": "sequence", "class": "InputLayer", "inbound": [],
                   "config": {"batch_input_shape": [None, self.length, 4]}},
                  conv(first, "sequence")]
        trunk, size = first, self.length - shapes[first][0] + 1
        for i, name in enumerate(dilated, 1):
            d = 2 ** i
            layers.append(conv(name, trunk, d))
            crop = f"{name[:-4]}crop"
            layers += [{"name": crop, "class": "Cropping1D", "inbound": [trunk], "config": {"cropping": [d, d]}},
                       {"name": f"add_{i}", "class": "Add", "inbound": [name, crop], "config": {}}]
            trunk, size = f"add_{i}", size - 2 * d
        precrop = size - shapes[profile][0] + 1
        if size < 1 or precrop < 1:
            raise ConversionError(f"an input of {self.length} bp is too short for these layers (--length)")
        cropsize = precrop // 2 - out_length // 2
        if cropsize < 0:
            raise ConversionError(f"the profile convolution gives {precrop} positions on a {self.length}-bp "
                                  f"input, fewer than the output length {out_length} (--length, --output-length)")
        layers += [conv(profile, trunk, activation="linear"),
                   {"name": "logits_profile", "class": "Cropping1D", "inbound": [profile],
                    "config": {"cropping": [cropsize, cropsize]}},
                   {"name": "gap", "class": "GlobalAveragePooling1D", "inbound": [trunk], "config": {}},
                   {"name": counts, "class": "Dense", "inbound": ["gap"],
                    "config": {"units": shapes[counts][1], "activation": "linear", "use_bias": True}}]
        self.layers = layers
        self.outputs = ["logits_profile", counts]
        self.defaults = {"logits_profile": "profile", counts: "counts"}

    def _read_weights(self, layer):
        """(kernel, bias) as float64; bias zeros when the layer has none."""
        name = layer["name"]
        where = f"layer '{name}' ({layer['class']})"
        group = self.groups.get(name)
        if group is None:
            raise ConversionError(f"{where}: no weights in the file (expected model_weights/{name}/{name}/kernel:0)")
        found = {}

        def visit(path, obj):
            if hasattr(obj, "shape"):
                found[path.rsplit("/", 1)[-1].split(":")[0]] = np.asarray(obj[()], dtype=np.float64)
        group.visititems(visit)
        if "kernel" not in found:
            raise ConversionError(f"{where}: no kernel:0 under model_weights/{name} (found "
                                  f"{', '.join(sorted(found)) or 'nothing'})")
        kernel = found["kernel"]
        if layer["config"].get("use_bias", True) and "bias" not in found:
            raise ConversionError(f"{where}: no bias:0 under model_weights/{name}")
        bias = found.get("bias", np.zeros(kernel.shape[-1]))
        want = 3 if layer["class"] == "Conv1D" else 2
        if kernel.ndim != want or bias.shape != (kernel.shape[-1],):
            raise ConversionError(f"{where}: kernel {list(kernel.shape)} and bias {list(bias.shape)}; a "
                                  f"{layer['class']} has a {want}-D kernel and one bias per output")
        return kernel, bias

    # -- the source's own forward pass (Keras terms) --------------------------

    def forward(self, x):
        """{layer name: output} for one input x [L, 4] (channels last), in
        float64, as Keras computes it; Conv1D/Dense also under (name, 'pre'),
        before their activation."""
        values = {}
        for layer in self.layers:
            cls, cfg, name = layer["class"], layer["config"], layer["name"]
            ins = [values[n] for n in layer["inbound"]]
            if cls == "InputLayer":
                out = x
            elif cls == "Conv1D":
                kernel, bias = self.weights[name]
                a = ins[0]
                k, s = kernel.shape[0], _single(cfg.get("strides", 1), "strides")
                d = _single(cfg.get("dilation_rate", 1), "dilation_rate")
                length, (left, right) = write_model.conv_output_length(a.shape[0], k, s, d,
                                                                       cfg.get("padding", "valid"))
                padded = np.pad(a, ((left, right), (0, 0)))
                # output j = bias + Σ_t padded[j·s + t·d] @ kernel[t], all j at once per tap t
                pre = bias + sum(padded[t * d:t * d + (length - 1) * s + 1:s] @ kernel[t] for t in range(k))
                values[(name, "pre")] = pre
                out = _activate(pre, cfg.get("activation"))
            elif cls == "Dense":
                kernel, bias = self.weights[name]
                pre = ins[0] @ kernel + bias
                values[(name, "pre")] = pre
                out = _activate(pre, cfg.get("activation"))
            elif cls == "Cropping1D":
                left, right = _cropping(cfg)
                out = ins[0][left:ins[0].shape[0] - right]
            elif cls == "Add":
                out = np.sum(ins, axis=0)
            elif cls == "Concatenate":
                out = np.concatenate(ins, axis=-1)
            elif cls == "GlobalAveragePooling1D":
                out = ins[0].mean(axis=0)
            elif cls == "Flatten":
                out = ins[0].reshape(-1)           # Keras: row-major over [L, C], index l·C + c
            elif cls == "Activation":
                out = _activate(ins[0], cfg.get("activation"))
            elif cls == "ReLU":
                out = np.maximum(ins[0], 0.0)
            elif cls == "Dropout":
                out = ins[0]
            else:
                raise ConversionError(f"layer '{name}' ({cls}) is not supported")
            values[name] = out
        return values

    # -- records ----------------------------------------------------------------

    def records(self, length):
        """The records of the Keras graph; sets graph_outputs."""
        self.out = []
        self.flattened = {}       # Flatten layer → the state of its [C, L] input
        # Per Keras layer: (record index or None for the input, shape (C, L) or (F,), perm for flat)
        state = {}
        for layer in self.layers:
            cls, cfg, name = layer["class"], layer["config"], layer["name"]
            where = f"layer '{name}' ({cls})"
            ins = [state[n] for n in layer["inbound"]] if all(n in state for n in layer["inbound"]) else None
            if ins is None:
                raise ConversionError(f"{where}: reads {layer['inbound']}, not all of them earlier layers")
            if cls == "InputLayer":
                state[name] = (None, (4, self.length), None)
                continue
            if cls != "Add" and cls != "Concatenate" and len(ins) != 1:
                raise ConversionError(f"{where}: {len(ins)} inputs; one expected")
            src, shape, perm = ins[0]
            emit = lambda rec, inputs=None: self._emit(rec, where, name, inputs or [src])  # noqa: E731
            if cls == "Conv1D":
                if len(shape) != 2:
                    raise ConversionError(f"{where}: needs a [L, C] input, gets flat features")
                kernel, bias = self.weights[name]
                if kernel.shape[1] != shape[0]:
                    raise ConversionError(f"{where}: kernel {list(kernel.shape)} expects {kernel.shape[1]} input "
                                          f"channels, gets {shape[0]}")
                if cfg.get("groups", 1) != 1 or cfg.get("data_format", "channels_last") != "channels_last":
                    raise ConversionError(f"{where}: only groups 1 and channels_last are supported")
                k = kernel.shape[0]
                s = _single(cfg.get("strides", 1), f"{where}: strides")
                d = _single(cfg.get("dilation_rate", 1), f"{where}: dilation_rate")
                padding = cfg.get("padding", "valid")
                if padding not in ("valid", "same"):
                    raise ConversionError(f"{where}: padding '{padding}'; only 'valid' and 'same' are supported")
                out_length, pads = write_model.conv_output_length(shape[1], k, s, d, padding)
                padding_name(pads, shape[1], k, s, d, where)
                if out_length < 1:
                    raise ConversionError(f"{where}: input length {shape[1]} is too short for the kernel")
                src = emit({"type": "conv1d", "weight": kernel.transpose(2, 1, 0).copy(), "bias": bias,
                            "stride": s, "dilation": d, "padding": padding}, [src])
                self.out[-1]["tap"] = (name, "pre")
                src = self._activation(cfg.get("activation"), where, name, src)
                state[name] = (src, (kernel.shape[2], out_length), None)
            elif cls == "Dense":
                if len(shape) != 1:
                    raise ConversionError(f"{where}: Dense on a [L, C] tensor acts on the last axis only; "
                                          "only a Dense on flat features is supported")
                kernel, bias = self.weights[name]
                if kernel.shape[0] != shape[0]:
                    raise ConversionError(f"{where}: kernel {list(kernel.shape)} expects {kernel.shape[0]} "
                                          f"features, gets {shape[0]}")
                weight = np.empty((kernel.shape[1], kernel.shape[0]))
                weight[:, perm] = kernel.T       # Keras feature p is docs/model-format.md feature perm[p]
                src = emit({"type": "dense", "weight": weight, "bias": bias}, [src])
                self.out[-1]["tap"] = (name, "pre")
                src = self._activation(cfg.get("activation"), where, name, src)
                state[name] = (src, (kernel.shape[1],), np.arange(kernel.shape[1]))
            elif cls == "Cropping1D":
                left, right = _cropping(cfg)
                if len(shape) != 2 or shape[1] - left - right < 1:
                    raise ConversionError(f"{where}: cannot crop {left} + {right} from {shape}")
                if left or right:
                    src = emit({"type": "crop1d", "left": left, "right": right}, [src])
                state[name] = (src, (shape[0], shape[1] - left - right), None)
            elif cls in ("Add", "Concatenate"):
                shapes = [s for _, s, _ in ins]
                if cls == "Add":
                    if any(s != shapes[0] for s in shapes) or len(ins) < 2:
                        raise ConversionError(f"{where}: adds tensors of shapes {shapes}")
                    if len(shapes[0]) == 1 and any(not np.array_equal(p, ins[0][2]) for _, _, p in ins):
                        raise ConversionError(f"{where}: adds flat features in different orders")
                    src = emit({"type": "add"}, [i for i, _, _ in ins])
                    state[name] = (src, shapes[0], perm)
                else:
                    if cfg.get("axis", -1) not in (-1, 2) or any(len(s) != 2 or s[1] != shapes[0][1]
                                                                 for s in shapes):
                        raise ConversionError(f"{where}: only a Concatenate of [L, C] tensors of one length "
                                              "along the channels is supported")
                    src = emit({"type": "concat"}, [i for i, _, _ in ins])
                    state[name] = (src, (sum(s[0] for s in shapes), shapes[0][1]), None)
            elif cls == "GlobalAveragePooling1D":
                if len(shape) != 2 or cfg.get("keepdims", False):
                    raise ConversionError(f"{where}: needs a [L, C] input (and keepdims off)")
                src = emit({"type": "avgpool1d", "kernel_size": shape[1], "stride": shape[1]}, [src])
                src = emit({"type": "flatten"}, [src])
                state[name] = (src, (shape[0],), np.arange(shape[0]))
            elif cls == "Flatten":
                if len(shape) == 1:
                    state[name] = ins[0]
                    continue
                c, l = shape
                # Keras flattens [L, C] row-major: its feature l·C + c is ours c·L + l
                keras_perm = (np.arange(c)[None, :] * l + np.arange(l)[:, None]).reshape(-1)
                flat = emit({"type": "flatten"}, [src])
                state[name] = (flat, (c * l,), keras_perm)
                self.flattened[name] = ins[0]
            elif cls in ("Activation", "ReLU"):
                activation = "relu" if cls == "ReLU" else cfg.get("activation")
                if cls == "ReLU" and (cfg.get("max_value") is not None or cfg.get("negative_slope", 0)
                                      or cfg.get("threshold", 0)):
                    raise ConversionError(f"{where}: only a plain ReLU is supported")
                state[name] = (self._activation(activation, where, name, src), shape, perm)
            elif cls == "Dropout":
                state[name] = ins[0]
            else:
                raise ConversionError(f"{where} is not supported (supported: {SUPPORTED})")
        self.graph_outputs, self.output_layers = [], []
        for name in self.outputs:
            if name not in state:
                raise ConversionError(f"output layer '{name}' is not a layer of the model")
            src, shape, _ = state[name]
            keras_layer = name
            if name in self.flattened and self.flattened[name][1][1] > 1:
                # A Flatten of [L, C] as output (ChromBPNet's profile): the profile is the [C, L] before it.
                src, shape, _ = self.flattened[name]
                keras_layer = next(l["inbound"][0] for l in self.layers if l["name"] == name)
            if src is None:
                raise ConversionError(f"output layer '{name}' is the input itself")
            label = (self.defaults or {}).get(name, name)
            self.graph_outputs.append((label, src, shape))
            self.output_layers.append(keras_layer)
        return self.out

    def _emit(self, rec, where, name, inputs):
        rec.update(what=where, tap=name, inputs=list(inputs))
        self.out.append(rec)
        return len(self.out) - 1

    def _activation(self, activation, where, name, src):
        if activation not in ACTIVATIONS:
            raise ConversionError(f"{where}: activation '{activation}' is not supported "
                                  "(relu, sigmoid, tanh, linear)")
        kind = ACTIVATIONS[activation]
        if kind is None:
            return src
        return self._emit({"type": kind}, where, name, [src])

    def output_values(self, inputs):
        """Each output on one-hot inputs [N, 4, L] from the Keras forward
        pass, as [N, size] in docs/model-format.md order ([C, L] channel-major)."""
        runs = [self.forward(np.asarray(x, dtype=np.float64).T) for x in inputs]
        out = []
        for layer in self.output_layers:
            rows = []
            for values in runs:
                v = values[layer]
                rows.append(v.T.reshape(-1) if v.ndim == 2 else v.reshape(-1))
            out.append(np.stack(rows))
        return out

    def logits(self, inputs, tap):
        """A sequential model's logits: Keras layer `tap` (name, 'pre') on [N, 4, L]."""
        return np.stack([self.forward(np.asarray(x, dtype=np.float64).T)[tap].reshape(-1) for x in inputs])


def _activate(x, activation):
    kind = ACTIVATIONS.get(activation, "?")
    if kind is None:
        return x
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if kind == "tanh":
        return np.tanh(x)
    raise ConversionError(f"activation '{activation}' is not supported")


def _cropping(cfg):
    crop = cfg.get("cropping", (1, 1))
    if isinstance(crop, int):
        return crop, crop
    return int(crop[0]), int(crop[1])
