#!/usr/bin/python3
"""End-to-end numeric test of `score-seqs` (docs/scoring.md, docs/outputs.md) against the
independent numpy reference (tests/tools/reference_deeplift.py).

Four random models (tests/tools/model_zoo.py, written by
scripts/write-model.py) x every method x the references gc:0.4,
freqs:0.25,0.25,0.25,0.25, gc:auto and zeros, on a FASTA of random 200 bp
records (mixed case, N and IUPAC codes, a `chr:start-end` record). Each run's
predictions.tsv, ohe/contrib/hyp .npz and bedGraph are compared with the
reference (logits 1e-4 relative / 1e-5 absolute; scores 1e-4 relative + 1e-4
of the record's largest score + 1e-5, widened where float32 rounding itself
moves the reference: see tests/tools/cli_compare.py), the bedGraph's order is
checked with `sort` and `bedtools merge`, and summation-to-delta is checked from the
binary's own outputs. Also: the defaults (revealcancel, gc:0.4), --tasks,
and the paper's toy cases through the CLI.

Run:  /usr/bin/python3 tests/scoring/test_score_seqs_vs_reference.py --bin BUILD [--source SRC]
      ... --self-check   runs the same comparisons against a float32 stand-in
                         built on the reference (no binary needed)
Fails (exit 1) when BUILD/score-seqs does not exist.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import cli_compare  # noqa: E402
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402


def options(ap):
    ap.add_argument("--self-check", action="store_true",
                    help="use the reference-based stand-in instead of BUILD/score-seqs")
    ap.add_argument("--sequences", type=int, default=40, help="records per FASTA (default 40)")
    ap.add_argument("--ism-sequences", type=int, default=8, help="records scored by ism (default 8)")


ARGS = script_test.parse_args(__doc__.split("\n\n")[0], options)
COMMAND = cli_compare.scorer_or_exit(ARGS)
METHODS = ("revealcancel", "rescale", "genomics-default", "grad-input", "ism")
REFERENCES = ("gc:0.4", "freqs:0.25,0.25,0.25,0.25", "gc:auto", "zeros")
SUMMATION = ("revealcancel", "rescale", "genomics-default")
MAX_SKIPPED = 0.2   # fraction of records a run may leave out as float-fragile

RUN = script_test.Runner("test_score_seqs_vs_reference", ARGS.keep)
TMP = RUN.tmp

MODELS = model_zoo.write_zoo(TMP, source=ARGS.source)
FASTA = os.path.join(TMP, "random.fa")
RECORDS = model_zoo.random_fasta(FASTA, ARGS.sequences, seed=7)
ISM_FASTA = os.path.join(TMP, "ism.fa")
ISM_RECORDS = model_zoo.random_fasta(ISM_FASTA, ARGS.ism_sequences, seed=8)
NETS = {kind: R.Network(*safetensors_model.load(path)[:2]) for kind, path in MODELS.items()}
NETS32 = {kind: R.Network(*safetensors_model.load(path)[:2], dtype=np.float32) for kind, path in MODELS.items()}
_expected = {}


def encoded(records):
    return [(name, R.one_hot(seq, name)) for name, seq in records]


def expected(kind, method, reference, records):
    key = (kind, method, reference, len(records))
    if key in _expected:
        return _expected[key]
    if method == "ism" and (kind, "ism", len(records)) in _expected:
        # ism ignores the reference: reuse the mutagenesis, recompute only ref_logits
        results = [dict(e) for e in _expected[(kind, "ism", len(records))]]
        for e, (name, ohe) in zip(results, encoded(records)):
            e["ref_logits"] = NETS[kind].logits(R.reference_for(reference, ohe))
    else:
        results = cli_compare.expected_scores(NETS[kind], NETS32[kind], encoded(records), reference,
                                              method, R.reference_for)
        if method == "ism":
            _expected[(kind, "ism", len(records))] = results
    _expected[key] = results
    return results


def slug(text):
    return text.replace(":", "_").replace(",", "_")


def score_and_compare(kind, method, reference, records, fasta, cli_options, tasks=None, label=None):
    net = NETS[kind]
    label = label or f"{kind} {method} {reference}"
    outdir = os.path.join(TMP, slug(f"{kind}.{method}.{reference}.{label.replace(' ', '_')}"))
    os.makedirs(outdir)
    prefix = os.path.join(outdir, "out")
    ok, message = cli_compare.run(COMMAND, ["--model", MODELS[kind], "--fasta", fasta, "--out", prefix]
                                  + cli_options, label)
    require(ok, message)
    want = expected(kind, method, reference, records)
    skipped = [(name, e["skip"]) for (name, _), e in zip(records, want) if e["skip"]]
    for name, why in skipped:
        print(f"  note: {label}: {name} not compared numerically (float-fragile: {why})")
    require(len(skipped) <= MAX_SKIPPED * len(records), f"{label}: {len(skipped)} records float-fragile")
    tasks = tasks or net.tasks
    produced = sorted(os.listdir(outdir))
    wanted = sorted(["out.predictions.tsv", "out.ohe.npz"]
                    + [f"out.{t}.{k}" for t in tasks for k in ("contrib.npz", "hyp.npz", "bedGraph")])
    problems = cli_compare.Problems(f"method={method} reference={reference} model={kind}")
    if produced != wanted:
        problems.add("files", f"output files {produced}, expected {wanted}")
    if all(os.path.exists(os.path.join(outdir, f)) for f in wanted):
        # docs/scoring.md: exact unless a maxpool window sees a varying reference
        exact = method in SUMMATION and all(R.summation_exact(net, R.reference_for(reference, ohe))
                                            for _, ohe in encoded(records))
        cli_compare.check_run(problems, prefix, net, encoded(records), want, method, tasks, summation=exact)
    require(not problems, f"{label}: outputs differ from the reference\n{problems.report()}")


def add_case(kind, method, reference):
    records, fasta = (ISM_RECORDS, ISM_FASTA) if method == "ism" else (RECORDS, FASTA)

    def case():
        score_and_compare(kind, method, reference, records, fasta,
                          ["--method", method, "--reference", reference,
                           "--formats", "bedgraph,npz,tsv", "--threads", "2"])
    case.__name__ = f"{kind}/{method}/{reference}"
    RUN.check(case)


for _kind in MODELS:
    for _method in METHODS:
        for _reference in REFERENCES:
            add_case(_kind, _method, _reference)


@RUN.check
def defaults_are_revealcancel_and_gc_0_4():
    score_and_compare("paper", "revealcancel", "gc:0.4", RECORDS, FASTA,
                      ["--formats", "bedgraph,npz,tsv", "--threads", "2"], label="paper defaults")


@RUN.check
def tasks_option_scores_only_the_named_task():
    score_and_compare("paper", "rescale", "gc:auto", RECORDS, FASTA,
                      ["--method", "rescale", "--reference", "gc:auto", "--tasks", "gata1",
                       "--formats", "bedgraph,npz,tsv", "--threads", "2"],
                      tasks=["gata1"], label="paper --tasks gata1")


def toy_model(name, length, activation, weights):
    arch = {"input": {"alphabet": "ACGT", "length": length}, "tasks": ["y"], "output": "linear",
            "layers": [{"type": "flatten"},
                       {"type": "dense", "name": "fc1", "in_features": 4 * length,
                        "out_features": weights["fc1.weight"].shape[0]},
                       {"type": "prelu", "name": "act1"} if activation == "prelu_shared" else {"type": activation},
                       {"type": "dense", "name": "out", "in_features": weights["fc1.weight"].shape[0],
                        "out_features": 1}]}
    return model_zoo.write_model(arch, os.path.join(TMP, name + ".safetensors"), weights=weights,
                                 source=ARGS.source)


def bedgraph_scores(prefix, task="y"):
    problems = cli_compare.Problems(prefix)
    values, _ = cli_compare.read_bedgraph(f"{prefix}.{task}.bedGraph", problems)
    require(not problems, problems.report())
    return [values[key] for key in sorted(values)]


@RUN.check
def paper_toy_cases_through_the_cli():
    """min(x1, x2) = x1 − relu(x1 − x2) on "AA" against zeros: RevealCancel
    0.5/0.5, Rescale 1/0; a saturated sigmoid: grad-input ≈ 0, DeepLIFT the
    full Δ (Shrikumar et al. 2017, Figs. 1 and 3)."""
    w1 = np.zeros((3, 8))
    w1[0, 0], w1[0, 1], w1[1, 0], w1[2, 0] = 1, -1, 1, -1
    min_model = toy_model("toy-min", 2, "relu", {"fc1.weight": w1, "fc1.bias": np.zeros(3),
                                                 "out.weight": np.array([[-1.0, 1, -1]]), "out.bias": np.zeros(1)})
    sat_model = toy_model("toy-sigmoid", 1, "sigmoid", {"fc1.weight": np.array([[20.0, 0, 0, 0]]),
                                                        "fc1.bias": np.zeros(1), "out.weight": np.array([[1.0]]),
                                                        "out.bias": np.zeros(1)})
    fasta_aa = os.path.join(TMP, "toy-aa.fa")
    fasta_a = os.path.join(TMP, "toy-a.fa")
    open(fasta_aa, "w").write(">toy\nAA\n")
    open(fasta_a, "w").write(">toy\nA\n")
    delta = 1 / (1 + np.exp(-20.0)) - 0.5
    cases = [(min_model, fasta_aa, "revealcancel", [0.5, 0.5], 1e-5),
             (min_model, fasta_aa, "genomics-default", [0.5, 0.5], 1e-5),
             (min_model, fasta_aa, "rescale", [1.0, 0.0], 1e-5),
             (sat_model, fasta_a, "revealcancel", [delta], 1e-5),
             (sat_model, fasta_a, "rescale", [delta], 1e-5),
             (sat_model, fasta_a, "grad-input", [0.0], 1e-6)]
    failures = []
    for model, fasta, method, want, tol in cases:
        prefix = os.path.join(TMP, f"toy-{os.path.basename(model)}-{method}")
        ok, message = cli_compare.run(COMMAND, ["--model", model, "--fasta", fasta, "--out", prefix,
                                                "--method", method, "--reference", "zeros",
                                                "--formats", "bedgraph", "--threads", "2"], method)
        if not ok:
            failures.append(message)
            continue
        got = bedgraph_scores(prefix)
        if not np.allclose(got, want, rtol=0, atol=tol):
            failures.append(f"{os.path.basename(model)} {method}: per-position scores {got}, expected {want}")
    require(not failures, "\n".join(failures))


@RUN.check
def rescale_guard_and_kinks_through_the_cli():
    """docs/scoring.md corner rules, read from hyp.npz (= m against zeros):
    |Δz| < 1e-7 -> f'(z_ref) with z_ref at the kink (ReLU 0, PReLU its
    slope), |Δz| just past 1e-7 -> Δy/Δz; grad-input at z == 0 exactly ->
    the left derivative. An output weight of 1e6 makes the tiny multipliers
    visible."""
    fasta = os.path.join(TMP, "guard-a.fa")
    open(fasta, "w").write(">g\nA\n")
    cases = [  # (activation, w_A, bias, method, expected m at A)
        ("relu", 5e-8, 0.0, "rescale", 0.0),            # fallback: ReLU'(0) = 0
        ("prelu", 5e-8, 0.0, "rescale", 1e6 * 0.25 * np.float32(5e-8)),   # fallback: PReLU'(0) = slope
        ("relu", 2e-7, 0.0, "rescale", 1e6 * np.float32(2e-7)),           # past the guard: Δy/Δz = 1
        ("relu", 1.0, -1.0, "grad-input", 0.0),          # z = 0: ReLU'(0) = 0
        ("prelu", 1.0, -1.0, "grad-input", 0.25),        # z = 0: PReLU'(0) = slope
    ]
    failures = []
    for n, (activation, w_a, bias, method, want) in enumerate(cases):
        weights = {"fc1.weight": np.array([[w_a, 0, 0, 0]]), "fc1.bias": np.array([bias]),
                   "out.weight": np.array([[1e6 if method == "rescale" else 1.0]]), "out.bias": np.zeros(1)}
        if activation == "prelu":
            weights["act1.weight"] = np.array([0.25])
        model = toy_model(f"guard{n}", 1, "prelu_shared" if activation == "prelu" else activation, weights)
        prefix = os.path.join(TMP, f"guard{n}")
        ok, message = cli_compare.run(COMMAND, ["--model", model, "--fasta", fasta, "--out", prefix,
                                                "--method", method, "--reference", "zeros",
                                                "--formats", "npz", "--threads", "2"], method)
        if not ok:
            failures.append(message)
            continue
        _, hyp = cli_compare.read_npz(prefix + ".y.hyp.npz")
        got = float(hyp[0, 0, 0])
        if abs(got - want) > 1e-6 + 1e-4 * abs(want):
            failures.append(f"{activation} w_A={w_a} bias={bias} {method}: multiplier at A {got:.7g}, expected {want:.7g}")
    require(not failures, "\n".join(failures))


if __name__ == "__main__":
    print(f"score-seqs: {' '.join(COMMAND)}; {len(RECORDS)} records ({len(ISM_RECORDS)} for ism)", flush=True)
    status = RUN.run(only=set(os.environ.get("ONLY", "").split(",")) - {""})
    print(f"(score-seqs ran {cli_compare.TIMING['runs']} times, {cli_compare.TIMING['seconds']:.0f} s in all)",
          file=sys.stderr)
    sys.exit(status)
