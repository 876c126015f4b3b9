// The Python module deeplift_cpp (README "Python"): numpy in, numpy out, on the
// same library code as score-seqs.
//
// Layouts. Python sees windows as C-order (N, 4, L) float32, the layout of
// score-seqs' ohe/contrib/hyp npz arrays (docs/outputs.md); the library keeps
// a batch as one column-major [4, L*N] matrix (tensor.hpp), so window n's
// C-order (4, L) block is a row-major 4×L map of the caller's buffer, copied
// into the library layout once (no intermediate numpy conversion when the
// array already is C-contiguous float32).
//
// Errors. The library's typed exceptions become Python ones: bad values
// (UsageError, InputError, FormatError) ValueError, IoError OSError,
// Interrupted KeyboardInterrupt. Everything a caller can pass is checked here
// first, so that no input reaches the library in a shape it would not expect.
//
// Ctrl-C. Scoring runs on a worker thread with the GIL released; the calling
// thread asks Python ten times a second whether a signal arrived, and stops
// the library's loops when one raised KeyboardInterrupt (run_interruptibly).
#include <omp.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/attribute.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/model_ensemble.hpp"
#include "deeplift/scoring/profile_target.hpp"
#include "deeplift/scoring/reference.hpp"
#include "deeplift/scoring/scoring_batch.hpp"
#include "deeplift/util/interrupt.hpp"

namespace py = pybind11;

namespace deeplift::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

[[noreturn]] void value_error(const std::string& message) { throw py::value_error(message); }

std::string shape_text(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t d = 0; d < array.ndim(); ++d)
    text += (d ? ", " : "") + std::to_string(array.shape(d));
  return text + (array.ndim() == 1 ? ",)" : ")");
}

// `object` as a C-contiguous float32 array: the array itself when it already
// is one, else numpy's conversion. Anything that does not convert to numbers
// is a ValueError naming `what`.
FloatArray float_array(const py::handle& object, const std::string& what) {
  if (object.is_none()) value_error(what + " is None; expected an array of numbers");
  // Strings would "convert" character by character; refuse them outright.
  if (py::isinstance<py::str>(object) || py::isinstance<py::bytes>(object))
    value_error(what + " must be an array of numbers, not " + std::string(py::str(py::type::of(object))));
  FloatArray array = FloatArray::ensure(object);  // empty, with the Python error cleared, when it fails
  if (!array)
    value_error(what + " must be an array of numbers (" + std::string(py::str(py::type::of(object))) +
                " does not convert to float32)");
  return array;
}

// Python ints and numpy integer scalars (anything with __index__), not bools.
bool is_integer(const py::handle& item) { return PyIndex_Check(item.ptr()) && !py::isinstance<py::bool_>(item); }

// Throws ValueError naming the first NaN or infinity of `array` by its index.
void check_finite(const FloatArray& array, const std::string& what) {
  const float* data = array.data();
  const py::ssize_t size = array.size();
  for (py::ssize_t i = 0; i < size; ++i) {
    if (std::isfinite(data[i])) continue;
    std::string index;
    py::ssize_t rest = i;
    std::vector<py::ssize_t> position(array.ndim());
    for (py::ssize_t d = array.ndim(); d-- > 0;) {
      position[d] = rest % array.shape(d);
      rest /= array.shape(d);
    }
    for (size_t d = 0; d < position.size(); ++d) index += (d ? ", " : "") + std::to_string(position[d]);
    value_error(what + " contains " + (std::isnan(data[i]) ? "NaN" : "an infinity") + " at [" + index + "]");
  }
}

// (count, 4, L) C-order blocks → the library's column-major [4, L*count].
Matrix library_layout(const float* data, long count, int length) {
  Matrix out(4, static_cast<long>(length) * count);
  for (long n = 0; n < count; ++n)
    out.middleCols(n * length, length) =
        Eigen::Map<const RowMatrix>(data + n * 4L * length, 4, length);
  return out;
}

// X: windows of the model's input, checked and in the library layout.
struct Windows {
  long count = 0;
  Matrix input;  // [4, L*count]
};

