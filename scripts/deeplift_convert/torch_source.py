"""PyTorch → layer records (common.py): a torch.save'd nn.Module, or a
state_dict plus an architecture JSON.

The module tree is walked depth-first in registration order; each leaf is a
layer. That is exactly the forward pass of an nn.Sequential (nested ones
flattened) and the usual one of a custom module; the test vectors, taken from
the module's own forward pass, catch a forward() that does anything else.
"""
import collections
import collections.abc
import copy
import pickle
import types
import warnings

import numpy as np
import torch
from torch import nn

from .common import ConversionError, padding_name, pool_length, same_padding

SUPPORTED = ("Conv1d (after an optional zero ConstantPad1d), Linear, BatchNorm1d, PReLU, LeakyReLU, ReLU, "
             "Sigmoid, Tanh, MaxPool1d, AvgPool1d, AdaptiveMaxPool1d, AdaptiveAvgPool1d, Flatten, Dropout, "
             "Identity, Softmax, LogSoftmax")
SKIPPED = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)
ELEMENTWISE = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
LEAF_TYPES = (nn.ConstantPad1d, nn.Conv1d, nn.Linear, nn.BatchNorm1d, nn.PReLU, nn.LeakyReLU, nn.MaxPool1d,
              nn.AvgPool1d, nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d, nn.Flatten, nn.Softmax, nn.LogSoftmax) \
    + tuple(ELEMENTWISE) + SKIPPED


def _array(tensor):
    return tensor.detach().cpu().double().numpy().copy()


def _single(value, what, key):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ConversionError(f"{what}: {key} {value} is not one-dimensional")
        value = value[0]
    return value


def _leaves(module, prefix=""):
    """(path, module) of the layers in execution order."""
    children = list(module.named_children())
    if isinstance(module, LEAF_TYPES) or not children:
        yield prefix, module
        return
    for name, child in children:
        yield from _leaves(child, f"{prefix}.{name}" if prefix else name)


def _conv(m, shape, what, extra=(0, 0)):
    """extra: (left, right) zero padding of ConstantPad1d modules right before it."""
    if len(shape) != 2:
        raise ConversionError(f"{what}: needs a [channels, length] input, gets {list(shape)}")
    if m.groups != 1:
        raise ConversionError(f"{what}: groups={m.groups}; only groups=1 is supported")
    if m.padding_mode != "zeros":
        raise ConversionError(f"{what}: padding_mode '{m.padding_mode}'; only zero padding is supported")
    if m.in_channels != shape[0]:
        raise ConversionError(f"{what}: in_channels {m.in_channels} but its input has {shape[0]} channels")
    k, s, d = m.kernel_size[0], m.stride[0], m.dilation[0]
    if m.padding == "valid":
        own = (0, 0)
    elif m.padding == "same":  # torch allows it only with stride 1, where it is docs/model-format.md's rule
        own = same_padding(shape[1] + sum(extra), k, s, d)
    else:
        own = (_single(m.padding, what, "padding"),) * 2
    padding = padding_name((own[0] + extra[0], own[1] + extra[1]), shape[1], k, s, d, what)
    weight = _array(m.weight)
    bias = _array(m.bias) if m.bias is not None else np.zeros(weight.shape[0])
    return [{"type": "conv1d", "weight": weight, "bias": bias, "stride": s, "dilation": d, "padding": padding}]


def _linear(m, shape, what):
    if len(shape) != 1:
        raise ConversionError(f"{what}: applied to a {list(shape)} activation it acts on the last axis only; "
                              "docs/model-format.md needs nn.Flatten() before a Linear layer")
    if m.in_features != shape[0]:
        raise ConversionError(f"{what}: in_features {m.in_features} but its input has {shape[0]} features "
                              "(is --length right?)")
    weight = _array(m.weight)
    bias = _array(m.bias) if m.bias is not None else np.zeros(weight.shape[0])
    return [{"type": "dense", "weight": weight, "bias": bias}]


def _batchnorm(m, shape, what):
    if m.running_mean is None or m.running_var is None:
        raise ConversionError(f"{what}: track_running_stats=False normalises by batch statistics even in "
                              "eval mode; it cannot be folded")
    mean, var = _array(m.running_mean), _array(m.running_var)
    gamma = _array(m.weight) if m.weight is not None else np.ones_like(mean)
    beta = _array(m.bias) if m.bias is not None else np.zeros_like(mean)
    scale = gamma / np.sqrt(var + m.eps)  # eval mode: y = (x − mean)/√(var + eps)·γ + β
    return [{"type": "affine", "scale": scale, "shift": beta - mean * scale}]


