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

void attribute_windows(const Model& model, const ScoringSettings& given_settings, const Matrix& inputs, long count,
                       const Matrix* shared_reference, const Matrix* references, int batch_size, int threads,
                       WindowResults& out) {
  const long length = model.input_length();
  const int per_window = given_settings.references_per_window;
  if (inputs.rows() != 4 || inputs.cols() != length * count)
    throw Error("attribute_windows: inputs must be [4, L*count]");
  if (references && (references->rows() != 4 || references->cols() != length * count * per_window))
    throw Error("attribute_windows: references must be [4, L*count*K]");
  if (batch_size < 1 || threads < 1) throw Error("attribute_windows: batch_size and threads must be >= 1");
  // score-seqs' batches (score_run.cpp): the same cap on the same settings.
  const ScoringBatch plan = scoring_batch(model, given_settings, batch_size);
  ScoringSettings settings = given_settings;
  settings.ism_batch_size = plan.ism_mutants;
  const long batch_windows = plan.windows;
  const long batches = (count + batch_windows - 1) / batch_windows;
  {
    WindowScorer sizing(model, settings, shared_reference);
    sizing.resize_results(out, count);
  }
  std::atomic<long> next{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  long failure_batch = -1;
#pragma omp parallel num_threads(std::max(1, static_cast<int>(std::min<long>(threads, batches))))
  {
    try {
      WindowScorer scorer(model, settings, shared_reference);
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

}  // namespace deeplift
