#!/usr/bin/python3
"""scripts/convert-model on BPNet / ChromBPNet models (issue 18, docs/converters.md).

Sources, all small (16 filters, 3 dilated residual layers, 300 bp in):
- a bpnet-lite-style PyTorch module (tests/tools/bpnet_models.py BPNetLite:
  'same' padding, x + relu(conv(x)), profile trimmed to 120 positions ×
  2 strands, counts from a windowed mean) and its Keras-style twin
  (KerasBPNet: 'valid' padding, centre-cropped residuals), exported by
  torch.onnx.export with a dynamic batch axis (so Shape → Gather → Sub →
  Slice-bound arithmetic is in the graph) and converted from ONNX, also with
  the profile flattened to [N, S·P] (still one profile task);
- bpnet-lite's own BPNet as its authors write it (no control tracks: a
  constant log(0 + 1) concatenated to the counts features), saved as .torch
  and exported to ONNX, and its .torch converted again without its class
  importable (rebuilt from its saved layers: the same file);
- the same bpnet-lite module torch.save'd whole and converted from .pt
  (through the converter's own ONNX export); its file with the profile
  window shifted by one position is refused at load by the embedded test
  vectors;
- ChromBPNet-layout Keras .h5 files written with h5py
  (tests/convert/chrombpnet_h5.py): with model_config and the wo_bias_
  names of chrombpnet_nobias.h5 (1 strand, profile Flatten, a 9-position
  crop), without model_config with the wo_bias_ prefix (2 strands,
  --length/--output-length), without model_config and without prefix.

Every converted file is scored by the built score-seqs: predictions.tsv
(profile f and counts) against the PyTorch module's forward pass, and
`--method grad-input --reference zeros` contributions and hypothetical scores
against torch autograd gradients of f and of the counts, to 1e-4 (of each
record's largest |value| for the scores). The .h5 reference is a PyTorch
module computing ChromBPNet's Keras graph (crop the profile, average the
whole trunk), independent of the converter's numpy Keras pass.

Bad inputs: an .h5 without a dilated layer (no model_config), an .h5 whose
model_config names a layer without weights, lengths given against a
model_config, a file that is not HDF5, an ONNX graph with an
unsupported op, and one slicing the strands: exit 1, a message naming the
layer or node, no output file.

Run:  /usr/bin/python3 tests/convert/test_convert_bpnet.py --bin BUILD [--source SRC]
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
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, HERE)
import bpnet_models  # noqa: E402
import chrombpnet_h5  # noqa: E402
import cli_compare  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
sys.path.insert(0, os.path.join(ARGS.source, "scripts"))
from deeplift_py import model_file as MODEL_FILE  # noqa: E402  the shape walk of docs/graph-models.md
SCORE = cli_compare.scorer_or_exit(ARGS)
CONVERT = [sys.executable, os.path.join(ARGS.source, "scripts", "convert-model")]
RUN = script_test.Runner("test_convert_bpnet", ARGS.keep)
TMP = RUN.tmp
LENGTH = 300
SHAPE = {"n_filters": 16, "n_layers": 3, "length": LENGTH, "out_length": 120}
FASTA = os.path.join(TMP, "seqs.fa")
RECORDS = model_zoo.random_fasta(FASTA, 4, length=LENGTH, seed=21, region_name="chr2:1001-1300")
OHE = np.stack([R.one_hot(seq, name) for name, seq in RECORDS])
TOL = 1e-4
TASKS = ["profile", "counts"]
# bpnet_models is importable by a child process (a whole saved module needs its class)
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(HERE, "..", "tools"),
                                                    os.environ.get("PYTHONPATH", "")]))
warnings.filterwarnings("ignore")   # torch's export notes


def module(kind, seed, **shape):
    """A float64 module with weights rounded to float32, as a model file stores them."""
    return bpnet_models.as_float32(bpnet_models.make(kind, seed, **dict(SHAPE, **shape)))


class KerasChromBPNet(torch.nn.Module):
    """ChromBPNet's Keras graph (chrombpnet bpnet_model.py) on a KerasBPNet's
    weights, channels first: the profile conv's output cropped by `crop` on
    each side, the counts from the mean of the WHOLE trunk (GlobalAvgPool1D)."""

    def __init__(self, net, crop):
        super().__init__()
        self.net, self.crop = net, crop

    def forward(self, x):
        net = self.net
        x = torch.relu(net.iconv(x))
        for i, rconv in enumerate(net.rconvs, 1):
            x = torch.relu(rconv(x)) + x[:, :, 2 ** i:x.shape[2] - 2 ** i]
        profile = net.fconv(x)
        profile = profile[:, :, self.crop:profile.shape[2] - self.crop]
        return profile, net.linear(x.mean(dim=2))


def convert(source, out, *options, expect=0):
    proc = subprocess.run(CONVERT + [source, out] + list(options), capture_output=True, text=True, env=ENV)
    require(proc.returncode == expect,
            f"convert-model {os.path.basename(source)} {' '.join(options)} exited {proc.returncode}, expected "
            f"{expect}\n  stderr: {proc.stderr.strip()[-3000:]}")
    if expect:
        require(not os.path.exists(out), f"{out} written by a failed conversion")
    return proc


def score(model_file, label, *options):
    prefix = os.path.join(TMP, label, "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    proc = subprocess.run(SCORE + ["--model", model_file, "--fasta", FASTA, "--out", prefix, "--threads", "2",
                                   "--quiet"] + list(options), capture_output=True, text=True)
    require(proc.returncode == 0, f"{label}: score-seqs exited {proc.returncode}\n  stderr: {proc.stderr[-2000:]}")
    return prefix


def check_graph_file(label, path, strands, out_length):
    """A version 2 file with test vectors, outputs profile [strands, out_length] and counts [1]."""
    arch, _, meta = safetensors_model.load(path)
    require(meta.get("version") == "2", f"{label}: model format version {meta.get('version')}, expected 2")
    require("test_vectors" in meta, f"{label}: no test vectors")
    names = [o["name"] for o in arch["outputs"]]
    require(names == TASKS, f"{label}: outputs {names}, expected {TASKS}")
    types = {layer["type"] for layer in arch["layers"]}
    require({"add", "conv1d", "dense"} <= types, f"{label}: layer types {sorted(types)}")
    shapes = {}
    MODEL_FILE.tensor_specs(arch, shapes)
    got = [tuple(shapes[o["layer"]]) for o in arch["outputs"]]
    require(got == [(strands, out_length), (1,)], f"{label}: output shapes {got}, expected "
                                                  f"[({strands}, {out_length}), (1,)]")


def check_against_torch(label, path, reference):
    """score-seqs' logits and grad-input scores of `path` against the torch
    module `reference` (returning profile [N, S, P], counts [N, 1])."""
    want = bpnet_models.task_values(reference, OHE)
    prefix = score(path, label + "-tsv", "--formats", "tsv")
    header, rows = cli_compare.read_predictions(prefix + ".predictions.tsv")
    col = {c: i for i, c in enumerate(header)}
    got = np.array([[float(r[col[f"{t}.logit"]]) for t in TASKS] for r in rows])
    problems = cli_compare.Problems(label)
    cli_compare.compare_values(problems, "logit", got, want, TOL, TOL,
                               lambda i: f"record {RECORDS[i[0]][0]} task {TASKS[i[1]]}")
    require(not problems, f"{label}: predictions differ from torch\n{problems.report()}")
    grads = np.stack([bpnet_models.gradients(reference, x) for x in OHE], axis=1)   # [task, N, 4, L]
    prefix = score(path, label + "-grad", "--method", "grad-input", "--reference", "zeros", "--formats", "npz")
    for t, task in enumerate(TASKS):
        for kind, expected in (("contrib", grads[t] * OHE), ("hyp", grads[t])):
            _, values = cli_compare.read_npz(f"{prefix}.{task}.{kind}.npz")
            require(values is not None and values.shape == expected.shape,
                    f"{label}: {task}.{kind}.npz has shape {None if values is None else values.shape}")
            scale = np.abs(expected).max(axis=(1, 2), keepdims=True)
            bad = np.abs(values - expected) > TOL * scale + 1e-9
            for n, c, pos in np.argwhere(bad)[:cli_compare.MAX_REPORTED]:
                problems.add(kind, f"task {task} record {RECORDS[n][0]} base {c} position {pos}: "
                                   f"expected {expected[n, c, pos]:.7g}, got {values[n, c, pos]:.7g}")
    require(not problems, f"{label}: grad-input differs from torch autograd\n{problems.report()}")


def export(net, path):
    """torch.onnx.export of a float32 copy with a dynamic batch axis: [N, 4, L]
    in, (profile, counts) out."""
    torch.onnx.export(copy.deepcopy(net).float().eval(), torch.zeros(1, 4, LENGTH, dtype=torch.float32), path,
                      input_names=["dna"], output_names=["profile", "counts"], dynamic_axes={"dna": {0: "batch"}})
    return path


@RUN.check
def bpnet_lite_onnx_matches_torch():
    for kind, seed in (("bpnet-lite", 1), ("keras", 2)):
        net = module(kind, seed)
        src = export(net, os.path.join(TMP, f"{kind}.onnx"))
        ops = {n.op_type for n in onnx.load(src).graph.node}
        require({"Conv", "Relu", "Add", "Slice", "ReduceMean", "Gemm", "Shape", "Gather"} <= ops,
                f"{kind}: the export lacks ops this test is about: {sorted(ops)}")
        out = os.path.join(TMP, f"{kind}.onnx.safetensors")
        convert(src, out, "--tasks", "profile,counts")
        check_graph_file(kind, out, 2, 120)
        check_against_torch(f"{kind}.onnx", out, net)


class FlatProfile(torch.nn.Module):
    """A model whose profile output is flattened to [N, S·P], as a Keras
    ChromBPNet's is (and tf2onnx keeps): still one profile task."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        profile, counts = self.net(x)
        return profile.flatten(1), counts


