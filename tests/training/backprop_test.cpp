// Whole-model gradients (backpropagate: loss gradient, then every layer's
// parameter and input gradient in turn) against central finite differences
// of the real training loss, for every parameter of models that together
// reach every backward path of the layers:
// - mixed_architecture (support/architectures.hpp): every layer type;
// - conv → relu → conv → relu → max pool with windows of 20: behind the pool
//   at most 1 in 20 of conv2's output gradients is non-zero, under the 8% at
//   which Conv1d's backward works element by element on the transposed
//   filters (Conv1d::sparse_backward), so conv1's gradients pass through it;
// - the same with PReLU after each conv, and "same" padding and dilation on
//   conv2, so the sparse path also meets filter taps in the padding;
// - small max-pool windows (2 and 3): the dense GEMM backward of conv after
//   conv, and PReLU after conv.
// The conv models are checked after Adam steps changed their weights
// (Layer::parameters() + parameters_updated(), as in training), not only
// as first initialised: derived forms of the weights (W⁺, W⁻, transposes,
// broadcast slopes) must follow every update.
//
// The models have kinks (prelu, relu, maxpool) that a probe may straddle; a
// probe is taken as lying on a kink when the differences at ε and ε/2
// disagree, and skipped. At most 5% may be skipped.
#include "deeplift/training/backprop.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../support/architectures.hpp"
#include "../support/finite_difference.hpp"
#include "deeplift/training/adam.hpp"
#include "deeplift/training/initialization.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

Matrix random_targets(const Model& model, int count, bool one_hot_targets, std::mt19937& rng) {
  Matrix y = Matrix::Zero(model.task_count(), count);
  for (int n = 0; n < count; ++n)
    for (int t = 0; t < model.task_count(); ++t)
      y(t, n) = one_hot_targets ? (t == n % model.task_count()) : static_cast<float>(rng() % 2);
  return y;
}

// `steps` Adam steps (learning rate 0.05, a large move) on a batch of its
// own: the training update path, Adam::step writing through
// Layer::parameters() and calling parameters_updated().
void take_adam_steps(Model& model, const Loss& loss, int steps, std::mt19937& rng) {
  if (steps == 0) return;
  const int count = 8;
  const Matrix x = random_one_hot(model.input_length(), count, rng);
  const Matrix y = random_targets(model, count, false, rng);
  AdamOptions options;
  options.learning_rate = 0.05f;
  Adam adam(model, options);
  const ParameterTensors before = snapshot_parameters(model);
  for (int s = 0; s < steps; ++s) {
    ParameterTensors gradients = zeros_like_parameters(model);
    backpropagate(model, loss, x, y, count, 1.0f / count, gradients);
    adam.step(model, gradients);
  }
  // Every tensor moved (Adam moves each element by about the learning rate
  // whatever its gradient's size, as long as it is not exactly 0).
  const ParameterTensors after = snapshot_parameters(model);
  for (size_t i = 0; i < after.size(); ++i)
    for (size_t j = 0; j < after[i].size(); ++j)
      EXPECT_GT((after[i][j] - before[i][j]).cwiseAbs().maxCoeff(), 1e-3f)
          << model.layer(i).parameters()[j].name << " did not move in the Adam steps";
}

struct Check {
  int adam_steps = 0;     // Adam steps before the check (take_adam_steps)
  long min_probes = 200;  // the model has at least this many parameters
  // Whether every parameter tensor must have a gradient well above the
  // tolerance (so that its check cannot pass by the gradient being ~0).
  bool every_tensor_has_a_gradient = true;
};

// The finite differences' own error: the loss is summed in double from
// float logits, whose rounding (~1e-7 relative, over 6 sequences × 3
// tasks) divided by 2ε = 1e-3 leaves ~1e-4 in the quotient; the largest
// |analytic − numeric| measured over these models is 1e-4. Gradients of the
// conv models are 1e-2..1e-1, so a dropped or stale term fails this.
constexpr double kModelAbsoluteTolerance = 2.5e-4;
constexpr double kModelRelativeTolerance = 1e-2;

double model_tolerance(double numeric) { return kModelAbsoluteTolerance + kModelRelativeTolerance * std::abs(numeric); }

void check_model_gradients(const nlohmann::json& arch, const ClassWeights& weights, bool one_hot_targets,
                           const Check& check = {}) {
  Model model = build_untrained_model(arch, "test");
  initialize_parameters(model, 5);
  const Loss loss(model.output(), model.task_count(), weights);
  std::mt19937 rng(6);
  take_adam_steps(model, loss, check.adam_steps, rng);
  const int count = 6;
  const Matrix x = random_one_hot(model.input_length(), count, rng);
  const Matrix y = random_targets(model, count, one_hot_targets, rng);

  ParameterTensors gradients = zeros_like_parameters(model);
  const float scale = 1.0f / count;  // the mean loss, as training uses
  const double value = backpropagate(model, loss, x, y, count, scale, gradients);
  const auto mean_loss = [&] { return scale * loss.evaluate(model.logits(x, count), y, 1.0f, nullptr); };
  EXPECT_NEAR(value * scale, mean_loss(), 1e-6);

  // The loss is O(1) and smooth between kinks; ε = 1e-3 keeps kinks rare.
  const float step = 1e-3f;
  long probes = 0, skipped = 0;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    Layer& layer = model.layer(i);
    const auto blocks = layer.parameters();
    for (size_t b = 0; b < blocks.size(); ++b) {
      double largest = 0;  // |numeric gradient| over the tensor's checked probes
      for (long k = 0; k < blocks[b].size; ++k) {
        const auto refresh = [&] { layer.parameters_updated(); };
        const double wide = central_difference(blocks[b].values + k, mean_loss, refresh, step);
        const double narrow = central_difference(blocks[b].values + k, mean_loss, refresh, step / 2);
        ++probes;
        if (std::abs(wide - narrow) > model_tolerance(narrow)) {
          ++skipped;
          continue;
        }
        largest = std::max(largest, std::abs(narrow));
        EXPECT_NEAR(gradients[i][b](k), narrow, model_tolerance(narrow))
            << blocks[b].name << "[" << k << "]";
      }
      if (check.every_tensor_has_a_gradient) {
        EXPECT_GT(largest, 20 * kModelAbsoluteTolerance) << blocks[b].name << " has no gradient to check";
      }
    }
  }
  EXPECT_GT(probes, check.min_probes);
  ::testing::Test::RecordProperty("skipped_probes", std::to_string(skipped) + " of " + std::to_string(probes));
  EXPECT_LE(skipped, probes / 20) << skipped << " of " << probes << " probes straddled a kink";
}

