// Micro-benchmarks of the scoring kernels on a random paper-architecture
// model (docs/model-format.md example), 3 tasks, gc:0.4 reference. Throughput is
// reported as sequences per second (items_per_second).
#include <benchmark/benchmark.h>

#include <random>

#include "../tests/support/random_models.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"

namespace {

using namespace deeplift;

Matrix random_one_hot(int count, int length, unsigned seed) {
  std::mt19937 rng(seed);
  Matrix x = Matrix::Zero(4, static_cast<long>(count) * length);
  for (long i = 0; i < x.cols(); ++i) x(rng() % 4, i) = 1;
  return x;
}

void score(benchmark::State& state, Method method) {
  const Model model = testing_support::paper_model(1);
  const int batch = static_cast<int>(state.range(0));
  const Matrix x = random_one_hot(batch, 200, 2);
  Matrix ref(4, 200);
  ref.colwise() = Eigen::Vector4f(0.3f, 0.2f, 0.2f, 0.3f);
  DeepLiftScorer scorer(model, method, {0, 1, 2});
  scorer.set_shared_reference(ref);
  BatchScores out;
  Matrix scores, hypothetical;
  const Matrix refs = ref.replicate(1, batch);
  for (auto _ : state) {
    scorer.score(x, batch, out);
    contribution_scores(out.multipliers, x, refs, 200, batch, 3, scores, &hypothetical);
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void forward(benchmark::State& state) {
  const Model model = testing_support::paper_model(1);
  const int batch = static_cast<int>(state.range(0));
  const Matrix x = random_one_hot(batch, 200, 2);
  std::vector<Matrix> activations;
  for (auto _ : state) {
    model.forward(x, batch, activations);
    benchmark::DoNotOptimize(activations.back().data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

BENCHMARK(forward)->Arg(128);
BENCHMARK_CAPTURE(score, revealcancel, Method::RevealCancel)->Arg(64)->Arg(128)->Arg(256);
BENCHMARK_CAPTURE(score, genomics_default, Method::GenomicsDefault)->Arg(128);
BENCHMARK_CAPTURE(score, rescale, Method::Rescale)->Arg(128);
BENCHMARK_CAPTURE(score, grad_input, Method::GradInput)->Arg(128);

}  // namespace

BENCHMARK_MAIN();
