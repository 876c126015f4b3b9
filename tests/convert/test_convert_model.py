#!/usr/bin/python3
"""scripts/convert-model against the source frameworks (issue 8, docs/model-format.md).

PyTorch models of the paper architecture (docs/model-format.md's example) built here
with fixed seeds: `bn` (BatchNorm1d after the conv and after a Linear,
Dropout, a final Sigmoid) and `same` (nested Sequential, padding='same' with
dilation, symmetric and asymmetric, shared PReLU, AvgPool1d, a final
Softmax). Each is converted from its torch.save'd module and from
torch.onnx.export (the `same` export spells 'same' as integer padding and a
ConstantPad1d, which torch 1.13 can export), then scored by
`score-seqs`: logits (--formats tsv) equal the torch forward pass (float64)
to 1e-5, and `--method grad-input --reference zeros` contributions and
hypothetical scores (npz) equal torch autograd gradient × input (gradient) to
1e-5 of each record's largest |value|. For softmax models score-seqs scores
mean-normalised logits (docs/scoring.md), so torch's are mean-normalised too.

A Keras-layout network written directly with onnx.helper (input [N, L, 4],
Transposes around each convolution, a 2-D convolution over a unit axis,
per-position PReLU slopes [L, C], a channels-last Reshape to [N, L·C] whose
target is computed from Shape, before MatMul + Add, Gemm) converts to logits equal to a numpy computation in
Keras' own terms from the same weights. Its dense layer with the column
permutation undone (the classic conversion bug) is refused at load by the
embedded test vectors (score-seqs exit 2, "test vector"), and loads with
--no-verify. Also: state_dict + --arch converts to the same file as the
module; a custom (not nn.Sequential) module with a functional ReLU in its
forward() converts through torch.onnx.export with the ReLU, while an
nn.Sequential whose forward() is not its children in order is refused by
the converter's own check; unsupported modules and ONNX ops fail with exit 1 naming the module
path or node and the type.

Run:  /usr/bin/python3 tests/convert/test_convert_model.py --bin BUILD [--source SRC]
"""
import copy
import json
import os
import subprocess
import sys

import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import cli_compare  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
SCORE = cli_compare.scorer_or_exit(ARGS)
CONVERT = [sys.executable, os.path.join(ARGS.source, "scripts", "convert-model")]
RUN = script_test.Runner("test_convert_model", ARGS.keep)
TMP = RUN.tmp
LENGTH = 200
RECORDS = model_zoo.random_fasta(os.path.join(TMP, "random.fa"), 8, seed=11)
FASTA = os.path.join(TMP, "random.fa")
OHE = np.stack([R.one_hot(seq, name) for name, seq in RECORDS])
TOL = 1e-5
torch.set_default_dtype(torch.float32)
warnings.filterwarnings("ignore", category=UserWarning)   # torch's export and 'same' padding notes


def randomise_batchnorm(bn, gen):
    """Non-trivial eval-mode statistics, so folding them is actually tested."""
    with torch.no_grad():
        bn.running_mean.copy_(torch.rand(bn.num_features, generator=gen) * 2 - 1)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=gen) * 1.5 + 0.5)
        bn.weight.copy_(torch.rand(bn.num_features, generator=gen) + 0.5)
        bn.bias.copy_(torch.rand(bn.num_features, generator=gen) - 0.5)


def paper_bn():
    torch.manual_seed(1)
    m = nn.Sequential(
        nn.Conv1d(4, 20, 15), nn.BatchNorm1d(20), nn.PReLU(20), nn.MaxPool1d(50), nn.Flatten(),
        nn.Linear(60, 200), nn.BatchNorm1d(200), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 3), nn.Sigmoid())
    gen = torch.Generator().manual_seed(2)
    randomise_batchnorm(m[1], gen)
    randomise_batchnorm(m[6], gen)
    return m.eval()


