#!/usr/bin/python3
"""Write a deeplift-cpp model file (docs/model-format.md: safetensors, version 1).

usage: write-model.py ARCH.json OUT.safetensors [--seed S] [--scale X]
                      [--weights W.npz] [--test-vectors [N]]

ARCH.json is the architecture of docs/model-format.md. A prelu layer may carry the
writer-only key "slope_shape": "shared" | "channel" | "position" (default
shared) choosing a slope tensor of shape [1], [C] or [C, L]; the key is
removed from the architecture stored in the file, where the tensor's shape
alone says which kind it is.

Weights are random unless given: conv/dense weights ~ Normal(0, X/sqrt(fan_in)),
biases ~ Uniform(-X/sqrt(fan_in), X/sqrt(fan_in)) (PyTorch's default bias
init, scaled), PReLU slopes ~ Uniform(0.05, 0.5). --weights W.npz supplies
tensors by their state_dict name (e.g. "conv1.weight"); every array in it must
be a tensor of the model with the right shape, and tensors it lacks are drawn
at random.

--test-vectors [N] (default N = 2) adds the __metadata__ key "test_vectors",
JSON text {"inputs": [N arrays [4][L]], "logits": [N arrays [T]]}: one-hot
inputs (rows A, C, G, T; the second input has some all-zero N columns) and the
raw logits of the last dense layer (before the output function, and not
mean-normalised for softmax), computed in float64 by
scripts/deeplift_py/forward.py from the float32 weights as stored.

A graph architecture (layers naming their "inputs", the layers add, crop1d
and concat, named "outputs") is written as model format version 2, without
--test-vectors (forward.py is sequential; tests/tools/bpnet_models.py embeds
PyTorch's values). The writing itself is scripts/deeplift_py/model_file.py. Needs only numpy
(Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deeplift_py.model_file import ArchError, write_model  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="write-model.py",
                                 description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", metavar="ARCH.json")
    ap.add_argument("out", metavar="OUT.safetensors")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiplies the std of random weights and the bias range (default 1)")
    ap.add_argument("--weights", metavar="W.npz", help="tensors by state_dict name")
    ap.add_argument("--test-vectors", nargs="?", type=int, const=2, default=0, metavar="N",
                    help="embed N one-hot inputs and their logits (default N 2)")
    args = ap.parse_args(argv)
    try:
        with open(args.arch) as fh:
            arch = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"write-model.py: can't read '{args.arch}': {exc}", file=sys.stderr)
        return 2
    given = None
    if args.weights:
        with np.load(args.weights) as npz:
            given = {k: npz[k] for k in npz.files}
    try:
        write_model(arch, args.out, args.seed, args.scale, given, args.test_vectors)
    except ArchError as exc:
        print(f"write-model.py: {args.arch}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"write-model.py: can't write '{args.out}': {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
