// DeepLiftScorer on graph models (docs/graph-models.md), against independent
// computations: summation-to-delta against the float64 interpreter of the
// model's JSON (tests/support/graph_models.hpp), grad-input with fan-out
// against central finite differences of that interpreter, profile seeds
// against formulas written out here in double, and K references per input
// against repeating the input K times.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "../support/architectures.hpp"
#include "../support/graph_models.hpp"
#include "../support/random_models.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/dinucleotide_shuffle.hpp"
#include "deeplift/scoring/integrated_gradients.hpp"
#include "deeplift/scoring/ism.hpp"
#include "deeplift/scoring/profile_target.hpp"

namespace deeplift {
namespace {

using testing_support::Activation;
using testing_support::GraphModelSpec;
using testing_support::ReferenceGraph;

struct LoadedGraph {
  nlohmann::json architecture;
  std::map<std::string, testing_support::TensorSpec> tensors;
  Model model;
  ReferenceGraph reference() const { return ReferenceGraph{architecture, tensors}; }
};

LoadedGraph load_graph(const nlohmann::json& architecture, unsigned seed, const std::string& name) {
  auto tensors = testing_support::random_tensors(architecture, seed);
  const std::string path = testing_support::temp_path(name + ".safetensors");
  testing_support::write_graph_model(path, architecture, tensors);
  return LoadedGraph{architecture, tensors, load_model(path)};
}

LoadedGraph residual_graph(const std::string& style, unsigned seed) {
  GraphModelSpec spec;
  spec.style = style;
  return load_graph(testing_support::graph_architecture(spec), seed, "scorer_" + style);
}

// One-hot encoding written here independently of io/one_hot.cpp.
Matrix encode(const std::vector<std::string>& sequences) {
  const int length = static_cast<int>(sequences[0].size());
  Matrix x = Matrix::Zero(4, static_cast<long>(length) * sequences.size());
  for (size_t n = 0; n < sequences.size(); ++n)
    for (int l = 0; l < length; ++l) x(std::strchr("ACGT", sequences[n][l]) - "ACGT", static_cast<long>(n) * length + l) = 1;
  return x;
}

std::vector<std::string> random_sequences(int count, int length, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> sequences;
  for (int n = 0; n < count; ++n) {
    std::string s(length, 'A');
    for (auto& base : s) base = "ACGT"[rng() % 4];
    sequences.push_back(s);
  }
  return sequences;
}

// K dinucleotide shuffles of each sequence, pair n*K + k.
Matrix shuffled_references(const std::vector<std::string>& sequences, int k, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> shuffles;
  for (const auto& sequence : sequences)
    for (int i = 0; i < k; ++i) shuffles.push_back(dinucleotide_shuffle(sequence, rng));
  return encode(shuffles);
}

Matrix gc_reference(int length) {
  Matrix ref(4, length);
  ref.colwise() = Eigen::Vector4f(0.3f, 0.2f, 0.2f, 0.3f);
  return ref;
}

// Σ m·Δx of each (pair, task) equals target(x) − target(r) from the float64
// interpreter. `references` holds one reference per pair (K per input).
void expect_sums_to_delta(const LoadedGraph& graph, const Matrix& input, const Matrix& references, int count, int k,
                          const BatchScores& out, const std::vector<int>& tasks, const std::string& what) {
  const int length = graph.model.input_length();
  const int pairs = count * k;
  const ReferenceGraph reference = graph.reference();
  for (int n = 0; n < count; ++n) {
    const auto at_input = reference.targets(testing_support::sequence_of(input, length, n));
    for (int j = 0; j < k; ++j) {
      const int pair = n * k + j;
      const auto at_reference = reference.targets(testing_support::sequence_of(references, length, pair));
      for (size_t t = 0; t < tasks.size(); ++t) {
        const double expected = at_input[tasks[t]] - at_reference[tasks[t]];
        const long start = (static_cast<long>(t) * pairs + pair) * length;
        const Matrix delta = input.middleCols(static_cast<long>(n) * length, length) -
                             references.middleCols(static_cast<long>(pair) * length, length);
        const double total =
            (out.multipliers.middleCols(start, length).cast<double>().array() * delta.cast<double>().array()).sum();
        EXPECT_NEAR(total, expected, 2e-4 * (1 + std::abs(expected)))
            << what << ": task " << tasks[t] << ", sequence " << n << ", reference " << j;
      }
    }
  }
}

class ResidualSummation : public ::testing::TestWithParam<std::tuple<std::string, Method>> {};

TEST_P(ResidualSummation, ScoresSumToTheTargetDifference) {
  const auto [style, method] = GetParam();
  const LoadedGraph graph = residual_graph(style, 11);
  const int length = graph.model.input_length(), count = 3;
  const auto sequences = random_sequences(count, length, 5);
  const Matrix input = encode(sequences);
  const std::vector<int> tasks = {0, 1};  // profile (bpnet-lite), counts
  DeepLiftScorer scorer(graph.model, method, tasks);
  EXPECT_TRUE(scorer.rescale_fallbacks().empty());
  BatchScores out;

  // A shared GC reference.
  const Matrix gc = gc_reference(length);
  scorer.set_shared_reference(gc);
  scorer.score(input, count, out);
  expect_sums_to_delta(graph, input, gc.replicate(1, count), count, 1, out, tasks, "gc");

  // Shuffled references, one per sequence, then three per sequence.
  const Matrix one = shuffled_references(sequences, 1, 7);
  scorer.score(input, one, count, out);
  expect_sums_to_delta(graph, input, one, count, 1, out, tasks, "shuffled");
  const Matrix three = shuffled_references(sequences, 3, 8);
  scorer.score(input, three, count, 3, out);
  ASSERT_EQ(out.multipliers.cols(), static_cast<long>(length) * count * 3 * 2);
  ASSERT_EQ(out.ref_logits.cols(), count * 3);
  expect_sums_to_delta(graph, input, three, count, 3, out, tasks, "3 shuffles");
}

INSTANTIATE_TEST_SUITE_P(Graph, ResidualSummation,
                         ::testing::Combine(::testing::Values("same", "valid"),
                                            ::testing::Values(Method::Rescale, Method::RevealCancel,
                                                              Method::GenomicsDefault)));

// RevealCancel after an add: relu(add(conv(r0), r0)) splits Δ through the
// add (the conv's split plus r0's Δ by sign), and r0 then receives split
// multipliers that are resolved by the sign of its own Δ.
TEST(GraphScorer, RevealCancelThroughAnAddSumsToDelta) {
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 16}}},
      {"layers",
       {testing_support::conv_spec("c0", 4, 3, 5, 1, "same", "input"),
        {{"type", "relu"}, {"name", "r0"}},
        testing_support::conv_spec("c1", 3, 3, 3, 1, "same", "r0"),
        {{"type", "add"}, {"name", "s1"}, {"inputs", {"c1", "r0"}}},
        {{"type", "relu"}, {"name", "r1"}},
        {{"type", "crop1d"}, {"name", "mid"}, {"left", 2}, {"right", 2}},
        {{"type", "flatten"}, {"name", "f"}},
        {{"type", "dense"}, {"name", "d1"}, {"in_features", 36}, {"out_features", 4}},
        {{"type", "flatten"}, {"name", "f2"}},
        {{"type", "relu"}, {"name", "r2"}},
        {{"type", "dense"}, {"name", "out"}, {"in_features", 4}, {"out_features", 2}}}},
      {"outputs", {{{"name", "two"}, {"layer", "out"}, {"tasks", {"a", "b"}}}}}};
  const LoadedGraph graph = load_graph(architecture, 12, "add_reveal");
  const auto sequences = random_sequences(4, 16, 9);
  const Matrix input = encode(sequences);
  const Matrix refs = shuffled_references(sequences, 2, 10);
  for (Method method : {Method::RevealCancel, Method::GenomicsDefault}) {
    DeepLiftScorer scorer(graph.model, method, {0, 1});
    EXPECT_TRUE(scorer.rescale_fallbacks().empty());
    BatchScores out;
    scorer.score(input, refs, 4, 2, out);
    expect_sums_to_delta(graph, input, refs, 4, 2, out, {0, 1}, method_name(method));
  }
}

