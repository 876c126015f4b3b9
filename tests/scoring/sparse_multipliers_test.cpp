// The sparse form of Multipliers (layer.hpp; docs/decisions.md): behind a
// max pool with disjoint windows, multipliers travel as an element list with
// compact values. Checked three ways:
//   - the max pool's sparse output against its dense output, and every
//     layer type given sparse output multipliers against the dense ones;
//   - DeepLiftScorer (which allows the sparse form) against the same
//     backward pass run with every layer's multipliers dense, bit for bit,
//     on architectures that exercise each fallback (overlapping windows,
//     layers that need dense multipliers, an elementwise first layer, a
//     dense layer before the pool);
//   - the scorer against a brute-force double-precision DeepLIFT written
//     here from docs/scoring.md for conv → PReLU → maxpool → flatten → dense.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "../support/architectures.hpp"
#include "../support/random_models.hpp"
#include "deeplift/layers/maxpool1d.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/training/initialization.hpp"

namespace deeplift {
namespace {

using testing_support::architecture;
using testing_support::random_matrix;
using testing_support::random_one_hot;

constexpr int kTasks = 3;

// References that differ per sequence and per position (not one-hot), so
// no Δx is exactly 0 and every window sees a varying reference.
Matrix random_references(int length, int count, std::mt19937& rng) {
  std::uniform_real_distribution<float> uniform(0.05f, 1.0f);
  Matrix ref(4, static_cast<long>(length) * count);
  for (long l = 0; l < ref.cols(); ++l) {
    for (int c = 0; c < 4; ++c) ref(c, l) = uniform(rng);
    ref.col(l) /= ref.col(l).sum();
  }
  return ref;
}

// --- Max pool, layer by layer -------------------------------------------

struct PoolCase {
  int kernel_size, stride;
};

class MaxPoolSparseTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(MaxPoolSparseTest, SparseOutputEqualsDenseOutput) {
  const PoolCase pool = GetParam();
  const int channels = 5, length = 23, count = 4;
  const int lout = (length - pool.kernel_size) / pool.stride + 1;
  const MaxPool1d layer("pool", Shape{channels, length}, Shape{channels, lout}, PoolGeometry{pool.kernel_size, pool.stride});
  std::mt19937 rng(7);
  Matrix input = random_matrix(channels, length * count, 1.0f, rng);
  // Ties: the first position of the maximum gets the multiplier.
  input.col(3) = input.col(1) = input.col(2).array() + 5.0f;
  Matrix output;
  layer.forward(input, output, count);
  Multipliers out;
  out.positive = random_matrix(channels, static_cast<long>(lout) * count * kTasks, 1.0f, rng);
  // An element whose multiplier is 0 for every task, and one for one task only.
  for (int t = 0; t < kTasks; ++t) out.positive(2, static_cast<long>(t) * count * lout + 1) = 0.0f;
  out.positive(3, 0) = 0.0f;

