#!/usr/bin/python3
"""Genome-scale scoring (issue 7), checked against independent paths:

- BED regions of an indexed genome score exactly like the same sequences
  given as FASTA (extracted by samtools faidx, not by our code);
- a long region equals the per-base mean of its windows scored separately;
- the bedGraph is sorted and non-overlapping per bedtools, and the bigWig
  reads back through pyBigWig with the bedGraph's values and the .fai sizes;
- the union of --shard K/N runs (merged by merge-tracks) equals the
  unsharded run, and so does the Snakemake workflow, on BED regions and on
  peaks with two fold models (its merged ohe/hyp npz too, via merge-npz);
- a 200,000-window run stays within a bounded RSS.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

import numpy as np


failures = []
passes = 0


def check(condition, message):
    global passes
    if condition:
        passes += 1
    else:
        failures.append(message)
        print("FAIL:", message, file=sys.stderr)


def run(*args, **kwargs):
    result = subprocess.run(list(map(str, args)), capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(map(str, args))}\n{result.stderr}")
    return result


def read_bedgraph(path):
    values = {}
    with open(path) as f:
        for line in f:
            if line.startswith("track"):
                continue
            chrom, start, end, value = line.split()
            for position in range(int(start), int(end)):
                values[(chrom, position)] = float(value)
    return values


def max_difference(a, b):
    if set(a) != set(b):
        return float("inf")
    return max(abs(a[k] - b[k]) for k in a)


def snakemake_peaks(args, work, score, genome, bed, model, tasks):
    """The workflow's peaks mode with two fold models: the merged bigWigs and
    the merged ohe/hyp npz equal an unsharded `score-seqs -m A -m B --peaks`
    run's (ohe exactly; scores to float32 rounding, batches differ)."""
    peaks = f"{work}/peaks.narrowPeak"
    with open(bed) as f, open(peaks, "w") as out:
        for i, line in enumerate(f):  # 22 peaks: 3 shards of 8, 7, 7
            chrom, start, end = line.split()[:3]
            offset = -1 if i == 3 else (53 * i) % (int(end) - int(start))
            out.write(f"{chrom}\t{start}\t{end}\tpeak{i}\t0\t.\t1\t-1\t1\t{offset}\n")
    fold = os.path.join(work, "fold2.safetensors")
    run(sys.executable, os.path.join(args.source, "scripts", "write-model.py"),
        os.path.join(args.source, "data", "archs", "example-random.json"), fold, "--seed", 6)
    options = ["--method", "revealcancel", "--reference", "gc:0.4"]
    run(score, "-m", model, "-m", fold, "--quiet", "--genome", genome, "--peaks", peaks, *options,
        "--formats", "bedgraph,npz", "--out", f"{work}/peaks_whole")
    config = os.path.join(work, "workflow_peaks.yaml")
    with open(config, "w") as f:
        json.dump({"bin": os.path.abspath(args.bin), "model": [model, fold], "genome": genome, "peaks": peaks,
                   "out": f"{work}/snake_peaks/run", "tasks": tasks, "shards": 3, "options": " ".join(options)}, f)
    run("snakemake", "-s", os.path.join(args.source, "workflow", "Snakefile"), "--configfile", config,
        "--cores", 2, "--quiet", "--directory", work)
    prefix = f"{work}/snake_peaks/run"
    import pyBigWig
    for task in tasks:
        whole = read_bedgraph(f"{work}/peaks_whole.{task}.bedGraph")
        scale = max(abs(v) for v in whole.values())
        bw = pyBigWig.open(f"{prefix}.{task}.bw")
        got = {(c, p): bw.values(c, p, p + 1)[0] for c, p in whole}
        bw.close()
        difference = max_difference(got, whole)
        check(difference <= 1e-5 * scale, f"peaks workflow: {task} bigWig equals the unsharded run "
              f"(max diff {difference:.3g}, scale {scale:.3g})")
        hyp_whole = np.load(f"{work}/peaks_whole.{task}.hyp.npz")["arr_0"]
        hyp = np.load(f"{prefix}.{task}.hyp.npz")["arr_0"]
        check(hyp.shape == hyp_whole.shape == (22, 4, 200) and
              np.allclose(hyp, hyp_whole, rtol=0, atol=1e-5 * np.abs(hyp_whole).max()),
              f"peaks workflow: merged {task}.hyp.npz equals the unsharded run's")
    ohe_whole = np.load(f"{work}/peaks_whole.ohe.npz")["arr_0"]
    check(np.array_equal(np.load(f"{prefix}.ohe.npz")["arr_0"], ohe_whole),
          "peaks workflow: merged ohe.npz equals the unsharded run's (peak order)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    score = os.path.join(args.bin, "score-seqs")
    merge = os.path.join(args.bin, "merge-tracks")
    work = tempfile.mkdtemp(prefix="deeplift_genome_")
    try:
        # The docs/model-format.md example architecture, as the bundled example uses it.
        arch = os.path.join(args.source, "data", "archs", "example-random.json")
        with open(arch) as f:
            tasks = json.load(f)["tasks"]
        model = os.path.join(work, "model.safetensors")
        run(sys.executable, os.path.join(args.source, "scripts", "write-model.py"), arch, model, "--seed", 5)
        run(os.path.join(args.source, "scripts", "make-example-genome"), work)
        genome = os.path.join(work, "genome.fa")
        peaks = os.path.join(work, "peaks.bed")
        with open(peaks) as f:
            regions = [line.split()[:3] for line in f]
        common = ["--model", model, "--quiet", "--threads", 2]

        # 1. --genome/--bed equals the same sequences as FASTA (samtools faidx).
        run(score, *common, "--genome", genome, "--bed", peaks, "--out", f"{work}/bed",
            "--formats", "bedgraph,bigwig,tsv")
        check(os.path.exists(genome + ".fai"), "the .fai was built")
        names = [f"{c}:{int(s) + 1}-{e}" for c, s, e in regions]
        extracted = run("samtools", "faidx", genome, *names).stdout
        with open(f"{work}/regions.fa", "w") as f:
            f.write(extracted)
        run(score, *common, "--fasta", f"{work}/regions.fa", "--out", f"{work}/fasta", "--formats", "bedgraph")
        for task in tasks:
            a = read_bedgraph(f"{work}/bed.{task}.bedGraph")
            b = read_bedgraph(f"{work}/fasta.{task}.bedGraph")
            check(max_difference(a, b) <= 1e-6, f"genome/bed and FASTA scores agree for {task}")
        check(len(a) == sum(int(e) - int(s) for _, s, e in regions), "one bedGraph line per region base")

        # 2. A 1000 bp region equals the mean of its windows scored separately.
        long_region = next((c, int(s), int(e)) for c, s, e in regions if int(e) - int(s) == 1000)
        chrom, start, end = long_region
        with open(f"{work}/long.bed", "w") as f:
            f.write(f"{chrom}\t{start}\t{end}\n")
        run(score, *common, "--genome", genome, "--bed", f"{work}/long.bed", "--out", f"{work}/long",
            "--formats", "bedgraph", "--stride", 150)
        starts = list(range(0, 1000 - 200 + 1, 150))
        if starts[-1] != 800:
            starts.append(800)
        window_names = [f"{chrom}:{start + s + 1}-{start + s + 200}" for s in starts]
        with open(f"{work}/windows.fa", "w") as f:
            f.write(run("samtools", "faidx", genome, *window_names).stdout)
        run(score, *common, "--fasta", f"{work}/windows.fa", "--out", f"{work}/windows", "--formats", "tsv,npz")
        contrib = np.load(f"{work}/windows.both.contrib.npz")["arr_0"]
        hyp = np.load(f"{work}/windows.both.hyp.npz")["arr_0"]
        ohe = np.load(f"{work}/windows.ohe.npz")["arr_0"]
        # Per-base score s = contribution summed over channels (contrib = ohe * s,
        # and at N positions, where contrib is 0, the hypothetical row at any base).
        per_window = contrib.sum(axis=1)
        sums = np.zeros(1000)
        counts = np.zeros(1000)
        for row, s in enumerate(starts):
            sums[s:s + 200] += per_window[row]
            counts[s:s + 200] += 1
        expected = sums / counts
        got = read_bedgraph(f"{work}/long.both.bedGraph")
        got = np.array([got[(chrom, start + i)] for i in range(1000)])
        check(np.allclose(got, expected, rtol=1e-5, atol=1e-6),
              f"windowed region = mean of its windows (max diff {np.abs(got - expected).max():.3g})")
        check(np.all(ohe.sum(axis=1) == 1), "example genome windows are all ACGT")

        # 3. bedtools accepts the bedGraph; pyBigWig reads back the same values.
        bedgraph = f"{work}/bed.both.bedGraph"
        body = [l for l in open(bedgraph) if not l.startswith("track")]
        sorted_body = run("bedtools", "sort", "-i", bedgraph).stdout.splitlines(keepends=True)
        check(sorted_body == body, "bedtools sort leaves the bedGraph unchanged")
        merged = run("bedtools", "merge", "-i", bedgraph, "-c", "1", "-o", "count").stdout.split("\n")
        merged = [l.split() for l in merged if l]
        check(all(int(e) - int(s) == int(n) for _, s, e, n in merged), "no base is covered twice (bedtools merge)")
        import pyBigWig
        bw = pyBigWig.open(f"{work}/bed.both.bw")
        sizes = {l.split()[0]: int(l.split()[1]) for l in open(genome + ".fai")}
        check(bw.chroms() == sizes, "bigWig chromosome sizes are the .fai's")
        values = read_bedgraph(bedgraph)
        worst = 0.0
        for (c, p), v in values.items():
            worst = max(worst, abs(bw.values(c, p, p + 1)[0] - v))
        check(worst <= 1e-6 * 5 + 1e-7, f"bigWig values equal the bedGraph's (max diff {worst:.3g})")
        check(bw.header()["nLevels"] > 0, "bigWig has zoom levels")
        bw.close()

        # 4. The union of 3 shards equals the unsharded run.
        for k in (1, 2, 3):
            run(score, *common, "--genome", genome, "--bed", peaks, "--shard", f"{k}/3", "--out", f"{work}/shard{k}",
                "--formats", "bedgraph")
        run(merge, "--bedgraph", f"{work}/merged.bedGraph", "--bigwig", f"{work}/merged.bw", "--chrom-sizes",
            genome + ".fai", *[f"{work}/shard{k}.both.bedGraph" for k in (1, 2, 3)])
        # Batches hold other windows in a shard, so GEMM summation order (and
        # the last float bit) may differ: compare at float32 precision.
        difference = max_difference(read_bedgraph(f"{work}/merged.bedGraph"), values)
        check(difference <= 1e-6, f"shard union equals the unsharded run (max diff {difference:.3g})")

        # 5. The Snakemake workflow end to end, in 3 shards.
        if shutil.which("snakemake"):
            config = os.path.join(work, "workflow.yaml")
            with open(config, "w") as f:
                json.dump({"bin": os.path.abspath(args.bin), "model": model, "genome": genome, "bed": peaks,
                           "out": f"{work}/snake/peaks", "tasks": tasks, "shards": 3,
                           "options": "--method revealcancel --reference gc:0.4"}, f)
            run("snakemake", "-s", os.path.join(args.source, "workflow", "Snakefile"), "--configfile", config,
                "--cores", 2, "--quiet", "--directory", work)
            difference = max_difference(read_bedgraph(f"{work}/snake/peaks.both.bedGraph"), values)
            check(difference <= 1e-6, f"Snakemake workflow equals the unsharded run (max diff {difference:.3g})")
            check(os.path.exists(f"{work}/snake/peaks.tal1.bw"), "Snakemake workflow wrote the bigWigs")
            snakemake_peaks(args, work, score, genome, peaks, model, tasks)
        else:
            check(False, "snakemake is installed (scripts/install-deps)")

        # 6. Bounded memory: 200,000+ windows over a 4 Mb region (stride 20).
        rng = np.random.default_rng(1)
        with open(f"{work}/big.fa", "w") as f:
            f.write(">big\n")
            bases = np.array(list("ACGT"))[rng.integers(0, 4, 4_100_000)]
            for i in range(0, len(bases), 100_000):
                f.write("".join(bases[i:i + 100_000]) + "\n")
        with open(f"{work}/big.bed", "w") as f:
            f.write("big\t0\t4100000\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        run(score, *common, "--genome", f"{work}/big.fa", "--bed", f"{work}/big.bed", "--stride", 20,
            "--method", "grad-input", "--tasks", "both", "--formats", "bigwig", "--out", f"{work}/big")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        windows = (4_100_000 - 200) // 20 + 1
        print(f"200k-window run: {windows} windows, peak RSS {peak_mb:.0f} MB", file=sys.stderr)
        check(windows >= 200_000, "the memory run has at least 200,000 windows")
        check(peak_mb < 300, f"peak RSS {peak_mb:.0f} MB stays under 300 MB for {windows} windows")
        del before
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
