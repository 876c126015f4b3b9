// DeepLIFT (revealcancel, rescale, genomics-default) and gradient×input on a
// batch of one-hot sequences: a forward pass of the inputs and of their
// references, then one backward pass carrying the multipliers of every
// selected task at once (docs/scoring.md, docs/performance.md).
//
// One scorer per thread: it owns its workspaces, which are reused batch
// after batch.
#pragma once
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/method.hpp"

namespace deeplift {

struct BatchScores {
  // Logits of every task of the model (not only the scored ones), [all
  // tasks, count]: scored, i.e. mean-normalised for softmax models.
  Matrix logits;
  Matrix ref_logits;   // [all tasks, count]; empty for ism
  // Multipliers of the one-hot input, [4, L*count*tasks], task-major; for
  // ism, the substitution effects D[c, l].
  Matrix multipliers;
};

class DeepLiftScorer {
 public:
  // `tasks` are indices into model.tasks(), in output order.
  DeepLiftScorer(const Model& model, Method method, std::vector<int> tasks);

  // A reference used for every sequence ([4, L]); its forward pass runs here, once.
  void set_shared_reference(const Matrix& reference);
  // Scores `count` sequences ([4, L*count]) against the shared reference.
  void score(const Matrix& input, int count, BatchScores& out);
  // Scores `count` sequences, each against its own reference ([4, L*count]).
  void score(const Matrix& input, const Matrix& references, int count, BatchScores& out);

 private:
  // `shared_reference`: ref_activations_ repeat the shared reference's.
  void backward(int count, bool shared_reference, BatchScores& out);

  const Model& model_;
  std::vector<int> tasks_;
  std::vector<NonlinearRule> rules_;  // per layer (used by elementwise layers)
  std::vector<Matrix> activations_, ref_activations_;
  std::vector<Matrix> delta_plus_, delta_minus_;  // per layer boundary, when split
  std::vector<Multipliers> multipliers_;          // per layer boundary: of layer i's input
  std::vector<Matrix> shared_ref_one_;            // shared reference, one sequence
  int shared_replicated_count_ = -1;
};

// Per-position scores and hypothetical contributions from input multipliers
// (docs/scoring.md): s[l] = Σ_c m[c,l]·Δx[c,l] and H[c,l] = m[c,l] − Σ_c' ref[c',l]·m[c',l].
// `references` is [4, L*count]. Writes scores [L, count*tasks] and, unless
// null, hypothetical [4, L*count*tasks].
void contribution_scores(const Matrix& multipliers, const Matrix& input, const Matrix& references, int length,
                         int count, int tasks, Matrix& scores, Matrix* hypothetical);

}  // namespace deeplift