TEST(GraphScorer, RevealCancelWithoutASplitFallsBackToRescaleAndSaysWhere) {
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 12}}},
      {"layers",
       {testing_support::conv_spec("c0", 4, 2, 3, 1, "valid", "input"),
        {{"type", "avgpool1d"}, {"name", "pool"}, {"kernel_size", 2}},
        {{"type", "relu"}, {"name", "after_pool"}},
        {{"type", "flatten"}, {"name", "f"}},
        {{"type", "dense"}, {"name", "out"}, {"in_features", 10}, {"out_features", 1}}}},
      {"outputs", {{{"name", "y"}, {"layer", "out"}}}}};
  const LoadedGraph graph = load_graph(architecture, 13, "fallback");
  EXPECT_EQ(DeepLiftScorer(graph.model, Method::RevealCancel, {0}).rescale_fallbacks(),
            (std::vector<std::string>{"after_pool"}));
  EXPECT_TRUE(DeepLiftScorer(graph.model, Method::Rescale, {0}).rescale_fallbacks().empty());
  const auto sequences = random_sequences(2, 12, 3);
  const Matrix input = encode(sequences), refs = shuffled_references(sequences, 1, 4);
  DeepLiftScorer scorer(graph.model, Method::RevealCancel, {0});
  BatchScores out;
  scorer.score(input, refs, 2, out);
  expect_sums_to_delta(graph, input, refs, 2, 1, out, {0}, "fallback");
}

