#!/usr/bin/python3
"""End-to-end test of `score-seqs --genome G.fa --peaks P.narrowPeak`, the
ChromBPNet workflow in one command (docs/outputs.md, "Coordinates").

A small genome of random sequence (three chromosomes) and a narrowPeak file
are made here: overlapping and isolated peaks, a peak without a summit
(column 10 = -1, the midpoint stands in), two peaks with the same summit, a
window touching each chromosome end and one running past it. A small
bpnet-lite model (tests/tools/bpnet_models.py: profile and counts tasks,
120 bp input) scores them with `--method rescale --reference shuffle:20`.
Checked against computations made here, not by the binary:
- the npz rows are the kept peaks in file order: ohe equals the one-hot of
  the genome window [summit − 60, summit + 60), shapes (N, 4, 120) float32,
  loadable the way tfmodisco-lite's `modisco motifs -s … -a …` loads them
  (np.load(f)['arr_0'], the centre `-w` columns);
- each task's bigWig (read with pyBigWig) holds, base by base, the per-base
  score of the window whose summit is nearest among those covering the base
  (ties to the larger summit, equal summits to the first peak), found by
  direct search; that score is Σ_c contrib[n, c, l] exactly and
  Σ_c hyp[n, c, l]·ohe[n, c, l] to float rounding; bases no window covers
  hold no value;
- predictions.tsv names the windows chrom:start+1-end in file order, the
  second peak of a shared window suffixed "#<line>";
- --clip skips the window past a chromosome end and counts it; without
  --clip the run fails naming the file and line, and writes nothing;
- three shards' bedGraphs joined by merge-tracks have the unsharded
  bedGraph's intervals and its values (to float rounding: batches differ),
  and their npz rows are the unsharded rows dealt out in turn.

Run:  /usr/bin/python3 tests/scoring/test_score_peaks.py --bin BUILD [--source SRC]
"""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import bpnet_models  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
RUN = script_test.Runner("test_score_peaks", ARGS.keep)
TMP = RUN.tmp
LENGTH = 120
TASKS = ["profile", "counts"]
RNG = np.random.default_rng(2026)

CHROMS = {"chr1": 2000, "chr2": 1000, "chr3": 500}
GENOME = {name: "".join(RNG.choice(list("ACGTacgt"), size=size, p=[0.2, 0.15, 0.15, 0.2, 0.1, 0.05, 0.05, 0.1]))
          for name, size in CHROMS.items()}
GENOME_PATH = os.path.join(TMP, "genome.fa")
with open(GENOME_PATH, "w") as handle:
    for name, seq in GENOME.items():
        handle.write(f">{name}\n" + "".join(seq[i:i + 60] + "\n" for i in range(0, len(seq), 60)))

# (chrom, chromStart, chromEnd, peak offset); the file's first line is a track line.
PEAKS = [
    ("chr2", 300, 500, 100),    # line 2: summit 400
    ("chr1", 100, 300, 50),     # line 3: summit 150, overlaps lines 4, 5, 9
    ("chr1", 150, 350, 50),     # line 4: summit 200 (150 + 200 even: base 175 is a tie)
    ("chr1", 200, 261, -1),     # line 5: no summit: midpoint 230
    ("chr1", 1000, 1200, 0),    # line 6: summit 1000
    ("chr1", 100, 300, 50),     # line 7: the same summit as line 3: owns no base, named "#7"
    ("chr3", 400, 500, 90),     # line 8: summit 490, window [430, 550) past the end (500): --clip
    ("chr1", 50, 100, 10),      # line 9: summit 60, window [0, 120) starts at the chromosome start
    ("chr2", 380, 420, 37),     # line 10: summit 417 (odd sum with 400)
    ("chr1", 1100, 1200, 0),    # line 11: summit 1100, 20 bases of overlap with line 6
    ("chr3", 0, 100, 60),       # line 12: summit 60
    ("chr1", 1880, 2000, 60),   # line 13: summit 1940, window ends at the chromosome end
]
PEAKS_PATH = os.path.join(TMP, "peaks.narrowPeak")
with open(PEAKS_PATH, "w") as handle:
    handle.write('track type=narrowPeak name="test peaks"\n')
    for i, (chrom, start, end, offset) in enumerate(PEAKS):
        handle.write(f"{chrom}\t{start}\t{end}\tpeak{i}\t{100 + i}\t.\t{5.5 + i}\t-1\t{2.25 * i}\t{offset}\n")