Windows checked_windows(const py::handle& object, const Model& model, const std::string& what = "X") {
  const FloatArray array = float_array(object, what);
  const int length = model.input_length();
  const std::string wanted = "(N, 4, " + std::to_string(length) + ")";
  if (array.ndim() != 3) {
    const bool one_window = array.ndim() == 2 && array.shape(0) == 4 && array.shape(1) == length;
    const std::string hint = one_window ? "; for one sequence use " + what + "[None]" : "";
    value_error(what + " must have shape " + wanted + " (sequences, A/C/G/T, the model's input length); got " +
                shape_text(array) + hint);
  }
  if (array.shape(1) != 4)
    value_error(what + " must have shape " + wanted + ": axis 1 is A, C, G, T and must have 4 entries; got " +
                shape_text(array) + (array.shape(2) == 4 ? " (channels last? use X.transpose(0, 2, 1))" : ""));
  if (array.shape(2) != length)
    value_error(what + " has length " + std::to_string(array.shape(2)) + " but the model's input length is " +
                std::to_string(length) + " (shape " + wanted + "; got " + shape_text(array) + ")");
  check_finite(array, what);
  Windows windows;
  windows.count = static_cast<long>(array.shape(0));
  windows.input = library_layout(array.data(), windows.count, length);
  return windows;
}

int resolved_threads(int threads) {
  if (threads < 0) value_error("threads must be >= 1 (or 0 for every core); got " + std::to_string(threads));
  return threads > 0 ? threads : omp_get_num_procs();
}

void check_batch_size(int batch_size) {
  if (batch_size < 1) value_error("batch_size must be >= 1; got " + std::to_string(batch_size));
}

// Runs `job` on a worker thread, with the GIL released, while the calling
// thread watches for signals: Python runs its signal handlers only in the main
// thread and with the GIL held (PyErr_CheckSignals). When one raises (Ctrl-C:
// KeyboardInterrupt), the library's loops are told to stop as a signal would
// tell score-seqs (request_interrupt; they poll check_interrupt() between
// batches, and ism between batches of mutants), and the Python exception
// propagates once the job has ended. The job must not touch Python objects.
template <typename Job>
void run_interruptibly(const Job& job) {
  std::mutex mutex;
  std::condition_variable ended_signal;
  bool ended = false;
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      job();
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex);
    ended = true;
    ended_signal.notify_all();
  });
  while (true) {
    bool done = false;
    {
      py::gil_scoped_release released;
      std::unique_lock<std::mutex> lock(mutex);
      done = ended_signal.wait_for(lock, std::chrono::milliseconds(100), [&] { return ended; });
    }
    if (done) break;
    if (PyErr_CheckSignals() != 0) {
      py::error_already_set raised;  // takes the pending Python exception
      request_interrupt(SIGINT);
      {
        py::gil_scoped_release released;
        worker.join();
      }
      clear_interrupt();
      throw raised;
    }
  }
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

// Runs `body(i)` for i in [0, count) on `threads` OpenMP threads; the first
// exception (in i order) is rethrown after all are done.
template <typename Body>
void parallel_for(long count, int threads, const Body& body) {
  std::vector<std::exception_ptr> failures(static_cast<size_t>(count));
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (long i = 0; i < count; ++i) {
    try {
      body(i);
    } catch (...) {
      failures[i] = std::current_exception();
    }
  }
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
}

// ---------------------------------------------------------------- one_hot

const char* const kOneHotDoc = R"doc(one_hot(seqs) -> numpy.ndarray of float32, shape (N, 4, L)

One-hot encode DNA sequences exactly as score-seqs does: rows A, C, G, T;
lower case is upper-cased; N and the IUPAC ambiguity codes (RYSWKMBDHV) are
all-zero columns.

seqs: a list (any iterable) of str, all of the same length L; a single str
      is one sequence (N = 1).
Raises ValueError for sequences of different lengths and for any other
character, naming the sequence (0-based index) and the position (1-based).)doc";

py::array_t<float> one_hot(const py::object& seqs) {
  std::vector<std::string> sequences;
  if (py::isinstance<py::str>(seqs)) {
    sequences.push_back(seqs.cast<std::string>());
  } else {
    py::iterator items;
    try {
      items = py::iter(seqs);
    } catch (py::error_already_set&) {
      value_error("one_hot: seqs must be a list of str, not " + std::string(py::str(py::type::of(seqs))));
    }
    for (const py::handle item : items) {
      if (!py::isinstance<py::str>(item))
        value_error("one_hot: seqs[" + std::to_string(sequences.size()) + "] is a " +
                    std::string(py::str(py::type::of(item))) + ", not a str");
      sequences.push_back(item.cast<std::string>());
    }
  }
  const long count = static_cast<long>(sequences.size());
  const long length = count ? static_cast<long>(sequences[0].size()) : 0;
  for (long n = 0; n < count; ++n) {
    if (static_cast<long>(sequences[n].size()) != length)
      value_error("one_hot: seqs[" + std::to_string(n) + "] is " + std::to_string(sequences[n].size()) +
                  " bp but seqs[0] is " + std::to_string(length) + " bp; all must have the same length");
    try {
      check_sequence(sequences[n], "seqs", std::to_string(n));
    } catch (const FormatError& error) {
      // The library names a file and record; here they are the list and its index.
      const std::string message = error.what();
      const auto at = message.find("invalid character");
      value_error("one_hot: seqs[" + std::to_string(n) + "]: " +
                  (at == std::string::npos ? message : message.substr(at)) + " (1-based)");
    }
  }
  py::array_t<float> out({count, 4L, length});
  float* data = out.mutable_data();
  std::vector<float> columns(4 * static_cast<size_t>(length));
  for (long n = 0; n < count; ++n) {
    encode_one_hot(sequences[n], columns.data());  // [4, L] column-major = (L, 4) C order
    Eigen::Map<RowMatrix>(data + n * 4 * length, 4, length) =
        Eigen::Map<const Matrix>(columns.data(), 4, length);
  }
  return out;
}