def _prelu(m, shape, what):
    slope = _array(m.weight).reshape(-1)
    if slope.size != 1 and slope.size != shape[0]:
        raise ConversionError(f"{what}: {slope.size} slopes for {shape[0]} channels")
    return [{"type": "prelu", "slope": slope}]


def _pool(m, shape, what, kind):
    if len(shape) != 2:
        raise ConversionError(f"{what}: needs a [channels, length] input, gets {list(shape)}")
    k = _single(m.kernel_size, what, "kernel_size")
    s = _single(m.stride, what, "stride") if m.stride else k
    if _single(m.padding, what, "padding") != 0:
        raise ConversionError(f"{what}: padding {m.padding}; docs/model-format.md pooling has no padding")
    if kind == "maxpool1d" and (_single(m.dilation, what, "dilation") != 1 or m.return_indices):
        raise ConversionError(f"{what}: dilation and return_indices are not supported")
    pool_length(shape[1], k, s, m.ceil_mode, what)
    return [{"type": kind, "kernel_size": k, "stride": s}]


def _adaptive(m, shape, what, kind):
    if len(shape) != 2:
        raise ConversionError(f"{what}: needs a [channels, length] input, gets {list(shape)}")
    size = _single(m.output_size, what, "output_size")
    if size is None or shape[1] % size:
        raise ConversionError(f"{what}: output_size {size} does not divide the length {shape[1]} "
                              "(unequal windows)")
    k = shape[1] // size
    return [{"type": kind, "kernel_size": k, "stride": k}]


def _leaf(m, shape, what):
    """Records for one leaf module applied to an activation of `shape`."""
    if isinstance(m, SKIPPED):
        return []
    for cls, kind in ELEMENTWISE.items():
        if type(m) is cls:
            return [{"type": kind}]
    if isinstance(m, nn.Conv1d):
        return _conv(m, shape, what)
    if isinstance(m, nn.Linear):
        return _linear(m, shape, what)
    if isinstance(m, nn.BatchNorm1d):
        return _batchnorm(m, shape, what)
    if isinstance(m, nn.PReLU):
        return _prelu(m, shape, what)
    if isinstance(m, nn.LeakyReLU):
        return [{"type": "prelu", "slope": np.array([m.negative_slope], dtype=np.float64)}]
    if isinstance(m, nn.MaxPool1d):
        return _pool(m, shape, what, "maxpool1d")
    if isinstance(m, nn.AvgPool1d):
        return _pool(m, shape, what, "avgpool1d")
    if isinstance(m, nn.AdaptiveMaxPool1d):
        if m.return_indices:
            raise ConversionError(f"{what}: return_indices is not supported")
        return _adaptive(m, shape, what, "maxpool1d")
    if isinstance(m, nn.AdaptiveAvgPool1d):
        return _adaptive(m, shape, what, "avgpool1d")
    if isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise ConversionError(f"{what}: only Flatten(1, -1) is supported")
        return [{"type": "flatten"}] if len(shape) == 2 else []
    if isinstance(m, (nn.Softmax, nn.LogSoftmax)):
        if len(shape) != 1 or m.dim not in (1, -1):
            raise ConversionError(f"{what}: softmax over dim {m.dim} of a {list(shape)} activation; only the "
                                  "output function over the tasks is supported")
        return [{"type": "softmax"}]
    raise ConversionError(f"{what} is not supported (supported: {SUPPORTED})")