// grad-input multipliers are ∂target/∂x: checked against central
// differences of the float64 interpreter, through every fan-out of the
// residual trunk (each add's inputs, the trunk feeding both heads).
TEST(GraphScorer, GradInputMatchesFiniteDifferencesThroughFanOut) {
  for (const std::string style : {"same", "valid"}) {
    const LoadedGraph graph = residual_graph(style, 21);
    const int length = graph.model.input_length();
    const Matrix input = encode(random_sequences(1, length, 22));
    DeepLiftScorer scorer(graph.model, Method::GradInput, {0, 1});
    BatchScores out;
    scorer.set_shared_reference(gc_reference(length));
    scorer.score(input, 1, out);
    const ReferenceGraph reference = graph.reference();
    Activation x = testing_support::sequence_of(input, length, 0);
    constexpr double step = 1e-4;
    for (int t = 0; t < 2; ++t) {
      double largest = 0;
      for (long i = 0; i < 4L * length; ++i) largest = std::max(largest, std::abs(double(out.multipliers.data()[t * 4L * length + i])));
      ASSERT_GT(largest, 0.0);
      for (int c = 0; c < 4; ++c)
        for (int l = 0; l < length; l += 3) {
          const double saved = x[c][l];
          x[c][l] = saved + step;
          const double plus = reference.targets(x)[t];
          x[c][l] = saved - step;
          const double minus = reference.targets(x)[t];
          x[c][l] = saved;
          const double numeric = (plus - minus) / (2 * step);
          EXPECT_NEAR(out.multipliers(c, static_cast<long>(t) * length + l), numeric, 1e-3 * largest + 1e-5)
              << style << " task " << t << " c " << c << " l " << l;
        }
    }
  }
}

// Behind a max pool multipliers travel in the sparse form along a single
// path; a pooled node feeding two branches is made dense where they meet.
TEST(GraphScorer, GradInputThroughAMaxPoolWithFanOut) {
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 24}}},
      {"layers",
       {testing_support::conv_spec("c0", 4, 3, 5, 1, "valid", "input"),
        {{"type", "relu"}, {"name", "r0"}},
        {{"type", "maxpool1d"}, {"name", "pool"}, {"kernel_size", 4}},
        testing_support::conv_spec("ca", 3, 3, 3, 1, "same", "pool"),
        {{"type", "relu"}, {"name", "ra"}},
        testing_support::conv_spec("cb", 3, 3, 1, 1, "valid", "pool"),
        {{"type", "relu"}, {"name", "rb"}},
        {{"type", "add"}, {"name", "s"}, {"inputs", {"ra", "rb", "pool"}}},
        {{"type", "flatten"}, {"name", "f"}},
        {{"type", "dense"}, {"name", "out"}, {"in_features", 15}, {"out_features", 1}}}},
      {"outputs", {{{"name", "y"}, {"layer", "out"}}}}};
  const LoadedGraph graph = load_graph(architecture, 91, "maxpool_fanout");
  const Matrix input = encode(random_sequences(2, 24, 92));
  for (Method method : {Method::GradInput, Method::RevealCancel}) {
    DeepLiftScorer scorer(graph.model, method, {0});
    scorer.set_shared_reference(gc_reference(24));
    BatchScores out;
    scorer.score(input, 2, out);
    if (method != Method::GradInput) {
      EXPECT_TRUE(out.multipliers.allFinite());
      continue;
    }
    const ReferenceGraph reference = graph.reference();
    for (int n = 0; n < 2; ++n) {
      Activation x = testing_support::sequence_of(input, 24, n);
      for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 24; ++l) {
          const double saved = x[c][l];
          x[c][l] = saved + 1e-4;
          const double plus = reference.targets(x)[0];
          x[c][l] = saved - 1e-4;
          const double minus = reference.targets(x)[0];
          x[c][l] = saved;
          EXPECT_NEAR(out.multipliers(c, n * 24 + l), (plus - minus) / 2e-4, 1e-3) << "n " << n << " c " << c << " l " << l;
        }
    }
  }
}

