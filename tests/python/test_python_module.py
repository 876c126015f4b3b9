#!/usr/bin/python3
"""The Python module deeplift_cpp (issue 19, README "Python") against score-seqs and PyTorch.

- Model.attribute equals score-seqs' npz outputs BIT FOR BIT on the bundled
  model (data/models/gata_tal.safetensors) and example sequences, contributions
  and hypothetical contributions of every task, for every method with gc:0.4
  (--batch-size 7, so that several batches and a short last one are
  compared, in a size whose numbers depend on the batching), and with the defaults (batch 128) on all 200 sequences; also
  shuffle:2 (record names given, and the documented default names "seq<i>"),
  shuffle:3,7 on the windows of a long record (names and starts), gc:auto,
  --tasks, and array references: (4, L) equals the gc:0.4 string, (N, 4, L)
  and (N, K, 4, L) equal score-seqs --reference npz:FILE of the same array.
  predict equals score-seqs' logits (predictions.tsv). Results do not depend
  on `threads`, nor on the form of X (float64, lists, Fortran order, a
  strided view).
- deeplift_cpp.attribute(models, X) over the bundled model and a model of
  other layer shapes, weights and task order (written by
  scripts/write-model.py): contributions and hypothetical contributions equal
  `score-seqs -m A -m B`'s npz BIT FOR BIT (revealcancel vs gc:0.4 at
  --batch-size 7, and rescale vs shuffle:3), and the mean of the two models'
  own Model.attribute results to float32 rounding (an independent check of
  the averaging); one model equals Model.attribute exactly; models that
  disagree (input length, a task missing, output kind) raise ValueError
  naming the problem.
- Shapes and dtypes; N = 0; one_hot against a direct encoding.
- Bad inputs raise ValueError naming the problem (OSError for a missing model).
- A small PyTorch model converted with scripts/convert-model: predict equals
  torch's logits, grad-input against zeros equals torch autograd's
  gradient x input (and the gradient as hypothetical contributions), to 1e-5.
- Ctrl-C (SIGINT) during a long ism call raises KeyboardInterrupt, and the
  next call runs.
- scripts/example-logo.py writes its PNG (headless); `cmake --install
  --component python` puts an importable module under the prefix.

Run:  /usr/bin/python3 tests/python/test_python_module.py --bin BUILD [--source SRC]
Fails (exit 1) when BUILD/python holds no deeplift_cpp module or BUILD/score-seqs is missing.
"""
import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import model_zoo  # noqa: E402
import script_test  # noqa: E402
from script_test import require  # noqa: E402

ARGS = script_test.parse_args(__doc__.split("\n\n")[0])
MODULE_DIR = os.path.abspath(os.path.join(ARGS.bin or "", "python"))
SCORE = os.path.abspath(os.path.join(ARGS.bin or "", "score-seqs"))
if not glob.glob(os.path.join(MODULE_DIR, "deeplift_cpp*.so")) or not os.access(SCORE, os.X_OK):
    print(f"FAIL not built: {MODULE_DIR}/deeplift_cpp*.so or {SCORE} missing "
          "(scripts/build; the module needs -DDEEPLIFT_PYTHON=ON, the default)")
    print("0 passed, 1 failed")
    sys.exit(1)
sys.path.insert(0, MODULE_DIR)
import deeplift_cpp  # noqa: E402

RUN = script_test.Runner("test_python_module", ARGS.keep)
TMP = RUN.tmp
SOURCE = os.path.abspath(ARGS.source)
MODEL_PATH = os.path.join(SOURCE, "data", "models", "gata_tal.safetensors")
EXAMPLE_FA = os.path.join(SOURCE, "data", "examples", "example.fa")
MODEL = deeplift_cpp.Model(MODEL_PATH)
L = MODEL.input_length
TASKS = MODEL.tasks
METHODS = ["revealcancel", "rescale", "genomics-default", "grad-input", "integrated-gradients",
           "guided-backprop", "ism"]
# Batches of 7 windows: with this model a window's numbers differ in the last bits
# between batch sizes such as 1, 3 or 7 (GEMM panels), so matching them shows that
# the module scores in score-seqs' batches (with 16 or 64 they happen to agree).
BATCH = 7
ENV = dict(os.environ, PYTHONPATH=MODULE_DIR, MPLBACKEND="Agg")


def read_fasta(path):
    records = []
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            records.append([line[1:].split()[0], ""])
        elif line:
            records[-1][1] += line
    return [tuple(r) for r in records]


def write_fasta(path, records):
    with open(path, "w") as out:
        for name, seq in records:
            out.write(f">{name}\n{seq}\n")
    return path


