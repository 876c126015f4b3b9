// Seed multipliers of a profile task (docs/graph-models.md): the multipliers
// of the output z ([S, L] flattened, N = S·L values) with respect to the
// task's target f = Σᵢ softmax(z̃)ᵢ·z̃ᵢ, z̃ = z − mean(z). Computed in double
// and only then stored as float32: the Rescale of z̃ᵢ·pᵢ divides by Δz̃ᵢ,
// which crosses zero somewhere in almost every (sequence, reference) pair.
#pragma once
#include <string>

namespace deeplift {

enum class ProfileTarget {
  // bpnet-lite / tangermeme: hᵢ = z̃ᵢ·pᵢ is one elementwise Rescale
  // nonlinearity, so scores sum to f(x) − f(r) exactly.
  BpnetLite,
  // ChromBPNet's shap fork: the softmax weights held fixed, the mean of
  // p(x) and p(r); does not sum to f(x) − f(r).
  ChromBpnet,
};

// "bpnet-lite" or "chrombpnet"; throws UsageError naming both otherwise.
ProfileTarget parse_profile_target(const std::string& name);
const char* profile_target_name(ProfileTarget target);

// Below this |Δz̃ᵢ| the bpnet-lite seed uses the derivative of hᵢ at x
// instead of the difference quotient (docs/graph-models.md).
constexpr double kProfileDeltaGuard = 1e-6;

// Seeds for DeepLIFT: `z` and `z_ref` are the `n` output values at the
// input and at its reference; writes `n` seeds.
void profile_seed(ProfileTarget target, const float* z, const float* z_ref, long n, float* seed);
// Seeds for the gradient methods: ∂f/∂zⱼ = pⱼ(1 + z̃ⱼ − f) − meanₖ pₖ(1 + z̃ₖ − f) at z.
void profile_gradient_seed(const float* z, long n, float* seed);

}  // namespace deeplift
