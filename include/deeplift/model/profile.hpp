// The scalar a profile task is scored through (docs/graph-models.md): for an
// output z of S strands × L positions, flattened to N = S·L values,
// z̃ = z − mean(z), p = softmax(z̃) and f = Σᵢ pᵢ·z̃ᵢ. Computed in double:
// the DeepLIFT seeds built on it divide by small differences of z̃.
#pragma once
#include <vector>

namespace deeplift {

struct ProfileTerms {
  std::vector<double> centred;  // z̃
  std::vector<double> softmax;  // p
  double value = 0.0;           // f
};

// f and the terms it is made of, for the `n` values at `z`.
void profile_terms(const float* z, long n, ProfileTerms& terms);
double profile_value(const float* z, long n);

}  // namespace deeplift