// ---- Profile seeds ----

struct DoubleProfile {
  std::vector<double> centred, p;
  double f = 0;
  explicit DoubleProfile(const std::vector<float>& z) {
    double mean = 0;
    for (float v : z) mean += v;
    mean /= static_cast<double>(z.size());
    double total = 0;
    for (float v : z) {
      centred.push_back(v - mean);
      total += std::exp(v - mean);
    }
    for (double c : centred) {
      p.push_back(std::exp(c) / total);
      f += p.back() * c;
    }
  }
};

std::vector<float> random_profile(size_t n, std::mt19937& rng, float scale = 1.5f) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> z(n);
  for (auto& v : z) v = normal(rng);
  return z;
}

TEST(ProfileSeeds, BpnetLiteIsTheRescaleOfZTildeTimesSoftmax) {
  std::mt19937 rng(31);
  const size_t n = 40;
  const auto z = random_profile(n, rng), r = random_profile(n, rng);
  std::vector<float> seed(n);
  profile_seed(ProfileTarget::BpnetLite, z.data(), r.data(), static_cast<long>(n), seed.data());
  const DoubleProfile at_x(z), at_r(r);
  std::vector<double> m(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    m[i] = (at_x.centred[i] * at_x.p[i] - at_r.centred[i] * at_r.p[i]) / (at_x.centred[i] - at_r.centred[i]);
    mean += m[i] / static_cast<double>(n);
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(seed[i], m[i] - mean, 1e-6 * (1 + std::abs(m[i]))) << i;
    total += static_cast<double>(seed[i]) * (static_cast<double>(z[i]) - r[i]);
  }
  // Summation to delta of the target itself.
  EXPECT_NEAR(total, at_x.f - at_r.f, 1e-5 * (1 + std::abs(at_x.f - at_r.f)));
}

TEST(ProfileSeeds, BpnetLiteGuardUsesTheDerivativeAtTinyDelta) {
  std::mt19937 rng(32);
  const size_t n = 10;
  const auto z = random_profile(n, rng);
  // Shift two entries oppositely: the mean is unchanged, so z̃ᵢ(x) = z̃ᵢ(q)
  // exactly for every other i, where the guard must take the derivative.
  auto q = z;
  q[1] += 0.25f;
  q[2] -= 0.25f;
  std::vector<float> seed(n);
  profile_seed(ProfileTarget::BpnetLite, z.data(), q.data(), static_cast<long>(n), seed.data());
  const DoubleProfile at_x(z), at_q(q);
  std::vector<double> m(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    const double delta = at_x.centred[i] - at_q.centred[i];
    m[i] = std::abs(delta) >= 1e-6 ? (at_x.centred[i] * at_x.p[i] - at_q.centred[i] * at_q.p[i]) / delta
                                   : at_x.p[i] * (1 + at_x.centred[i] * (1 - at_x.p[i]));
    mean += m[i] / static_cast<double>(n);
  }
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(std::isfinite(seed[i]));
    EXPECT_NEAR(seed[i], m[i] - mean, 1e-5 * (1 + std::abs(m[i]))) << i;
  }
}

TEST(ProfileSeeds, ChromBpnetHoldsTheSoftmaxWeightsAtTheirMean) {
  std::mt19937 rng(33);
  const size_t n = 30;
  const auto z = random_profile(n, rng), r = random_profile(n, rng);
  std::vector<float> seed(n);
  profile_seed(ProfileTarget::ChromBpnet, z.data(), r.data(), static_cast<long>(n), seed.data());
  const DoubleProfile at_x(z), at_r(r);
  for (size_t i = 0; i < n; ++i) EXPECT_NEAR(seed[i], 0.5 * (at_x.p[i] + at_r.p[i]) - 1.0 / n, 1e-7) << i;
}