// ---------------------------------------------------------------- Model

const char* const kModelDoc = R"doc(Model(path, verify=True)

A deeplift-cpp model file (docs/model-format.md: .safetensors written by
scripts/convert-model, scripts/write-model.py or train-model).

verify: check the test vectors embedded in the file at load (score-seqs'
        default; verify=False is its --no-verify).
Raises OSError when the file cannot be read and ValueError when it is not a
valid model.

Attributes: tasks (list of str), input_length (int), output ("sigmoid",
"softmax" or "linear"), path (str).)doc";

const char* const kPredictDoc = R"doc(predict(X, threads=0, batch_size=128) -> numpy.ndarray of float32, shape (N, T)

The logits of every task (T = len(tasks)) for one-hot windows X of shape
(N, 4, input_length); softmax models give mean-normalised logits, as
score-seqs scores them (docs/scoring.md): the logits of score-seqs'
predictions.tsv for the same windows and batch_size, bit for bit. Apply a
sigmoid/softmax for probabilities.

X: any float array-like (a C-contiguous float32 array is read in place,
   anything else converted first).
threads: 0 uses every core. batch_size: windows per forward pass.
Raises ValueError for a wrong shape or length and for NaN/infinite values.)doc";

py::array_t<float> predict(const Model& model, const py::object& x, int threads, int batch_size) {
  const Windows windows = checked_windows(x, model);
  const int thread_count = resolved_threads(threads);
  check_batch_size(batch_size);
  const int tasks = model.task_count();
  const int length = model.input_length();
  Matrix logits(tasks, windows.count);
  run_interruptibly([&] {
    const long batches = (windows.count + batch_size - 1) / batch_size;
    parallel_for(batches, thread_count, [&](long batch) {
      check_interrupt();
      const long from = batch * batch_size;
      const int size = static_cast<int>(std::min<long>(batch_size, windows.count - from));
      const Matrix input = windows.input.middleCols(from * length, static_cast<long>(size) * length);
      logits.middleCols(from, size) = model.logits(input, size);
    });
  });
  py::array_t<float> out({windows.count, static_cast<long>(tasks)});
  Eigen::Map<RowMatrix>(out.mutable_data(), windows.count, tasks) = logits.transpose();
  return out;
}

// ---------------------------------------------------------------- attribute

const char* const kAttributeDoc = R"doc(attribute(X, method="revealcancel", reference="gc:0.4", tasks=None, hypothetical=False,
          threads=0, batch_size=128, ig_steps=10, names=None, starts=None,
          profile_target="bpnet-lite")
    -> numpy.ndarray of float32, shape (N, T, 4, L)

Attribution scores of one-hot windows X (N, 4, input_length) for T tasks:
the same numbers, bit for bit, that score-seqs writes to its npz files for the
same windows and options (docs/outputs.md): with hypothetical=False the
contributions (<task>.contrib.npz: X times the per-position score, zero off
the observed base), with hypothetical=True the hypothetical contributions
(<task>.hyp.npz). Scores are averaged over a window's references
(docs/scoring.md).

X          any float array-like (a C-contiguous float32 array is read in place).
method     one of deeplift_cpp.methods: revealcancel, rescale, genomics-default,
           grad-input, integrated-gradients, guided-backprop, ism.
reference  a score-seqs --reference string: "gc:F", "gc:auto", "freqs:a,c,g,t",
           "shuffle:K[,seed]", "zeros" or "npz:FILE"; or a numpy array:
             (4, L)        one reference for every window (run through the
                           model once, as gc:F is);
             (N, 4, L)     one reference per window;
             (N, K, 4, L)  K references per window, scores averaged over them
                           (as score-seqs --reference npz:FILE with that array).
           Ignored by ism, which takes no reference.
