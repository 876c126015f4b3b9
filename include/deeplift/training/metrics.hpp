// Ranking metrics of one task, computed exactly (no threshold grid), with
// tied scores handled as scikit-learn does:
// - auROC: the Mann–Whitney rank statistic with average ranks for ties,
//   (Σ ranks of positives − P(P+1)/2) / (P·N), which counts a tied
//   positive/negative pair as ½ — roc_auc_score;
// - auPRC: average precision Σ_k (R_k − R_{k−1})·P_k over the distinct score
//   thresholds, highest first (a block of ties enters at once) —
//   average_precision_score.
// Both are NaN when the labels hold only one class.
#pragma once
#include <vector>

namespace deeplift {

// `labels` are 0 or 1 (anything > 0.5 counts as positive).
double auroc(const std::vector<float>& scores, const std::vector<float>& labels);
double average_precision(const std::vector<float>& scores, const std::vector<float>& labels);

}  // namespace deeplift