TEST(ProfileSeeds, GradientSeedMatchesFiniteDifferencesOfF) {
  std::mt19937 rng(34);
  const size_t n = 24;
  auto z = random_profile(n, rng);
  std::vector<float> seed(n);
  profile_gradient_seed(z.data(), static_cast<long>(n), seed.data());
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> plus(z.begin(), z.end()), minus(z.begin(), z.end());
    const double h = 1e-3;
    plus[i] += h;
    minus[i] -= h;
    auto f_of = [](const std::vector<double>& v) {
      double mean = 0, total = 0, f = 0;
      for (double x : v) mean += x / static_cast<double>(v.size());
      for (double x : v) total += std::exp(x - mean);
      for (double x : v) f += std::exp(x - mean) / total * (x - mean);
      return f;
    };
    EXPECT_NEAR(seed[i], (f_of(plus) - f_of(minus)) / (2 * h), 1e-6) << i;
  }
}

// The chrombpnet target through a whole model: on a profile head that is
// linear in the input (no nonlinearity), DeepLIFT's scores sum to exactly
// Σⱼ seedⱼ·Δzⱼ, with the seeds written out here in double.
TEST(GraphScorer, ChromBpnetTargetOnALinearProfileHead) {
  nlohmann::json architecture = {
      {"input", {{"alphabet", "ACGT"}, {"length", 10}}},
      {"layers",
       {testing_support::conv_spec("c0", 4, 2, 3, 1, "same", "input"),
        {{"type", "crop1d"}, {"name", "profile"}, {"length", 6}}}},
      {"outputs", {{{"name", "profile"}, {"layer", "profile"}}}}};
  const LoadedGraph graph = load_graph(architecture, 41, "linear_profile");
  const auto sequences = random_sequences(2, 10, 42);
  const Matrix input = encode(sequences), refs = shuffled_references(sequences, 1, 43);
  DeepLiftScorer scorer(graph.model, Method::Rescale, {0}, DeepLiftOptions{ProfileTarget::ChromBpnet});
  BatchScores out;
  scorer.score(input, refs, 2, out);
  const ReferenceGraph reference = graph.reference();
  for (int n = 0; n < 2; ++n) {
    const auto zx = reference.run(testing_support::sequence_of(input, 10, n)).at("profile");
    const auto zr = reference.run(testing_support::sequence_of(refs, 10, n)).at("profile");
    // ½(p(x) + p(r)) − 1/N in double, over the flattened [2, 6] output.
    std::vector<float> fx, fr;
    for (const auto& row : zx) fx.insert(fx.end(), row.begin(), row.end());
    for (const auto& row : zr) fr.insert(fr.end(), row.begin(), row.end());
    const DoubleProfile px(fx), pr(fr);
    double expected = 0;
    for (size_t j = 0; j < fx.size(); ++j) expected += (0.5 * (px.p[j] + pr.p[j]) - 1.0 / 12) * (double(fx[j]) - fr[j]);
    const Matrix delta = input.middleCols(n * 10, 10) - refs.middleCols(n * 10, 10);
    const double total = (out.multipliers.middleCols(n * 10, 10).cast<double>().array() * delta.cast<double>().array()).sum();
    EXPECT_NEAR(total, expected, 1e-5 * (1 + std::abs(expected)));
  }
}

// ---- K references per input ----

TEST(GraphScorer, KReferencesEqualRepeatingTheInput) {
  const LoadedGraph graph = residual_graph("same", 51);
  const int length = graph.model.input_length(), count = 2, k = 3;
  const auto sequences = random_sequences(count, length, 52);
  const Matrix input = encode(sequences);
  const Matrix refs = shuffled_references(sequences, k, 53);
  Matrix repeated(4, static_cast<long>(length) * count * k);
  for (int n = 0; n < count; ++n)
    for (int j = 0; j < k; ++j)
      repeated.middleCols(static_cast<long>(n * k + j) * length, length) = input.middleCols(static_cast<long>(n) * length, length);
  for (Method method : {Method::RevealCancel, Method::Rescale, Method::GradInput}) {
    DeepLiftScorer scorer(graph.model, method, {1, 0});
    BatchScores once, repeated_out;
    scorer.score(input, refs, count, k, once);
    scorer.score(repeated, refs, count * k, repeated_out);
    ASSERT_EQ(once.multipliers.cols(), repeated_out.multipliers.cols());
    EXPECT_TRUE(once.multipliers.isApprox(repeated_out.multipliers, 1e-5f)) << method_name(method);
    EXPECT_TRUE(once.ref_logits.isApprox(repeated_out.ref_logits, 1e-5f));
    ASSERT_EQ(once.logits.cols(), count);
    for (int n = 0; n < count; ++n)
      EXPECT_TRUE(once.logits.col(n).isApprox(repeated_out.logits.col(n * k), 1e-5f));
  }
}

