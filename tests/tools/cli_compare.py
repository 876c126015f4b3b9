"""Reading score-seqs outputs (docs/outputs.md) and comparing them with the
reference implementation; shared by the end-to-end numeric tests."""
import os
import re
import subprocess
import sys
import time

import numpy as np

REGION = re.compile(r"^(.+):(\d+)-(\d+)$")
MAX_REPORTED = 8
TIMING = {"runs": 0, "seconds": 0.0}   # time spent inside score-seqs, for the summary line
LAST_STDERR = [""]                    # the last run's stderr, for tests of its messages
# A score's tolerance: 1e-4 relative + 1e-4 of the record's largest |score|
# + 1e-5, plus ROUNDING_MARGIN times how far the same reference moves that
# number when run in float32 (large only where the math is ill-conditioned,
# e.g. Rescale's Δy/Δz for a small Δz: any float32 engine moves there too).
ROUNDING_MARGIN = 10.0


def expected_scores(net, net32, records, reference, method, reference_for):
    """Reference results (float64) per record, each with 'skip' (reasons a
    float32 engine may cross a discontinuity there, or None) and 'spread_s',
    'spread_H' (|float32 − float64| of the same reference; zero for ism,
    whose differences of logits are well-conditioned)."""
    import reference_deeplift as R
    out = []
    for name, ohe in records:
        ref = reference_for(reference, ohe)
        risk = R.Float32Risk()
        result = R.score(net, ohe, ref, method, risk)
        result["skip"] = "; ".join(risk.notes) or None
        if method == "ism":
            result["spread_s"], result["spread_H"] = np.zeros_like(result["s"]), np.zeros_like(result["H"])
        else:
            rounded = R.score(net32, ohe, ref, method)
            result["spread_s"] = np.abs(rounded["s"] - result["s"])
            result["spread_H"] = np.abs(rounded["H"] - result["H"])
        out.append(result)
    return out


def expected_scores_npz(net, net32, records, references, method, profile_convention="bpnet-lite"):
    """expected_scores() for `--reference npz:`: references [N, K, 4, L], each
    record scored against its K references and averaged
    (reference_deeplift.score_references)."""
    import reference_deeplift as R
    out = []
    for (name, ohe), refs in zip(records, references):
        risk = R.Float32Risk()
        result = R.score_references(net, ohe, refs, method, risk, profile_convention)
        result["skip"] = "; ".join(risk.notes) or None
        rounded = R.score_references(net32, ohe, refs, method, profile_convention=profile_convention)
        result["spread_s"] = np.abs(rounded["s"] - result["s"])
        result["spread_H"] = np.abs(rounded["H"] - result["H"])
        out.append(result)
    return out


def score_tolerance(want, spread, scale):
    """Absolute tolerance per element (see ROUNDING_MARGIN); rtol 1e-4 is added by the caller."""
    return 1e-4 * scale + 1e-5 + ROUNDING_MARGIN * spread


def scorer(args):
    """The command that runs score-seqs: the built binary, or with
    --self-check the reference-based stand-in. None if the binary is missing."""
    if getattr(args, "self_check", False):
        return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "mock_score_seqs.py")]
    if not args.bin:
        return None
    path = os.path.join(args.bin, "score-seqs")
    return [path] if os.path.isfile(path) and os.access(path, os.X_OK) else None


def scorer_or_exit(args):
    """scorer(args), or a FAIL line and exit 1 when the binary is missing
    (the script tests' last line must still be `N passed, M failed`)."""
    command = scorer(args)
    if command is None:
        print(f"FAIL score-seqs not built: {os.path.join(args.bin or '(no --bin)', 'score-seqs')} does not exist")
        print("0 passed, 1 failed")
        sys.exit(1)
    return command


