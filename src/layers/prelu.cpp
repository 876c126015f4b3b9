#include "deeplift/layers/prelu.hpp"

#include "packet_select.hpp"

namespace deeplift {

Prelu::Prelu(std::string name, Shape shape, Sharing sharing, Matrix slopes)
    : ElementwiseLayer("prelu", std::move(name), shape), sharing_(sharing), parameters_(std::move(slopes)) {
  derive_cached_weights();
}

std::unique_ptr<Layer> Prelu::create(const LayerConfig& config) {
  const Shape shape = config.input();
  const std::vector<int64_t> shared{1};
  const std::vector<int64_t> per_channel{shape.channels};
  const std::vector<int64_t> per_position{shape.channels, shape.length};
  const std::string sharing = config.text("slopes", "");
  FloatTensor tensor;
  if (sharing.empty()) {
    // Any of the three in a file; one slope per channel when initialising.
    tensor = config.tensor_any_shape("weight", per_channel);
  } else if (sharing == "shared" || sharing == "channel" || sharing == "position") {
    tensor = config.tensor("weight", sharing == "shared" ? shared : sharing == "channel" ? per_channel : per_position);
  } else {
    config.fail("field \"slopes\" is \"" + sharing + "\", not \"shared\", \"channel\" or \"position\"");
  }
  Matrix slopes;
  Sharing kind = Sharing::Shared;
  // Checked in this order, so a [1] tensor on one channel counts as shared.
  if (tensor.shape == shared) {
    kind = Sharing::Shared;
    slopes.setConstant(1, 1, tensor.values[0]);
  } else if (tensor.shape == per_channel) {
    kind = Sharing::PerChannel;
    slopes = Eigen::Map<const Matrix>(tensor.values.data(), shape.channels, 1);
  } else if (tensor.shape == per_position) {
    kind = Sharing::PerPosition;
    slopes = Eigen::Map<const RowMatrix>(tensor.values.data(), shape.channels, shape.length);
  } else {
    config.fail("tensor '" + config.name() + ".weight' has shape " + shape_text(tensor.shape) + "; a PReLU on " +
                shape.to_string() + " needs [1], " + shape_text(per_channel) + " or " + shape_text(per_position));
  }
  return std::make_unique<Prelu>(config.name(), shape, kind, std::move(slopes));
}

void Prelu::parameters_updated() { derive_cached_weights(); }

void Prelu::derive_cached_weights() {
  const Shape shape = input_shape();
  switch (sharing_) {
    case Sharing::Shared: slopes_.setConstant(shape.channels, shape.length, parameters_(0, 0)); break;
    case Sharing::PerChannel: slopes_ = parameters_.replicate(1, shape.length); break;
    case Sharing::PerPosition: slopes_ = parameters_; break;
  }
}

void Prelu::values_at(const float* z, const int* index, float* y, long n) const {
  const float* a = slopes_.data();
  for (long i = 0; i < n; ++i) y[i] = z[i] > 0.0f ? z[i] : a[index[i]] * z[i];
}

void Prelu::slopes_at(const float* z, const int* index, float* slope, long n) const {
  const float* a = slopes_.data();
  for (long i = 0; i < n; ++i) slope[i] = z[i] > 0.0f ? 1.0f : a[index[i]];  // left derivative: the slope at 0
}

// The same expressions as values_at/slopes_at with the slope of element i
// read from slopes_ directly (laid out like one sequence's block): no gather
// through the index list and no branch (packet_select.hpp), same floats.
void Prelu::values_block(const float* z, float* y, long n) const {
  namespace ei = Eigen::internal;
  const float* a = slopes_.data();
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<detail::FloatPacket>(z + i);
        const auto scaled = ei::pmul(ei::ploadu<detail::FloatPacket>(a + i), x);
        ei::pstoreu(y + i, ei::pselect(detail::positive_mask(x), x, scaled));
      },
      [&](long i) { y[i] = z[i] > 0.0f ? z[i] : a[i] * z[i]; });
}

void Prelu::slopes_block(const float* z, float* slope, long n) const {
  namespace ei = Eigen::internal;
  const float* a = slopes_.data();
  const auto one = ei::pset1<detail::FloatPacket>(1.0f);
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<detail::FloatPacket>(z + i);
        ei::pstoreu(slope + i, ei::pselect(detail::positive_mask(x), one, ei::ploadu<detail::FloatPacket>(a + i)));
      },
      [&](long i) { slope[i] = z[i] > 0.0f ? 1.0f : a[i]; });
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

std::vector<ParameterBlock> Prelu::parameters() {
  return {{name() + ".weight", parameters_.data(), parameters_.size(), ParameterBlock::Role::Slope, 0}};
}

void Prelu::accumulate_parameter_gradients(const Matrix& input, const Matrix& output_gradient, int count,
                                           std::vector<Vector>& gradients) const {
  // f = a·z on z ≤ 0 and z elsewhere: ∂f/∂a = min(z, 0). First per position
  // over the batch, then over the positions (and channels) sharing a slope.
  const Shape shape = input_shape();
  const long block = shape.size();
  Matrix per_position = Matrix::Zero(shape.channels, shape.length);
  auto sum = Eigen::Map<Eigen::ArrayXf>(per_position.data(), block);
  for (int n = 0; n < count; ++n)
    sum += Eigen::Map<const Eigen::ArrayXf>(output_gradient.data() + n * block, block) *
           Eigen::Map<const Eigen::ArrayXf>(input.data() + n * block, block).min(0.0f);
  Vector& gradient = gradients[0];
  switch (sharing_) {
    case Sharing::Shared: gradient(0) += per_position.sum(); break;
    case Sharing::PerChannel: gradient += per_position.rowwise().sum(); break;
    case Sharing::PerPosition: gradient += Eigen::Map<const Vector>(per_position.data(), block); break;
  }
}

std::vector<NamedTensor> Prelu::state_dict() const {
  FloatTensor tensor;
  switch (sharing_) {
    case Sharing::Shared: tensor.shape = {1}; break;
    case Sharing::PerChannel: tensor.shape = {parameters_.rows()}; break;
    case Sharing::PerPosition: tensor.shape = {parameters_.rows(), parameters_.cols()}; break;
  }
  tensor.values.resize(parameters_.size());
  Eigen::Map<RowMatrix>(tensor.values.data(), parameters_.rows(), parameters_.cols()) = parameters_;
  return {{name() + ".weight", std::move(tensor)}};
}

}  // namespace deeplift
