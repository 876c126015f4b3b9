// The seeded RNG: portable raw stream, unbiased bounded integers, exact-ish
// exp, Poisson law. Chi-square critical values are for p = 1e-4.
#include "deeplift/simulation/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace deeplift {
namespace {

TEST(Random, Mt19937_64IsTheStandardEngine) {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64.
  std::mt19937_64 engine;
  engine.discard(9999);
  EXPECT_EQ(engine(), 9981545732273789042ULL);
}

TEST(Random, StreamsAreKeyedBySeedPurposeAndIndex) {
  Rng a(1, Rng::Purpose::Sequence, 0), b(1, Rng::Purpose::Sequence, 0);
  Rng c(1, Rng::Purpose::Sequence, 1), d(2, Rng::Purpose::Sequence, 0), e(1, Rng::Purpose::ClassOrder, 0);
  Rng f(1, Rng::Purpose::Sequence, 0, 1);
  const auto first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  EXPECT_NE(first, d.next());
  EXPECT_NE(first, e.next());
  EXPECT_NE(first, f.next());
  // High 32 bits of seed and index take part too.
  EXPECT_NE(Rng(1, Rng::Purpose::Sequence, 0).next(), Rng(1ULL << 32 | 1, Rng::Purpose::Sequence, 0).next());
  EXPECT_NE(Rng(1, Rng::Purpose::Sequence, 0).next(), Rng(1, Rng::Purpose::Sequence, 1ULL << 32).next());
}

// Pinned outputs: seed_seq and mt19937_64 are fully specified by the
// standard, our distributions use only integer ops and IEEE + * /, so these
// values must be the same on every platform. A change here changes every
// user's simulated data set; do it only on purpose.
TEST(Random, PinnedValues) {
  Rng rng(1, Rng::Purpose::Sequence, 0);
  EXPECT_EQ(rng.next(), 8497331093839363326ULL);
  EXPECT_EQ(rng.uniform_below(1000), 665u);
  EXPECT_EQ(rng.uniform01(), 0x1.6cbf03857359dp-1);
  std::vector<unsigned> draws;
  for (int i = 0; i < 8; ++i) draws.push_back(rng.poisson(2.0));
  EXPECT_EQ(draws, (std::vector<unsigned>{2, 1, 0, 0, 3, 2, 2, 1}));
}

TEST(Random, UniformBelowIsUniform) {
  Rng rng(7, Rng::Purpose::Sequence, 3);
  const int bins = 7, draws = 70000;
  std::vector<int> counts(bins, 0);
  for (int i = 0; i < draws; ++i) {
    auto v = rng.uniform_below(bins);
    ASSERT_LT(v, static_cast<std::uint64_t>(bins));
    ++counts[v];
  }
  double chi2 = 0.0, expected = double(draws) / bins;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 27.856);  // 6 dof, p = 1e-4
  EXPECT_EQ(rng.uniform_below(1), 0u);
  for (int i = 0; i < 1000; ++i) {
    auto v = rng.uniform_int(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
  }
}

TEST(Random, Uniform01InHalfOpenUnitInterval) {
  Rng rng(3, Rng::Purpose::Sequence, 0);
  double sum = 0.0;
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) {
    double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // mean 1/2, sd of the mean sqrt(1/12/n); 5 sigma
  EXPECT_NEAR(sum / draws, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / draws));
}

TEST(Random, PortableExpMatchesLibm) {
  for (double x = 0.0; x <= 100.0; x += 0.37) {
    const double expected = std::exp(-x);
    EXPECT_NEAR(portable_exp_neg(x), expected, 1e-12 * expected) << "x = " << x;
  }
  EXPECT_EQ(portable_exp_neg(0.0), 1.0);
}

TEST(Random, PoissonFollowsItsLaw) {
  for (double lambda : {1.0, 2.0, 7.5}) {
    Rng rng(11, Rng::Purpose::Sequence, static_cast<std::uint64_t>(lambda * 10));
    const int draws = 50000, top = 12;  // bins 0..11 and >= 12
    std::vector<int> counts(top + 1, 0);
    for (int i = 0; i < draws; ++i) ++counts[std::min<unsigned>(rng.poisson(lambda), top)];
    std::vector<double> pmf(top + 1);
    double p = std::exp(-lambda), below = 0.0;
    for (int k = 0; k < top; ++k) {
      pmf[k] = p;
      below += p;
      p *= lambda / (k + 1);
    }
    pmf[top] = 1.0 - below;
    // Pool bins with expected counts below 5 into their neighbour (standard
    // chi-square validity rule), then compare.
    double chi2 = 0.0, obs = 0.0, exp = 0.0;
    int dof = -1;
    for (int k = 0; k <= top; ++k) {
      obs += counts[k];
      exp += pmf[k] * draws;
      if (exp >= 5.0 || k == top) {
        if (exp > 0) {
          chi2 += (obs - exp) * (obs - exp) / exp;
          ++dof;
        }
        obs = exp = 0.0;
      }
    }
    // 1e-4 critical values for up to 12 dof are below 37.7.
    EXPECT_LT(chi2, 37.7) << "lambda " << lambda << ", " << dof << " dof";
  }
}

}  // namespace
}  // namespace deeplift
