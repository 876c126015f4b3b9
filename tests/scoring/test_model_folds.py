#!/usr/bin/python3
"""`score-seqs --model A --model B` (the folds of one experiment, issue 18):
per-base scores and hypothetical contributions are the mean over the models,
predictions are reported per model (docs/scoring.md "Several models",
docs/outputs.md "predictions.tsv").

- Two models of the paper's architecture with different weights, under
  revealcancel vs gc:0.4, rescale vs shuffle:3 (shuffles seeded per window,
  the same for every model) and ism, on records of one window and one record
  of two overlapping windows: each npz row (contrib, hyp) of the two-model
  run equals the mean of the two single-model runs' rows (1e-6 of the
  array's largest value: float32 rounding of the mean), the bedGraph the
  mean of theirs (to its 7 printed digits), ohe.npz is the same bytes, and
  each model's predictions columns (model1.<task>…, model2.<task>…) are
  the single runs' columns character for character.
- Against the independent float64 reference (tests/tools/reference_deeplift.py):
  the revealcancel/gc:0.4 hypothetical contributions are the mean of the
  reference's per-model H, and each model's logits its own.
- Graph models with a profile and a counts task (tests/tools/bpnet_models.py),
  vs shuffle:2: two bpnet-lite folds as above; a bpnet-lite module with its
  Keras-style twin (other layers, the same input length and tasks) likewise,
  but its predictions to float32 rounding (the batch is the smaller of the
  two models').
- Tasks are matched by name: fold 0 with its output rows and task names in
  reverse order, averaged with fold 0, gives fold 0's own scores.
- Models that disagree (input length, a scored task missing, a task of
  another kind, output kind) fail with exit 2, a message naming both files
  and what differs, and no output; models that differ only in tasks not
  scored (--tasks) are fine.

Run:  /usr/bin/python3 tests/scoring/test_model_folds.py --bin BUILD [--source SRC]
      ONLY=name1,name2 runs a subset of the checks; --keep keeps the files.
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import cli_compare  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
COMMAND = cli_compare.scorer_or_exit(ARGS)
RUN = script_test.Runner("test_model_folds", ARGS.keep)
TMP = RUN.tmp

# Two folds: one architecture, different weights.
FOLDS = [model_zoo.write_model(model_zoo.PAPER, os.path.join(TMP, f"fold{i}.safetensors"), seed=31 + i,
                               source=ARGS.source) for i in range(2)]
FASTA = os.path.join(TMP, "records.fa")
RECORDS = model_zoo.random_fasta(FASTA, 5, length=200, seed=23)
_long = "".join(np.random.default_rng(24).choice(list("ACGT"), size=260))
with open(FASTA, "a") as _fh:  # two overlapping windows: 0-200 and 60-260
    _fh.write(">long\n" + _long + "\n")


def score(models, fasta, out, options):
    """Runs score-seqs with each of `models` as a --model; returns the prefix."""
    os.makedirs(out)
    prefix = os.path.join(out, "p")
    command = ["--fasta", fasta, "--out", prefix] + options
    for model in models:
        command += ["--model", model]
    ok, message = cli_compare.run(COMMAND, command, os.path.basename(out))
    require(ok, message)
    return prefix


def npz(prefix, name):
    return np.load(f"{prefix}.{name}.npz")["arr_0"]


def check_mean(label, singles, together, tasks):
    """The ensemble's npz rows and tracks are the mean of the single runs'."""
    for task in tasks:
        for kind in ("contrib", "hyp"):
            want = np.mean([npz(p, f"{task}.{kind}").astype(np.float64) for p in singles], axis=0)
            got = npz(together, f"{task}.{kind}")
            require(got.shape == want.shape, f"{label}: {task}.{kind} shape {got.shape}, expected {want.shape}")
            scale = max(np.abs(want).max(), 1e-30)
            worst = np.abs(got - want).max() / scale
            require(worst <= 1e-6, f"{label}: {task}.{kind}.npz is not the mean of the single runs "
                                   f"(largest difference {worst:.3g} of the largest value)")
        problems = cli_compare.Problems(label)
        tracks = [cli_compare.read_bedgraph(f"{p}.{task}.bedGraph", problems)[0] for p in singles]
        got = cli_compare.read_bedgraph(f"{together}.{task}.bedGraph", problems)[0]
        require(not problems, problems.report())
        require(sorted(got) == sorted(tracks[0]), f"{label}: {task}.bedGraph covers other bases")
        keys = sorted(got)
        want = np.mean([[t[k] for k in keys] for t in tracks], axis=0)
        scale = np.abs(want).max()
        cli_compare.compare_values(problems, "track", [got[k] for k in keys], want, 2e-6, 1e-6 * scale,
                                   lambda i: f"{task}.bedGraph {keys[i[0]]}")
        require(not problems, f"{label}: the bedGraph is not the mean of the single runs\n{problems.report()}")
    with open(f"{singles[0]}.ohe.npz", "rb") as a, open(f"{together}.ohe.npz", "rb") as b:
        require(a.read() == b.read(), f"{label}: ohe.npz differs from a single run's")


def check_predictions(label, singles, together, exact=True):
    """Each model's columns, prefixed model<i>., are its single run's,
    character for character; to float32 rounding (1e-6) when not `exact`."""
    header, rows = cli_compare.read_predictions(f"{together}.predictions.tsv")
    expected_header, expected_rows = ["name"], None
    for i, prefix in enumerate(singles, 1):
        single_header, single_rows = cli_compare.read_predictions(f"{prefix}.predictions.tsv")
        expected_header += [f"model{i}.{column}" for column in single_header[1:]]
        expected_rows = ([row[:1] for row in single_rows] if expected_rows is None else expected_rows)
        expected_rows = [have + row[1:] for have, row in zip(expected_rows, single_rows)]
    require(header == expected_header, f"{label}: predictions header\n  {header}\nexpected\n  {expected_header}")
    if exact:
        require(rows == expected_rows, f"{label}: predictions rows differ from the single runs' "
                                       f"(first: {rows[:1]} vs {expected_rows[:1]})")
        return
    require([row[0] for row in rows] == [row[0] for row in expected_rows], f"{label}: predictions row names differ")
    problems = cli_compare.Problems(label)
    cli_compare.compare_values(problems, "prediction", [[float(v) for v in row[1:]] for row in rows],
                               [[float(v) for v in row[1:]] for row in expected_rows], 1e-6, 1e-6,
                               lambda i: f"row {rows[i[0]][0]} column {header[1 + i[1]]}")
    require(not problems, f"{label}: predictions differ from the single runs'\n{problems.report()}")


TASKS = R.Network(*safetensors_model.load(FOLDS[0])[:2]).tasks
RUNS = {}


def add_fold_case(method, reference):
    def case():
        options = ["--method", method, "--reference", reference, "--formats", "bedgraph,npz,tsv", "--threads", "2"]
        tag = f"{method}.{reference.replace(':', '_')}"
        singles = [score([model], FASTA, os.path.join(TMP, f"{tag}.fold{i}"), options)
                   for i, model in enumerate(FOLDS)]
        together = score(FOLDS, FASTA, os.path.join(TMP, f"{tag}.both"), options)
        require("mean of 2 models" in cli_compare.LAST_STDERR[0] or "--quiet" in options,
                f"summary line does not name the models: {cli_compare.LAST_STDERR[0]!r}")
        check_mean(tag, singles, together, TASKS)
        check_predictions(tag, singles, together)
        with open(f"{together}.{TASKS[0]}.bedGraph") as fh:
            track = fh.readline()
        require("mean of 2 models" in track, f"{tag}: the track line does not name the models: {track!r}")
        RUNS[(method, reference)] = together
    case.__name__ = f"two_folds_are_averaged/{method}/{reference}"
    RUN.check(case)


for _method, _reference in [("revealcancel", "gc:0.4"), ("rescale", "shuffle:3"), ("ism", "gc:0.4")]:
    add_fold_case(_method, _reference)


@RUN.check
def two_folds_against_the_float64_reference():
    """The mean of the reference's own per-model results (independent of score-seqs)."""
    together = RUNS.get(("revealcancel", "gc:0.4")) or score(
        FOLDS, FASTA, os.path.join(TMP, "reference.both"),
        ["--method", "revealcancel", "--reference", "gc:0.4", "--formats", "npz,tsv", "--threads", "2", "--quiet"])
    nets = [R.Network(*safetensors_model.load(path)[:2]) for path in FOLDS]
    nets32 = [R.Network(*safetensors_model.load(path)[:2], dtype=np.float32) for path in FOLDS]
    records = [(name, R.one_hot(seq, name)) for name, seq in RECORDS]
    per_model = [cli_compare.expected_scores(net, net32, records, "gc:0.4", "revealcancel", R.reference_for)
                 for net, net32 in zip(nets, nets32)]
    _, rows = cli_compare.read_predictions(f"{together}.predictions.tsv")
    problems = cli_compare.Problems("two folds vs reference")
    compared = 0
    for n, (name, _) in enumerate(records):
        results = [model[n] for model in per_model]
        # Logits per model: columns logit, prob, ref_logit per task, model after model.
        for m, result in enumerate(results):
            got = [float(rows[n][1 + 3 * (m * len(TASKS) + t)]) for t in range(len(TASKS))]
            cli_compare.compare_values(problems, "logit", got, result["logits"], 1e-4, 1e-5,
                                       lambda i, m=m: f"{name} model{m + 1} task {TASKS[i[0]]} logit")
        if any(r["skip"] for r in results):
            print(f"  note: {name} not compared numerically (float-fragile)")
            continue
        compared += 1
        want = np.mean([r["H"] for r in results], axis=0)
        spread = np.sum([r["spread_H"] for r in results], axis=0)
        for t, task in enumerate(TASKS):
            got = npz(together, f"{task}.hyp")[n]
            tol = cli_compare.score_tolerance(want[t], spread[t], np.abs(want[t]).max())
            cli_compare.compare_values(problems, "hyp", got, want[t], 1e-4, tol,
                                       lambda i, task=task: f"{name} {task} H{list(i)}")
    require(compared >= 3, f"only {compared} records compared")
    require(not problems, problems.report())


