#!/usr/bin/python3
"""The command-line contract every app shares (src/cli/app_main.cpp): -h and
-q on every app; every bad option reported at once, one 'app: problem' line
each, exit 1; the bundled data (model, motifs, architectures) found by bare
name from any working directory, in the build tree and after `cmake --install`
into a temporary prefix.

Run: /usr/bin/python3 tests/cli/test_app_contract.py --bin BUILD --source SRC
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
ARGS.source = os.path.abspath(ARGS.source)
RUN = script_test.Runner("test_app_contract", ARGS.keep)
TMP = RUN.tmp
APPS = ["score-seqs", "simulate-motifs", "find-motifs", "train-model", "merge-tracks", "merge-npz"]


def run(program, *args, cwd=None, bin_dir=None):
    """Runs a program from `cwd` (default: a directory outside the source tree)."""
    cwd = cwd or os.path.join(TMP, "elsewhere")
    os.makedirs(cwd, exist_ok=True)
    command = [os.path.join(os.path.abspath(bin_dir or ARGS.bin), program)] + [str(a) for a in args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def require_ok(result, what):
    require(result.returncode == 0, f"{what}: exit {result.returncode}\n{result.stderr}")


def require_problems(program, result, expected):
    """Exit 1; each expected text on its own 'program: ...' line; nothing else but 'Try'."""
    require(result.returncode == 1, f"{program}: exit {result.returncode}, expected 1\n{result.stderr}")
    lines = result.stderr.splitlines()
    require(lines and lines[-1] == f"Try '{program} --help'.", f"{program}: last line {lines[-1:]}")
    problems = lines[:-1]
    require(all(line.startswith(program + ": ") for line in problems),
            f"{program}: lines not of the form '{program}: ...': {problems}")
    for text in expected:
        hits = [line for line in problems if text in line]
        require(len(hits) == 1, f"{program}: expected one line with {text!r}, got {problems}")
    require(len(problems) >= len(expected), f"{program}: {problems}")
    return problems


def simulated(name="sim", n=40):
    """A small simulation, written once from another directory with the bundled motifs."""
    prefix = os.path.join(TMP, name)
    if not os.path.exists(prefix + ".fa"):
        require_ok(run("simulate-motifs", "--n", n, "--seed", 4, "-q", "-o", prefix), "simulate-motifs")
    return prefix


@RUN.check
def help_on_every_app():
    for program in APPS:
        for flag in ("-h", "--help"):
            result = run(program, flag)
            require_ok(result, f"{program} {flag}")
            require(result.stdout.startswith(f"Usage: {program} "), f"{program} {flag}: {result.stdout[:80]!r}")
            require("-q [ --quiet ]" in result.stdout and "-h [ --help ]" in result.stdout,
                    f"{program} {flag} does not list -q and -h")
            require(result.stderr == "", f"{program} {flag} wrote to stderr: {result.stderr!r}")
        result = run(program)
        require(result.returncode == 1 and result.stdout == "" and "Usage:" in result.stderr,
                f"{program} without arguments: exit {result.returncode}, usage on stderr")


@RUN.check
def defaults_come_from_the_options_structs():
    """--help shows each default once, Boost's '(=value)', from the options struct."""
    shown = {"score-seqs": ["--method arg (=revealcancel)", "--reference ] arg (=gc:0.4)"],
             "simulate-motifs": ["--n N (=8000)", "--max-instances K (=3; deeppad: 2)", "--motifs FILE.meme (=gata_tal)"],
             "find-motifs": ["--window ] arg (=", "--fdr arg (=0.05)"],
             "train-model": ["--batch-size arg (="],
             "merge-tracks": ["--name arg (=scores)"]}
    for program, texts in shown.items():
        out = run(program, "--help").stdout
        for text in texts:
            require(text in out, f"{program} --help lacks {text!r}")
        require("[default:" not in out, f"{program} --help prints defaults a second way")