@RUN.check
def flattened_profile_onnx_is_a_profile_task():
    net = FlatProfile(module("keras", 4))
    src = os.path.join(TMP, "flat.onnx")
    torch.onnx.export(copy.deepcopy(net).float().eval(), torch.zeros(1, 4, LENGTH, dtype=torch.float32), src,
                      input_names=["dna"], output_names=["profile", "counts"])
    out = os.path.join(TMP, "flat.safetensors")
    convert(src, out)
    check_graph_file("flat", out, 2, 120)
    check_against_torch("flat.onnx", out, net)


@RUN.check
def bpnet_lite_pt_through_onnx_matches_torch():
    net = module("bpnet-lite", 3)
    path = os.path.join(TMP, "bpnet-lite.pt")
    torch.save(net, path)
    out = os.path.join(TMP, "bpnet-lite.pt.safetensors")
    convert(path, out, "--length", str(LENGTH))   # default task names: profile, counts
    check_graph_file("bpnet-lite.pt", out, 2, 120)
    check_against_torch("bpnet-lite.pt", out, net)
    convert(path, os.path.join(TMP, "nolength.safetensors"), expect=1)
    # The embedded test vectors (profile f, counts) catch a wrong graph at load:
    # the profile window shifted by one position.
    header = MODEL_FILE.read_header(out)
    arch, tensors, meta = safetensors_model.load(out)
    crop = next(layer for layer in arch["layers"] if layer["name"] == arch["outputs"][0]["layer"])
    require(crop["type"] == "crop1d", f"the profile output is a {crop['type']}, expected crop1d")
    crop["left"], crop["right"] = crop["left"] + 1, crop["right"] - 1
    bad = os.path.join(TMP, "shifted.safetensors")
    names = [n for n in header if n != "__metadata__"]
    MODEL_FILE.write_file(bad, arch, [(n, tensors[n]) for n in names], json.loads(meta["test_vectors"]))
    prefix = os.path.join(TMP, "shifted", "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    proc = subprocess.run(SCORE + ["--model", bad, "--fasta", FASTA, "--out", prefix, "--formats", "tsv", "--quiet"],
                          capture_output=True, text=True)
    require(proc.returncode == 2 and "test vector" in proc.stderr and "'profile'" in proc.stderr,
            f"a shifted profile loaded: exit {proc.returncode}\n{proc.stderr}")


