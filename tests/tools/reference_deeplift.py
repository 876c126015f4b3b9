"""Independent numpy reference implementation of docs/model-format.md and docs/scoring.md (deeplift-cpp).

Written from docs/scoring.md's words, not from the C++ engine, and per sequence:
clarity over speed. Everything is float64 unless a Network is built with
dtype=np.float32 (used only to see how far float32 rounding can move the
numbers the tests compare).

Notation follows docs/scoring.md: for every neuron Δ = value(input) − value(reference);
multipliers m flow backwards from the pre-activation logit of each task; the
contribution of an input is m·Δx. Multipliers carry a leading task axis [T, ...]
so every task is scored in one backward pass.

Graph models (model format version 2: layers naming their `inputs`, the
pass-through layers add, crop1d and concat, named `outputs` with scalar and
profile tasks) follow docs/model-format.md and docs/scoring.md's graph rules:
multipliers are summed where an activation feeds several layers,
RevealCancel's Δz⁺/Δz⁻ split is looked up through pass-through layers, and a
profile task is scored through f = Σᵢ softmax(z̃)ᵢ·z̃ᵢ under either profile
convention (profile_seed).

Public entry points:
  read_fasta(path) -> [(name, sequence)]
  one_hot(seq, name) -> [4, L] (rows A, C, G, T; N/IUPAC -> zero column)
  reference_for(spec, ohe) -> [4, L]   (gc:F, gc:auto, freqs:a,c,g,t, zeros)
  Network(arch, tensors)               (softmax models mean-normalised)
  score(net, ohe, ref, method[, profile_convention=]) -> dict with logits, ref_logits, m, s, H, contrib
  score_references(net, ohe, refs [K, 4, L], method, ...) -> the same, averaged over K references
"""
import math

import numpy as np

GUARD = 1e-7  # docs/scoring.md: the |Δz| < 1e-7 Rescale fallback and the RevealCancel denominators
METHODS = ("revealcancel", "rescale", "genomics-default", "grad-input", "ism")
IUPAC_AMBIGUOUS = set("NRYKMSWBDHV")


# ----------------------------------------------------------------------------
# Encoding and references (docs/scoring.md (encoding, references))

class InputError(Exception):
    pass


def read_fasta(path):
    """[(name, sequence)]; the name is the header's first word (as htslib)."""
    records = []
    name, chunks = None, []
    with open(path) as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line.startswith(">"):
                if name is not None:
                    records.append((name, "".join(chunks)))
                name, chunks = line[1:].split()[0], []
            elif line.strip():
                chunks.append(line.strip())
    if name is not None:
        records.append((name, "".join(chunks)))
    return records


def one_hot(seq, name="?"):
    """[4, L] float64: rows A, C, G, T; lower case upper-cased; N and the other
    IUPAC ambiguity codes give an all-zero column."""
    out = np.zeros((4, len(seq)))
    for pos, base in enumerate(seq.upper()):
        row = "ACGT".find(base)
        if row >= 0:
            out[row, pos] = 1.0
        elif base not in IUPAC_AMBIGUOUS:
            raise InputError(f"{name}: invalid base '{base}' at position {pos + 1}")
    return out


def gc_column(fraction):
    return np.array([(1 - fraction) / 2, fraction / 2, fraction / 2, (1 - fraction) / 2])


def reference_for(spec, ohe):
    """The [4, L] reference of docs/scoring.md (encoding, references) for one scored window."""
    length = ohe.shape[1]
    kind, _, arg = spec.partition(":")
    if kind == "zeros":
        column = np.zeros(4)
    elif kind == "gc" and arg == "auto":
        counts = ohe.sum(axis=1)
        if counts.sum() == 0:
            raise InputError("gc:auto on a window without A/C/G/T")
        column = gc_column((counts[1] + counts[2]) / counts.sum())
    elif kind == "gc":
        column = gc_column(float(arg))
    elif kind == "freqs":
        column = np.array([float(v) for v in arg.split(",")])
        if column.shape != (4,) or abs(column.sum() - 1) > 1e-6:
            raise InputError(f"bad reference {spec}")
    else:
        raise InputError(f"reference not supported by the reference implementation: {spec}")
    return np.repeat(column[:, None], length, axis=1)


def select(w_dx, dx_is_zero, m_plus, m_minus):
    """Design §4 linear rule: which incoming multiplier a term w·Δx takes."""
    return np.where(dx_is_zero, (m_plus + m_minus) / 2,
                    np.where(w_dx > 0, m_plus, np.where(w_dx < 0, m_minus, 0.0)))


# ----------------------------------------------------------------------------
# Layers (docs/model-format.md). Activations are [C, L] (or [F] once flat), with any
# leading batch axes in forward(); backward() works on one sequence and a
# leading task axis on the multipliers.

