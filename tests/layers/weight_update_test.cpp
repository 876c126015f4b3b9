// Every form a layer derives from its weights (W⁺, W⁻, transposes, the
// stacked split matrix, broadcast PReLU slopes) must follow a training
// update: the weights are written through Layer::parameters() and
// parameters_updated() is called, as Adam does. Each layer is built with
// weights A, updated to B, and every forward and backward path is then
// checked against a direct computation from B (docs/scoring.md's linear
// rule, written as loops over the definition) or, for gradients, against
// finite differences:
// - conv1d: the dense GEMM backward, the element-by-element backward on the
//   transposed filters taken when < 8% of the output multipliers are
//   non-zero (scanned or listed, i.e. sparse Multipliers), with split
//   (RevealCancel) and unsplit multipliers, and the three ways of splitting
//   Δz into Δz⁺ and Δz⁻ (all outputs, scanned, listed); valid padding
//   (whole windows inside) and same padding with stride and dilation
//   (windows that reach into the padding);
// - dense: Δz⁺/Δz⁻ and the split backward;
// - prelu: values, gradient and Rescale multipliers for the three slope shapes.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/layer_gradients.hpp"
#include "deeplift/layers/conv1d.hpp"
#include "deeplift/layers/dense.hpp"
#include "deeplift/layers/prelu.hpp"

namespace deeplift {
namespace {

using namespace testing_support;

// float32 sums of ≤ 60 products of O(1) values against double references.
constexpr double kTolerance = 1e-4;

void expect_matrix_near(const Matrix& actual, const Eigen::MatrixXd& expected, const std::string& what) {
  ASSERT_EQ(actual.rows(), expected.rows()) << what;
  ASSERT_EQ(actual.cols(), expected.cols()) << what;
  for (long i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual.data()[i], expected.data()[i], kTolerance * (1 + std::abs(expected.data()[i])))
        << what << " element " << i;
}

// Writes `values` into parameter block `block` of `layer` and refreshes it:
// the training update path.
void update_parameter(Layer& layer, size_t block, const Matrix& values) {
  const auto blocks = layer.parameters();
  ASSERT_EQ(blocks[block].size, values.size()) << blocks[block].name;
  std::copy(values.data(), values.data() + values.size(), blocks[block].values);
  layer.parameters_updated();
}

// ---------------------------------------------------------------- conv1d

struct ConvCase {
  int cin, cout, length, kernel, stride, dilation;
  bool same;
};

class ConvAfterUpdate : public ::testing::TestWithParam<ConvCase> {
 protected:
  void SetUp() override {
    c_ = GetParam();
    const int total = c_.same ? same_total_padding(c_.length, c_.kernel, c_.stride, c_.dilation) : 0;
    pad_ = total / 2;
    lout_ = valid_output_length(c_.length + total, c_.kernel, c_.stride, c_.dilation);
    std::mt19937 rng(41);
    const long cols = static_cast<long>(c_.kernel) * c_.cin;
    conv_ = std::make_unique<Conv1d>("conv", Shape{c_.cin, c_.length}, Shape{c_.cout, lout_},
                                     Conv1d::Geometry{c_.kernel, c_.stride, c_.dilation, pad_},
                                     random_matrix(c_.cout, cols, rng), random_matrix(c_.cout, 1, rng));
    // B: PyTorch's weight[o, i, j], packed as the layer stores it (column j*Cin + i).
    torch_weight_.resize(static_cast<size_t>(c_.cout) * c_.cin * c_.kernel);
    std::normal_distribution<float> normal;
    for (float& v : torch_weight_) v = normal(rng);
    Matrix packed(c_.cout, cols);
    for (int o = 0; o < c_.cout; ++o)
      for (int i = 0; i < c_.cin; ++i)
        for (int j = 0; j < c_.kernel; ++j) packed(o, static_cast<long>(j) * c_.cin + i) = w(o, i, j);
    update_parameter(*conv_, 0, packed);
    update_parameter(*conv_, 1, random_matrix(c_.cout, 1, rng));
    input_ = random_matrix(c_.cin, static_cast<long>(c_.length) * kCount, rng);
    input_ref_ = random_matrix(c_.cin, static_cast<long>(c_.length) * kCount, rng);
  }

