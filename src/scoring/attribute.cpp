#include "deeplift/scoring/attribute.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include "deeplift/errors.hpp"
#include "deeplift/scoring/scoring_batch.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace {

// Scores `count` windows in consecutive batches of `batch_windows` windows
// over `threads` threads, each thread with its own scorer from
// `make_scorer()` (a WindowScorer or an EnsembleScorer: both score(input,
// references, windows, out, first)). `out` is already sized.
template <typename MakeScorer>
void score_in_batches(long length, int per_window, long batch_windows, const Matrix& inputs, long count,
                      const Matrix* references, int threads, WindowResults& out, const MakeScorer& make_scorer) {
  if (inputs.rows() != 4 || inputs.cols() != length * count)
    throw Error("attribute_windows: inputs must be [4, L*count]");
  if (references && (references->rows() != 4 || references->cols() != length * count * per_window))
    throw Error("attribute_windows: references must be [4, L*count*K]");
  if (threads < 1) throw Error("attribute_windows: threads must be >= 1");
  const long batches = (count + batch_windows - 1) / batch_windows;
  std::atomic<long> next{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  long failure_batch = -1;
#pragma omp parallel num_threads(std::max(1, static_cast<int>(std::min<long>(threads, batches))))
  {
    try {
      auto scorer = make_scorer();
      Matrix batch_input, batch_references;
      for (long batch = next++; batch < batches && !stop; batch = next++) {
        try {
          check_interrupt();
          const long first = batch * batch_windows;
          const int windows = static_cast<int>(std::min(batch_windows, count - first));
          batch_input = inputs.middleCols(first * length, windows * length);
          if (references)
            batch_references = references->middleCols(first * per_window * length, windows * per_window * length);
          scorer.score(batch_input, references ? &batch_references : nullptr, windows, out, first);
        } catch (...) {
          // The earliest failing batch is reported, as a serial run would.
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure || batch < failure_batch) {
            failure = std::current_exception();
            failure_batch = batch;
          }
          stop = true;
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

void attribute_windows(const Model& model, const ScoringSettings& given_settings, const Matrix& inputs, long count,
                       const Matrix* shared_reference, const Matrix* references, int batch_size, int threads,
                       WindowResults& out) {
  if (batch_size < 1) throw Error("attribute_windows: batch_size must be >= 1");
  // score-seqs' batches (score_run.cpp): the same cap on the same settings.
  const ScoringBatch plan = scoring_batch(model, given_settings, batch_size);
  ScoringSettings settings = given_settings;
  settings.ism_batch_size = plan.ism_mutants;
  WindowScorer(model, settings, shared_reference).resize_results(out, count);
  score_in_batches(model.input_length(), settings.references_per_window, plan.windows, inputs, count, references,
                   threads, out, [&] { return WindowScorer(model, settings, shared_reference); });
}

void attribute_windows(const ModelEnsemble& ensemble, const Matrix& inputs, long count,
                       const Matrix* shared_reference, const Matrix* references, int threads, WindowResults& out) {
  EnsembleScorer(ensemble, shared_reference).resize_results(out, count);
  score_in_batches(ensemble.input_length(), ensemble.settings(0).references_per_window, ensemble.batch_windows(),
                   inputs, count, references, threads, out,
                   [&] { return EnsembleScorer(ensemble, shared_reference); });
}

}  // namespace deeplift
