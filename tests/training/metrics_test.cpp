// auROC and average precision on small examples worked out by hand,
// including tied scores.
#include "deeplift/training/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace deeplift {
namespace {

TEST(Auroc, CountsTiedPairsAsHalf) {
  // Positives 0.9, 0.8, 0.3; negatives 0.8, 0.3, 0.1. Pairs won by the
  // positive: 0.9 → 3; 0.8 → 2 + ½ (tie); 0.3 → 1 + ½ (tie). 7 of 9.
  const std::vector<float> scores{0.9f, 0.8f, 0.8f, 0.3f, 0.3f, 0.1f};
  const std::vector<float> labels{1, 1, 0, 1, 0, 0};
  EXPECT_NEAR(auroc(scores, labels), 7.0 / 9.0, 1e-12);
}

TEST(Auroc, PerfectInvertedAndConstant) {
  EXPECT_DOUBLE_EQ(auroc({3, 2, 1, 0}, {1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({3, 2, 1, 0}, {0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(auroc({5, 5, 5, 5, 5}, {1, 0, 0, 1, 0}), 0.5);
  // Input order does not matter.
  EXPECT_DOUBLE_EQ(auroc({0.1f, 0.8f, 0.3f, 0.9f, 0.3f, 0.8f}, {0, 1, 0, 1, 1, 0}), 7.0 / 9.0);
}

TEST(AveragePrecision, TiesEnterAsOneThreshold) {
  // Thresholds high to low: 0.9 (TP 1, FP 0: P 1, R ⅓), 0.8 (TP 2, FP 1:
  // P ⅔, R ⅔), 0.3 (TP 3, FP 2: P ⅗, R 1), 0.1 (R unchanged).
  // AP = ⅓·1 + ⅓·⅔ + ⅓·⅗ = 34/45.
  const std::vector<float> scores{0.9f, 0.8f, 0.8f, 0.3f, 0.3f, 0.1f};
  const std::vector<float> labels{1, 1, 0, 1, 0, 0};
  EXPECT_NEAR(average_precision(scores, labels), 34.0 / 45.0, 1e-12);
}

TEST(AveragePrecision, PerfectAndConstant) {
  EXPECT_DOUBLE_EQ(average_precision({3, 2, 1, 0}, {1, 1, 0, 0}), 1.0);
  // Inverted: positives found last: R jumps at P = 1/3 and 2/4.
  EXPECT_NEAR(average_precision({3, 2, 1, 0}, {0, 0, 1, 1}), 0.5 * (1.0 / 3) + 0.5 * (2.0 / 4), 1e-12);
  // One threshold holding everything: the precision is the positive rate.
  EXPECT_DOUBLE_EQ(average_precision({5, 5, 5, 5, 5}, {1, 0, 0, 1, 0}), 0.4);
}

TEST(Metrics, UndefinedOnOneClassOrNaN) {
  EXPECT_TRUE(std::isnan(auroc({1, 2, 3}, {0, 0, 0})));
  EXPECT_TRUE(std::isnan(auroc({1, 2, 3}, {1, 1, 1})));
  EXPECT_TRUE(std::isnan(average_precision({1, 2, 3}, {0, 0, 0})));
  EXPECT_TRUE(std::isnan(auroc({1, NAN, 3}, {0, 1, 0})));
}

}  // namespace
}  // namespace deeplift
