#!/usr/bin/python3
"""Sequence logo of one sequence's DeepLIFT contributions, from Python.

A notebook-style example of the deeplift_cpp module (README "Python"): load
the bundled model, score the example sequences, and draw the contributions of
one of them as a sequence logo (letters scaled by their score, positive up,
negative down, in the usual DeepLIFT/TF-MoDISco colours), with its
hypothetical contributions below: what each base would contribute there.

usage: example-logo.py [--out logo.png] [--record NAME] [--task TASK]
                       [--method METHOD] [--reference REF] [--model M] [--fasta F]

Build first (scripts/build), then run with Debian's python3:
  PYTHONPATH=build/python /usr/bin/python3 scripts/example-logo.py --out logo.png
(without PYTHONPATH, the script looks for the module in this checkout's build/python).
The record defaults to the sequence with the highest logit for the task.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # a file, no window: runs headless (CI)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.textpath import TextPath  # noqa: E402
from matplotlib.transforms import Affine2D  # noqa: E402

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
try:
    import deeplift_cpp
except ImportError:
    sys.path.insert(0, os.path.join(SOURCE, "build", "python"))
    import deeplift_cpp

# The colours of DeepLIFT's and TF-MoDISco's logo plots.
COLOURS = {"A": (0.0, 0.5, 0.0), "C": (0.0, 0.0, 1.0), "G": (1.0, 0.65, 0.0), "T": (1.0, 0.0, 0.0)}
FONT = FontProperties(family="DejaVu Sans", weight="bold")
GLYPHS = {letter: TextPath((0, 0), letter, size=1, prop=FONT) for letter in "ACGT"}


def read_fasta(path):
    """[(name, sequence)] of a plain FASTA file."""
    records = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                records.append([line[1:].split()[0], []])
            elif line:
                records[-1][1].append(line)
    return [(name, "".join(parts)) for name, parts in records]


def draw_letter(ax, letter, x, bottom, height):
    """The glyph of `letter` stretched to fill [x, x+1] × [bottom, bottom+height]."""
    glyph = GLYPHS[letter]
    box = glyph.get_extents()
    width = 0.9  # a little space between columns
    transform = (Affine2D().translate(-box.x0, -box.y0)
                 .scale(width / box.width, height / box.height)
                 .translate(x + (1 - width) / 2, bottom))
    ax.add_patch(PathPatch(transform.transform_path(glyph), facecolor=COLOURS[letter], edgecolor="none"))


def draw_logo(ax, scores, title):
    """A logo of scores (4, L), rows A, C, G, T: at each position the positive
    scores stacked upwards (largest on top) and the negative ones downwards."""
    length = scores.shape[1]
    for position in range(length):
        column = scores[:, position]
        up, down = 0.0, 0.0
        for base in np.argsort(np.abs(column)):  # smallest nearest the axis
            value = float(column[base])
            if value > 0:
                draw_letter(ax, "ACGT"[base], position, up, value)
                up += value
            elif value < 0:
                draw_letter(ax, "ACGT"[base], position, down + value, -value)
                down += value
    positive = np.clip(scores, 0, None).sum(axis=0).max()
    negative = np.clip(scores, None, 0).sum(axis=0).min()
    margin = 0.05 * max(positive - negative, 1e-6)
    ax.set_xlim(0, length)
    ax.set_ylim(negative - margin, positive + margin)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_title(title, loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(SOURCE, "data", "models", "gata_tal.safetensors"))
    ap.add_argument("--fasta", default=os.path.join(SOURCE, "data", "examples", "example.fa"))
    ap.add_argument("--out", default="example-logo.png", help="PNG to write (default example-logo.png)")
    ap.add_argument("--record", help="record to draw (default: the highest logit for --task)")
    ap.add_argument("--task", help="task to explain (default: the model's last task)")
    ap.add_argument("--method", default="revealcancel", choices=deeplift_cpp.methods)
    ap.add_argument("--reference", default="gc:0.4", help="as score-seqs --reference (default gc:0.4)")
    args = ap.parse_args()

    # 1. The model and the sequences, one-hot: X is (N, 4, L) float32.
    model = deeplift_cpp.Model(args.model)
    records = read_fasta(args.fasta)
    names = [name for name, _ in records]
    X = deeplift_cpp.one_hot([sequence for _, sequence in records])
    task = args.task or model.tasks[-1]
    if task not in model.tasks:
        sys.exit(f"example-logo: unknown task '{task}' (the model's tasks: {', '.join(model.tasks)})")
    t = model.tasks.index(task)

    # 2. Logits (N, T), contributions and hypothetical contributions (N, T, 4, L).
    logits = model.predict(X)
    contrib = model.attribute(X, method=args.method, reference=args.reference, tasks=[task], names=names)
    hyp = model.attribute(X, method=args.method, reference=args.reference, tasks=[task], names=names,
                          hypothetical=True)

    # 3. One sequence's logo.
    if args.record is None:
        n = int(np.argmax(logits[:, t]))
    elif args.record in names:
        n = names.index(args.record)
    else:
        sys.exit(f"example-logo: no record '{args.record}' in {args.fasta}")
    fig, axes = plt.subplots(2, 1, figsize=(max(8.0, X.shape[2] / 8), 5), sharex=True)
    draw_logo(axes[0], contrib[n, 0],
              f"{names[n]}: {args.method} contributions to the {task} logit ({logits[n, t]:.2f}) vs {args.reference}")
    draw_logo(axes[1], hyp[n, 0], "hypothetical contributions")
    axes[1].set_xlabel("position (bp)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"example-logo: wrote {args.out} ({names[n]}, task {task})", file=sys.stderr)


if __name__ == "__main__":
    main()
