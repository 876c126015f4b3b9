#include "deeplift/scoring/ism.hpp"

#include <algorithm>

#include "deeplift/util/allocator.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

IsmScorer::IsmScorer(const Model& model, std::vector<int> tasks, int batch_size)
    : model_(model), tasks_(std::move(tasks)), batch_size_(std::max(batch_size, 16)) {
  keep_large_allocations_in_heap();
}

void IsmScorer::score(const Matrix& input, int count, BatchScores& out) {
  const int length = model_.input_length();
  const int tasks = static_cast<int>(tasks_.size());
  const long block = static_cast<long>(length) * count;
  model_.forward(input, count, activations_);
  out.logits = model_.logits_from(activations_, count);
  out.ref_logits.resize(0, 0);
  out.multipliers.setZero(4, block * tasks);

  struct Substitution {
    int sequence, position, base;
  };
  std::vector<Substitution> pending;
  pending.reserve(batch_size_);
  mutants_.resize(4, static_cast<long>(length) * batch_size_);

  auto flush = [&]() {
    const int batch = static_cast<int>(pending.size());
    if (batch == 0) return;
    // A window costs 3·L forward passes here, so a batch of windows can take
    // many seconds: poll for Ctrl-C per batch of mutants too.
    check_interrupt();
    Matrix batch_input = mutants_.leftCols(static_cast<long>(length) * batch);
    model_.forward(batch_input, batch, activations_);
    const Matrix logits = model_.logits_from(activations_, batch);
    for (int j = 0; j < batch; ++j) {
      const auto& s = pending[j];
      for (int t = 0; t < tasks; ++t)
        out.multipliers(s.base, t * block + static_cast<long>(s.sequence) * length + s.position) =
            logits(tasks_[t], j) - out.logits(tasks_[t], s.sequence);
    }
    pending.clear();
  };

  for (int n = 0; n < count; ++n) {
    const auto sequence = input.middleCols(static_cast<long>(n) * length, length);
    for (int l = 0; l < length; ++l)
      for (int c = 0; c < 4; ++c) {
        if (sequence(c, l) == 1.0f) continue;  // the observed base: D = 0
        const int slot = static_cast<int>(pending.size());
        auto mutant = mutants_.middleCols(static_cast<long>(slot) * length, length);
        mutant = sequence;
        mutant.col(l).setZero();
        mutant(c, l) = 1.0f;
        pending.push_back({n, l, c});
        if (static_cast<int>(pending.size()) == batch_size_) flush();
      }
  }
  flush();
}

void ism_scores(const Matrix& differences, int length, int count, int tasks, Matrix& scores, Matrix* hypothetical) {
  const long block = static_cast<long>(length) * count;
  scores.resize(length, static_cast<long>(count) * tasks);
  const Eigen::RowVectorXf mean = differences.colwise().mean();
  Eigen::Map<Eigen::RowVectorXf>(scores.data(), block * tasks) = -mean;
  if (hypothetical) *hypothetical = differences.rowwise() - mean;
}

}  // namespace deeplift
