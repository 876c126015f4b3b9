#!/usr/bin/env python3
"""End to end: find-motifs on score arrays written by numpy, the way
score-seqs writes them (docs/outputs.md), finds the planted GATA_disc1 consensus
and names it after the right motif in data/motifs/gata_tal.meme; and the CLI
contract (docs/contributing.md, "Command-line conventions").

The fixture is made here, not committed: random sequence (A .3 C .2 G .2
T .3) in which 2 of every 3 sequences hold GATA_disc1's consensus GCAGATAAGG
(on either strand); per-position scores are 1 +- 0.25 on planted bases and
N(0, 0.1) elsewhere; contrib = one-hot * score; hyp = score at the observed
base and -score/3 at the others on planted bases, small noise elsewhere.

Run by ctest as: python3 test_find_motifs_cli.py --bin BUILD --source SRC
Prints "N passed, M failed" last; exits non-zero on any failure.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

PASSED = []
FAILED = []

GATA = "GCAGATAAGG"


def check(condition, message):
    (PASSED if condition else FAILED).append(message)
    if not condition:
        print("FAIL:", message, file=sys.stderr)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def reverse_complement(s):
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def write_fixture(prefix, task, n=400, length=200, seed=3):
    rng = np.random.default_rng(seed)
    seqs = rng.choice(4, size=(n, length), p=[0.3, 0.2, 0.2, 0.3])
    signal = np.zeros((n, length))
    planted = 0
    for i in range(n):
        if i % 3 == 2:
            continue
        start = rng.integers(0, length - len(GATA) + 1)
        text = GATA if rng.random() < 0.5 else reverse_complement(GATA)
        seqs[i, start:start + len(GATA)] = ["ACGT".index(c) for c in text]
        signal[i, start:start + len(GATA)] = rng.uniform(0.75, 1.25, len(GATA))
        planted += 1
    ohe = np.zeros((n, 4, length), dtype=np.float32)
    ohe[np.arange(n)[:, None], seqs, np.arange(length)[None, :]] = 1
    score = signal + rng.normal(0, 0.1, (n, length))
    contrib = (ohe * score[:, None, :]).astype(np.float32)
    hyp = np.where(ohe > 0, score[:, None, :], -signal[:, None, :] / 3 + rng.normal(0, 0.01, ohe.shape))
    np.savez(prefix + ".ohe.npz", ohe)
    np.savez(prefix + "." + task + ".contrib.npz", contrib)
    np.savez(prefix + "." + task + ".hyp.npz", hyp.astype(np.float32))
    return planted


def read_tsv(path):
    with open(path) as handle:
        lines = handle.read().splitlines()
    header = lines[0].split("\t")
    return header, [dict(zip(header, line.split("\t"))) for line in lines[1:]]


def read_meme(path):
    """Independent minimal MEME reader: {name: (nsites, rows)}."""
    motifs, name = {}, None
    with open(path) as handle:
        for line in handle:
            words = line.split()
            if line.startswith("MOTIF"):
                name = words[1]
                motifs[name] = [None, []]
            elif line.startswith("letter-probability matrix"):
                motifs[name][0] = int(words[words.index("nsites=") + 1])
            elif name and len(words) == 4:
                motifs[name][1].append([float(w) for w in words])
    return motifs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    exe = os.path.join(args.bin, "find-motifs")
    known = os.path.join(args.source, "data", "motifs", "gata_tal.meme")

    # CLI contract: --help on stdout, exit 0; no arguments: usage on stderr, exit 1.
    result = run([exe, "--help"])
    check(result.returncode == 0 and "Usage: find-motifs" in result.stdout, "--help exits 0 with usage on stdout")
    for option in ["--scores", "--task", "--out", "--known", "--window", "--fdr", "--min-seqlets", "--max-motifs",
                   "--quiet"]:
        check(option in result.stdout, "--help documents " + option)
    check("(=21)" in result.stdout and "(=0.05)" in result.stdout, "--help shows the defaults")
    result = run([exe])
    check(result.returncode == 1 and "Usage: find-motifs" in result.stderr and result.stdout == "",
          "no arguments: usage on stderr, exit 1")

    with tempfile.TemporaryDirectory(prefix="find_motifs_cli_") as tmp:
        prefix = os.path.join(tmp, "scores")
        planted = write_fixture(prefix, "both")
        out = os.path.join(tmp, "out", "motifs")
        os.mkdir(os.path.dirname(out))

        result = run([exe, "--scores", prefix, "--task", "both", "--out", out, "--known", known])
        check(result.returncode == 0, "run exits 0: " + result.stderr)
        check("seqlets" in result.stderr and "motif_1" in result.stderr, "progress and summary on stderr")
        check(result.stdout == "", "nothing on stdout")
        check(sorted(os.listdir(os.path.dirname(out))) == ["motifs.meme", "motifs.tsv"],
              "only OUT.meme and OUT.tsv are written: %s" % os.listdir(os.path.dirname(out)))

        header, rows = read_tsv(out + ".tsv")
        check(header == ["motif", "seqlets", "consensus", "best_match", "similarity", "strand", "offset"],
              "TSV header %s" % header)
        check(len(rows) >= 1, "at least one motif")
        if rows:
            top = rows[0]
            check(top["best_match"] == "GATA_disc1" and float(top["similarity"]) > 0.7,
                  "top motif matches GATA_disc1 with similarity > 0.7: %s" % top)
            consensus = top["consensus"]
            core = "AGATAA" if top["strand"] == "+" else reverse_complement("AGATAA")
            check(core in consensus, "consensus %s holds the GATA core on strand %s" % (consensus, top["strand"]))
            check(0.8 * planted <= int(top["seqlets"]) <= planted,
                  "seqlets %s of %d planted" % (top["seqlets"], planted))
            counts = [int(r["seqlets"]) for r in rows]
            check(counts == sorted(counts, reverse=True), "motifs ranked by seqlet count")
        motifs = read_meme(out + ".meme")
        check([r["motif"] for r in rows] == list(motifs), "MEME and TSV list the same motifs in the same order")
        for r in rows:
            nsites, matrix = motifs.get(r["motif"], (None, []))
            check(nsites == int(r["seqlets"]), "nsites= equals the seqlet count for " + r["motif"])
            check(len(matrix) == len(r["consensus"]), "matrix width equals consensus length for " + r["motif"])
            check(all(abs(sum(row) - 1) < 1e-6 for row in matrix), "rows sum to 1 for " + r["motif"])
            check("".join("ACGT"[int(np.argmax(row))] for row in matrix) == r["consensus"],
                  "TSV consensus is the matrix argmax for " + r["motif"])

        # --quiet: nothing on stderr; same results.
        quiet = os.path.join(tmp, "quiet")
        result = run([exe, "--scores", prefix, "--task", "both", "--out", quiet, "--known", known, "--quiet"])
        check(result.returncode == 0 and result.stderr == "", "--quiet is silent: %r" % result.stderr)
        with open(quiet + ".tsv") as a, open(out + ".tsv") as b:
            check(a.read() == b.read(), "--quiet changes nothing but stderr")

        # Without --known the match columns are '.'.
        bare = os.path.join(tmp, "bare")
        result = run([exe, "--scores", prefix, "--task", "both", "--out", bare, "-q"])
        _, rows = read_tsv(bare + ".tsv")
        check(result.returncode == 0 and rows and rows[0]["best_match"] == "." and rows[0]["similarity"] == ".",
              "without --known the match columns are '.'")

        # Errors: bad option values exit 1, missing or bad files exit 2 naming the file.
        result = run([exe, "--scores", prefix, "--task", "both", "--out", bare, "--fdr", "2", "--min-seqlets", "0"])
        check(result.returncode == 1 and "--fdr" in result.stderr and "--min-seqlets" in result.stderr,
              "bad values: exit 1, every problem reported: %r" % result.stderr)
        result = run([exe, "--scores", prefix, "--task", "both"])
        check(result.returncode == 1 and "--out" in result.stderr, "missing --out: exit 1: %r" % result.stderr)
        result = run([exe, "--scores", prefix, "--task", "gata1", "--out", bare])
        check(result.returncode == 2 and "find-motifs: can't open '%s.gata1.contrib.npz'" % prefix in result.stderr,
              "missing task file: exit 2 naming it: %r" % result.stderr)
        result = run([exe, "--scores", prefix, "--task", "both", "--out", bare, "--known", prefix + ".ohe.npz"])
        check(result.returncode == 2 and prefix + ".ohe.npz" in result.stderr,
              "a --known that is not MEME: exit 2 naming it: %r" % result.stderr)
        np.savez(prefix + ".f8.contrib.npz", np.zeros((2, 4, 200)))
        np.savez(prefix + ".f8.hyp.npz", np.zeros((2, 4, 200), dtype=np.float32))
        result = run([exe, "--scores", prefix, "--task", "f8", "--out", bare])
        check(result.returncode == 2 and "f8.contrib.npz" in result.stderr and "'<f8'" in result.stderr,
              "float64 scores: exit 2 naming the file and dtype: %r" % result.stderr)
        result = run([exe, "--scores", prefix, "--task", "both", "--out", os.path.join(tmp, "no", "such", "dir")])
        check(result.returncode == 2 and "can't write" in result.stderr, "unwritable output: exit 2: %r" % result.stderr)

    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
