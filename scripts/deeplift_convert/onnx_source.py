"""ONNX graph → layer records (common.py).

The graph has one input (the one-hot sequence) and any number of outputs.
Each node that reads an activation (a value computed from the input) becomes
zero or more records; Add/Sum of activations, their Concat along the
channels and a Slice of the length axis become model format version 2's
add, concat and crop1d (docs/graph-models.md), and every record names the
records it reads ("inputs"). A single chain to one output is written as
version 1, exactly as before. Nodes whose inputs are all constants
(exporters' Identity/Unsqueeze/Reshape arithmetic on weights, and the
Shape → Gather → Sub → Slice-bound arithmetic torch.onnx.export emits) are
folded with the numpy evaluator first; Shape of an activation is known once
the input length is.

Layout: ONNX tensors may be channels-first ([N, C, L], PyTorch) or
channels-last ([N, L, C], Keras via tf2onnx, which wraps each convolution in
Transposes and may use 2-D convolutions over an extra unit axis). Each
activation on the chain is tracked as a labelling of its axes after the batch
axis: C (channels), L (positions), 1 (a unit axis) or F (flat features, with
`perm` giving, for each ONNX position, its docs/model-format.md index c·L + l). The
layers are emitted in docs/model-format.md's own layout, so a Flatten of a channels-last
tensor becomes a flatten plus a dense layer whose weight columns are
permuted from l·C + c to c·L + l.
"""
import numpy as np
import onnx

from . import onnx_eval
from .common import ConversionError, padding_name, pool_length, write_model

SUPPORTED = ("Conv, BatchNormalization, PRelu, LeakyRelu, Relu, Sigmoid, Tanh, MaxPool, AveragePool, "
             "GlobalAveragePool, GlobalMaxPool, ReduceMean, ReduceMax, Flatten, Reshape, Transpose, Squeeze, "
             "Unsqueeze, Pad (before a Conv), Gemm, MatMul, Add/Sub/Mul/Div by a per-channel constant, "
             "Softmax/LogSoftmax (output), Dropout, Identity, Cast; in graphs also Add/Sum of activations, "
             "Concat along the channels, Slice of the length axis")
CANONICAL = ("C", "L")


class Data:
    """The activation on the chain: labels of the axes after the batch axis."""

    def __init__(self, labels, C=1, L=1, F=0, perm=None, pad=None, src=None):
        self.labels = tuple(labels)
        self.C, self.L, self.F = C, L, F
        self.perm = perm          # flat only: ONNX position → docs/model-format.md index
        self.pad = pad            # (begin, end) of a Pad waiting for its Conv
        self.src = src            # index of the record whose output this is; None: the graph input
        self.fixed = None         # flat only: ONNX features that are constants (Concat with a constant),
                                  # their values (NaN at the activation's features, perm -1 at the constants)

    @property
    def flat(self):
        return "F" in self.labels

    @property
    def shape(self):
        sizes = {"C": self.C, "L": self.L, "F": self.F if self.perm is None else len(self.perm), "1": 1}
        return tuple(sizes[label] for label in self.labels)

    @property
    def canonical_shape(self):
        """The docs/model-format.md shape: (C, L), or (F,) when flat."""
        return (self.F,) if self.flat else (self.C, self.L)

    def relabel(self, labels, **changes):
        out = Data(labels, self.C, self.L, self.F, self.perm, src=self.src)
        out.fixed = self.fixed
        for key, value in changes.items():
            setattr(out, key, value)
        return out

    def describe(self):
        return "[N, " + ", ".join(f"{l}={n}" if l != "1" else "1" for l, n in zip(self.labels, self.shape)) + "]"

    def canonical(self, array):
        """A per-sample array in this layout → docs/model-format.md layout ([C, L] or [F])."""
        units = tuple(i for i, l in enumerate(self.labels) if l == "1")
        array = np.squeeze(array, axis=units) if units else array
        rest = [l for l in self.labels if l != "1"]
        if self.flat:
            out = np.empty(self.F, dtype=array.dtype)
            out[self.perm] = array
            return out
        return np.transpose(array, [rest.index(l) for l in CANONICAL])

    def from_canonical(self, batch):
        """[N, C, L] in docs/model-format.md layout → this layout (graph input feeds)."""
        rest = [l for l in self.labels if l != "1"]
        x = np.transpose(batch, [0] + [1 + CANONICAL.index(l) for l in rest])
        return x.reshape((batch.shape[0],) + self.shape)


