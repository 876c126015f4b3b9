#!/usr/bin/python3
"""A stand-in for `score-seqs`, built on the reference implementation, for
the numeric tests' --self-check mode only: it lets the tests' own parsing and
comparison code run end to end without the C++ binary.

It computes in float32 and prints 6 significant digits, the kind of rounding
a float32 engine brings, so a self-check also shows that the tests'
tolerances leave room for it. Only what the numeric tests use is supported:
one window per record (record length = model input length); graph models,
`--reference npz:FILE` and `--profile-target` as docs/scoring.md.
"""
import argparse
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_deeplift as R  # noqa: E402
import safetensors_model  # noqa: E402

REGION = re.compile(r"^(.+):(\d+)-(\d+)$")


def coordinates(name):
    """(chrom, 0-based offset) of a record: samtools regions are 1-based."""
    match = REGION.match(name)
    if match:
        return match.group(1), int(match.group(2)) - 1
    return name, 0


def write_atomic(path, writer):
    tmp = path + ".tmp"
    writer(tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--fasta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--method", default="revealcancel", choices=R.METHODS)
    ap.add_argument("--reference", default="gc:0.4")
    ap.add_argument("--tasks", default="all")
    ap.add_argument("--formats", default="bedgraph,npz,tsv")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--profile-target", default="bpnet-lite", choices=R.PROFILE_TARGETS)
    args = ap.parse_args()

    arch, tensors, meta = safetensors_model.load(args.model)
    if "test_vectors" in meta:   # docs/model-format.md: checked at load
        vectors = json.loads(meta["test_vectors"])
        raw = R.Network(arch, tensors, normalise_softmax=False)
        got = raw.logits(np.array(vectors["inputs"]))
        if not np.allclose(got, vectors["logits"], rtol=1e-4, atol=1e-4):
            print(f"mock score-seqs: {args.model}: test_vectors disagree with the weights", file=sys.stderr)
            return 2
    net = R.Network(arch, tensors, dtype=np.float32)
    tasks = net.tasks if args.tasks == "all" else args.tasks.split(",")
    task_index = [net.tasks.index(t) for t in tasks]
    formats = set(args.formats.split(","))
    records = R.read_fasta(args.fasta)
    npz_refs = None
    if args.reference.startswith("npz:"):
        with np.load(args.reference[4:]) as npz:
            npz_refs = np.asarray(npz["arr_0"], dtype=np.float64)
        if npz_refs.ndim == 3:
            npz_refs = np.repeat(npz_refs[None], len(records), axis=0)
        if npz_refs.shape[0] != len(records) or npz_refs.shape[2:] != (4, net.length):
            sys.exit(f"mock score-seqs: {args.reference}: shape {npz_refs.shape} for {len(records)} windows")

    fallbacks = R.revealcancel_fallbacks(net) if args.method == "revealcancel" else []
    if fallbacks:   # docs/scoring.md: said once per run
        print(f"mock score-seqs: RevealCancel falls back to Rescale at {', '.join(fallbacks)} "
              "(no split of their input)", file=sys.stderr)
    rows, ohes, contribs, hyps, scores = [], [], [], [], []
    for n, (name, seq) in enumerate(records):
        ohe = R.one_hot(seq, name)
        if ohe.shape[1] != net.length:
            sys.exit(f"mock score-seqs: {name}: length {ohe.shape[1]} != {net.length}")
        if npz_refs is not None:
            out = R.score_references(net, ohe, npz_refs[n], args.method, profile_convention=args.profile_target)
        else:
            ref = R.reference_for(args.reference, ohe)
            out = R.score(net, ohe, ref, args.method, profile_convention=args.profile_target)
        rows.append((name, out["logits"], out["ref_logits"]))
        ohes.append(ohe)
        contribs.append(out["contrib"])
        hyps.append(out["H"])
        scores.append(out["s"])

    if "tsv" in formats:
        def tsv(path):
            with open(path, "w") as fh:
                header = ["name"]
                for t in tasks:
                    header.append(f"{t}.logit")
                    if net.output != "linear":
                        header.append(f"{t}.prob")
                    if args.method != "ism":
                        header.append(f"{t}.ref_logit")
                fh.write("\t".join(header) + "\n")
                for name, logits, ref_logits in rows:
                    probs = net.probabilities(logits)
                    fields = [name]
                    for i in task_index:
                        fields.append(f"{logits[i]:.6g}")
                        if probs is not None:
                            fields.append(f"{probs[i]:.6g}")
                        if args.method != "ism":
                            fields.append(f"{ref_logits[i]:.6g}")
                    fh.write("\t".join(fields) + "\n")
        write_atomic(args.out + ".predictions.tsv", tsv)

    if "npz" in formats:
        def npz(array):
            return lambda path: np.savez(open(path, "wb"), np.asarray(array, dtype=np.float32))
        write_atomic(args.out + ".ohe.npz", npz(np.stack(ohes)))
        for t, i in zip(tasks, task_index):
            write_atomic(f"{args.out}.{t}.contrib.npz", npz(np.stack([c[i] for c in contribs])))
            write_atomic(f"{args.out}.{t}.hyp.npz", npz(np.stack([h[i] for h in hyps])))

    if "bedgraph" in formats:
        for t, i in zip(tasks, task_index):
            lines = []
            for (name, _, _), s in zip(rows, scores):
                chrom, offset = coordinates(name)
                for pos, value in enumerate(s[i]):
                    lines.append((chrom.encode(), offset + pos, f"{value:.6g}"))
            lines.sort(key=lambda item: (item[0], item[1]))

            def bedgraph(path, lines=lines, t=t):
                with open(path, "w") as fh:
                    fh.write(f'track type=bedGraph name="{t}" description="mock {args.method}"\n')
                    for chrom, start, value in lines:
                        fh.write(f"{chrom.decode()}\t{start}\t{start + 1}\t{value}\n")
            write_atomic(f"{args.out}.{t}.bedGraph", bedgraph)
    return 0


if __name__ == "__main__":
    sys.exit(main())
