#include "deeplift/training/loss.hpp"

#include <cmath>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

Eigen::ArrayXf weight_array(const std::vector<float>& values, int tasks, const char* which) {
  if (values.empty()) return Eigen::ArrayXf::Ones(tasks);
  if (static_cast<int>(values.size()) != tasks)
    throw UsageError(std::string(which) + " class weights: " + std::to_string(values.size()) + " values for " +
                     std::to_string(tasks) + " tasks");
  for (float w : values)
    if (!(w >= 0.0f) || !std::isfinite(w)) throw UsageError(std::string(which) + " class weights must be finite and >= 0");
  return Eigen::Map<const Eigen::ArrayXf>(values.data(), tasks);
}

}  // namespace

Loss::Loss(OutputKind output, int tasks, ClassWeights weights) : output_(output), tasks_(tasks) {
  if (output == OutputKind::Linear)
    throw UsageError("the architecture's output is \"linear\"; training needs \"sigmoid\" or \"softmax\"");
  if (output == OutputKind::Softmax && (!weights.negative.empty() || !weights.positive.empty()))
    throw UsageError("class weights apply to sigmoid outputs only");
  negative_ = weight_array(weights.negative, tasks, "negative");
  positive_ = weight_array(weights.positive, tasks, "positive");
}

double Loss::evaluate(const Matrix& logits, const Matrix& targets, float scale, Matrix* gradient) const {
  if (logits.rows() != tasks_ || targets.rows() != tasks_ || targets.cols() != logits.cols())
    throw Error("loss: logits and targets do not match");
  const long count = logits.cols();
  if (gradient) gradient->resize(tasks_, count);
  double total = 0.0;
  if (output_ == OutputKind::Sigmoid) {
    const float per_task = 1.0f / static_cast<float>(tasks_);
    for (long n = 0; n < count; ++n) {
      const auto z = logits.col(n).array();
      const auto y = targets.col(n).array();
      const Eigen::ArrayXf w = y * positive_ + (1.0f - y) * negative_;
      // log(1 + e^z) − z·y rewritten so that e^x never overflows.
      const Eigen::ArrayXf terms = z.max(0.0f) - z * y + (-z.abs()).exp().log1p();
      total += static_cast<double>((w * terms).sum()) * per_task;
      if (gradient) {
        const Eigen::ArrayXf p = 1.0f / (1.0f + (-z).exp());
        gradient->col(n) = (scale * per_task * w * (p - y)).matrix();
      }
    }
    return total;
  }
  for (long n = 0; n < count; ++n) {
    const auto z = logits.col(n).array();
    const auto y = targets.col(n).array();
    const float top = z.maxCoeff();
    const Eigen::ArrayXf e = (z - top).exp();
    const float sum = e.sum();
    total += static_cast<double>(top) + std::log(static_cast<double>(sum)) - static_cast<double>((y * z).sum());
    if (gradient) gradient->col(n) = (scale * (e / sum - y)).matrix();
  }
  return total;
}

}  // namespace deeplift
