#!/usr/bin/python3
"""End to end on the bundled model and data/examples (issue 6): simulate →
train → score. The held-out example sequences carry their truth
(example.motifs.bed, example.labels.tsv), written by simulate-motifs, not by
the scorer; the checks compare RevealCancel scores against that truth:

- in `both`-class sequences, task `both`: the mean per-base score inside
  true motif instances exceeds the mean outside;
- task `gata1`: GATA instances score higher than TAL1 instances (the model
  does not blame the wrong motif);
- the model's predictions separate the classes on these held-out sequences
  (auROC per task, computed here by ranks).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

failures, passes = [], 0


def check(condition, message):
    global passes
    print(("PASS " if condition else "FAIL ") + message)
    if condition:
        passes += 1
    else:
        failures.append(message)


def auroc(scores, labels):
    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks for ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    examples = os.path.join(args.source, "data", "examples")
    model = os.path.join(args.source, "data", "models", "gata_tal.safetensors")
    with tempfile.TemporaryDirectory(prefix="deeplift_bundled_") as work:
        prefix = os.path.join(work, "example")
        subprocess.run([os.path.join(args.bin, "score-seqs"), "--model", model, "--fasta",
                        os.path.join(examples, "example.fa"), "--out", prefix, "--method", "revealcancel",
                        "--reference", "gc:0.4", "--formats", "npz,tsv", "--quiet"], check=True)
        names = [line[1:].split()[0] for line in open(os.path.join(examples, "example.fa")) if line.startswith(">")]
        index = {name: i for i, name in enumerate(names)}
        labels = {row["name"]: row for row in csv.DictReader(open(os.path.join(examples, "example.labels.tsv")),
                                                            delimiter="\t")}
        instances = [line.split("\t") for line in open(os.path.join(examples, "example.motifs.bed"))]
        scores = {task: np.load(f"{prefix}.{task}.contrib.npz")["arr_0"].sum(axis=1) for task in ("both", "gata1")}
        predictions = list(csv.DictReader(open(f"{prefix}.predictions.tsv"), delimiter="\t"))

        inside = np.zeros((len(names), scores["both"].shape[1]), bool)
        for record, start, end, motif, *_ in instances:
            inside[index[record], int(start):int(end)] = True
        both_class = np.array([labels[n]["both"] == "1" for n in names])
        s = scores["both"][both_class]
        mask = inside[both_class]
        check(s[mask].mean() > s[~mask].mean(),
              f"task both, both-class sequences: mean score inside instances {s[mask].mean():.4f} > outside "
              f"{s[~mask].mean():.4f}")

        gata, tal = [], []
        for record, start, end, motif, *_ in instances:
            value = scores["gata1"][index[record], int(start):int(end)].sum()
            (gata if motif.startswith("GATA") else tal).append(value)
        check(np.mean(gata) > np.mean(tal),
              f"task gata1: GATA instances score {np.mean(gata):.3f} on average, TAL1 instances {np.mean(tal):.3f}")

        for task in ("both", "gata1", "tal1"):
            value = auroc([float(p[f"{task}.logit"]) for p in predictions],
                          [labels[p["name"]][task] == "1" for p in predictions])
            check(value >= 0.95, f"held-out auROC for task {task}: {value:.3f} (>= 0.95)")
        # find-motifs on the model's RevealCancel scores names both motifs (issue 11).
        sim = os.path.join(work, "sim")
        subprocess.run([os.path.join(args.bin, "simulate-motifs"), "--n", "1000", "--seed", "9", "--quiet",
                        "--motifs", os.path.join(args.source, "data", "motifs", "gata_tal.meme"), "--out", sim],
                       check=True)
        subprocess.run([os.path.join(args.bin, "score-seqs"), "--model", model, "--fasta", sim + ".fa", "--out",
                        sim, "--tasks", "both", "--formats", "npz", "--quiet"], check=True)
        subprocess.run([os.path.join(args.bin, "find-motifs"), "--scores", sim, "--task", "both", "--out",
                        os.path.join(work, "motifs"), "--known",
                        os.path.join(args.source, "data", "motifs", "gata_tal.meme"), "--quiet"], check=True)
        rows = list(csv.DictReader(open(os.path.join(work, "motifs.tsv")), delimiter="\t"))
        top = {row["best_match"] for row in rows[:3] if float(row["similarity"]) > 0.9}
        check({"GATA_disc1", "TAL1_known1"} <= top,
              f"find-motifs' top motifs for task both match GATA_disc1 and TAL1_known1: {[r['consensus'] for r in rows[:3]]}")
    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
