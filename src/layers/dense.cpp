#include "deeplift/layers/dense.hpp"

#include "deeplift/layers/linear_rule.hpp"

namespace deeplift {

Dense::Dense(std::string name, Shape input, Matrix weight, Vector bias)
    : Layer("dense", std::move(name), input, Shape{static_cast<int>(weight.rows()), 1}),
      weight_(std::move(weight)),
      bias_(std::move(bias)) {
  derive_cached_weights();
}

std::unique_ptr<Layer> Dense::create(const LayerConfig& config) {
  const int in_features = config.positive_integer("in_features");
  const int out_features = config.positive_integer("out_features");
  const Shape input = config.input();
  if (input.length != 1)
    config.fail("dense layer after an input of shape " + input.to_string() +
                " (channels, length): add a \"flatten\" layer before it");
  if (input.channels != in_features)
    config.fail("in_features is " + std::to_string(in_features) + " but the previous layer gives " +
                std::to_string(input.channels) + " features");
  const auto weight = config.tensor("weight", {out_features, in_features});
  const auto bias = config.tensor("bias", {out_features});
  Matrix w = Eigen::Map<const RowMatrix>(weight.values.data(), out_features, in_features);
  Vector b = Eigen::Map<const Vector>(bias.values.data(), out_features);
  return std::make_unique<Dense>(config.name(), input, std::move(w), std::move(b));
}

void Dense::derive_cached_weights() {
  const Matrix positive = positive_part(weight_), negative = negative_part(weight_);
  weight_abs_t_ = weight_.cwiseAbs().transpose();
  const long out = weight_.rows(), in = weight_.cols();
  split_weight_.resize(2 * out, 2 * in);
  split_weight_ << positive, negative, negative, positive;
}

void Dense::mean_normalize() {
  const Eigen::RowVectorXf mean_row = weight_.colwise().mean();
  weight_.rowwise() -= mean_row;
  bias_.array() -= bias_.mean();
  derive_cached_weights();
}

std::vector<ParameterBlock> Dense::parameters() {
  const long fan_in = weight_.cols();
  return {{name() + ".weight", weight_.data(), weight_.size(), ParameterBlock::Role::Weight, fan_in},
          {name() + ".bias", bias_.data(), bias_.size(), ParameterBlock::Role::Bias, fan_in}};
}

void Dense::accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int,
                                           std::vector<Vector>& gradients) const {
  // y = W x + b for each column (sequence): dL/dW = Σ_n dL/dy_n · x_nᵀ.
  Eigen::Map<Matrix>(gradients[0].data(), weight_.rows(), weight_.cols()).noalias() += output_gradient * input.transpose();
  gradients[1] += output_gradient.rowwise().sum();
}

std::vector<NamedTensor> Dense::state_dict() const {
  FloatTensor weight{{weight_.rows(), weight_.cols()}, std::vector<float>(weight_.size())};
  Eigen::Map<RowMatrix>(weight.values.data(), weight_.rows(), weight_.cols()) = weight_;
  FloatTensor bias{{bias_.size()}, std::vector<float>(bias_.data(), bias_.data() + bias_.size())};
  return {{name() + ".weight", std::move(weight)}, {name() + ".bias", std::move(bias)}};
}

void Dense::forward_impl(const Matrix& input, Matrix& output, int) const {
  output.noalias() = weight_ * input;
  output.colwise() += bias_;
}

void Dense::split_delta(const Matrix& input_delta, const Multipliers* needed, int, Matrix& delta_plus,
                        Matrix& delta_minus, int) const {
  // [Δz⁺; Δz⁻] = [[W⁺, W⁻], [W⁻, W⁺]] · [Δx⁺; Δx⁻] (docs/scoring.md), one GEMM.
  const long in = input_delta.rows(), out = weight_.rows();
  thread_local Matrix parts, split;
  parts.resize(2 * in, input_delta.cols());
  parts.topRows(in) = input_delta.cwiseMax(0.0f);
  parts.bottomRows(in) = input_delta.cwiseMin(0.0f);
  split.noalias() = split_weight_ * parts;
  delta_plus = split.topRows(out);
  delta_minus = split.bottomRows(out);
  if (needed && needed->sparse) {
    // Compact, as the elementwise rule then reads them (Layer::split_delta).
    thread_local Matrix full;
    std::swap(full, delta_plus);
    gather_listed(full, needed->active, delta_plus);
    std::swap(full, delta_minus);
    gather_listed(full, needed->active, delta_minus);
  }
}

void Dense::backward_impl(const LayerTrace& trace, NonlinearRule, const Multipliers& out,
                          Multipliers& in) const {
  if (!out.split) {
    // M⁺ == M⁻: every branch of the linear rule is w·M.
    in.positive.noalias() = weight_.transpose() * out.positive;
    return;
  }
  // For Δx > 0 the linear rule gives A = W⁺ᵀM⁺ + W⁻ᵀM⁻, for Δx < 0
  // B = W⁺ᵀM⁻ + W⁻ᵀM⁺. With S = Wᵀ(M⁺ + M⁻) = A + B and
  // D = |W|ᵀ(M⁺ − M⁻) = A − B, two GEMMs give both instead of four.
  thread_local Matrix sum, difference, when_negative;
  sum = out.positive + out.negative;
  difference = out.positive - out.negative;
  when_negative.noalias() = weight_.transpose() * sum;        // S
  in.positive.noalias() = weight_abs_t_ * difference;          // D
  in.positive = 0.5f * (when_negative + in.positive);          // A = (S + D)/2
  when_negative -= in.positive;                                // B = S − A
  const Matrix delta = trace.input - trace.input_ref;
  select_by_delta_sign(delta, in.positive, when_negative, trace.tasks);
}

}  // namespace deeplift
