// Seeded random numbers whose output is identical bit for bit on every
// platform, standard library and thread count (docs/simulation.md,
// reproducibility: a --seed makes a run bit-for-bit reproducible).
//
// std::mt19937_64 and std::seed_seq are specified exactly by the C++ standard,
// so the raw 64-bit stream is portable. The std::*_distribution classes are
// not (their algorithms are implementation-defined), so every distribution the
// simulator needs is implemented here on top of the raw stream.
#pragma once
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace deeplift {

class Rng {
 public:
  // Independent streams of one run. Each simulated sequence gets its own
  // stream keyed by (seed, purpose, index, family), so a sequence's content
  // does not depend on how sequences are split between threads. `family`
  // separates kinds of data set (the simulation passes its preset), so two
  // presets run with the same seed do not share backgrounds.
  enum class Purpose : std::uint32_t { ClassOrder = 0, Sequence = 1 };

  Rng(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint32_t family = 0);

  std::uint64_t next() { return engine_(); }

  // Uniform in [0, 1) with 53 random bits (every value a multiple of 2^-53).
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) without modulo bias (rejection of the short last block).
  // n must be > 0.
  std::uint64_t uniform_below(std::uint64_t n);

  // Uniform in [lo, hi], lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);

  // Poisson(lambda) by sequential inversion; 0 < lambda <= kMaxPoissonLambda.
  // Uses only +, *, / and a portable exp (no libm), so the draws are exact
  // functions of the raw stream.
  unsigned poisson(double lambda);
  static constexpr double kMaxPoissonLambda = 100.0;

  // Fisher–Yates with uniform_below.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(uniform_below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// e^(-x) for 0 <= x <= kMaxPoissonLambda from +, *, / only (range reduction
// by halving, Taylor series, repeated squaring); relative error < 1e-12
// (squaring doubles the error each time; ~1e-16 for the λ ≤ 2 used here).
// libm's exp may differ in the last bit between platforms; this does not.
double portable_exp_neg(double x);

}  // namespace deeplift
