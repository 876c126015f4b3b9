#!/usr/bin/python3
"""score-seqs is deterministic (issue 10): the same input gives byte-identical
output files across runs and across --threads 1 and 2.

Checked for revealcancel against gc:0.4 (one shared reference) and
shuffle:3 (per-window references drawn from a seeded generator keyed by
record and window, so no thread draws from another's stream), and with two
models (--model twice) against shuffle:3, on records
that are longer than the model input (overlapping windows averaged),
shorter (--pad), soft-masked and holding N.

Why it holds: a batch always holds the same windows whatever the thread
count (a chunk is a whole number of batches), each batch is computed by one
thread alone, and results are written in input order. The exception is
--batch-size: a different batch size changes the matrix shapes of the
GEMMs, and Eigen's blocking (hence the float rounding) depends on them, so
outputs may differ in the last bits between batch sizes (docs/decisions.md).

Run by ctest as: python3 test_determinism.py --bin BUILD --source SRC
"""
import argparse
import filecmp
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import Checker, listing, random_dna, run, write_fasta, write_paper_model  # noqa: E402


def records(rng):
    out = []
    for i in range(150):
        length = int(rng.choice([200, 200, 260, 431, 1000, 150]))
        sequence = list(random_dna(rng, length))
        if i % 7 == 0:  # soft-masked stretch
            sequence[10:60] = [c.lower() for c in sequence[10:60]]
        if i % 11 == 0:  # an assembly gap
            sequence[80:95] = ["N"] * 15
        out.append((f"seq{i}", "".join(sequence)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    exe = os.path.join(args.bin, "score-seqs")
    checker = Checker()

    with tempfile.TemporaryDirectory(prefix="deeplift_determinism_") as work:
        model = write_paper_model(os.path.join(work, "model.safetensors"))
        fasta = write_fasta(os.path.join(work, "seqs.fa"), records(np.random.default_rng(12)))
        for reference in ["gc:0.4", "shuffle:3"]:
            runs = {}
            for label, threads in [("threads1_a", 1), ("threads1_b", 1), ("threads2", 2)]:
                out = os.path.join(work, reference.replace(":", "_") + "_" + label)
                os.makedirs(out)
                # A small batch size gives many batches, so two threads really interleave.
                result = run([exe, "--model", model, "--fasta", fasta, "--out", os.path.join(out, "p"), "--pad",
                              "--method", "revealcancel", "--reference", reference, "--threads", threads,
                              "--batch-size", 16, "--formats", "bedgraph,bigwig,npz,tsv", "--quiet"])
                checker.check(result.returncode == 0, f"{reference} {label}: exit {result.returncode}: {result.stderr}")
                runs[label] = out
            files = listing(runs["threads1_a"])
            checker.check(len(files) == 14, f"{reference}: expected 14 output files, got {files}")
            for label in ["threads1_b", "threads2"]:
                checker.check(listing(runs[label]) == files, f"{reference} {label}: different file set")
                for name in files:
                    same = filecmp.cmp(os.path.join(runs["threads1_a"], name), os.path.join(runs[label], name),
                                       shallow=False)
                    checker.check(same, f"{reference}: {name} differs between threads1_a and {label}")
        # Two models (--model twice, docs/scoring.md "Several models"): each
        # batch is scored by every model in turn, and their sum is taken in
        # model order, so the mean is the same bytes whatever the threads.
        second = write_paper_model(os.path.join(work, "model2.safetensors"), seed=5)
        runs = {}
        for label, threads in [("threads1", 1), ("threads2", 2)]:
            out = os.path.join(work, "two_models_" + label)
            os.makedirs(out)
            result = run([exe, "--model", model, "--model", second, "--fasta", fasta, "--out", os.path.join(out, "p"),
                          "--pad", "--reference", "shuffle:3", "--threads", threads, "--batch-size", 16,
                          "--formats", "bedgraph,npz,tsv", "--quiet"])
            checker.check(result.returncode == 0, f"two models {label}: exit {result.returncode}: {result.stderr}")
            runs[label] = out
        files = listing(runs["threads1"])
        checker.check(len(files) == 11 and listing(runs["threads2"]) == files, f"two models: output files {files}")
        for name in files:
            same = filecmp.cmp(os.path.join(runs["threads1"], name), os.path.join(runs["threads2"], name),
                               shallow=False)
            checker.check(same, f"two models: {name} differs between --threads 1 and 2")
    return checker.finish()


if __name__ == "__main__":
    sys.exit(main())
