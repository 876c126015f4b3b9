// Parametric ReLU: f(z) = z for z > 0, a·z otherwise. The slope tensor is
// [1] (shared, PyTorch's default), [C] (per channel) or [C, L] (per channel
// and position, Keras' default) — docs/model-format.md.
//
// The optional architecture field "slopes" ("shared", "channel" or
// "position") fixes which; without it a model file may hold any of the three,
// and a freshly initialised model (train-model) gets one slope per channel.
#pragma once
#include <memory>

#include "deeplift/layers/elementwise.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Prelu : public ElementwiseLayer {
 public:
  enum class Sharing { Shared, PerChannel, PerPosition };
  // `slopes` is the trainable tensor: [1, 1] (shared), [C, 1] (per channel)
  // or [C, L] (per position); it is broadcast to every position here.
  Prelu(std::string name, Shape shape, Sharing sharing, Matrix slopes);
  static std::unique_ptr<Layer> create(const LayerConfig& config);
  void values_at(const float* z, const int* index, float* y, long n) const override;
  void slopes_at(const float* z, const int* index, float* slope, long n) const override;
  void secants_at(const float* z, const float* z_ref, const int* index, float* secant, long n) const override;

  // Training: the slope tensor in its own shape (not the broadcast one).
  std::vector<ParameterBlock> parameters() override;
  // df/da = min(z, 0), summed over the positions that share a slope.
  void accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                      std::vector<Vector>& gradients) const override;
  void parameters_updated() override;
  std::vector<NamedTensor> state_dict() const override;

 protected:
  void values_block(const float* z, float* y, long n) const override;
  void slopes_block(const float* z, float* slope, long n) const override;

 private:
  // slopes_ from parameters_, in one place: the constructor and
  // parameters_updated() both call it.
  void derive_cached_weights();

  Sharing sharing_;
  Matrix parameters_;  // [1, 1], [C, 1] or [C, L]
  Matrix slopes_;      // derived: [C, L], parameters_ broadcast; column-major: element c + C*l
};

}  // namespace deeplift