@RUN.check
def graph_models_with_profile_and_counts_are_averaged():
    """Two folds of a bpnet-lite layout (the same layers, other weights), and
    one of them with its Keras-style twin (other layers: the batch is the
    smaller of the two models', which moves the twin's logits by float32
    rounding; docs/decisions.md)."""
    import bpnet_models
    folds = [bpnet_models.write(bpnet_models.as_float32(bpnet_models.make("bpnet-lite", 50 + i, 1.5)),
                                os.path.join(TMP, f"lite{i}.safetensors"), source=ARGS.source, seed=50 + i)
             for i in range(2)]
    keras = bpnet_models.write(bpnet_models.as_float32(bpnet_models.make("keras", 52, 1.5)),
                               os.path.join(TMP, "keras.safetensors"), source=ARGS.source, seed=52)
    fasta = os.path.join(TMP, "graph.fa")
    length = bpnet_models.SMALL["length"]
    model_zoo.random_fasta(fasta, 3, length=length, seed=25, region_name=f"chr2:1001-{1000 + length}")
    options = ["--reference", "shuffle:2", "--tasks", "profile,counts", "--formats", "bedgraph,npz,tsv",
               "--threads", "2", "--quiet"]
    singles = {name: score([model], fasta, os.path.join(TMP, f"graph.{name}"), options)
               for name, model in [("lite0", folds[0]), ("lite1", folds[1]), ("keras", keras)]}
    together = score(folds, fasta, os.path.join(TMP, "graph.folds"), options)
    check_mean("graph folds", [singles["lite0"], singles["lite1"]], together, ["profile", "counts"])
    check_predictions("graph folds", [singles["lite0"], singles["lite1"]], together)
    together = score([folds[0], keras], fasta, os.path.join(TMP, "graph.twins"), options)
    check_mean("graph twins", [singles["lite0"], singles["keras"]], together, ["profile", "counts"])
    check_predictions("graph twins", [singles["lite0"], singles["keras"]], together, exact=False)


