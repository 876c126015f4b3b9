// DeepLIFT (revealcancel, rescale, genomics-default) and gradient×input on a
// batch of one-hot sequences: a forward pass of the inputs and of their
// references, then one backward pass carrying the multipliers of every
// selected task at once (docs/scoring.md, docs/performance.md).
//
// One scorer per thread: it owns its workspaces, which are reused batch
// after batch.
#pragma once
#include <string>
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/profile_target.hpp"

namespace deeplift {

struct BatchScores {
  // Targets of every task of the model (not only the scored ones), [all
  // tasks, count], one column per input sequence: a scalar task's logit
  // (mean-normalised for softmax models), a profile task's f.
  Matrix logits;
  // The same for the references, one column per (sequence, reference)
  // pair: [all tasks, count·K] (K = 1 but for score(..., K, ...)); empty for ism.
  Matrix ref_logits;
  // Multipliers of the one-hot input, [4, L·count·K·tasks], task-major over
  // the count·K pairs; for ism, the substitution effects D[c, l].
  Matrix multipliers;
};

struct DeepLiftOptions {
  // How a profile task's target seeds its output's multipliers (DeepLIFT
  // methods; the gradient methods use the gradient of f).
  ProfileTarget profile_target = ProfileTarget::BpnetLite;
};

class DeepLiftScorer {
 public:
  // `tasks` are indices into model.tasks(), in output order.
  DeepLiftScorer(const Model& model, Method method, std::vector<int> tasks, DeepLiftOptions options = {});

  // A reference used for every sequence ([4, L]); its forward pass runs here, once.
  void set_shared_reference(const Matrix& reference);
  // Scores `count` sequences ([4, L*count]) against the shared reference.
  void score(const Matrix& input, int count, BatchScores& out);
  // Scores `count` sequences, each against its own reference ([4, L*count]).
  void score(const Matrix& input, const Matrix& references, int count, BatchScores& out);
  // Scores `count` sequences ([4, L*count]) against K = references_per_input
  // references each: references is [4, L*count*K], column block n*K + k
  // holding sequence n's k-th reference. Each sequence's forward pass runs
  // once; the result is as if every sequence were repeated K times
  // (BatchScores: multipliers over the count·K pairs, pair n*K + k).
  void score(const Matrix& input, const Matrix& references, int count, int references_per_input, BatchScores& out);

  // Elementwise layers for which the method asks RevealCancel but no Δ
  // split could be had (docs/graph-models.md): they use Rescale. Empty for
  // the other methods.
  const std::vector<std::string>& rescale_fallbacks() const { return rescale_fallbacks_; }

 private:
  // `pairs` (sequence, reference) pairs; `shared_reference`:
  // ref_activations_ repeat the shared reference's.
  void backward(int pairs, bool shared_reference, BatchScores& out);
  void seed(int pairs);
  // Δz⁺/Δz⁻ of node `node` for `pairs` pairs, dense [C, L·pairs]; false
  // when no layer with weights contributes to it.
  bool delta_split(int node, int pairs, Matrix& plus, Matrix& minus) const;
  // Multipliers of `node` in the unsplit form: M⁺ where Δ > 0, M⁻ where
  // Δ < 0, their mean where Δ == 0.
  void resolve_split(int node, int pairs);
  // Adds `incoming` to node's multipliers (which are present).
  void add_to(int node, int pairs, Multipliers& incoming);
  // Storage for a node that has no multipliers yet.
  Multipliers& fresh(int node, int pairs);
  void release(int node);

  const Model& model_;
  std::vector<int> tasks_;
  Method method_;
  DeepLiftOptions options_;
  std::vector<NonlinearRule> rules_;  // per layer (used by elementwise layers)
  std::vector<std::string> rescale_fallbacks_;
  std::vector<int> uses_;      // per node: inputs of layers reading it
  std::vector<bool> seeded_;   // per node: a scored task's output
  bool pool_storage_ = false;  // graphs: free a node's multipliers once used
  std::vector<Matrix> activations_, ref_activations_;  // per node, `pairs` wide
  std::vector<Matrix> input_activations_;              // per node, one per sequence (K > 1)
  Matrix delta_plus_, delta_minus_;
  std::vector<Multipliers> multipliers_;  // per node: of that node's output
  std::vector<bool> present_;             // per node: multipliers_ holds this batch's
  std::vector<Multipliers> spare_;        // released storage (graphs)
  Multipliers scratch_;
  std::vector<Multipliers> scratch_inputs_;
  std::vector<Matrix> shared_ref_one_;  // shared reference, one sequence
  int shared_replicated_count_ = -1;
};

// Per-position scores and hypothetical contributions from input multipliers
// (docs/scoring.md): s[l] = Σ_c m[c,l]·Δx[c,l] and H[c,l] = m[c,l] − Σ_c' ref[c',l]·m[c',l].
// `references` is [4, L*count]. Writes scores [L, count*tasks] and, unless
// null, hypothetical [4, L*count*tasks].
void contribution_scores(const Matrix& multipliers, const Matrix& input, const Matrix& references, int length,
                         int count, int tasks, Matrix& scores, Matrix* hypothetical);

}  // namespace deeplift