  float w(int o, int i, int j) const { return torch_weight_[(static_cast<size_t>(o) * c_.cin + i) * c_.kernel + j]; }
  long outputs() const { return static_cast<long>(c_.cout) * lout_ * kCount; }
  // Flat index of output (n, p, channel o) and of input (n, position, channel i).
  long output_index(int n, int p, int o) const { return (static_cast<long>(n) * lout_ + p) * c_.cout + o; }
  long input_index(int n, int position, int i) const { return (static_cast<long>(n) * c_.length + position) * c_.cin + i; }

  // Calls visit(n, p, o, i, position, weight) for every tap of every output
  // that reads an input position (taps in the padding read nothing).
  template <typename Visit>
  void for_each_tap(Visit visit) const {
    for (int n = 0; n < kCount; ++n)
      for (int p = 0; p < lout_; ++p)
        for (int o = 0; o < c_.cout; ++o)
          for (int j = 0; j < c_.kernel; ++j) {
            const int position = p * c_.stride - pad_ + j * c_.dilation;
            if (position < 0 || position >= c_.length) continue;
            for (int i = 0; i < c_.cin; ++i) visit(n, p, o, i, position, w(o, i, j));
          }
  }

  // Δz⁺ and Δz⁻ of every output, from the definition.
  void direct_split(Eigen::MatrixXd& plus, Eigen::MatrixXd& minus) const {
    const Matrix delta = input_ - input_ref_;
    plus.setZero(c_.cout, static_cast<long>(lout_) * kCount);
    minus.setZero(c_.cout, static_cast<long>(lout_) * kCount);
    for_each_tap([&](int n, int p, int o, int i, int position, float weight) {
      const double product = static_cast<double>(weight) * delta.data()[input_index(n, position, i)];
      plus.data()[output_index(n, p, o)] += std::max(product, 0.0);
      minus.data()[output_index(n, p, o)] += std::min(product, 0.0);
    });
  }

  // The linear rule's input multipliers for output multipliers M⁺, M⁻ ([C,
  // L*count], one task): W⁺ᵀM⁺ + W⁻ᵀM⁻ where Δx > 0, W⁺ᵀM⁻ + W⁻ᵀM⁺ where Δx < 0.
  Eigen::MatrixXd direct_backward(const Matrix& m_plus, const Matrix& m_minus) const {
    const Matrix delta = input_ - input_ref_;
    Eigen::MatrixXd result = Eigen::MatrixXd::Zero(c_.cin, static_cast<long>(c_.length) * kCount);
    for_each_tap([&](int n, int p, int o, int i, int position, float weight) {
      const long in = input_index(n, position, i), out = output_index(n, p, o);
      const double wp = std::max(weight, 0.0f), wn = std::min(weight, 0.0f);
      result.data()[in] += delta.data()[in] > 0 ? wp * m_plus.data()[out] + wn * m_minus.data()[out]
                                                : wp * m_minus.data()[out] + wn * m_plus.data()[out];
    });
    return result;
  }

  // Output multipliers with `nonzero` non-zero entries (few: the sparse
  // path) or all entries non-zero, and the same entries as a listed
  // (sparse) Multipliers.
  Matrix random_multipliers(long nonzero, std::mt19937& rng, std::vector<long>* listed = nullptr) const {
    Matrix m = Matrix::Zero(c_.cout, static_cast<long>(lout_) * kCount);
    if (nonzero >= outputs()) return random_matrix(m.rows(), m.cols(), rng);
    std::vector<long> chosen(outputs());
    for (long e = 0; e < outputs(); ++e) chosen[e] = e;
    std::shuffle(chosen.begin(), chosen.end(), rng);
    chosen.resize(nonzero);
    std::sort(chosen.begin(), chosen.end());
    std::normal_distribution<float> normal;
    for (long e : chosen) m.data()[e] = normal(rng);
    if (listed) *listed = chosen;
    return m;
  }