ALL = read_fasta(EXAMPLE_FA)
SUBSET = ALL[:40]       # batches of 7 windows: 5 x 7 + 5
ISM_SUBSET = ALL[:6]
SUBSET_FA = write_fasta(os.path.join(TMP, "subset.fa"), SUBSET)
ISM_FA = write_fasta(os.path.join(TMP, "ism.fa"), ISM_SUBSET)
X_ALL = deeplift_cpp.one_hot([s for _, s in ALL])
X = X_ALL[:len(SUBSET)]
NAMES = [n for n, _ in SUBSET]


def score_seqs(label, fasta, *options, models=(MODEL_PATH,)):
    """score-seqs --formats npz,tsv with each of `models` as a --model; returns
    ({task: contrib}, {task: hyp}, logits (N, T)) (no logits with several models)."""
    prefix = os.path.join(TMP, label, "out")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    cmd = [SCORE, "--fasta", fasta, "--out", prefix, "--formats", "npz,tsv", "--threads", "2", "--quiet"]
    for model in models:
        cmd += ["--model", model]
    cmd += list(options)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    require(proc.returncode == 0, f"{label}: score-seqs exited {proc.returncode}: {proc.stderr.strip()[-1500:]}")
    contrib, hyp = {}, {}
    for task in TASKS:
        if os.path.exists(f"{prefix}.{task}.contrib.npz"):
            contrib[task] = np.load(f"{prefix}.{task}.contrib.npz")["arr_0"]
            hyp[task] = np.load(f"{prefix}.{task}.hyp.npz")["arr_0"]
    with open(prefix + ".predictions.tsv") as table:
        header = table.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in table]
    logits = np.array([[np.float32(r[header.index(f"{t}.logit")]) for t in TASKS if f"{t}.logit" in header]
                       for r in rows], dtype=np.float32)
    return contrib, hyp, logits


def require_identical(label, got, want):
    """Bit for bit: same shape, dtype float32, every element equal."""
    require(got.dtype == np.float32, f"{label}: dtype {got.dtype}, expected float32")
    require(got.shape == want.shape, f"{label}: shape {got.shape}, expected {want.shape}")
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)
        first = tuple(bad[0])
        raise script_test.Failure(f"{label}: {len(bad)} of {got.size} values differ; first at {first}: "
                                  f"got {got[first]!r}, score-seqs {want[first]!r} "
                                  f"(largest difference {np.abs(got - want).max():.3g})")


def require_same_as_score_seqs(label, fasta, x, options, tasks=None, **kwargs):
    """attribute(x, **kwargs) (contributions and hypothetical) == score-seqs with `options`."""
    contrib, hyp, _ = score_seqs(label, fasta, *options)
    tasks = tasks or TASKS
    require(sorted(contrib) == sorted(tasks), f"{label}: score-seqs wrote tasks {sorted(contrib)}")
    got = MODEL.attribute(x, tasks=tasks if tasks != TASKS else None, **kwargs)
    got_hyp = MODEL.attribute(x, tasks=tasks if tasks != TASKS else None, hypothetical=True, **kwargs)
    for t, task in enumerate(tasks):
        require_identical(f"{label} {task} contrib", got[:, t], contrib[task])
        require_identical(f"{label} {task} hyp", got_hyp[:, t], hyp[task])
    return got, got_hyp


