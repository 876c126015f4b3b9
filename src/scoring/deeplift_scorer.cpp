#include "deeplift/scoring/deeplift_scorer.hpp"

#include "deeplift/errors.hpp"
#include "deeplift/util/allocator.hpp"

namespace deeplift {

DeepLiftScorer::DeepLiftScorer(const Model& model, Method method, std::vector<int> tasks)
    : model_(model), tasks_(std::move(tasks)) {
  if (method == Method::Ism) throw Error("DeepLiftScorer does not do ism; use IsmScorer");
  keep_large_allocations_in_heap();
  const auto& layers = model.layers();
  rules_.resize(layers.size(), NonlinearRule::Rescale);
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i]->is_elementwise()) rules_[i] = rule_for(method, i ? layers[i - 1].get() : nullptr);
  delta_plus_.resize(layers.size() + 1);
  delta_minus_.resize(layers.size() + 1);
  multipliers_.resize(layers.size() + 1);
}

void DeepLiftScorer::set_shared_reference(const Matrix& reference) {
  model_.forward(reference, 1, shared_ref_one_);
  shared_replicated_count_ = -1;
}

void DeepLiftScorer::score(const Matrix& input, int count, BatchScores& out) {
  if (shared_ref_one_.empty()) throw Error("DeepLiftScorer: no shared reference set");
  // Replicate the reference's activations to the batch width only when the
  // width changes (the last, shorter batch): no per-batch reference forward.
  if (shared_replicated_count_ != count) {
    ref_activations_.resize(shared_ref_one_.size());
    for (size_t i = 0; i < shared_ref_one_.size(); ++i) ref_activations_[i] = shared_ref_one_[i].replicate(1, count);
    shared_replicated_count_ = count;
  }
  model_.forward(input, count, activations_);
  backward(count, true, out);
}

void DeepLiftScorer::score(const Matrix& input, const Matrix& references, int count, BatchScores& out) {
  model_.forward(input, count, activations_);
  model_.forward(references, count, ref_activations_);
  shared_replicated_count_ = -1;
  backward(count, false, out);
}

void DeepLiftScorer::backward(int count, bool shared_reference, BatchScores& out) {
  const auto& layers = model_.layers();
  const int tasks = static_cast<int>(tasks_.size());
  const int all_tasks = model_.task_count();
  out.logits = activations_.back();
  out.ref_logits = ref_activations_.back();
  // The target of task t is its pre-activation logit: multiplier 1 on that
  // output neuron, 0 on the others. multipliers_[i] are those of layer i's
  // input; each boundary keeps its matrices from batch to batch.
  Multipliers& top = multipliers_.back();
  top.positive.setZero(all_tasks, static_cast<long>(count) * tasks);
  top.split = top.sparse = false;
  for (int t = 0; t < tasks; ++t) top.positive.block(tasks_[t], static_cast<long>(t) * count, 1, count).setOnes();

  for (size_t i = layers.size(); i-- > 0;) {
    const Layer& layer = *layers[i];
    const Multipliers& current = multipliers_[i + 1];
    const bool reveal_cancel = layer.is_elementwise() && rules_[i] == NonlinearRule::RevealCancel;
    if (reveal_cancel) {
      // Δz⁺/Δz⁻ of this layer's input, split by the conv/dense layer before it.
      const Matrix delta = activations_[i - 1] - ref_activations_[i - 1];
      layers[i - 1]->split_delta(delta, &current, tasks, delta_plus_[i], delta_minus_[i], count);
    }
    LayerTrace trace{activations_[i], ref_activations_[i], activations_[i + 1], ref_activations_[i + 1],
                     reveal_cancel ? &delta_plus_[i] : nullptr, reveal_cancel ? &delta_minus_[i] : nullptr,
                     count, tasks};
    // Multipliers between layers may travel in the sparse form (behind a max
    // pool); the input's must be dense.
    trace.sparse_input_multipliers = i > 0;
    trace.shared_reference = shared_reference;
    layer.backward(trace, rules_[i], current, multipliers_[i]);
  }
  Multipliers& input = multipliers_.front();
  if (input.split) throw Error("DeepLiftScorer: the input received split multipliers");
  // Swapped out: the caller's previous matrix becomes the next batch's workspace.
  std::swap(out.multipliers, input.positive);
}

void contribution_scores(const Matrix& multipliers, const Matrix& input, const Matrix& references, int length,
                         int count, int tasks, Matrix& scores, Matrix* hypothetical) {
  const long block = static_cast<long>(length) * count;  // positions of one task block
  scores.resize(length, static_cast<long>(count) * tasks);
  if (hypothetical) hypothetical->resize(4, block * tasks);
  const Matrix delta = input - references;
  for (int t = 0; t < tasks; ++t) {
    const auto m = multipliers.middleCols(t * block, block);
    // One row per position of the batch: Σ_c m·Δx and Σ_c ref·m.
    Eigen::Map<Eigen::RowVectorXf>(scores.data() + t * block, block) = (m.array() * delta.array()).colwise().sum();
    if (!hypothetical) continue;
    const Eigen::RowVectorXf expected = (m.array() * references.array()).colwise().sum();
    hypothetical->middleCols(t * block, block) = m.rowwise() - expected;
  }
}

}  // namespace deeplift
