// Scores of windows held in memory (the Python module's attribute()): the
// same batches and the same WindowScorer as score-seqs, so the numbers are
// the same bit for bit.
#pragma once
#include "deeplift/scoring/window_scorer.hpp"

namespace deeplift {

// Scores every window of `inputs` ([4, L*count]) in consecutive batches of
// scoring_batch(model, settings, batch_size).windows windows (at most
// max(1, batch_size / K), K = settings.references_per_window, fewer when the
// workspace would exceed its byte budget: scoring_batch.hpp; ism's mutants
// per pass come from there too, as in score-seqs), the batches spread over
// `threads` threads, into `out` (WindowResults layout,
// all `count` windows). The reference is `shared_reference` ([4, L]) for
// every window, or `references` ([4, L*count*K], window n's k-th at column
// block n*K + k), or neither for a method that takes none. Polls
// check_interrupt() between batches; the first failure is rethrown.
void attribute_windows(const Model& model, const ScoringSettings& settings, const Matrix& inputs, long count,
                       const Matrix* shared_reference, const Matrix* references, int batch_size, int threads,
                       WindowResults& out);

}  // namespace deeplift
