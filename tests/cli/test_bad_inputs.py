#!/usr/bin/python3
"""The bad-input matrix (issue 10): one row per kind of bad input or option.

Every row runs a real executable and asserts
- the exit status: 2 for bad input or a failure while running, 1 for a bad
  option (docs/contributing.md, "Command-line conventions"; src/cli/app_main.cpp);
- a message on stderr of the form "program: ..." naming the file, plus the
  record/position or line where there is one (htslib's own "[E::...]" line
  may come first: it names the low-level cause), and no library internals
  (nlohmann exception ids, "std::", "stol");
- that nothing was written: the row's output directory is still empty
  afterwards, hidden temporary files included.

A few rows are the good twin of a bad one (--pad, --clip, --threads 0) to show
the error is about the input, not the fixture.

Run by ctest as: python3 test_bad_inputs.py --bin BUILD --source SRC
"""
import argparse
import gzip
import json
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import (SMALL_ARCH, SMALL_LENGTH, Checker, listing, model_metadata, random_dna, run,  # noqa: E402
                         safetensors_bytes, small_tensors, write_fasta, write_model)

ALL_FORMATS = "bedgraph,bigwig,npz,tsv"


class Matrix:
    def __init__(self, bin_dir, work):
        self.bin = bin_dir
        self.work = work
        self.checker = Checker()
        self.rows = 0

    def path(self, name):
        return os.path.join(self.work, name)

    def out_dir(self, row):
        directory = self.path(f"out_{self.rows:02d}_{row}")
        os.makedirs(directory)
        return directory

    def expect(self, row, program, args, status, needles, out_dir=None, quiet=True):
        """Runs `program args`; checks status, message and an empty out_dir."""
        self.rows += 1
        command = [os.path.join(self.bin, program)] + [str(a) for a in args]
        result = run(command, cwd=self.work)
        check = self.checker.check
        where = f"[{row}] {' '.join(command[1:])}"
        check(result.returncode == status,
              f"{where}: exit {result.returncode}, expected {status}; stderr: {result.stderr.strip()}")
        if status != 0:
            # Every line is ours ("program: ..."), the usage hint, or htslib's
            # own "[E::function] reason" just before ours (it names the cause).
            lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Try '")]
            check(len(lines) >= 1 and lines[-1].startswith(program + ": ") and
                  all(line.startswith((program + ": ", "[E::")) for line in lines),
                  f"{where}: message lines not of the form '{program}: ...': {result.stderr!r}")
            # Library internals must not leak into the message.
            for leak in ("json.exception", "std::", "stol", "basic_string", "terminate", "what()"):
                check(leak not in result.stderr, f"{where}: internal detail '{leak}' in message: {result.stderr!r}")
        for needle in needles:
            check(needle in result.stderr, f"{where}: stderr lacks {needle!r}: {result.stderr.strip()!r}")
        if out_dir is not None and status != 0:
            left = listing(out_dir)
            check(left == [], f"{where}: output left behind after a failed run: {left}")
        return result

    def score(self, row, args, status, needles, formats=ALL_FORMATS, model=None, quiet=True, threads="2"):
        out = self.out_dir(row)
        base = ["--model", model or self.path("model.safetensors"), "--out", os.path.join(out, "p"),
                "--formats", formats, "--threads", threads]
        if quiet:
            base.append("--quiet")
        result = self.expect(row, "score-seqs", base + list(args), status, needles, out)
        return result, out