LITE = """
import torch


class BPNet(torch.nn.Module):
    \"\"\"bpnet-lite's BPNet (bpnetlite/bpnet.py) as its authors write it, without
    control tracks: torch.nn.ReLU() made inside forward(), torch.add, the
    counts head concatenating log(0 + 1) for the absent control to the
    trunk's windowed mean (a Linear of n_filters + 1 inputs).\"\"\"

    def __init__(self, n_filters=16, n_layers=3, n_outputs=2, trimming=90):
        super().__init__()
        self.n_layers, self.trimming = n_layers, trimming
        self.iconv = torch.nn.Conv1d(4, n_filters, kernel_size=21, padding=10)
        self.rconvs = torch.nn.ModuleList([torch.nn.Conv1d(n_filters, n_filters, kernel_size=3, padding=2 ** i,
                                                           dilation=2 ** i) for i in range(1, n_layers + 1)])
        self.fconv = torch.nn.Conv1d(n_filters, n_outputs, kernel_size=75, padding=37)
        self.linear = torch.nn.Linear(n_filters + 1, 1)

    def forward(self, X, X_ctl=None):
        start, end = self.trimming, X.shape[2] - self.trimming
        X = torch.nn.ReLU()(self.iconv(X))
        for i in range(self.n_layers):
            X = torch.add(X, torch.nn.ReLU()(self.rconvs[i](X)))
        y_profile = self.fconv(X)[:, :, start:end]
        X_ctl = torch.zeros(X.shape[0], dtype=X.dtype).unsqueeze(-1)
        X = torch.mean(X[:, :, start - 37:end + 37], axis=2)
        X = torch.cat([X, torch.log(X_ctl + 1)], dim=-1)
        return y_profile, self.linear(X).reshape(X.shape[0], 1)
"""


