#include "deeplift/layers/linear_rule.hpp"

#include "packet_select.hpp"

namespace deeplift {

Matrix positive_part(const Matrix& weights) { return weights.cwiseMax(0.0f); }
Matrix negative_part(const Matrix& weights) { return weights.cwiseMin(0.0f); }

namespace {

// One task block: a = d > 0 ? a : (d < 0 ? b : (a + b)/2), every arm
// computed and blended (packet_select.hpp), the same floats as the branches.
void select_block(const float* d, float* a, const float* b, long n) {
  namespace ei = Eigen::internal;
  using detail::FloatPacket;
  const auto half = ei::pset1<FloatPacket>(0.5f);
  detail::for_each_packet(
      n,
      [&](long i) {
        const auto x = ei::ploadu<FloatPacket>(d + i);
        const auto positive = ei::ploadu<FloatPacket>(a + i), negative = ei::ploadu<FloatPacket>(b + i);
        const auto mean = ei::pmul(half, ei::padd(positive, negative));
        const auto not_positive = ei::pselect(detail::negative_mask(x), negative, mean);
        ei::pstoreu(a + i, ei::pselect(detail::positive_mask(x), positive, not_positive));
      },
      [&](long i) { a[i] = d[i] > 0.0f ? a[i] : (d[i] < 0.0f ? b[i] : 0.5f * (a[i] + b[i])); });
}

}  // namespace

void select_by_delta_sign(const Matrix& delta, Matrix& when_positive, const Matrix& when_negative, int tasks) {
  const long block = delta.size();
  for (int t = 0; t < tasks; ++t)
    select_block(delta.data(), when_positive.data() + t * block, when_negative.data() + t * block, block);
}

}  // namespace deeplift