  LayerTrace trace(Matrix& output, Matrix& output_ref) const {
    conv_->forward(input_, output, kCount);
    conv_->forward(input_ref_, output_ref, kCount);
    return LayerTrace{input_, input_ref_, output, output_ref, nullptr, nullptr, kCount, 1};
  }

  // Few enough non-zero outputs for the element-by-element paths (< 8%).
  long sparse_count() const { return std::max(5L, outputs() / 40); }

  static constexpr int kCount = 2;
  ConvCase c_{};
  int pad_ = 0, lout_ = 0;
  std::unique_ptr<Conv1d> conv_;
  std::vector<float> torch_weight_;
  Matrix input_, input_ref_;
};

TEST_P(ConvAfterUpdate, UnsplitBackwardEqualsTransposedConvolution) {
  std::mt19937 rng(42);
  Matrix output, output_ref;
  const LayerTrace t = trace(output, output_ref);
  for (const long nonzero : {outputs(), sparse_count()}) {
    Multipliers out, in;
    out.positive = random_multipliers(nonzero, rng);
    conv_->backward(t, NonlinearRule::Rescale, out, in);
    // Unsplit: W⁺ᵀM + W⁻ᵀM = WᵀM whatever the sign of Δx.
    expect_matrix_near(in.positive, direct_backward(out.positive, out.positive),
                       nonzero == outputs() ? "dense backward" : "sparse backward");
  }
}

TEST_P(ConvAfterUpdate, SplitBackwardFollowsTheLinearRule) {
  std::mt19937 rng(43);
  Matrix output, output_ref;
  const LayerTrace t = trace(output, output_ref);
  for (const long nonzero : {outputs(), sparse_count()}) {
    Multipliers out, in;
    std::vector<long> listed;
    out.positive = random_multipliers(nonzero, rng, &listed);
    out.negative = out.positive;
    std::normal_distribution<float> normal;
    for (long e = 0; e < out.negative.size(); ++e)
      if (out.negative.data()[e] != 0.0f) out.negative.data()[e] = normal(rng);
    out.split = true;
    const Eigen::MatrixXd expected = direct_backward(out.positive, out.negative);
    conv_->backward(t, NonlinearRule::RevealCancel, out, in);
    expect_matrix_near(in.positive, expected, nonzero == outputs() ? "dense split backward" : "sparse split backward");
    if (nonzero == outputs()) continue;
    // The same multipliers as a list (what a max pool hands back under DeepLiftScorer).
    Multipliers listed_out, listed_in;
    listed_out.sparse = true;
    listed_out.split = true;
    listed_out.active = listed;
    gather_listed(out.positive, listed, listed_out.positive);
    gather_listed(out.negative, listed, listed_out.negative);
    conv_->backward(t, NonlinearRule::RevealCancel, listed_out, listed_in);
    expect_matrix_near(listed_in.positive, expected, "listed split backward");
  }
}

TEST_P(ConvAfterUpdate, SplitDeltaFollowsTheDefinition) {
  std::mt19937 rng(44);
  Eigen::MatrixXd plus, minus;
  direct_split(plus, minus);
  const Matrix delta = input_ - input_ref_;
  Matrix delta_plus, delta_minus;
  // Every output (GEMMs on W⁺ and W⁻).
  conv_->split_delta(delta, nullptr, 1, delta_plus, delta_minus, kCount);
  expect_matrix_near(delta_plus, plus, "Δz⁺ of every output");
  expect_matrix_near(delta_minus, minus, "Δz⁻ of every output");
  // Only the outputs few multipliers reach, found by scanning: the others are left 0.
  Multipliers needed;
  std::vector<long> listed;
  needed.positive = random_multipliers(sparse_count(), rng, &listed);
  conv_->split_delta(delta, &needed, 1, delta_plus, delta_minus, kCount);
  for (long e : listed) {
    EXPECT_NEAR(delta_plus.data()[e], plus.data()[e], kTolerance * (1 + std::abs(plus.data()[e]))) << "scanned Δz⁺ " << e;
    EXPECT_NEAR(delta_minus.data()[e], minus.data()[e], kTolerance * (1 + std::abs(minus.data()[e]))) << "scanned Δz⁻ " << e;
  }
  // Listed outputs: compact results in list order.
  Multipliers listed_needed;
  listed_needed.sparse = true;
  listed_needed.active = listed;
  gather_listed(needed.positive, listed, listed_needed.positive);
  conv_->split_delta(delta, &listed_needed, 1, delta_plus, delta_minus, kCount);
  ASSERT_EQ(delta_plus.size(), static_cast<long>(listed.size()));
  for (size_t k = 0; k < listed.size(); ++k) {
    const long e = listed[k];
    EXPECT_NEAR(delta_plus(k), plus.data()[e], kTolerance * (1 + std::abs(plus.data()[e]))) << "listed Δz⁺ " << e;
    EXPECT_NEAR(delta_minus(k), minus.data()[e], kTolerance * (1 + std::abs(minus.data()[e]))) << "listed Δz⁻ " << e;
  }
}

TEST_P(ConvAfterUpdate, SparseInputGradientMatchesFiniteDifferences) {
  // Training's path behind a max pool: few non-zero output gradients.
  std::mt19937 rng(45);
  const Matrix r = random_multipliers(sparse_count(), rng);
  Matrix output, input = input_;
  conv_->forward(input, output, kCount);
  const LayerTrace t{input, input, output, output, nullptr, nullptr, kCount, 1};
  Multipliers upstream, downstream;
  upstream.positive = r;
  conv_->backward(t, NonlinearRule::Gradient, upstream, downstream);
  const Matrix analytic = downstream.positive;
  for (long i = 0; i < input.size(); ++i) {
    const double numeric = central_difference(input.data() + i, [&] { return projected_output(*conv_, input, kCount, r); });
    expect_gradient_near(analytic.data()[i], numeric, "input[" + std::to_string(i) + "]");
  }
}

INSTANTIATE_TEST_SUITE_P(Geometries, ConvAfterUpdate,
                         ::testing::Values(ConvCase{3, 4, 40, 5, 1, 1, false},    // windows inside
                                           ConvCase{3, 4, 41, 4, 2, 2, true}),   // padding, stride, dilation
                         [](const ::testing::TestParamInfo<ConvCase>& case_info) {
                           return std::string(case_info.param.same ? "SamePaddingStride2Dilation2" : "ValidPadding");
                         });

// ---------------------------------------------------------------- dense

TEST(DenseAfterUpdate, SplitDeltaAndSplitBackwardFollowTheDefinition) {
  std::mt19937 rng(46);
  const int in = 7, out = 5, count = 3;
  Dense dense("fc", Shape{in, 1}, random_matrix(out, in, rng), random_matrix(out, 1, rng));
  const Matrix weight = random_matrix(out, in, rng);  // B, [out, in]
  update_parameter(dense, 0, weight);                 // the block is column-major [out, in]
  update_parameter(dense, 1, random_matrix(out, 1, rng));
  const Matrix x = random_matrix(in, count, rng), x_ref = random_matrix(in, count, rng);
  const Matrix delta = x - x_ref;

  Matrix delta_plus, delta_minus;
  dense.split_delta(delta, nullptr, 1, delta_plus, delta_minus, count);
  Eigen::MatrixXd plus = Eigen::MatrixXd::Zero(out, count), minus = plus;
  for (int n = 0; n < count; ++n)
    for (int o = 0; o < out; ++o)
      for (int i = 0; i < in; ++i) {
        const double product = static_cast<double>(weight(o, i)) * delta(i, n);
        plus(o, n) += std::max(product, 0.0);
        minus(o, n) += std::min(product, 0.0);
      }
  expect_matrix_near(delta_plus, plus, "dense Δz⁺");
  expect_matrix_near(delta_minus, minus, "dense Δz⁻");

  Matrix y, y_ref;
  dense.forward(x, y, count);
  dense.forward(x_ref, y_ref, count);
  const LayerTrace t{x, x_ref, y, y_ref, nullptr, nullptr, count, 1};
  Multipliers m, result;
  m.positive = random_matrix(out, count, rng);
  m.negative = random_matrix(out, count, rng);
  m.split = true;
  dense.backward(t, NonlinearRule::RevealCancel, m, result);
  Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(in, count);
  for (int n = 0; n < count; ++n)
    for (int i = 0; i < in; ++i)
      for (int o = 0; o < out; ++o) {
        const double wp = std::max(weight(o, i), 0.0f), wn = std::min(weight(o, i), 0.0f);
        expected(i, n) += delta(i, n) > 0 ? wp * m.positive(o, n) + wn * m.negative(o, n)
                                          : wp * m.negative(o, n) + wn * m.positive(o, n);
      }
  expect_matrix_near(result.positive, expected, "dense split backward");
  check_input_gradient(dense, x, count, rng);
}

// ---------------------------------------------------------------- prelu

class PreluAfterUpdate : public ::testing::TestWithParam<Prelu::Sharing> {};

TEST_P(PreluAfterUpdate, ValuesGradientAndRescaleUseTheNewSlopes) {
  std::mt19937 rng(47);
  const int channels = 3, length = 4, count = 2;
  const long rows = GetParam() == Prelu::Sharing::Shared ? 1 : channels;
  const long cols = GetParam() == Prelu::Sharing::PerPosition ? length : 1;
  Prelu prelu("act", Shape{channels, length}, GetParam(), Matrix::Constant(rows, cols, 0.25f));
  const Matrix slopes = random_matrix(rows, cols, rng, 0.5f);  // B, the block's own layout
  update_parameter(prelu, 0, slopes);
  const auto slope_at = [&](long element) {
    const long c = element % channels, l = (element / channels) % length;
    return slopes(rows == 1 ? 0 : c, cols == 1 ? 0 : l);
  };
  Matrix z = random_matrix(channels, static_cast<long>(length) * count, rng);
  push_away_from_zero(z, 0.1f);
  Matrix z_ref = random_matrix(channels, static_cast<long>(length) * count, rng);
  push_away_from_zero(z_ref, 0.1f);
  const auto f = [&](long e, float value) { return value > 0 ? static_cast<double>(value) : slope_at(e) * value; };

  Matrix y, y_ref;
  prelu.forward(z, y, count);
  prelu.forward(z_ref, y_ref, count);
  Eigen::MatrixXd expected_y(z.rows(), z.cols());
  for (long e = 0; e < z.size(); ++e) expected_y.data()[e] = f(e, z.data()[e]);
  expect_matrix_near(y, expected_y, "prelu values");

  const LayerTrace t{z, z_ref, y, y_ref, nullptr, nullptr, count, 1};
  Multipliers upstream, gradient, rescale;
  upstream.positive = random_matrix(z.rows(), z.cols(), rng);
  prelu.backward(t, NonlinearRule::Gradient, upstream, gradient);
  prelu.backward(t, NonlinearRule::Rescale, upstream, rescale);
  Eigen::MatrixXd expected_gradient(z.rows(), z.cols()), expected_rescale(z.rows(), z.cols());
  for (long e = 0; e < z.size(); ++e) {
    const float zi = z.data()[e], zr = z_ref.data()[e], m = upstream.positive.data()[e];
    expected_gradient.data()[e] = m * (zi > 0 ? 1.0 : slope_at(e));
    expected_rescale.data()[e] = m * (f(e, zi) - f(e, zr)) / (static_cast<double>(zi) - zr);
  }
  expect_matrix_near(gradient.positive, expected_gradient, "prelu gradient");
  expect_matrix_near(rescale.positive, expected_rescale, "prelu rescale");
}

INSTANTIATE_TEST_SUITE_P(SlopeShapes, PreluAfterUpdate,
                         ::testing::Values(Prelu::Sharing::Shared, Prelu::Sharing::PerChannel,
                                           Prelu::Sharing::PerPosition));

}  // namespace
}  // namespace deeplift