def summit_of(peak):
    chrom, start, end, offset = peak
    return start + offset if offset >= 0 else start + (end - start) // 2


# The kept windows in file order: (line, chrom, start, summit).
KEPT = []
for _line, _peak in enumerate(PEAKS, start=2):
    _summit = summit_of(_peak)
    _start = _summit - LENGTH // 2
    if _start >= 0 and _start + LENGTH <= CHROMS[_peak[0]]:
        KEPT.append((_line, _peak[0], _start, _summit))
require(len(KEPT) == len(PEAKS) - 1, "fixture: exactly one peak should run past its chromosome")


def one_hot(seq):
    out = np.zeros((4, len(seq)), dtype=np.float32)
    for i, base in enumerate(seq.upper()):
        if base in "ACGT":
            out["ACGT".index(base), i] = 1.0
    return out


def expected_names():
    names, seen = [], set()
    for line, chrom, start, _summit in KEPT:
        name = f"{chrom}:{start + 1}-{start + LENGTH}"
        if name in seen:
            name += f"#{line}"
        seen.add(name)
        names.append(name)
    return names


def owner_by_direct_search(chrom, base):
    """Index into KEPT of the window owning `base` of `chrom`, or None."""
    best = None
    for n, (_line, c, start, summit) in enumerate(KEPT):
        if c != chrom or not start <= base < start + LENGTH:
            continue
        if best is None:
            best = n
            continue
        d, d_best = abs(base - summit), abs(base - KEPT[best][3])
        if d < d_best or (d == d_best and summit > KEPT[best][3]):
            best = n
    return best


MODEL = bpnet_models.write(
    bpnet_models.as_float32(bpnet_models.make("bpnet-lite", seed=5, scale=1.5, n_filters=8, n_layers=2,
                                              n_strands=2, length=LENGTH, out_length=40)),
    os.path.join(TMP, "model.safetensors"), source=ARGS.source, seed=5)


def score_seqs(out, *extra, peaks=PEAKS_PATH):
    command = [os.path.join(ARGS.bin, "score-seqs"), "-m", MODEL, "--genome", GENOME_PATH, "--peaks", peaks,
               "--method", "rescale", "--reference", "shuffle:20", "--tasks", ",".join(TASKS),
               "--threads", "2", "-o", out] + list(extra)
    return subprocess.run(command, capture_output=True, text=True)


def load(prefix, kind):
    with np.load(f"{prefix}.{kind}.npz") as archive:
        require(list(archive.keys()) == ["arr_0"], f"{prefix}.{kind}.npz holds {list(archive.keys())}")
        return archive["arr_0"]


_UNSHARDED = {}


def unsharded():
    """The --clip run with every format, run once."""
    if not _UNSHARDED:
        os.makedirs(os.path.join(TMP, "all"), exist_ok=True)
        prefix = os.path.join(TMP, "all", "run")
        result = score_seqs(prefix, "--clip", "--formats", "bedgraph,bigwig,npz,tsv")
        require(result.returncode == 0, f"score-seqs failed: {result.stderr}")
        _UNSHARDED.update(prefix=prefix, stderr=result.stderr)
    return _UNSHARDED


@RUN.check
def npz_rows_are_the_peaks_in_file_order():
    prefix = unsharded()["prefix"]
    ohe = load(prefix, "ohe")
    require(ohe.shape == (len(KEPT), 4, LENGTH) and ohe.dtype == np.float32, f"ohe {ohe.shape} {ohe.dtype}")
    for n, (line, chrom, start, _summit) in enumerate(KEPT):
        require(np.array_equal(ohe[n], one_hot(GENOME[chrom][start:start + LENGTH])),
                f"ohe row {n} is not the window of the peak on line {line}")
    for task in TASKS:
        for kind in ("hyp", "contrib"):
            array = load(prefix, f"{task}.{kind}")
            require(array.shape == ohe.shape and array.dtype == np.float32, f"{task}.{kind}: {array.shape}")
            require(np.all(np.isfinite(array)) and np.abs(array).max() > 0, f"{task}.{kind}: empty or not finite")


