#include "deeplift/training/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

// Indices sorted by score, descending; ties keep index order (the order is
// irrelevant to both metrics because ties are always taken as a block).
std::vector<size_t> by_score_descending(const std::vector<float>& scores, const std::vector<float>& labels) {
  if (scores.size() != labels.size()) throw Error("metrics: scores and labels differ in length");
  // A NaN would break the sort's ordering (a diverged model): no ranking.
  for (float score : scores)
    if (std::isnan(score)) return {};
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double auroc(const std::vector<float>& scores, const std::vector<float>& labels) {
  const auto order = by_score_descending(scores, labels);
  if (order.size() != scores.size()) return std::numeric_limits<double>::quiet_NaN();
  const size_t n = order.size();
  double positives = 0, rank_sum = 0;
  // Ranks ascend from the lowest score: the block [i, j) of the descending
  // order holds ranks n−j+1 … n−i, average (2n − i − j + 1)/2.
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double block_positives = 0;
    while (j < n && scores[order[j]] == scores[order[i]]) block_positives += labels[order[j++]] > 0.5f;
    rank_sum += block_positives * (2.0 * static_cast<double>(n) - static_cast<double>(i) - static_cast<double>(j) + 1) / 2.0;
    positives += block_positives;
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

double average_precision(const std::vector<float>& scores, const std::vector<float>& labels) {
  const auto order = by_score_descending(scores, labels);
  if (order.size() != scores.size()) return std::numeric_limits<double>::quiet_NaN();
  double positives = 0;
  for (float label : labels) positives += label > 0.5f;
  if (positives == 0 || positives == static_cast<double>(labels.size())) return std::numeric_limits<double>::quiet_NaN();
  double true_positives = 0, taken = 0, recall = 0, precision_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) true_positives += labels[order[j++]] > 0.5f;
    taken = static_cast<double>(j);
    const double new_recall = true_positives / positives;
    precision_sum += (new_recall - recall) * (true_positives / taken);
    recall = new_recall;
    i = j;
  }
  return precision_sum;
}

}  // namespace deeplift
