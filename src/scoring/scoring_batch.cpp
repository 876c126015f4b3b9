#include "deeplift/scoring/scoring_batch.hpp"

#include <algorithm>
#include <cmath>

#include "deeplift/errors.hpp"
#include "deeplift/layers/conv1d.hpp"
#include "deeplift/scoring/method.hpp"

namespace deeplift {

namespace {

// Floats an elementwise layer's rule keeps per element of its input: seven
// gathered columns, three for the secants, |m| summed over the tasks, and the
// element list (an 8-byte index and a 4-byte position).
constexpr long kRuleScratchPerElement = 14;
// Peak RSS over the live bytes counted here: freed temporaries of different
// sizes leave holes in the heap (the scorer keeps large blocks in the heap,
// util/allocator.hpp). Measured on the bundled model and a 1 kb dilated
// convolution stack (docs/performance.md, "Memory").
constexpr double kAllocatorOverhead = 1.25;

// Rows of a layer's unfolded input (one column per output position): a
// convolution's in_channels · kernel_size, a dense layer's in_features.
long unfolded_rows(Layer& layer) {
  // parameters() only hands out views of the weights; nothing is changed.
  for (const ParameterBlock& block : layer.parameters())
    if (block.role == ParameterBlock::Role::Weight) return block.fan_in;
  return layer.input_shape().size();
}

long unfolded_size(Layer& layer) { return unfolded_rows(layer) * layer.output_shape().length; }

// Σ over the layer boundaries (the input and every layer's output) of one
// sequence's activation size.
long boundary_floats(const Model& model) {
  long total = model.input_shape().size();
  for (const auto& layer : model.layers()) total += layer->output_shape().size();
  return total;
}

// A convolution's column buffers (its unfolded input or transposed product)
// are per thread and chunked by sequences to at most
// Conv1d::kColumnBufferFloats, or one sequence's worth when that is more: a
// fixed cost of the worker, not one that grows with the batch.
// Dense layers and narrow convolutions (a profile head) have none.
long column_buffer_floats(Layer& layer) {
  const auto* conv = dynamic_cast<const Conv1d*>(&layer);
  if (!conv || !conv->uses_column_buffers()) return 0;
  return std::max(unfolded_size(layer), Conv1d::kColumnBufferFloats);
}

long to_bytes(long floats) {
  return static_cast<long>(std::ceil(static_cast<double>(floats) * sizeof(float) * kAllocatorOverhead));
}

}  // namespace

// What one (window, reference) pair costs a DeepLiftScorer and the layers'
// backward passes (scoring/deeplift_scorer.cpp, layers/*.cpp), in floats:
// - kept per boundary from batch to batch: activations of the inputs and of
//   the references, and the multipliers of every task (2 + T per element);
//   where RevealCancel splits, also M⁻ and Δz⁺, Δz⁻ (T + 2 more);
// - per-thread temporaries, each sized by the largest layer that uses it and
//   all alive at once: the multipliers for Δx < 0 per task (RevealCancel's
//   split); the elementwise rules' scratch; Δx of the largest boundary
//   (twice). A convolution's column buffers are chunked to a fixed size per
//   thread instead (scoring_fixed_bytes);
// - the scores: the pairs' inputs, references and Δx, per-position scores,
//   the input multipliers handed out, hypothetical contributions (asked for
//   or not) and integrated gradients' path point and summed multipliers.
long scoring_bytes_per_pair(const Model& model, const ScoringSettings& settings) {
  const long tasks = static_cast<long>(settings.tasks.size());
  const long length = model.input_length();
  const long input = model.input_shape().size();
  const auto& layers = model.layers();
  long largest_boundary = input;
  for (const auto& layer : layers) largest_boundary = std::max(largest_boundary, layer->output_shape().size());
  const long outputs = tasks * input * 2 + tasks * length;  // input multipliers (two buffers) and scores
  // Counted whether or not they are asked for: the batch, and with it the
  // float rounding, must not depend on the output formats.
  const long hypothetical = 2 * tasks * input;
  if (settings.method == Method::Ism) {
    // Per window: its forward pass (reused by the mutants, ism_bytes_per_mutant)
    // and its substitution effects and scores.
    return to_bytes(boundary_floats(model) + outputs + hypothetical);
  }

  long floats = (2 + tasks) * boundary_floats(model);
  long when_negative = 0, rule_scratch = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& layer = *layers[i];
    if (!layer.is_elementwise()) continue;
    const long size = layer.input_shape().size();
    rule_scratch = std::max(rule_scratch, kRuleScratchPerElement * size);
    // The layer feeding it (a graph's node, docs/graph-models.md). A split
    // that reaches it through pass-through layers (crop, flatten, concat,
    // add) is not followed: their outputs are counted as boundaries anyway.
    const int source = model.layer_inputs(i).front();
    Layer* previous = source > 0 ? layers[source - 1].get() : nullptr;
    if (previous && previous->has_weights() && rule_for(settings.method, previous) == NonlinearRule::RevealCancel) {
      floats += (tasks + 2) * size;
      when_negative = std::max(when_negative, tasks * previous->input_shape().size());
    }
  }
  floats += when_negative + rule_scratch + 2 * largest_boundary;
  floats += 3 * input + outputs + hypothetical;
  if (settings.method == Method::IntegratedGradients) floats += input + 2 * tasks * input;
  return to_bytes(floats);
}

long ism_bytes_per_mutant(const Model& model) {
  // The mutant's one-hot input and its forward pass.
  return to_bytes(model.input_shape().size() + boundary_floats(model));
}

long scoring_fixed_bytes(const Model& model, const ScoringSettings& settings) {
  // The largest convolution's buffers: its unfolded input (forward), its
  // transposed product (backward) and, where RevealCancel splits, the
  // unfolded Δx and its two signed parts.
  long buffer = 0;
  for (const auto& layer : model.layers())
    if (layer->has_weights()) buffer = std::max(buffer, column_buffer_floats(*layer));
  const bool splits = settings.method == Method::RevealCancel || settings.method == Method::GenomicsDefault;
  return to_bytes((splits ? 5 : 2) * buffer);
}

ScoringBatch scoring_batch(const Model& model, const ScoringSettings& settings, int batch_size, long budget_bytes) {
  if (batch_size < 1) throw UsageError("the batch size must be >= 1");
  ScoringBatch batch;
  const long per_window = uses_reference(settings.method) ? std::max(1, settings.references_per_window) : 1;
  batch.bytes_per_pair = scoring_bytes_per_pair(model, settings);
  // What the batch may grow into: the budget less the worker's fixed buffers.
  const long growable = std::max(0L, budget_bytes - scoring_fixed_bytes(model, settings));
  const long by_options = std::max(1L, batch_size / per_window);
  const long by_bytes = std::max(1L, growable / (per_window * batch.bytes_per_pair));
  batch.windows = static_cast<int>(std::min(by_options, by_bytes));
  batch.ism_mutants = static_cast<int>(std::min<long>(batch_size, std::max(1L, growable / ism_bytes_per_mutant(model))));
  return batch;
}

}  // namespace deeplift