  LayerTrace trace{input, input, output, output, nullptr, nullptr, count, kTasks};
  Multipliers dense, sparse;
  layer.backward(trace, NonlinearRule::Rescale, out, dense);
  EXPECT_FALSE(dense.sparse);
  trace.sparse_input_multipliers = true;
  sparse.positive.setConstant(channels, 7, 1e30f);  // a workspace left from before
  layer.backward(trace, NonlinearRule::Rescale, out, sparse);
  const bool disjoint = pool.stride >= pool.kernel_size;
  ASSERT_EQ(sparse.sparse, disjoint);
  if (!disjoint) {
    EXPECT_EQ(sparse.positive, dense.positive);
    return;
  }
  // Ascending and unique, with one compact row per element; densified
  // below, it must equal the dense result (so every non-zero is listed).
  const long block = static_cast<long>(channels) * length * count;
  ASSERT_EQ(sparse.positive.rows(), static_cast<long>(sparse.active.size()));
  ASSERT_EQ(sparse.positive.cols(), kTasks);
  EXPECT_TRUE(std::is_sorted(sparse.active.begin(), sparse.active.end()));
  EXPECT_EQ(std::adjacent_find(sparse.active.begin(), sparse.active.end()), sparse.active.end());
  for (const long element : sparse.active) {
    ASSERT_GE(element, 0);
    ASSERT_LT(element, block);
  }
  // One listed element per window and channel, less the all-zero one.
  EXPECT_EQ(static_cast<long>(sparse.active.size()), static_cast<long>(channels) * lout * count - 1);
  Multipliers expanded;
  densified(sparse, layer.input_shape(), count, kTasks, expanded);
  EXPECT_EQ(expanded.positive, dense.positive);
  make_dense(sparse, layer.input_shape(), count, kTasks);
  EXPECT_FALSE(sparse.sparse);
  EXPECT_EQ(sparse.positive, dense.positive);
}

INSTANTIATE_TEST_SUITE_P(Windows, MaxPoolSparseTest,
                         ::testing::Values(PoolCase{4, 4}, PoolCase{3, 5}, PoolCase{1, 1}, PoolCase{4, 2}),
                         [](const auto& pool) {
                           return "kernel" + std::to_string(pool.param.kernel_size) + "stride" +
                                  std::to_string(pool.param.stride);
                         });

// --- Every layer given sparse output multipliers ---------------------------

// The same multipliers in the sparse (compact) and the dense form. Every
// listed element is non-zero for some task except a few (the list may name
// zeros too).
struct SparsePair {
  Multipliers sparse, dense;
};

SparsePair sparse_pair(Shape shape, int count, double density, bool split, std::mt19937& rng) {
  const long block = shape.size() * count;
  std::bernoulli_distribution listed(density);
  SparsePair pair;
  for (long e = 0; e < block; ++e)
    if (listed(rng)) pair.sparse.active.push_back(e);
  const long n = static_cast<long>(pair.sparse.active.size());
  std::normal_distribution<float> normal;
  for (Matrix* values : {&pair.sparse.positive, &pair.sparse.negative}) {
    values->resize(n, kTasks);
    for (long i = 0; i < n; ++i)
      for (int t = 0; t < kTasks; ++t) (*values)(i, t) = i % 5 == 2 ? 0.0f : normal(rng);
  }
  pair.sparse.split = split;
  if (!split) pair.sparse.negative.resize(0, 0);
  pair.sparse.sparse = true;
  const long width = static_cast<long>(shape.length) * count * kTasks;
  pair.dense.split = split;
  pair.dense.positive = Matrix::Zero(shape.channels, width);
  if (split) pair.dense.negative = Matrix::Zero(shape.channels, width);
  for (int t = 0; t < kTasks; ++t)
    for (long i = 0; i < n; ++i) {
      const long element = t * block + pair.sparse.active[i];
      pair.dense.positive.data()[element] = pair.sparse.positive(i, t);
      if (split) pair.dense.negative.data()[element] = pair.sparse.negative(i, t);
    }
  return pair;
}

// backward() with the sparse multipliers equals backward() with the dense
// ones, whether or not the caller accepts sparse input multipliers.
void expect_sparse_output_handled(const Layer& layer, NonlinearRule rule, double density, bool split, unsigned seed) {
  std::mt19937 rng(seed);
  const int count = 4;
  const Shape in_shape = layer.input_shape();
  const Matrix input = random_matrix(in_shape.channels, in_shape.length * count, 1.0f, rng);
  const Matrix input_ref = random_matrix(in_shape.channels, in_shape.length * count, 1.0f, rng);
  Matrix output, output_ref;
  layer.forward(input, output, count);
  layer.forward(input_ref, output_ref, count);
  const SparsePair pair = sparse_pair(layer.output_shape(), count, density, split, rng);
  LayerTrace trace{input, input_ref, output, output_ref, nullptr, nullptr, count, kTasks};
  Multipliers expected, got;
  layer.backward(trace, rule, pair.dense, expected);
  layer.backward(trace, rule, pair.sparse, got);
  const std::string what = layer.type() + " at density " + std::to_string(density) + (split ? ", split" : "");
  ASSERT_FALSE(got.sparse) << what;
  EXPECT_EQ(got.split, expected.split) << what;
  EXPECT_TRUE(got.positive == expected.positive) << what;  // == on floats: +0 and −0 are equal
  if (expected.split) {
    EXPECT_TRUE(got.negative == expected.negative) << what;
  }
  trace.sparse_input_multipliers = true;
  layer.backward(trace, rule, pair.sparse, got);
  Multipliers dense;
  densified(got, layer.input_shape(), count, kTasks, dense);
  EXPECT_TRUE(dense.positive == expected.positive) << what << ", sparse allowed";
  if (expected.split) {
    EXPECT_TRUE(dense.negative == expected.negative) << what << ", sparse allowed";
  }
}

TEST(SparseMultipliers, EveryLayerTypeHandlesSparseOutputMultipliers) {
  std::mt19937 rng(17);
  const Conv1d conv_layer("conv", Shape{3, 30}, Shape{5, 27}, Conv1d::Geometry{4, 1, 1, 0},
                          random_matrix(5, 12, 0.5f, rng), random_matrix(5, 1, 0.1f, rng));
  const Conv1d strided("conv", Shape{3, 30}, Shape{5, 14}, Conv1d::Geometry{3, 2, 2, 2},
                       random_matrix(5, 9, 0.5f, rng), random_matrix(5, 1, 0.1f, rng));
  for (const double density : {0.03, 0.3})  // the conv's list path and its GEMM path
    for (const bool split : {false, true}) {
      expect_sparse_output_handled(conv_layer, NonlinearRule::Rescale, density, split, 1);
      expect_sparse_output_handled(strided, NonlinearRule::Rescale, density, split, 2);
    }
  const Relu relu("relu", Shape{5, 27});
  const Sigmoid sigmoid("sigmoid", Shape{5, 27});
  const Prelu prelu("prelu", Shape{5, 27}, Prelu::Sharing::PerPosition, random_matrix(5, 27, 0.3f, rng));
  for (const ElementwiseLayer* layer : std::initializer_list<const ElementwiseLayer*>{&relu, &sigmoid, &prelu})
    for (const NonlinearRule rule : {NonlinearRule::Rescale, NonlinearRule::Gradient, NonlinearRule::GuidedGradient})
      expect_sparse_output_handled(*layer, rule, 0.1, false, 3);
  expect_sparse_output_handled(MaxPool1d("pool", Shape{5, 27}, Shape{5, 13}, PoolGeometry{3, 2}),
                               NonlinearRule::Rescale, 0.2, false, 4);
  expect_sparse_output_handled(MaxPool1d("pool", Shape{5, 27}, Shape{5, 9}, PoolGeometry{3, 3}),
                               NonlinearRule::Rescale, 0.2, false, 5);
  expect_sparse_output_handled(AvgPool1d("avg", Shape{5, 27}, Shape{5, 13}, PoolGeometry{3, 2}),
                               NonlinearRule::Rescale, 0.2, false, 6);
  expect_sparse_output_handled(Flatten("flatten", Shape{5, 6}), NonlinearRule::Rescale, 0.2, false, 7);
  expect_sparse_output_handled(Dense("dense", Shape{6, 1}, random_matrix(4, 6, 0.5f, rng), random_matrix(4, 1, 0.1f, rng)),
                               NonlinearRule::Rescale, 0.5, true, 8);
}

// --- The scorer against an all-dense backward pass ------------------------

// DeepLiftScorer::backward with sparse multipliers forbidden everywhere.
Matrix dense_backward(const Model& model, Method method, const Matrix& x, const Matrix& refs, int count) {
  const auto& layers = model.layers();
  std::vector<Matrix> activations, ref_activations;
  model.forward(x, count, activations);
  model.forward(refs, count, ref_activations);
  std::vector<Matrix> delta_plus(layers.size()), delta_minus(layers.size());
  Multipliers current, next;
  current.positive.setZero(model.task_count(), static_cast<long>(count) * kTasks);
  for (int t = 0; t < kTasks; ++t) current.positive.block(t, static_cast<long>(t) * count, 1, count).setOnes();
  for (size_t i = layers.size(); i-- > 0;) {
    const NonlinearRule rule =
        layers[i]->is_elementwise() ? rule_for(method, i ? layers[i - 1].get() : nullptr) : NonlinearRule::Rescale;
    const bool reveal_cancel = layers[i]->is_elementwise() && rule == NonlinearRule::RevealCancel;
    if (reveal_cancel)
      layers[i - 1]->split_delta(activations[i - 1] - ref_activations[i - 1], &current, kTasks, delta_plus[i],
                                 delta_minus[i], count);
    const LayerTrace trace{activations[i], ref_activations[i], activations[i + 1], ref_activations[i + 1],
                           reveal_cancel ? &delta_plus[i] : nullptr, reveal_cancel ? &delta_minus[i] : nullptr,
                           count, kTasks};
    layers[i]->backward(trace, rule, current, next);
    EXPECT_FALSE(next.sparse);
    std::swap(current, next);
  }
  return current.positive;
}

const Method kMethods[] = {Method::RevealCancel, Method::GenomicsDefault, Method::Rescale, Method::GradInput,
                           Method::GuidedBackprop};

void expect_scorer_equals_dense(const Model& model, unsigned seed) {
  std::mt19937 rng(seed);
  const int count = 6, length = model.input_length();
  const Matrix x = random_one_hot(length, count, rng);
  const Matrix refs = random_references(length, count, rng);
  for (const Method method : kMethods) {
    DeepLiftScorer scorer(model, method, {0, 1, 2});
    BatchScores out;
    // Twice: the second batch reuses the scorer's workspaces.
    for (int round = 0; round < 2; ++round) {
      const Matrix batch = round == 0 ? x : refs;  // any input works for the comparison
      scorer.score(batch, refs, count, out);
      const Matrix expected = dense_backward(model, method, batch, refs, count);
      ASSERT_EQ(out.multipliers.rows(), expected.rows());
      ASSERT_EQ(out.multipliers.cols(), expected.cols());
      long differing = 0;
      for (long i = 0; i < expected.size(); ++i) differing += out.multipliers.data()[i] != expected.data()[i];
      EXPECT_EQ(differing, 0) << method_name(method) << ", batch " << round << ": max difference "
                              << (out.multipliers - expected).cwiseAbs().maxCoeff();
    }
  }
}

Model initialized(const nlohmann::json& arch, uint64_t seed) {
  Model model = build_untrained_model(arch, "test.json");
  initialize_parameters(model, seed);
  return model;
}

nlohmann::json conv(const char* name, int in, int out, int kernel) {
  return {{"type", "conv1d"}, {"name", name}, {"in_channels", in}, {"out_channels", out}, {"kernel_size", kernel}};
}
nlohmann::json pool(const char* type, int kernel, int stride) {
  return {{"type", type}, {"kernel_size", kernel}, {"stride", stride}};
}
nlohmann::json dense(const char* name, int in, int out) {
  return {{"type", "dense"}, {"name", name}, {"in_features", in}, {"out_features", out}};
}
nlohmann::json simple(const char* type) { return {{"type", type}}; }
const nlohmann::json kTaskNames = {"a", "b", "c"};

TEST(SparseMultipliers, PaperModelScorerEqualsDenseBackward) {
  expect_scorer_equals_dense(testing_support::paper_model(5), 1);
}

TEST(SparseMultipliers, OverlappingWindowsScorerEqualsDenseBackward) {
  // conv → prelu → maxpool 3/2 (overlapping: the dense fallback) → conv →
  // tanh → avgpool → … (tests/support/architectures.hpp).
  expect_scorer_equals_dense(initialized(testing_support::mixed_architecture("position"), 3), 2);
}

// Below 8% of listed elements (Conv1d::kSparseDensity) the conv layer works
// through the list; above it, densified, as GEMMs. The models below are
// sized to see both.

TEST(SparseMultipliers, PoolWithGapsAndPositionSlopesScorerEqualsDenseBackward) {
  // Stride > kernel (positions no window sees; 4 of 76 positions listed),
  // per-position PReLU slopes, and a second conv → relu → maxpool block
  // whose list is too dense (1 of 3) for the conv's list path.
  nlohmann::json prelu = {{"type", "prelu"}, {"name", "act1"}, {"slopes", "position"}};
  const auto arch = architecture(80, kTaskNames, "sigmoid",
                                 {conv("conv1", 4, 6, 5), prelu, pool("maxpool1d", 14, 20), conv("conv2", 6, 5, 2),
                                  simple("relu"), pool("maxpool1d", 3, 3), simple("flatten"), dense("fc1", 5, 7),
                                  simple("relu"), dense("out", 7, 3)});
  expect_scorer_equals_dense(initialized(arch, 4), 3);
}

TEST(SparseMultipliers, LayersWithoutSparseSupportGetDenseMultipliers) {
  // conv → maxpool directly (the conv takes the list: 2 of 34 positions),
  // sigmoid between pools, and an avgpool feeding a max pool of kernel 1,
  // stride 2, whose list skips every other position: the avgpool must get
  // them as zeros, not as whatever the workspace held.
  const auto arch = architecture(36, kTaskNames, "softmax",
                                 {conv("conv1", 4, 4, 3), pool("maxpool1d", 16, 16), simple("sigmoid"),
                                  pool("avgpool1d", 1, 1), pool("maxpool1d", 1, 2), simple("flatten"),
                                  dense("fc1", 4, 6), simple("tanh"), dense("out", 6, 3)});
  expect_scorer_equals_dense(initialized(arch, 5), 4);
}

TEST(SparseMultipliers, ElementwiseFirstLayerAndPoolAfterDense) {
  // relu on the one-hot input (its input multipliers must come out dense)
  // → maxpool; and dense → relu → maxpool 1/1 (every element listed; the
  // dense layer neither reads nor splits by the list).
  const auto arch = architecture(20, kTaskNames, "sigmoid",
                                 {simple("relu"), pool("maxpool1d", 2, 2), conv("conv1", 4, 5, 3), simple("prelu"),
                                  pool("maxpool1d", 4, 4), simple("flatten"), dense("fc1", 10, 8), simple("relu"),
                                  pool("maxpool1d", 1, 1), dense("out", 8, 3)});
  expect_scorer_equals_dense(initialized(arch, 6), 5);
}

// --- Brute force -----------------------------------------------------------

// conv (valid, stride 1) → PReLU (per-position slopes) → maxpool → flatten
// → dense, evaluated one sequence and one task at a time in double
// precision straight from docs/scoring.md.
struct SmallModel {
  int cin = 4, cout = 3, k = 4, length = 60, pool_kernel, pool_stride;
  Matrix w;        // [cout, k*cin], column j*cin + c (Conv1d's layout)
  Vector b;        // [cout]
  Matrix slopes;   // [cout, lconv]
  Matrix w_out;    // [tasks, cout*lpool], PyTorch's channel-major flatten
  Vector b_out;
  int lconv() const { return length - k + 1; }
  int lpool() const { return (lconv() - pool_kernel) / pool_stride + 1; }

