// Crop positions off both ends of a [C, L] input (docs/graph-models.md):
// either "left"/"right" (>= 0, default 0) or "length" (a centre crop, left =
// floor((L - length)/2)). The Keras-style residual crop and the trimmed
// profile head of BPNet-like models. Linear and a pass-through for
// RevealCancel's Δ split: M⁺/M⁻ go back to the kept positions, 0 elsewhere.
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Crop1d : public Layer {
 public:
  Crop1d(std::string name, Shape input, int left, int right);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

  int left() const { return left_; }
  int right() const { return right_; }
  bool passes_delta_split() const override { return true; }

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;

  int left_;
  int right_;
};

}  // namespace deeplift
