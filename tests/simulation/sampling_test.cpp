#include "deeplift/simulation/sampling.hpp"

#include <gtest/gtest.h>

namespace deeplift {
namespace {

TEST(Sampling, ReverseComplement) {
  EXPECT_EQ(reverse_complement("GATAAG"), "CTTATC");
  EXPECT_EQ(reverse_complement("CAGATG"), "CATCTG");
  EXPECT_EQ(reverse_complement("acgtN"), "Nacgt");
  EXPECT_EQ(reverse_complement(""), "");
}

// docs/simulation.md (the paper's procedure, step 4): lambda 2 → .375/.375/.25,
// lambda 1 → .6/.3/.1.
TEST(Sampling, TruncatedPoissonPmfMatchesThePaper) {
  auto two = truncated_poisson_pmf(2.0, 1, 3);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_NEAR(two[0], 0.375, 1e-12);
  EXPECT_NEAR(two[1], 0.375, 1e-12);
  EXPECT_NEAR(two[2], 0.25, 1e-12);
  auto one = truncated_poisson_pmf(1.0, 1, 3);
  EXPECT_NEAR(one[0], 0.6, 1e-12);
  EXPECT_NEAR(one[1], 0.3, 1e-12);
  EXPECT_NEAR(one[2], 0.1, 1e-12);
  EXPECT_NEAR(truncated_poisson_acceptance(1.0, 1, 3), std::exp(-1.0) * (1 + 0.5 + 1.0 / 6), 1e-12);
}

TEST(Sampling, TruncatedPoissonStaysInRange) {
  Rng rng(5, Rng::Purpose::Sequence, 0);
  for (int i = 0; i < 2000; ++i) {
    unsigned k = truncated_poisson(rng, 1.0, 1, 3);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 3u);
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(truncated_poisson(rng, 2.0, 2, 2), 2u);
}

TEST(Sampling, PlacementAllowsTouchingNotOverlapping) {
  Rng rng(9, Rng::Purpose::Sequence, 0);
  // Only one start (10) is left for a 10-mer in 20 bp with [0,10) taken.
  for (int i = 0; i < 50; ++i) EXPECT_EQ(place_nonoverlapping(rng, 20, 10, {{0, 10}}), 10);
  EXPECT_EQ(place_nonoverlapping(rng, 20, 10, {{0, 10}, {10, 20}}), std::nullopt);
  EXPECT_EQ(place_nonoverlapping(rng, 20, 10, {{5, 15}}), std::nullopt);  // fragments too short
  EXPECT_EQ(place_nonoverlapping(rng, 9, 10, {}), std::nullopt);
  for (int i = 0; i < 200; ++i) {
    auto start = place_nonoverlapping(rng, 30, 4, {{10, 20}});
    ASSERT_TRUE(start);
    EXPECT_TRUE(*start + 4 <= 10 || *start >= 20) << *start;
  }
}

TEST(Sampling, OneHotRowsAreSampledExactly) {
  Rng rng(1, Rng::Purpose::Sequence, 0);
  MotifSampler sampler(Pwm::from_pattern("CAGATG", "CAGATG"));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sampler.sample(rng), "CAGATG");
  LetterSampler only_t({0.0, 0.0, 0.0, 1.0});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(only_t.sample(rng), 'T');
}

TEST(Sampling, BackgroundHasRequestedLength) {
  Rng rng(1, Rng::Purpose::Sequence, 0);
  std::string s = "xyz";
  sample_background(rng, LetterSampler({0.25, 0.25, 0.25, 0.25}), 200, s);
  ASSERT_EQ(s.size(), 200u);
  EXPECT_EQ(s.find_first_not_of("ACGT"), std::string::npos);
}

}  // namespace
}  // namespace deeplift
