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
// Ctrl-C. Scoring runs with the GIL released, in slices of whole batches;
// between slices the calling thread takes the GIL back and asks Python
// whether a signal arrived (PyErr_CheckSignals), which raises
// KeyboardInterrupt in the notebook. Slices are sized to take about half a
// second, so a Ctrl-C is answered within about a second.
#include <omp.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/reference.hpp"

namespace py = pybind11;

namespace deeplift::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// ValueError with a message built from parts.
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
  FloatArray array;
  try {
    // Strings would "convert" character by character; refuse them outright.
    if (py::isinstance<py::str>(object) || py::isinstance<py::bytes>(object)) throw py::type_error("text");
    array = FloatArray::ensure(object);
    if (!array) throw py::error_already_set();
  } catch (py::error_already_set& error) {
    value_error(what + " must be an array of numbers (" + std::string(py::str(py::type::of(object))) +
                " does not convert to float32)");
  } catch (py::type_error&) {
    value_error(what + " must be an array of numbers, not " + std::string(py::str(py::type::of(object))));
  }
  return array;
}

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
  FloatArray array;  // keeps the caller's buffer alive
  long count = 0;
  Matrix input;      // [4, L*count]
};

Windows checked_windows(const py::handle& object, const Model& model, const std::string& what = "X") {
  Windows windows;
  windows.array = float_array(object, what);
  const int length = model.input_length();
  const auto& array = windows.array;
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

// Runs `slice(first, count)` over [0, total) in slices of whole multiples of
// `granule` windows, with the GIL released, checking for Ctrl-C between
// slices. The slices grow until one takes about half a second.
template <typename Slice>
void run_in_slices(long total, long granule, const Slice& slice) {
  using Clock = std::chrono::steady_clock;
  long granules = 1;
  for (long first = 0; first < total;) {
    const long count = std::min(total - first, granules * granule);
    const auto started = Clock::now();
    {
      py::gil_scoped_release released;
      slice(first, count);
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    first += count;
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (seconds < 0.25) granules *= 2;
  }
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
score-seqs scores them (docs/scoring.md). Apply a sigmoid/softmax for
probabilities.

X: any float array-like (a C-contiguous float32 array is read in place).
threads: 0 uses every core. batch_size: windows per forward pass.
Raises ValueError for a wrong shape or length and for NaN/infinite values.)doc";

py::array_t<float> predict(const Model& model, const py::object& x, int threads, int batch_size) {
  const Windows windows = checked_windows(x, model);
  const int thread_count = resolved_threads(threads);
  check_batch_size(batch_size);
  const int tasks = model.task_count();
  const int length = model.input_length();
  Matrix logits(tasks, windows.count);
  run_in_slices(windows.count, static_cast<long>(batch_size) * thread_count, [&](long first, long count) {
    const long batches = (count + batch_size - 1) / batch_size;
    parallel_for(batches, thread_count, [&](long batch) {
      const long from = first + batch * batch_size;
      const int size = static_cast<int>(std::min<long>(batch_size, first + count - from));
      const Matrix input = windows.input.middleCols(from * length, static_cast<long>(size) * length);
      logits.middleCols(from, size) = model.logits(input, size);
    });
  });
  py::array_t<float> out({windows.count, static_cast<long>(tasks)});
  Eigen::Map<RowMatrix>(out.mutable_data(), windows.count, tasks) = logits.transpose();
  return out;
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

See the README's "Python" section and docs/scoring.md.)doc";
  module.attr("__version__") = DEEPLIFT_VERSION;
  std::vector<std::string> methods;
  for (const auto& info : deeplift::all_methods()) methods.push_back(info.name);
  module.attr("methods") = methods;
  register_exceptions();
  module.def("one_hot", &one_hot, kOneHotDoc, py::arg("seqs"));
  bind_model(module);
}
