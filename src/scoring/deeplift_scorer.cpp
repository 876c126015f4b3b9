#include "deeplift/scoring/deeplift_scorer.hpp"

#include <algorithm>

#include "deeplift/errors.hpp"
#include "deeplift/util/allocator.hpp"

namespace deeplift {

namespace {

// Which layers with weights contribute to a node's Δ through pass-through
// layers (docs/graph-models.md): RevealCancel needs at least one.
struct SplitSources {
  bool any = false;
  bool conv = false;   // a layer with weights other than dense
  bool dense = false;
};

std::vector<SplitSources> split_sources(const Model& model) {
  const auto& layers = model.layers();
  std::vector<SplitSources> sources(layers.size() + 1);
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& layer = *layers[i];
    SplitSources& here = sources[i + 1];
    if (layer.has_weights()) {
      here = SplitSources{true, layer.type() != "dense", layer.type() == "dense"};
    } else if (layer.passes_delta_split()) {
      for (int input : model.layer_inputs(i)) {
        here.any = here.any || sources[input].any;
        here.conv = here.conv || sources[input].conv;
        here.dense = here.dense || sources[input].dense;
      }
    }
  }
  return sources;
}

bool is_gradient_method(Method method) {
  return method == Method::GradInput || method == Method::IntegratedGradients || method == Method::GuidedBackprop;
}

// Sequence n's block of every node, repeated K times in a row: the input's
// activations for the count·K (sequence, reference) pairs.
void repeat_blocks(const Matrix& source, int count, int repeats, Matrix& target) {
  const long block = source.size() / std::max(count, 1);
  target.resize(source.rows(), source.cols() * repeats);
  for (int n = 0; n < count; ++n)
    for (int k = 0; k < repeats; ++k)
      std::copy_n(source.data() + n * block, block, target.data() + (static_cast<long>(n) * repeats + k) * block);
}

}  // namespace

DeepLiftScorer::DeepLiftScorer(const Model& model, Method method, std::vector<int> tasks, DeepLiftOptions options)
    : model_(model), tasks_(std::move(tasks)), method_(method), options_(options) {
  if (method == Method::Ism) throw Error("DeepLiftScorer does not do ism; use IsmScorer");
  for (int task : tasks_)
    if (task < 0 || task >= model.task_count()) throw Error("DeepLiftScorer: task index out of range");
  keep_large_allocations_in_heap();
  const auto& layers = model.layers();
  const size_t nodes = layers.size() + 1;
  const std::vector<SplitSources> sources = split_sources(model);
  rules_.resize(layers.size(), NonlinearRule::Rescale);
  uses_.assign(nodes, 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    for (int input : model.layer_inputs(i)) ++uses_[input];
    if (!layers[i]->is_elementwise()) continue;
    const SplitSources& source = sources[model.layer_inputs(i).front()];
    switch (method) {
      case Method::GradInput:
      case Method::IntegratedGradients: rules_[i] = NonlinearRule::Gradient; break;
      case Method::GuidedBackprop: rules_[i] = NonlinearRule::GuidedGradient; break;
      case Method::RevealCancel:
        rules_[i] = source.any ? NonlinearRule::RevealCancel : NonlinearRule::Rescale;
        if (!source.any) rescale_fallbacks_.push_back(layers[i]->name());
        break;
      case Method::GenomicsDefault:
        // RevealCancel after dense layers, Rescale after conv layers (docs/scoring.md).
        rules_[i] = source.dense && !source.conv ? NonlinearRule::RevealCancel : NonlinearRule::Rescale;
        break;
      default: rules_[i] = NonlinearRule::Rescale; break;
    }
  }
  seeded_.assign(nodes, false);
  for (int task : tasks_) seeded_[model.task(task).node] = true;
  // A layer stack keeps one set of multipliers per layer boundary from
  // batch to batch (no reallocation); a graph, whose nodes outnumber the
  // multipliers alive at once, hands a node's storage on once it is used.
  pool_storage_ = !model.is_sequential();
  multipliers_.resize(nodes);
  present_.assign(nodes, false);
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
  out.logits = model_.logits_from(activations_, count);
  out.ref_logits = model_.logits_from(ref_activations_, count);
  backward(count, true, out);
}

void DeepLiftScorer::score(const Matrix& input, const Matrix& references, int count, BatchScores& out) {
  score(input, references, count, 1, out);
}

