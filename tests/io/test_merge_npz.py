#!/usr/bin/python3
"""`merge-npz` on the npz files of `score-seqs --peaks --shard K/N` runs
(docs/outputs.md, "Shards"): the merged arrays are an unsharded run's.

The example genome (scripts/make-example-genome), a narrowPeak made here from
its peaks (22 peaks, so 3 shards hold 8, 7 and 7; summits at varied offsets,
one without a summit) and the example architecture with random weights
(scripts/write-model.py). Checked:
- shards 1/3..3/3 merged by merge-npz give the unsharded run's ohe.npz
  exactly and each task's hyp.npz and contrib.npz to float rounding (1e-5 of
  the array's largest value: a shard's batches hold other windows, so the
  summation order inside matrix products differs); shapes and float32 dtype
  as numpy loads them;
- the CLI contract: --help on stdout (exit 0), no arguments → usage (exit 1),
  shards out of order or of another kind → exit 2, a message naming the file
  and no output, not even a temporary file.

Run:  /usr/bin/python3 tests/io/test_merge_npz.py --bin BUILD [--source SRC]
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
RUN = script_test.Runner("test_merge_npz", ARGS.keep)
TMP = RUN.tmp
SHARDS = 3


def run(*args):
    return subprocess.run(list(map(str, args)), capture_output=True, text=True)


def must(result, what):
    require(result.returncode == 0, f"{what} failed ({result.returncode}): {result.stderr}")
    return result


ARCH = os.path.join(ARGS.source, "data", "archs", "example-random.json")
with open(ARCH) as _f:
    TASKS = json.load(_f)["tasks"]
MODEL = os.path.join(TMP, "model.safetensors")
must(run(sys.executable, os.path.join(ARGS.source, "scripts", "write-model.py"), ARCH, MODEL, "--seed", 7),
     "write-model.py")
must(run(os.path.join(ARGS.source, "scripts", "make-example-genome"), TMP), "make-example-genome")
GENOME = os.path.join(TMP, "genome.fa")
PEAKS = os.path.join(TMP, "peaks.narrowPeak")
with open(os.path.join(TMP, "peaks.bed")) as _bed, open(PEAKS, "w") as _out:
    for _i, _line in enumerate(_bed):
        _chrom, _start, _end = _line.split()[:3]
        _offset = -1 if _i == 4 else (37 * _i) % (int(_end) - int(_start))
        _out.write(f"{_chrom}\t{_start}\t{_end}\tpeak{_i}\t0\t.\t1.5\t-1\t2.5\t{_offset}\n")
    N_PEAKS = _i + 1


def score(prefix, *extra):
    return must(run(os.path.join(ARGS.bin, "score-seqs"), "-m", MODEL, "--genome", GENOME, "--peaks", PEAKS,
                    "--method", "rescale", "--reference", "gc:0.4", "--formats", "npz", "--threads", 2,
                    "--quiet", "-o", prefix, *extra), f"score-seqs {' '.join(extra)}")


def load(path):
    with np.load(path) as archive:
        require(list(archive.keys()) == ["arr_0"], f"{path} holds {list(archive.keys())}")
        return archive["arr_0"]


KINDS = ["ohe"] + [f"{task}.{what}" for task in TASKS for what in ("hyp", "contrib")]
WHOLE = os.path.join(TMP, "whole")
SHARD = [os.path.join(TMP, f"shard{k}") for k in range(1, SHARDS + 1)]


@RUN.check
def merged_shards_equal_the_unsharded_run():
    score(WHOLE)
    for k, prefix in enumerate(SHARD, start=1):
        score(prefix, "--shard", f"{k}/{SHARDS}")
    counts = [load(f"{p}.ohe.npz").shape[0] for p in SHARD]
    require(counts == [8, 7, 7] and N_PEAKS == 22, f"fixture: shard rows {counts} of {N_PEAKS} peaks")
    for kind in KINDS:
        merged = os.path.join(TMP, f"merged.{kind}.npz")
        result = must(run(os.path.join(ARGS.bin, "merge-npz"), "--out", merged,
                          *[f"{p}.{kind}.npz" for p in SHARD]), f"merge-npz {kind}")
        require(f"({N_PEAKS} rows)" in result.stderr, f"summary: {result.stderr!r}")
        whole, joined = load(f"{WHOLE}.{kind}.npz"), load(merged)
        require(joined.dtype == np.float32 and joined.shape == whole.shape == (N_PEAKS, 4, 200),
                f"{kind}: merged {joined.dtype} {joined.shape}, unsharded {whole.shape}")
        if kind == "ohe":
            require(np.array_equal(joined, whole), "ohe: merged rows differ from the unsharded rows")
        else:
            scale = np.abs(whole).max()
            require(scale > 0 and np.allclose(joined, whole, rtol=0, atol=1e-5 * scale),
                    f"{kind}: merged rows differ by up to {np.abs(joined - whole).max()} (scale {scale})")
    # Rows really are reordered: shard 1 alone is not the first rows.
    whole_ohe = load(f"{WHOLE}.ohe.npz")
    require(not np.array_equal(whole_ohe[:8], load(f"{SHARD[0]}.ohe.npz")), "fixture: peaks 1..8 differ from 1,4,..")


@RUN.check
def command_line_contract():
    merge = os.path.join(ARGS.bin, "merge-npz")
    result = run(merge, "--help")
    require(result.returncode == 0 and "Usage: merge-npz" in result.stdout, f"--help: {result.returncode}")
    result = run(merge)
    require(result.returncode == 1 and "Usage: merge-npz" in result.stderr, f"no arguments: {result.returncode}")
    bad_dir = os.path.join(TMP, "bad")
    os.makedirs(bad_dir)
    out = os.path.join(bad_dir, "merged.npz")
    wide = os.path.join(TMP, "wide.npz")  # rows of another length, as from another model
    np.savez(wide, np.zeros((7, 4, 201), np.float32))
    cases = [("shard 1 after shard 2", [f"{SHARD[1]}.ohe.npz", f"{SHARD[0]}.ohe.npz", f"{SHARD[2]}.ohe.npz"],
              f"{SHARD[0]}.ohe.npz"),
             ("rows of another length", [f"{SHARD[0]}.ohe.npz", wide, f"{SHARD[2]}.ohe.npz"], wide),
             ("a missing shard", [f"{SHARD[0]}.ohe.npz", os.path.join(TMP, "missing.npz")],
              os.path.join(TMP, "missing.npz"))]
    for label, inputs, culprit in cases:
        result = run(merge, "--out", out, *inputs)
        require(result.returncode == 2 and f"'{culprit}'" in result.stderr,
                f"{label}: exit {result.returncode}, message {result.stderr!r} should name {culprit}")
        require(os.listdir(bad_dir) == [], f"{label}: left behind {os.listdir(bad_dir)}")

if __name__ == "__main__":
    sys.exit(RUN.run())