tasks      None for every task, or a task name / a list of names or indices
           (the output's axis 1 follows that order).
threads    0 uses every core. batch_size: as score-seqs --batch-size (windows
           times references per batch); the batches decide the floating-point
           summation order, so keep it equal to compare with a score-seqs run.
ig_steps   integrated-gradients path points (score-seqs --ig-steps).
profile_target
           how a profile task of a graph model is scored (score-seqs
           --profile-target, docs/graph-models.md): "bpnet-lite" or "chrombpnet".
names, starts
           only for gc:auto and shuffle:K references, which are made from each
           window's own sequence (the argmax base of each column, N where a
           column is all zero). score-seqs seeds window n's shuffles from its
           record name and the window's start in the record; pass the record
           names (and, for records longer than L, the window starts) to
           reproduce a score-seqs run exactly. Default: names "seq0", "seq1", …
           (0-based index), starts 0.

Raises ValueError for a bad shape, length, NaN/infinite value, method,
reference or task; KeyboardInterrupt on Ctrl-C (checked about every second).)doc";

// The scored tasks: None → all; a name; or names and indices, in the order given.
std::vector<int> selected_tasks(const py::object& tasks, const Model& model) {
  const int count = model.task_count();
  std::string known;
  for (const auto& task : model.tasks()) known += (known.empty() ? "" : ", ") + task;
  std::vector<int> selected;
  if (tasks.is_none()) {
    for (int t = 0; t < count; ++t) selected.push_back(t);
    return selected;
  }
  std::vector<py::handle> items;
  if (py::isinstance<py::str>(tasks) || is_integer(tasks)) {
    items.push_back(tasks);
  } else {
    try {
      for (const py::handle item : py::iter(tasks)) items.push_back(item);
    } catch (py::error_already_set&) {
      value_error("tasks must be None, a task name or a list of names or indices, not " +
                  std::string(py::str(py::type::of(tasks))));
    }
  }
  for (const py::handle item : items) {
    int index = -1;
    if (py::isinstance<py::str>(item)) {
      const auto name = item.cast<std::string>();
      for (int t = 0; t < count; ++t)
        if (model.tasks()[t] == name) index = t;
      if (index < 0) value_error("unknown task '" + name + "' (the model's tasks: " + known + ")");
    } else if (is_integer(item)) {
      const long value = py::int_(py::reinterpret_borrow<py::object>(item)).cast<long>();
      if (value < 0 || value >= count)
        value_error("task index " + std::to_string(value) + " is out of range (the model has " +
                    std::to_string(count) + " tasks: " + known + ")");
      index = static_cast<int>(value);
    } else {
      value_error("a task must be a name or an index, not " + std::string(py::str(py::type::of(item))));
    }
    for (int already : selected)
      if (already == index) value_error("task '" + model.tasks()[index] + "' is listed twice");
    selected.push_back(index);
  }
  if (selected.empty()) value_error("tasks is empty (None scores every task: " + known + ")");
  return selected;
}

// Where each scored window's references come from.
struct ReferencePlan {
  bool shared = false;  // `shared_reference` for every window
  Matrix shared_reference;
  int per_window = 1;   // K
  // Writes window n's k-th reference ([4, L] column-major) into `out`; for
  // per-window references. Called with the GIL released.
  std::function<void(long n, int k, float* out)> fill;
  FloatArray array;  // keeps a numpy reference alive
  std::unique_ptr<ReferenceArray> file;
  std::vector<std::string> texts, names;
  std::vector<long> starts;
};

// The window's sequence as score-seqs would have read it: the argmax base of
// each column, N for an all-zero column.
std::string window_text(const Matrix& input, long n, int length) {
  std::string text(length, 'N');
  for (int l = 0; l < length; ++l) {
    const auto column = input.col(n * length + l);
    if ((column.array() == 0.0f).all()) continue;
    Eigen::Index best = 0;
    column.maxCoeff(&best);
    text[l] = "ACGT"[best];
  }
  return text;
}

std::vector<std::string> window_names(const py::object& names, long count) {
  std::vector<std::string> out;
  if (names.is_none()) {
    for (long n = 0; n < count; ++n) out.push_back("seq" + std::to_string(n));
    return out;
  }
  if (py::isinstance<py::str>(names)) value_error("names must be a list of N str (one per window), not one str");
  try {
    for (const py::handle item : py::iter(names)) {
      if (!py::isinstance<py::str>(item))
        value_error("names[" + std::to_string(out.size()) + "] is a " + std::string(py::str(py::type::of(item))) +
                    ", not a str");
      out.push_back(item.cast<std::string>());
    }
  } catch (py::error_already_set&) {
    value_error("names must be a list of str, not " + std::string(py::str(py::type::of(names))));
  }
  if (static_cast<long>(out.size()) != count)
    value_error("names has " + std::to_string(out.size()) + " entries but X has " + std::to_string(count) +
                " windows");
  return out;
}