def paper_same(exportable=False):
    """'same' padding, stride 1, dilation: conv1 total 16 = (8, 8), conv2
    total 9 = (4, 5) (torch's and docs/model-format.md's split). The exportable twin has
    the same weights with the padding spelled out."""
    torch.manual_seed(3)
    conv1 = nn.Conv1d(4, 16, 9, padding="same", dilation=2)
    conv2 = nn.Conv1d(16, 8, 4, padding="same", dilation=3)
    head = [nn.PReLU(), nn.AvgPool1d(10), nn.Tanh(), nn.Flatten(), nn.Linear(160, 32), nn.Sigmoid(),
            nn.Linear(32, 2), nn.Softmax(dim=1)]
    with torch.no_grad():
        head[0].weight.fill_(0.15)
    if not exportable:
        return nn.Sequential(nn.Sequential(conv1, nn.ReLU()), conv2, *head).eval()
    c1 = nn.Conv1d(4, 16, 9, padding=8, dilation=2)
    c2 = nn.Conv1d(16, 8, 4, padding=0, dilation=3)
    c1.load_state_dict(conv1.state_dict())
    c2.load_state_dict(conv2.state_dict())
    return nn.Sequential(nn.Sequential(c1, nn.ReLU()), nn.ConstantPad1d((4, 5), 0.0), c2, *head).eval()


def torch_expected(model, normalise):
    """(logits [N, T], gradients [T, N, 4, L]) of the last Linear in float64;
    mean-normalised over tasks for a softmax model (docs/scoring.md)."""
    net = copy.deepcopy(model).double().eval()[:-1]   # drop the output function
    x = torch.as_tensor(OHE, dtype=torch.float64).clone().requires_grad_(True)
    logits = net(x)
    if normalise:
        logits = logits - logits.mean(dim=1, keepdim=True)
    grads = []
    for t in range(logits.shape[1]):
        (g,) = torch.autograd.grad(logits[:, t].sum(), x, retain_graph=True)
        grads.append(g.numpy())
    return logits.detach().numpy(), np.stack(grads)


def convert(source, out, *options, expect=0):
    proc = subprocess.run(CONVERT + [source, out] + list(options), capture_output=True, text=True)
    require(proc.returncode == expect,
            f"convert-model {source} {' '.join(options)} exited {proc.returncode}, expected {expect}\n"
            f"  stderr: {proc.stderr.strip()[-2000:]}")
    return proc


def score(model, label, *options, expect=0):
    prefix = os.path.join(TMP, label, "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    proc = subprocess.run(SCORE + ["--model", model, "--fasta", FASTA, "--out", prefix, "--threads", "2",
                                   "--quiet"] + list(options), capture_output=True, text=True)
    require(proc.returncode == expect, f"{label}: score-seqs exited {proc.returncode}, expected {expect}\n"
                                       f"  stderr: {proc.stderr.strip()[-2000:]}")
    return prefix, proc


def read_logits(prefix, tasks):
    header, rows = cli_compare.read_predictions(prefix + ".predictions.tsv")
    col = {c: i for i, c in enumerate(header)}
    require([r[0] for r in rows] == [n for n, _ in RECORDS], f"{prefix}: rows not in input order")
    return np.array([[float(r[col[f"{t}.logit"]]) for t in tasks] for r in rows])


def check_logits(label, got, want):
    problems = cli_compare.Problems(label)
    cli_compare.compare_values(problems, "logit", got, want, TOL, TOL,
                               lambda i: f"record {RECORDS[i[0]][0]} task {i[1]}")
    require(not problems, f"{label}: logits differ from the source\n{problems.report()}")


def check_torch_model(label, model_file, model, tasks, normalise):
    """Logits and grad-input contributions of a converted model against torch."""
    want_logits, grads = torch_expected(model, normalise)
    prefix, _ = score(model_file, label + "-tsv", "--formats", "tsv")
    check_logits(label, read_logits(prefix, tasks), want_logits)
    prefix, _ = score(model_file, label + "-grad", "--method", "grad-input", "--reference", "zeros",
                      "--formats", "npz")
    problems = cli_compare.Problems(label)
    for t, task in enumerate(tasks):
        for kind, want in (("contrib", grads[t] * OHE), ("hyp", grads[t])):
            _, got = cli_compare.read_npz(f"{prefix}.{task}.{kind}.npz")
            require(got is not None and got.shape == want.shape,
                    f"{label}: {task}.{kind}.npz has shape {None if got is None else got.shape}")
            scale = np.abs(want).max(axis=(1, 2), keepdims=True)   # per record
            bad = np.abs(got - want) > TOL * scale + 1e-9
            for n, c, pos in np.argwhere(bad)[:cli_compare.MAX_REPORTED]:
                problems.add(kind, f"task {task} record {RECORDS[n][0]} base {c} position {pos}: "
                                   f"expected {want[n, c, pos]:.7g}, got {got[n, c, pos]:.7g}")
    require(not problems, f"{label}: grad-input differs from torch autograd\n{problems.report()}")


