#!/usr/bin/python3
"""README.md's "BPNet / ChromBPNet" section, run as written.

The files its commands name are made here: two folds' ChromBPNet-layout
`chrombpnet_nobias.h5` (tests/convert/chrombpnet_h5.py, small: 16 filters,
3 dilated layers, 300 bp in, one strand), an indexed-to-be genome of random
sequence and a narrowPeak file with overlapping peaks and one whose window
runs past a chromosome end (the README's --clip). The README's first code
block after its test marker is then run with bash in that directory, with
`scripts/` and `build/` pointing at this checkout and build, and the
`modisco` line left out (TF-MoDISco is not a dependency): its npz inputs are
loaded the way `modisco motifs` loads them instead. The section's
`merge-tracks` and `merge-npz` lines are run on two `--shard` runs of the
same command.

Checked: every file the section says step 2 writes exists and reads back
(pyBigWig, numpy); npz rows are the kept peaks; predictions.tsv has each
fold's columns; the merged shard bigWig covers the bases the unsharded
bigWig covers.

Run:  /usr/bin/python3 tests/cli/test_readme_bpnet.py --bin BUILD [--source SRC]
"""
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "convert"))
import bpnet_models  # noqa: E402
import chrombpnet_h5  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
RUN = script_test.Runner("test_readme_bpnet", ARGS.keep)
TMP = RUN.tmp
SOURCE = os.path.abspath(ARGS.source)
BIN = os.path.abspath(ARGS.bin) if ARGS.bin else os.path.join(SOURCE, "build")
MARKER = "<!-- tests/cli/test_readme_bpnet.py runs this block as written -->"
LENGTH = 300
CHROMS = {"chr1": 3000, "chr2": 1500}
# (chrom, start, end, summit offset): overlapping windows on chr1, one past chr2's end.
PEAKS = [("chr1", 400, 700, 150), ("chr1", 500, 900, 180), ("chr1", 1900, 2300, 60),
         ("chr2", 200, 600, 200), ("chr2", 1300, 1480, 150)]
KEPT = 4  # the last window, [1300 + 150 - 150, 1600), runs past chr2 (1500 bp)


def readme_section():
    text = open(os.path.join(SOURCE, "README.md")).read()
    require(MARKER in text, "README.md: the BPNet section's test marker is gone")
    after = text.split(MARKER, 1)[1]
    block = re.search(r"```\n(.*?)```", after, re.S).group(1)
    merge = [line.strip() for line in after.splitlines() if line.strip().startswith("build/merge-tracks")]
    require(merge, "README.md: no merge-tracks line in the BPNet section")
    npz = [line.strip() for line in after.splitlines() if line.strip().startswith("build/merge-npz")]
    require(npz, "README.md: no merge-npz line in the BPNet section")
    return block, merge[0], npz[0]


def local(command):
    """The README's paths, relative to a checkout, pointed at this one."""
    command = re.sub(r"(^|\s)scripts/", r"\1" + os.path.join(SOURCE, "scripts") + "/", command)
    return re.sub(r"(^|\s)build/", r"\1" + BIN + "/", command)


def make_inputs():
    rng = np.random.default_rng(7)
    with open(os.path.join(TMP, "genome.fa"), "w") as f:
        for name, size in CHROMS.items():
            seq = "".join(rng.choice(list("ACGT"), size=size))
            f.write(f">{name}\n" + "".join(seq[i:i + 70] + "\n" for i in range(0, size, 70)))
    with open(os.path.join(TMP, "peaks.narrowPeak"), "w") as f:
        for i, (chrom, start, end, offset) in enumerate(PEAKS):
            f.write(f"{chrom}\t{start}\t{end}\tpeak{i}\t100\t.\t5.0\t10.0\t8.0\t{offset}\n")
    for fold in range(2):
        net = bpnet_models.as_float32(bpnet_models.make("keras", 30 + fold, n_filters=16, n_layers=3, n_strands=1,
                                                        length=LENGTH, out_length=120))
        os.makedirs(os.path.join(TMP, f"fold_{fold}"))
        chrombpnet_h5.write(net, os.path.join(TMP, f"fold_{fold}", "chrombpnet_nobias.h5"), prefix="wo_bias_",
                            with_config=True, cropsize=9)
    os.makedirs(os.path.join(TMP, "out"))


def bash(script):
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=TMP, capture_output=True, text=True)
    require(result.returncode == 0, f"exit {result.returncode}\n{script}\nstderr:\n{result.stderr}")
    return result


@RUN.check
def readme_block_runs_as_written():
    block, _, _ = readme_section()
    make_inputs()
    lines = block.replace("\\\n", " ").splitlines()
    commands = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    require(any(c.startswith("modisco ") for c in commands), "the block no longer ends in modisco motifs")
    bash("\n".join(local(c) for c in commands if not c.startswith("modisco ")))

    import pyBigWig
    prefix = os.path.join(TMP, "out", "chrombpnet")
    for task in ("profile", "counts"):
        bw = pyBigWig.open(f"{prefix}.{task}.bw")
        covered = sum(len(bw.intervals(chrom) or []) for chrom in CHROMS)
        require(covered > LENGTH, f"{task}.bw holds only {covered} bases")
        bw.close()
    # As tfmodisco-lite's `modisco motifs -s … -a …` reads them.
    ohe = np.load(f"{prefix}.ohe.npz")["arr_0"]
    hyp = np.load(f"{prefix}.profile.hyp.npz")["arr_0"]
    require(ohe.shape == hyp.shape == (KEPT, 4, LENGTH), f"npz shapes {ohe.shape}, {hyp.shape}")
    require(ohe.dtype == hyp.dtype == np.float32, "npz arrays are not float32")
    require(np.all(ohe.sum(axis=1) == 1), "ohe rows are not one-hot")
    header = open(f"{prefix}.predictions.tsv").readline().rstrip("\n").split("\t")
    for fold in ("model1", "model2"):
        require(any(h.startswith(fold + ".counts") for h in header), f"no {fold} columns in {header}")


@RUN.check
def readme_merge_line_joins_shards():
    block, merge, merge_npz = readme_section()
    score = [c for c in block.replace("\\\n", " ").splitlines() if "score-seqs" in c][0]
    for k in (1, 2):
        shard = re.sub(r"--formats \S+", "--formats bedgraph,npz", score)
        shard = shard.replace("-o out/chrombpnet", f"--shard {k}/2 -o out/shard{k}")
        bash(local(shard))
    bash(local(merge))
    # The README's eight shards are two here.
    require("{1..8}" in merge_npz, f"the merge-npz line no longer names shards 1..8: {merge_npz}")
    bash(local(merge_npz.replace("{1..8}", "{1..2}")))
    merged = np.load(os.path.join(TMP, "out", "all.ohe.npz"))["arr_0"]
    whole = np.load(os.path.join(TMP, "out", "chrombpnet.ohe.npz"))["arr_0"]
    require(np.array_equal(merged, whole), "merge-npz of the shards is not the single run's ohe in peak order")
    import pyBigWig
    merged, whole = pyBigWig.open(os.path.join(TMP, "out", "profile.bw")), \
        pyBigWig.open(os.path.join(TMP, "out", "chrombpnet.profile.bw"))
    for chrom in CHROMS:
        a = [(s, e) for s, e, _ in (merged.intervals(chrom) or [])]
        b = [(s, e) for s, e, _ in (whole.intervals(chrom) or [])]
        require(a == b, f"{chrom}: merged shards cover other bases than the single run")


sys.exit(RUN.run())