std::vector<long> window_starts_of(const py::object& starts, long count) {
  std::vector<long> out;
  if (starts.is_none()) return std::vector<long>(count, 0);
  try {
    for (const py::handle item : py::iter(starts)) {
      if (!is_integer(item)) value_error("starts[" + std::to_string(out.size()) + "] is not an integer");
      const long value = py::int_(py::reinterpret_borrow<py::object>(item)).cast<long>();
      if (value < 0) value_error("starts[" + std::to_string(out.size()) + "] is negative");
      out.push_back(value);
    }
  } catch (py::error_already_set&) {
    value_error("starts must be a list of integers, not " + std::string(py::str(py::type::of(starts))));
  }
  if (static_cast<long>(out.size()) != count)
    value_error("starts has " + std::to_string(out.size()) + " entries but X has " + std::to_string(count) +
                " windows");
  return out;
}

std::unique_ptr<ReferencePlan> reference_plan(const py::object& reference, const Windows& windows,
                                              const Model& model, Method method, const py::object& names,
                                              const py::object& starts) {
  auto plan = std::make_unique<ReferencePlan>();
  const int length = model.input_length();
  const long count = windows.count;
  if (py::isinstance<py::str>(reference)) {
    // Parsed even for ism, as score-seqs does: a typo is an error either way.
    const ReferenceSpec spec = ReferenceSpec::parse(reference.cast<std::string>());
    if (!uses_reference(method)) return plan;
    if (spec.kind == ReferenceSpec::Kind::Npz) {
      plan->file = std::make_unique<ReferenceArray>(ReferenceArray::read(spec.path, length));
      if (plan->file->windows() >= 0 && plan->file->windows() != count)
        value_error("'" + spec.path + "': holds references for " + std::to_string(plan->file->windows()) +
                    " windows, but X has " + std::to_string(count));
      plan->per_window = plan->file->per_window();
      const ReferenceArray* file = plan->file.get();
      plan->fill = [file](long n, int k, float* out) { file->fill(n, k, out); };
    } else if (spec.shared()) {
      // As score-seqs makes it: the spec does not look at the sequence.
      plan->shared = true;
      plan->shared_reference.resize(4, length);
      make_reference(spec, std::string(length, 'N'), 0, 0, plan->shared_reference.data(), "reference");
    } else {
      plan->per_window = spec.per_sequence();
      plan->names = window_names(names, count);
      plan->starts = window_starts_of(starts, count);
      for (long n = 0; n < count; ++n) plan->texts.push_back(window_text(windows.input, n, length));
      ReferencePlan* self = plan.get();
      plan->fill = [self, spec](long n, int k, float* out) {
        make_reference(spec, self->texts[n], window_key(self->names[n], self->starts[n]), k, out,
                       "X[" + std::to_string(n) + "] ('" + self->names[n] + "')");
      };
    }
    return plan;
  }
  FloatArray array = float_array(reference, "reference");
  const std::string L = std::to_string(length);
  const std::string forms = "(4, " + L + "), (N, 4, " + L + ") or (N, K, 4, " + L + ") with N = " +
                            std::to_string(count) + " windows of X";
  const py::ssize_t rank = array.ndim();
  bool good = rank >= 2 && rank <= 4 && array.shape(rank - 2) == 4 && array.shape(rank - 1) == length;
  if (good && rank >= 3) good = array.shape(0) == count;
  if (good && rank == 4) good = array.shape(1) >= 1;
  if (!good) value_error("reference has shape " + shape_text(array) + "; a reference array must be " + forms);
  check_finite(array, "reference");
  if (!uses_reference(method)) return plan;
  if (rank == 2) {
    plan->shared = true;
    plan->shared_reference = library_layout(array.data(), 1, length);
    return plan;
  }
  plan->per_window = rank == 4 ? static_cast<int>(array.shape(1)) : 1;
  plan->array = array;
  const float* data = plan->array.data();
  const int per_window = plan->per_window;
  plan->fill = [data, per_window, length](long n, int k, float* out) {
    Eigen::Map<Matrix>(out, 4, length) =
        Eigen::Map<const RowMatrix>(data + (n * per_window + k) * 4L * length, 4, length);
  };
  return plan;
}

// What one call scores with: Model.attribute's model and its task indices,
// or deeplift_cpp.attribute's models, matched and averaged as score-seqs
// --model A --model B does (a ModelEnsemble on `ensemble_tasks`, score-seqs'
// --tasks). The ensemble is made once the references are known: K enters
// its batch.
struct Scored {
  std::vector<const Model*> models;
  std::vector<int> tasks;                    // without an ensemble: the model's
  std::optional<std::string> ensemble_tasks;
};