class TorchSource:
    """A model ready for conversion: records(length) and logits(inputs, tap)."""

    MISMATCH = ("The module's forward() probably does more than run its layers in registration order "
                "(functional activations, skip connections, reordered calls)")

    def __init__(self, module):
        torch.set_grad_enabled(False)
        warnings.filterwarnings("ignore", category=UserWarning)  # torch's performance notes are noise here
        # float64 copy: the source logits in the test vectors are as exact as possible
        self.net = copy.deepcopy(module).double().eval()

    def records(self, length):
        x = torch.zeros((1, 4, length), dtype=torch.float64)
        out = []
        pad, unpadded = None, None   # ConstantPad1d waiting for its Conv1d
        for path, m in _leaves(self.net):
            what = f"module '{path or '(top level)'}' ({type(m).__name__})"
            shape = tuple(x.shape[1:])
            if isinstance(m, nn.ConstantPad1d):
                left, right = m.padding
                if m.value != 0 or left < 0 or right < 0 or len(shape) != 2:
                    raise ConversionError(f"{what}: only zero padding of a [channels, length] activation "
                                          "right before a Conv1d is supported")
                if pad is None:
                    pad, unpadded = (0, 0), shape
                pad = (pad[0] + left, pad[1] + right)
                x = m(x)
                continue
            if pad is not None:
                if not isinstance(m, nn.Conv1d):
                    raise ConversionError(f"{what} follows a ConstantPad1d; padding is supported only "
                                          "right before a Conv1d")
                recs = _conv(m, unpadded, what, pad)
                pad = None
            else:
                recs = _leaf(m, shape, what)
            for rec in recs:
                rec.update(what=what, tap=m)
            out += recs
            try:
                x = m(x)
            except Exception as exc:  # shapes the walk did not foresee: name the module
                raise ConversionError(f"{what}: fails on a {list(x.shape[1:])} input ({exc})") from None
        if pad is not None:
            raise ConversionError("the model ends in a ConstantPad1d")
        return out

    def logits(self, inputs, tap):
        """The output of module `tap` in the model's own forward pass."""
        seen = []
        handle = tap.register_forward_hook(lambda module, args, output: seen.append(output))
        try:
            self.net(torch.as_tensor(inputs, dtype=torch.float64))
        except Exception as exc:
            raise ConversionError(f"running the model on [N, 4, L] one-hot input failed: {exc}") from None
        finally:
            handle.remove()
        if len(seen) != 1:
            raise ConversionError(f"the logits layer ran {len(seen)} times in one forward pass; "
                                  "only sequential models are supported")
        return seen[0].numpy()


def load(path):
    """The object in a .pt file: an nn.Module or a state_dict (mapping)."""
    try:
        obj = torch.load(path, map_location="cpu")
    except (AttributeError, ModuleNotFoundError) as exc:
        # A bpnet-lite model unpickles without bpnetlite (and its dependencies) installed
        obj = _bpnet_lite_without_class(path)
        if obj is None:
            raise ConversionError(f"can't unpickle it: {exc}. A whole saved module needs its class "
                                  "importable (add its directory to PYTHONPATH), or save the state_dict and "
                                  "pass --arch") from None
    except Exception as exc:  # pickle, zip and torch's own errors alike
        raise ConversionError(f"not a torch.save file ({exc})") from None
    if isinstance(obj, nn.Module):
        return obj
    if isinstance(obj, collections.abc.Mapping):
        for key in ("state_dict", "model_state_dict"):
            if isinstance(obj.get(key), collections.abc.Mapping):
                obj = obj[key]
        if all(isinstance(v, torch.Tensor) for v in obj.values()):
            return collections.OrderedDict(obj)
    raise ConversionError(f"holds a {type(obj).__name__}, not an nn.Module or a state_dict")


def from_state_dict(state, arch):
    """An nn.Sequential built from an architecture JSON (scripts/convert-model
    --help) with the state_dict's tensors. Each layer with parameters reads
    '<source>.weight' etc., source defaulting to its name."""
    state = dict(state)
    used = set()
    modules = collections.OrderedDict()

    def tensor(source, key, where, required=True):
        name = f"{source}.{key}"
        if name not in state:
            if required:
                raise ConversionError(f"{where}: the state_dict has no '{name}'")
            return None
        used.add(name)
        return state[name]

    def load_into(param, value, where, name):
        if param.shape != value.shape:
            raise ConversionError(f"{where}: '{name}' has shape {list(value.shape)}, the layer needs "
                                  f"{list(param.shape)}")
        param.copy_(value)

    layers = arch.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ConversionError("--arch: 'layers' must be a non-empty list")
    with torch.no_grad():
        for i, spec in enumerate(layers):
            kind = spec.get("type")
            where = f"--arch layer {i} ({kind})"
            source = spec.get("source", spec.get("name"))
            try:
                if kind == "conv1d":
                    w = tensor(source, "weight", where)
                    b = tensor(source, "bias", where, required=False)
                    padding = spec.get("padding", "valid")
                    m = nn.Conv1d(spec.get("in_channels", w.shape[1]), spec.get("out_channels", w.shape[0]),
                                  spec.get("kernel_size", w.shape[2]), stride=spec.get("stride", 1),
                                  padding=padding, dilation=spec.get("dilation", 1), bias=b is not None)
                    load_into(m.weight, w, where, f"{source}.weight")
                    if b is not None:
                        load_into(m.bias, b, where, f"{source}.bias")
                elif kind == "dense":
                    w = tensor(source, "weight", where)
                    b = tensor(source, "bias", where, required=False)
                    m = nn.Linear(spec.get("in_features", w.shape[1]), spec.get("out_features", w.shape[0]),
                                  bias=b is not None)
                    load_into(m.weight, w, where, f"{source}.weight")
                    if b is not None:
                        load_into(m.bias, b, where, f"{source}.bias")
                elif kind == "batchnorm1d":
                    mean = tensor(source, "running_mean", where)
                    var = tensor(source, "running_var", where)
                    w = tensor(source, "weight", where, required=False)
                    b = tensor(source, "bias", where, required=False)
                    tensor(source, "num_batches_tracked", where, required=False)
                    m = nn.BatchNorm1d(mean.numel(), eps=spec.get("eps", 1e-5), affine=w is not None)
                    load_into(m.running_mean, mean, where, f"{source}.running_mean")
                    load_into(m.running_var, var, where, f"{source}.running_var")
                    if w is not None:
                        load_into(m.weight, w, where, f"{source}.weight")
                        load_into(m.bias, b if b is not None else torch.zeros_like(w), where, f"{source}.bias")
                elif kind == "prelu":
                    w = tensor(source, "weight", where)
                    m = nn.PReLU(num_parameters=w.numel())
                    load_into(m.weight, w.reshape(-1), where, f"{source}.weight")
                elif kind in ("maxpool1d", "avgpool1d"):
                    k = spec["kernel_size"]
                    cls = nn.MaxPool1d if kind == "maxpool1d" else nn.AvgPool1d
                    m = cls(k, spec.get("stride", k))
                else:
                    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten,
                              "dropout": nn.Dropout, "identity": nn.Identity,
                              "softmax": lambda: nn.Softmax(dim=1)}
                    if kind == "leakyrelu":
                        m = nn.LeakyReLU(spec.get("negative_slope", 0.01))
                    elif kind in simple:
                        m = simple[kind]()
                    else:
                        raise ConversionError(f"{where}: unknown layer type: {kind}")
            except (KeyError, TypeError, ValueError, RuntimeError) as exc:
                raise ConversionError(f"{where}: {exc}") from None
            modules[f"layer{i}"] = m
    extra = sorted(k for k in state if k not in used and not k.endswith("num_batches_tracked"))
    if extra:
        raise ConversionError(f"state_dict tensors not used by --arch: {', '.join(extra)}")
    return nn.Sequential(modules)


