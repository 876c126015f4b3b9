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
  void values_at(const float* z, const int* index, float* y, long n) const override;
  void slopes_at(const float* z, const int* index, float* slope, long n) const override;
  void secants_at(const float* z, const float* z_ref, const int* index, float* secant, long n) const override;

 private:
  Matrix slopes_;  // [C, L], column-major: element index c + C*l
};

}  // namespace deeplift
