// Fully connected layer, PyTorch nn.Linear: y = W x + b, W [out, in].
// Its input must have length 1 (docs/model-format.md: a dense after conv/pool needs an
// explicit flatten).
#pragma once
#include <memory>

#include "deeplift/layers/layer.hpp"
#include "deeplift/layers/layer_config.hpp"

namespace deeplift {

class Dense : public Layer {
 public:
  Dense(std::string name, Shape input, Matrix weight, Vector bias);
  static std::unique_ptr<Layer> create(const LayerConfig& config);

  bool has_weights() const override { return true; }
  void split_delta(const Matrix& input_delta, const Multipliers* needed, int tasks, Matrix& delta_plus,
                   Matrix& delta_minus, int count) const override;

  // For softmax outputs: subtract the mean over outputs of the weights and
  // biases, so logits are mean-normalised (docs/scoring.md; paper §3.6) and
  // softmax is unchanged.
  void mean_normalize();

  // Training: weight [out, in] (column-major) and bias [out].
  std::vector<ParameterBlock> parameters() override;
  // grad W = grad_out × inputᵀ, grad b = row sums of grad_out.
  void accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                      std::vector<Vector>& gradients) const override;
  void parameters_updated() override { derive_cached_weights(); }
  // weight [out_features, in_features] row-major (PyTorch), then bias.
  std::vector<NamedTensor> state_dict() const override;

  const Matrix& weight() const { return weight_; }
  const Vector& bias() const { return bias_; }

 private:
  void forward_impl(const Matrix& input, Matrix& output, int count) const override;
  void backward_impl(const LayerTrace& trace, NonlinearRule rule, const Multipliers& output_multipliers,
                     Multipliers& input_multipliers) const override;
  // Every form of the weights below that is computed from weight_, in one
  // place: the constructor, parameters_updated() and mean_normalize() call it.
  void derive_cached_weights();

  Matrix weight_;  // [out, in]
  Vector bias_;
  // Derived from weight_ (derive_cached_weights):
  Matrix weight_abs_t_;  // |W|ᵀ, for the linear rule's split multipliers
  Matrix split_weight_;  // [[W⁺, W⁻], [W⁻, W⁺]]: Δz⁺ and Δz⁻ in one GEMM
};

}  // namespace deeplift
