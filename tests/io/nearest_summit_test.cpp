// The nearest-summit rule (nearest_summit.hpp) against its definition,
// applied base by base by direct search: among the windows covering a base,
// the one whose summit is nearest; ties to the larger summit; among equal
// summits, the first given.
#include "deeplift/io/nearest_summit.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

namespace deeplift {
namespace {

// Index of the window owning `base` by direct search, or -1 if none covers it.
long brute_force_owner(const std::vector<long>& summits, long length, long base) {
  long best = -1;
  for (size_t i = 0; i < summits.size(); ++i) {
    const long start = summits[i] - length / 2;
    if (base < start || base >= start + length) continue;
    if (best < 0) {
      best = static_cast<long>(i);
      continue;
    }
    const long distance = std::labs(base - summits[i]), best_distance = std::labs(base - summits[best]);
    if (distance < best_distance || (distance == best_distance && summits[i] > summits[best])) best = static_cast<long>(i);
  }
  return best;
}

void expect_matches_brute_force(const std::vector<long>& summits, long length) {
  const std::vector<BaseRange> ranges = nearest_summit_ranges(summits, length);
  ASSERT_EQ(ranges.size(), summits.size());
  long low = 0, high = 0;
  for (long s : summits) {
    low = std::min(low, s - length);
    high = std::max(high, s + length);
  }
  for (long base = low; base <= high; ++base) {
    long owner = -1;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (ranges[i].empty() || base < ranges[i].begin || base >= ranges[i].end) continue;
      ASSERT_EQ(owner, -1) << "base " << base << " owned by windows " << owner << " and " << i;
      owner = static_cast<long>(i);
    }
    ASSERT_EQ(owner, brute_force_owner(summits, length, base)) << "base " << base << ", window length " << length;
  }
}

TEST(NearestSummit, RandomSummitsMatchDirectSearch) {
  std::mt19937 rng(2026);
  for (int trial = 0; trial < 400; ++trial) {
    const long length = 1 + static_cast<long>(rng() % 40);  // odd and even
    const int count = 1 + static_cast<int>(rng() % 12);
    const long span = 1 + static_cast<long>(rng() % 120);  // dense: overlaps, equal summits, exact ties
    std::vector<long> summits;
    for (int i = 0; i < count; ++i) summits.push_back(static_cast<long>(rng() % span));
    expect_matches_brute_force(summits, length);
  }
}

TEST(NearestSummit, HandPickedCases) {
  // Window 10: [s−5, s+5). Summits 0 and 6: base 3 is 3 from each, a tie,
  // so it goes to the larger summit; base 2 stays with 0.
  auto ranges = nearest_summit_ranges({0, 6}, 10);
  EXPECT_EQ(ranges[0].begin, -5);
  EXPECT_EQ(ranges[0].end, 3);
  EXPECT_EQ(ranges[1].begin, 3);
  EXPECT_EQ(ranges[1].end, 11);
  // Odd sum: summits 0 and 7 split at 4 (3 is nearer to 0, 4 to 7).
  ranges = nearest_summit_ranges({7, 0}, 10);
  EXPECT_EQ(ranges[1].end, 4);
  EXPECT_EQ(ranges[0].begin, 4);
  // Equal summits: the first given owns the window, the second nothing.
  ranges = nearest_summit_ranges({50, 20, 50}, 10);
  EXPECT_EQ(ranges[0].begin, 45);
  EXPECT_EQ(ranges[0].end, 55);
  EXPECT_TRUE(ranges[2].empty());
  EXPECT_EQ(ranges[1].begin, 15);
  EXPECT_EQ(ranges[1].end, 25);
  // Even length, summits L apart: base 10 is 5 from summit 5 (whose window
  // [0, 10) misses it) and 5 from summit 15 (whose window [10, 20) has it):
  // the tie rule gives it to the window that covers it.
  ranges = nearest_summit_ranges({5, 15}, 10);
  EXPECT_EQ(ranges[0].end, 10);
  EXPECT_EQ(ranges[1].begin, 10);
  expect_matches_brute_force({5, 15}, 10);
  EXPECT_TRUE(nearest_summit_ranges({}, 10).empty());
}

}  // namespace
}  // namespace deeplift
