#include "deeplift/scoring/window_average.hpp"

#include <algorithm>

namespace deeplift {

WindowAverage::WindowAverage(int tasks, int window_length)
    : tasks_(tasks), window_length_(window_length), sums_(tasks) {}

void WindowAverage::emit_until(long position, const Emit& emit) {
  const long count = std::min<long>(position - offset_, static_cast<long>(coverage_.size()));
  if (count <= 0) return;
  out_.resize(count);
  for (int t = 0; t < tasks_; ++t) {
    for (long i = 0; i < count; ++i) out_[i] = static_cast<float>(sums_[t][i] / coverage_[i]);
    emit(t, offset_, out_.data(), count);
    sums_[t].erase(sums_[t].begin(), sums_[t].begin() + count);
  }
  coverage_.erase(coverage_.begin(), coverage_.begin() + count);
  offset_ += count;
}

void WindowAverage::add(long start, const float* scores, long stride_between_tasks, const Emit& emit) {
  if (coverage_.empty()) offset_ = start;
  emit_until(start, emit);  // bases before this window are covered by no later window
  const long needed = start - offset_ + window_length_;
  if (static_cast<long>(coverage_.size()) < needed) {
    coverage_.resize(needed, 0);
    for (auto& sums : sums_) sums.resize(needed, 0.0);
  }
  const long base = start - offset_;
  for (long l = 0; l < window_length_; ++l) ++coverage_[base + l];
  for (int t = 0; t < tasks_; ++t)
    for (long l = 0; l < window_length_; ++l) sums_[t][base + l] += scores[t * stride_between_tasks + l];
}

void WindowAverage::finish(long end, const Emit& emit) {
  emit_until(end, emit);
  coverage_.clear();
  for (auto& sums : sums_) sums.clear();
  offset_ = 0;
}

}  // namespace deeplift
