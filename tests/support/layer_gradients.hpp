// Test helper: checks a layer's parameter gradients and its input gradient
// (Layer::backward under NonlinearRule::Gradient) against central finite
// differences of the loss Σ r ⊙ layer(x) for a fixed random r.
#pragma once
#include <vector>

#include "deeplift/layers/layer.hpp"
#include "finite_difference.hpp"

namespace deeplift::testing_support {

inline double projected_output(const Layer& layer, const Matrix& input, int count, const Matrix& r) {
  Matrix output;
  layer.forward(input, output, count);
  return projection(output, r);
}

inline Matrix random_projection(const Layer& layer, int count, std::mt19937& rng) {
  return random_matrix(layer.output_shape().channels, static_cast<long>(layer.output_shape().length) * count, rng);
}

// Every element of every parameter block.
inline void check_parameter_gradients(Layer& layer, const Matrix& input, int count, std::mt19937& rng) {
  const Matrix r = random_projection(layer, count, rng);
  const auto blocks = layer.parameters();
  ASSERT_FALSE(blocks.empty());
  std::vector<Vector> gradients;
  for (const auto& block : blocks) gradients.push_back(Vector::Zero(block.size));
  layer.accumulate_parameter_gradients(input, r, count, gradients);
  for (size_t b = 0; b < blocks.size(); ++b)
    for (long k = 0; k < blocks[b].size; ++k) {
      const double numeric = central_difference(
          blocks[b].values + k, [&] { return projected_output(layer, input, count, r); },
          [&] { layer.parameters_updated(); });
      expect_gradient_near(gradients[b](k), numeric, blocks[b].name + "[" + std::to_string(k) + "]");
    }
  // Gradients accumulate: a second call adds the same amount again.
  std::vector<Vector> twice = gradients;
  layer.accumulate_parameter_gradients(input, r, count, twice);
  for (size_t b = 0; b < blocks.size(); ++b)
    EXPECT_TRUE(twice[b].isApprox(2.0f * gradients[b], 1e-5f)) << blocks[b].name << " does not accumulate";
}

// Every element of the input.
inline void check_input_gradient(const Layer& layer, Matrix input, int count, std::mt19937& rng) {
  const Matrix r = random_projection(layer, count, rng);
  Matrix output;
  layer.forward(input, output, count);
  const LayerTrace trace{input, input, output, output, nullptr, nullptr, count, 1};
  Multipliers upstream, downstream;
  upstream.positive = r;
  layer.backward(trace, NonlinearRule::Gradient, upstream, downstream);
  ASSERT_EQ(downstream.positive.rows(), input.rows());
  ASSERT_EQ(downstream.positive.cols(), input.cols());
  const Matrix analytic = downstream.positive;  // `trace` refers to `input`, which the probes change
  for (long i = 0; i < input.size(); ++i) {
    const double numeric =
        central_difference(input.data() + i, [&] { return projected_output(layer, input, count, r); });
    expect_gradient_near(analytic.data()[i], numeric, layer.type() + " input[" + std::to_string(i) + "]");
  }
}

// Keeps every entry at least `margin` away from 0, so a probe of ±ε never
// crosses the kink of relu/prelu (their one-sided derivatives differ there).
inline void push_away_from_zero(Matrix& values, float margin) {
  for (long i = 0; i < values.size(); ++i) {
    float& v = values.data()[i];
    if (std::abs(v) < margin) v = v < 0 ? v - margin : v + margin;
  }
}

}  // namespace deeplift::testing_support
