#include "deeplift/layers/activations.hpp"

#include <cmath>

#include "packet_select.hpp"

namespace deeplift {

std::unique_ptr<Layer> Relu::create(const LayerConfig& config) {
  return std::make_unique<Relu>(config.name(), config.input());
}
void Relu::values_at(const float* z, const int*, float* y, long n) const {
  for (long i = 0; i < n; ++i) y[i] = z[i] > 0.0f ? z[i] : 0.0f;
}
void Relu::slopes_at(const float* z, const int*, float* slope, long n) const {
  for (long i = 0; i < n; ++i) slope[i] = z[i] > 0.0f ? 1.0f : 0.0f;  // left derivative: 0 at z == 0
}

// The same expressions without the branch (packet_select.hpp), same floats.
void Relu::values_block(const float* z, float* y, long n) const {
  namespace ei = Eigen::internal;
  const auto zero = ei::pset1<detail::FloatPacket>(0.0f);
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<detail::FloatPacket>(z + i);
        ei::pstoreu(y + i, ei::pselect(detail::positive_mask(x), x, zero));
      },
      [&](long i) { y[i] = z[i] > 0.0f ? z[i] : 0.0f; });
}

void Relu::slopes_block(const float* z, float* slope, long n) const {
  namespace ei = Eigen::internal;
  const auto zero = ei::pset1<detail::FloatPacket>(0.0f), one = ei::pset1<detail::FloatPacket>(1.0f);
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<detail::FloatPacket>(z + i);
        ei::pstoreu(slope + i, ei::pselect(detail::positive_mask(x), one, zero));
      },
      [&](long i) { slope[i] = z[i] > 0.0f ? 1.0f : 0.0f; });
}

void Relu::secants_at(const float* z, const float* z_ref, const int*, float* secant, long n) const {
  // One piece: its slope exactly; across the kink no cancellation occurs.
  // Both arms are computed and the packet loop blends them
  // (packet_select.hpp); the quotient of a same-side lane, possibly 0/0,
  // is discarded.
  namespace ei = Eigen::internal;
  using detail::FloatPacket;
  const auto zero = ei::pset1<FloatPacket>(0.0f), one = ei::pset1<FloatPacket>(1.0f);
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<FloatPacket>(z + i), x_ref = ei::ploadu<FloatPacket>(z_ref + i);
        const auto up = detail::positive_mask(x), up_ref = detail::positive_mask(x_ref);
        const auto y = ei::pselect(up, x, zero), y_ref = ei::pselect(up_ref, x_ref, zero);
        const auto across = ei::pdiv(ei::psub(y, y_ref), ei::psub(x, x_ref));
        const auto same_side = ei::pandnot(ei::ptrue(x), ei::pxor(up, up_ref));  // lanes where up == up_ref
        ei::pstoreu(secant + i, ei::pselect(same_side, ei::pselect(up, one, zero), across));
      },
      [&](long i) {
        const float y = z[i] > 0.0f ? z[i] : 0.0f, y_ref = z_ref[i] > 0.0f ? z_ref[i] : 0.0f;
        secant[i] = (z[i] > 0.0f) == (z_ref[i] > 0.0f) ? (z[i] > 0.0f ? 1.0f : 0.0f) : (y - y_ref) / (z[i] - z_ref[i]);
      });
}

std::unique_ptr<Layer> Sigmoid::create(const LayerConfig& config) {
  return std::make_unique<Sigmoid>(config.name(), config.input());
}
void Sigmoid::values_at(const float* z, const int*, float* y, long n) const {
  for (long i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-z[i]));
}
void Sigmoid::slopes_at(const float* z, const int*, float* slope, long n) const {
  for (long i = 0; i < n; ++i) {
    const float y = 1.0f / (1.0f + std::exp(-z[i]));
    slope[i] = y * (1.0f - y);
  }
}

std::unique_ptr<Layer> Tanh::create(const LayerConfig& config) {
  return std::make_unique<Tanh>(config.name(), config.input());
}
void Tanh::values_at(const float* z, const int*, float* y, long n) const {
  for (long i = 0; i < n; ++i) y[i] = std::tanh(z[i]);
}
void Tanh::slopes_at(const float* z, const int*, float* slope, long n) const {
  for (long i = 0; i < n; ++i) {
    const float y = std::tanh(z[i]);
    slope[i] = 1.0f - y * y;
  }
}

}  // namespace deeplift
