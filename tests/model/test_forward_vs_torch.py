#!/usr/bin/python3
"""Forward pass of `score-seqs` against PyTorch (docs/model-format.md, docs/outputs.md predictions).

For the four model kinds of tests/tools/model_zoo.py (the paper
architecture; 'same' padding with stride and dilation; per-position PReLU;
softmax), written by scripts/write-model.py with fixed seeds, runs
`score-seqs --model M --fasta F --out P --formats tsv` and compares
<task>.logit, <task>.prob and <task>.ref_logit (the default gc:0.4
reference) with torch.nn modules built from the same float32 tensors
(float64 arithmetic), to 1e-5 (relative and absolute). Also: results do not
depend on --batch-size/--threads, and a model carrying test_vectors metadata
loads, while one whose test vectors disagree with its weights is refused.

Run:  /usr/bin/python3 tests/model/test_forward_vs_torch.py --bin BUILD [--source SRC]
      ... --self-check   the same comparisons against the reference-based stand-in
Fails (exit 1) when BUILD/score-seqs does not exist.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import cli_compare  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
import torch_model  # noqa: E402
from script_test import require  # noqa: E402


def options(ap):
    ap.add_argument("--self-check", action="store_true",
                    help="use the reference-based stand-in instead of BUILD/score-seqs")


ARGS = script_test.parse_args(__doc__.split("\n\n")[0], options)
COMMAND = cli_compare.scorer_or_exit(ARGS)
RUN = script_test.Runner("test_forward_vs_torch", ARGS.keep)
TMP = RUN.tmp

MODELS = model_zoo.write_zoo(TMP, source=ARGS.source)
FASTA = os.path.join(TMP, "random.fa")
RECORDS = model_zoo.random_fasta(FASTA, 24, seed=3)
OHE = np.stack([R.one_hot(seq, name) for name, seq in RECORDS])
NAMES = [name for name, _ in RECORDS]
GC_04 = np.repeat(np.array([0.3, 0.2, 0.2, 0.3])[:, None], 200, axis=1)


def torch_expected(path):
    """(tasks, output, logits [N,T], probs [N,T] or None, ref_logits [T]) from torch."""
    arch, tensors, _ = safetensors_model.load(path)
    net = torch_model.build(arch, tensors)   # softmax: mean-normalised logits (docs/scoring.md, docs/outputs.md)
    logits = torch_model.logits(net, OHE)
    ref_logits = torch_model.logits(net, GC_04[None])[0]
    if arch["output"] == "sigmoid":
        probs = 1 / (1 + np.exp(-logits))
    elif arch["output"] == "softmax":
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    else:
        probs = None
    return arch["tasks"], arch["output"], logits, probs, ref_logits


def predictions(path, options, label):
    outdir = os.path.join(TMP, label)
    os.makedirs(outdir, exist_ok=True)
    prefix = os.path.join(outdir, "out")
    ok, message = cli_compare.run(COMMAND, ["--model", path, "--fasta", FASTA, "--out", prefix,
                                            "--formats", "tsv"] + options, label)
    require(ok, message)
    produced = sorted(os.listdir(outdir))
    require(produced == ["out.predictions.tsv"], f"{label}: --formats tsv wrote {produced}")
    return cli_compare.read_predictions(prefix + ".predictions.tsv")


def compare(label, path, header, rows):
    tasks, output, logits, probs, ref_logits = torch_expected(path)
    problems = cli_compare.Problems(label)
    want_cols = ["name"] + [c for t in tasks for c in
                            ([f"{t}.logit"] + ([f"{t}.prob"] if output != "linear" else []) + [f"{t}.ref_logit"])]
    if sorted(header) != sorted(want_cols) or header[0] != "name":
        problems.add("columns", f"columns {header}, expected {want_cols}")
    if [r[0] for r in rows] != NAMES:
        problems.add("names", f"row names {[r[0] for r in rows][:4]}..., expected input order {NAMES[:4]}...")
    col = {c: i for i, c in enumerate(header)}
    if not problems:
        for k, t in enumerate(tasks):
            got = np.array([float(r[col[f"{t}.logit"]]) for r in rows])
            cli_compare.compare_values(problems, "logit", got, logits[:, k], 1e-5, 1e-5,
                                       lambda i: f"task {t} sequence {NAMES[i[0]]} logit")
            if probs is not None:
                got = np.array([float(r[col[f"{t}.prob"]]) for r in rows])
                cli_compare.compare_values(problems, "prob", got, probs[:, k], 1e-5, 1e-5,
                                           lambda i: f"task {t} sequence {NAMES[i[0]]} prob")
            got = np.array([float(r[col[f"{t}.ref_logit"]]) for r in rows])
            cli_compare.compare_values(problems, "ref_logit", got, np.full(len(rows), ref_logits[k]), 1e-5, 1e-5,
                                       lambda i: f"task {t} sequence {NAMES[i[0]]} ref_logit (gc:0.4)")
    require(not problems, f"{label}: predictions differ from torch\n{problems.report()}")


def add_case(kind):
    def case():
        header, rows = predictions(MODELS[kind], ["--threads", "2"], f"{kind}")
        compare(kind, MODELS[kind], header, rows)
    case.__name__ = f"{kind}_logits_match_torch"
    RUN.check(case)


for _kind in MODELS:
    add_case(_kind)


@RUN.check
def batch_size_and_threads_do_not_change_results():
    for kind in ("paper", "softmax"):
        for options in (["--batch-size", "1", "--threads", "1"], ["--batch-size", "7", "--threads", "2"],
                        ["--batch-size", "1000", "--threads", "2"]):
            label = f"{kind}{''.join(options).replace('--', '_')}"
            header, rows = predictions(MODELS[kind], options, label)
            compare(label, MODELS[kind], header, rows)


def rewrite_metadata(src, dst, change):
    """Copy a safetensors file with change(metadata) applied to its header."""
    blob = open(src, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    change(header["__metadata__"])
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    open(dst, "wb").write(struct.pack("<Q", len(text)) + text + blob[8 + n:])


@RUN.check
def test_vectors_are_checked_at_load():
    """write-model.py --test-vectors embeds one-hot inputs and their raw logits
    (docs/model-format.md): such a model scores as usual; a copy whose expected logits are
    off by 0.5 must be refused (non-zero exit, no output)."""
    arch, seed, scale = model_zoo.MODELS["paper"]
    good = model_zoo.write_model(arch, os.path.join(TMP, "tv.safetensors"), seed, scale, source=ARGS.source,
                                 extra=["--test-vectors", "2"])
    header, rows = predictions(good, ["--threads", "2"], "test-vectors")
    compare("test-vectors", good, header, rows)

    def spoil(meta):
        vectors = json.loads(meta["test_vectors"])
        vectors["logits"][0][0] += 0.5
        meta["test_vectors"] = json.dumps(vectors)
    bad = os.path.join(TMP, "tv-bad.safetensors")
    rewrite_metadata(good, bad, spoil)
    outdir = os.path.join(TMP, "tv-bad")
    os.makedirs(outdir)
    ok, _ = cli_compare.run(COMMAND, ["--model", bad, "--fasta", FASTA, "--out", os.path.join(outdir, "out"),
                                      "--formats", "tsv"], "tv-bad")
    require(not ok, "a model whose test_vectors disagree with its weights was accepted")
    require(os.listdir(outdir) == [], f"a refused model left output: {os.listdir(outdir)}")


if __name__ == "__main__":
    print(f"score-seqs: {' '.join(COMMAND)}", flush=True)
    status = RUN.run(only=set(os.environ.get("ONLY", "").split(",")) - {""})
    print(f"(score-seqs ran {cli_compare.TIMING['runs']} times, {cli_compare.TIMING['seconds']:.0f} s in all)",
          file=sys.stderr)
    sys.exit(status)
