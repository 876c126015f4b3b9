// PyTorch-default initialisation: U(−1/√fan_in, 1/√fan_in) for conv/dense
// weights and biases, PReLU slopes 0.25; seeded and repeatable.
#include "deeplift/training/initialization.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../support/architectures.hpp"
#include "deeplift/training/parameters.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

TEST(Initialization, UniformWithinTheFanInBoundAndSlopesQuarter) {
  // conv 4→64, k=9 (fan-in 36) and dense 64·… large enough for moments.
  const nlohmann::json arch = architecture(
      20, {"t"}, "sigmoid",
      {{{"type", "conv1d"}, {"name", "conv"}, {"in_channels", 4}, {"out_channels", 64}, {"kernel_size", 9}},
       {{"type", "prelu"}, {"name", "act"}},
       {{"type", "flatten"}},
       {{"type", "dense"}, {"name", "out"}, {"in_features", 64 * 12}, {"out_features", 1}}});
  Model model = build_untrained_model(arch, "test");
  initialize_parameters(model, 1);
  for (size_t i = 0; i < model.layers().size(); ++i)
    for (const auto& block : model.layer(i).parameters()) {
      const auto values = Eigen::Map<const Vector>(block.values, block.size).array();
      if (block.role == ParameterBlock::Role::Slope) {
        EXPECT_TRUE((values == 0.25f).all()) << block.name;
        continue;
      }
      const float bound = 1.0f / std::sqrt(static_cast<float>(block.fan_in));
      EXPECT_LE(values.abs().maxCoeff(), bound) << block.name;
      if (block.size >= 500) {
        // U(−a, a): mean 0, variance a²/3; 4-σ bands for the sample size.
        const double n = static_cast<double>(block.size);
        const double mean = values.cast<double>().mean();
        const double variance = (values.cast<double>() - mean).square().mean();
        EXPECT_NEAR(mean, 0.0, 4 * bound / std::sqrt(3 * n)) << block.name;
        EXPECT_NEAR(variance, bound * bound / 3.0, 4 * bound * bound * std::sqrt(4.0 / (45 * n))) << block.name;
      }
    }
  EXPECT_EQ(model.layer(0).parameters()[0].fan_in, 36);
  EXPECT_EQ(model.layer(3).parameters()[0].fan_in, 64 * 12);
}

TEST(Initialization, SameSeedSameModelOtherSeedOtherModel) {
  Model a = build_untrained_model(mixed_architecture(), "test");
  Model b = build_untrained_model(mixed_architecture(), "test");
  Model c = build_untrained_model(mixed_architecture(), "test");
  initialize_parameters(a, 42);
  initialize_parameters(b, 42);
  initialize_parameters(c, 43);
  EXPECT_EQ(snapshot_parameters(a), snapshot_parameters(b));
  EXPECT_NE(snapshot_parameters(a), snapshot_parameters(c));
}

}  // namespace
}  // namespace deeplift