// mixed_architecture's PReLU slopes sit behind an overlapping max pool and
// have gradients of ~3e-5 only: its tensors are checked but not required
// to have a sizeable gradient.
const Check kMixedModel{0, 200, false};

nlohmann::json conv(const std::string& name, int in, int out, int kernel, int dilation = 1,
                    const std::string& padding = "valid") {
  return {{"type", "conv1d"},        {"name", name},         {"in_channels", in}, {"out_channels", out},
          {"kernel_size", kernel},   {"dilation", dilation}, {"padding", padding}};
}

nlohmann::json prelu(const std::string& name, const std::string& slopes) {
  return {{"type", "prelu"}, {"name", name}, {"slopes", slopes}};
}

nlohmann::json maxpool(int window) { return {{"type", "maxpool1d"}, {"kernel_size", window}, {"stride", window}}; }

nlohmann::json dense(const std::string& name, int in, int out) {
  return {{"type", "dense"}, {"name", name}, {"in_features", in}, {"out_features", out}};
}

const nlohmann::json kRelu = {{"type", "relu"}};
const nlohmann::json kFlatten = {{"type", "flatten"}};
const nlohmann::json kTasks = {"both", "gata1", "tal1"};

// The paper's conv-maxpool class, small: conv 4→5 k5 → relu → conv 5→4 k5
// → relu → max pool 20 (two windows) → flatten → dense 8→3.
nlohmann::json conv_conv_wide_maxpool() {
  return architecture(48, kTasks, "sigmoid",
                      {conv("conv1", 4, 5, 5), kRelu, conv("conv2", 5, 4, 5), kRelu, maxpool(20), kFlatten,
                       dense("out", 8, 3)});
}

// conv 4→4 k4 same → prelu (per channel) → conv 4→4 k3 dilation 2 same →
// relu → max pool 20 → flatten → dense 8→3.
nlohmann::json conv_prelu_padded_wide_maxpool() {
  return architecture(40, kTasks, "sigmoid",
                      {conv("conv1", 4, 4, 4, 1, "same"), prelu("act1", "channel"), conv("conv2", 4, 4, 3, 2, "same"),
                       kRelu, maxpool(20), kFlatten, dense("out", 8, 3)});
}

// conv 4→4 k3 → relu → max pool 2 → conv 4→4 k3 → prelu (per channel) →
// conv 4→3 k3 → prelu (per channel) → max pool 3 → flatten → dense 9→3.
nlohmann::json conv_small_maxpools() {
  return architecture(30, kTasks, "sigmoid",
                      {conv("conv1", 4, 4, 3), kRelu, maxpool(2), conv("conv2", 4, 4, 3), prelu("act2", "channel"),
                       conv("conv3", 4, 3, 3), prelu("act3", "channel"), maxpool(3), kFlatten, dense("out", 9, 3)});
}

TEST(Backpropagate, SigmoidModelWithClassWeightsMatchesFiniteDifferences) {
  check_model_gradients(mixed_architecture("channel"), ClassWeights{{1, 2, 2}, {3, 2, 2}}, false, kMixedModel);
}

TEST(Backpropagate, PerPositionSlopesMatchFiniteDifferences) {
  check_model_gradients(mixed_architecture("position"), {}, false, kMixedModel);
}

TEST(Backpropagate, SoftmaxModelMatchesFiniteDifferences) {
  check_model_gradients(mixed_architecture("shared", "softmax"), {}, true, kMixedModel);
}

TEST(Backpropagate, ConvAfterConvBehindWideMaxPoolAfterAdamSteps) {
  check_model_gradients(conv_conv_wide_maxpool(), ClassWeights{{1, 2, 2}, {3, 2, 2}}, false, {3});
}

TEST(Backpropagate, ConvAfterConvBehindWideMaxPoolAsInitialised) {
  check_model_gradients(conv_conv_wide_maxpool(), {}, false, {0});
}

TEST(Backpropagate, PreluAfterPaddedConvsBehindWideMaxPoolAfterAdamSteps) {
  check_model_gradients(conv_prelu_padded_wide_maxpool(), {}, false, {3, 150});
}

TEST(Backpropagate, ConvAfterConvWithSmallMaxPoolsAfterAdamSteps) {
  check_model_gradients(conv_small_maxpools(), {}, false, {3, 170});
}

TEST(Backpropagate, MixedModelAfterAdamSteps) {
  check_model_gradients(mixed_architecture("channel"), {}, false, {3, 200, false});
}

}  // namespace
}  // namespace deeplift