def raises(kind, fragment, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except kind as error:
        require(fragment.lower() in str(error).lower(),
                f"{kind.__name__} message {str(error)!r} does not mention {fragment!r}")
        return
    except Exception as error:  # noqa: BLE001 — report what came instead
        raise script_test.Failure(f"expected {kind.__name__} ({fragment!r}), got {type(error).__name__}: {error}")
    raise script_test.Failure(f"expected {kind.__name__} ({fragment!r}), nothing was raised")


# ------------------------------------------------------------ against score-seqs

def add_method_check(method):
    def check():
        fasta, x = (ISM_FA, X[:len(ISM_SUBSET)]) if method == "ism" else (SUBSET_FA, X)
        require_same_as_score_seqs(f"{method}-gc0.4", fasta, x,
                                   ["--method", method, "--reference", "gc:0.4", "--batch-size", str(BATCH)],
                                   method=method, reference="gc:0.4", batch_size=BATCH, threads=2)
    check.__name__ = f"attribute_{method.replace('-', '_')}_equals_score_seqs"
    RUN.check(check)


for _method in METHODS:
    add_method_check(_method)


@RUN.check
def defaults_on_all_example_sequences_equal_score_seqs():
    """attribute(X) with every default == score-seqs with every default (batch 128: 128 + 72)."""
    contrib, hyp, logits = score_seqs("defaults", EXAMPLE_FA)
    got = MODEL.attribute(X_ALL)
    require(got.shape == (len(ALL), len(TASKS), 4, L), f"shape {got.shape}")
    for t, task in enumerate(TASKS):
        require_identical(f"defaults {task} contrib", got[:, t], contrib[task])
    got_hyp = MODEL.attribute(X_ALL, hypothetical=True, threads=1)
    for t, task in enumerate(TASKS):
        require_identical(f"defaults {task} hyp", got_hyp[:, t], hyp[task])
    # score-seqs' logits come from its scoring batches, which the workspace
    # budget caps below --batch-size (docs/decisions.md, "The batch is capped
    # by workspace bytes"); predict at batch 128 runs other GEMM shapes, so
    # the two agree to float32 rounding here and bit for bit at one batch size
    # (predict_equals_score_seqs_logits).
    predicted = MODEL.predict(X_ALL)
    require(np.allclose(predicted, logits, rtol=1e-6, atol=1e-5),
            f"predict: largest difference {np.abs(predicted - logits).max():.3g}")


@RUN.check
def predict_equals_score_seqs_logits():
    _, _, logits = score_seqs("predict", SUBSET_FA, "--batch-size", str(BATCH))
    for threads in (1, 2):
        got = MODEL.predict(X, batch_size=BATCH, threads=threads)
        require(got.shape == (len(SUBSET), len(TASKS)), f"predict shape {got.shape}")
        require_identical(f"predict threads={threads}", got, logits)


@RUN.check
def shuffle_references_follow_names():
    options = ["--method", "rescale", "--reference", "shuffle:2", "--batch-size", str(BATCH)]
    got, _ = require_same_as_score_seqs("shuffle-names", SUBSET_FA, X, options, method="rescale",
                                        reference="shuffle:2", batch_size=BATCH, names=NAMES)
    # The documented default names are seq0, seq1, …
    renamed = write_fasta(os.path.join(TMP, "renamed.fa"), [(f"seq{i}", s) for i, (_, s) in enumerate(SUBSET)])
    default, _ = require_same_as_score_seqs("shuffle-default-names", renamed, X, options, method="rescale",
                                            reference="shuffle:2", batch_size=BATCH)
    require(not np.array_equal(got, default), "shuffles do not depend on the window names")


@RUN.check
def shuffle_with_seed_on_the_windows_of_a_long_record():
    """A 520 bp record: score-seqs cuts windows at 0, 100, 200, 300 and 320
    (stride L/2, then one ending at the record's end). K = 3 with batch 16: 5 windows a batch."""
    long_seq = "".join(s for _, s in ALL[40:43])[:520]
    fasta = write_fasta(os.path.join(TMP, "long.fa"), [("long_record", long_seq), ("short", ALL[43][1])])
    starts = [0, 100, 200, 300, 320]
    windows = [long_seq[s:s + L] for s in starts] + [ALL[43][1]]
    require_same_as_score_seqs("shuffle-long", fasta, deeplift_cpp.one_hot(windows),
                               ["--method", "genomics-default", "--reference", "shuffle:3,7", "--batch-size", "16"],
                               method="genomics-default", reference="shuffle:3,7", batch_size=16,
                               names=["long_record"] * 5 + ["short"], starts=np.array(starts + [0]))


@RUN.check
def gc_auto_and_selected_tasks():
    require_same_as_score_seqs("gc-auto-tasks", SUBSET_FA, X,
                               ["--method", "grad-input", "--reference", "gc:auto", "--tasks", "tal1,both",
                                "--batch-size", str(BATCH)],
                               tasks=["tal1", "both"], method="grad-input", reference="gc:auto", batch_size=BATCH)
    by_index = MODEL.attribute(X[:5], method="grad-input", reference="gc:auto", tasks=[np.int64(2), 0], batch_size=BATCH)
    by_name = MODEL.attribute(X[:5], method="grad-input", reference="gc:auto", tasks=["tal1", "both"],
                              batch_size=BATCH)
    require_identical("tasks by index", by_index, by_name)
    one = MODEL.attribute(X[:5], method="grad-input", tasks="gata1")
    require(one.shape == (5, 1, 4, L), f"tasks='gata1' shape {one.shape}")


@RUN.check
def array_references():
    gc = np.array([0.3, 0.2, 0.2, 0.3], dtype=np.float32)[:, None] * np.ones((1, L), dtype=np.float32)
    from_string = MODEL.attribute(X, method="revealcancel", reference="gc:0.4", batch_size=BATCH)
    require_identical("(4, L) array vs gc:0.4", MODEL.attribute(X, method="revealcancel", reference=gc,
                                                                batch_size=BATCH), from_string)
    rng = np.random.default_rng(5)
    for shape in [(len(SUBSET), 3, 4, L), (len(SUBSET), 4, L)]:
        refs = rng.dirichlet(np.ones(4), size=shape[:-2] + (L,)).astype(np.float32)   # (..., L, 4)
        refs = np.ascontiguousarray(np.moveaxis(refs, -1, -2))                          # (..., 4, L)
        path = os.path.join(TMP, f"refs{len(shape)}.npz")
        np.savez(path, refs if len(shape) == 4 else refs[:, None])
        label = f"array {shape}"
        got, got_hyp = require_same_as_score_seqs(
            label, SUBSET_FA, X, ["--method", "rescale", "--reference", f"npz:{path}", "--batch-size", str(BATCH)],
            method="rescale", reference=refs, batch_size=BATCH)
        require_identical(f"{label} as npz:FILE", MODEL.attribute(X, method="rescale", reference=f"npz:{path}",
                                                                  batch_size=BATCH), got)


@RUN.check
def results_do_not_depend_on_threads_or_input_form():
    x = X[:20]
    want = MODEL.attribute(x, method="grad-input", batch_size=8, threads=1)
    require_identical("threads=3", MODEL.attribute(x, method="grad-input", batch_size=8, threads=3), want)
    forms = {"float64": x.astype(np.float64), "list": x.tolist(), "Fortran order": np.asfortranarray(x),
             "strided view": np.repeat(x, 2, axis=2)[:, :, ::2], "int8": x.astype(np.int8)}
    for label, form in forms.items():
        require_identical(f"X as {label}", MODEL.attribute(form, method="grad-input", batch_size=8, threads=2), want)
        require_identical(f"predict X as {label}", MODEL.predict(form), MODEL.predict(x))
    require(np.array_equal(x, X[:20]), "attribute modified its input")


# ------------------------------------------------------------ several models

def other_model(label, **changes):
    """The paper's architecture (data/archs/example-random.json) with `changes`
    to its top-level keys, written by scripts/write-model.py; returns its path."""
    arch = dict(model_zoo.PAPER, **changes)
    return model_zoo.write_model(arch, os.path.join(TMP, f"{label}.safetensors"), seed=41, source=SOURCE)


def fold_model():
    """A second model of the bundled model's tasks and input length, with other
    layer shapes (12 filters), weights and task order (tasks match by name)."""
    if not hasattr(fold_model, "path"):
        layers = [dict(layer) for layer in model_zoo.PAPER["layers"]]
        layers[0]["out_channels"] = 12
        layers[4]["in_features"] = 36
        fold_model.path = other_model("fold", layers=layers, tasks=["tal1", "both", "gata1"])
    return fold_model.path


def require_close(label, got, want):
    """Equal to float32 rounding of a mean of two float32 numbers."""
    require(got.shape == want.shape, f"{label}: shape {got.shape}, expected {want.shape}")
    bad = np.abs(got - want) > 1e-6 * np.abs(want).max() + 1e-12
    require(not bad.any(), f"{label}: {bad.sum()} values differ, largest {np.abs(got - want).max():.3g}")


def add_models_check(label, method, reference, batch, **kwargs):
    def check():
        fold = fold_model()
        contrib, hyp, _ = score_seqs(f"models-{label}", SUBSET_FA, "--method", method, "--reference", reference,
                                     "--batch-size", str(batch), models=(MODEL_PATH, fold))
        require(sorted(contrib) == sorted(TASKS), f"score-seqs wrote tasks {sorted(contrib)}")
        models = [MODEL, deeplift_cpp.Model(fold)]
        common = dict(method=method, reference=reference, batch_size=batch, threads=2, **kwargs)
        got = deeplift_cpp.attribute(models, X, **common)
        got_hyp = deeplift_cpp.attribute(models, X, hypothetical=True, **common)
        for t, task in enumerate(TASKS):
            require_identical(f"{label} {task} contrib", got[:, t], contrib[task])
            require_identical(f"{label} {task} hyp", got_hyp[:, t], hyp[task])
        # Independently: the mean of each model's own scores (tasks by name: the
        # fold holds them in another order).
        for hypothetical, result in ((False, got), (True, got_hyp)):
            each = [m.attribute(X, tasks=TASKS, hypothetical=hypothetical, **common) for m in models]
            require_close(f"{label} hypothetical={hypothetical} vs the mean of Model.attribute", result,
                          (each[0] + each[1]) / np.float32(2))
            require(not np.allclose(each[0], each[1], atol=1e-3), f"{label}: the two models score alike")
    check.__name__ = f"models_{label.replace('-', '_').replace('.', '')}_equal_score_seqs"
    RUN.check(check)


add_models_check("revealcancel-gc0.4", "revealcancel", "gc:0.4", BATCH)
add_models_check("rescale-shuffle3", "rescale", "shuffle:3", BATCH, names=NAMES)


@RUN.check
def one_model_equals_model_attribute():
    x = X[:20]
    for kwargs in ({"method": "revealcancel", "batch_size": BATCH},
                   {"method": "genomics-default", "reference": "shuffle:2", "batch_size": 5, "hypothetical": True},
                   {"method": "ism", "batch_size": 16}):
        want = MODEL.attribute(x[:4] if kwargs["method"] == "ism" else x, **kwargs)
        for models in ([MODEL], MODEL):
            got = deeplift_cpp.attribute(models, x[:4] if kwargs["method"] == "ism" else x, **kwargs)
            require_identical(f"one model {kwargs}", got, want)
    want = MODEL.attribute(x, method="grad-input", tasks=["tal1", "both"])
    for tasks in (["tal1", "both"], "tal1,both"):
        require_identical(f"tasks={tasks!r}", deeplift_cpp.attribute([MODEL], x, method="grad-input", tasks=tasks),
                          want)
    require_identical("tasks='all'", deeplift_cpp.attribute([MODEL], x, method="grad-input", tasks="all"),
                      MODEL.attribute(x, method="grad-input"))
    require(deeplift_cpp.attribute.__doc__ and len(deeplift_cpp.attribute.__doc__) > 200, "attribute docstring")


@RUN.check
def models_that_disagree_raise_value_error():
    fold = deeplift_cpp.Model(fold_model())
    # 250 bp: 236 conv positions, 4 pooled, 80 features into fc1.
    layers = [dict(layer) for layer in model_zoo.PAPER["layers"]]
    layers[4]["in_features"] = 80
    longer = deeplift_cpp.Model(other_model("longer", input={"alphabet": "ACGT", "length": 250}, layers=layers))
    renamed = deeplift_cpp.Model(other_model("renamed", tasks=["both", "gata1", "tal2"]))
    linear = deeplift_cpp.Model(other_model("linear", output="linear"))
    x = X[:3]
    cases = [
        ("input length", "takes 250 bp", [MODEL, longer], {}),
        ("task missing", "task 'tal1' of '" + MODEL_PATH + "' is not in '" + renamed.path + "'", [MODEL, renamed], {}),
        ("output kind", "has a linear output", [MODEL, linear], {}),
        ("unknown task", "unknown task 'gata2'", [MODEL, fold], {"tasks": ["gata2"]}),
        ("task index", "not indices", [MODEL, fold], {"tasks": [0]}),
        ("no model", "models is empty", [], {}),
        ("not a model", "models[1] is a <class 'str'>", [MODEL, MODEL_PATH], {}),
    ]
    problems = []
    for label, fragment, models, kwargs in cases:
        try:
            raises(ValueError, fragment, deeplift_cpp.attribute, models, x, method="grad-input", **kwargs)
        except script_test.Failure as failure:
            problems.append(f"{label}: {failure}")
    require(not problems, "\n".join(problems))
    # tasks not scored may differ: the renamed model is fine without tal1
    got = deeplift_cpp.attribute([MODEL, renamed], x, method="grad-input", tasks=["both", "gata1"])
    require(got.shape == (3, 2, 4, L), f"shape {got.shape}")


# ------------------------------------------------------------ shapes, one_hot, errors

@RUN.check
def shapes_and_dtypes():
    require(MODEL.tasks == ["both", "gata1", "tal1"] and L == 200 and MODEL.output == "sigmoid",
            f"model attributes: {MODEL.tasks} {L} {MODEL.output}")
    require(set(deeplift_cpp.methods) == set(METHODS), f"methods: {deeplift_cpp.methods}")
    x = X[:3]
    for kwargs, shape in [({}, (3, 3, 4, L)), ({"hypothetical": True}, (3, 3, 4, L)),
                          ({"tasks": ["gata1"]}, (3, 1, 4, L))]:
        got = MODEL.attribute(x, method="grad-input", **kwargs)
        require(isinstance(got, np.ndarray) and got.dtype == np.float32 and got.shape == shape
                and got.flags.c_contiguous, f"attribute {kwargs}: {type(got)} {got.dtype} {got.shape}")
    contrib = MODEL.attribute(x, method="grad-input")
    require(np.all(contrib[np.broadcast_to(x[:, None] == 0, contrib.shape)] == 0),
            "contributions are not zero off the observed base")
    p = MODEL.predict(x)
    require(p.dtype == np.float32 and p.shape == (3, 3), f"predict: {p.dtype} {p.shape}")
    empty = np.zeros((0, 4, L), dtype=np.float32)
    require(MODEL.attribute(empty).shape == (0, 3, 4, L), "N = 0 attribute")
    require(MODEL.predict(empty).shape == (0, 3), "N = 0 predict")
    for doc in (deeplift_cpp.Model.attribute.__doc__, deeplift_cpp.Model.predict.__doc__,
                deeplift_cpp.one_hot.__doc__, deeplift_cpp.Model.__doc__):
        require(doc and len(doc) > 200, f"missing docstring: {doc!r}")


@RUN.check
def one_hot_encodes_like_the_cli():
    seqs = ["ACGTNacgtnRYSWKMBDHV", "TTTTGGGGCCCCAAAAnnnn"]
    got = deeplift_cpp.one_hot(seqs)
    want = np.zeros((2, 4, 20), dtype=np.float32)
    for n, seq in enumerate(seqs):
        for pos, base in enumerate(seq.upper()):
            if base in "ACGT":
                want[n, "ACGT".index(base), pos] = 1
    require_identical("one_hot", got, want)
    require_identical("one_hot of one str", deeplift_cpp.one_hot("ACGTN"), deeplift_cpp.one_hot(["ACGTN"]))
    require(deeplift_cpp.one_hot([]).shape == (0, 4, 0), "one_hot([])")
    # score-seqs' ohe.npz of the example is the same encoding
    prefix = os.path.join(TMP, "ohe", "out")
    os.makedirs(os.path.dirname(prefix))
    subprocess.run([SCORE, "-m", MODEL_PATH, "-f", SUBSET_FA, "-o", prefix, "--formats", "npz", "--method",
                    "grad-input", "-q"], check=True)
    require_identical("one_hot vs ohe.npz", X, np.load(prefix + ".ohe.npz")["arr_0"])


@RUN.check
def bad_inputs_raise_value_error():
    m, x = MODEL, X[:2]
    nan = x.copy()
    nan[1, 2, 33] = np.nan
    inf = x.copy()
    inf[0, 0, 5] = np.inf
    all_n = x.copy()
    all_n[1] = 0
    V = ValueError
    cases = [
        ("2-D X", V, "for one sequence use X[None]", m.attribute, (x[0],), {}),
        ("length", V, "input length is 200", m.attribute, (x[:, :, :150],), {}),
        ("channels last", V, "channels last", m.attribute, (x.transpose(0, 2, 1),), {}),
        ("5 channels", V, "4 entries", m.predict, (np.zeros((2, 5, L)),), {}),
        ("NaN", V, "NaN at [1, 2, 33]", m.attribute, (nan,), {}),
        ("infinity", V, "infinity at [0, 0, 5]", m.predict, (inf,), {}),
        ("text X", V, "array of numbers", m.attribute, ("ACGT",), {}),
        ("None X", V, "None", m.predict, (None,), {}),
        ("ragged X", V, "array of numbers", m.predict, ([[[1, 2], [3]]],), {}),
        ("object X", V, "array of numbers", m.predict, (np.array([[["a"] * L] * 4], dtype=object),), {}),
        ("method", V, "unknown method 'deeplift'", m.attribute, (x,), {"method": "deeplift"}),
        ("reference text", V, "bad reference 'gc:2'", m.attribute, (x,), {"reference": "gc:2"}),
        ("reference kind", V, "unknown kind", m.attribute, (x,), {"reference": "uniform"}),
        ("reference shape", V, "reference has shape (4, 100)", m.attribute, (x,), {"reference": np.zeros((4, 100))}),
        ("reference count", V, "N = 2 windows", m.attribute, (x,), {"reference": np.zeros((3, 4, L))}),
        ("reference NaN", V, "reference contains NaN", m.attribute, (x,),
         {"reference": np.full((4, L), np.nan)}),
        ("reference npz missing", OSError, "no-such.npz", m.attribute, (x,), {"reference": "npz:no-such.npz"}),
        ("task", V, "unknown task 'gata2'", m.attribute, (x,), {"tasks": ["gata2"]}),
        ("task twice", V, "listed twice", m.attribute, (x,), {"tasks": ["tal1", 2]}),
        ("task index", V, "out of range", m.attribute, (x,), {"tasks": [3]}),
        ("no task", V, "empty", m.attribute, (x,), {"tasks": []}),
        ("threads", V, "threads", m.attribute, (x,), {"threads": -1}),
        ("batch_size", V, "batch_size", m.predict, (x,), {"batch_size": 0}),
        ("profile target", V, "chrombpnet", m.attribute, (x,), {"profile_target": "bpnet"}),
        ("ig_steps", V, "ig_steps", m.attribute, (x,), {"method": "integrated-gradients", "ig_steps": 0}),
        ("names count", V, "names has 1 entries", m.attribute, (x,), {"reference": "shuffle:2", "names": ["a"]}),
        ("names str", V, "not one str", m.attribute, (x,), {"reference": "shuffle:2", "names": "ab"}),
        ("starts", V, "starts[0] is negative", m.attribute, (x,), {"reference": "shuffle:2", "starts": [-1, 0]}),
        ("gc:auto all-N", V, "X[1] ('seq1')", m.attribute, (all_n,), {"reference": "gc:auto"}),
        ("one_hot character", V, "seqs[1]: invalid character 'X' at position 3", deeplift_cpp.one_hot,
         (["ACGT", "ACXT"],), {}),
        ("one_hot lengths", V, "seqs[1] is 3 bp", deeplift_cpp.one_hot, (["ACGT", "ACG"],), {}),
        ("one_hot type", V, "seqs[0] is a <class 'int'>", deeplift_cpp.one_hot, ([1],), {}),
        ("model missing", OSError, "no-such-model", deeplift_cpp.Model, ("no-such-model.safetensors",), {}),
        ("model garbage", V, "not a valid model file", deeplift_cpp.Model, (EXAMPLE_FA,), {}),
    ]
    problems = []
    for label, kind, fragment, fn, args, kwargs in cases:
        try:
            raises(kind, fragment, fn, *args, **kwargs)
        except script_test.Failure as failure:
            problems.append(f"{label}: {failure}")
    require(not problems, "\n".join(problems))
    # the module still works afterwards
    require(MODEL.attribute(x, method="grad-input").shape == (2, 3, 4, L), "attribute after the errors")


# ------------------------------------------------------------ PyTorch

@RUN.check
def converted_torch_model_matches_autograd():
    import torch
    from torch import nn
    torch.manual_seed(4)
    net = nn.Sequential(nn.Conv1d(4, 8, 11), nn.ReLU(), nn.MaxPool1d(10), nn.Flatten(),
                        nn.Linear(8 * 19, 16), nn.ReLU(), nn.Linear(16, 2)).eval()
    source = os.path.join(TMP, "torch.pt")
    torch.save(net, source)
    converted = os.path.join(TMP, "torch.safetensors")
    proc = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "convert-model"), source,
                           converted, "--tasks", "up,down", "--length", str(L), "--output", "linear", "--quiet"],
                          capture_output=True, text=True)
    require(proc.returncode == 0, f"convert-model exited {proc.returncode}: {proc.stderr[-1500:]}")
    model = deeplift_cpp.Model(converted)
    require(model.tasks == ["up", "down"] and model.output == "linear", f"converted: {model}")
    x = X[:12].copy()
    x[3, :, 50:60] = 0   # N columns
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    logits = net.double()(xt)
    require(np.allclose(model.predict(x), logits.detach().numpy(), rtol=1e-5, atol=1e-5),
            f"predict vs torch: largest difference {np.abs(model.predict(x) - logits.detach().numpy()).max():.3g}")
    contrib = model.attribute(x, method="grad-input", reference="zeros")
    hyp = model.attribute(x, method="grad-input", reference="zeros", hypothetical=True)
    for t in range(2):
        (grad,) = torch.autograd.grad(logits[:, t].sum(), xt, retain_graph=True)
        grad = grad.numpy()
        for label, got, want in (("contrib", contrib[:, t], grad * x), ("hyp", hyp[:, t], grad)):
            scale = np.abs(want).max(axis=(1, 2), keepdims=True)   # per sequence
            bad = np.abs(got - want) > 1e-5 * scale + 1e-9
            require(not bad.any(), f"task {t} {label}: {bad.sum()} values differ from torch autograd, "
                                   f"largest {np.abs(got - want).max():.3g}")


