// Elementwise sum of two or more inputs of identical shape
// (docs/graph-models.md): the residual connection. Linear with weights 1,
// so every input receives the output's multipliers unchanged (M⁺ and M⁻
// alike), and a pass-through for RevealCancel's Δ split (Δ⁺ of a sum is
// the sum of the inputs' Δ⁺; docs/decisions.md).
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Add : public Layer {
 public:
  Add(std::string name, std::vector<Shape> inputs);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

  bool passes_delta_split() const override { return true; }

 private:
  void forward_inputs_impl(const std::vector<const Matrix*>& inputs, Matrix& output, int count) const override;
  void backward_inputs_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                            std::vector<Multipliers>& input_multipliers) const override;
};

}  // namespace deeplift
