// The machine's float32 GEMM rate with Eigen, built like the library
// (same flags, single-threaded Eigen): the roofline scripts/bench compares
// each scoring method's achieved GFLOP/s with (docs/performance.md). Sizes:
// a square product for the peak, and the products the bundled model
// (data/models/gata_tal.safetensors: conv 4→50 k11, conv 50→50 k11 over 200
// bp) and the docs/model-format.md example run per batch.
// Reports GFLOP/s (2·M·N·K per product) per second of one thread's CPU time,
// which a busy shared machine disturbs less than wall-clock time; the
// two-thread case runs a product per thread, as score-seqs' workers do, on
// wall-clock time.
#include <benchmark/benchmark.h>

#include <random>

#include "deeplift/tensor.hpp"

namespace {

using deeplift::Matrix;

Matrix random_matrix(long rows, long cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Matrix m(rows, cols);
  for (long i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// C[M×N] = A[M×K] · B[K×N], or Aᵀ·B with A stored [K×M] (the backward
// passes multiply by a transposed weight).
void gemm(benchmark::State& state, bool transposed_a) {
  const long m = state.range(0), k = state.range(1), n = state.range(2);
  const Matrix a = transposed_a ? random_matrix(k, m, 1) : random_matrix(m, k, 1);
  const Matrix b = random_matrix(k, n, 2);
  Matrix c(m, n);
  for (auto _ : state) {
    if (transposed_a)
      c.noalias() = a.transpose() * b;
    else
      c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * m * k * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The peak: large enough that packing is amortised, small enough to stay in L2/L3.
BENCHMARK_CAPTURE(gemm, square, false)->Args({512, 512, 512});
// Both cores at once, each its own product (wall-clock time: meaningful only on an idle machine).
BENCHMARK_CAPTURE(gemm, square_two_threads, false)->Args({512, 512, 512})->Threads(2)->UseRealTime();
// Bundled model, conv2 forward, one sequence: W[50 × 11·50] · unfolded input [550 × 180].
BENCHMARK_CAPTURE(gemm, bundled_conv2_forward, false)->Args({50, 550, 180});
// Bundled model, conv2 backward, 16 windows × 3 tasks: Wᵀ[550 × 50] · M[50 × 180·48].
BENCHMARK_CAPTURE(gemm, bundled_conv2_backward, true)->Args({550, 50, 8640});
// Bundled model, conv1 forward, one sequence: W[50 × 11·4] · one-hot unfolded [44 × 190].
BENCHMARK_CAPTURE(gemm, bundled_conv1_forward, false)->Args({50, 44, 190});
// docs/model-format.md example, conv1 forward, one sequence: W[20 × 15·4] · [60 × 186].
BENCHMARK_CAPTURE(gemm, example_conv1_forward, false)->Args({20, 60, 186});
// docs/model-format.md example, fc2 backward, 128 windows × 3 tasks: Wᵀ[200 × 200] · M[200 × 384].
BENCHMARK_CAPTURE(gemm, example_fc2_backward, true)->Args({200, 200, 384});

}  // namespace

BENCHMARK_MAIN();
