#!/usr/bin/python3
"""`score-seqs --reference npz:FILE` (docs/scoring.md, "References") against
the independent numpy reference (tests/tools/reference_deeplift.py): K
user-given references per window, (N, K, 4, L) and (K, 4, L), scores,
hypothetical scores and reference logits the mean over the K references; and
the file's errors (wrong shape, too few or too many windows) exit 2 naming
the file and leave no output.

Run:  /usr/bin/python3 tests/scoring/test_npz_references.py --bin BUILD [--source SRC]
"""
import glob
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import model_zoo  # noqa: E402
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
RUN = script_test.Runner("test_npz_references", ARGS.keep)
TMP = RUN.tmp
SCORE_SEQS = os.path.join(ARGS.bin or "", "score-seqs")
MODEL = model_zoo.write_zoo(TMP, source=ARGS.source, kinds=["paper"])["paper"]
NET = R.Network(*safetensors_model.load(MODEL)[:2])
FASTA = os.path.join(TMP, "seqs.fa")
RECORDS = model_zoo.random_fasta(FASTA, 5, seed=11)
L = 200
K = 3
RNG = np.random.default_rng(5)
# Soft references (any float values are allowed) and one-hot ones.
REFS = RNG.dirichlet(np.ones(4), size=(len(RECORDS), K, L)).transpose(0, 1, 3, 2).astype(np.float32)
REFS[:, 0] = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, size=(len(RECORDS), L))].transpose(0, 2, 1)


def score_seqs(reference, out, method="rescale", check=True):
    cmd = [SCORE_SEQS, "-q", "-m", MODEL, "-f", FASTA, "--method", method, "--reference", reference,
           "--formats", "npz,tsv", "-o", out]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if check:
        require(result.returncode == 0, f"{' '.join(cmd)} exited {result.returncode}: {result.stderr}")
    return result


def expected(refs_of, method):
    """Per task: contrib, hyp [N, 4, L] and ref_logits [N, T], the mean over K."""
    contrib, hyp, ref_logits = [], [], []
    for n, (name, seq) in enumerate(RECORDS):
        ohe = R.one_hot(seq, name)
        outs = [R.score(NET, ohe, refs_of(n)[k].astype(np.float64), method) for k in range(K)]
        contrib.append(np.mean([o["contrib"] for o in outs], axis=0))
        hyp.append(np.mean([o["H"] for o in outs], axis=0))
        ref_logits.append(np.mean([o["ref_logits"] for o in outs], axis=0))
    return np.array(contrib), np.array(hyp), np.array(ref_logits)


def compare(prefix, refs_of, method):
    contrib, hyp, ref_logits = expected(refs_of, method)
    tasks = safetensors_model.load(MODEL)[0]["tasks"]
    for t, task in enumerate(tasks):
        for kind, want in (("contrib", contrib[:, t]), ("hyp", hyp[:, t])):
            got = np.load(f"{prefix}.{task}.{kind}.npz")["arr_0"]
            require(got.shape == want.shape, f"{kind} {task}: shape {got.shape}, expected {want.shape}")
            scale = np.abs(want).max()
            error = np.abs(got - want).max()
            require(error <= 1e-4 * scale + 1e-6, f"{method} {kind} {task}: max error {error:g} (scale {scale:g})")
    with open(prefix + ".predictions.tsv") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in fh]
    for t, task in enumerate(tasks):
        column = header.index(f"{task}.ref_logit")
        got = np.array([float(row[column]) for row in rows])
        require(np.allclose(got, ref_logits[:, t], rtol=1e-4, atol=1e-5), f"{task}.ref_logit {got} vs {ref_logits[:, t]}")


@RUN.check
def per_window_references_match_the_reference_implementation():
    path = os.path.join(TMP, "refs.npz")
    np.savez(path, REFS)
    for method in ("rescale", "revealcancel", "grad-input"):
        prefix = os.path.join(TMP, f"per-window-{method}")
        score_seqs("npz:" + path, prefix, method)
        compare(prefix, lambda n: REFS[n], method)


@RUN.check
def shared_references_apply_to_every_window():
    path = os.path.join(TMP, "shared.npz")
    np.savez(path, REFS[0])
    prefix = os.path.join(TMP, "shared")
    score_seqs("npz:" + path, prefix, "genomics-default")
    compare(prefix, lambda n: REFS[0], "genomics-default")


@RUN.check
def a_bad_reference_file_is_an_error_naming_it_and_leaves_nothing():
    cases = {
        "wrong-length.npz": REFS[:, :, :, :100],
        "too-few.npz": REFS[:3],
        "too-many.npz": np.concatenate([REFS, REFS[:1]]),
        "five-rows.npz": np.zeros((2, 5, L), dtype=np.float32),
    }
    for name, array in cases.items():
        path = os.path.join(TMP, name)
        np.savez(path, array)
        prefix = os.path.join(TMP, "bad-" + name)
        result = score_seqs("npz:" + path, prefix, check=False)
        require(result.returncode == 2, f"{name}: exit {result.returncode}, stderr {result.stderr}")
        require(name in result.stderr, f"{name}: the message does not name the file: {result.stderr}")
        require(not glob.glob(prefix + "*"), f"{name}: output left behind: {glob.glob(prefix + '*')}")


sys.exit(RUN.run())