MODELS = {"bn": (paper_bn, ["both", "gata1", "tal1"], "sigmoid"),
          "same": (paper_same, ["up", "down"], "softmax")}


def add_torch_cases(kind):
    build, tasks, output = MODELS[kind]

    def from_module():
        model = build()
        path = os.path.join(TMP, f"{kind}.pt")
        torch.save(model, path)
        out = os.path.join(TMP, f"{kind}.pt.safetensors")
        convert(path, out, "--tasks", ",".join(tasks), "--length", str(LENGTH))
        arch, _, meta = safetensors_model.load(out)
        require(arch["output"] == output, f"{kind}: output {arch['output']}, expected {output} from the model")
        require("test_vectors" in meta, f"{kind}: no test_vectors in the converted file")
        check_torch_model(f"{kind}.pt", out, model, tasks, output == "softmax")

    def from_onnx():
        model = build()
        export = build(exportable=True) if kind == "same" else model
        path = os.path.join(TMP, f"{kind}.onnx")
        # Without constant folding the export keeps BatchNormalization nodes
        # and Identity/Unsqueeze on the weights: the converter folds them.
        torch.onnx.export(export, torch.zeros(1, 4, LENGTH), path, opset_version=13,
                          do_constant_folding=(kind != "bn"), input_names=["dna"],
                          dynamic_axes={"dna": {0: "batch"}})
        ops = {n.op_type for n in onnx.load(path).graph.node}
        if kind == "bn":
            require("BatchNormalization" in ops, f"the export has no BatchNormalization to fold: {sorted(ops)}")
        else:
            require("Pad" in ops, f"the export has no Pad before its Conv: {sorted(ops)}")
        out = os.path.join(TMP, f"{kind}.onnx.safetensors")
        convert(path, out, "--tasks", ",".join(tasks))
        check_torch_model(f"{kind}.onnx", out, model, tasks, output == "softmax")

    from_module.__name__ = f"{kind}_pt_matches_torch"
    from_onnx.__name__ = f"{kind}_onnx_export_matches_torch"
    RUN.check(from_module)
    RUN.check(from_onnx)


for _kind in MODELS:
    add_torch_cases(_kind)


@RUN.check
def state_dict_with_arch_matches_module():
    model = paper_bn()
    path = os.path.join(TMP, "bn.state.pt")
    torch.save(model.state_dict(), path)
    arch = {"input": {"length": LENGTH}, "tasks": ["both", "gata1", "tal1"],
            "layers": [{"type": "conv1d", "source": "0", "in_channels": 4, "out_channels": 20, "kernel_size": 15},
                       {"type": "batchnorm1d", "source": "1"}, {"type": "prelu", "source": "2"},
                       {"type": "maxpool1d", "kernel_size": 50}, {"type": "flatten"},
                       {"type": "dense", "source": "5"}, {"type": "batchnorm1d", "source": "6"},
                       {"type": "relu"}, {"type": "dropout"}, {"type": "dense", "source": "9"}, {"type": "relu"},
                       {"type": "dense", "source": "11"}, {"type": "sigmoid"}]}
    arch_path = os.path.join(TMP, "bn.arch.json")
    with open(arch_path, "w") as fh:
        json.dump(arch, fh)
    out = os.path.join(TMP, "bn.state.safetensors")
    convert(path, out, "--arch", arch_path)
    module_file = os.path.join(TMP, "bn.module.safetensors")
    module_path = os.path.join(TMP, "bn.module.pt")
    torch.save(model, module_path)
    convert(module_path, module_file, "--tasks", "both,gata1,tal1", "--length", str(LENGTH))
    a1, t1, _ = safetensors_model.load(out)
    a2, t2, _ = safetensors_model.load(module_file)
    require(a1 == a2, f"architectures differ:\n{a1}\n{a2}")
    require(sorted(t1) == sorted(t2) and all(np.array_equal(t1[k], t2[k]) for k in t1),
            "tensors differ between the state_dict and the module conversion")
    del arch["layers"][5]["source"]
    with open(arch_path, "w") as fh:
        json.dump(arch, fh)
    proc = convert(path, out, "--arch", arch_path, expect=1)
    require("5.weight" in proc.stderr or "state_dict" in proc.stderr, f"unhelpful message: {proc.stderr}")


