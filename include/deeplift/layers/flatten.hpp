// Flatten [C, L] to [C*L, 1], channel-major (index c*L + l), exactly
// PyTorch's x.flatten(1) on [N, C, L] (docs/model-format.md).
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Flatten : public Layer {
 public:
  Flatten(std::string name, Shape input);
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  bool passes_delta_split() const override { return true; }

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;
};

}  // namespace deeplift
