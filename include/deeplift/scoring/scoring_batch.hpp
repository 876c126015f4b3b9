// How many windows one worker scores at a time. --batch-size (and the
// Python module's batch_size) is an upper bound: the batch is also capped so
// that one worker's scoring workspace, estimated from the model's layer
// shapes, the method and the tasks, stays under a fixed number of bytes
// (docs/performance.md, "Memory"). The cap depends on the model and the
// options, never on the thread count, so outputs stay byte-identical across
// --threads (docs/decisions.md); score-seqs and attribute_windows both take
// their batches from here, so they stay identical to each other.
#pragma once
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/window_scorer.hpp"

namespace deeplift {

// One worker's scoring workspace is kept under this many bytes (estimated).
constexpr long kScoringWorkspaceBytes = 64L << 20;

// Estimated peak bytes of one worker's scoring workspace per (window,
// reference) pair of a batch, for settings.method and settings.tasks (not
// settings.hypothetical: the batch must not depend on the output formats);
// for ism, per window. What it counts is in
// scoring_batch.cpp; tests/scoring/scoring_batch_test.cpp checks it against
// what a scorer keeps allocated, tests/scoring/test_scoring_memory.py
// checks peak RSS.
long scoring_bytes_per_pair(const Model& model, const ScoringSettings& settings);
// ism: estimated bytes per mutant of its batched forward passes.
long ism_bytes_per_mutant(const Model& model);
// Bytes of one worker's workspace that do not grow with the batch: the
// convolutions' column buffers, chunked to a fixed size per thread
// (Conv1d::kColumnBufferFloats).
long scoring_fixed_bytes(const Model& model, const ScoringSettings& settings);

struct ScoringBatch {
  int windows = 1;         // windows per batch, each with all its references
  int ism_mutants = 1;     // ism: mutants per forward pass (ScoringSettings::ism_batch_size)
  long bytes_per_pair = 0; // the estimate the cap used
};

// windows = min(max(1, batch_size / K), max(1, (budget − fixed bytes) / (K · bytes per pair)))
// with K = settings.references_per_window: a window's references are always
// scored together, so a batch never holds less than one window.
// ism_mutants = min(batch_size, max(1, (budget − fixed bytes) / bytes per mutant)).
// Throws UsageError when batch_size < 1.
ScoringBatch scoring_batch(const Model& model, const ScoringSettings& settings, int batch_size,
                           long budget_bytes = kScoringWorkspaceBytes);

}  // namespace deeplift