CUSTOM = """
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    \"\"\"Children registered in forward order, but a functional activation in between.\"\"\"

    def __init__(self, functional):
        super().__init__()
        self.functional = functional
        self.conv = nn.Conv1d(4, 6, 9)
        self.pool = nn.MaxPool1d(8)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(6 * 24, 2)

    def forward(self, x):
        x = self.conv(x)
        if self.functional:
            x = F.relu(x)
        return self.fc(self.flat(self.pool(x)))


class SequentialNet(nn.Sequential):
    \"\"\"An nn.Sequential whose forward() adds a functional ReLU after its first layer.\"\"\"

    def forward(self, x):
        x = F.relu(self[0](x))
        for layer in list(self)[1:]:
            x = layer(x)
        return x
"""


@RUN.check
def custom_forward_is_checked():
    """A custom module goes through torch.onnx.export, so a functional
    activation in its forward() is converted too (docs/converters.md); an
    nn.Sequential is walked in registration order, and when its forward()
    does something else the converter's check against the module refuses."""
    with open(os.path.join(TMP, "custom_net.py"), "w") as fh:
        fh.write(CUSTOM)
    sys.path.insert(0, TMP)
    import custom_net
    env = dict(os.environ, PYTHONPATH=TMP)
    torch.manual_seed(4)
    cases = [(custom_net.Net(False), 0, ["conv1d", "maxpool1d", "flatten", "dense"]),
             (custom_net.Net(True), 0, ["conv1d", "relu", "maxpool1d", "flatten", "dense"]),
             (custom_net.SequentialNet(nn.Conv1d(4, 6, 9), nn.MaxPool1d(8), nn.Flatten(), nn.Linear(6 * 24, 2)),
              1, None)]
    for i, (module, expect, types) in enumerate(cases):
        path = os.path.join(TMP, f"custom{i}.pt")
        torch.save(module.eval(), path)
        out = path + ".safetensors"
        proc = subprocess.run(CONVERT + [path, out, "--length", str(LENGTH), "--output", "linear"],
                              capture_output=True, text=True, env=env)
        require(proc.returncode == expect, f"case {i} ({type(module).__name__}): exit {proc.returncode}, "
                                           f"expected {expect}\n  stderr: {proc.stderr.strip()}")
        if expect:
            require("disagrees with the source" in proc.stderr, f"unhelpful message: {proc.stderr.strip()}")
            require(not os.path.exists(out), "a refused conversion wrote its output")
            continue
        arch, _, _ = safetensors_model.load(out)
        got = [layer["type"] for layer in arch["layers"]]
        require(got == types, f"case {i}: layers {got}, expected {types}")
        with torch.no_grad():
            want = module.double()(torch.as_tensor(OHE, dtype=torch.float64)).numpy()
        prefix, _ = score(out, f"custom{i}", "--formats", "tsv")
        check_logits(f"custom{i}", read_logits(prefix, ["task0", "task1"]), want)


# -- a Keras-layout network written in ONNX ---------------------------------

K_LENGTH = 100


def keras_weights():
    """Weights in Keras' own shapes: Conv1D kernel [k, in, out], Dense kernel
    [in, out], PReLU alpha [L, C] (Keras' default: per position and channel)."""
    rng = np.random.default_rng(5)
    w = {"k1": rng.normal(0, 0.4, (7, 4, 12)), "b1": rng.normal(0, 0.1, 12),
         "a1": rng.uniform(0.05, 0.5, (50, 12)),
         "k2": rng.normal(0, 0.3, (5, 12, 8)), "b2": rng.normal(0, 0.1, 8),
         "k3": rng.normal(0, 0.2, (56, 16)), "b3": rng.normal(0, 0.1, 16),
         "k4": rng.normal(0, 0.4, (16, 3)), "b4": rng.normal(0, 0.1, 3)}
    return {k: v.astype(np.float32) for k, v in w.items()}


