#!/usr/bin/env python3
"""CLI contract of train-model (docs/contributing.md, "Command-line conventions") on a tiny
fixture made here: usage and exit codes, every input error named with its
file and line, outputs that appear only when training succeeds, a model
file that score-seqs reads, a metrics JSON with the per-epoch history, and
bit-identical outputs for one seed whatever the thread count, and nothing
left behind by a run stopped with SIGINT.

Run by ctest as: python3 test_train_model_cli.py --bin BUILD --source SRC
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from script_test import Runner, parse_args, require  # noqa: E402

ARGS = parse_args(__doc__)
RUN = Runner("train_model_cli", keep=ARGS.keep)
TRAIN = os.path.join(ARGS.bin, "train-model")
SCORE = os.path.join(ARGS.bin, "score-seqs")
LENGTH = 60
ARCH = {
    "input": {"alphabet": "ACGT", "length": LENGTH},
    "tasks": ["gata1", "tal1"],
    "output": "sigmoid",
    "layers": [
        {"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 8, "kernel_size": 6},
        {"type": "relu"},
        {"type": "maxpool1d", "kernel_size": LENGTH - 5},
        {"type": "flatten"},
        {"type": "dense", "name": "out", "in_features": 8, "out_features": 2},
    ],
}


def path(name):
    return os.path.join(RUN.tmp, name)


def write(name, text):
    with open(path(name), "w") as handle:
        handle.write(text)
    return path(name)


def make_fixture(count=1000, seed=5):
    """Random 60 bp sequences; GATAAG embedded with probability 1/2, CAGATG with
    1/3; labels by presence. Returns (fasta, labels) texts with a split
    column (every 10th record valid, the next one test)."""
    rng = random.Random(seed)
    fasta, rows = [], ["name\tgata1\ttal1\tsplit"]
    for n in range(count):
        seq = [rng.choice("ACGT") for _ in range(LENGTH)]
        for motif, rate in (("GATAAG", 1 / 2), ("CAGATG", 1 / 3)):
            if rng.random() < rate:
                start = rng.randrange(LENGTH - len(motif) + 1)
                seq[start:start + len(motif)] = motif
        seq = "".join(seq)
        split = "test" if n % 10 == 1 else "valid" if n % 10 == 0 else "train"
        fasta.append(f">s{n}\n{seq}\n")
        rows.append(f"s{n}\t{int('GATAAG' in seq)}\t{int('CAGATG' in seq)}\t{split}")
    return "".join(fasta), "\n".join(rows) + "\n"


FASTA_TEXT, LABELS_TEXT = make_fixture()
write("seqs.fa", FASTA_TEXT)
write("labels.tsv", LABELS_TEXT)
write("arch.json", json.dumps(ARCH))


def train(*extra, out="model.safetensors", labels="labels.tsv", fasta="seqs.fa", arch="arch.json"):
    """Runs train-model; `extra` options override the fast defaults below."""
    options = {"--epochs": "10", "--seed": "3", "--lr": "0.01", "--batch-size": "32"}
    for i, word in enumerate(extra):
        if word in options and i + 1 < len(extra):
            options[word] = None
    cmd = [TRAIN, "--fasta", path(fasta), "--labels", path(labels), "--arch", path(arch), "--out", path(out)]
    for key, value in options.items():
        if value is not None:
            cmd += [key, value]
    return subprocess.run(cmd + list(extra), capture_output=True, text=True, timeout=300)


def expect_failure(result, code, *needles):
    require(result.returncode == code, f"exit {result.returncode}, expected {code}; stderr: {result.stderr}")
    require(result.stderr.startswith("train-model: "), f"stderr does not start with 'train-model: ': {result.stderr}")
    for needle in needles:
        require(needle in result.stderr, f"'{needle}' not in: {result.stderr}")
    require(result.stdout == "", f"stdout not empty: {result.stdout}")


@RUN.check
def usage_and_help():
    bare = subprocess.run([TRAIN], capture_output=True, text=True)
    require(bare.returncode == 1 and bare.stdout == "" and "Usage: train-model" in bare.stderr, "no-argument usage")
    shown = subprocess.run([TRAIN, "--help"], capture_output=True, text=True)
    require(shown.returncode == 0 and "Usage: train-model" in shown.stdout and shown.stderr == "", "--help")
    for default in ("--batch-size arg (=128)", "--lr arg (=0.001)", "--patience arg (=5)"):
        require(default in shown.stdout, f"--help does not show '{default}'")
    bad = subprocess.run([TRAIN, "--bogus"], capture_output=True, text=True)
    require(bad.returncode == 1 and "train-model: " in bad.stderr, "unknown option must exit 1")
    missing = subprocess.run([TRAIN, "--fasta", "x.fa"], capture_output=True, text=True)
    require(missing.returncode == 1, "missing required options must exit 1")


@RUN.check
def bad_option_values_exit_1_listing_all():
    result = train("--batch-size", "0", "--lr", "-1", "--neg-weights", "1,x")
    expect_failure(result, 1, "batch size", "learning rate", "--neg-weights")
    expect_failure(train("--neg-weights", "1,2,3"), 1, "3 values for 2 tasks")


@RUN.check
def input_errors_exit_2_naming_file_and_line():
    expect_failure(train(fasta="absent.fa"), 2, "can't open", "absent.fa")
    lines = LABELS_TEXT.splitlines()
    write("bad_value.tsv", "\n".join(lines[:5] + [lines[5].replace("\t0\t", "\t7\t", 1).replace("\t1\t", "\t7\t", 1)] + lines[6:]) + "\n")
    expect_failure(train(labels="bad_value.tsv"), 2, "bad_value.tsv' line 6", "is not 0 or 1")
    write("dup.tsv", LABELS_TEXT + lines[3] + "\n")
    expect_failure(train(labels="dup.tsv"), 2, "dup.tsv' line 1002", "listed again (first on line 4)")
    write("extra.tsv", LABELS_TEXT + "nowhere\t0\t1\ttrain\n")
    expect_failure(train(labels="extra.tsv"), 2, "extra.tsv' line 1002", "'nowhere' is not in")
    write("tasks.tsv", LABELS_TEXT.replace("gata1\ttal1", "gata1\tzeb2", 1))
    expect_failure(train(labels="tasks.tsv"), 2, "tasks.tsv' line 1", "missing: tal1", "not in the architecture: zeb2")
    write("short.fa", FASTA_TEXT + ">orphan\nACGT\n")
    expect_failure(train(fasta="short.fa"), 2, "record 'orphan' has no row")
    linear = dict(ARCH, output="linear")
    write("linear.json", json.dumps(linear))
    expect_failure(train(arch="linear.json"), 2, "linear.json", "\"linear\"")
    for name in ("model.safetensors", "model.metrics.json"):
        require(not os.path.exists(path(name)), f"{name} left behind by a failed run")
    leftovers = [f for f in os.listdir(RUN.tmp) if ".tmp" in f]
    require(not leftovers, f"temporary files left behind: {leftovers}")


@RUN.check
def trains_and_writes_model_and_metrics():
    result = train("--threads", "2")
    require(result.returncode == 0, f"exit {result.returncode}: {result.stderr}")
    require(result.stdout == "", "nothing on stdout")
    epoch_lines = [l for l in result.stderr.splitlines() if "] epoch " in l]
    require(len(epoch_lines) == 10, f"expected 10 progress lines:\n{result.stderr}")
    for field in ("epoch 1/10", "train loss", "valid loss", "gata1 auROC", "tal1 auROC", "auPRC", " s"):
        require(field in epoch_lines[0], f"progress line lacks '{field}': {epoch_lines[0]}")
    with open(path("model.metrics.json")) as handle:
        metrics = json.load(handle)
    require(metrics["tasks"] == ["gata1", "tal1"], "tasks")
    require(len(metrics["history"]) == 10, "history has one entry per epoch")
    require(metrics["data"] == {"train": 800, "valid": 100, "test": 100, "split": metrics["data"]["split"]}, str(metrics["data"]))
    best = metrics["best_epoch"]
    require(1 <= best <= 10, f"best epoch {best}")
    require(metrics["final"]["valid"]["loss"] == metrics["history"][best - 1]["valid_loss"], "final = best epoch")
    require(metrics["final"]["valid"]["loss"] < metrics["initial_valid"]["loss"], "validation loss went down")
    # GATAAG is learnt within a few epochs (CAGATG, rarer, takes longer).
    auroc = metrics["final"]["test"]["tasks"]["gata1"]["auroc"]
    require(auroc is not None and auroc > 0.8, f"test auROC of gata1: {auroc}")
    require(set(metrics["final"]["test"]["tasks"]) == {"gata1", "tal1"}, "test metrics per task")
    # score-seqs reads the model back.
    scored = subprocess.run([SCORE, "-m", path("model.safetensors"), "-f", path("seqs.fa"), "-o", path("scored"),
                             "--formats", "tsv", "--quiet"], capture_output=True, text=True, timeout=120)
    require(scored.returncode == 0, f"score-seqs on the trained model: {scored.stderr}")
    with open(path("scored.predictions.tsv")) as handle:
        require(sum(1 for _ in handle) == 1001, "one prediction per record")


@RUN.check
def quiet_and_repeatable_across_thread_counts():
    first = train("--threads", "1", "--quiet", out="one.safetensors")
    second = train("--threads", "2", "--quiet", out="two.safetensors")
    require(first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr)
    require(first.stderr == "" and second.stderr == "", "--quiet must silence stderr")
    for a, b in (("one.safetensors", "two.safetensors"), ("one.metrics.json", "two.metrics.json")):
        with open(path(a), "rb") as x, open(path(b), "rb") as y:
            require(x.read() == y.read(), f"{a} and {b} differ: training depends on the thread count")


@RUN.check
def interrupted_run_leaves_nothing():
    cmd = [TRAIN, "--fasta", path("seqs.fa"), "--labels", path("labels.tsv"), "--arch", path("arch.json"),
           "--out", path("stopped.safetensors"), "--epochs", "1000000", "--patience", "0", "--seed", "1", "--quiet"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    require(process.poll() is None, "train-model ended before it could be interrupted")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    require(process.returncode == 128 + signal.SIGINT, f"exit {process.returncode} after SIGINT: {stderr}")
    require(stderr.startswith("train-model: "), f"message: {stderr}")
    left = [f for f in os.listdir(RUN.tmp) if f.startswith("stopped") or f.startswith(".stopped")]
    require(not left, f"files left by an interrupted run: {left}")


sys.exit(RUN.run())
