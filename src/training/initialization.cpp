#include "deeplift/training/initialization.hpp"

#include <cmath>

#include "deeplift/layers/dense.hpp"
#include "deeplift/training/random.hpp"

namespace deeplift {

void initialize_parameters(Model& model, uint64_t seed) {
  Random random(derive_seed(seed, 0));
  for (size_t i = 0; i < model.layers().size(); ++i) {
    Layer& layer = model.layer(i);
    const auto blocks = layer.parameters();
    if (blocks.empty()) continue;
    for (const auto& block : blocks) {
      auto values = Eigen::Map<Vector>(block.values, block.size);
      if (block.role == ParameterBlock::Role::Slope) {
        values.setConstant(kInitialPreluSlope);
        continue;
      }
      const float bound = 1.0f / std::sqrt(static_cast<float>(block.fan_in));
      for (long k = 0; k < block.size; ++k) values(k) = random.uniform(-bound, bound);
    }
    layer.parameters_updated();
  }
  if (model.output() == OutputKind::Softmax)
    if (auto* last = dynamic_cast<Dense*>(&model.layer(model.layers().size() - 1))) last->mean_normalize();
}

}  // namespace deeplift
