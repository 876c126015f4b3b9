#include "deeplift/training/adam.hpp"

#include <cmath>

#include "deeplift/errors.hpp"

namespace deeplift {

Adam::Adam(Model& model, AdamOptions options)
    : options_(options), first_moment_(zeros_like_parameters(model)), second_moment_(zeros_like_parameters(model)) {}

void Adam::step(Model& model, const ParameterTensors& gradients) {
  if (gradients.size() != first_moment_.size()) throw Error("Adam: gradients do not match the model");
  ++steps_;
  // Bias corrections in double: β^t underflows gracefully and 1−β2^t is
  // tiny in the first steps, where float would lose digits.
  const double correction1 = 1.0 - std::pow(static_cast<double>(options_.beta1), static_cast<double>(steps_));
  const double correction2 = 1.0 - std::pow(static_cast<double>(options_.beta2), static_cast<double>(steps_));
  const float step_size = static_cast<float>(options_.learning_rate / correction1);
  const float root_correction2 = static_cast<float>(std::sqrt(correction2));
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.epsilon;
  for (size_t i = 0; i < gradients.size(); ++i) {
    if (gradients[i].empty()) continue;
    Layer& layer = model.layer(i);
    const auto blocks = layer.parameters();
    for (size_t j = 0; j < blocks.size(); ++j) {
      auto theta = Eigen::Map<Vector>(blocks[j].values, blocks[j].size).array();
      const auto g = gradients[i][j].array();
      auto m = first_moment_[i][j].array();
      auto v = second_moment_[i][j].array();
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * g.square();
      theta -= step_size * m / (v.sqrt() / root_correction2 + eps);
    }
    layer.parameters_updated();
  }
}

}  // namespace deeplift
