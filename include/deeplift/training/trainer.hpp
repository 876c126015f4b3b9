// Mini-batch training with Adam and early stopping on the validation loss.
//
// Reproducibility: every mini-batch is cut into fixed sub-batches of
// `sub_batch` sequences; OpenMP threads take sub-batches in any order, but
// each sub-batch's gradient goes to its own buffer and the buffers are summed
// in sub-batch order. The arithmetic is therefore the same whatever the
// thread count or scheduling, and a run is bit-for-bit repeatable for a
// given seed and options (on the same build and CPU).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "deeplift/training/adam.hpp"
#include "deeplift/training/dataset.hpp"
#include "deeplift/training/loss.hpp"

namespace deeplift {

struct TrainOptions {
  int epochs = 50;           // at most this many passes over the training split
  uint64_t seed = 1;         // shuffling (initialisation is seeded by its caller)
  int batch_size = 128;      // sequences per Adam step
  int sub_batch = 16;        // sequences per parallel work item (fixed: see above)
  int patience = 5;          // stop after this many epochs without a better validation loss; 0: never
  int threads = 0;           // 0: every core
  AdamOptions adam;
  ClassWeights class_weights;  // sigmoid outputs only
};

struct TaskMetrics {
  double auroc = 0, auprc = 0;  // NaN when the split holds one class only
  long positives = 0, negatives = 0;
};

struct Evaluation {
  double loss = 0;  // mean per-sequence loss (the training loss, weights included)
  std::vector<TaskMetrics> tasks;
  long size = 0;
};

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;  // mean over the epoch's steps, weighted by batch size
  Evaluation valid;
  double seconds = 0;
  bool best = false;  // best validation loss so far
};

struct TrainResult {
  Evaluation initial_valid;  // before the first step
  std::vector<EpochRecord> history;
  int best_epoch = 0;        // 0: no epoch beat the initial parameters
  bool stopped_early = false;
  long steps = 0;
  Evaluation final_valid, final_test;  // of the returned (best) parameters; final_test.size == 0 without a test split
};

// Every problem with the option values (empty: all fine).
std::vector<std::string> option_problems(const TrainOptions& options);

// Loss and per-task auROC/auPRC of `model` on `data` (scores: the logits for
// sigmoid outputs, the softmax probabilities for softmax).
Evaluation evaluate(const Model& model, const Loss& loss, const Dataset& data, int threads, int chunk);

// Trains the (already initialised) `model` in place and leaves it at the
// parameters of the best validation epoch; for a softmax model the last
// layer is then mean-normalised (model.hpp). `on_epoch` sees every epoch as
// it ends. Throws UsageError for bad options, Error if the loss becomes
// non-finite.
TrainResult train_model(Model& model, const TrainingData& data, const TrainOptions& options,
                        const std::function<void(const EpochRecord&)>& on_epoch = {});

}  // namespace deeplift
