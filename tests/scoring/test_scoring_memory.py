#!/usr/bin/python3
"""Peak RSS of score-seqs stays within 300 MB (issue 16) at the default
--batch-size with 2 threads, for every method on the bundled model
(data/models/gata_tal.safetensors: dense convolutions, no max pool, which
took 0.7-1.3 GB before the batch was capped by workspace bytes), and for
two DeepLIFT methods on a 1 kb stack of dilated "same" convolutions (about
30 MB of workspace per window: the cap goes down to one window per batch).
Also: --batch-size stays an upper bound (a small one still scores), and
the scores do not depend on the thread count.

Peak RSS is the child's own ru_maxrss (os.wait4). Enough windows are
scored for every thread to run several full batches.

Run by ctest as: python3 test_scoring_memory.py --bin BUILD --source SRC
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import script_test  # noqa: E402
from script_test import require  # noqa: E402

RSS_LIMIT_MB = 300


def peak_rss_mb(command):
    """Runs `command`; returns its own peak RSS in MB (fails on a non-zero exit)."""
    process = subprocess.Popen([str(c) for c in command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode()
    require(os.waitstatus_to_exitcode(status) == 0, f"{' '.join(map(str, command))} failed:\n{stderr}")
    return usage.ru_maxrss / 1024


def write_fasta(path, count, length, seed):
    rng = np.random.default_rng(seed)
    letters = np.array(list("ACGT"))
    with open(path, "w") as handle:
        for i in range(count):
            handle.write(f">s{i}\n{''.join(letters[rng.integers(0, 4, length)])}\n")
    return path


def dilated_stack():
    """A BPNet-like body: 1 kb input, 64 channels, dilations 2..16."""
    layers = [{"type": "conv1d", "name": "conv0", "in_channels": 4, "out_channels": 64, "kernel_size": 21,
               "padding": "same"}, {"type": "relu"}]
    for i in range(1, 5):
        layers += [{"type": "conv1d", "name": f"conv{i}", "in_channels": 64, "out_channels": 64, "kernel_size": 3,
                    "dilation": 2 ** i, "padding": "same"}, {"type": "relu"}]
    layers += [{"type": "avgpool1d", "kernel_size": 1000, "stride": 1000}, {"type": "flatten"},
               {"type": "dense", "name": "out", "in_features": 64, "out_features": 2}]
    return {"input": {"alphabet": "ACGT", "length": 1000}, "tasks": ["a", "b"], "output": "sigmoid",
            "layers": layers}


def main():
    args = script_test.parse_args(__doc__.split("\n\n")[0])
    runner = script_test.Runner("test_scoring_memory", keep=args.keep)
    exe = os.path.join(args.bin, "score-seqs")
    bundled = os.path.join(args.source, "data", "models", "gata_tal.safetensors")
    work = runner.tmp
    fasta = write_fasta(os.path.join(work, "seqs.fa"), 120, 200, 1)
    few = write_fasta(os.path.join(work, "few.fa"), 6, 200, 2)

    def score(model, sequences, method, *extra, formats="tsv"):
        return peak_rss_mb([exe, "--model", model, "--fasta", sequences, "--out", os.path.join(work, "out"),
                            "--method", method, "--threads", 2, "--formats", formats, "--quiet", *extra])

    @runner.check
    def bundled_model_every_method():
        for method, sequences in [("revealcancel", fasta), ("genomics-default", fasta), ("rescale", fasta),
                                  ("grad-input", fasta), ("guided-backprop", fasta),
                                  ("integrated-gradients", fasta), ("ism", few)]:
            rss = score(bundled, sequences, method)
            print(f"  bundled model, {method}: {rss:.0f} MB")
            require(rss <= RSS_LIMIT_MB, f"bundled model, {method}: peak RSS {rss:.0f} MB > {RSS_LIMIT_MB} MB")
        rss = score(bundled, fasta, "revealcancel", formats="bedgraph,npz,tsv")
        print(f"  bundled model, revealcancel, every output: {rss:.0f} MB")
        require(rss <= RSS_LIMIT_MB, f"bundled model, every output: peak RSS {rss:.0f} MB > {RSS_LIMIT_MB} MB")
        rss = score(bundled, few, "genomics-default", "--reference", "shuffle:20", "--tasks", "gata1")
        print(f"  bundled model, genomics-default vs shuffle:20: {rss:.0f} MB")
        require(rss <= RSS_LIMIT_MB, f"bundled model, shuffle:20: peak RSS {rss:.0f} MB > {RSS_LIMIT_MB} MB")

    @runner.check
    def dilated_stack_of_1kb():
        arch = os.path.join(work, "dilated.json")
        with open(arch, "w") as handle:
            json.dump(dilated_stack(), handle)
        model = os.path.join(work, "dilated.safetensors")
        subprocess.run(["/usr/bin/python3", os.path.join(args.source, "scripts", "write-model.py"), arch, model,
                        "--seed", "3"], check=True)
        long_fasta = write_fasta(os.path.join(work, "long.fa"), 24, 1000, 3)
        for method in ("revealcancel", "rescale"):
            rss = score(model, long_fasta, method)
            print(f"  1 kb dilated stack, {method}: {rss:.0f} MB")
            require(rss <= RSS_LIMIT_MB, f"1 kb dilated stack, {method}: peak RSS {rss:.0f} MB > {RSS_LIMIT_MB} MB")

    @runner.check
    def same_scores_whatever_the_threads():
        outputs = {}
        for threads in (1, 2):
            prefix = os.path.join(work, f"threads{threads}")
            subprocess.run([exe, "--model", bundled, "--fasta", fasta, "--out", prefix, "--method", "revealcancel",
                            "--threads", str(threads), "--formats", "bedgraph", "--quiet"], check=True)
            with open(prefix + ".gata1.bedGraph", "rb") as handle:
                outputs[threads] = handle.read()
        require(outputs[1] == outputs[2], "bedGraph differs between --threads 1 and 2")

    return runner.run()


if __name__ == "__main__":
    sys.exit(main())
