// Branch-free "x > 0 ? a : b" loops on Eigen's SIMD packets, for the few
// elementwise kernels whose arms are chosen by a data-dependent sign.
//
// GCC, under its default -ftrapping-math, does not if-convert a float
// comparison in a loop, so such a loop stays scalar with a branch that
// mispredicts half the time on activations. A packet compare plus blend
// chooses between the same already-computed floats, so the results are bit
// for bit those of the scalar expression (NaN compares false either way).
#pragma once
#include <Eigen/Core>

namespace deeplift::detail {

using FloatPacket = Eigen::internal::packet_traits<float>::type;
constexpr long kFloatPacket = Eigen::internal::packet_traits<float>::size;

// Calls packet(i) for i = 0, P, 2P, … while a whole packet fits, then
// scalar(i) for the rest.
template <class PacketStep, class ScalarStep>
inline void for_each_packet(long n, PacketStep packet, ScalarStep scalar) {
  long i = 0;
  for (; i + kFloatPacket <= n; i += kFloatPacket) packet(i);
  for (; i < n; ++i) scalar(i);
}

// Lanes where x > 0 (false for NaN, as the scalar comparison).
inline FloatPacket positive_mask(const FloatPacket& x) {
  return Eigen::internal::pcmp_lt(Eigen::internal::pzero(x), x);
}

inline FloatPacket negative_mask(const FloatPacket& x) {
  return Eigen::internal::pcmp_lt(x, Eigen::internal::pzero(x));
}

}  // namespace deeplift::detail
