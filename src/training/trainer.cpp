#include "deeplift/training/trainer.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <numeric>

#include "deeplift/errors.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/training/backprop.hpp"
#include "deeplift/training/metrics.hpp"
#include "deeplift/training/random.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace {

int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_num_procs(); }

// Runs body(item) for item in [0, items) on `threads` threads; the first
// exception thrown is rethrown here (none may leave an OpenMP region).
template <typename Body>
void parallel_items(long items, int threads, const Body& body) {
  std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (long item = 0; item < items; ++item) {
    try {
      body(item);
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

std::vector<std::string> option_problems(const TrainOptions& options) {
  std::vector<std::string> problems;
  if (options.epochs < 1) problems.push_back("epochs must be at least 1");
  if (options.batch_size < 1) problems.push_back("batch size must be at least 1");
  if (options.sub_batch < 1) problems.push_back("sub-batch must be at least 1");
  if (options.patience < 0) problems.push_back("patience must be >= 0");
  if (options.threads < 0) problems.push_back("threads must be >= 0");
  if (!(options.adam.learning_rate > 0) || !std::isfinite(options.adam.learning_rate))
    problems.push_back("learning rate must be a positive number");
  return problems;
}

Evaluation evaluate(const Model& model, const Loss& loss, const Dataset& data, int threads, int chunk) {
  Evaluation result;
  result.size = data.size();
  const int tasks = model.task_count();
  Matrix logits(tasks, data.size());
  std::vector<double> losses((data.size() + chunk - 1) / chunk, 0.0);
  parallel_items(static_cast<long>(losses.size()), resolve_threads(threads), [&](long c) {
    const int first = static_cast<int>(c) * chunk;
    const int count = std::min(chunk, data.size() - first);
    std::vector<int> indices(count);
    std::iota(indices.begin(), indices.end(), first);
    Matrix inputs, targets;
    data.gather(indices.data(), count, inputs, targets);
    const Matrix chunk_logits = model.logits(inputs, count);
    losses[c] = loss.evaluate(chunk_logits, targets, 1.0f, nullptr);
    logits.middleCols(first, count) = chunk_logits;
  });
  double total = 0;
  for (double value : losses) total += value;  // in chunk order: reproducible
  result.loss = data.size() > 0 ? total / data.size() : std::nan("");

  // Rank by logits for sigmoid (exact, no saturation ties); by probability
  // for softmax, where a task's logit alone does not order its probability.
  const Matrix scores = model.output() == OutputKind::Softmax ? output_probabilities(logits, OutputKind::Softmax) : logits;
  for (int t = 0; t < tasks; ++t) {
    std::vector<float> task_scores(data.size()), labels(data.size());
    TaskMetrics metrics;
    for (int n = 0; n < data.size(); ++n) {
      task_scores[n] = scores(t, n);
      labels[n] = data.targets(t, n);
      (labels[n] > 0.5f ? metrics.positives : metrics.negatives) += 1;
    }
    metrics.auroc = auroc(task_scores, labels);
    metrics.auprc = average_precision(task_scores, labels);
    result.tasks.push_back(metrics);
  }
  return result;
}

TrainResult train_model(Model& model, const TrainingData& data, const TrainOptions& options,
                        const std::function<void(const EpochRecord&)>& on_epoch) {
  const auto problems = option_problems(options);
  if (!problems.empty()) {
    std::string text;
    for (const auto& problem : problems) text += (text.empty() ? "" : "; ") + problem;
    throw UsageError(text);
  }
  const int threads = resolve_threads(options.threads);
  const Loss loss(model.output(), model.task_count(), options.class_weights);
  const Dataset& train = data.train;
  const int evaluation_chunk = std::max(options.batch_size, options.sub_batch);

  TrainResult result;
  result.initial_valid = evaluate(model, loss, data.valid, threads, evaluation_chunk);
  double best_loss = result.initial_valid.loss;
  ParameterTensors best = snapshot_parameters(model);

  Adam adam(model, options.adam);
  Random random(derive_seed(options.seed, 1));
  std::vector<int> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  const int max_parts = (options.batch_size + options.sub_batch - 1) / options.sub_batch;
  std::vector<ParameterTensors> part_gradients(max_parts, zeros_like_parameters(model));
  std::vector<double> part_losses(max_parts);
  ParameterTensors gradient = zeros_like_parameters(model);

  int since_best = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    random.shuffle(order);
    double epoch_loss = 0;
    for (int first = 0; first < train.size(); first += options.batch_size) {
      check_interrupt();  // between steps: unwinding leaves no output behind
      const int count = std::min(options.batch_size, train.size() - first);
      const int parts = (count + options.sub_batch - 1) / options.sub_batch;
      // Mean loss over the batch: each part's gradient is scaled by 1/count.
      const float scale = 1.0f / static_cast<float>(count);
      parallel_items(parts, threads, [&](long p) {
        const int offset = static_cast<int>(p) * options.sub_batch;
        const int part_count = std::min(options.sub_batch, count - offset);
        thread_local Matrix inputs, targets;
        train.gather(order.data() + first + offset, part_count, inputs, targets);
        set_zero(part_gradients[p]);
        part_losses[p] = backpropagate(model, loss, inputs, targets, part_count, scale, part_gradients[p]);
      });
      set_zero(gradient);
      for (int p = 0; p < parts; ++p) {
        add_to(gradient, part_gradients[p]);
        epoch_loss += part_losses[p];
      }
      if (!std::isfinite(epoch_loss))
        throw Error("training diverged in epoch " + std::to_string(epoch) + " (the loss is not finite); try a smaller learning rate");
      adam.step(model, gradient);
    }

    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = epoch_loss / train.size();
    record.valid = evaluate(model, loss, data.valid, threads, evaluation_chunk);
    if (!std::isfinite(record.valid.loss))
      throw Error("training diverged in epoch " + std::to_string(epoch) + " (the validation loss is not finite)");
    record.best = record.valid.loss < best_loss;
    if (record.best) {
      best_loss = record.valid.loss;
      best = snapshot_parameters(model);
      result.best_epoch = epoch;
      since_best = 0;
    } else {
      ++since_best;
    }
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.history.push_back(record);
    if (on_epoch) on_epoch(record);
    if (options.patience > 0 && since_best >= options.patience && epoch < options.epochs) {
      result.stopped_early = true;
      break;
    }
  }
  result.steps = adam.steps();

  restore_parameters(model, best);
  // Keep the Model invariant that softmax logits are mean-normalised
  // (docs/scoring.md); Adam's per-coordinate steps do not preserve it.
  if (model.output() == OutputKind::Softmax)
    if (auto* last = dynamic_cast<Dense*>(&model.layer(model.layers().size() - 1))) last->mean_normalize();
  result.final_valid = evaluate(model, loss, data.valid, threads, evaluation_chunk);
  if (data.test.size() > 0) result.final_test = evaluate(model, loss, data.test, threads, evaluation_chunk);
  return result;
}

}  // namespace deeplift