def keras_numpy(w, x):
    """Logits for one-hot x [N, 4, L], computed channels-last as Keras does:
    Conv1D(12, 7, strides 2, 'same') → PReLU → Conv1D(8, 5, dilation 2,
    'valid') → ReLU → MaxPooling1D(6) → Flatten → Dense(16, tanh) → Dense(3)."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    out = []
    for seq in np.transpose(x, (0, 2, 1)):                      # [L, 4]
        # TensorFlow 'same' with stride 2: total (50-1)*2 + 7 - 100 = 5 → 2 left, 3 right
        padded = np.pad(seq, ((2, 3), (0, 0)))
        y = np.stack([sum(padded[2 * l + j] @ w["k1"][j] for j in range(7)) for l in range(50)]) + w["b1"]
        y = np.where(y > 0, y, w["a1"] * y)
        z = np.stack([sum(y[l + 2 * j] @ w["k2"][j] for j in range(5)) for l in range(42)]) + w["b2"]
        z = np.maximum(z, 0)
        p = z[:42].reshape(7, 6, 8).max(axis=1)                  # [7, 8]
        h = np.tanh(p.reshape(-1) @ w["k3"] + w["b3"])            # Keras Flatten: index l*8 + c
        out.append(h @ w["k4"] + w["b4"])
    return np.array(out)


def keras_onnx(w, path, extra=None):
    """The graph tf2onnx makes of it: Transposes around each convolution; the
    second convolution as TensorFlow runs Conv1D, a 2-D one over a unit axis."""
    init = lambda name, value: numpy_helper.from_array(np.asarray(value), name)  # noqa: E731
    inits = [
        init("W1", w["k1"].transpose(2, 1, 0)), init("B1", w["b1"]), init("A1", w["a1"]),
        init("W2", w["k2"].transpose(2, 1, 0)[:, :, None, :]), init("B2", w["b2"]),
        init("ax1", np.array([1], dtype=np.int64)), init("zero", np.array([0], dtype=np.int64)),
        init("features", np.array([56], dtype=np.int64)),
        init("W3", w["k3"]), init("B3", w["b3"]), init("W4", w["k4"].T.copy()), init("B4", w["b4"]),
    ]
    nodes = [
        helper.make_node("Transpose", ["dna"], ["t0"], perm=[0, 2, 1], name="conv1d/transpose_in"),
        helper.make_node("Conv", ["t0", "W1", "B1"], ["c1"], kernel_shape=[7], strides=[2],
                         auto_pad="SAME_UPPER", name="conv1d/Conv"),
        helper.make_node("Transpose", ["c1"], ["c1t"], perm=[0, 2, 1], name="conv1d/transpose_out"),
        helper.make_node("PRelu", ["c1t", "A1"], ["p1"], name="p_re_lu/PRelu"),
        helper.make_node("Unsqueeze", ["p1", "ax1"], ["u1"], name="conv1d_1/ExpandDims"),
        helper.make_node("Transpose", ["u1"], ["u1t"], perm=[0, 3, 1, 2], name="conv1d_1/transpose_in"),
        helper.make_node("Conv", ["u1t", "W2", "B2"], ["c2"], kernel_shape=[1, 5], dilations=[1, 2],
                         pads=[0, 0, 0, 0], name="conv1d_1/Conv2D"),
        helper.make_node("Relu", ["c2"], ["r2"], name="conv1d_1/Relu"),
        helper.make_node("MaxPool", ["r2"], ["m2"], kernel_shape=[1, 6], strides=[1, 6], name="max_pooling1d"),
        helper.make_node("Transpose", ["m2"], ["m2t"], perm=[0, 2, 3, 1], name="max_pooling1d/transpose_out"),
        helper.make_node("Squeeze", ["m2t", "ax1"], ["s2"], name="max_pooling1d/Squeeze"),
        # tf2onnx's dynamic-batch Reshape target: [Shape(x)[0], 56]
        helper.make_node("Shape", ["s2"], ["s2shape"], name="flatten/Shape"),
        helper.make_node("Slice", ["s2shape", "zero", "ax1"], ["batch"], name="flatten/strided_slice"),
        helper.make_node("Concat", ["batch", "features"], ["shape"], axis=0, name="flatten/Reshape/shape"),
        helper.make_node("Reshape", ["s2", "shape"], ["f"], name="flatten/Reshape"),
        helper.make_node("MatMul", ["f", "W3"], ["d3"], name="dense/MatMul"),
        helper.make_node("Add", ["d3", "B3"], ["d3b"], name="dense/BiasAdd"),
        helper.make_node("Tanh", ["d3b"], ["h3"], name="dense/Tanh"),
        helper.make_node("Gemm", ["h3", "W4", "B4"], ["logits"], transB=1, name="dense_1/Gemm"),
    ]
    if extra:
        nodes = extra(nodes)
    graph = helper.make_graph(
        nodes, "keras_layout",
        [helper.make_tensor_value_info("dna", TensorProto.FLOAT, ["batch", K_LENGTH, 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def keras_records(count=6, seed=12):
    path = os.path.join(TMP, "keras.fa")
    records = model_zoo.random_fasta(path, count, length=K_LENGTH, seed=seed, region_name="chr2:1001-1100")
    return path, records


@RUN.check
def keras_layout_onnx_matches_numpy():
    w = keras_weights()
    src = keras_onnx(w, os.path.join(TMP, "keras.onnx"))
    out = os.path.join(TMP, "keras.safetensors")
    convert(src, out, "--tasks", "a,b,c", "--output", "sigmoid")
    arch, tensors, _ = safetensors_model.load(out)
    types = [layer["type"] for layer in arch["layers"]]
    require(types == ["conv1d", "prelu", "conv1d", "relu", "maxpool1d", "flatten", "dense", "tanh", "dense"],
            f"layers {types}")
    require(tensors["act1.weight"].shape == (12, 50), f"PReLU slopes {tensors['act1.weight'].shape}, "
                                                      "expected per channel and position [12, 50]")
    fasta, records = keras_records()
    ohe = np.stack([R.one_hot(s, n) for n, s in records])
    want = keras_numpy(w, ohe)
    prefix = os.path.join(TMP, "keras", "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    proc = subprocess.run(SCORE + ["--model", out, "--fasta", fasta, "--out", prefix, "--formats", "tsv",
                                   "--quiet"], capture_output=True, text=True)
    require(proc.returncode == 0, f"score-seqs exited {proc.returncode}: {proc.stderr}")
    header, rows = cli_compare.read_predictions(prefix + ".predictions.tsv")
    col = {c: i for i, c in enumerate(header)}
    got = np.array([[float(r[col[f"{t}.logit"]]) for t in "abc"] for r in rows])
    problems = cli_compare.Problems("keras")
    cli_compare.compare_values(problems, "logit", got, want, TOL, TOL, lambda i: f"record {i[0]} task {i[1]}")
    require(not problems, f"Keras-layout logits differ from numpy\n{problems.report()}")


@RUN.check
def wrong_conversion_fails_at_load():
    """The dense weight after a channels-last flatten with its columns left in
    Keras' order l·C + c: the embedded test vectors catch it."""
    out = os.path.join(TMP, "keras.safetensors")
    if not os.path.exists(out):
        convert(keras_onnx(keras_weights(), os.path.join(TMP, "keras.onnx")), out, "--tasks", "a,b,c")
    arch, tensors, meta = safetensors_model.load(out)
    w = keras_weights()
    require(not np.array_equal(tensors["fc1.weight"], w["k3"].T), "fc1.weight was not permuted at all")
    tensors["fc1.weight"] = w["k3"].T.copy()   # what a converter ignoring the layout would write
    sys.path.insert(0, os.path.join(ARGS.source, "scripts"))
    from deeplift_convert import common
    bad = os.path.join(TMP, "keras.unpermuted.safetensors")
    names = [n for n in tensors]
    common.write(bad, arch, [(n, tensors[n]) for n in names], json.loads(meta["test_vectors"]))
    fasta, _ = keras_records()
    prefix = os.path.join(TMP, "bad", "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    base = SCORE + ["--model", bad, "--fasta", fasta, "--out", prefix, "--formats", "tsv", "--quiet"]
    proc = subprocess.run(base, capture_output=True, text=True)
    require(proc.returncode == 2, f"a wrong conversion loaded: exit {proc.returncode}\n{proc.stderr}")
    require("test vector" in proc.stderr, f"the message does not name the test vectors: {proc.stderr}")
    require(not os.listdir(os.path.dirname(prefix)), "output written by a failed run")
    proc = subprocess.run(base + ["--no-verify"], capture_output=True, text=True)
    require(proc.returncode == 0, f"--no-verify did not skip the check: exit {proc.returncode}\n{proc.stderr}")


@RUN.check
def no_test_vectors_option():
    out = os.path.join(TMP, "keras.novec.safetensors")
    convert(keras_onnx(keras_weights(), os.path.join(TMP, "keras2.onnx")), out, "--tasks", "a,b,c",
            "--no-test-vectors")
    _, _, meta = safetensors_model.load(out)
    require("test_vectors" not in meta, "test_vectors written despite --no-test-vectors")


@RUN.check
def unsupported_module_and_op_are_named():
    problems = []
    model = nn.Sequential(nn.Sequential(nn.Conv1d(4, 6, 5), nn.ELU()), nn.Flatten(), nn.Linear(6 * 196, 2))
    path = os.path.join(TMP, "elu.pt")
    torch.save(model, path)
    proc = convert(path, os.path.join(TMP, "elu.safetensors"), "--length", str(LENGTH), expect=1)
    if "'0.1'" not in proc.stderr or "ELU" not in proc.stderr:
        problems.append(f"torch ELU: {proc.stderr.strip()}")

    def with_elu(nodes):
        relu = [n.name for n in nodes].index("conv1d_1/Relu")
        nodes[relu] = helper.make_node("Elu", ["c2"], ["r2"], name="conv1d_1/Elu")
        return nodes
    src = keras_onnx(keras_weights(), os.path.join(TMP, "elu.onnx"), with_elu)
    proc = convert(src, os.path.join(TMP, "elu2.safetensors"), expect=1)
    if "Elu" not in proc.stderr or "conv1d_1/Elu" not in proc.stderr:
        problems.append(f"ONNX Elu: {proc.stderr.strip()}")

    # A BatchNormalization after a Relu cannot be folded into a conv or dense layer.
    path = os.path.join(TMP, "bn_relu.onnx")
    m = onnx.load(keras_onnx(keras_weights(), path))
    m.graph.initializer.append(numpy_helper.from_array(np.ones(8, dtype=np.float32), "V"))
    nodes = list(m.graph.node)
    pool = [n.name for n in nodes].index("max_pooling1d")
    nodes.insert(pool, helper.make_node("BatchNormalization", ["r2", "B2", "B2", "B2", "V"], ["r2n"],
                                     name="bn_after_relu"))
    nodes[pool + 1] = helper.make_node("MaxPool", ["r2n"], ["m2"], kernel_shape=[1, 6], strides=[1, 6],
                                       name="max_pooling1d")
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.save(m, path)
    proc = convert(path, os.path.join(TMP, "bn_relu.safetensors"), expect=1)
    if "bn_after_relu" not in proc.stderr or "Relu" not in proc.stderr:
        problems.append(f"unfoldable BatchNormalization: {proc.stderr.strip()}")

    grouped_conv = nn.Sequential(nn.Conv1d(4, 8, 5, groups=2), nn.Flatten(), nn.Linear(8 * 196, 2))
    path = os.path.join(TMP, "groups.pt")
    torch.save(grouped_conv, path)
    proc = convert(path, os.path.join(TMP, "groups.safetensors"), "--length", str(LENGTH), expect=1)
    if "groups" not in proc.stderr or "'0'" not in proc.stderr:
        problems.append(f"grouped conv: {proc.stderr.strip()}")
    require(not problems, "errors that do not name the op and node:\n  " + "\n  ".join(problems))


sys.exit(RUN.run(set(os.environ["ONLY"].split(",")) if os.environ.get("ONLY") else None))
