// The portable random helpers: ranges, permutations, repeatability, and
// independence of derived streams.
#include "deeplift/training/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace deeplift {
namespace {

TEST(Random, BelowStaysInRangeAndCoversIt) {
  Random random(1);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const uint64_t v = random.below(7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_NEAR(h, 1000, 150);  // ≈ 5 σ
}

TEST(Random, UniformStaysInRange) {
  Random random(2);
  for (int i = 0; i < 10000; ++i) {
    const float v = random.uniform(-0.5f, 0.25f);
    ASSERT_GE(v, -0.5f);
    ASSERT_LE(v, 0.25f);
  }
}

TEST(Random, ShuffleIsARepeatablePermutation) {
  std::vector<int> a(100), b(100);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 0);
  Random first(3), second(3);
  first.shuffle(a);
  second.shuffle(b);
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);
}

TEST(Random, DerivedSeedsDiffer) {
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
  EXPECT_NE(derive_seed(1, 0), derive_seed(2, 0));
  EXPECT_EQ(derive_seed(5, 3), derive_seed(5, 3));
}

}  // namespace
}  // namespace deeplift
