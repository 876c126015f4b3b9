"""Independent numpy reference implementation of docs/model-format.md and docs/scoring.md (deeplift-cpp).

Written from docs/scoring.md's words, not from the C++ engine, and per sequence:
clarity over speed. Everything is float64 unless a Network is built with
dtype=np.float32 (used only to see how far float32 rounding can move the
numbers the tests compare).

Notation follows docs/scoring.md: for every neuron Δ = value(input) − value(reference);
multipliers m flow backwards from the pre-activation logit of each task; the
contribution of an input is m·Δx. Multipliers carry a leading task axis [T, ...]
so every task is scored in one backward pass.

Public entry points:
  read_fasta(path) -> [(name, sequence)]
  one_hot(seq, name) -> [4, L] (rows A, C, G, T; N/IUPAC -> zero column)
  reference_for(spec, ohe) -> [4, L]   (gc:F, gc:auto, freqs:a,c,g,t, zeros)
  Network(arch, tensors)               (softmax models mean-normalised)
  score(net, ohe, ref, method) -> dict with logits, ref_logits, m, s, H, contrib
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
        return np.einsum("ock,...cjk->...oj", self.weight, patches) + self.bias[:, None]

    def terms(self, dx):
        """w·Δx for every (out channel o, in channel c, output j, tap k)."""
        dx_taps = self.padded(dx)[:, self.tap]                        # [C, Lout, K]
        return self.weight[:, :, None, :] * dx_taps[None], dx_taps[None] == 0

    def split(self, dx):
        w_dx, _ = self.terms(dx)
        return np.maximum(w_dx, 0).sum(axis=(1, 3)), np.minimum(w_dx, 0).sum(axis=(1, 3))

    def backward(self, m_plus, m_minus, dx):
        w_dx, dx_zero = self.terms(dx)
        chosen = select(w_dx, dx_zero, m_plus[:, :, None, :, None], m_minus[:, :, None, :, None])
        per_tap = (self.weight[None, :, :, None, :] * chosen).sum(axis=1)   # [T, C, Lout, K]
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


class Network:
    """The model of docs/model-format.md. With normalise_softmax (the default) a softmax
    model's last dense layer is mean-normalised over tasks (docs/scoring.md), so
    logits() returns the scored logits."""

    def __init__(self, arch, tensors, normalise_softmax=True, dtype=np.float64):
        self.arch = arch
        self.tasks = list(arch["tasks"])
        self.output = arch["output"]
        self.length = arch["input"]["length"]
        self.dtype = dtype
        used = set()

        def tensor(name):
            if name not in tensors:
                raise ValueError(f"missing tensor {name}")
            used.add(name)
            return np.asarray(tensors[name], dtype=np.float64)

        shape = (4, self.length)
        self.layers = []
        for spec in arch["layers"]:
            kind = spec["type"]
            if kind == "conv1d":
                w, b = tensor(spec["name"] + ".weight"), tensor(spec["name"] + ".bias")
                if w.shape != (spec["out_channels"], spec["in_channels"], spec["kernel_size"]) \
                        or spec["in_channels"] != shape[0] or len(shape) != 2:
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
            else:
                raise ValueError(f"unknown layer type: {kind}")
            self.layers.append(layer)
            shape = layer.out_shape
        if set(tensors) != used:
            raise ValueError(f"extra tensors: {sorted(set(tensors) - used)}")
        last = self.layers[-1]
        if last.kind != "dense" or last.weight.shape[0] != len(self.tasks):
            raise ValueError("last layer must be dense with one output per task")
        if self.output == "softmax" and normalise_softmax:
            # docs/scoring.md: subtract the mean over tasks of the last layer's weights and biases
            last.weight = last.weight - last.weight.mean(axis=0, keepdims=True)
            last.bias = last.bias - last.bias.mean()
        for layer in self.layers:   # cast parameters once (float32 emulation)
            for attr in ("weight", "bias", "slope"):
                if hasattr(layer, attr):
                    setattr(layer, attr, getattr(layer, attr).astype(dtype))

    def forward(self, x):
        """All activations [x, a1, ..., logits] for x of shape [..., 4, L]."""
        acts = [np.asarray(x, dtype=self.dtype)]
        for layer in self.layers:
            z = acts[-1]
            acts.append(layer.f(z) if isinstance(layer, Elementwise) else layer.forward(z))
        return acts

    def logits(self, x):
        return self.forward(x)[-1]

    def probabilities(self, logits):
        logits = np.asarray(logits, dtype=np.float64)
        if self.output == "sigmoid":
            return 1 / (1 + np.exp(-logits))
        if self.output == "softmax":
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        return None


# ----------------------------------------------------------------------------
# Scoring (docs/scoring.md)

def nonlinearity_rule(net, index, method):
    """rescale | revealcancel | gradient for the elementwise layer at index."""
    if method == "grad-input":
        return "gradient"
    previous = net.layers[index - 1].kind if index > 0 else None
    if previous not in ("conv1d", "dense"):
        return "rescale"        # not directly after conv1d/dense: Rescale under every method
    if method == "revealcancel":
        return "revealcancel"
    if method == "genomics-default":
        return "revealcancel" if previous == "dense" else "rescale"
    return "rescale"


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


def backward(net, acts, ref_acts, method, risk=None):
    """Input multipliers m [T, 4, L] for one sequence (acts without batch axis).
    With a Float32Risk, also notes float-fragile spots (the `risk` lines)."""
    tasks = len(net.tasks)
    m_plus = m_minus = np.eye(tasks, dtype=net.dtype)   # the targets: each task's logit
    for i in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[i]
        x, x0 = acts[i], ref_acts[i]
        if layer.linear:
            dx = x - x0
            if risk is not None and not np.array_equal(m_plus, m_minus):
                risk.add(f"|Δx| < 1e-6 into {layer.kind} {i}", int(np.sum((dx != 0) & (np.abs(dx) < 1e-6))))
            m_plus = m_minus = layer.backward(m_plus, m_minus, dx)
        elif layer.kind == "maxpool1d":
            assert np.array_equal(m_plus, m_minus)
            if risk is not None:
                risk.add(f"maxpool {i} near-tie", layer.near_ties(x, 1e-5))
            m_plus = m_minus = layer.backward(m_plus, x)
        else:
            assert np.array_equal(m_plus, m_minus), "a nonlinearity receives a single multiplier"
            m_y = m_plus
            rule = nonlinearity_rule(net, i, method)
            if rule == "gradient":
                if risk is not None and layer.kind in ("relu", "prelu"):
                    risk.add(f"{layer.kind} {i} input near its kink", int(np.sum((x != 0) & (np.abs(x) < 1e-6))))
                m_plus = m_minus = m_y * layer.df(x)
            elif rule == "rescale":
                dz = x - x0
                dy = acts[i + 1] - ref_acts[i + 1]
                small = np.abs(dz) < GUARD
                if risk is not None:
                    risk.add(f"{layer.kind} {i} rescale with |Δz| in (0, 1e-6)",
                             int(np.sum((dz != 0) & (np.abs(dz) < 1e-6))))
                ratio = np.where(small, layer.df(x0), dy / np.where(small, 1, dz))
                m_plus = m_minus = m_y * ratio
            else:
                # RevealCancel: Δz⁺/Δz⁻ from the preceding layer's w·Δx, bias excluded
                dz_plus, dz_minus = net.layers[i - 1].split(acts[i - 1] - ref_acts[i - 1])
                if risk is not None:
                    risk.add(f"{layer.kind} {i} revealcancel part in (0, 1e-6)",
                             int(np.sum((dz_plus > 0) & (dz_plus < 1e-6)))
                             + int(np.sum((dz_minus < 0) & (dz_minus > -1e-6))))
                f, z0 = layer.f, x0
                dy_plus = 0.5 * (f(z0 + dz_plus) - f(z0)) + 0.5 * (f(z0 + dz_minus + dz_plus) - f(z0 + dz_minus))
                dy_minus = 0.5 * (f(z0 + dz_minus) - f(z0)) + 0.5 * (f(z0 + dz_plus + dz_minus) - f(z0 + dz_plus))
                m_plus = m_y * dy_plus / np.maximum(dz_plus, GUARD)
                m_minus = m_y * dy_minus / np.minimum(dz_minus, -GUARD)
    assert np.array_equal(m_plus, m_minus)
    return m_plus


def ism_deltas(net, ohe):
    """D [T, 4, L]: logit(x with base c at l) − logit(x), by brute force."""
    length = ohe.shape[1]
    variants = np.repeat(ohe[None, None], 4, axis=0).repeat(length, axis=1)   # [4, L, 4, L]
    for c in range(4):
        for pos in range(length):
            variants[c, pos, :, pos] = 0.0
            variants[c, pos, c, pos] = 1.0
    mutated = net.logits(variants)                       # [4, L, T]
    base = net.logits(ohe)
    return np.moveaxis(mutated - base, -1, 0)


def score(net, ohe, ref, method, risk=None):
    """Design §4 outputs for one window.

    ohe, ref: [4, L]. Returns dict: logits [T], ref_logits [T], m [T,4,L]
    (None for ism), s [T,L], H [T,4,L], contrib [T,4,L], D (ism only).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method}")
    ohe = np.asarray(ohe, dtype=net.dtype)
    ref = np.asarray(ref, dtype=net.dtype)
    acts = net.forward(ohe)
    ref_acts = net.forward(ref)
    out = {"logits": acts[-1], "ref_logits": ref_acts[-1]}
    if method == "ism":
        d = ism_deltas(net, ohe)
        out["D"] = d
        out["m"] = None
        out["s"] = -d.mean(axis=1)
        out["H"] = d - d.mean(axis=1, keepdims=True)
    else:
        m = backward(net, acts, ref_acts, method, risk)
        out["m"] = m
        out["s"] = (m * (ohe - ref)[None]).sum(axis=1)
        out["H"] = m - (ref[None] * m).sum(axis=1, keepdims=True)
    out["contrib"] = ohe[None] * out["s"][:, None, :]
    return out


def summation_exact(net, ref):
    """True when every maxpool window sees a constant reference, the condition
    under which docs/scoring.md promises exact summation-to-delta."""
    acts = net.forward(np.asarray(ref, dtype=net.dtype))
    for i, layer in enumerate(net.layers):
        if layer.kind == "maxpool1d":
            window = acts[i][:, layer.window]
            if not np.all(window == window[..., :1]):
                return False
    return True