@RUN.check
def quiet_on_every_app():
    """-q: a successful run prints nothing at all."""
    sim = simulated()
    out = os.path.join(TMP, "quiet")
    os.makedirs(out, exist_ok=True)
    runs = {
        "simulate-motifs": ["--n", 8, "-q", "-o", os.path.join(out, "sim")],
        "score-seqs": ["-m", "gata_tal", "-f", sim + ".fa", "--formats", "npz,bedgraph", "-q",
                       "-o", os.path.join(out, "scores")],
        "find-motifs": ["-s", os.path.join(out, "scores"), "--task", "both", "-k", "gata_tal", "-q",
                        "-o", os.path.join(out, "motifs")],
        "train-model": ["-f", sim + ".fa", "-l", sim + ".labels.tsv", "-a", "deeplift-paper", "--epochs", 1,
                        "--seed", 1, "-t", 1, "-q", "-o", os.path.join(out, "model.safetensors")],
        "merge-tracks": ["-q", "--bedgraph", os.path.join(out, "merged.bedGraph"),
                         os.path.join(out, "scores.both.bedGraph")],
        "merge-npz": ["-q", "--out", os.path.join(out, "merged.ohe.npz"), os.path.join(out, "scores.ohe.npz")],
    }
    for program, args in runs.items():  # in this order: find-motifs and the merges read score-seqs' outputs
        result = run(program, *args)
        require_ok(result, f"{program} -q")
        require(result.stderr == "" and result.stdout == "", f"{program} -q printed: {result.stderr!r}")
    # without -q merge-tracks says what it wrote (the others' summaries are tested elsewhere)
    result = run("merge-tracks", "--bedgraph", os.path.join(out, "merged2.bedGraph"),
                 os.path.join(out, "scores.both.bedGraph"))
    require_ok(result, "merge-tracks")
    require(result.stderr.startswith("merge-tracks: merged 1 bedGraph file into "), result.stderr)


@RUN.check
def every_problem_at_once():
    """Unknown options, unparsable values, repeats, missing required options and
    the apps' own value checks, all in one run."""
    out = os.path.join(TMP, "problems")
    os.makedirs(out, exist_ok=True)
    require_problems("simulate-motifs", run("simulate-motifs", "--bogus", "--n", "0", "--strands", "up",
                                            "--background", "1,2", "--threads", "-2"),
                     ["unrecognised option '--bogus'", "'--out' is required", "--n must be at least 1",
                      "--strands 'up'", "--background '1,2'", "--threads must be"])
    require_problems("find-motifs", run("find-motifs", "--fdr", "2", "--window", "0", "--threads", "x",
                                        "--task", "a", "--task", "b"),
                     ["'--threads' is invalid", "'--task' cannot be specified more than once",
                      "'--scores' is required", "'--out' is required", "--window must be at least 1",
                      "--fdr must be between 0 and 1"])
    require_problems("train-model", run("train-model", "--neg-weights", "a", "--pos-weights", "1,x", "--epochs", "e",
                                        "--fasta", "s.fa"),
                     ["'--epochs' is invalid", "'--labels' is required", "'--out' is required",
                      "--neg-weights 'a'", "--pos-weights '1,x'"])
    # A missing --out is said once, not again as "--out is empty" by the check.
    result = run("train-model", "-f", "s.fa")
    require(sum("--out" in line for line in result.stderr.splitlines()) == 1, result.stderr)
    require_problems("merge-tracks", run("merge-tracks", "--bogus", "-q"),
                     ["unrecognised option '--bogus'", "no input bedGraph given", "give --bedgraph and/or --bigwig"])
    # score-seqs checks its own values in src/scoring; app_main prints whatever
    # it and the command line report, one line each.
    require_problems("score-seqs", run("score-seqs", "--bogus", "--threads", "x", "--fasta", "a.fa"),
                     ["unrecognised option '--bogus'", "'--threads' is invalid", "'--model' is required",
                      "'--out' is required"])
    require(os.listdir(out) == [], f"failed runs left files: {os.listdir(out)}")


