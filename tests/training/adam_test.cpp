// Adam against its closed form (PyTorch's torch.optim.Adam, no weight
// decay), computed here in double for two steps.
#include "deeplift/training/adam.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "deeplift/layers/dense.hpp"

namespace deeplift {
namespace {

Model one_dense_model(const Matrix& w, const Vector& b) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Dense>("fc", Shape{static_cast<int>(w.cols()), 1}, w, b));
  return Model("test", 1, {"a", "b"}, OutputKind::Sigmoid, std::move(layers));
}

TEST(Adam, TwoStepsEqualTheClosedForm) {
  Matrix w(2, 3);
  w << 0.5f, -1.0f, 2.0f, 0.0f, 0.25f, -0.75f;
  Vector b(2);
  b << 0.1f, -0.2f;
  Model model = one_dense_model(w, b);
  AdamOptions options;
  options.learning_rate = 0.01f;
  Adam adam(model, options);

  Matrix g1(2, 3), g2(2, 3);
  g1 << 0.3f, -0.1f, 2.0f, 1e-9f, -5.0f, 0.0f;
  g2 << -0.2f, -0.1f, 1.0f, 0.4f, 3.0f, 0.7f;
  Vector gb1(2), gb2(2);
  gb1 << 1.0f, -1.0f;
  gb2 << 0.5f, 0.0f;
  auto pack = [](const Matrix& gw, const Vector& gb) {
    ParameterTensors t(1);
    t[0].push_back(Eigen::Map<const Vector>(gw.data(), gw.size()));
    t[0].push_back(gb);
    return t;
  };
  adam.step(model, pack(g1, gb1));
  adam.step(model, pack(g2, gb2));
  EXPECT_EQ(adam.steps(), 2);

  // θ₂ from θ₀ by the recursion, in double.
  auto expected = [&](double theta, double first, double second) {
    const double b1 = 0.9, b2 = 0.999, lr = 0.01, eps = 1e-8;
    double m = 0, v = 0;
    const double g[] = {first, second};
    for (int t = 1; t <= 2; ++t) {
      m = b1 * m + (1 - b1) * g[t - 1];
      v = b2 * v + (1 - b2) * g[t - 1] * g[t - 1];
      const double m_hat = m / (1 - std::pow(b1, t)), v_hat = v / (1 - std::pow(b2, t));
      theta -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    return theta;
  };
  const auto& dense = dynamic_cast<const Dense&>(*model.layers()[0]);
  for (int o = 0; o < 2; ++o) {
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(dense.weight()(o, i), expected(w(o, i), g1(o, i), g2(o, i)), 1e-6) << o << "," << i;
    EXPECT_NEAR(dense.bias()(o), expected(b(o), gb1(o), gb2(o)), 1e-6);
  }
}

TEST(Adam, FirstStepIsTheLearningRateTimesTheSign) {
  // m̂₁ = g and v̂₁ = g², so the first step is lr·g/(|g| + ε): Adam's
  // invariance to the gradient's scale.
  Matrix w = Matrix::Zero(1, 2);
  Vector b = Vector::Zero(1);
  Model model = one_dense_model(w, b);
  Adam adam(model);
  ParameterTensors g(1);
  g[0].push_back(Vector::Zero(2));
  g[0][0] << 1e3f, -1e-3f;
  g[0].push_back(Vector::Zero(1));
  adam.step(model, g);
  const auto& dense = dynamic_cast<const Dense&>(*model.layers()[0]);
  EXPECT_NEAR(dense.weight()(0, 0), -1e-3, 1e-9);
  EXPECT_NEAR(dense.weight()(0, 1), 1e-3 * (1e-3 / (1e-3 + 1e-8)), 1e-9);
  EXPECT_EQ(dense.bias()(0), 0.0f);  // zero gradient: no move
}

}  // namespace
}  // namespace deeplift