class Conv1d:
    kind = "conv1d"
    linear = True

    def __init__(self, spec, weight, bias, in_shape):
        self.name = spec["name"]
        self.weight, self.bias = weight, bias            # [O, C, K], [O]
        out_ch, in_ch, kernel = weight.shape
        self.stride = spec.get("stride", 1)
        self.dilation = spec.get("dilation", 1)
        self.padding = spec.get("padding", "valid")
        length = in_shape[1]
        span = (kernel - 1) * self.dilation + 1
        if self.padding == "same":   # TensorFlow's rule, docs/model-format.md
            total = max((math.ceil(length / self.stride) - 1) * self.stride + span - length, 0)
        elif self.padding == "valid":
            total = 0
        else:
            raise ValueError(f"{self.name}: padding {self.padding}")
        self.pad = (total // 2, total - total // 2)
        self.in_length = length
        self.out_length = (length + total - span) // self.stride + 1
        # tap[j, k]: padded-input position read by output j through kernel tap k
        self.tap = (np.arange(self.out_length)[:, None] * self.stride
                    + np.arange(kernel)[None, :] * self.dilation)
        self.out_shape = (out_ch, self.out_length)

    def padded(self, x):
        widths = [(0, 0)] * (x.ndim - 1) + [self.pad]
        return np.pad(x, widths)

    def forward(self, x):
        patches = self.padded(x)[..., self.tap]                       # [..., C, Lout, K]
        out = np.tensordot(patches, self.weight, axes=([-3, -1], [1, 2]))   # [..., Lout, O]
        return np.swapaxes(out, -1, -2) + self.bias[:, None]

    def taps(self, dx):
        """Δx at every (in channel c, output j, tap k): [C, Lout, K]."""
        return self.padded(dx)[:, self.tap]

    def terms(self, dx):
        """w·Δx for every (out channel o, in channel c, output j, tap k)."""
        dx_taps = self.taps(dx)
        return self.weight[:, :, None, :] * dx_taps[None], dx_taps[None] == 0

    def _apply(self, weight, dx_taps):
        """Σ_{c,k} weight[o,c,k]·dx_taps[c,j,k] -> [O, Lout]."""
        return np.tensordot(weight, dx_taps, axes=([1, 2], [0, 2]))

    def split(self, dx):
        """Δz⁺ = Σ max(w·Δx, 0) = conv(W⁺, Δx⁺) + conv(W⁻, Δx⁻), Δz⁻ its mirror."""
        t = self.taps(dx)
        w_pos, w_neg = np.maximum(self.weight, 0), np.minimum(self.weight, 0)
        t_pos, t_neg = np.maximum(t, 0), np.minimum(t, 0)
        return (self._apply(w_pos, t_pos) + self._apply(w_neg, t_neg),
                self._apply(w_pos, t_neg) + self._apply(w_neg, t_pos))

    def _through(self, weight, m):
        """Σ_o weight[o,c,k]·m[t,o,j] -> [T, C, Lout, K]."""
        return np.einsum("toj,ock->tcjk", m, weight, optimize=True)

    def backward(self, m_plus, m_minus, dx):
        # The linear rule per term w·Δx (select()), regrouped by the sign of
        # Δx: Δx > 0 takes M⁺ through W⁺ and M⁻ through W⁻, Δx < 0 the
        # mirror, Δx == 0 the mean of M⁺ and M⁻ through W.
        if m_plus is m_minus:
            per_tap = self._through(self.weight, m_plus)
        else:
            t = self.taps(dx)[None]
            w_pos, w_neg = np.maximum(self.weight, 0), np.minimum(self.weight, 0)
            pos = self._through(w_pos, m_plus) + self._through(w_neg, m_minus)
            neg = self._through(w_neg, m_plus) + self._through(w_pos, m_minus)
            zero = self._through(self.weight, (m_plus + m_minus) / 2)
            per_tap = np.where(t > 0, pos, np.where(t < 0, neg, zero))
        tasks, channels = per_tap.shape[:2]
        m = np.zeros((tasks, channels, self.in_length + sum(self.pad)), dtype=per_tap.dtype)
        last = self.stride * (self.out_length - 1) + 1
        for k in range(self.weight.shape[2]):
            start = k * self.dilation
            m[:, :, start:start + last:self.stride] += per_tap[:, :, :, k]
        return m[:, :, self.pad[0]:self.pad[0] + self.in_length]


class Dense:
    kind = "dense"
    linear = True

    def __init__(self, spec, weight, bias, in_shape):
        self.name = spec["name"]
        self.weight, self.bias = weight, bias                          # [O, I], [O]
        self.out_shape = (weight.shape[0],)

    def forward(self, x):
        return x @ self.weight.T + self.bias

    def terms(self, dx):
        return self.weight * dx[None, :], (dx == 0)[None, :]

    def split(self, dx):
        w_dx, _ = self.terms(dx)
        return np.maximum(w_dx, 0).sum(axis=1), np.minimum(w_dx, 0).sum(axis=1)

    def backward(self, m_plus, m_minus, dx):
        w_dx, dx_zero = self.terms(dx)
        chosen = select(w_dx, dx_zero, m_plus[:, :, None], m_minus[:, :, None])
        return (self.weight[None] * chosen).sum(axis=1)


class AvgPool1d:
    kind = "avgpool1d"
    linear = True

    def __init__(self, spec, in_shape):
        self.kernel = spec["kernel_size"]
        self.stride = spec.get("stride", self.kernel)
        self.in_length = in_shape[1]
        self.out_length = (in_shape[1] - self.kernel) // self.stride + 1
        self.window = (np.arange(self.out_length)[:, None] * self.stride
                       + np.arange(self.kernel)[None, :])
        self.out_shape = (in_shape[0], self.out_length)

    def forward(self, x):
        return x[..., self.window].mean(axis=-1)

    def backward(self, m_plus, m_minus, dx):
        # every weight is 1/k > 0, so the sign of w·Δx is the sign of Δx
        m = np.zeros(m_plus.shape[:2] + (self.in_length,), dtype=m_plus.dtype)
        last = self.stride * (self.out_length - 1) + 1
        for t in range(self.kernel):
            d = dx[None, :, t:t + last:self.stride]
            m[:, :, t:t + last:self.stride] += select(d, d == 0, m_plus, m_minus) / self.kernel
        return m


class Flatten:
    kind = "flatten"
    linear = True

    def __init__(self, spec, in_shape):
        self.in_shape = tuple(in_shape)
        self.out_shape = (int(np.prod(in_shape)),)

    def forward(self, x):
        # channel-major: index c * L + l, as PyTorch's x.flatten(1) on [N, C, L]
        return x.reshape(x.shape[:x.ndim - len(self.in_shape)] + self.out_shape)

    def backward(self, m_plus, m_minus, dx):
        d = dx.reshape(self.out_shape)[None]
        m = select(d, d == 0, m_plus, m_minus)
        return m.reshape((m.shape[0],) + self.in_shape)


class MaxPool1d:
    kind = "maxpool1d"
    linear = False

    def __init__(self, spec, in_shape):
        self.kernel = spec["kernel_size"]
        self.stride = spec.get("stride", self.kernel)
        self.in_length = in_shape[1]
        self.out_length = (in_shape[1] - self.kernel) // self.stride + 1   # floor mode
        self.window = (np.arange(self.out_length)[:, None] * self.stride
                       + np.arange(self.kernel)[None, :])
        self.out_shape = (in_shape[0], self.out_length)

    def forward(self, x):
        return x[..., self.window].max(axis=-1)

    def backward(self, m_out, x):
        """Route each output's multiplier to the first position holding the
        window maximum of the input sequence's activations x."""
        first = np.argmax(x[:, self.window], axis=-1)                   # [C, Lout]
        source = self.window[np.arange(self.out_length)[None, :], first]  # input position
        m = np.zeros(m_out.shape[:2] + (self.in_length,), dtype=m_out.dtype)
        for c in range(x.shape[0]):
            for j in range(self.out_length):
                m[:, c, source[c, j]] += m_out[:, c, j]
        return m

    def near_ties(self, x, tol):
        """Windows whose two largest values differ by less than tol (but are not
        equal): float32 and float64 may route those differently."""
        values = np.sort(x[:, self.window], axis=-1)
        gap = values[..., -1] - values[..., -2]
        return int(np.sum((gap > 0) & (gap < tol * (1 + np.abs(values[..., -1])))))


class Elementwise:
    linear = False

    def __init__(self, in_shape):
        self.out_shape = tuple(in_shape)


class ReLU(Elementwise):
    kind = "relu"

    def f(self, z):
        return np.maximum(z, 0)

    def df(self, z):
        return (z > 0).astype(z.dtype)                 # left derivative: ReLU'(0) = 0


class PReLU(Elementwise):
    kind = "prelu"

    def __init__(self, spec, slope, in_shape):
        super().__init__(in_shape)
        self.name = spec["name"]
        in_shape = tuple(in_shape)
        if slope.shape == (1,):
            self.slope = slope.reshape((1,) * len(in_shape))
        elif slope.shape == in_shape[:1]:
            self.slope = slope.reshape(in_shape[:1] + (1,) * (len(in_shape) - 1))
        elif len(in_shape) == 2 and slope.shape == in_shape:
            self.slope = slope
        else:
            raise ValueError(f"{self.name}.weight has shape {list(slope.shape)}, input is {list(in_shape)}")

    def f(self, z):
        return np.where(z > 0, z, self.slope * z)

    def df(self, z):
        return np.where(z > 0, np.ones_like(z), self.slope * np.ones_like(z))   # PReLU'(0) = slope


class Sigmoid(Elementwise):
    kind = "sigmoid"

    def f(self, z):
        return 0.5 * (1 + np.tanh(0.5 * z))             # = 1/(1+e^-z), without overflow

    def df(self, z):
        s = self.f(z)
        return s * (1 - s)


class Tanh(Elementwise):
    kind = "tanh"

    def f(self, z):
        return np.tanh(z)

    def df(self, z):
        return 1 - np.tanh(z) ** 2


class Crop1d:
    """Graph models (model format version 2): [C, L] -> [C, L - left - right];
    `length` is a centre crop, left = floor((L - length) / 2). A pass-through
    layer: multipliers (and RevealCancel's Δ⁺/Δ⁻ split) go through unchanged
    per element, the cropped-away positions get none."""
    kind = "crop1d"
    linear = True
    passthrough = True

    def __init__(self, spec, in_shape):
        self.name = spec.get("name", "crop1d")
        length = in_shape[1]
        if "length" in spec:
            if "left" in spec or "right" in spec:
                raise ValueError(f"{self.name}: crop1d takes either length or left/right")
            self.left = (length - spec["length"]) // 2
            self.right = length - spec["length"] - self.left
        else:
            self.left, self.right = spec.get("left", 0), spec.get("right", 0)
        if self.left < 0 or self.right < 0 or length - self.left - self.right < 1:
            raise ValueError(f"{self.name}: crop of {self.left}+{self.right} from length {length}")
        self.in_length = length
        self.out_shape = (in_shape[0], length - self.left - self.right)

    def forward(self, x):
        return x[..., self.left:self.in_length - self.right]

    def backward(self, m):
        widths = [(0, 0)] * (m.ndim - 1) + [(self.left, self.right)]
        return np.pad(m, widths)


class Add:
    """Graph models: the sum of >= 2 inputs of identical shape (a residual
    connection). Pass-through: every input gets the output's multipliers."""
    kind = "add"
    linear = True
    passthrough = True

    def __init__(self, spec, in_shapes):
        self.name = spec.get("name", "add")
        if len(in_shapes) < 2 or any(tuple(s) != tuple(in_shapes[0]) for s in in_shapes):
            raise ValueError(f"{self.name}: add needs >= 2 inputs of one shape, got {in_shapes}")
        self.out_shape = tuple(in_shapes[0])

    def forward(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat:
    """Graph models: channels of >= 2 [C_k, L] inputs, in input order.
    Pass-through: each input gets its own channels' multipliers."""
    kind = "concat"
    linear = True
    passthrough = True

    def __init__(self, spec, in_shapes):
        self.name = spec.get("name", "concat")
        if len(in_shapes) < 2 or any(len(s) != 2 or s[1] != in_shapes[0][1] for s in in_shapes):
            raise ValueError(f"{self.name}: concat needs >= 2 [C, L] inputs of one length, got {in_shapes}")
        self.bounds = np.cumsum([0] + [s[0] for s in in_shapes])
        self.out_shape = (int(self.bounds[-1]), in_shapes[0][1])

    def forward(self, xs):
        return np.concatenate(xs, axis=-2)

    def pieces(self, m):
        """m [..., C, L] -> the part of each input."""
        return [m[..., a:b, :] for a, b in zip(self.bounds[:-1], self.bounds[1:])]


class Network:
    """The model of docs/model-format.md, sequential (version 1) or a graph
    (version 2: `inputs`, add/crop1d/concat, `outputs`). With
    normalise_softmax (the default) a softmax model's last dense layer is
    mean-normalised over tasks (docs/scoring.md), so logits() returns the
    scored logits.

    Node numbering: node 0 is the one-hot input, node i + 1 the output of
    layers[i]; sources[i] lists the nodes layers[i] reads. A sequential model
    has sources[i] == [i]. tasks[t] is scored at task_outputs[t] =
    (node, "scalar", channel) or (node, "profile", None)."""

    def __init__(self, arch, tensors, normalise_softmax=True, dtype=np.float64):
        self.arch = arch
        self.graph = "outputs" in arch
        self.output = arch.get("output", "linear")
        self.length = arch["input"]["length"]
        self.dtype = dtype
        used = set()

        def tensor(name):
            if name not in tensors:
                raise ValueError(f"missing tensor {name}")
            used.add(name)
            return np.asarray(tensors[name], dtype=np.float64)

        node_of = {"input": 0}
        shapes = [(4, self.length)]
        self.layers, self.sources = [], []
        for i, spec in enumerate(arch["layers"]):
            kind = spec["type"]
            name = spec.get("name")
            if "inputs" in spec:
                names = spec["inputs"]
                if not isinstance(names, list) or not names:
                    raise ValueError(f"layer {name or i}: 'inputs' must be a non-empty list")
                bad = [n for n in names if n not in node_of]
                if bad:
                    raise ValueError(f"layer {name or i}: input {bad[0]!r} is not the input or an earlier layer")
                sources = [node_of[n] for n in names]
            else:
                sources = [i]
            in_shapes = [shapes[s] for s in sources]
            if kind not in ("add", "concat") and len(sources) != 1:
                raise ValueError(f"layer {name or i}: {kind} takes one input, got {len(sources)}")
            shape = in_shapes[0]
            if kind == "conv1d":
                w, b = tensor(spec["name"] + ".weight"), tensor(spec["name"] + ".bias")
                if w.shape != (spec["out_channels"], spec["in_channels"], spec["kernel_size"]) \
                        or len(shape) != 2 or spec["in_channels"] != shape[0]:
                    raise ValueError(f"{spec['name']}: shape mismatch")
                layer = Conv1d(spec, w, b, shape)
            elif kind == "dense":
                w, b = tensor(spec["name"] + ".weight"), tensor(spec["name"] + ".bias")
                if w.shape != (spec["out_features"], spec["in_features"]) or shape != (spec["in_features"],):
                    raise ValueError(f"{spec['name']}: shape mismatch")
                layer = Dense(spec, w, b, shape)
            elif kind == "prelu":
                layer = PReLU(spec, tensor(spec["name"] + ".weight"), shape)
            elif kind == "relu":
                layer = ReLU(shape)
            elif kind == "sigmoid":
                layer = Sigmoid(shape)
            elif kind == "tanh":
                layer = Tanh(shape)
            elif kind == "maxpool1d":
                layer = MaxPool1d(spec, shape)
            elif kind == "avgpool1d":
                layer = AvgPool1d(spec, shape)
            elif kind == "flatten":
                layer = Flatten(spec, shape)
            elif kind == "crop1d":
                layer = Crop1d(spec, shape)
            elif kind == "add":
                layer = Add(spec, in_shapes)
            elif kind == "concat":
                layer = Concat(spec, in_shapes)
            else:
                raise ValueError(f"unknown layer type: {kind}")
            if name is not None:
                if name in node_of:
                    raise ValueError(f"duplicate layer name {name!r}")
                node_of[name] = i + 1
            self.layers.append(layer)
            self.sources.append(sources)
            shapes.append(tuple(layer.out_shape))
        if set(tensors) != used:
            raise ValueError(f"extra tensors: {sorted(set(tensors) - used)}")
        self.shapes = shapes
        self.node_of = node_of
        if self.graph:
            self._graph_outputs(arch)
        else:
            self.tasks = list(arch["tasks"])
            last = self.layers[-1]
            if last.kind != "dense" or last.weight.shape[0] != len(self.tasks):
                raise ValueError("last layer must be dense with one output per task")
            self.task_outputs = [(len(self.layers), "scalar", t) for t in range(len(self.tasks))]
            if self.output == "softmax" and normalise_softmax:
                # docs/scoring.md: subtract the mean over tasks of the last layer's weights and biases
                last.weight = last.weight - last.weight.mean(axis=0, keepdims=True)
                last.bias = last.bias - last.bias.mean()
        for layer in self.layers:   # cast parameters once (float32 emulation)
            for attr in ("weight", "bias", "slope"):
                if hasattr(layer, attr):
                    setattr(layer, attr, getattr(layer, attr).astype(dtype))

    def _graph_outputs(self, arch):
        if "tasks" in arch or self.output != "linear":
            raise ValueError("a model with 'outputs' has no 'tasks' and a linear output")
        self.tasks, self.task_outputs = [], []
        for entry in arch["outputs"]:
            node = self.node_of.get(entry["layer"])
            if node is None or node == 0:
                raise ValueError(f"output {entry['name']}: no layer {entry['layer']!r}")
            if any(n == node for n, _, _ in self.task_outputs):
                raise ValueError(f"output {entry['name']}: layer {entry['layer']!r} is already an output")
            shape = self.shapes[node]
            if len(shape) == 1 or shape[1] == 1:           # [C] or [C, 1]: C scalar tasks
                names = entry.get("tasks", [entry["name"]] if shape[0] == 1 else None)
                if names is None or len(names) != shape[0]:
                    raise ValueError(f"output {entry['name']}: {shape[0]} channels need {shape[0]} task names")
                for c, task in enumerate(names):
                    self.tasks.append(task)
                    self.task_outputs.append((node, "scalar", c))
            else:                                         # [S, L]: one profile task
                self.tasks.append(entry["name"])
                self.task_outputs.append((node, "profile", None))
        if len(set(self.tasks)) != len(self.tasks):
            raise ValueError(f"task names repeat: {self.tasks}")
        feeds = {s for sources in self.sources for s in sources} | {node for node, _, _ in self.task_outputs}
        for i in range(len(self.layers)):
            if i + 1 not in feeds:
                raise ValueError(f"layer {self.arch['layers'][i].get('name', i)} feeds nothing")

    def forward(self, x):
        """All activations [x, a1, ..., a_n] (by node) for x of shape [..., 4, L]."""
        acts = [np.asarray(x, dtype=self.dtype)]
        for layer, sources in zip(self.layers, self.sources):
            ins = [acts[s] for s in sources]
            if isinstance(layer, Elementwise):
                acts.append(layer.f(ins[0]))
            elif layer.kind in ("add", "concat"):
                acts.append(layer.forward(ins))
            else:
                acts.append(layer.forward(ins[0]))
        return acts

    def task_values(self, acts):
        """[..., T]: each task's scalar value; for a profile task f (profile_target)."""
        values = []
        for node, kind, channel in self.task_outputs:
            a = acts[node]
            if kind == "profile":
                values.append(profile_target(a.reshape(a.shape[:a.ndim - 2] + (-1,)))[2])
            elif len(self.shapes[node]) == 1:
                values.append(np.asarray(a[..., channel], dtype=np.float64))
            else:
                values.append(np.asarray(a[..., channel, 0], dtype=np.float64))
        return np.stack(values, axis=-1)

    def logits(self, x):
        acts = self.forward(x)
        return self.task_values(acts) if self.graph else acts[-1]

    def probabilities(self, logits):
        logits = np.asarray(logits, dtype=np.float64)
        if self.output == "sigmoid":
            return 1 / (1 + np.exp(-logits))
        if self.output == "softmax":
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        return None


# ----------------------------------------------------------------------------
# Profile tasks (graph models: an output of shape [S, L], L > 1)

PROFILE_TARGETS = ("bpnet-lite", "chrombpnet")
PROFILE_GUARD = 1e-6   # |Δz̃ᵢ| below this: the derivative of hᵢ instead of the secant


def profile_target(z):
    """z [..., N] (strands × positions flattened) -> (z̃, p, f) in float64:
    z̃ = z − mean(z), p = softmax(z̃), f = Σᵢ pᵢ·z̃ᵢ."""
    z = np.asarray(z, dtype=np.float64)
    zt = z - z.mean(axis=-1, keepdims=True)
    e = np.exp(zt - zt.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return zt, p, (p * zt).sum(axis=-1)


def profile_seed(z_x, z_r, method, convention="bpnet-lite"):
    """The multipliers [N] on the profile logits z (flattened, float64).

    grad-input: the gradient of f at x, pⱼ(1 + z̃ⱼ − f) minus its mean.
    bpnet-lite: hᵢ = z̃ᵢ·pᵢ is one elementwise Rescale nonlinearity of z̃ᵢ,
      mᵢ = Δhᵢ/Δz̃ᵢ (|Δz̃ᵢ| >= 1e-6; below, ∂hᵢ/∂z̃ᵢ at x holding the other
      entries fixed = pᵢ(1 + z̃ᵢ(1 − pᵢ))), then through the mean subtraction:
      mⱼ − mean(m). Σⱼ seedⱼ·Δzⱼ = f(x) − f(r) unless an entry is under the
      guard (hᵢ depends on every entry, so that entry's Δhᵢ is lost).
    chrombpnet: the softmax weights held fixed and the product pᵢ·z̃ᵢ split
      between its two varying factors as two Shapley players: ½(pⱼ(x) + pⱼ(r)) − 1/N."""
    zt_x, p_x, f_x = profile_target(z_x)
    zt_r, p_r, _ = profile_target(z_r)
    n = zt_x.size
    if method == "grad-input":
        g = p_x * (1 + zt_x - f_x)
        return g - g.mean()
    if convention == "chrombpnet":
        return 0.5 * (p_x + p_r) - 1.0 / n
    if convention != "bpnet-lite":
        raise ValueError(f"unknown profile target {convention}")
    d = zt_x - zt_r
    small = np.abs(d) < PROFILE_GUARD
    secant = (zt_x * p_x - zt_r * p_r) / np.where(small, 1, d)
    m = np.where(small, p_x * (1 + zt_x * (1 - p_x)), secant)
    return m - m.mean()


def profile_seed_spread(net, net32, ohe, ref):
    """How far float32 rounding moves the bpnet-lite profile seed: max over
    profile tasks of max|seed(float32 run) − seed(float64 run)| / max|seed|
    (0 without profile tasks). The seed divides Δhᵢ by Δz̃ᵢ and hᵢ depends
    on every entry, so where some Δz̃ᵢ is small the seed (through its mean)
    swings with the rounding of z -- for any float32 engine: tests compare
    one with this float64 reference on references where this is small."""
    worst = 0.0
    a64, r64 = net.forward(ohe), net.forward(ref)
    a32, r32 = net32.forward(ohe), net32.forward(ref)
    for node, kind, _ in net.task_outputs:
        if kind == "profile":
            s64 = profile_seed(a64[node].reshape(-1), r64[node].reshape(-1), "rescale")
            s32 = profile_seed(a32[node].reshape(-1), r32[node].reshape(-1), "rescale")
            worst = max(worst, float(np.abs(s64 - s32).max() / np.abs(s64).max()))
    return worst


# ----------------------------------------------------------------------------
# Scoring (docs/scoring.md)

SPLIT_PRODUCERS = ("conv1d", "dense")


def split_producers(net, node):
    """Kinds of the layers whose w·Δx terms give RevealCancel's Δz⁺/Δz⁻ for
    the activation at node, looking through the pass-through layers (crop1d,
    flatten, concat, add); empty when no split can be had (the input, a
    pooling layer, a nonlinearity, or pass-throughs of those only)."""
    if node == 0:
        return set()
    layer = net.layers[node - 1]
    if layer.kind in SPLIT_PRODUCERS:
        return {layer.kind}
    if getattr(layer, "passthrough", False) or layer.kind == "flatten":
        return set().union(*(split_producers(net, s) for s in net.sources[node - 1]))
    return set()


def split_of(net, node, acts, ref_acts):
    """(Δz⁺, Δz⁻) of the activation at node, or None (see split_producers).
    conv1d/dense: the sums of the positive and negative terms w·Δx (bias
    excluded); crop1d crops the split, flatten reshapes it, concat
    concatenates its inputs' splits, add sums them; an input of an add or a
    concat with no split of its own gives its Δ to Δz⁺ where Δ > 0 and to Δz⁻
    where Δ < 0."""
    if not split_producers(net, node):
        return None
    layer, sources = net.layers[node - 1], net.sources[node - 1]
    if layer.kind in SPLIT_PRODUCERS:
        s = sources[0]
        return layer.split(acts[s] - ref_acts[s])
    if layer.kind == "crop1d":
        plus, minus = split_of(net, sources[0], acts, ref_acts)
        return layer.forward(plus), layer.forward(minus)
    if layer.kind == "flatten":
        plus, minus = split_of(net, sources[0], acts, ref_acts)
        return plus.reshape(layer.out_shape), minus.reshape(layer.out_shape)
    parts = []
    for s in sources:
        part = split_of(net, s, acts, ref_acts)
        if part is None:
            delta = acts[s] - ref_acts[s]
            part = (np.maximum(delta, 0), np.minimum(delta, 0))
        parts.append(part)
    if layer.kind == "add":
        return sum(p for p, _ in parts), sum(m for _, m in parts)
    return np.concatenate([p for p, _ in parts], axis=0), np.concatenate([m for _, m in parts], axis=0)


def nonlinearity_rule(net, index, method):
    """rescale | revealcancel | gradient for the elementwise layer at index."""
    if method == "grad-input":
        return "gradient"
    producers = split_producers(net, net.sources[index][0])
    if not producers:
        return "rescale"        # no Δz⁺/Δz⁻ to be had (e.g. after a pool): Rescale under every method
    if method == "revealcancel":
        return "revealcancel"
    if method == "genomics-default":
        # Rescale after conv layers, RevealCancel after dense layers
        return "revealcancel" if producers == {"dense"} else "rescale"
    return "rescale"


def revealcancel_fallbacks(net):
    """Names (or indices) of the nonlinearities for which no Δz⁺/Δz⁻ split
    can be had: Rescale there, even when the method asks for RevealCancel."""
    return [net.arch["layers"][i].get("name", str(i)) for i, layer in enumerate(net.layers)
            if isinstance(layer, Elementwise) and not split_producers(net, net.sources[i][0])]


class Float32Risk:
    """Discontinuities that float32 rounding can cross, where a float32 engine
    may legitimately part from this float64 reference by more than rounding:
    a maxpool near-tie, an input at a kink under grad-input, a Δz at the
    Rescale guard or a RevealCancel part at its guard, a tiny Δx choosing
    between M⁺ and M⁻. A test should not compare such a sequence's numbers.
    (Smooth but ill-conditioned spots, such as Rescale's Δy/Δz for a small
    Δz, are measured instead by running this reference in float32.)"""

    def __init__(self):
        self.notes = []

    def add(self, what, count):
        if count:
            self.notes.append(f"{what} ({count})")


def collapse(m_plus, m_minus, delta):
    """One multiplier for an activation that has no Δ⁺/Δ⁻ split of its own
    but received separate M⁺/M⁻ (through an add or concat): its Δ counted in
    Δ⁺ where Δ > 0 and in Δ⁻ where Δ < 0, the linear rule with weight 1."""
    if m_plus is m_minus or np.array_equal(m_plus, m_minus):
        return m_plus
    d = delta[None]
    return select(d, d == 0, m_plus, m_minus)


def seeds(net, acts, ref_acts, method, profile_convention, risk=None):
    """{node: multipliers [T, *shape]}: each task's target on its output.
    A profile task under bpnet-lite notes a Δz̃ᵢ near the 1e-6 guard: hᵢ
    depends on every entry, so Δhᵢ/Δz̃ᵢ is large there and the guard (which
    drops Δhᵢ) is a real discontinuity."""
    tasks = len(net.tasks)
    if not net.graph:   # the pre-activation logits of the last dense layer
        return {len(net.layers): np.eye(tasks, dtype=net.dtype)}
    out = {}
    for t, (node, kind, channel) in enumerate(net.task_outputs):
        m = out.setdefault(node, np.zeros((tasks,) + net.shapes[node], dtype=net.dtype))
        if kind == "scalar":
            m[(t, channel) + (0,) * (len(net.shapes[node]) - 1)] = 1.0
        else:
            z_x, z_r = acts[node].reshape(-1), ref_acts[node].reshape(-1)
            seed = profile_seed(z_x, z_r, method, profile_convention)
            if risk is not None and method != "grad-input" and profile_convention == "bpnet-lite":
                d = np.abs(profile_target(z_x)[0] - profile_target(z_r)[0])
                risk.add(f"profile task {net.tasks[t]}: |Δz̃| in (1e-7, 1e-5)", int(np.sum((d > 1e-7) & (d < 1e-5))))
            m[t] = seed.reshape(net.shapes[node]).astype(net.dtype)
    return out


def backward(net, acts, ref_acts, method, risk=None, profile_convention="bpnet-lite"):
    """Input multipliers m [T, 4, L] for one sequence (acts without batch axis).
    Multipliers are summed where an activation feeds several layers; a
    RevealCancel nonlinearity sends separate M⁺/M⁻ to its input, which the
    pass-through layers forward unchanged to the layers that produced the
    split. With a Float32Risk, also notes float-fragile spots (the `risk` lines)."""
    pending = {}    # node -> [M⁺, M⁻] on its activation (the same array when equal)

    def give(node, m_plus, m_minus):
        if node not in pending:
            pending[node] = [m_plus, m_minus]
        else:
            old = pending[node]
            both = old[0] is old[1] and m_plus is m_minus
            old[0] = old[0] + m_plus
            old[1] = old[0] if both else old[1] + m_minus

    for node, m in seeds(net, acts, ref_acts, method, profile_convention, risk).items():
        give(node, m, m)
    for i in range(len(net.layers) - 1, -1, -1):
        node = i + 1
        if node not in pending:
            continue
        m_plus, m_minus = pending.pop(node)
        layer, sources = net.layers[i], net.sources[i]
        x, x0 = acts[sources[0]], ref_acts[sources[0]]
        if getattr(layer, "passthrough", False):
            if layer.kind == "add":
                for s in sources:
                    give(s, m_plus, m_minus)
            elif layer.kind == "concat":
                if m_plus is m_minus:
                    for s, m in zip(sources, layer.pieces(m_plus)):
                        give(s, m, m)
                else:
                    for s, mp, mm in zip(sources, layer.pieces(m_plus), layer.pieces(m_minus)):
                        give(s, mp, mm)
            else:   # crop1d
                mp = layer.backward(m_plus)
                give(sources[0], mp, mp if m_plus is m_minus else layer.backward(m_minus))
        elif layer.kind == "flatten":
            shape = (m_plus.shape[0],) + layer.in_shape
            mp = m_plus.reshape(shape)
            give(sources[0], mp, mp if m_plus is m_minus else m_minus.reshape(shape))
        elif layer.kind in SPLIT_PRODUCERS:
            dx = x - x0
            if risk is not None and not np.array_equal(m_plus, m_minus):
                risk.add(f"|Δx| < 1e-6 into {layer.kind} {i}", int(np.sum((dx != 0) & (np.abs(dx) < 1e-6))))
            m = layer.backward(m_plus, m_minus, dx)
            give(sources[0], m, m)
        elif layer.kind == "avgpool1d":
            m = collapse(m_plus, m_minus, acts[node] - ref_acts[node])
            m = layer.backward(m, m, x - x0)
            give(sources[0], m, m)
        elif layer.kind == "maxpool1d":
            m = collapse(m_plus, m_minus, acts[node] - ref_acts[node])
            if risk is not None:
                risk.add(f"maxpool {i} near-tie", layer.near_ties(x, 1e-5))
            m = layer.backward(m, x)
            give(sources[0], m, m)
        else:
            m_y = collapse(m_plus, m_minus, acts[node] - ref_acts[node])
            rule = nonlinearity_rule(net, i, method)
            if rule == "gradient":
                if risk is not None and layer.kind in ("relu", "prelu"):
                    risk.add(f"{layer.kind} {i} input near its kink", int(np.sum((x != 0) & (np.abs(x) < 1e-6))))
                m = m_y * layer.df(x)
                give(sources[0], m, m)
            elif rule == "rescale":
                dz = x - x0
                dy = acts[node] - ref_acts[node]
                small = np.abs(dz) < GUARD
                if risk is not None:
                    risk.add(f"{layer.kind} {i} rescale with |Δz| in (0, 1e-6)",
                             int(np.sum((dz != 0) & (np.abs(dz) < 1e-6))))
                ratio = np.where(small, layer.df(x0), dy / np.where(small, 1, dz))
                m = m_y * ratio
                give(sources[0], m, m)
            else:
                # RevealCancel: Δz⁺/Δz⁻ from the layer that produced the input, bias excluded
                dz_plus, dz_minus = split_of(net, sources[0], acts, ref_acts)
                if risk is not None:
                    risk.add(f"{layer.kind} {i} revealcancel part in (0, 1e-6)",
                             int(np.sum((dz_plus > 0) & (dz_plus < 1e-6)))
                             + int(np.sum((dz_minus < 0) & (dz_minus > -1e-6))))
                f, z0 = layer.f, x0
                dy_plus = 0.5 * (f(z0 + dz_plus) - f(z0)) + 0.5 * (f(z0 + dz_minus + dz_plus) - f(z0 + dz_minus))
                dy_minus = 0.5 * (f(z0 + dz_minus) - f(z0)) + 0.5 * (f(z0 + dz_plus + dz_minus) - f(z0 + dz_plus))
                give(sources[0], m_y * dy_plus / np.maximum(dz_plus, GUARD),
                     m_y * dy_minus / np.minimum(dz_minus, -GUARD))
    m_plus, m_minus = pending.pop(0)
    return collapse(m_plus, m_minus, acts[0] - ref_acts[0])


def ism_deltas(net, ohe):
    """D [T, 4, L]: logit(x with base c at l) − logit(x), by brute force
    (the mutated sequences run in blocks of positions to bound memory)."""
    length = ohe.shape[1]
    base = net.logits(ohe)
    per_position = 4 * sum(int(np.prod(s)) for s in net.shapes)
    block = max(1, min(length, 2 ** 24 // per_position))
    deltas = []
    for start in range(0, length, block):
        stop = min(length, start + block)
        variants = np.repeat(ohe[None, None], 4, axis=0).repeat(stop - start, axis=1)   # [4, B, 4, L]
        for c in range(4):
            for pos in range(start, stop):
                variants[c, pos - start, :, pos] = 0.0
                variants[c, pos - start, c, pos] = 1.0
        deltas.append(net.logits(variants) - base)                                      # [4, B, T]
    return np.moveaxis(np.concatenate(deltas, axis=1), -1, 0)


def score(net, ohe, ref, method, risk=None, profile_convention="bpnet-lite"):
    """Design §4 outputs for one window and one reference.

    ohe, ref: [4, L]. Returns dict: logits [T], ref_logits [T], m [T,4,L]
    (None for ism), s [T,L], H [T,4,L], contrib [T,4,L], D (ism only).
    profile_convention (bpnet-lite | chrombpnet) picks a profile task's seed
    under the DeepLIFT methods (see profile_seed).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method}")
    ohe = np.asarray(ohe, dtype=net.dtype)
    ref = np.asarray(ref, dtype=net.dtype)
    acts = net.forward(ohe)
    ref_acts = net.forward(ref)
    if net.graph:
        out = {"logits": net.task_values(acts), "ref_logits": net.task_values(ref_acts)}
    else:
        out = {"logits": acts[-1], "ref_logits": ref_acts[-1]}
    if method == "ism":
        d = ism_deltas(net, ohe)
        out["D"] = d
        out["m"] = None
        out["s"] = -d.mean(axis=1)
        out["H"] = d - d.mean(axis=1, keepdims=True)
    else:
        m = backward(net, acts, ref_acts, method, risk, profile_convention)
        out["m"] = m
        out["s"] = (m * (ohe - ref)[None]).sum(axis=1)
        out["H"] = m - (ref[None] * m).sum(axis=1, keepdims=True)
    out["contrib"] = ohe[None] * out["s"][:, None, :]
    return out


def score_references(net, ohe, refs, method, risk=None, profile_convention="bpnet-lite"):
    """score() against K references refs [K, 4, L] (`--reference npz:`), averaged:
    s and H are the means over k of each reference's s_k and H_k (H_k = m_k −
    Σ_c r_k·m_k), ref_logits the mean of the references' logits (for a
    profile task, of f(r_k)); m_k are kept per reference in "m_k"."""
    refs = np.asarray(refs)
    if refs.ndim != 3 or refs.shape[1:] != np.shape(ohe):
        raise ValueError(f"references of shape {refs.shape} for a window of shape {np.shape(ohe)}")
    runs = [score(net, ohe, r, method, risk, profile_convention) for r in refs]
    out = {"logits": runs[0]["logits"],
           "ref_logits": np.mean([r["ref_logits"] for r in runs], axis=0),
           "s": np.mean([r["s"] for r in runs], axis=0),
           "H": np.mean([r["H"] for r in runs], axis=0),
           "m_k": [r["m"] for r in runs]}
    out["m"] = None
    out["contrib"] = np.asarray(ohe, dtype=out["s"].dtype)[None] * out["s"][:, None, :]
    return out


def summation_exact(net, ref):
    """True when every maxpool window sees a constant reference, the condition
    under which docs/scoring.md promises exact summation-to-delta."""
    acts = net.forward(np.asarray(ref, dtype=net.dtype))
    for i, layer in enumerate(net.layers):
        if layer.kind == "maxpool1d":
            window = acts[net.sources[i][0]][:, layer.window]
            if not np.all(window == window[..., :1]):
                return False
    return True