def make_fixtures(m):
    rng = np.random.default_rng(10)
    write_model(m.path("model.safetensors"))
    write_fasta(m.path("good.fa"), [("r1", random_dna(rng, 30)), ("r2", random_dna(rng, 25))])
    open(m.path("empty.fa"), "w").close()
    with open(m.path("headers_only.fa"), "w") as handle:
        handle.write(">r1\n>r2\n")
    with open(m.path("not_fasta.fa"), "w") as handle:
        handle.write("ACGT\n>r1\nACGT\n")
    # 'X' at 1-based position 15 of r2: 10 bases on the first line, then ACGTX.
    with open(m.path("invalid.fa"), "w") as handle:
        handle.write(">r1\n" + "A" * 25 + "\n>r2 description\nACGTACGTAC\nACGTXCGTACGTACGTACGT\n")
    # The same fault after 3000 good records: several chunks are already
    # scored and in the writers' temporary files when it is found.
    records = [(f"s{i}", random_dna(rng, 20)) for i in range(3000)]
    records.append(("late", random_dna(rng, 10) + "!" + random_dna(rng, 9)))
    write_fasta(m.path("invalid_late.fa"), records)
    write_fasta(m.path("short.fa"), [("r1", random_dna(rng, 30)), ("r2", random_dna(rng, 10))])
    write_fasta(m.path("duplicate.fa"), [("r1", random_dna(rng, 30)), ("r2", random_dna(rng, 20)),
                                         ("r1", random_dna(rng, 25))])
    write_fasta(m.path("region_length.fa"), [("chr1:101-150", random_dna(rng, 30))])
    write_fasta(m.path("region_huge.fa"), [("chr1:1-99999999999999999999999", random_dna(rng, 30))])
    # A 300 kB record name once overflowed the stack (std::regex); it is a
    # valid name, so this row must succeed.
    write_fasta(m.path("long_name.fa"), [("c" * 300000 + ":1-20", random_dna(rng, 20))])

    text = "".join(f">t{i}\n{random_dna(rng, 40)}\n" for i in range(2000)).encode()
    packed = gzip.compress(text)
    with open(m.path("truncated.fa.gz"), "wb") as handle:
        handle.write(packed[:len(packed) // 2])

    write_fasta(m.path("genome.fa"), [("chr1", random_dna(rng, 300)), ("chr2", random_dna(rng, 100))])
    # faidx needs equal line lengths within a sequence.
    with open(m.path("ragged_genome.fa"), "w") as handle:
        handle.write(">chr1\n" + random_dna(rng, 10) + "\n" + random_dna(rng, 20) + "\n" + random_dna(rng, 10) + "\n")
    beds = {
        "start_after_end.bed": "chr1\t10\t50\nchr1\t60\t40\n",
        "negative.bed": "chr1\t-10\t50\n",
        "unknown_chrom.bed": "chr1\t10\t50\nchrX\t10\t50\n",
        "past_end.bed": "chr1\t10\t50\nchr2\t90\t130\n",
        "all_past_end.bed": "chr2\t90\t130\n",
        "not_a_number.bed": "chr1\t10\t5O\n",
    }
    for name, text in beds.items():
        with open(m.path(name), "w") as handle:
            handle.write(text)
    # narrowPeak (model input 20 bp: windows [summit − 10, summit + 10)).
    rest = "\tp\t0\t.\t1\t1\t1\t"
    peaks = {
        "good.narrowPeak": f"chr1\t100\t200{rest}50\nchr1\t140\t160{rest}-1\nchr2\t20\t80{rest}30\n",
        "past_end.narrowPeak": f"chr1\t100\t200{rest}50\nchr2\t80\t100{rest}15\n",
        "all_past_end.narrowPeak": f"chr2\t80\t100{rest}15\n",
        "few_columns.narrowPeak": "chr1\t100\t200\tp\t0\t.\n",
        "offset_outside.narrowPeak": f"chr1\t100\t200{rest}50\nchr1\t100\t200{rest}100\n",
        "offset_not_number.narrowPeak": f"chr1\t100\t200{rest}5O\n",
        "start_after_end.narrowPeak": f"chr1\t200\t100{rest}5\n",
        "unknown_chrom.narrowPeak": f"chr1\t100\t200{rest}50\nchrX\t100\t200{rest}50\n",
    }
    for name, text in peaks.items():
        with open(m.path(name), "w") as handle:
            handle.write(text)
    with gzip.open(m.path("good.narrowPeak.gz"), "wt") as handle:
        handle.write(peaks["good.narrowPeak"])
    packed = gzip.compress(("".join(f"chr1\t{i}\t{i + 40}{rest}20\n" for i in range(20, 260)) * 40).encode())
    with open(m.path("truncated.narrowPeak.gz"), "wb") as handle:
        handle.write(packed[:len(packed) // 2])
    os.makedirs(m.path("a_directory"))


def model_rows(m):
    good = safetensors_bytes(small_tensors(), model_metadata(SMALL_ARCH))

    def model(name, data):
        with open(m.path(name), "wb") as handle:
            handle.write(data)
        return m.path(name)

    def arch_with(change):
        arch = json.loads(json.dumps(SMALL_ARCH))
        change(arch)
        return safetensors_bytes(small_tensors(), model_metadata(arch))

    def tensors_with(change):
        tensors = small_tensors()
        change(tensors)
        return safetensors_bytes(tensors, model_metadata(SMALL_ARCH))

    fasta = ["--fasta", "good.fa"]
    rows = [
        ("model truncated in the data", good[:-7], ["'{}'", "not a valid model file", "data_offsets"]),
        ("model truncated in the header", good[:40], ["'{}'", "header length", "runs past the end of the file"]),
        ("model of zero length", b"", ["'{}'", "file is 0 bytes"]),
        ("model with another format", None, ["'{}'", 'format is "pytorch", expected "deeplift-model"']),
        ("model of another kind (zip)", b"PK\x03\x04" + good[4:], ["'{}'", "not a safetensors file?"]),
        ("model of version 3", None, ["'{}'", "version 3 is not supported"]),
        ("model with a huge header length", struct.pack("<Q", 2 ** 64 - 1) + good[8:],
         ["'{}'", "header length 18446744073709551615 runs past the end"]),
        ("model with a header length just past the end", struct.pack("<Q", len(good) - 7) + good[8:],
         ["'{}'", "runs past the end"]),
        ("model header not JSON", None, ["'{}'", "header is not JSON"]),
        ("model with a conv weight of the wrong shape",
         tensors_with(lambda t: t.update({"conv1.weight": t["conv1.weight"].reshape(4, 3, 5)})),
         ["'{}'", "layer 1 (conv1)", "'conv1.weight' has shape [4, 3, 5], the architecture needs [3, 4, 5]"]),
        ("model with a dense weight of the wrong shape",
         tensors_with(lambda t: t.update({"out.weight": np.zeros((2, 47), np.float32)})),
         ["'{}'", "'out.weight' has shape [2, 47]"]),
        ("model whose shapes do not chain", arch_with(lambda a: a["layers"][3].update({"in_features": 47})),
         ["'{}'", "in_features is 47 but the previous layer gives 48"]),
        ("model lacking a tensor", tensors_with(lambda t: t.pop("conv1.bias")), ["'{}'", "missing tensor 'conv1.bias'"]),
        ("model with an extra tensor", tensors_with(lambda t: t.update({"extra.weight": np.ones(2, np.float32)})),
         ["'{}'", "extra tensor 'extra.weight'"]),
        ("model with a NaN weight", tensors_with(lambda t: t["out.weight"].__setitem__((1, 3), np.nan)),
         ["'{}'", "'out.weight' holds a non-finite value (nan) at flat index 51"]),
        ("model with an Inf bias", tensors_with(lambda t: t["conv1.bias"].__setitem__(2, np.inf)),
         ["'{}'", "'conv1.bias' holds a non-finite value (inf)"]),
        ("model with an unknown layer", arch_with(lambda a: a["layers"][1].update({"type": "gelu"})),
         ["'{}'", "layer 2", "unknown layer type: gelu"]),
        ("model layer missing a field", arch_with(lambda a: a["layers"][0].pop("kernel_size")),
         ["'{}'", "layer 1 (conv1)", 'missing field "kernel_size"']),
        ("model architecture without tasks", arch_with(lambda a: a.pop("tasks")), ["'{}'", '"tasks"']),
        ("model architecture with a non-string output", arch_with(lambda a: a.update({"output": 3})),
         ["'{}'", "architecture output must be a string"]),
        ("model architecture not JSON", None, ["'{}'", "architecture is not JSON"]),
        ("model with a number too large for JSON", None, ["'{}'", "header is not JSON"]),
    ]
    for row, data, needles in rows:
        name = row.replace(" ", "_").replace("(", "").replace(")", "") + ".safetensors"
        if data is None:
            if "another format" in row:
                metadata = model_metadata(SMALL_ARCH)
                metadata["format"] = "pytorch"
                data = safetensors_bytes(small_tensors(), metadata)
            elif "version 3" in row:
                metadata = model_metadata(SMALL_ARCH)
                metadata["version"] = "3"
                data = safetensors_bytes(small_tensors(), metadata)
            elif "header not JSON" in row:
                text = b"{not json"
                data = struct.pack("<Q", len(text)) + text
            elif "architecture not JSON" in row:
                metadata = model_metadata(SMALL_ARCH)
                metadata["architecture"] = "{layers: conv1d"
                data = safetensors_bytes(small_tensors(), metadata)
            elif "too large" in row:
                # nlohmann throws out_of_range, not parse_error, for this (fuzzing found it).
                text = b'{"__metadata__": {"format": "deeplift-model"}, "x": 1e309}'
                data = struct.pack("<Q", len(text)) + text
        path = model(name, data)
        m.score(row, fasta, 2, [n.format(path) for n in needles], model=path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="deeplift_bad_inputs_") as work:
        m = Matrix(args.bin, work)
        make_fixtures(m)
        score = m.score

        # The fixtures are good: the same command succeeds and writes every format.
        result, out = score("good input", ["--fasta", "good.fa"], 0, [])
        m.checker.check(len(listing(out)) == 10, f"good input: expected 10 outputs, got {listing(out)}")

        # FASTA
        score("empty FASTA", ["--fasta", "empty.fa"], 2, ["'empty.fa'", "no FASTA records"])
        score("FASTA with no sequence lines", ["--fasta", "headers_only.fa"], 2,
              ["'headers_only.fa'", "record 'r1' has no sequence"])
        score("text before the first header", ["--fasta", "not_fasta.fa"], 2,
              ["'not_fasta.fa'", "line 1", "before the first '>'"])
        score("invalid character", ["--fasta", "invalid.fa"], 2,
              ["'invalid.fa'", "record 'r2'", "invalid character 'X' at position 15"])
        score("invalid character after 3000 good records", ["--fasta", "invalid_late.fa", "--batch-size", "16"], 2,
              ["'invalid_late.fa'", "record 'late'", "invalid character '!' at position 11"])
        score("truncated gzip FASTA", ["--fasta", "truncated.fa.gz"], 2,
              ["'truncated.fa.gz'", "corrupt or truncated compressed file?"])
        score("record shorter than the model input", ["--fasta", "short.fa"], 2,
              ["'short.fa'", "record 'r2' is 10 bp, shorter than the model input (20 bp)", "--pad"])
        score("short record with --pad", ["--fasta", "short.fa", "--pad"], 0, [])
        score("duplicate record names", ["--fasta", "duplicate.fa"], 2,
              ["'duplicate.fa'", "duplicate record name 'r1'"])
        score("region name disagreeing with the length", ["--fasta", "region_length.fa"], 2,
              ["'region_length.fa'", "record 'chr1:101-150' names a region of 50 bp but holds 30 bp"])
        score("region name with a huge coordinate", ["--fasta", "region_huge.fa"], 2,
              ["'region_huge.fa'", "bad coordinate '99999999999999999999999'"])
        score("300 kB record name", ["--fasta", "long_name.fa"], 0, [], formats="tsv")

        # Model files
        model_rows(m)
        score("model is a directory", ["--fasta", "good.fa"], 2, ["can't open 'a_directory': Is a directory"],
              model="a_directory")
        score("model missing", ["--fasta", "good.fa"], 2, ["can't open 'missing.safetensors': No such file"],
              model="missing.safetensors")
        # Several models (--model twice) must agree (docs/scoring.md, "Several models").
        longer = json.loads(json.dumps(SMALL_ARCH))
        longer["input"]["length"] = SMALL_LENGTH + 4
        longer["layers"][3]["in_features"] = 3 * SMALL_LENGTH
        write_model(m.path("longer.safetensors"), longer, small_tensors() | {
            "out.weight": np.zeros((2, 3 * SMALL_LENGTH), np.float32)})
        renamed = json.loads(json.dumps(SMALL_ARCH))
        renamed["tasks"] = ["task_a", "task_c"]
        write_model(m.path("renamed.safetensors"), renamed, small_tensors(seed=2))
        score("models of different input lengths", ["--fasta", "good.fa", "--model", "longer.safetensors"], 2,
              ["--model 'longer.safetensors' and", "differ", f"'longer.safetensors' takes {SMALL_LENGTH + 4} bp",
               f"{SMALL_LENGTH} bp"])
        score("models with different tasks", ["--fasta", "good.fa", "--model", "renamed.safetensors"], 2,
              ["task 'task_b' of '", "is not in 'renamed.safetensors' (its tasks: task_a, task_c)"])
        score("models with different tasks, only shared ones scored",
              ["--fasta", "good.fa", "--model", "renamed.safetensors", "--tasks", "task_a"], 0, [])

        # BED regions of a genome
        genome = ["--genome", "genome.fa", "--bed"]
        score("genome faidx cannot index", ["--genome", "ragged_genome.fa", "--bed", "negative.bed"], 2,
              ["Different line length in sequence 'chr1'", "'ragged_genome.fa': can't index the genome"])
        score("BED start after end", genome + ["start_after_end.bed"], 2,
              ["'start_after_end.bed' line 2", "start 60 is not before end 40"])
        score("BED negative coordinate", genome + ["negative.bed"], 2,
              ["'negative.bed' line 1", "start -10 is negative"])
        score("BED unknown chromosome", genome + ["unknown_chrom.bed"], 2,
              ["'unknown_chrom.bed' line 2", "chromosome 'chrX' is not in 'genome.fa'"])
        score("BED region past the chromosome end", genome + ["past_end.bed"], 2,
              ["'past_end.bed' line 2", "chr2:90-130 runs past the chromosome (length 100)", "--clip"])
        result, out = score("BED region past the end with --clip", genome + ["past_end.bed", "--clip"], 0,
                            ["skipped 1 regions past a chromosome end"], quiet=False)
        with open(os.path.join(out, "p.predictions.tsv")) as handle:
            names = [line.split("\t")[0] for line in handle.read().splitlines()[1:]]
        m.checker.check(names and all(n.startswith("chr1:11-50/") for n in names),
                        f"--clip: only the chr1 region should be scored, got {names}")
        score("BED with every region past the end, --clip", genome + ["all_past_end.bed", "--clip"], 2,
              ["'all_past_end.bed': no regions to score"])
        score("BED coordinate not a number", genome + ["not_a_number.bed"], 2,
              ["'not_a_number.bed' line 1", "end '5O' is not a whole number"])

        # narrowPeak summit windows of a genome
        peaks = ["--genome", "genome.fa", "--peaks"]
        score("narrowPeak good", peaks + ["good.narrowPeak"], 0, [])
        score("narrowPeak gzip good", peaks + ["good.narrowPeak.gz"], 0, [])
        score("narrowPeak with fewer than 10 columns", peaks + ["few_columns.narrowPeak"], 2,
              ["'few_columns.narrowPeak' line 1: a narrowPeak line needs 10 tab-separated columns", "found 6"])
        score("narrowPeak summit offset outside the peak", peaks + ["offset_outside.narrowPeak"], 2,
              ["'offset_outside.narrowPeak' line 2, column 10 (peak): summit offset 100 is outside the peak"])
        score("narrowPeak summit offset not a number", peaks + ["offset_not_number.narrowPeak"], 2,
              ["'offset_not_number.narrowPeak' line 1, column 10 (peak): '5O' is not a whole number"])
        score("narrowPeak start after end", peaks + ["start_after_end.narrowPeak"], 2,
              ["'start_after_end.narrowPeak' line 1, column 3 (chromEnd): chromStart 200 is not before"])
        score("narrowPeak unknown chromosome", peaks + ["unknown_chrom.narrowPeak"], 2,
              ["'unknown_chrom.narrowPeak' line 2, column 1 (chrom): chromosome 'chrX' is not in 'genome.fa'"])
        score("narrowPeak window past the chromosome end", peaks + ["past_end.narrowPeak"], 2,
              ["'past_end.narrowPeak' line 2: the 20 bp window chr2:85-105 around the summit at 95",
               "runs past the chromosome (length 100)", "--clip"])
        result, out = score("narrowPeak window past the end with --clip", peaks + ["past_end.narrowPeak", "--clip"],
                            0, ["skipped 1 peaks past a chromosome end"], quiet=False)
        with open(os.path.join(out, "p.predictions.tsv")) as handle:
            names = [line.split("\t")[0] for line in handle.read().splitlines()[1:]]
        m.checker.check(names == ["chr1:141-160"], f"narrowPeak --clip: only the chr1 window expected, got {names}")
        score("narrowPeak with every window past the end, --clip", peaks + ["all_past_end.narrowPeak", "--clip"],
              2, ["'all_past_end.narrowPeak': no peaks to score"])
        score("truncated gzip narrowPeak", peaks + ["truncated.narrowPeak.gz"], 2,
              ["'truncated.narrowPeak.gz'", "corrupt or truncated compressed file?"])
        score("narrowPeak is a directory", peaks + ["a_directory"], 2, ["can't open 'a_directory': Is a directory"])
        score("narrowPeak missing", peaks + ["missing.narrowPeak"], 2,
              ["can't open 'missing.narrowPeak': No such file or directory"])
        score("--peaks with --bed", peaks + ["good.narrowPeak", "--bed", "past_end.bed"], 1,
              ["give either --bed or --peaks, not both"])
        score("--peaks with --fasta", ["--peaks", "good.narrowPeak", "--fasta", "good.fa"], 1,
              ["--genome goes with --bed or --peaks", "give either --fasta or --genome with --bed or --peaks"])
        score("--peaks with --center-width", peaks + ["good.narrowPeak", "--center-width", "30"], 1,
              ["--center-width applies to --bed regions"])

        # Unreadable inputs (running as root, chmod 000 would not stop a read)
        score("FASTA is a directory", ["--fasta", "a_directory"], 2, ["can't open 'a_directory': Is a directory"])
        score("FASTA missing", ["--fasta", "missing.fa"], 2, ["can't open 'missing.fa': No such file or directory"])
        score("BED is a directory", genome + ["a_directory"], 2, ["can't open 'a_directory': Is a directory"])
        score("genome is a directory", ["--genome", "a_directory", "--bed", "past_end.bed"], 2,
              ["can't open 'a_directory': Is a directory"])
        score("genome missing", ["--genome", "missing.fa", "--bed", "past_end.bed"], 2,
              ["can't open 'missing.fa': No such file or directory"])

        # Outputs that cannot be written
        model = m.path("model.safetensors")
        base = ["--model", model, "--fasta", "good.fa", "--quiet"]
        m.expect("missing output directory", "score-seqs", base + ["--out", "no_such_dir/p"], 2,
                 ["can't write 'no_such_dir/p.", "No such file or directory"])
        m.checker.check(not os.path.exists(m.path("no_such_dir")), "missing output directory was created")
        m.expect("output directory is a file", "score-seqs", base + ["--out", "/etc/passwd/x"], 2,
                 ["can't write '/etc/passwd/x.", "Not a directory"])
        # A directory where an output goes used to fail only the last rename,
        # after every other output had been published.
        out = m.out_dir("output path is a directory")
        os.makedirs(os.path.join(out, "p.predictions.tsv"))
        m.expect("output path is a directory", "score-seqs", base + ["--out", os.path.join(out, "p")], 2,
                 [f"can't write '{out}/p.predictions.tsv': Is a directory"])
        left = listing(out)
        m.checker.check(left == ["p.predictions.tsv"], f"output path is a directory: left behind {left}")
        out = m.out_dir("prefix is a directory")
        m.expect("prefix is a directory", "score-seqs", base + ["--out", out + "/"], 1,
                 [f"--out '{out}/' is a directory"], out)

        # Options (status 1); --threads 0 means every core, so it is a good row.
        score("--threads 0", ["--fasta", "good.fa"], 0, [], threads="0")
        score("negative --threads", ["--fasta", "good.fa"], 1, ["--threads must be >= 1"], threads="-1")
        score("--batch-size 0", ["--fasta", "good.fa", "--batch-size", "0"], 1, ["--batch-size must be >= 1"])
        score("unknown method", ["--fasta", "good.fa", "--method", "deepshap"], 1,
              ["unknown method 'deepshap'", "revealcancel"])
        score("unknown reference", ["--fasta", "good.fa", "--reference", "uniform"], 1,
              ["bad reference 'uniform'", "gc:F"])
        score("unknown task", ["--fasta", "good.fa", "--tasks", "task_a,gata1"], 1,
              ["unknown task 'gata1'", "task_a, task_b"])
        score("unknown format", ["--fasta", "good.fa"], 1, ["unknown output format 'bed'"], formats="bed")
        score("reference frequencies not summing to 1", ["--fasta", "good.fa", "--reference", "freqs:0.3,0.2,0.2,0.2"],
              1, ["bad reference 'freqs:0.3,0.2,0.2,0.2'", "sum to 0.9"])
        score("negative reference frequency", ["--fasta", "good.fa", "--reference", "freqs:-0.1,0.4,0.4,0.3"], 1,
              ["bad reference 'freqs:-0.1,0.4,0.4,0.3'"])
        score("GC fraction above 1", ["--fasta", "good.fa", "--reference", "gc:1.5"], 1, ["bad reference 'gc:1.5'"])

        # simulate-motifs
        meme = os.path.join(args.source, "data", "motifs", "gata_tal.meme")
        for background in ["0.3,0.2,0.2,0.2", "0.5,0.5,0,0", "a,c,g,t", "0.25,0.25,0.25", "nan,0.2,0.2,0.6"]:
            out = m.out_dir("background")
            m.expect(f"simulate-motifs --background {background}", "simulate-motifs",
                     ["--motifs", meme, "--n", "8", "--out", os.path.join(out, "sim"), "--background", background],
                     1, [f"--background '{background}'", "summing to 1"], out)
        with open(m.path("bad.meme"), "w") as handle:
            handle.write("MEME version 4\n\nMOTIF m1\nletter-probability matrix: alength= 4 w= 2\n"
                         "0.5 0.5 0 0\n0.5 0.5 0.5 0\n")
        out = m.out_dir("meme")
        m.expect("simulate-motifs with a malformed MEME file", "simulate-motifs",
                 ["--motifs", "bad.meme", "--n", "8", "--out", os.path.join(out, "sim")], 2,
                 ["bad.meme:6:", "motif m1 row 2 sums to 1.5"], out)

        # merge-tracks
        with open(m.path("a.bedGraph"), "w") as handle:
            handle.write("track type=bedGraph\nchr1\t0\t10\t1.5\nchr1\t20\t30\t2\n")
        with open(m.path("b.bedGraph"), "w") as handle:
            handle.write("chr1\t5\t15\t1\n")
        out = m.out_dir("merge")
        m.expect("merge-tracks with overlapping inputs", "merge-tracks",
                 ["--bedgraph", os.path.join(out, "m.bedGraph"), "--bigwig", os.path.join(out, "m.bw"),
                  "--chrom-sizes", "genome.fa.fai", "a.bedGraph", "b.bedGraph"], 2,
                 ["overlapping intervals chr1:0-10 (from 'a.bedGraph') and chr1:5-15 (from 'b.bedGraph')"], out)
        out = m.out_dir("merge_dir")
        m.expect("merge-tracks input is a directory", "merge-tracks",
                 ["--bedgraph", os.path.join(out, "m.bedGraph"), "a_directory"], 2,
                 ["can't open 'a_directory': Is a directory"], out)

        print(f"{m.rows} rows", file=sys.stderr)
        return m.checker.finish()


if __name__ == "__main__":
    sys.exit(main())