// The same on a layer stack with a max pool (sparse multipliers), for every
// DeepLIFT method.
TEST(GraphScorer, KReferencesOnALayerStackWithAMaxPool) {
  const Model model = testing_support::paper_model(55, 8, 16);
  const int length = model.input_length(), count = 2, k = 2;
  const auto sequences = random_sequences(count, length, 56);
  const Matrix input = encode(sequences), refs = shuffled_references(sequences, k, 57);
  Matrix repeated(4, static_cast<long>(length) * count * k);
  for (int n = 0; n < count; ++n)
    for (int j = 0; j < k; ++j)
      repeated.middleCols(static_cast<long>(n * k + j) * length, length) = input.middleCols(static_cast<long>(n) * length, length);
  for (Method method : {Method::RevealCancel, Method::Rescale, Method::GenomicsDefault, Method::GradInput}) {
    DeepLiftScorer scorer(model, method, {0, 2});
    BatchScores once, repeated_out;
    scorer.score(input, refs, count, k, once);
    scorer.score(repeated, refs, count * k, repeated_out);
    EXPECT_TRUE(once.multipliers.isApprox(repeated_out.multipliers, 1e-5f)) << method_name(method);
  }
}

// ---- The other scorers on graph models ----

TEST(GraphScorer, IsmMatchesTheInterpreterOnEveryMutant) {
  const LoadedGraph graph = residual_graph("valid", 61);
  const int length = graph.model.input_length();
  const Matrix input = encode(random_sequences(1, length, 62));
  IsmScorer ism(graph.model, {0, 1}, 64);
  BatchScores out;
  ism.score(input, 1, out);
  const ReferenceGraph reference = graph.reference();
  Activation x = testing_support::sequence_of(input, length, 0);
  const auto base = reference.targets(x);
  for (int l = 0; l < length; l += 5)
    for (int c = 0; c < 4; ++c) {
      if (x[c][l] == 1) continue;
      Activation mutant = x;
      for (int b = 0; b < 4; ++b) mutant[b][l] = b == c;
      const auto mutated = reference.targets(mutant);
      for (int t = 0; t < 2; ++t)
        EXPECT_NEAR(out.multipliers(c, static_cast<long>(t) * length + l), mutated[t] - base[t],
                    1e-4 * (1 + std::abs(base[t])));
    }
}

TEST(GraphScorer, IntegratedGradientsIsNearlyComplete) {
  const LoadedGraph graph = residual_graph("same", 71);
  const int length = graph.model.input_length();
  const auto sequences = random_sequences(2, length, 72);
  const Matrix input = encode(sequences), refs = shuffled_references(sequences, 1, 73);
  IntegratedGradientsScorer scorer(graph.model, {0, 1}, 200);
  BatchScores out;
  scorer.score(input, refs, 2, out);
  const ReferenceGraph reference = graph.reference();
  for (int n = 0; n < 2; ++n) {
    const auto fx = reference.targets(testing_support::sequence_of(input, length, n));
    const auto fr = reference.targets(testing_support::sequence_of(refs, length, n));
    for (int t = 0; t < 2; ++t) {
      const Matrix delta = input.middleCols(n * length, length) - refs.middleCols(n * length, length);
      const double total =
          (out.multipliers.middleCols((t * 2 + n) * length, length).cast<double>().array() * delta.cast<double>().array()).sum();
      // A Riemann sum of 200 steps: complete to about 1% of the difference.
      EXPECT_NEAR(total, fx[t] - fr[t], 0.02 * (std::abs(fx[t] - fr[t]) + 0.1)) << "task " << t << " n " << n;
    }
  }
}

TEST(GraphScorer, GuidedBackpropRunsOnGraphs) {
  const LoadedGraph graph = residual_graph("same", 81);
  const int length = graph.model.input_length();
  const Matrix input = encode(random_sequences(2, length, 82));
  DeepLiftScorer scorer(graph.model, Method::GuidedBackprop, {0, 1});
  scorer.set_shared_reference(gc_reference(length));
  BatchScores out;
  scorer.score(input, 2, out);
  EXPECT_EQ(out.multipliers.cols(), static_cast<long>(length) * 2 * 2);
  EXPECT_TRUE(out.multipliers.allFinite());
  EXPECT_GT(out.multipliers.cwiseAbs().maxCoeff(), 0.0f);
}

}  // namespace
}  // namespace deeplift