def run(command, options, what):
    """Run score-seqs; returns (ok, message)."""
    start = time.time()
    proc = subprocess.run(command + options, capture_output=True, text=True)
    TIMING["runs"] += 1
    TIMING["seconds"] += time.time() - start
    LAST_STDERR[0] = proc.stderr
    if proc.returncode != 0:
        return False, (f"{what}: score-seqs exited {proc.returncode}\n  command: {' '.join(command + options)}\n"
                       f"  stderr: {proc.stderr.strip()[-2000:]}")
    return True, ""


def coordinates(name):
    """(chrom, 0-based first position) of a record (docs/outputs.md)."""
    match = REGION.match(name)
    if match:
        return match.group(1), int(match.group(2)) - 1
    return name, 0


class Problems:
    """Collects differences; prints the first few of each kind in full."""

    def __init__(self, label):
        self.label = label
        self.items = []
        self.counts = {}

    def add(self, kind, text):
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= MAX_REPORTED:
            self.items.append(f"  {self.label}: {text}")

    def __bool__(self):
        return bool(self.counts)

    def report(self):
        extra = [f"  ({n - MAX_REPORTED} more {kind} differences not shown)"
                 for kind, n in self.counts.items() if n > MAX_REPORTED]
        return "\n".join(self.items + extra)