@RUN.check
def bpnet_lite_as_written_converts():
    """The counts head's concatenated constant is folded into the dense bias;
    the module saved as bpnet-lite saves it (.torch) and its ONNX export
    (dynamic batch: torch.zeros(X.shape[0]) is a ConstantOfShape of a Shape)."""
    with open(os.path.join(TMP, "bpnetlite_model.py"), "w") as fh:
        fh.write(LITE)
    sys.path.insert(0, TMP)
    import bpnetlite_model
    torch.manual_seed(5)
    net = bpnet_models.as_float32(bpnetlite_model.BPNet().double().eval())
    with torch.no_grad():
        net.linear.weight[0, -1] = 0.75   # the constant's weight: must not matter (log 1 = 0)
    path = os.path.join(TMP, "bpnet.16.3.torch")
    torch.save(net, path)
    env = dict(ENV, PYTHONPATH=os.pathsep.join([TMP, ENV["PYTHONPATH"]]))
    out = os.path.join(TMP, "bpnet-lite-real.safetensors")
    proc = subprocess.run(CONVERT + [path, out, "--length", str(LENGTH)], capture_output=True, text=True, env=env)
    require(proc.returncode == 0, f"convert-model exited {proc.returncode}: {proc.stderr.strip()[-3000:]}")
    check_graph_file("bpnet-lite as written (.torch)", out, 2, 120)
    check_against_torch("bpnet-lite-real.torch", out, net)
    # Without its class importable (bpnetlite not installed for this python3) the
    # model is rebuilt from its saved layers: the same file.
    rebuilt = os.path.join(TMP, "bpnet-lite-rebuilt.safetensors")
    proc = convert(path, rebuilt, "--length", str(LENGTH))
    require("rebuilt" in proc.stderr, f"no note that the model was rebuilt: {proc.stderr.strip()}")
    with open(out, "rb") as a, open(rebuilt, "rb") as b:
        require(a.read() == b.read(), "the rebuilt bpnet-lite model converts to a different file")
    src = export(net, os.path.join(TMP, "bpnet-lite-real.onnx"))
    ops = {n.op_type for n in onnx.load(src).graph.node}
    require({"ConstantOfShape", "Log", "Concat"} <= ops, f"the export lacks the constant counts input: {sorted(ops)}")
    out = os.path.join(TMP, "bpnet-lite-real.onnx.safetensors")
    convert(src, out, "--tasks", "profile,counts")
    check_against_torch("bpnet-lite-real.onnx", out, net)


H5_CASES = [
    # (label, prefix, model_config, strands, options, crop)
    ("nobias-config", "wo_bias_", True, 1, [], 9),
    ("nobias-names", "wo_bias_", False, 2, ["--length", str(LENGTH), "--output-length", "160"], 9),
    ("bias-names", "", False, 1, ["--length", str(LENGTH), "--output-length", "178"], 0),
]


