// Parametric ReLU: f(z) = z for z > 0, a·z otherwise. The slope tensor is
// [1] (shared, PyTorch's default), [C] (per channel) or [C, L] (per channel
// and position, Keras' default) — design §2.
#pragma once
#include <memory>

#include "deeplift/layers/elementwise.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Prelu : public ElementwiseLayer {
 public:
  // `slopes` is [C, L], the slope of every position (broadcast at load).
  Prelu(std::string name, Shape shape, Matrix slopes);
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void activate(const Matrix& z, Matrix& y, int count) const override;
  void derivative(const Matrix& z, Matrix& slope, int count) const override;

 private:
  Matrix slopes_;  // [C, L]
};

}  // namespace deeplift