void DeepLiftScorer::score(const Matrix& input, const Matrix& references, int count, int references_per_input,
                           BatchScores& out) {
  const int k = references_per_input;
  if (k < 1) throw Error("DeepLiftScorer: references_per_input must be >= 1");
  if (references.rows() != input.rows() || references.cols() != input.cols() * k)
    throw Error("DeepLiftScorer: references are " + std::to_string(references.rows()) + "x" +
                std::to_string(references.cols()) + ", expected " + std::to_string(input.rows()) + "x" +
                std::to_string(input.cols() * k) + " (" + std::to_string(k) + " per input)");
  const int pairs = count * k;
  if (k == 1) {
    model_.forward(input, count, activations_);
    out.logits = model_.logits_from(activations_, count);
  } else {
    // One forward pass per input sequence; its activations are then
    // repeated for each of its references.
    model_.forward(input, count, input_activations_);
    out.logits = model_.logits_from(input_activations_, count);
    activations_.resize(input_activations_.size());
    for (size_t node = 0; node < input_activations_.size(); ++node)
      repeat_blocks(input_activations_[node], count, k, activations_[node]);
  }
  model_.forward(references, pairs, ref_activations_);
  out.ref_logits = model_.logits_from(ref_activations_, pairs);
  shared_replicated_count_ = -1;
  backward(pairs, false, out);
}

Multipliers& DeepLiftScorer::fresh(int node, int pairs) {
  Multipliers& target = multipliers_[node];
  if (pool_storage_ && target.positive.size() == 0 && !spare_.empty()) {
    // Storage of exactly the size needed, if some is spare: no reallocation.
    const long wanted = model_.node_shape(node).size() * pairs * static_cast<long>(tasks_.size());
    size_t pick = spare_.size() - 1;
    for (size_t i = 0; i < spare_.size(); ++i)
      if (spare_[i].positive.size() == wanted) pick = i;
    target = std::move(spare_[pick]);
    if (pick + 1 != spare_.size()) spare_[pick] = std::move(spare_.back());
    spare_.pop_back();
  }
  return target;
}

void DeepLiftScorer::release(int node) {
  present_[node] = false;
  if (!pool_storage_) return;
  spare_.push_back(std::move(multipliers_[node]));
  multipliers_[node] = Multipliers();
}

void DeepLiftScorer::seed(int pairs) {
  const int tasks = static_cast<int>(tasks_.size());
  for (int t = 0; t < tasks; ++t) {
    const ModelTask& task = model_.task(tasks_[t]);
    const Shape shape = model_.node_shape(task.node);
    if (!present_[task.node]) {
      Multipliers& target = fresh(task.node, pairs);
      target.positive.setZero(shape.channels, static_cast<long>(shape.length) * pairs * tasks);
      target.split = target.sparse = false;
      target.active.clear();
      present_[task.node] = true;
    }
    Matrix& m = multipliers_[task.node].positive;
    if (task.kind == TaskKind::Scalar) {
      // The target is the pre-activation value itself: multiplier 1.
      m.block(task.row, static_cast<long>(t) * pairs, 1, pairs).setOnes();
      continue;
    }
    // A profile task: f of the whole output (docs/graph-models.md), one
    // contiguous [S, L] block per pair.
    const long block = shape.size();
    const Matrix& z = activations_[task.node];
    const Matrix& z_ref = ref_activations_[task.node];
    for (int n = 0; n < pairs; ++n) {
      float* seed = m.data() + (static_cast<long>(t) * pairs + n) * block;
      if (is_gradient_method(method_))
        profile_gradient_seed(z.data() + n * block, block, seed);
      else
        profile_seed(options_.profile_target, z.data() + n * block, z_ref.data() + n * block, block, seed);
    }
  }
}

bool DeepLiftScorer::delta_split(int node, int pairs, Matrix& plus, Matrix& minus) const {
  if (node == 0) return false;
  const Layer& producer = *model_.layers()[node - 1];
  const auto& inputs = model_.layer_inputs(node - 1);
  if (producer.has_weights()) {
    const Matrix delta = activations_[inputs[0]] - ref_activations_[inputs[0]];
    producer.split_delta(delta, nullptr, static_cast<int>(tasks_.size()), plus, minus, pairs);
    return true;
  }
  if (!producer.passes_delta_split()) return false;
  // A pass-through layer is linear: the split of its output is its forward
  // pass of its inputs' splits. An input no layer with weights contributes
  // to gives its whole Δ to Δ⁺ where Δ > 0 and to Δ⁻ where Δ < 0.
  std::vector<Matrix> pluses(inputs.size()), minuses(inputs.size());
  bool any = false;
  for (size_t j = 0; j < inputs.size(); ++j) {
    if (delta_split(inputs[j], pairs, pluses[j], minuses[j])) {
      any = true;
      continue;
    }
    const Matrix delta = activations_[inputs[j]] - ref_activations_[inputs[j]];
    pluses[j] = delta.cwiseMax(0.0f);
    minuses[j] = delta.cwiseMin(0.0f);
  }
  if (!any) return false;
  std::vector<const Matrix*> plus_inputs, minus_inputs;
  for (size_t j = 0; j < inputs.size(); ++j) {
    plus_inputs.push_back(&pluses[j]);
    minus_inputs.push_back(&minuses[j]);
  }
  producer.forward(plus_inputs, plus, pairs);
  producer.forward(minus_inputs, minus, pairs);
  return true;
}