def _tensors(output, what="the module's output"):
    """A forward pass's outputs as a flat list of tensors (tuples and lists
    flattened in order, as torch.onnx.export does)."""
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _tensors(item, what)]
    raise ConversionError(f"{what} holds a {type(output).__name__}; only tensors, tuples and lists of "
                          "tensors are supported")


def output_names(shapes):
    """Names for the outputs of a forward pass, from their shapes: [N, S, P]
    'profile', [N, 1] 'counts', others 'output<i>' (a repeated name gets its
    index appended). They are the default task names of a graph model."""
    names = ["profile" if len(s) == 3 else "counts" if list(s[1:]) == [1] else f"output{i}"
             for i, s in enumerate(shapes)]
    return [f"{n}{i}" if names.count(n) > 1 else n for i, n in enumerate(names)]


def exported_source(module, length, directory):
    """A module that is not an nn.Sequential: torch.onnx.export (opset 13,
    batch size 1, shapes folded) to directory/model.onnx, then the ONNX
    path; its source values come from the module itself (ExportedSource)."""
    from .onnx_source import OnnxSource

    class ExportedSource(OnnxSource):
        MISMATCH = ("The module's ONNX export disagrees with its own forward pass (a forward() that "
                    "depends on more than its input?)")

        def __init__(self):
            torch.set_grad_enabled(False)
            warnings.filterwarnings("ignore")   # torch's export notes and TracerWarnings
            self.net = copy.deepcopy(module).double().eval()
            export = copy.deepcopy(module).float().eval()
            x = torch.zeros((1, 4, length), dtype=torch.float32)
            try:
                shapes = [tuple(t.shape) for t in _tensors(export(x))]
            except ConversionError:
                raise
            except Exception as exc:
                raise ConversionError(f"running the model on a [1, 4, {length}] one-hot input failed: "
                                      f"{exc} (is --length right? forward() must take the one-hot sequence "
                                      "alone: a bpnet-lite model with control tracks needs them)") from None
            path = f"{directory}/model.onnx"
            try:
                torch.onnx.export(export, x, path, opset_version=13, input_names=["dna"],
                                  output_names=output_names(shapes), do_constant_folding=True)
            except Exception as exc:
                raise ConversionError(f"torch.onnx.export failed: {exc}") from None
            super().__init__(path, length)

        def _torch(self, inputs):
            try:
                return [t.numpy() for t in _tensors(self.net(torch.as_tensor(inputs, dtype=torch.float64)))]
            except Exception as exc:
                raise ConversionError(f"running the model on [N, 4, L] one-hot input failed: {exc}") from None

        def output_values(self, inputs):
            """The module's own outputs (float64), in docs/model-format.md order."""
            outs = self._torch(inputs)
            if len(outs) != len(self.graph_outputs):
                raise ConversionError(f"the module returns {len(outs)} tensors, its export "
                                      f"{len(self.graph_outputs)}")
            return [np.stack([data.canonical(v).reshape(-1) for v in out])
                    for data, out in zip(self.output_data, outs)]

        def logits(self, inputs, tap):
            """A sequential model's logits from the export (they may lie before
            the module's output function), after checking that the export's
            output is the module's own."""
            runs = self._evaluate(inputs)
            (final,) = self._torch(inputs)
            name = self.graph.output[0].name
            exported = np.stack([values[name].reshape(final.shape[1:]) for values in runs])
            if not np.allclose(exported, final, rtol=1e-4, atol=1e-4):
                raise ConversionError(self.MISMATCH)
            return np.stack([values[tap].reshape(-1) for values in runs])

    return ExportedSource()


