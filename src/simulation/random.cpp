#include "deeplift/simulation/random.hpp"

#include <stdexcept>

// Fused multiply-add would change the last bit of results depending on the
// compiler and target; GCC in ISO mode (-std=c++17) does not contract, clang
// needs to be told.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace deeplift {

Rng::Rng(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint32_t family) {
  // seed_seq's mixing and mt19937_64::seed(seed_seq&) are both fully
  // specified by the standard ([rand.util.seedseq], [rand.eng.mers]).
  std::seed_seq sequence{static_cast<std::uint32_t>(seed),        static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(purpose),     static_cast<std::uint32_t>(index),
                         static_cast<std::uint32_t>(index >> 32), family};
  engine_.seed(sequence);
}

std::uint64_t Rng::uniform_below(std::uint64_t n) {
  // 2^64 mod n values at the bottom of the range would make small results
  // more likely; skip them.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    std::uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + uniform_below(span + 1));
}

double portable_exp_neg(double x) {
  if (!(x >= 0.0 && x <= Rng::kMaxPoissonLambda))
    throw std::invalid_argument("portable_exp_neg: argument out of range");
  int halvings = 0;
  while (x > 0.5) {  // halving is exact in binary floating point
    x *= 0.5;
    ++halvings;
  }
  // Taylor series of e^(-x) for x <= 0.5: 25 terms are far below 1 ulp.
  double term = 1.0, sum = 1.0;
  for (int n = 1; n <= 25; ++n) {
    term *= -x / n;
    sum += term;
  }
  for (int i = 0; i < halvings; ++i) sum *= sum;
  return sum;
}

unsigned Rng::poisson(double lambda) {
  if (!(lambda > 0.0 && lambda <= kMaxPoissonLambda))
    throw std::invalid_argument("Rng::poisson: lambda must be in (0, 100]");
  // Inversion: smallest k with u < P(X <= k). One uniform per draw.
  const double u = uniform01();
  double p = portable_exp_neg(lambda);
  double cdf = p;
  unsigned k = 0;
  while (u >= cdf) {
    ++k;
    p *= lambda / k;
    // Past the mode the terms only shrink; once they no longer move the cdf,
    // rounding left it just below u (chance ~1e-16) and k is already deep in
    // the tail. Stop rather than walk on until p underflows.
    if (k > lambda && cdf + p == cdf) break;
    cdf += p;
  }
  return k;
}

}  // namespace deeplift