py::array_t<float> attribute_scores(const Scored& scored, const py::object& x, const std::string& method_text,
                                    const py::object& reference, bool hypothetical, int threads, int batch_size,
                                    int ig_steps, const py::object& names, const py::object& starts,
                                    const std::string& profile_target) {
  const Model& model = *scored.models.front();
  const Windows windows = checked_windows(x, model);
  ScoringSettings settings;
  settings.method = parse_method(method_text);
  settings.tasks = scored.tasks;
  settings.hypothetical = hypothetical;
  const int thread_count = resolved_threads(threads);
  check_batch_size(batch_size);
  if (ig_steps < 1) value_error("ig_steps must be >= 1; got " + std::to_string(ig_steps));
  settings.ig_steps = ig_steps;
  settings.ism_batch_size = batch_size;
  settings.profile_target = parse_profile_target(profile_target);
  const auto plan = reference_plan(reference, windows, model, settings.method, names, starts);
  settings.references_per_window = plan->per_window;
  // Checks that the models agree (InputError: ValueError with score-seqs' message).
  std::unique_ptr<ModelEnsemble> ensemble;
  if (scored.ensemble_tasks)
    ensemble = std::make_unique<ModelEnsemble>(scored.models, *scored.ensemble_tasks, settings, batch_size);

  // RevealCancel asked of a nonlinearity whose input no layer splits
  // (docs/graph-models.md): a RuntimeWarning, as score-seqs says it on stderr.
  const std::vector<std::string> fallbacks =
      ensemble ? ensemble->rescale_fallbacks()
               : WindowScorer(model, settings, plan->shared ? &plan->shared_reference : nullptr).rescale_fallbacks();
  if (!fallbacks.empty()) {
    std::string message = "no Δ split reaches";
    for (const auto& name : fallbacks) message += " '" + name + "'";
    message += std::string(": ") + (fallbacks.size() == 1 ? "it uses" : "they use") + " Rescale under " +
               method_name(settings.method);
    if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 1) < 0) throw py::error_already_set();
  }

  const long count = windows.count;
  const int length = model.input_length();
  const int task_count = static_cast<int>(ensemble ? ensemble->scored_tasks().size() : settings.tasks.size());
  py::array_t<float> out({count, static_cast<long>(task_count), 4L, static_cast<long>(length)});
  float* result = out.mutable_data();
  const long item = 4L * length;  // one (4, L) block of the output

  // Scores windows [first, first + slice) into `out`.
  const auto score_slice = [&](long first, long slice) {
    const Matrix input = windows.input.middleCols(first * length, slice * length);
    Matrix references;
    if (plan->fill) {
      references.resize(4, slice * plan->per_window * length);
      for (long n = 0; n < slice; ++n)
        for (int k = 0; k < plan->per_window; ++k)
          plan->fill(first + n, k, references.data() + (n * plan->per_window + k) * item);
    }
    WindowResults results;
    const Matrix* shared = plan->shared ? &plan->shared_reference : nullptr;
    if (ensemble)
      attribute_windows(*ensemble, input, slice, shared, plan->fill ? &references : nullptr, thread_count, results);
    else
      attribute_windows(model, settings, input, slice, shared, plan->fill ? &references : nullptr, batch_size,
                        thread_count, results);
    for (long n = 0; n < slice; ++n)
      for (int t = 0; t < task_count; ++t) {
        Eigen::Map<RowMatrix> block(result + ((first + n) * task_count + t) * item, 4, length);
        const long column = n * task_count + t;
        if (hypothetical) {
          block = results.hypothetical.middleCols(column * length, length);
        } else {
          // contrib = X ⊙ s, as score-seqs writes it (docs/outputs.md).
          const auto s = results.scores.col(column).transpose();
          for (int c = 0; c < 4; ++c) block.row(c) = input.row(c).segment(n * length, length).cwiseProduct(s);
        }
      }
  };

  // Slices of whole rounds of score-seqs' batches (attribute.hpp: batches of
  // scoring_batch().windows windows: at most max(1, batch_size / K), fewer
  // under the workspace's byte budget; an ensemble's batch_windows(), the
  // fewest of its models'), so the batches, and with them the
  // numbers, stay score-seqs'. A slice's references and results take up to
  // about kSliceBytes, whatever N and K; the threads wait for each other
  // only at the end of a slice.
  constexpr long kSliceBytes = 256L << 20;
  const int per_window = plan->per_window;
  const long batch_windows =
      ensemble ? ensemble->batch_windows() : scoring_batch(model, settings, batch_size).windows;
  const long round = batch_windows * thread_count;
  const long logit_rows = ensemble ? ensemble->logit_rows() : model.task_count();
  const long window_bytes = static_cast<long>(sizeof(float)) *
                            (4L * length * (1 + (plan->fill ? per_window : 0)) +
                             static_cast<long>(length) * task_count * (hypothetical ? 4 : 1) + 2L * logit_rows);
  const long slice_windows = std::max(1L, kSliceBytes / (window_bytes * round)) * round;
  run_interruptibly([&] {
    for (long first = 0; first < count; first += slice_windows)
      score_slice(first, std::min(slice_windows, count - first));
  });
  return out;
}