  Model build() const {
    std::vector<std::unique_ptr<Layer>> layers;
    layers.push_back(std::make_unique<Conv1d>("conv", Shape{cin, length}, Shape{cout, lconv()},
                                              Conv1d::Geometry{k, 1, 1, 0}, w, b));
    layers.push_back(std::make_unique<Prelu>("act", Shape{cout, lconv()}, Prelu::Sharing::PerPosition, slopes));
    layers.push_back(std::make_unique<MaxPool1d>("pool", Shape{cout, lconv()}, Shape{cout, lpool()},
                                                 PoolGeometry{pool_kernel, pool_stride}));
    layers.push_back(std::make_unique<Flatten>("flatten", Shape{cout, lpool()}));
    layers.push_back(std::make_unique<Dense>("out", Shape{cout * lpool(), 1}, w_out, b_out));
    return Model("small", length, {"a", "b", "c"}, OutputKind::Sigmoid, std::move(layers));
  }

  // Pre-activations z[c][l] of one sequence (columns of x from `first`).
  std::vector<std::vector<double>> conv_out(const Matrix& x, long first, bool with_bias = true) const {
    std::vector<std::vector<double>> z(cout, std::vector<double>(lconv()));
    for (int c = 0; c < cout; ++c)
      for (int l = 0; l < lconv(); ++l) {
        double sum = with_bias ? b(c) : 0.0;
        for (int j = 0; j < k; ++j)
          for (int i = 0; i < cin; ++i) sum += static_cast<double>(w(c, j * cin + i)) * x(i, first + l + j);
        z[c][l] = sum;
      }
    return z;
  }
  double prelu(int c, int l, double z) const { return z > 0 ? z : slopes(c, l) * z; }

