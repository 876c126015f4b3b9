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

void Prelu::activate(const Matrix& z, Matrix& y, int count) const {
  y.resize(z.rows(), z.cols());
  const long block = slopes_.size();
  const auto a = Eigen::Map<const Eigen::ArrayXf>(slopes_.data(), block);
  for (int n = 0; n < count; ++n) {
    const auto zn = Eigen::Map<const Eigen::ArrayXf>(z.data() + n * block, block);
    Eigen::Map<Eigen::ArrayXf>(y.data() + n * block, block) = (zn > 0.0f).select(zn, a * zn);
  }
}

void Prelu::derivative(const Matrix& z, Matrix& slope, int count) const {
  slope.resize(z.rows(), z.cols());
  const long block = slopes_.size();
  const auto a = Eigen::Map<const Eigen::ArrayXf>(slopes_.data(), block);
  for (int n = 0; n < count; ++n) {
    const auto zn = Eigen::Map<const Eigen::ArrayXf>(z.data() + n * block, block);
    // Left derivative: the slope at z == 0 (design §4).
    Eigen::Map<Eigen::ArrayXf>(slope.data() + n * block, block) = (zn > 0.0f).select(Eigen::ArrayXf::Ones(block), a);
  }
}

}  // namespace deeplift
