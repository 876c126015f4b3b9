#include "deeplift/layers/prelu.hpp"

namespace deeplift {

Prelu::Prelu(std::string name, Shape shape, Matrix slopes)
    : ElementwiseLayer("prelu", std::move(name), shape), slopes_(std::move(slopes)) {}

std::unique_ptr<Layer> Prelu::create(const LayerConfig& config) {
  const Shape shape = config.input();
  const auto tensor = config.tensor_any_shape("weight");
  Matrix slopes(shape.channels, shape.length);
  const std::vector<int64_t> per_channel{shape.channels};
  const std::vector<int64_t> per_position{shape.channels, shape.length};
  if (tensor.shape == std::vector<int64_t>{1}) {
    slopes.setConstant(tensor.values[0]);
  } else if (tensor.shape == per_channel) {
    for (int c = 0; c < shape.channels; ++c) slopes.row(c).setConstant(tensor.values[c]);
  } else if (tensor.shape == per_position) {
    slopes = Eigen::Map<const RowMatrix>(tensor.values.data(), shape.channels, shape.length);
  } else {
    config.fail("tensor '" + config.name() + ".weight' has shape " + shape_text(tensor.shape) + "; a PReLU on " +
                shape.to_string() + " needs [1], " + shape_text(per_channel) + " or " + shape_text(per_position));
  }
  return std::make_unique<Prelu>(config.name(), shape, std::move(slopes));
}

void Prelu::values_at(const float* z, const int* index, float* y, long n) const {
  const float* a = slopes_.data();
  for (long i = 0; i < n; ++i) y[i] = z[i] > 0.0f ? z[i] : a[index[i]] * z[i];
}

void Prelu::slopes_at(const float* z, const int* index, float* slope, long n) const {
  const float* a = slopes_.data();
  for (long i = 0; i < n; ++i) slope[i] = z[i] > 0.0f ? 1.0f : a[index[i]];  // left derivative: the slope at 0
}

void Prelu::secants_at(const float* z, const float* z_ref, const int* index, float* secant, long n) const {
  const float* a = slopes_.data();
  for (long i = 0; i < n; ++i) {
    const bool up = z[i] > 0.0f, up_ref = z_ref[i] > 0.0f;
    const float slope = a[index[i]];
    if (up == up_ref) {
      secant[i] = up ? 1.0f : slope;  // one linear piece: its slope, exactly
    } else {
      // Across the kink |Δz| >= |z|, |z0|: no cancellation in the quotient.
      const float y = up ? z[i] : slope * z[i];
      const float y_ref = up_ref ? z_ref[i] : slope * z_ref[i];
      secant[i] = (y - y_ref) / (z[i] - z_ref[i]);
    }
  }
}

}  // namespace deeplift