py::array_t<float> model_attribute(const Model& model, const py::object& x, const std::string& method,
                                   const py::object& reference, const py::object& tasks, bool hypothetical,
                                   int threads, int batch_size, int ig_steps, const py::object& names,
                                   const py::object& starts, const std::string& profile_target) {
  return attribute_scores(Scored{{&model}, selected_tasks(tasks, model), std::nullopt}, x, method, reference,
                          hypothetical, threads, batch_size, ig_steps, names, starts, profile_target);
}

// ------------------------------------------------------- attribute (models)

const char* const kEnsembleAttributeDoc = R"doc(attribute(models, X, method="revealcancel", reference="gc:0.4",
          tasks=None, hypothetical=False, threads=0, batch_size=128, ig_steps=10,
          names=None, starts=None, profile_target="bpnet-lite")
    -> numpy.ndarray of float32, shape (N, T, 4, L)

Model.attribute over several models, e.g. the folds of one experiment: every
window is scored by every model against the same references, and the result
is the mean over the models (summed in the order given) of each model's
scores: the same numbers, bit for bit, as score-seqs --model A --model B
writes to its npz files for the same windows and options (docs/scoring.md,
"Several models"). With one model it equals Model.attribute exactly.

models     a list of deeplift_cpp.Model (or one Model). They must take the
           same input length, have the same output kind, and hold every
           scored task under the same name and of the same kind.
tasks      as score-seqs --tasks: None or "all" for every task of the first
           model, a name, "name1,name2", or a list of names. Tasks are matched
           by name in every model (their positions may differ), so there are
           no indices here. The output's axis 1 follows that order.
Every other argument is Model.attribute's; X is (N, 4, L) with L the models'
input length, and batch_size is score-seqs --batch-size (the batch holds the
smallest of the models' batches, as in score-seqs).

Raises ValueError, with score-seqs' message naming both files, when the
models disagree; otherwise as Model.attribute.)doc";

// deeplift_cpp.attribute's task names, as score-seqs' --tasks text.
std::string ensemble_task_list(const py::object& tasks) {
  if (tasks.is_none()) return "all";
  if (py::isinstance<py::str>(tasks)) return tasks.cast<std::string>();
  std::string list;
  long index = 0;
  try {
    for (const py::handle item : py::iter(tasks)) {
      const std::string where = "tasks[" + std::to_string(index++) + "]";
      if (!py::isinstance<py::str>(item))
        value_error(where + " is a " + std::string(py::str(py::type::of(item))) +
                    "; deeplift_cpp.attribute takes task names, matched by name in every model (as score-seqs "
                    "--tasks), not indices");
      const auto name = item.cast<std::string>();
      if (name.find(',') != std::string::npos)
        value_error(where + " '" + name + "' contains a comma; score-seqs --tasks cannot name it either");
      list += (list.empty() ? "" : ",") + name;
    }
  } catch (py::error_already_set&) {
    value_error("tasks must be None, a task name or a list of names, not " +
                std::string(py::str(py::type::of(tasks))));
  }
  if (index == 0) value_error("tasks is empty (None scores every task of the first model)");
  return list;
}

py::array_t<float> ensemble_attribute(const py::object& models, const py::object& x, const std::string& method,
                                      const py::object& reference, const py::object& tasks, bool hypothetical,
                                      int threads, int batch_size, int ig_steps, const py::object& names,
                                      const py::object& starts, const std::string& profile_target) {
  // Held here, so the models outlive the call whatever the caller's list does.
  std::vector<std::shared_ptr<Model>> held;
  if (py::isinstance<Model>(models)) {
    held.push_back(models.cast<std::shared_ptr<Model>>());
  } else {
    if (py::isinstance<py::str>(models)) value_error("models must be a list of deeplift_cpp.Model, not a str");
    try {
      for (const py::handle item : py::iter(models)) {
        if (!py::isinstance<Model>(item))
          value_error("models[" + std::to_string(held.size()) + "] is a " +
                      std::string(py::str(py::type::of(item))) + ", not a deeplift_cpp.Model");
        held.push_back(item.cast<std::shared_ptr<Model>>());
      }
    } catch (py::error_already_set&) {
      value_error("models must be a list of deeplift_cpp.Model, not " + std::string(py::str(py::type::of(models))));
    }
  }
  if (held.empty()) value_error("models is empty; give at least one deeplift_cpp.Model");
  Scored scored;
  for (const auto& model : held) scored.models.push_back(model.get());
  scored.ensemble_tasks = ensemble_task_list(tasks);
  return attribute_scores(scored, x, method, reference, hypothetical, threads, batch_size, ig_steps, names, starts,
                          profile_target);
}

}  // namespace