@RUN.check
def chrombpnet_h5_matches_keras_graph():
    for i, (label, prefix, config, strands, options, crop) in enumerate(H5_CASES):
        net = module("keras", 10 + i, n_strands=strands)
        path = os.path.join(TMP, f"{label}.h5")
        chrombpnet_h5.write(net, path, prefix=prefix, with_config=config, cropsize=crop)
        out = os.path.join(TMP, f"{label}.safetensors")
        convert(path, out, *options)
        check_graph_file(label, out, strands, 178 - 2 * crop)
        reference = KerasChromBPNet(net, crop)
        profile, _ = bpnet_models.outputs(reference, OHE[:1])
        require(profile.shape[1:] == (strands, 178 - 2 * crop), f"{label}: reference profile {profile.shape}")
        check_against_torch(label, out, reference)


@RUN.check
def h5_missing_layer_is_named():
    net = module("keras", 20)
    path = os.path.join(TMP, "gap.h5")
    chrombpnet_h5.write(net, path, prefix="wo_bias_", with_config=False, drop=[2])
    proc = convert(path, os.path.join(TMP, "gap.safetensors"), "--length", str(LENGTH), "--output-length", "160",
                   expect=1)
    require("bpnet_2conv" in proc.stderr, f"the message does not name the missing layer: {proc.stderr.strip()}")
    path = os.path.join(TMP, "nocounts.h5")
    names = chrombpnet_h5.write(net, path, prefix="wo_bias_", with_config=True, drop=["counts"])
    proc = convert(path, os.path.join(TMP, "nocounts.safetensors"), expect=1)
    require(names["counts"] in proc.stderr, f"the message does not name {names['counts']}: {proc.stderr.strip()}")
    # A model_config fixes the lengths: options that contradict it are refused, not ignored.
    path = os.path.join(TMP, "config.h5")
    chrombpnet_h5.write(net, path, prefix="wo_bias_", with_config=True, cropsize=9)
    for option, words in ((["--length", "500"], "fixes the input length"), (["--output-length", "100"],
                                                                              "--output-length")):
        proc = convert(path, os.path.join(TMP, "config.safetensors"), *option, expect=1)
        require(words in proc.stderr, f"{option}: unhelpful message: {proc.stderr.strip()}")
    path = os.path.join(TMP, "notkeras.h5")
    with open(path, "w") as fh:
        fh.write("not HDF5\n")
    proc = convert(path, os.path.join(TMP, "notkeras.safetensors"), expect=1)
    require("HDF5" in proc.stderr, f"unhelpful message: {proc.stderr.strip()}")


class StrandSlice(bpnet_models.BPNetLite):
    """Returns one strand of the profile: a Slice of the channel axis."""

    def forward(self, x):
        profile, counts = super().forward(x)
        return profile[:, :1], counts


@RUN.check
def unsupported_onnx_is_named():
    net = module("bpnet-lite", 30)
    src = export(net, os.path.join(TMP, "elu.onnx"))
    model = onnx.load(src)
    relu = next(n for n in model.graph.node if n.op_type == "Relu")
    elu = helper.make_node("Elu", list(relu.input), list(relu.output), name="trunk/Elu")
    nodes = [elu if n is relu else n for n in model.graph.node]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.save(model, src)
    proc = convert(src, os.path.join(TMP, "elu.safetensors"), "--tasks", "profile,counts", expect=1)
    require("Elu" in proc.stderr and "trunk/Elu" in proc.stderr, f"unhelpful message: {proc.stderr.strip()}")

    sliced = StrandSlice(**SHAPE)
    sliced.load_state_dict(net.state_dict())
    src = os.path.join(TMP, "strand.onnx")
    torch.onnx.export(sliced.float().eval(), torch.zeros(1, 4, LENGTH, dtype=torch.float32), src,
                      input_names=["dna"], output_names=["profile", "counts"])
    torch.set_default_dtype(torch.float64)
    proc = convert(src, os.path.join(TMP, "strand.safetensors"), expect=1)
    require("Slice" in proc.stderr and "axis 1" in proc.stderr, f"unhelpful message: {proc.stderr.strip()}")


sys.exit(RUN.run(set(os.environ["ONLY"].split(",")) if os.environ.get("ONLY") else None))
