// Channels of two or more inputs of equal length, stacked in input order
// (docs/graph-models.md). Each input receives its own rows of the output's
// multipliers (M⁺ and M⁻ alike); a pass-through for RevealCancel's Δ split.
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Concat : public Layer {
 public:
  Concat(std::string name, std::vector<Shape> inputs);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

  bool passes_delta_split() const override { return true; }

 private:
  void forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const override;
  void backward_inputs_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                            std::vector<Multipliers>& input_multipliers) const override;
};

}  // namespace deeplift
