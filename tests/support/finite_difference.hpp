// Test helper: central finite differences for checking analytic gradients.
//
// Tolerance reasoning (float32 layers): the scalar loss is a fixed random
// projection Σ r ⊙ y of a layer's output, summed in double, so outputs a
// probe does not touch cancel exactly between f(θ+ε) and f(θ−ε); what is
// left is float rounding of the touched outputs (~1e-7 relative each).
// Conv/dense/PReLU-slope losses are linear in the probed value, so central
// differences have no truncation error; smooth nonlinearities add
// eps^2 f'''/6 ~ 2e-5 at eps = 1e-2. The largest |analytic - numeric| /
// (1 + |numeric|) measured over the layer tests is 4e-5, so the tolerance
// 1e-3 + 1e-3*|numeric| has a 25x margin, yet a gradient off by 1% (a wrong
// scale, index or missing term) fails it.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "deeplift/tensor.hpp"

namespace deeplift::testing_support {

constexpr float kFiniteDifferenceStep = 1e-2f;
constexpr double kAbsoluteTolerance = 1e-3;
constexpr double kRelativeTolerance = 1e-3;

inline void expect_gradient_near(double analytic, double numeric, const std::string& what) {
  EXPECT_NEAR(analytic, numeric, kAbsoluteTolerance + kRelativeTolerance * std::abs(numeric)) << what;
}

inline Matrix random_matrix(long rows, long cols, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  Matrix m(rows, cols);
  for (long i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// Σ r ⊙ y in double.
inline double projection(const Matrix& y, const Matrix& r) {
  return (y.cast<double>().array() * r.cast<double>().array()).sum();
}

// (f(v+ε) − f(v−ε)) / 2ε for the float *value, restoring it afterwards;
// `changed` is called after each write (e.g. Layer::parameters_updated).
inline double central_difference(float* value, const std::function<double()>& f,
                                  const std::function<void()>& changed = [] {}, float step = kFiniteDifferenceStep) {
  const float saved = *value;
  *value = saved + step;
  changed();
  const double plus = f();
  *value = saved - step;
  changed();
  const double minus = f();
  *value = saved;
  changed();
  // The float steps actually taken, not the nominal 2ε.
  const double width = (static_cast<double>(saved + step) - static_cast<double>(saved - step));
  return (plus - minus) / width;
}

}  // namespace deeplift::testing_support
