// Per-base scores of a record scored in overlapping windows: each base gets
// the mean over the windows covering it (docs/outputs.md). Windows arrive in start
// order, so every base before the next window's start is final and is handed
// on at once: memory is one window plus one stride, however long the record.
#pragma once
#include <functional>
#include <vector>

namespace deeplift {

class WindowAverage {
 public:
  // `emit(task, first_base, scores, count)` receives final per-base means in order.
  using Emit = std::function<void(int task, long first_base, const float* scores, long count)>;

  WindowAverage(int tasks, int window_length);
  // Adds a window at `start` with `tasks` blocks of window_length scores
  // (block t at scores[t * stride_between_tasks]). Starts must not decrease.
  // Bases that no later window can cover go to `emit`.
  void add(long start, const float* scores, long stride_between_tasks, const Emit& emit);
  // Emits everything up to `end` (the record's end) and resets.
  void finish(long end, const Emit& emit);

 private:
  void emit_until(long position, const Emit& emit);

  int tasks_, window_length_;
  long offset_ = 0;  // record position of sums_[t][0]
  std::vector<std::vector<double>> sums_;
  std::vector<int> coverage_;
  std::vector<float> out_;
};

}  // namespace deeplift
