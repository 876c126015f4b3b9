#!/usr/bin/python3
"""Interrupted runs of score-seqs leave no output behind (issue 10, docs/outputs.md).

- SIGKILL halfway: no file exists at any output path. What may remain are the
  writers' temporary files, hidden and named '.<output name>.tmp.XXXXXX'
  beside the outputs (the bulk data is in files that were unlinked at
  creation, so it is gone with the process); a rerun of the same command
  ignores them and succeeds.
- SIGINT (Ctrl-C) and SIGTERM (what schedulers send) halfway: the run stops
  within seconds with 'interrupted by ...' on stderr, exit status 128 +
  signal (130, 143), and the output directory is left empty, temporary files
  included. The same holds for --method ism, whose batches are slow.

"Halfway" is observed, not timed: the predictions table's temporary file
receives its first 1 MiB block (the stdio buffer) after about half of the
20,000 windows have been scored.

Run by ctest as: python3 test_interruption.py --bin BUILD --source SRC
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import Checker, listing, random_dna, write_fasta, write_paper_model  # noqa: E402

TASKS = ["both", "gata1", "tal1"]
SEQUENCES = 20000
TEMP_NAME = re.compile(r"^\.p\..+\.tmp\.[A-Za-z0-9]{6}$")


def output_names():
    names = ["p.ohe.npz", "p.predictions.tsv"]
    for task in TASKS:
        names += [f"p.{task}.bedGraph", f"p.{task}.bw", f"p.{task}.contrib.npz", f"p.{task}.hyp.npz"]
    return sorted(names)


def command(exe, work, out_dir, method="revealcancel", fasta="big.fa"):
    return [exe, "--model", os.path.join(work, "paper.safetensors"), "--fasta", os.path.join(work, fasta),
            "--out", os.path.join(out_dir, "p"), "--formats", "bedgraph,bigwig,npz,tsv", "--threads", "1",
            "--method", method, "--quiet"]


def wait_until_halfway(process, out_dir, timeout=300):
    """True once the predictions' temporary file has data (about halfway)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        for name in os.listdir(out_dir):
            if name.startswith(".p.predictions.tsv.tmp."):
                try:
                    if os.path.getsize(os.path.join(out_dir, name)) > 0:
                        return True
                except FileNotFoundError:
                    pass
        time.sleep(0.02)
    return False


def wait_until_started(process, out_dir, timeout=120):
    """True once the writers' temporary files exist (the run is scoring)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if any(name.startswith(".p.predictions.tsv.tmp.") for name in os.listdir(out_dir)):
            return True
        time.sleep(0.02)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    exe = os.path.join(args.bin, "score-seqs")
    checker = Checker()
    check = checker.check

    with tempfile.TemporaryDirectory(prefix="deeplift_interrupt_") as work:
        rng = np.random.default_rng(11)
        write_paper_model(os.path.join(work, "paper.safetensors"))
        write_fasta(os.path.join(work, "big.fa"), [(f"s{i}", random_dna(rng, 200)) for i in range(SEQUENCES)])
        write_fasta(os.path.join(work, "ism.fa"), [(f"s{i}", random_dna(rng, 200)) for i in range(2000)])

        # SIGKILL halfway
        out = os.path.join(work, "killed")
        os.makedirs(out)
        process = subprocess.Popen(command(exe, work, out), stderr=subprocess.PIPE, text=True)
        halfway = wait_until_halfway(process, out)
        check(halfway, "SIGKILL: the run ended before it was halfway; nothing was tested")
        process.kill()
        process.communicate()
        left = listing(out)
        check(not set(left) & set(output_names()), f"SIGKILL: output files exist after the kill: {left}")
        strays = [name for name in left if not TEMP_NAME.match(name)]
        check(strays == [], f"SIGKILL: files not named as temporaries remain: {strays}")
        print(f"after SIGKILL: {len(left)} temporary files remain: {left}", file=sys.stderr)

        # A rerun of the same command ignores the leftovers and completes.
        result = subprocess.run(command(exe, work, out), capture_output=True, text=True, timeout=900)
        check(result.returncode == 0, f"rerun after SIGKILL failed ({result.returncode}): {result.stderr}")
        outputs = [name for name in listing(out) if not name.startswith(".")]
        check(outputs == output_names(), f"rerun after SIGKILL: outputs {outputs}")
        if "p.predictions.tsv" in outputs:
            with open(os.path.join(out, "p.predictions.tsv")) as handle:
                rows = sum(1 for _ in handle) - 1
            check(rows == SEQUENCES, f"rerun after SIGKILL: {rows} prediction rows, expected {SEQUENCES}")
        check(set(listing(out)) - set(outputs) <= set(left),
              "rerun after SIGKILL left new temporary files of its own")

        # SIGINT and SIGTERM halfway, and SIGINT during the slow ism batches.
        cases = [("SIGINT", signal.SIGINT, "revealcancel", "big.fa", wait_until_halfway),
                 ("SIGTERM", signal.SIGTERM, "revealcancel", "big.fa", wait_until_halfway),
                 ("SIGINT during ism", signal.SIGINT, "ism", "ism.fa", wait_until_started)]
        for label, signal_number, method, fasta, wait in cases:
            out = os.path.join(work, label.replace(" ", "_"))
            os.makedirs(out)
            process = subprocess.Popen(command(exe, work, out, method, fasta), stderr=subprocess.PIPE, text=True)
            running = wait(process, out)
            check(running, f"{label}: the run ended before the signal could be sent")
            if method == "ism":
                time.sleep(0.5)  # inside the first batch of mutants
            sent = time.monotonic()
            process.send_signal(signal_number)
            try:
                _, stderr = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
            elapsed = time.monotonic() - sent
            name = signal.Signals(signal_number).name
            if running:
                check(process.returncode == 128 + signal_number,
                      f"{label}: exit status {process.returncode}, expected {128 + signal_number}; {stderr}")
                check(f"score-seqs: interrupted by {name}; no output was written" in stderr,
                      f"{label}: message missing: {stderr!r}")
            check(elapsed < 10, f"{label}: took {elapsed:.1f} s to stop")
            check(listing(out) == [], f"{label}: files remain after the interrupt: {listing(out)}")
            print(f"{label}: stopped {elapsed:.2f} s after the signal", file=sys.stderr)

    return checker.finish()


if __name__ == "__main__":
    sys.exit(main())