def compare_values(problems, kind, got, want, rtol, atol, where):
    """where(index tuple) -> text naming the element."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    for idx in np.argwhere(bad)[:MAX_REPORTED]:
        idx = tuple(int(i) for i in idx)
        problems.add(kind, f"{where(idx)}: expected {want[idx]:.7g}, got {got[idx]:.7g}")
    if bad.sum() > MAX_REPORTED:
        problems.counts[kind] += int(bad.sum()) - MAX_REPORTED
    return not bad.any()


def read_predictions(path):
    """(header list, [row lists])."""
    with open(path) as fh:
        lines = [line.rstrip("\r\n") for line in fh if line.strip()]
    header = lines[0].split("\t")
    return header, [line.split("\t") for line in lines[1:]]


def read_npz(path):
    with np.load(path) as npz:
        return list(npz.files), npz[npz.files[0]] if npz.files else None


def read_bedgraph(path, problems):
    """{(chrom, start): score}, data lines; checks track line and line shape."""
    with open(path) as fh:
        lines = fh.read().splitlines()
    if not lines or not lines[0].startswith("track ") or "type=bedGraph" not in lines[0]:
        problems.add("format", f"{os.path.basename(path)}: first line is not a 'track type=bedGraph' line: "
                               f"{lines[0] if lines else '(empty file)'!r}")
    data = lines[1:] if lines and lines[0].startswith("track") else lines
    values = {}
    for number, line in enumerate(data, 2):
        fields = line.split("\t")
        if len(fields) != 4:
            problems.add("format", f"{os.path.basename(path)} line {number}: {len(fields)} tab-separated fields: {line!r}")
            continue
        try:
            chrom, start, end, score = fields[0], int(fields[1]), int(fields[2]), float(fields[3])
        except ValueError:
            problems.add("format", f"{os.path.basename(path)} line {number}: not chrom/int/int/float: {line!r}")
            continue
        if end != start + 1:
            problems.add("format", f"{os.path.basename(path)} line {number}: not one base: {line!r}")
        if (chrom, start) in values:
            problems.add("format", f"{os.path.basename(path)} line {number}: duplicate position {chrom}:{start}")
        values[(chrom, start)] = score
    return values, data


def check_bedgraph_order(path, data, problems):
    """Sorted as `LC_ALL=C sort -k1,1 -k2,2n`, and bedtools merge finds no
    overlapping intervals (-d -1: only true overlaps merge)."""
    env = dict(os.environ, LC_ALL="C")
    body = "\n".join(data) + "\n"
    sorted_body = subprocess.run(["sort", "-k1,1", "-k2,2n"], input=body, capture_output=True,
                                 text=True, env=env).stdout
    if sorted_body != body:
        a, b = body.splitlines(), sorted_body.splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        problems.add("order", f"{os.path.basename(path)}: not sorted per `LC_ALL=C sort -k1,1 -k2,2n`; "
                              f"data line {first + 1} is {a[first] if first < len(a) else None!r}, "
                              f"sorted order has {b[first] if first < len(b) else None!r}")
    try:
        merged = subprocess.run(["bedtools", "merge", "-i", path, "-d", "-1", "-c", "4", "-o", "count"],
                                capture_output=True, text=True)
    except FileNotFoundError:
        problems.add("order", "bedtools is not installed (scripts/install-deps installs it)")
        return
    if merged.returncode != 0:
        problems.add("order", f"{os.path.basename(path)}: bedtools merge failed: {merged.stderr.strip()}")
        return
    counts = [line.split("\t")[-1] for line in merged.stdout.splitlines()]
    if len(counts) != len(data) or any(c != "1" for c in counts):
        problems.add("order", f"{os.path.basename(path)}: bedtools merge found overlapping intervals "
                              f"({len(data)} lines merged into {len(counts)})")


def check_run(problems, prefix, net, records, expected, method, tasks=None, summation=False,
              formats=("bedgraph", "npz", "tsv")):
    """Compare one score-seqs run's outputs with the reference.

    records: [(name, ohe)]; expected: from expected_scores(). tasks: task
    names scored (default all). Scores are compared per score_tolerance().
    """
    tasks = list(tasks or net.tasks)
    index = {t: net.tasks.index(t) for t in tasks}
    names = [name for name, _ in records]
    ohe = np.stack([x for _, x in records])
    n, length = len(records), ohe.shape[2]
    skip = [e.get("skip") for e in expected]
    logit_got = {}

    if "tsv" in formats:
        path = prefix + ".predictions.tsv"
        header, rows = read_predictions(path)
        want_cols = ["name"]
        for t in tasks:
            want_cols.append(f"{t}.logit")
            if net.output != "linear":
                want_cols.append(f"{t}.prob")
            want_cols.append(f"{t}.ref_logit")
        optional = {f"{t}.ref_logit" for t in tasks} if method == "ism" else set()
        missing = [c for c in want_cols if c not in header and c not in optional]
        extra = [c for c in header if c not in want_cols]
        if header[:1] != ["name"] or missing or extra:
            problems.add("tsv", f"predictions.tsv columns {header}: missing {missing}, unexpected {extra}")
        if [r[0] for r in rows] != names:
            problems.add("tsv", f"predictions.tsv names {[r[0] for r in rows][:5]}... != input order {names[:5]}...")
        if len(rows) == n and not missing:
            col = {c: i for i, c in enumerate(header)}
            for t in tasks:
                k = index[t]
                logits = np.array([float(r[col[f"{t}.logit"]]) for r in rows])
                logit_got[t] = logits
                want = np.array([e["logits"][k] for e in expected])
                compare_values(problems, "logit", logits, want, 1e-4, 1e-5,
                               lambda i: f"task {t} sequence {names[i[0]]} logit")
                if net.output != "linear":
                    probs = np.array([float(r[col[f"{t}.prob"]]) for r in rows])
                    want_p = np.array([net.probabilities(e["logits"])[k] for e in expected])
                    compare_values(problems, "prob", probs, want_p, 1e-4, 1e-5,
                                   lambda i: f"task {t} sequence {names[i[0]]} prob")
                if f"{t}.ref_logit" in col:
                    refs = np.array([float(r[col[f"{t}.ref_logit"]]) for r in rows])
                    logit_got[t + ".ref"] = refs
                    want_r = np.array([e["ref_logits"][k] for e in expected])
                    compare_values(problems, "ref_logit", refs, want_r, 1e-4, 1e-5,
                                   lambda i: f"task {t} sequence {names[i[0]]} ref_logit")

    if "npz" in formats:
        files, arr = read_npz(prefix + ".ohe.npz")
        if files != ["arr_0"] or arr is None or arr.dtype != np.float32 or arr.shape != (n, 4, length):
            problems.add("npz", f"ohe.npz: keys {files}, "
                                f"{None if arr is None else (arr.dtype, arr.shape)}; expected arr_0 float32 {(n, 4, length)}")
        elif not np.array_equal(arr, ohe):
            bad = np.argwhere(arr != ohe)[0]
            problems.add("npz", f"ohe.npz differs at sequence {names[bad[0]]} base {'ACGT'[bad[1]]} position {bad[2]}")
        for t in tasks:
            k = index[t]
            for kind, key in (("contrib", "contrib"), ("hyp", "H")):
                files, arr = read_npz(f"{prefix}.{t}.{kind}.npz")
                if files != ["arr_0"] or arr is None or arr.dtype != np.float32 or arr.shape != (n, 4, length):
                    problems.add("npz", f"{t}.{kind}.npz: keys {files}, "
                                        f"{None if arr is None else (arr.dtype, arr.shape)}; "
                                        f"expected arr_0 float32 {(n, 4, length)}")
                    continue
                for i, e in enumerate(expected):
                    if skip[i]:
                        continue
                    s_scale = np.abs(e["s"][k]).max()
                    if kind == "contrib":
                        scale, spread = s_scale, ohe[i] * e["spread_s"][k][None, :]
                    else:
                        scale, spread = max(s_scale, np.abs(e["H"][k]).max()), e["spread_H"][k]
                    compare_values(problems, kind, arr[i], e[key][k], 1e-4, score_tolerance(e[key][k], spread, scale),
                                   lambda j: f"task {t} sequence {names[i]} {kind}[{'ACGT'[j[0]]}, position {j[1]}]")

    if "bedgraph" in formats:
        for t in tasks:
            k = index[t]
            path = f"{prefix}.{t}.bedGraph"
            values, data = read_bedgraph(path, problems)
            check_bedgraph_order(path, data, problems)
            want_keys = set()
            sums = np.zeros(n)
            abs_sums = np.zeros(n)
            for i, (name, e) in enumerate(zip(names, expected)):
                chrom, offset = coordinates(name)
                got = np.full(length, np.nan)
                for pos in range(length):
                    key = (chrom, offset + pos)
                    want_keys.add(key)
                    if key in values:
                        got[pos] = values[key]
                if np.isnan(got).any():
                    first = int(np.argmax(np.isnan(got)))
                    problems.add("bedgraph", f"task {t} sequence {name}: {int(np.isnan(got).sum())} positions "
                                             f"missing from the bedGraph, first {chrom}:{offset + first}")
                    continue
                sums[i] = got.sum()
                abs_sums[i] = np.abs(got).sum()
                if skip[i]:
                    continue
                scale = np.abs(e["s"][k]).max()
                compare_values(problems, "bedgraph", got, e["s"][k], 1e-4,
                               score_tolerance(e["s"][k], e["spread_s"][k], scale),
                               lambda j: f"task {t} sequence {name} bedGraph {chrom}:{offset + j[0]} (position {j[0]})")
            extra = set(values) - want_keys
            if extra:
                problems.add("bedgraph", f"task {t}: {len(extra)} unexpected bedGraph positions, e.g. {sorted(extra)[0]}")
            if summation and t in logit_got and t + ".ref" in logit_got:
                # docs/scoring.md: Σ contributions = logit(input) − logit(reference), from the outputs alone
                delta = logit_got[t] - logit_got[t + ".ref"]
                for i, name in enumerate(names):
                    tol = 1e-4 * (abs(delta[i]) + abs_sums[i]) + 1e-5
                    if abs(sums[i] - delta[i]) > tol:
                        problems.add("summation", f"task {t} sequence {name}: Σ bedGraph scores {sums[i]:.7g} "
                                                  f"!= logit − ref_logit {delta[i]:.7g} (tolerance {tol:.2g})")
    return problems
