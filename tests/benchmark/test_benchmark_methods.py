#!/usr/bin/python3
"""scripts/benchmark-methods (issue 11): its metric code on tiny hand-made
inputs with answers worked out by hand, its PWM scan against the ground
truth simulate-motifs writes, and a --quick smoke run on a random model.

Run by ctest as: /usr/bin/python3 test_benchmark_methods.py --bin BUILD --source SRC
"""
import importlib.machinery
import importlib.util
import itertools
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from script_test import Runner, parse_args, require  # noqa: E402

ARGS = parse_args(__doc__.split("\n\n")[0])
SOURCE = os.path.abspath(ARGS.source)
SCRIPT = os.path.join(SOURCE, "scripts", "benchmark-methods")
_loader = importlib.machinery.SourceFileLoader("benchmark_methods", SCRIPT)
_spec = importlib.util.spec_from_loader("benchmark_methods", _loader)
bm = importlib.util.module_from_spec(_spec)
_loader.exec_module(bm)

runner = Runner("test_benchmark_methods", keep=ARGS.keep)


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol


# ---------------------------------------------------------------- auROC / AP

@runner.check
def auroc_and_ap_with_ties_by_hand():
    # scores 0.9 0.8 0.8 0.5 0.5 0.1, positives at 0.9, 0.8 (one of the tied
    # pair) and 0.5 (one of the tied pair).
    scores = np.array([0.9, 0.8, 0.8, 0.5, 0.5, 0.1])
    labels = np.array([1, 0, 1, 1, 0, 0])
    # auROC: 3 x 3 pairs; pos 0.9 beats all 3 negatives (3); pos 0.8 ties
    # neg 0.8 and beats 0.5, 0.1 (2.5); pos 0.5 loses to 0.8, ties 0.5, beats
    # 0.1 (1.5): 7 / 9.
    require(close(bm.auroc(scores, labels), 7 / 9), f"auROC {bm.auroc(scores, labels)} != 7/9")
    # AP over the distinct thresholds 0.9, 0.8, 0.5, 0.1: (TP, FP) = (1, 0),
    # (2, 1), (3, 2), (3, 3); recall 1/3, 2/3, 1, 1; precision 1, 2/3, 3/5, 1/2.
    # AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/5 + 0 * 1/2 = 34/45.
    ap = bm.average_precision(scores, labels)
    require(close(ap, 34 / 45), f"AP {ap} != 34/45")
    precision, recall = bm.precision_recall(scores, labels)
    require(np.allclose(precision, [1, 2 / 3, 3 / 5, 1 / 2]) and np.allclose(recall, [1 / 3, 2 / 3, 1, 1]),
            f"PR curve {precision} {recall}")
    # Average ranks: 3 1 3 2 -> 3.5 1 3.5 2.
    require(np.array_equal(bm.average_ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2]), "average ranks")
    # All tied: auROC 1/2, AP = prevalence. Perfectly separated: 1 and 1.
    require(close(bm.auroc(np.zeros(5), [1, 0, 0, 1, 0]), 0.5), "all-tied auROC")
    require(close(bm.average_precision(np.zeros(5), [1, 0, 0, 1, 0]), 0.4), "all-tied AP")
    require(close(bm.auroc([3, 2, 1], [1, 1, 0]), 1.0) and close(bm.average_precision([3, 2, 1], [1, 1, 0]), 1.0),
            "separated")
    require(math.isnan(bm.auroc([1, 2], [0, 0])), "auROC without positives is nan")


@runner.check
def auroc_and_ap_against_brute_force():
    """Pair counting and a per-threshold loop, on heavily tied random data."""
    rng = np.random.default_rng(5)
    for trial in range(20):
        n = int(rng.integers(5, 60))
        scores = rng.integers(0, 6, size=n).astype(float)
        labels = rng.random(n) < 0.3
        if labels.all() or not labels.any():
            continue
        pos, neg = scores[labels], scores[~labels]
        pairs = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p, q in itertools.product(pos, neg))
        want_auc = pairs / (len(pos) * len(neg))
        ap, last_recall = 0.0, 0.0
        for t in sorted(set(scores.tolist()), reverse=True):
            called = scores >= t
            tp = int(np.sum(called & labels))
            recall = tp / labels.sum()
            ap += (recall - last_recall) * tp / int(called.sum())
            last_recall = recall
        require(close(bm.auroc(scores, labels), want_auc, 1e-12), f"trial {trial}: auROC")
        require(close(bm.average_precision(scores, labels), ap, 1e-12), f"trial {trial}: AP")


# ---------------------------------------------------------------- the paper's protocol