void DeepLiftScorer::resolve_split(int node, int pairs) {
  Multipliers& m = multipliers_[node];
  const Shape shape = model_.node_shape(node);
  const int tasks = static_cast<int>(tasks_.size());
  make_dense(m, shape, pairs, tasks);
  const Matrix delta = activations_[node] - ref_activations_[node];
  const long size = delta.size();
  for (int t = 0; t < tasks; ++t) {
    float* plus = m.positive.data() + t * size;
    const float* minus = m.negative.data() + t * size;
    for (long i = 0; i < size; ++i) {
      const float d = delta.data()[i];
      plus[i] = d > 0.0f ? plus[i] : d < 0.0f ? minus[i] : 0.5f * (plus[i] + minus[i]);
    }
  }
  m.split = false;
}

void DeepLiftScorer::add_to(int node, int pairs, Multipliers& incoming) {
  Multipliers& m = multipliers_[node];
  const Shape shape = model_.node_shape(node);
  const int tasks = static_cast<int>(tasks_.size());
  make_dense(m, shape, pairs, tasks);
  make_dense(incoming, shape, pairs, tasks);
  if (incoming.split && !m.split) {
    m.negative = m.positive;
    m.split = true;
  }
  if (m.split) m.negative += incoming.split ? incoming.negative : incoming.positive;
  m.positive += incoming.positive;
}

void DeepLiftScorer::backward(int pairs, bool shared_reference, BatchScores& out) {
  const auto& layers = model_.layers();
  const int tasks = static_cast<int>(tasks_.size());
  std::fill(present_.begin(), present_.end(), false);
  seed(pairs);

  for (size_t i = layers.size(); i-- > 0;) {
    const int node = static_cast<int>(i) + 1;
    if (!present_[node]) continue;  // feeds no scored task
    const Layer& layer = *layers[i];
    if (multipliers_[node].split && !layer.accepts_split_multipliers()) resolve_split(node, pairs);
    const Multipliers& current = multipliers_[node];
    const auto& inputs = model_.layer_inputs(i);
    const bool reveal_cancel = layer.is_elementwise() && rules_[i] == NonlinearRule::RevealCancel;
    if (reveal_cancel) {
      // Δz⁺/Δz⁻ of this layer's input, split by the conv/dense layer that
      // produced it: directly (only the outputs that carry a multiplier),
      // or through pass-through layers (docs/graph-models.md).
      const int source = inputs[0];
      const Layer* producer = source > 0 ? layers[source - 1].get() : nullptr;
      if (producer && producer->has_weights()) {
        const int producer_input = model_.layer_inputs(source - 1)[0];
        const Matrix delta = activations_[producer_input] - ref_activations_[producer_input];
        producer->split_delta(delta, &current, tasks, delta_plus_, delta_minus_, pairs);
      } else {
        thread_local Matrix plus, minus;
        if (!delta_split(source, pairs, plus, minus))
          throw Error("DeepLiftScorer: layer " + layer.name() + " has no delta split for RevealCancel");
        if (current.sparse) {
          gather_listed(plus, current.active, delta_plus_);
          gather_listed(minus, current.active, delta_minus_);
        } else {
          std::swap(delta_plus_, plus);
          std::swap(delta_minus_, minus);
        }
      }
    }
    const int first = inputs[0];
    LayerTrace trace{activations_[first], ref_activations_[first], activations_[node], ref_activations_[node],
                     reveal_cancel ? &delta_plus_ : nullptr, reveal_cancel ? &delta_minus_ : nullptr,
                     pairs, tasks};
    trace.shared_reference = shared_reference;
    if (inputs.size() == 1) {
      // Multipliers between layers may travel in the sparse form (behind a
      // max pool) along a single path; the input's must be dense, and a
      // node that sums several contributions is made dense.
      trace.sparse_input_multipliers = first != 0 && uses_[first] == 1 && !seeded_[first];
      if (!present_[first]) {
        layer.backward(trace, rules_[i], current, fresh(first, pairs));
        present_[first] = true;
      } else {
        layer.backward(trace, rules_[i], current, scratch_);
        add_to(first, pairs, scratch_);
      }
    } else {
      for (int input : inputs) {
        trace.inputs.push_back(&activations_[input]);
        trace.inputs_ref.push_back(&ref_activations_[input]);
      }
      layer.backward(trace, rules_[i], current, scratch_inputs_);
      for (size_t j = 0; j < inputs.size(); ++j) {
        if (!present_[inputs[j]]) {
          std::swap(fresh(inputs[j], pairs), scratch_inputs_[j]);
          present_[inputs[j]] = true;
        } else {
          add_to(inputs[j], pairs, scratch_inputs_[j]);
        }
      }
    }
    release(node);
  }
  if (!present_[0]) throw Error("DeepLiftScorer: no scored task depends on the input");
  if (multipliers_[0].split) resolve_split(0, pairs);
  Multipliers& input = multipliers_[0];
  make_dense(input, model_.input_shape(), pairs, tasks);
  // Swapped out: the caller's previous matrix becomes the next batch's workspace.
  std::swap(out.multipliers, input.positive);
  present_[0] = false;
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
