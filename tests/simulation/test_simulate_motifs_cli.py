#!/usr/bin/env python3
"""CLI contract of simulate-motifs (docs/simulation.md, docs/contributing.md) and
its ground truth read back by another tool: `bedtools getfasta -s` on
PREFIX.motifs.bed must return sequences whose PWM log-odds, computed here
independently from data/motifs/gata_tal.meme, equals the BED score column.

Run by ctest as: python3 test_simulate_motifs_cli.py --bin BUILD --source SRC
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message, file=sys.stderr)


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def read_meme(path):
    """Minimal independent MEME reader: {name: [[pA, pC, pG, pT], ...]}."""
    motifs, name, rows, in_matrix = {}, None, [], False
    with open(path) as handle:
        for line in handle:
            words = line.split()
            if line.startswith("MOTIF"):
                name, rows, in_matrix = words[1], [], False
                motifs[name] = rows
            elif line.startswith("letter-probability matrix"):
                in_matrix = True
            elif in_matrix and len(words) == 4:
                rows.append([float(w) for w in words])
            elif in_matrix and rows:
                in_matrix = False
    return motifs


def log_odds(rows, sequence, background, epsilon):
    """sum_i ln p'_i(s_i) - ln bg(s_i), p' = p(1 - eps) + eps/4 (docs/simulation.md)."""
    index = {"A": 0, "C": 1, "G": 2, "T": 3}
    total = 0.0
    for row, base in zip(rows, sequence.upper()):
        b = index[base]
        total += math.log(row[b] * (1 - epsilon) + epsilon / 4) - math.log(background[b])
    return total


def read_bed(path):
    with open(path) as handle:
        return [line.rstrip("\n").split("\t") for line in handle if line.strip()]


def getfasta(fasta, bed):
    """bedtools getfasta -s -tab: one 'name<TAB>sequence' line per BED line, in order."""
    result = run(["bedtools", "getfasta", "-s", "-tab", "-fi", fasta, "-bed", bed])
    check(result.returncode == 0, "bedtools getfasta failed: " + result.stderr)
    return [line.split("\t")[1] for line in result.stdout.splitlines()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    exe = os.path.join(args.bin, "simulate-motifs")
    meme = os.path.join(args.source, "data", "motifs", "gata_tal.meme")
    pwms = read_meme(meme)

    with tempfile.TemporaryDirectory(prefix="simulate_motifs_cli_") as tmp:
        # --help: stdout, exit 0, every option documented.
        result = run([exe, "--help"])
        check(result.returncode == 0, "--help exit %d" % result.returncode)
        for option in ["--preset", "--n", "--length", "--background", "--motifs", "--min-instances",
                       "--max-instances", "--strands", "--seed", "--threads", "--out", "--quiet", "--help"]:
            check(option in result.stdout, "--help lacks " + option)
        check("split" in result.stdout and "log" in result.stdout, "--help lacks label/score semantics")

        # No arguments: usage on stderr, exit 1.
        result = run([exe])
        check(result.returncode == 1, "no-args exit %d" % result.returncode)
        check("Usage" in result.stderr and result.stdout == "", "no-args usage must go to stderr only")

        # Bad option values: exit 1, message naming the option, no files.
        bad = os.path.join(tmp, "bad")
        for background in ["0.5,0.5,0.5,0.5", "0.3,0.2,0.2", "a,c,g,t", "0.5,0.5,0,0"]:
            result = run([exe, "--motifs", meme, "--background", background, "--out", bad])
            check(result.returncode == 1, "--background %s exit %d" % (background, result.returncode))
            check(result.stderr.startswith("simulate-motifs: --background"),
                  "--background %s message: %r" % (background, result.stderr))
        result = run([exe, "--motifs", meme, "--n", "0", "--strands", "sideways", "--out", bad])
        check(result.returncode == 1 and "--n" in result.stderr and "--strands" in result.stderr,
              "every bad option is reported: %r" % result.stderr)
        check(os.listdir(tmp) == [], "failed runs left files: %s" % os.listdir(tmp))

        # Runtime errors exit 2.
        result = run([exe, "--motifs", meme, "--out", os.path.join(tmp, "no", "such", "dir", "x")])
        check(result.returncode == 2 and "simulate-motifs: can't write" in result.stderr,
              "unwritable --out: exit %d %r" % (result.returncode, result.stderr))
        result = run([exe, "--motifs", os.path.join(tmp, "missing.meme"), "--out", bad])
        check(result.returncode == 2 and "can't open" in result.stderr,
              "missing --motifs: exit %d %r" % (result.returncode, result.stderr))

        # The paper preset, both strands; bedtools recovers every instance.
        prefix = os.path.join(tmp, "paper")
        result = run([exe, "--motifs", meme, "--n", "2000", "--strands", "both", "--seed", "3",
                      "--threads", "2", "--out", prefix, "--quiet"])
        check(result.returncode == 0, "paper run failed: " + result.stderr)
        check(result.stderr == "", "--quiet printed: %r" % result.stderr)
        bed = read_bed(prefix + ".motifs.bed")
        sequences = getfasta(prefix + ".fa", prefix + ".motifs.bed")
        check(len(bed) == len(sequences) and len(bed) > 2000, "BED %d vs getfasta %d" % (len(bed), len(sequences)))
        worst = 0.0
        for fields, sequence in zip(bed, sequences):
            rows = pwms[fields[3]]
            check(len(sequence) == len(rows), "length of %s" % fields)
            worst = max(worst, abs(log_odds(rows, sequence, [0.3, 0.2, 0.2, 0.3], 1e-4) - float(fields[4])))
        check(worst < 1e-5, "BED score vs independent log-odds differ by %g" % worst)
        check({f[5] for f in bed} == {"+", "-"}, "--strands both gives both strands")
        with open(prefix + ".labels.tsv") as handle:
            lines = handle.read().splitlines()
        check(lines[0] == "name\tboth\tgata1\ttal1\tsplit", "labels header %r" % lines[0])
        splits = [line.split("\t")[-1] for line in lines[1:]]
        check((splits.count("train"), splits.count("valid"), splits.count("test")) == (1600, 200, 200),
              "split counts")

        # Same seed, other thread count: identical bytes.
        again = os.path.join(tmp, "again")
        result = run([exe, "--motifs", meme, "--n", "2000", "--strands", "both", "--seed", "3",
                      "--threads", "1", "--out", again, "--quiet"])
        for ext in [".fa", ".labels.tsv", ".motifs.bed"]:
            with open(prefix + ext, "rb") as a, open(again + ext, "rb") as b:
                check(a.read() == b.read(), "threads 1 vs 2 differ in " + ext)

        # Without --motifs the bundled gata_tal.meme is used, from any directory.
        elsewhere = os.path.join(tmp, "elsewhere")
        os.makedirs(elsewhere)
        result = run([os.path.abspath(exe), "--n", "20", "--out", os.path.join(tmp, "default")], cwd=elsewhere)
        check(result.returncode == 0 and "20 sequences" in result.stderr,
              "default --motifs from another directory: %r" % result.stderr)

        # DeepPAD: exact patterns, one 'positive' task, 1:2.
        pad = os.path.join(tmp, "pad")
        result = run([exe, "--preset", "deeppad", "--n", "300", "--strands", "both", "--out", pad, "--quiet"])
        check(result.returncode == 0, "deeppad run failed: " + result.stderr)
        bed = read_bed(pad + ".motifs.bed")
        for fields, sequence in zip(bed, getfasta(pad + ".fa", pad + ".motifs.bed")):
            check(sequence == fields[3], "deeppad instance %s reads %s" % (fields, sequence))
            check(abs(float(fields[4]) - len(sequence) * math.log(4)) < 1e-5, "deeppad score %s" % fields)
        with open(pad + ".labels.tsv") as handle:
            lines = handle.read().splitlines()
        check(lines[0] == "name\tpositive\tsplit", "deeppad header %r" % lines[0])
        positives = sum(line.split("\t")[1] == "1" for line in lines[1:])
        check(positives == 100, "deeppad positives %d of 300" % positives)

    if FAILURES:
        print("%d failure(s)" % len(FAILURES), file=sys.stderr)
        return 1
    print("simulate-motifs CLI: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