@runner.check
def greedy_top5_suppression():
    # half = 3: a pick at j blanks [j - 3, j + 2).
    s = np.array([0, 1, 0, 0, 0, 0, 0, 0, 9, 8, 0, 0, 7, 0, 0, 0, 0, 6, 0, 5], dtype=float)
    # 8 (blanks 5..9, so 8 at index 9 goes), 12 (9..13), 17 (14..18), 19
    # (16..20), then the best left is 1 at index 1.
    got = bm.top_hits(s, 5, 3)
    require(got == [8, 12, 17, 19, 1], f"picks {got} != [8, 12, 17, 19, 1]")
    require(s[8] == 9, "top_hits must not modify its input")
    # Left-edge quirk: the best hit at j = 2 < 3; Python's s[-1:4] is empty,
    # nothing is blanked and the same hit is picked five times.
    s = np.array([5, 0, 9, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6], dtype=float)
    got = bm.top_hits(s, 5, 3, edge_quirk=True)
    require(got == [2, 2, 2, 2, 2], f"quirk picks {got}")
    # Without it: 2 blanks 0..3, 9 blanks 6..10, 19 blanks 16..19, then the
    # first zero left is 4 (blanks 1..5), then 11.
    got = bm.top_hits(s, 5, 3, edge_quirk=False)
    require(got == [2, 9, 19, 4, 11], f"clipped picks {got}")
    # j == half is not the quirk: [0, 2 half - 1) is blanked.
    s = np.array([0, 0, 0, 9, 8, 0, 0, 7], dtype=float)
    got = bm.top_hits(s, 2, 3)
    require(got == [3, 7], f"picks at j == half {got}")


@runner.check
def log_odds_matrix_by_hand():
    pwms = bm.read_meme(os.path.join(SOURCE, "data", "motifs", "gata_tal.meme"))
    lo = bm.log_odds_matrix(pwms["GATA_disc1"])
    # Row 4 of GATA_disc1 is 0 0 1 0: p' = p (1 - 0.001) + 0.00025 =
    # 0.00025, 0.00025, 0.99925, 0.00025; minus ln .3 .2 .2 .3:
    # ln(0.00025/0.3) = -7.090077, ln(0.00025/0.2) = -6.684612,
    # ln(0.99925/0.2) = ln 4.99625 = 1.608688.
    want = [-7.090077, -6.684612, 1.608688, -7.090077]
    require(np.allclose(lo[3], want, atol=1e-6), f"row 4 {lo[3]} != {want}")
    # Row 1: 0.322751 0.185185 0.359789 0.132275 -> p' 0.322678 0.185250
    # 0.359679 0.132393 -> 0.072873 -0.076612 0.586895 -0.818010.
    require(np.allclose(lo[0], [0.072873, -0.076612, 0.586895, -0.818010], atol=1e-6), f"row 1 {lo[0]}")
    # docs/simulation.md (benchmark protocol): the largest possible scores are about 11.0 and 15.3.
    best = {m: bm.log_odds_matrix(p).max(axis=1).sum() for m, p in pwms.items()}
    require(abs(best["GATA_disc1"] - 11.0) < 0.05 and abs(best["TAL1_known1"] - 15.3) < 0.05, f"max {best}")


@runner.check
def scan_and_window_sums():
    # One planted consensus: the valid scan peaks at its start with the
    # matrix's best total; window sums over [j, j + w) by hand.
    pwm = bm.read_meme(os.path.join(SOURCE, "data", "motifs", "gata_tal.meme"))["GATA_disc1"]
    lo = bm.log_odds_matrix(pwm)
    consensus = "".join("ACGT"[i] for i in pwm.argmax(axis=1))
    seq = "T" * 7 + consensus + "T" * 13
    scan = bm.scan_forward(bm.one_hot([seq]), lo)
    require(scan.shape == (1, 21), f"valid length {scan.shape}")
    require(int(np.argmax(scan[0])) == 7 and close(scan[0, 7], lo.max(axis=1).sum(), 1e-9), "scan peak")
    scores = np.arange(30, dtype=float)[None, :]
    sums = bm.window_sums(scores, np.array([[0, 7, 20]]), 10)
    require(np.array_equal(sums, [[45, 115, 245]]), f"window sums {sums}")