# -- bpnet-lite models whose class cannot be imported ------------------------

class _Stub:
    """Stands for a class the unpickler cannot import; keeps its attributes."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:   # (dict, slots)
            state = state[0]
        if isinstance(state, dict):
            self.__dict__.update(state)


class _StubUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            return type(name, (_Stub,), {"__module__": module})


class BPNetLite(nn.Module):
    """jmschrei/bpnet-lite's BPNet without control tracks, rebuilt from a
    saved model's own modules when bpnetlite cannot be imported: 'same'
    padded convolutions, X = X + relu(rconv(X)), the profile trimmed by
    `trimming` on each side, the counts a Linear of the trunk's mean over
    [start − 37, end + 37) (with the constant log(0 + 1) appended when the
    Linear has one input more than there are filters, as older versions do)."""

    def __init__(self, iconv, rconvs, fconv, linear, trimming):
        super().__init__()
        self.iconv, self.rconvs, self.fconv, self.linear = iconv, rconvs, fconv, linear
        self.trimming = trimming

    def forward(self, x):
        start, end = self.trimming, x.shape[2] - self.trimming
        x = torch.relu(self.iconv(x))
        for rconv in self.rconvs:
            x = x + torch.relu(rconv(x))
        profile = self.fconv(x)[:, :, start:end]
        counts = torch.mean(x[:, :, start - 37:end + 37], dim=2)
        if self.linear.in_features == counts.shape[1] + 1:
            counts = torch.cat([counts, torch.zeros_like(counts[:, :1])], dim=1)   # log(0 + 1)
        return profile, self.linear(counts).reshape(x.shape[0], 1)


def _bpnet_lite_without_class(path):
    """A BPNetLite from a torch.save'd bpnet-lite BPNet whose class cannot be
    imported (its attributes iconv, rconvs, fconv, linear, trimming), or None."""
    stub_pickle = types.ModuleType("deeplift_stub_pickle")
    stub_pickle.__dict__.update({k: v for k, v in vars(pickle).items() if not k.startswith("__")})
    stub_pickle.Unpickler = _StubUnpickler
    # Some torch versions (Debian's 1.13) replace pickle_module by the pickle module
    # itself unless weights_only: their module-level name is swapped for the call.
    serialization = torch.serialization
    saved = serialization.pickle
    serialization.pickle = stub_pickle
    try:
        obj = torch.load(path, map_location="cpu", pickle_module=stub_pickle)
    except Exception:
        return None
    finally:
        serialization.pickle = saved
    state = getattr(obj, "__dict__", {})
    modules = state.get("_modules") or {}
    iconv, rconvs, fconv, linear = (modules.get(k) for k in ("iconv", "rconvs", "fconv", "linear"))
    if not (isinstance(obj, _Stub) and type(obj).__name__ == "BPNet" and isinstance(iconv, nn.Conv1d)
            and isinstance(rconvs, nn.ModuleList) and isinstance(fconv, nn.Conv1d)
            and isinstance(linear, nn.Linear) and isinstance(state.get("trimming"), int)):
        return None
    if fconv.in_channels != iconv.out_channels:
        raise ConversionError(f"a bpnet-lite BPNet with {fconv.in_channels - iconv.out_channels} control "
                              "tracks: its profile head reads them as extra channels, and deeplift-cpp scores "
                              "the sequence alone")
    module = BPNetLite(iconv, rconvs, fconv, linear, state["trimming"])
    module.conversion_note = (f"the class {type(obj).__module__}.BPNet is not importable: the model is rebuilt "
                              f"as bpnet-lite's BPNet from its saved layers (trimming {state['trimming']})")
    return module