void register_exceptions() {
  py::register_exception_translator([](std::exception_ptr failure) {
    try {
      if (failure) std::rethrow_exception(failure);
    } catch (const Interrupted&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const IoError& error) {
      PyErr_SetString(PyExc_OSError, error.what());
    } catch (const Error& error) {
      // UsageError, InputError, FormatError: the caller's values are the problem.
      PyErr_SetString(PyExc_ValueError, error.what());
    }
  });
}

void bind_model(py::module_& module) {
  py::class_<Model, std::shared_ptr<Model>>(module, "Model", kModelDoc)
      .def(py::init([](const std::string& path, bool verify) {
             return std::make_shared<Model>(load_model(path, ModelLoadOptions{verify}));
           }),
           py::arg("path"), py::arg("verify") = true)
      .def_property_readonly("tasks", &Model::tasks, "Task names, in the order of the logits.")
      .def_property_readonly("input_length", &Model::input_length, "Window length L in bases.")
      .def_property_readonly(
          "output", [](const Model& model) { return output_kind_name(model.output()); },
          "The output function: \"sigmoid\", \"softmax\" or \"linear\".")
      .def_property_readonly("path", &Model::path, "The model file.")
      .def("predict", &predict, kPredictDoc, py::arg("X"), py::arg("threads") = 0, py::arg("batch_size") = 128)
      .def("attribute", &model_attribute, kAttributeDoc, py::arg("X"), py::arg("method") = "revealcancel",
           py::arg("reference") = "gc:0.4", py::arg("tasks") = py::none(), py::arg("hypothetical") = false,
           py::arg("threads") = 0, py::arg("batch_size") = 128, py::arg("ig_steps") = 10,
           py::arg("names") = py::none(), py::arg("starts") = py::none(), py::arg("profile_target") = "bpnet-lite")
      .def("__repr__", [](const Model& model) {
        std::string tasks;
        for (const auto& task : model.tasks()) tasks += (tasks.empty() ? "'" : ", '") + task + "'";
        return "<deeplift_cpp.Model '" + model.path() + "': input_length=" + std::to_string(model.input_length()) +
               ", tasks=[" + tasks + "], output='" + output_kind_name(model.output()) + "'>";
      });
}

}  // namespace deeplift::python

PYBIND11_MODULE(deeplift_cpp, module) {
  using namespace deeplift::python;
  module.doc() = R"doc(deeplift-cpp from Python: DeepLIFT and related attribution methods for DNA
models, on the same native engine as the score-seqs command line.

  m = deeplift_cpp.Model("data/models/gata_tal.safetensors")
  X = deeplift_cpp.one_hot(["ACGT...", ...])      # (N, 4, L) float32
  logits = m.predict(X)                            # (N, T)
  contrib = m.attribute(X)                         # (N, T, 4, L), revealcancel vs gc:0.4
  mean = deeplift_cpp.attribute([m, m2], X)        # the mean over models, as score-seqs -m A -m B

See the README's "Python" section and docs/scoring.md.)doc";
  module.attr("__version__") = DEEPLIFT_VERSION;
  std::vector<std::string> methods;
  for (const auto& info : deeplift::all_methods()) methods.push_back(info.name);
  module.attr("methods") = methods;
  register_exceptions();
  module.def("one_hot", &one_hot, kOneHotDoc, py::arg("seqs"));
  bind_model(module);
  module.def("attribute", &ensemble_attribute, kEnsembleAttributeDoc, py::arg("models"), py::arg("X"),
             py::arg("method") = "revealcancel", py::arg("reference") = "gc:0.4", py::arg("tasks") = py::none(),
             py::arg("hypothetical") = false, py::arg("threads") = 0, py::arg("batch_size") = 128,
             py::arg("ig_steps") = 10, py::arg("names") = py::none(), py::arg("starts") = py::none(),
             py::arg("profile_target") = "bpnet-lite");
}