  // Input multipliers [cin, length] of task t for one sequence.
  Matrix multipliers(Method method, const Matrix& x, const Matrix& ref, long first, int t) const {
    const auto z = conv_out(x, first), z0 = conv_out(ref, first);
    // Dense → flatten → max pool: the multiplier of the window's first maximum
    // of the input sequence's activations (summed over overlapping windows).
    std::vector<std::vector<double>> m_y(cout, std::vector<double>(lconv(), 0.0));
    for (int c = 0; c < cout; ++c)
      for (int o = 0; o < lpool(); ++o) {
        int best = o * pool_stride;
        for (int j = 1; j < pool_kernel; ++j)
          if (prelu(c, o * pool_stride + j, z[c][o * pool_stride + j]) > prelu(c, best, z[c][best])) best = o * pool_stride + j;
        m_y[c][best] += w_out(t, c * lpool() + o);
      }
    // PReLU: M⁺ and M⁻ of the conv outputs.
    std::vector<std::vector<double>> m_plus(cout, std::vector<double>(lconv())), m_minus = m_plus;
    for (int c = 0; c < cout; ++c)
      for (int l = 0; l < lconv(); ++l) {
        const double dz = z[c][l] - z0[c][l];
        double plus, minus;
        if (method == Method::GradInput) {
          plus = minus = z[c][l] > 0 ? 1.0 : slopes(c, l);
        } else if (method == Method::RevealCancel) {
          double dz_plus = 0, dz_minus = 0;
          for (int j = 0; j < k; ++j)
            for (int i = 0; i < cin; ++i) {
              const double product = static_cast<double>(w(c, j * cin + i)) * (x(i, first + l + j) - ref(i, first + l + j));
              (product > 0 ? dz_plus : dz_minus) += product;
            }
          auto f = [&](double value) { return prelu(c, l, value); };
          const double base = z0[c][l];
          const double dy_plus = 0.5 * (f(base + dz_plus) - f(base)) + 0.5 * (f(base + dz_minus + dz_plus) - f(base + dz_minus));
          const double dy_minus = 0.5 * (f(base + dz_minus) - f(base)) + 0.5 * (f(base + dz_plus + dz_minus) - f(base + dz_plus));
          plus = dy_plus / std::max(dz_plus, 1e-7);
          minus = dy_minus / std::min(dz_minus, -1e-7);
        } else {  // Rescale (also genomics-default: after a conv layer)
          plus = minus = std::abs(dz) < 1e-7 ? (z0[c][l] > 0 ? 1.0 : slopes(c, l))
                                             : (prelu(c, l, z[c][l]) - prelu(c, l, z0[c][l])) / dz;
        }
        m_plus[c][l] = m_y[c][l] * plus;
        m_minus[c][l] = m_y[c][l] * minus;
      }
    // Conv, linear rule: w·M⁺ where w·Δx > 0, w·M⁻ where w·Δx < 0, the mean at 0.
    Matrix m = Matrix::Zero(cin, length);
    std::vector<double> sums(static_cast<size_t>(cin) * length, 0.0);
    for (int c = 0; c < cout; ++c)
      for (int l = 0; l < lconv(); ++l)
        for (int j = 0; j < k; ++j)
          for (int i = 0; i < cin; ++i) {
            const double weight = w(c, j * cin + i);
            const double contribution = weight * (x(i, first + l + j) - ref(i, first + l + j));
            const double chosen = contribution > 0 ? m_plus[c][l] : contribution < 0 ? m_minus[c][l]
                                                                                     : 0.5 * (m_plus[c][l] + m_minus[c][l]);
            sums[static_cast<size_t>(l + j) * cin + i] += weight * chosen;
          }
    for (int l = 0; l < length; ++l)
      for (int i = 0; i < cin; ++i) m(i, l) = static_cast<float>(sums[static_cast<size_t>(l) * cin + i]);
    return m;
  }
};

class BruteForceTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(BruteForceTest, ScorerEqualsBruteForceDeepLift) {
  std::mt19937 rng(11);
  SmallModel small;
  small.pool_kernel = GetParam().kernel_size;
  small.pool_stride = GetParam().stride;
  small.w = random_matrix(small.cout, small.k * small.cin, 0.6f, rng);
  small.b = random_matrix(small.cout, 1, 0.3f, rng);
  small.slopes = random_matrix(small.cout, small.lconv(), 0.3f, rng).cwiseAbs();
  const int flat = small.cout * small.lpool();
  small.w_out = random_matrix(kTasks, flat, 1.0f, rng);
  small.b_out = random_matrix(kTasks, 1, 0.1f, rng);
  const Model model = small.build();
  const int count = 5;
  const Matrix x = random_one_hot(small.length, count, rng);
  const Matrix refs = random_references(small.length, count, rng);
  for (const Method method : {Method::RevealCancel, Method::Rescale, Method::GenomicsDefault, Method::GradInput}) {
    DeepLiftScorer scorer(model, method, {0, 1, 2});
    BatchScores out;
    scorer.score(x, refs, count, out);
    for (int t = 0; t < kTasks; ++t)
      for (int n = 0; n < count; ++n) {
        const long first = static_cast<long>(n) * small.length;
        const Matrix expected = small.multipliers(method, x, refs, first, t);
        const Matrix got = out.multipliers.middleCols((static_cast<long>(t) * count + n) * small.length, small.length);
        const float scale = 1.0f + expected.cwiseAbs().maxCoeff();
        EXPECT_LE((got - expected).cwiseAbs().maxCoeff(), 1e-5f * scale)
            << method_name(method) << ", task " << t << ", sequence " << n;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Windows, BruteForceTest,
                         // 3 of 57 positions listed (the conv's list path), with
                         // gaps, and overlapping (the dense path).
                         ::testing::Values(PoolCase{15, 15}, PoolCase{12, 16}, PoolCase{16, 8}),
                         [](const auto& pool) {
                           return "kernel" + std::to_string(pool.param.kernel_size) + "stride" +
                                  std::to_string(pool.param.stride);
                         });

}  // namespace
}  // namespace deeplift