@RUN.check
def npz_loads_as_modisco_motifs_reads_it():
    # tfmodisco-lite's `modisco motifs -s OHE.npz -a HYP.npz -w W`: np.load(f)['arr_0'],
    # centre = shape[2] // 2, columns [centre − W//2, centre + W//2), transposed to (N, W, 4), float32.
    prefix = unsharded()["prefix"]
    window = 40
    sequences = np.load(f"{prefix}.ohe.npz")["arr_0"]
    for task in TASKS:
        attributions = np.load(f"{prefix}.{task}.hyp.npz")["arr_0"]
        centre = sequences.shape[2] // 2
        start, end = centre - window // 2, centre + window // 2
        seqs = sequences[:, :, start:end].transpose(0, 2, 1).astype("float32")
        attrs = attributions[:, :, start:end].transpose(0, 2, 1).astype("float32")
        require(seqs.shape == attrs.shape == (len(KEPT), window, 4), f"{seqs.shape} {attrs.shape}")
        require(np.all(seqs.sum(axis=2) == 1), "a modisco window holds a non-one-hot column")
    # The centre column is the summit's base.
    for n, (_line, chrom, _start, summit) in enumerate(KEPT):
        require(np.array_equal(sequences[n, :, LENGTH // 2], one_hot(GENOME[chrom][summit])[:, 0]),
                f"row {n}: centre column is not the summit base")


@RUN.check
def bigwig_follows_the_nearest_summit_rule():
    import pyBigWig
    prefix = unsharded()["prefix"]
    ohe = load(prefix, "ohe")
    for task in TASKS:
        contrib = load(prefix, f"{task}.contrib").sum(axis=1)              # s[l]: one non-zero channel
        projected = (load(prefix, f"{task}.hyp") * ohe).sum(axis=1)        # H[observed base, l]
        scale = np.abs(contrib).max()
        require(np.allclose(projected, contrib, rtol=0, atol=1e-5 * scale),
                f"{task}: hyp·ohe differs from contrib by {np.abs(projected - contrib).max()}")
        bw = pyBigWig.open(f"{prefix}.{task}.bw")
        try:
            require(bw.chroms() == CHROMS, f"{task}.bw chromosomes {bw.chroms()}")
            owned = np.zeros(len(KEPT), dtype=int)
            for chrom, size in CHROMS.items():
                values = np.array(bw.values(chrom, 0, size), dtype=np.float64)
                for base in range(size):
                    owner = owner_by_direct_search(chrom, base)
                    if owner is None:
                        require(np.isnan(values[base]), f"{task} {chrom}:{base}: a value where no window is")
                        continue
                    owned[owner] += 1
                    expected = contrib[owner, base - KEPT[owner][2]]
                    require(values[base] == expected,
                            f"{task} {chrom}:{base}: bigWig {values[base]}, the window of the peak on line "
                            f"{KEPT[owner][0]} (nearest summit) has {expected}")
        finally:
            bw.close()
        duplicate = [n for n, (line, *_rest) in enumerate(KEPT) if line == 7][0]
        require(owned[duplicate] == 0 and all(owned[n] > 0 for n in range(len(KEPT)) if n != duplicate),
                f"bases owned per window: {owned.tolist()}")


@RUN.check
def predictions_name_the_windows():
    prefix = unsharded()["prefix"]
    with open(f"{prefix}.predictions.tsv") as handle:
        names = [line.split("\t")[0] for line in handle.read().splitlines()[1:]]
    require(names == expected_names(), f"names {names}, expected {expected_names()}")


@RUN.check
def clip_counts_and_no_clip_fails():
    require("skipped 1 peaks past a chromosome end" in unsharded()["stderr"],
            f"summary lacks the skipped count: {unsharded()['stderr']!r}")
    out_dir = os.path.join(TMP, "noclip")
    os.makedirs(out_dir)
    result = score_seqs(os.path.join(out_dir, "run"), "--formats", "bigwig,npz")
    require(result.returncode == 2, f"exit {result.returncode}: {result.stderr}")
    require(f"'{PEAKS_PATH}' line 8:" in result.stderr and "runs past the chromosome (length 500)" in result.stderr
            and "--clip" in result.stderr, f"message: {result.stderr!r}")
    require(os.listdir(out_dir) == [], f"left behind: {os.listdir(out_dir)}")


@RUN.check
def bad_peak_line_fails_with_no_output():
    bad = os.path.join(TMP, "bad.narrowPeak")
    with open(PEAKS_PATH) as source, open(bad, "w") as handle:
        lines = source.read().splitlines()
        lines[3] = "\t".join(lines[3].split("\t")[:9] + ["500"])  # offset past the 200 bp peak
        handle.write("\n".join(lines) + "\n")
    out_dir = os.path.join(TMP, "bad")
    os.makedirs(out_dir)
    result = score_seqs(os.path.join(out_dir, "run"), "--clip", "--formats", "bigwig,npz", peaks=bad)
    require(result.returncode == 2, f"exit {result.returncode}: {result.stderr}")
    require(f"'{bad}' line 4, column 10 (peak): summit offset 500 is outside the peak" in result.stderr,
            f"message: {result.stderr!r}")
    require(os.listdir(out_dir) == [], f"left behind: {os.listdir(out_dir)}")


@RUN.check
def shards_merge_to_the_unsharded_run():
    prefix = unsharded()["prefix"]
    count = 3
    shard_prefixes = []
    for k in range(1, count + 1):
        shard_dir = os.path.join(TMP, f"shard{k}")
        os.makedirs(shard_dir)
        shard_prefixes.append(os.path.join(shard_dir, "run"))
        result = score_seqs(shard_prefixes[-1], "--clip", "--shard", f"{k}/{count}", "--formats", "bedgraph,npz")
        require(result.returncode == 0, f"shard {k}/{count} failed: {result.stderr}")
    for task in TASKS:
        merged = os.path.join(TMP, f"merged.{task}.bedGraph")
        result = subprocess.run([os.path.join(ARGS.bin, "merge-tracks"), "--bedgraph", merged] +
                                [f"{p}.{task}.bedGraph" for p in shard_prefixes], capture_output=True, text=True)
        require(result.returncode == 0, f"merge-tracks failed: {result.stderr}")

        def intervals_and_values(path):
            with open(path) as handle:
                fields = [line.split("\t") for line in handle.read().splitlines() if not line.startswith("track")]
            return [f[:3] for f in fields], np.array([float(f[3]) for f in fields])
        (whole, whole_values), (joined, joined_values) = (intervals_and_values(f"{prefix}.{task}.bedGraph"),
                                                          intervals_and_values(merged))
        require(len(whole) > 0 and joined == whole,
                f"{task}: merged shards give {len(joined)} intervals, the unsharded run {len(whole)}"
                + next((f"; first difference: {a!r} vs {b!r}" for a, b in zip(joined, whole) if a != b), ""))
        # A shard's batches hold other windows, so summation order inside the
        # matrix products (the last float bits) may differ (README, "Genome scale").
        scale = np.abs(whole_values).max()
        require(np.allclose(joined_values, whole_values, rtol=0, atol=1e-5 * scale),
                f"{task}: merged shard values differ by up to {np.abs(joined_values - whole_values).max()}")
        rows = load(prefix, f"{task}.hyp")
        for k, shard_prefix in enumerate(shard_prefixes):
            shard_rows = load(shard_prefix, f"{task}.hyp")
            require(shard_rows.shape == rows[k::count].shape and
                    np.allclose(shard_rows, rows[k::count], rtol=0, atol=1e-5 * np.abs(rows).max()),
                    f"shard {k + 1}: {task}.hyp rows are not the unsharded rows {k}, {k + count}, …")


if __name__ == "__main__":
    sys.exit(RUN.run())