# ------------------------------------------------------------ Ctrl-C, example, install

CHILD = """
import signal, sys, time
import numpy as np
import deeplift_cpp
signal.signal(signal.SIGINT, signal.default_int_handler)   # even if started with SIGINT ignored
model = deeplift_cpp.Model(sys.argv[1])
rng = np.random.default_rng(0)
X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (5000, model.input_length))].transpose(0, 2, 1).copy()
print("started", flush=True)
try:
    model.attribute(X, method="ism", threads=1)   # minutes
    print("finished", flush=True)
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
print("next call", model.attribute(X[:2], method="grad-input").shape, flush=True)
"""


@RUN.check
def ctrl_c_raises_keyboard_interrupt():
    child = subprocess.Popen(["/usr/bin/python3", "-c", CHILD, MODEL_PATH], env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        if line.strip() != "started":
            child.wait(timeout=60)
            raise script_test.Failure(f"child said {line!r}; stderr: {child.stderr.read()[-1500:]}")
        time.sleep(2)   # inside the scoring call
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
    require("KeyboardInterrupt" in out and "finished" not in out,
            f"no KeyboardInterrupt: stdout {out!r} stderr {err[-1500:]!r}")
    require("next call (2, 3, 4, 200)" in out, f"the call after the interrupt failed: {out!r} {err[-1500:]!r}")


@RUN.check
def example_logo_writes_a_png():
    png = os.path.join(TMP, "logo.png")
    proc = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "example-logo.py"),
                           "--out", png], env=ENV, capture_output=True, text=True)
    require(proc.returncode == 0, f"example-logo.py exited {proc.returncode}: {proc.stderr[-2000:]}")
    require(os.path.isfile(png), f"{png} was not written")
    with open(png, "rb") as image:
        head = image.read(24)
    require(head[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG")
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    require(width >= 800 and height >= 300, f"logo is {width}x{height}")


@RUN.check
def cmake_install_puts_an_importable_module():
    prefix = os.path.join(TMP, "prefix")
    proc = subprocess.run(["cmake", "--install", os.path.abspath(ARGS.bin), "--component", "python",
                           "--prefix", prefix],
                          capture_output=True, text=True)
    require(proc.returncode == 0, f"cmake --install exited {proc.returncode}: {proc.stderr[-1500:]}")
    found = glob.glob(os.path.join(prefix, "lib", "python3*", "*-packages", "deeplift_cpp*.so"))
    require(len(found) == 1, f"installed module not found under {prefix}: {glob.glob(prefix + '/**', recursive=True)}")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(found[0]))
    proc = subprocess.run(["/usr/bin/python3", "-c", "import deeplift_cpp, sys; print(deeplift_cpp.__file__); "
                           "print(deeplift_cpp.Model(sys.argv[1]).tasks)", MODEL_PATH],
                          env=env, capture_output=True, text=True, cwd=TMP)
    require(proc.returncode == 0 and proc.stdout.startswith(prefix),
            f"importing the installed module: {proc.stdout!r} {proc.stderr[-1500:]!r}")


@RUN.check
def rescale_fallback_is_said_not_silent():
    """A ReLU behind a max pool has no conv/dense layer to split its Δ
    (docs/graph-models.md): under RevealCancel score-seqs says so on stderr
    and attribute() raises a RuntimeWarning naming the layer; not under
    Rescale, and not for the bundled model (conv → ReLU)."""
    import warnings
    arch = {"input": {"alphabet": "ACGT", "length": 30}, "tasks": ["t"], "output": "linear",
            "layers": [{"type": "conv1d", "name": "conv1", "in_channels": 4, "out_channels": 3, "kernel_size": 5},
                       {"type": "maxpool1d", "kernel_size": 2, "stride": 2},
                       {"type": "relu", "name": "after_pool"},
                       {"type": "flatten"},
                       {"type": "dense", "name": "out", "in_features": 39, "out_features": 1}]}
    path = model_zoo.write_model(arch, os.path.join(TMP, "fallback.safetensors"), seed=3)
    fasta = os.path.join(TMP, "fallback.fa")
    with open(fasta, "w") as f:
        f.write(">s\n" + "ACGTTGCAAC" * 3 + "\n")
    said = "no Δ split reaches 'after_pool': it uses Rescale under revealcancel"
    for method, expected in (("revealcancel", True), ("rescale", False)):
        result = subprocess.run([SCORE, "-m", path, "-f", fasta, "--method", method, "--formats", "tsv",
                                 "-o", os.path.join(TMP, "fallback_" + method)], capture_output=True, text=True)
        require(result.returncode == 0, result.stderr)
        require((said in result.stderr) == expected, f"score-seqs {method}: stderr {result.stderr!r}")
    model = deeplift_cpp.Model(path)
    x = deeplift_cpp.one_hot(["ACGTTGCAAC" * 3])
    for method, expected in (("revealcancel", True), ("rescale", False)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.attribute(x, method=method)
        messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        require((said in messages) == expected, f"attribute {method}: warnings {messages}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MODEL.attribute(deeplift_cpp.one_hot(["A" * L]), method="revealcancel")
    require(not caught, f"the bundled model warned: {[str(w.message) for w in caught]}")


sys.exit(RUN.run(only=os.environ.get("ONLY", "").split(",") if os.environ.get("ONLY") else None))