@RUN.check
def tasks_are_matched_by_name():
    """A copy of fold 0 whose output rows (and task names) are in reverse
    order: the same function, so the mean with fold 0 is fold 0's own scores,
    and each model's columns are fold 0's predictions."""
    arch, tensors, _ = safetensors_model.load(FOLDS[0])
    arch = json.loads(json.dumps(arch))
    arch["tasks"] = arch["tasks"][::-1]
    tensors = {name: np.asarray(value) for name, value in tensors.items()}
    tensors["out.weight"], tensors["out.bias"] = tensors["out.weight"][::-1], tensors["out.bias"][::-1]
    reversed_fold = model_zoo.write_model(arch, os.path.join(TMP, "reversed.safetensors"), weights=tensors,
                                          source=ARGS.source)
    options = ["--reference", "gc:0.4", "--formats", "npz,tsv", "--threads", "2", "--quiet"]
    single = score([FOLDS[0]], FASTA, os.path.join(TMP, "byname.single"), options)
    together = score([FOLDS[0], reversed_fold], FASTA, os.path.join(TMP, "byname.both"), options)
    for task in TASKS:
        for kind in ("contrib", "hyp"):
            want, got = npz(single, f"{task}.{kind}"), npz(together, f"{task}.{kind}")
            worst = np.abs(got - want).max() / np.abs(want).max()
            require(worst <= 1e-6, f"{task}.{kind}: {worst:.3g} of the largest value from fold 0's own")
    check_predictions("by name", [single, single], together, exact=False)


def arch_with(change):
    arch = json.loads(json.dumps(model_zoo.PAPER))
    change(arch)
    return arch


