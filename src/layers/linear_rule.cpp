#include "deeplift/layers/linear_rule.hpp"

namespace deeplift {

Matrix positive_part(const Matrix& weights) { return weights.cwiseMax(0.0f); }
Matrix negative_part(const Matrix& weights) { return weights.cwiseMin(0.0f); }

void select_by_delta_sign(const Matrix& delta, Matrix& when_positive, const Matrix& when_negative, int tasks) {
  const long block = delta.size();
  const float* d = delta.data();
  for (int t = 0; t < tasks; ++t) {
    float* a = when_positive.data() + t * block;
    const float* b = when_negative.data() + t * block;
    for (long i = 0; i < block; ++i) {
      const float chosen = d[i] > 0.0f ? a[i] : (d[i] < 0.0f ? b[i] : 0.5f * (a[i] + b[i]));
      a[i] = chosen;
    }
  }
}

}  // namespace deeplift