@runner.check
def scan_matches_simulated_truth():
    """At every embedded instance the scan, with the sampling pseudocount
    1e-4, equals the log-odds simulate-motifs wrote in its BED (docs/simulation.md)."""
    if not ARGS.bin:
        raise AssertionError("needs --bin")
    prefix = os.path.join(runner.tmp, "truth")
    subprocess.run([os.path.join(ARGS.bin, "simulate-motifs"), "--n", "60", "--seed", "3", "--quiet",
                    "--motifs", os.path.join(SOURCE, "data", "motifs", "gata_tal.meme"), "--out", prefix],
                   check=True)
    names, seqs = bm.read_fasta(prefix + ".fa")
    onehot = bm.one_hot(seqs)
    pwms = bm.read_meme(os.path.join(SOURCE, "data", "motifs", "gata_tal.meme"))
    scans = {m: bm.scan_forward(onehot, bm.log_odds_matrix(p, pseudocount=1e-4)) for m, p in pwms.items()}
    row = {n: i for i, n in enumerate(names)}
    count = 0
    with open(prefix + ".motifs.bed") as bed:
        for line in bed:
            rec, start, _, motif, score, strand = line.split("\t")[:6]
            require(strand.strip() == "+", "forward strand by default")
            got = scans[motif][row[rec], int(start)]
            require(abs(got - float(score)) < 1e-4, f"{rec}:{start} {motif}: scan {got} != BED {score}")
            count += 1
    require(count > 30, f"only {count} instances")


# ---------------------------------------------------------------- the script end to end

@runner.check
def smoke_quick_run():
    if not ARGS.bin:
        raise AssertionError("needs --bin")
    model = os.path.join(runner.tmp, "random.safetensors")
    subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "write-model.py"),
                    os.path.join(SOURCE, "data", "archs", "example-random.json"), model, "--seed", "4"],
                   check=True, capture_output=True)
    out = os.path.join(runner.tmp, "results", "benchmark")
    methods = ["revealcancel", "rescale", "grad-input", "genomics-default@shuffle:2", "ism"]
    result = subprocess.run([SCRIPT, "--model", model, "--bin", ARGS.bin, "--quick", "--n", "40",
                             "--threads", "2", "--out", out, "--methods", ",".join(methods)],
                            capture_output=True, text=True, timeout=300)
    require(result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}")
    require("| revealcancel | gc:0.4 |" in result.stdout, "table on stdout")
    with open(out + ".tsv") as tsv:
        header = tsv.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in tsv]
    require(header == ["method", "reference", "task", "metric", "value"], f"header {header}")
    have = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    expected = [("revealcancel", "gc:0.4"), ("rescale", "gc:0.4"), ("grad-input", "gc:0.4"),
                ("genomics-default", "shuffle:2"), ("ism", "none")]
    for method, reference in expected:
        require((method, reference, "all", "seconds") in have, f"no seconds row for {method}")
        for task in ("both", "gata1", "tal1"):
            for metric in ("auroc", "auprc"):
                value = float(have.get((method, reference, task, metric), "nan"))
                require(0.0 <= value <= 1.0, f"{method} {reference} {task} {metric} = {value}")
        for task, metric in [("both", "fn_rate.GATA_disc1+TAL1_known1.both"),
                             ("gata1", "fn_rate.GATA_disc1.gata_only"), ("tal1", "fn_rate.TAL1_known1.tal1_only"),
                             ("gata1", "wrong_pos_rate.TAL1_known1.tal1_only")]:
            require((method, reference, task, metric) in have, f"no {metric} row for {method} {task}")
    for suffix in (".md", "_pr.png", "_scatter.png", "_logos.png"):
        require(os.path.getsize(out + suffix) > 0, f"{suffix} missing or empty")
    for suffix in ("_pr.png", "_scatter.png", "_logos.png"):
        with open(out + suffix, "rb") as png:
            require(png.read(8) == b"\x89PNG\r\n\x1a\n", f"{suffix} is not a PNG")
    leftovers = [f for f in os.listdir(out + ".work") if f.endswith(".npz")]
    require(not leftovers, f"score npz files left behind: {leftovers}")


@runner.check
def test_split_and_bad_options():
    if not ARGS.bin:
        raise AssertionError("needs --bin")
    model = os.path.join(runner.tmp, "split.safetensors")
    subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "write-model.py"),
                    os.path.join(SOURCE, "data", "archs", "example-random.json"), model],
                   check=True, capture_output=True)
    out = os.path.join(runner.tmp, "split", "b")
    result = subprocess.run([SCRIPT, "--model", model, "--bin", ARGS.bin, "--n", "100", "--split", "test",
                             "--no-plots", "--threads", "2", "--methods", "grad-input", "--out", out],
                            capture_output=True, text=True, timeout=120)
    require(result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}")
    with open(out + ".md") as md:
        require("10 sequences (test)" in md.read(), "the test split of 100 is 10 sequences")
    require(not os.path.exists(out + "_pr.png"), "--no-plots wrote a figure")
    result = subprocess.run([SCRIPT, "--model", os.path.join(runner.tmp, "missing.safetensors"),
                             "--bin", ARGS.bin], capture_output=True, text=True, timeout=60)
    require(result.returncode == 1 and "can't open" in result.stderr, f"missing model: {result.returncode}")


sys.exit(runner.run(only=os.environ.get("ONLY", "").split(",") if os.environ.get("ONLY") else None))