@RUN.check
def models_that_disagree_are_an_error():
    def write(name, arch):
        return model_zoo.write_model(arch, os.path.join(TMP, name), seed=40, source=ARGS.source)

    def shorter(arch):  # 100 bp: 86 conv positions, one pooled position of 20 filters
        arch["input"]["length"] = 100
        next(layer for layer in arch["layers"] if layer["type"] == "dense")["in_features"] = 20
    short = write("short.safetensors", arch_with(shorter))
    renamed = write("renamed.safetensors", arch_with(lambda a: a["tasks"].__setitem__(1, "gata2")))
    softmax = write("softmax.safetensors", arch_with(lambda a: a.__setitem__("output", "softmax")))
    first = FOLDS[0]
    rows = [
        ("input length", [first, short], [], ["short.safetensors' takes 100 bp", "200 bp", "same input length"]),
        ("task names", [first, renamed], [], [f"task '{TASKS[1]}' of '", "is not in '", "renamed.safetensors'",
                                               "its tasks: " + ", ".join([TASKS[0], "gata2"] + TASKS[2:])]),
        ("task names, second first", [renamed, first], ["--tasks", "gata2"], ["task 'gata2' of '", "is not in '"]),
        ("output kind", [first, softmax], [], ["softmax.safetensors' has a softmax output", "sigmoid output"]),
    ]
    for label, models, extra, needles in rows:
        out = os.path.join(TMP, "mismatch." + label.replace(" ", "_").replace(",", ""))
        os.makedirs(out)
        command = list(COMMAND) + ["--fasta", FASTA, "--out", os.path.join(out, "p")] + extra
        for model in models:
            command += ["--model", model]
        proc = subprocess.run(command, capture_output=True, text=True)
        require(proc.returncode == 2, f"{label}: exit {proc.returncode}, expected 2: {proc.stderr}")
        message = proc.stderr.strip()
        require(message.startswith("score-seqs: ") and "differ" in message, f"{label}: message {message!r}")
        for path in models:  # both files named
            require(os.path.basename(path) in message, f"{label}: {os.path.basename(path)} not named in {message!r}")
        for needle in needles:
            require(needle in message, f"{label}: {needle!r} not in {message!r}")
        require(os.listdir(out) == [], f"{label}: output left behind: {os.listdir(out)}")
    # Only the scored tasks must agree.
    out = score([first, renamed], FASTA, os.path.join(TMP, "mismatch.scored_tasks_agree"),
                ["--tasks", TASKS[0], "--formats", "tsv", "--quiet"])
    header, _ = cli_compare.read_predictions(f"{out}.predictions.tsv")
    require(header == ["name"] + [f"model{m}.{TASKS[0]}.{c}" for m in (1, 2) for c in ("logit", "prob", "ref_logit")],
            f"--tasks {TASKS[0]}: header {header}")


@RUN.check
def a_profile_task_must_be_a_profile_task_in_every_model():
    import bpnet_models
    lite = bpnet_models.write(bpnet_models.as_float32(bpnet_models.make("bpnet-lite", 60)),
                              os.path.join(TMP, "lite.safetensors"), source=ARGS.source)
    length = bpnet_models.SMALL["length"]
    # A layer stack whose two scalar rows are named like the graph's tasks.
    scalar = {"input": {"alphabet": "ACGT", "length": length}, "tasks": ["profile", "counts"], "output": "linear",
              "layers": [{"type": "flatten"}, {"type": "dense", "name": "out", "in_features": 4 * length,
                                                "out_features": 2}]}
    scalar_path = model_zoo.write_model(scalar, os.path.join(TMP, "scalar.safetensors"), seed=3, source=ARGS.source)
    out = os.path.join(TMP, "mismatch.kind")
    os.makedirs(out)
    fasta = os.path.join(TMP, "kind.fa")
    model_zoo.random_fasta(fasta, 1, length=length, seed=26, region_name=f"chr2:1001-{1000 + length}")
    proc = subprocess.run(COMMAND + ["--model", lite, "--model", scalar_path, "--fasta", fasta,
                                     "--out", os.path.join(out, "p")], capture_output=True, text=True)
    require(proc.returncode == 2, f"exit {proc.returncode}, expected 2: {proc.stderr}")
    for needle in ["task 'profile' is a scalar task in '", "scalar.safetensors", "but a profile task in '",
                   "lite.safetensors"]:
        require(needle in proc.stderr, f"{needle!r} not in {proc.stderr!r}")
    require(os.listdir(out) == [], f"output left behind: {os.listdir(out)}")


if __name__ == "__main__":
    status = RUN.run(only=set(os.environ.get("ONLY", "").split(",")) - {""})
    print(f"(score-seqs ran {cli_compare.TIMING['runs']} times, {cli_compare.TIMING['seconds']:.0f} s in all)",
          file=sys.stderr)
    sys.exit(status)
