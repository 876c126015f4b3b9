// The linear rule shared by conv1d and dense (docs/scoring.md; paper §3.3 eq. 7-8
// with separate positive and negative multipliers, §3.5.3).
#pragma once
#include "deeplift/tensor.hpp"

namespace deeplift {

// Positive and negative parts of a weight matrix: W = W⁺ + W⁻.
Matrix positive_part(const Matrix& weights);
Matrix negative_part(const Matrix& weights);

// For each input element, `when_positive` holds its multiplier if Δx > 0
// (W⁺ᵀM⁺ + W⁻ᵀM⁻: a positive weight passes M⁺, a negative one M⁻) and
// `when_negative` its multiplier if Δx < 0 (W⁺ᵀM⁻ + W⁻ᵀM⁺). Chooses by the
// sign of `delta` ([C, L*count], repeated for each task block of the
// multipliers); Δx == 0 exactly gets w·(M⁺+M⁻)/2, the mean of the two.
// `when_positive` is overwritten with the result.
void select_by_delta_sign(const Matrix& delta, Matrix& when_positive, const Matrix& when_negative, int tasks);

}  // namespace deeplift
