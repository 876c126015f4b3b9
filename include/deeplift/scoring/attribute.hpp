// Scores of windows held in memory (the Python module's Model.attribute and
// deeplift_cpp.attribute): the same batches and the same scorers as
// score-seqs, so the numbers are the same bit for bit.
#pragma once
#include "deeplift/scoring/model_ensemble.hpp"
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

// The same over several models (score-seqs --model A --model B, docs/scoring.md
// "Several models"): batches of ensemble.batch_windows() windows, each scored
// by an EnsembleScorer, so scores and hypothetical contributions are the mean
// over the models in model order and the logits every model's, stacked
// (ModelEnsemble::logit_row). K is the ensemble's
// settings(0).references_per_window. One model gives exactly the numbers of
// the overload above with that model's settings and batch size.
void attribute_windows(const ModelEnsemble& ensemble, const Matrix& inputs, long count,
                       const Matrix* shared_reference, const Matrix* references, int threads, WindowResults& out);

}  // namespace deeplift