class OnnxSource:
    """A graph ready for conversion: records(length) and logits(inputs, tap)."""

    MISMATCH = "This is a converter bug; please report it with the model"

    def __init__(self, path, length=None, channels_last=False):
        try:
            self.model = onnx.load(path)
        except Exception as exc:  # protobuf's DecodeError and friends
            raise ConversionError(f"not an ONNX model ({exc})") from None
        self.graph = self.model.graph
        self.opset = onnx_eval.opset_version(self.model)
        self.consts = onnx_eval.initializers(self.graph)
        inputs = [i for i in self.graph.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise ConversionError(f"the graph has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                                  "a sequence model has one")
        self.input_name = inputs[0].name
        self.input = self._input_layout(inputs[0], length, channels_last)
        self.length = self.input.L

    def _input_layout(self, value, length, channels_last):
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in value.type.tensor_type.shape.dim]
        where = f"graph input '{value.name}' {['?' if d is None else d for d in dims]}"
        if len(dims) < 3:
            raise ConversionError(f"{where}: expected [N, 4, L] or [N, L, 4] (one-hot DNA)")
        sample = dims[1:]
        axes = [i for i, d in enumerate(sample) if d != 1]
        if len(axes) != 2:
            raise ConversionError(f"{where}: expected two non-unit axes after the batch axis (4 and L)")
        a, b = axes
        if channels_last:
            c_axis = b
        elif sample[a] == 4 or sample[b] != 4:
            c_axis = a            # channels-first unless the shape says otherwise
        else:
            c_axis = b
        l_axis = b if c_axis == a else a
        if sample[c_axis] not in (4, None):
            raise ConversionError(f"{where}: the channel axis has {sample[c_axis]} entries, not 4 (A, C, G, T)"
                                  + (" (--channels-last given)" if channels_last else ""))
        size = sample[l_axis]
        if length is not None and size is not None and length != size:
            raise ConversionError(f"{where}: --length {length} but the input has length {size}")
        size = size or length
        if size is None:
            raise ConversionError(f"{where}: the length is not fixed in the graph; give --length")
        labels = ["1"] * len(sample)
        labels[c_axis], labels[l_axis] = "C", "L"
        return Data(labels, C=4, L=size)

    # -- the walk ------------------------------------------------------------

    def records(self, length):
        """The layer records (common.py) in graph order, each with "inputs"
        (the indices of the records it reads; None: the graph input). Sets
        self.graph_outputs: [(ONNX output name, record index, Data)]."""
        if length != self.length:
            raise ConversionError(f"--length {length} but the graph input has length {self.length}")
        self.data = {self.input_name: self.input}
        self.out = []
        for node in self.graph.node:
            self._node(node)
        self.graph_outputs, self.output_data = [], []
        for value in self.graph.output:
            if value.name not in self.data:
                raise ConversionError(f"graph output '{value.name}' is not computed from the input sequence")
            x = self.data[value.name]
            if x.src is None:
                raise ConversionError(f"graph output '{value.name}' is the input itself")
            if x.pad is not None:
                raise ConversionError(f"graph output '{value.name}' is padded but not convolved")
            src, shape = x.src, x.canonical_shape
            rec = self.out[src]
            if rec["type"] == "flatten" and rec.get("from_shape", (0, 1))[1] > 1:
                # A flattened [C, L] output (a Keras profile through tf2onnx) is a profile
                # output on the layer before the Flatten: f does not depend on the order.
                src, shape = rec["inputs"][0], rec["from_shape"]
                if src is None:
                    raise ConversionError(f"graph output '{value.name}' is the flattened input itself")
            self.graph_outputs.append((value.name, src, shape))
            self.output_data.append(x)
        return self.out

    def _node(self, node):
        label = onnx_eval.node_label(node)
        on_chain = [name for name in node.input if name in self.data]
        if not on_chain:
            try:
                inputs = [self.consts[name] if name else None for name in node.input]
            except KeyError as exc:
                raise ConversionError(f"{label}: input {exc} is not defined") from None
            try:
                values = onnx_eval.run_node(node, inputs, self.opset)
            except onnx_eval.EvalError as exc:
                raise ConversionError(f"{label}: can't fold this constant computation: {exc}") from None
            self.consts.update(zip(node.output, values))
            return
        if node.op_type == "Shape" and len(on_chain) == 1:
            # Exporters compute Reshape targets, Slice bounds and constants (torch.zeros(x.shape[0]))
            # as Shape → Gather/Slice → Concat. Each sequence is its own batch of 1; the other sizes
            # are fixed by the input length.
            a = onnx_eval.attributes(node)
            shape = np.array([1] + list(self.data[on_chain[0]].shape), dtype=np.int64)
            self.consts[node.output[0]] = shape[a.get("start", 0):a.get("end")]
            return
        handler = getattr(self, "_op_" + node.op_type, None)
        if handler is None or node.domain not in ("", "ai.onnx"):
            raise ConversionError(f"unsupported ONNX op {node.op_type} ({label}); supported: {SUPPORTED}")
        for name in on_chain:
            if self.data[name].pad is not None and node.op_type != "Conv":
                raise ConversionError(f"{label}: follows a Pad; padding is supported only right before a Conv")
            if self.data[name].fixed is not None and node.op_type not in ("Gemm", "MatMul", "Identity", "Cast"):
                raise ConversionError(f"{label}: reads features concatenated with constants; those are "
                                      "supported only right before a Gemm/MatMul")
        self.label = label
        self.node = node
        self.attrs = onnx_eval.attributes(node)
        if len(on_chain) > 1 and node.op_type in ("Add", "Sum", "Concat"):
            result = self._merge(node.op_type)       # a graph layer: add or concat
        else:
            if len(on_chain) > 1 or (on_chain[0] != node.input[0] and node.op_type not in ("Add", "Mul")):
                raise ConversionError(f"{label}: the activation must be its first (and only computed) input")
            x = self.data[on_chain[0]]
            self.current = x.src
            result = handler(x)
            result.src = self.current   # the last record emitted, or x's when none was
        self.data[node.output[0]] = result

    def _emit(self, rec):
        rec.update(what=self.label, tap=self.node.output[0], inputs=[self.current])
        self.out.append(rec)
        self.current = len(self.out) - 1

    def _merge(self, op):
        """Add/Sum of activations (the residual connections) or their Concat
        along the channels: model format version 2's add and concat layers."""
        names = list(self.node.input)
        if not all(name in self.data for name in names):
            self._fail("mixes the activation with constants; only activations can be added or concatenated")
        xs = [self.data[name] for name in names]
        first = xs[0]
        if op == "Concat":
            axis = self.attrs.get("axis")
            rank = 1 + len(first.labels)
            if first.flat or axis is None or axis % rank == 0 or first.labels[axis % rank - 1] != "C":
                self._fail(f"concatenates along axis {axis} of {first.describe()}; only the channel axis "
                           "of [N, C, L] activations is supported")
            for x in xs[1:]:
                if x.labels != first.labels or x.L != first.L:
                    self._fail(f"concatenates {first.describe()} and {x.describe()}: layouts or lengths differ")
            self.out.append({"type": "concat", "what": self.label, "tap": self.node.output[0],
                             "inputs": [x.src for x in xs]})
            return first.relabel(first.labels, C=sum(x.C for x in xs), src=len(self.out) - 1)
        for x in xs[1:]:
            same_perm = not first.flat or np.array_equal(first.perm, x.perm)
            if x.labels != first.labels or x.shape != first.shape or not same_perm:
                self._fail(f"adds {first.describe()} and {x.describe()}; only activations of one shape and "
                           "layout can be added (no broadcasting)")
        if len({x.src for x in xs}) != len(xs):
            self._fail("adds an activation to itself")
        self.out.append({"type": "add", "what": self.label, "tap": self.node.output[0],
                         "inputs": [x.src for x in xs]})
        return first.relabel(first.labels, src=len(self.out) - 1)

    def _const(self, index, what):
        names = self.node.input
        if index >= len(names) or not names[index]:
            return None
        if names[index] not in self.consts:
            raise ConversionError(f"{self.label}: its {what} (input {index}) must be a constant, "
                                  "not computed from the sequence")
        return self.consts[names[index]]

    def _fail(self, problem):
        raise ConversionError(f"{self.label}: {problem}")

    def _broadcast(self, x, value, what):
        """A constant broadcast against x: (per-sample array in x's layout,
        the same for its element ids — which canonical axes it varies along)."""
        c = np.asarray(value, dtype=np.float64)
        rank = 1 + len(x.labels)
        if c.ndim > rank:
            self._fail(f"{what} of shape {list(c.shape)} has more axes than the activation {x.describe()}")
        c = c.reshape((1,) * (rank - c.ndim) + c.shape)
        if c.shape[0] != 1:
            self._fail(f"{what} varies along the batch axis")
        ids = np.arange(c.size, dtype=np.float64).reshape(c.shape)
        try:
            c = np.broadcast_to(c[0], x.shape)
            ids = np.broadcast_to(ids[0], x.shape)
        except ValueError:
            self._fail(f"{what} of shape {list(c.shape)} does not broadcast to {x.describe()}")
        return x.canonical(c), x.canonical(ids)

    def _per_channel(self, x, value, what):
        """A constant that must be one number per channel (or feature)."""
        values, ids = self._broadcast(x, value, what)
        if x.flat:
            return values
        if not np.all(ids == ids[:, :1]):
            self._fail(f"{what} varies along the length; only a per-channel constant can be folded")
        return values[:, 0].copy()

    def _flat_from(self, x, note=""):
        """Flatten of x in ONNX row-major order over its axes."""
        if x.flat:
            return x.relabel(("F",))
        grid = (np.arange(x.C)[:, None] * x.L + np.arange(x.L)[None, :]).astype(np.int64)
        perm = x.from_canonical(grid[None])[0].reshape(-1)
        rec = {"type": "flatten", "from_shape": (x.C, x.L)}
        self._emit(rec)
        rec["what"] += note
        return Data(("F",), F=x.C * x.L, perm=perm)

    def _normalise(self, x, note):
        """A spatial activation that lost its (length-1) L axis is flat: in
        docs/model-format.md that takes a flatten of [C, 1], whose order is the identity."""
        if x.flat or "L" in x.labels:
            return x
        if "C" not in x.labels:
            self._fail("removes the channel axis")
        rec = {"type": "flatten"}
        self._emit(rec)
        rec["what"] += note
        return Data(tuple("F" if l == "C" else l for l in x.labels), F=x.C, perm=np.arange(x.C))

    def _spatial(self, x):
        """(index of the L axis among the spatial axes, number of spatial axes)
        of an [N, C, ...] activation, as Conv and pooling need."""
        if x.flat:
            self._fail(f"needs an [N, C, L] activation, gets a flat {x.describe()}")
        if x.labels[0] != "C":
            self._fail(f"needs channels on axis 1 ([N, C, L]); gets {x.describe()} (a channels-last tensor "
                       "needs a Transpose first)")
        spatial = x.labels[1:]
        return spatial.index("L"), len(spatial)

    def _kernel_attrs(self, x, kernel):
        """Strides, dilations and (begin, end) padding along L; unit axes must
        be untouched (kernel 1, no padding)."""
        l_index, nd = self._spatial(x)
        a = self.attrs
        if len(kernel) != nd:
            self._fail(f"a {len(kernel)}-D kernel on {x.describe()}")
        strides = list(a.get("strides", [1] * nd))
        dilations = list(a.get("dilations", [1] * nd))
        pending = x.pad or (0, 0)
        sizes = [x.L + sum(pending) if i == l_index else 1 for i in range(nd)]
        begin, end = onnx_eval.spatial_pads(sizes, kernel, strides, dilations, a)
        for i in range(nd):
            if i != l_index and (kernel[i] != 1 or begin[i] or end[i]):
                self._fail(f"kernel {list(kernel)} or padding reaches along a unit axis")
        return (kernel[l_index], strides[l_index], dilations[l_index],
                (pending[0] + begin[l_index], pending[1] + end[l_index]), l_index)

    # -- ops -----------------------------------------------------------------

    def _op_Identity(self, x):
        return x.relabel(x.labels, pad=x.pad)

    _op_Dropout = _op_Identity

    def _op_Cast(self, x):
        if self.attrs.get("to") not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE,
                                        onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16):
            self._fail("casts the activation to a non-float type")
        return self._op_Identity(x)

    def _op_Transpose(self, x):
        perm = list(self.attrs.get("perm", range(len(x.labels), -1, -1)))
        if perm[0] != 0:
            self._fail(f"perm {perm} moves the batch axis")
        return x.relabel(tuple(x.labels[p - 1] for p in perm[1:]), pad=x.pad)

    def _axes(self, rank):
        axes = self.attrs.get("axes")
        if axes is None:
            axes = self._const(1, "axes")
        if axes is None:
            return None
        return sorted(int(a) % rank for a in np.asarray(axes).reshape(-1))

    def _op_Unsqueeze(self, x):
        rank = 1 + len(x.labels)
        raw = self.attrs.get("axes") if self.attrs.get("axes") is not None else self._const(1, "axes")
        added = len(np.asarray(raw).reshape(-1))
        labels = list(x.labels)
        for axis in sorted(int(a) % (rank + added) for a in np.asarray(raw).reshape(-1)):
            if axis == 0:
                self._fail("inserts an axis before the batch axis")
            labels.insert(axis - 1, "1")
        return x.relabel(labels, pad=x.pad)

    def _op_Squeeze(self, x):
        axes = self._axes(1 + len(x.labels))
        if axes is None:
            axes = [i + 1 for i, n in enumerate(x.shape) if n == 1]
        if 0 in axes:
            self._fail("squeezes the batch axis")
        for axis in axes:
            label = x.labels[axis - 1]
            if x.shape[axis - 1] != 1 or label == "C" or label == "F":
                self._fail(f"squeezes axis {axis} of {x.describe()}")
        labels = [l for i, l in enumerate(x.labels) if i + 1 not in axes]
        return self._normalise(x.relabel(labels), " (squeezing the length-1 axis)")

    def _op_Flatten(self, x):
        axis = self.attrs.get("axis", 1)
        if axis < 0:
            axis += 1 + len(x.labels)
        if axis != 1:
            self._fail(f"axis {axis}; only Flatten to [N, features] (axis 1) is supported")
        return self._flat_from(x)

    def _op_Reshape(self, x):
        shape = [int(s) for s in np.asarray(self._const(1, "shape")).reshape(-1)]
        if self.attrs.get("allowzero", 0) and 0 in shape:
            self._fail("allowzero with a zero in the shape")
        full = [None] + list(x.shape)
        target = [full[i] if s == 0 and i < len(full) else s for i, s in enumerate(shape)]
        total = int(np.prod(x.shape))
        sample = target[1:]
        if -1 in sample:
            known = int(np.prod([s for s in sample if s != -1]))
            if sample.count(-1) != 1 or known == 0 or total % known:
                self._fail(f"target shape {shape} does not fit {x.describe()}")
            sample = [total // known if s == -1 else s for s in sample]
        if int(np.prod(sample)) != total:
            self._fail(f"target shape {shape} does not keep the batch axis of {x.describe()}")
        if len(sample) == 1:
            return self._flat_from(x)
        # Otherwise only unit axes may come or go.
        kept = [(l, n) for l, n in zip(x.labels, x.shape) if n != 1]
        if [n for _, n in kept] != [n for n in sample if n != 1]:
            self._fail(f"reshapes {x.describe()} to {shape}; only flattening or adding/removing unit "
                       "axes is supported")
        labels, rest = [], iter(kept)
        for n in sample:
            labels.append(next(rest)[0] if n != 1 else "1")
        if x.flat:
            return x.relabel(labels)
        return self._normalise(x.relabel(labels), " (reshape dropping the length-1 axis)")

    def _op_Pad(self, x):
        a = self.attrs
        if a.get("mode", "constant") != "constant":
            self._fail(f"mode {a.get('mode')}; only zero padding is supported")
        pads = a.get("pads")
        if pads is None:
            pads = self._const(1, "pads")
        value = a.get("value", 0.0)
        if len(self.node.input) > 2 and self.node.input[2]:
            v = self._const(2, "constant value")
            value = float(np.asarray(v).reshape(-1)[0]) if np.asarray(v).size else 0.0
        if len(self.node.input) > 3 and self.node.input[3]:
            self._fail("the axes input is not supported")
        if value != 0.0:
            self._fail(f"pads with {value}, not zero")
        pads = [int(p) for p in np.asarray(pads).reshape(-1)]
        rank = 1 + len(x.labels)
        if x.flat or len(pads) != 2 * rank or min(pads) < 0:
            self._fail(f"pads {pads} on {x.describe()}")
        for axis in range(rank):
            if (axis == 0 or x.labels[axis - 1] != "L") and (pads[axis] or pads[axis + rank]):
                self._fail(f"pads {pads} pad an axis other than the length")
        if not any(pads):
            return x.relabel(x.labels, pad=x.pad)   # exporters emit no-op Pads (torch's AvgPool1d)
        axis = 1 + x.labels.index("L")
        before = x.pad or (0, 0)
        return x.relabel(x.labels, pad=(before[0] + pads[axis], before[1] + pads[axis + rank]))

    def _op_Conv(self, x):
        w = self._const(1, "weight")
        if w is None:
            self._fail("has no weight")
        b = self._const(2, "bias")
        if self.attrs.get("group", 1) != 1:
            self._fail(f"group={self.attrs['group']}; only group=1 is supported")
        kernel = list(self.attrs.get("kernel_shape", w.shape[2:]))
        if list(w.shape[2:]) != kernel:
            self._fail(f"kernel_shape {kernel} disagrees with the weight {list(w.shape)}")
        k, s, d, pads, l_index = self._kernel_attrs(x, kernel)
        if w.shape[1] != x.C:
            self._fail(f"weight {list(w.shape)} expects {w.shape[1]} input channels, gets {x.C}")
        padding = padding_name(pads, x.L, k, s, d, self.label)
        length, _ = write_model.conv_output_length(x.L, k, s, d, padding)
        if length < 1:
            self._fail(f"input length {x.L} is too short for the kernel")
        weight = w.reshape(w.shape[0], w.shape[1], k)  # the unit kernel axes drop out
        bias = np.zeros(w.shape[0]) if b is None else np.asarray(b, dtype=np.float64).reshape(-1)
        self._emit({"type": "conv1d", "weight": weight, "bias": bias, "stride": s, "dilation": d,
                    "padding": padding})
        return x.relabel(x.labels, C=w.shape[0], L=length)

    def _pool(self, x, kind):
        kernel = list(self.attrs["kernel_shape"])
        if any(d != 1 for d in self.attrs.get("dilations", [1] * len(kernel))):
            self._fail("dilated pooling is not supported")
        k, s, _, pads, _ = self._kernel_attrs(x, kernel)
        if pads != (0, 0):
            self._fail(f"padding {pads}; docs/model-format.md pooling has none")
        length = pool_length(x.L, k, s, self.attrs.get("ceil_mode", 0), self.label)
        self._emit({"type": kind, "kernel_size": k, "stride": s})
        return x.relabel(x.labels, L=length)

    def _op_MaxPool(self, x):
        if len(self.node.output) > 1 and self.node.output[1]:
            self._fail("the Indices output is not supported")
        return self._pool(x, "maxpool1d")

    def _op_AveragePool(self, x):
        return self._pool(x, "avgpool1d")

    def _global(self, x, kind):
        self._spatial(x)
        self._emit({"type": kind, "kernel_size": x.L, "stride": x.L})
        return x.relabel(x.labels, L=1)

    def _op_GlobalAveragePool(self, x):
        return self._global(x, "avgpool1d")

    def _op_GlobalMaxPool(self, x):
        return self._global(x, "maxpool1d")

    def _reduce(self, x, kind):
        if x.flat:
            self._fail("reduces a flat activation")
        axes = self._axes(1 + len(x.labels))
        if axes is None or 0 in axes or any(x.labels[a - 1] == "C" for a in axes) \
                or (1 + x.labels.index("L")) not in axes:
            self._fail(f"axes {axes} of {x.describe()}; only a reduction over the length is supported")
        if x.L > 1:
            self._emit({"type": kind, "kernel_size": x.L, "stride": x.L})
        if self.attrs.get("keepdims", 1):
            return x.relabel(x.labels, L=1)
        labels = [l for i, l in enumerate(x.labels) if i + 1 not in axes]
        return self._normalise(x.relabel(labels, L=1), " (reduction dropping the length axis)")

    def _op_ReduceMean(self, x):
        return self._reduce(x, "avgpool1d")

    def _op_ReduceMax(self, x):
        return self._reduce(x, "maxpool1d")

    def _elementwise(self, x, kind):
        self._emit({"type": kind})
        return x.relabel(x.labels)

    def _op_Relu(self, x):
        return self._elementwise(x, "relu")

    def _op_Sigmoid(self, x):
        return self._elementwise(x, "sigmoid")

    def _op_Tanh(self, x):
        return self._elementwise(x, "tanh")

    def _op_PRelu(self, x):
        values, ids = self._broadcast(x, self._const(1, "slope"), "slope")
        if np.all(ids == ids.reshape(-1)[0]):
            slope = values.reshape(-1)[:1].copy()                    # one shared slope: [1]
        elif x.flat or np.all(ids == ids[:, :1]):
            slope = values if x.flat else values[:, 0].copy()          # per channel: [C]
        else:
            slope = np.ascontiguousarray(values)                       # per channel and position: [C, L]
        self._emit({"type": "prelu", "slope": slope})
        return x.relabel(x.labels)

    def _op_LeakyRelu(self, x):
        self._emit({"type": "prelu", "slope": np.array([self.attrs.get("alpha", 0.01)], dtype=np.float64)})
        return x.relabel(x.labels)

    def _op_BatchNormalization(self, x):
        if self.attrs.get("training_mode", 0):
            self._fail("training_mode=1 normalises by batch statistics")
        if any(name for name in self.node.output[1:]):
            self._fail("running-statistics outputs are not supported")
        gamma, beta, mean, var = (np.asarray(self._const(i, what), dtype=np.float64).reshape(-1) for i, what in
                                  ((1, "scale"), (2, "bias"), (3, "mean"), (4, "var")))
        if not x.flat and x.labels[0] != "C":
            self._fail(f"normalises axis 1 of {x.describe()}, which is not the channel axis")
        scale = gamma / np.sqrt(var + self.attrs.get("epsilon", 1e-5))
        shift = beta - mean * scale
        shape = (-1,) + (1,) * (len(x.labels) - 1)   # per axis-1 entry
        self._emit({"type": "affine", "scale": self._per_channel(x, scale.reshape(shape), "scale"),
                    "shift": self._per_channel(x, shift.reshape(shape), "shift")})
        return x.relabel(x.labels)

    def _dense(self, x, weight, bias):
        """weight [out, F] acting on x in ONNX order → docs/model-format.md columns."""
        if not x.flat or len(x.labels) != 1:
            self._fail(f"needs a flat [N, features] input, gets {x.describe()} (Flatten/Reshape it first)")
        if weight.shape[1] != len(x.perm):
            self._fail(f"weight for {weight.shape[1]} features, gets {len(x.perm)}")
        columns = np.empty((weight.shape[0], x.F))
        live = x.perm >= 0
        columns[:, x.perm[live]] = weight[:, live]   # ONNX feature p is docs/model-format.md feature perm[p]
        if x.fixed is not None:      # constant features: their products are part of the bias
            bias = bias + weight[:, ~live] @ x.fixed[~live]
        self._emit({"type": "dense", "weight": columns, "bias": bias})
        return Data(("F",), F=weight.shape[0], perm=np.arange(weight.shape[0]))

    def _op_Gemm(self, x):
        a = self.attrs
        if a.get("transA", 0):
            self._fail("transA=1 is not supported")
        b = self._const(1, "B")
        if b is None or b.ndim != 2:
            self._fail("B must be a 2-D constant")
        weight = a.get("alpha", 1.0) * (b if a.get("transB", 0) else b.T)
        c = self._const(2, "C")
        bias = np.zeros(weight.shape[0])
        if c is not None:
            try:
                bias = a.get("beta", 1.0) * np.broadcast_to(np.asarray(c, dtype=np.float64),
                                                            (1, weight.shape[0]))[0].copy()
            except ValueError:
                self._fail(f"C of shape {list(np.shape(c))} is not a bias of {weight.shape[0]} outputs")
        return self._dense(x, weight, bias)

    def _op_MatMul(self, x):
        b = self._const(1, "second operand")
        if b is None or b.ndim != 2:
            self._fail("the second operand must be a 2-D constant")
        return self._dense(x, b.T.astype(np.float64), np.zeros(b.shape[1]))

    def _affine(self, x, scale, shift):
        self._emit({"type": "affine", "scale": scale, "shift": shift})
        return x.relabel(x.labels)

    def _operand(self):
        other = 1 if self.node.input[0] in self.data else 0
        return self._const(other, "other operand")

    def _op_Add(self, x):
        c = self._per_channel(x, self._operand(), "the added constant")
        return self._affine(x, np.ones_like(c), c)

    def _op_Sub(self, x):
        c = self._per_channel(x, self._operand(), "the subtracted constant")
        return self._affine(x, np.ones_like(c), -c)

    def _op_Mul(self, x):
        c = self._per_channel(x, self._operand(), "the factor")
        return self._affine(x, c, np.zeros_like(c))

    def _op_Div(self, x):
        c = self._per_channel(x, self._operand(), "the divisor")
        return self._affine(x, 1.0 / c, np.zeros_like(c))

    def _op_Softmax(self, x):
        axis = self.attrs.get("axis", -1 if self.opset >= 13 else 1)
        if not x.flat or len(x.labels) != 1 or axis not in (1, -1):
            self._fail(f"softmax over axis {axis} of {x.describe()}; only the output function over the tasks "
                       "is supported")
        self._emit({"type": "softmax"})
        return x.relabel(x.labels)

    _op_LogSoftmax = _op_Softmax

    def _op_Slice(self, x):
        """A slice of the length axis (torch's x[:, :, a:b], Keras' Cropping1D): crop1d."""
        if "starts" in self.attrs:   # opset < 10
            starts, ends = self.attrs["starts"], self.attrs["ends"]
            axes, steps = self.attrs.get("axes"), None
        else:
            starts, ends = self._const(1, "starts"), self._const(2, "ends")
            axes, steps = self._const(3, "axes"), self._const(4, "steps")
        starts = [int(v) for v in np.asarray(starts).reshape(-1)]
        ends = [int(v) for v in np.asarray(ends).reshape(-1)]
        rank = 1 + len(x.labels)
        axes = list(range(len(starts))) if axes is None else [int(a) % rank for a in np.asarray(axes).reshape(-1)]
        steps = [1] * len(starts) if steps is None else [int(v) for v in np.asarray(steps).reshape(-1)]
        sizes = (None,) + x.shape
        left = right = 0
        for start, end, axis, step in zip(starts, ends, axes, steps):
            if axis == 0:
                if start != 0 or step != 1 or end < 2 ** 31 - 1:   # only [0, "the end"): INT_MAX-like
                    self._fail("slices the batch axis")
                continue
            kept = range(sizes[axis])[slice(start, end, step)]
            if len(kept) == sizes[axis] and step == 1:
                continue
            if x.flat or x.labels[axis - 1] != "L":
                self._fail(f"slices axis {axis} of {x.describe()}; only slices of the length axis are supported")
            if step != 1 or len(kept) == 0:
                self._fail(f"slice {start}:{end}:{step} of a length-{x.L} axis; only a non-empty "
                           "contiguous range (step 1) is supported")
            left, right = kept[0], x.L - kept[-1] - 1
        if left == 0 and right == 0:
            return x.relabel(x.labels)
        self._emit({"type": "crop1d", "left": left, "right": right})
        return x.relabel(x.labels, L=x.L - left - right)

    def _op_Sum(self, x):
        return x.relabel(x.labels)   # one input: the identity

    def _op_Concat(self, x):
        """Flat features concatenated with constants (bpnet-lite's counts head
        without control tracks: [mean of the trunk, log(0 + 1)]): the
        constants are folded into the bias of the Gemm/MatMul that must follow."""
        axis = self.attrs.get("axis")
        if not x.flat or len(x.labels) != 1 or axis not in (1, -1):
            self._fail(f"concatenates {x.describe()} with constants; only flat features can be concatenated "
                       "with constants (along axis 1)")
        perm, fixed = [], []
        for name in self.node.input:
            if name in self.data:
                perm.append(x.perm)
                fixed.append(np.full(len(x.perm), np.nan) if x.fixed is None else x.fixed)
                continue
            c = np.asarray(self.consts[name], dtype=np.float64)
            if c.ndim != 2 or c.shape[0] != 1:
                self._fail(f"concatenates a constant of shape {list(c.shape)}; expected [1, features]")
            perm.append(np.full(c.shape[1], -1))
            fixed.append(c[0])
        out = x.relabel(x.labels, perm=np.concatenate(perm).astype(np.int64))
        out.fixed = np.concatenate(fixed)
        return out

    # -- the source's own logits -------------------------------------------

    def logits(self, inputs, tap):
        """Value `tap` of the graph evaluated in numpy on one-hot inputs [N, 4, L]."""
        return np.stack([values[tap].reshape(-1) for values in self._evaluate(inputs)])

    def output_values(self, inputs):
        """Each graph output on one-hot inputs [N, 4, L], as [N, size] in
        docs/model-format.md order ([C, L] channel-major, or flat features)."""
        runs = self._evaluate(inputs)
        return [np.stack([data.canonical(values[name][0]).reshape(-1) for values in runs])
                for (name, _, _), data in zip(self.graph_outputs, self.output_data)]

    def _evaluate(self, inputs):
        feeds = self.input.from_canonical(np.asarray(inputs, dtype=np.float64))
        out = []
        for x in feeds:  # one at a time: exporters may fix the batch size at 1
            try:
                out.append(onnx_eval.evaluate(self.model, {self.input_name: x[None]}))
            except (onnx_eval.EvalError, ValueError) as exc:
                raise ConversionError(f"evaluating the graph: {exc}") from None
        return out