@RUN.check
def bundled_data_from_another_directory():
    """The README's bundled names work from a directory that is not the checkout."""
    sim = simulated()
    out = os.path.join(TMP, "bundled")
    os.makedirs(out, exist_ok=True)
    result = run("score-seqs", "--model", "gata_tal", "-f", sim + ".fa", "--formats", "tsv", "-o",
                 os.path.join(out, "scores"), cwd=out)
    require_ok(result, "score-seqs --model gata_tal")
    with open(os.path.join(out, "scores.predictions.tsv")) as handle:
        header = handle.readline()
    require("both" in header and "gata1" in header and "tal1" in header, f"predictions header {header!r}")
    # The same model given by its path: the same bytes.
    model = os.path.join(ARGS.source, "data", "models", "gata_tal.safetensors")
    require_ok(run("score-seqs", "--model", model, "-f", sim + ".fa", "--formats", "tsv", "-o",
                   os.path.join(out, "by_path"), cwd=out), "score-seqs by path")
    with open(os.path.join(out, "scores.predictions.tsv"), "rb") as a, \
            open(os.path.join(out, "by_path.predictions.tsv"), "rb") as b:
        require(a.read() == b.read(), "--model gata_tal is not data/models/gata_tal.safetensors")
    # simulate-motifs' default motifs and --motifs by name
    require_ok(run("simulate-motifs", "--n", 8, "-q", "-o", os.path.join(out, "default"), cwd=out), "default motifs")
    require_ok(run("simulate-motifs", "--n", 8, "-q", "--motifs", "gata_tal", "-o", os.path.join(out, "named"),
                   cwd=out), "--motifs gata_tal")
    with open(os.path.join(out, "default.fa")) as a, open(os.path.join(out, "named.fa")) as b:
        require(a.read() == b.read(), "default motifs differ from --motifs gata_tal")
    # A local file of the same bare name wins over the bundled one.
    shutil.copy(os.path.join(ARGS.source, "data", "motifs", "gata_tal.meme"), os.path.join(out, "gata_tal"))
    require_ok(run("simulate-motifs", "--n", 8, "-q", "--motifs", "gata_tal", "-o", os.path.join(out, "local"),
                   cwd=out), "a local file named gata_tal")
    # An unknown name: exit 2, the bundled names listed.
    result = run("score-seqs", "--model", "no_such_model", "-f", sim + ".fa", "-o", os.path.join(out, "x"), cwd=out)
    require(result.returncode == 2 and "no_such_model" in result.stderr and "bundled: gata_tal" in result.stderr,
            f"unknown model name: exit {result.returncode} {result.stderr!r}")
    result = run("find-motifs", "-s", os.path.join(out, "none"), "--task", "both", "-k", "nothing", "-o",
                 os.path.join(out, "m"), cwd=out)
    require(result.returncode == 2 and "nothing" in result.stderr, result.stderr)


@RUN.check
def installed_programs_find_their_data():
    """cmake --install into a temporary prefix; the installed programs, run
    from elsewhere, use the installed data (a motif file that exists only there)."""
    prefix = os.path.join(TMP, "prefix")
    result = subprocess.run(["cmake", "--install", ARGS.bin, "--prefix", prefix], capture_output=True, text=True)
    require_ok(result, "cmake --install")
    share = os.path.join(prefix, "share", "deeplift-cpp")
    for program in APPS:
        require(os.access(os.path.join(prefix, "bin", program), os.X_OK), f"{program} not installed")
    for path in ("models/gata_tal.safetensors", "motifs/gata_tal.meme", "archs/deeplift-paper.json",
                 "examples/example.fa"):
        require(os.path.isfile(os.path.join(share, path)), f"{path} not installed")
    shutil.copy(os.path.join(share, "motifs", "gata_tal.meme"), os.path.join(share, "motifs", "only_installed.meme"))
    bin_dir = os.path.join(prefix, "bin")
    out = os.path.join(TMP, "installed_run")
    os.makedirs(out)
    require_ok(run("simulate-motifs", "--n", 20, "-q", "--motifs", "only_installed", "-o", os.path.join(out, "sim"),
                   cwd=out, bin_dir=bin_dir), "installed simulate-motifs --motifs only_installed")
    require_ok(run("score-seqs", "-m", "gata_tal", "-f", os.path.join(share, "examples", "example.fa"),
                   "--formats", "tsv", "-q", "-o", os.path.join(out, "example"), cwd=out, bin_dir=bin_dir),
               "installed score-seqs -m gata_tal")
    result = run("score-seqs", "-m", "no_such_model", "-f", "x.fa", "-o", "x", cwd=out, bin_dir=bin_dir)
    require(os.path.join(share, "models") in result.stderr, f"the install directory is not searched first: "
            f"{result.stderr!r}")


if __name__ == "__main__":
    if not ARGS.bin:
        print("FAIL --bin BUILD is required\n0 passed, 1 failed")
        sys.exit(1)
    sys.exit(RUN.run())
