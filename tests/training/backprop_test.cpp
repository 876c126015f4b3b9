// Whole-model gradients (backpropagate: loss gradient, then every layer's
// parameter and input gradient in turn) against central finite differences
// of the real training loss, for every parameter of a model that chains all
// layer types (support/architectures.hpp).
//
// The model has kinks (prelu, relu, maxpool) that a probe may straddle; a
// probe is taken as lying on a kink when the differences at ε and ε/2
// disagree, and skipped. At most 5% may be skipped.
#include "deeplift/training/backprop.hpp"

#include <gtest/gtest.h>

#include "../support/architectures.hpp"
#include "../support/finite_difference.hpp"
#include "deeplift/training/initialization.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

void check_model_gradients(const nlohmann::json& arch, const ClassWeights& weights, bool one_hot_targets) {
  Model model = build_untrained_model(arch, "test");
  initialize_parameters(model, 5);
  const Loss loss(model.output(), model.task_count(), weights);
  std::mt19937 rng(6);
  const int count = 6;
  const Matrix x = random_one_hot(model.input_length(), count, rng);
  Matrix y = Matrix::Zero(model.task_count(), count);
  for (int n = 0; n < count; ++n)
    for (int t = 0; t < model.task_count(); ++t)
      y(t, n) = one_hot_targets ? (t == n % model.task_count()) : static_cast<float>(rng() % 2);

  ParameterTensors gradients = zeros_like_parameters(model);
  const float scale = 1.0f / count;  // the mean loss, as training uses
  const double value = backpropagate(model, loss, x, y, count, scale, gradients);
  const auto mean_loss = [&] { return scale * loss.evaluate(model.logits(x, count), y, 1.0f, nullptr); };
  EXPECT_NEAR(value * scale, mean_loss(), 1e-6);

  // The loss is O(1) and smooth between kinks; ε = 1e-3 keeps kinks rare and
  // the float rounding of the logits (~1e-7) below 1e-4 in the quotient.
  const float step = 1e-3f;
  long probes = 0, skipped = 0;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    Layer& layer = model.layer(i);
    const auto blocks = layer.parameters();
    for (size_t b = 0; b < blocks.size(); ++b)
      for (long k = 0; k < blocks[b].size; ++k) {
        const auto refresh = [&] { layer.parameters_updated(); };
        const double wide = central_difference(blocks[b].values + k, mean_loss, refresh, step);
        const double narrow = central_difference(blocks[b].values + k, mean_loss, refresh, step / 2);
        ++probes;
        if (std::abs(wide - narrow) > kAbsoluteTolerance + kRelativeTolerance * std::abs(narrow)) {
          ++skipped;
          continue;
        }
        expect_gradient_near(gradients[i][b](k), narrow, blocks[b].name + "[" + std::to_string(k) + "]");
      }
  }
  EXPECT_GT(probes, 200);
  ::testing::Test::RecordProperty("skipped_probes", std::to_string(skipped) + " of " + std::to_string(probes));
  EXPECT_LE(skipped, probes / 20) << skipped << " of " << probes << " probes straddled a kink";
}

TEST(Backpropagate, SigmoidModelWithClassWeightsMatchesFiniteDifferences) {
  check_model_gradients(mixed_architecture("channel"), ClassWeights{{1, 2, 2}, {3, 2, 2}}, false);
}

TEST(Backpropagate, PerPositionSlopesMatchFiniteDifferences) {
  check_model_gradients(mixed_architecture("position"), {}, false);
}

TEST(Backpropagate, SoftmaxModelMatchesFiniteDifferences) {
  check_model_gradients(mixed_architecture("shared", "softmax"), {}, true);
}

}  // namespace
}  // namespace deeplift
