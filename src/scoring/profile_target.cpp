#include "deeplift/scoring/profile_target.hpp"

#include <cmath>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/model/profile.hpp"

namespace deeplift {

ProfileTarget parse_profile_target(const std::string& name) {
  if (name == "bpnet-lite") return ProfileTarget::BpnetLite;
  if (name == "chrombpnet") return ProfileTarget::ChromBpnet;
  throw UsageError("unknown profile target '" + name + "' (choose one of: bpnet-lite, chrombpnet)");
}

const char* profile_target_name(ProfileTarget target) {
  return target == ProfileTarget::BpnetLite ? "bpnet-lite" : "chrombpnet";
}

namespace {

// seedⱼ = mⱼ − mean(m): the multipliers of z̃ carried back through the
// mean subtraction z̃ = z − mean(z) (a linear layer).
void centre_into(const std::vector<double>& m, float* seed) {
  double mean = 0.0;
  for (double v : m) mean += v;
  mean /= static_cast<double>(m.size());
  for (size_t j = 0; j < m.size(); ++j) seed[j] = static_cast<float>(m[j] - mean);
}

}  // namespace

void profile_seed(ProfileTarget target, const float* z, const float* z_ref, long n, float* seed) {
  thread_local ProfileTerms at_input, at_reference;
  thread_local std::vector<double> m;
  profile_terms(z, n, at_input);
  profile_terms(z_ref, n, at_reference);
  m.resize(static_cast<size_t>(n));
  if (target == ProfileTarget::ChromBpnet) {
    // ½(pⱼ(x) + pⱼ(r)) − 1/N: weights held fixed, then the mean subtraction.
    for (long j = 0; j < n; ++j) seed[j] = static_cast<float>(0.5 * (at_input.softmax[j] + at_reference.softmax[j]) -
                                                              1.0 / static_cast<double>(n));
    return;
  }
  for (long i = 0; i < n; ++i) {
    const double x = at_input.centred[i], r = at_reference.centred[i];
    const double p = at_input.softmax[i];
    const double delta = x - r;
    // Rescale of hᵢ = z̃ᵢ·pᵢ; at a tiny Δz̃ᵢ, ∂hᵢ/∂z̃ᵢ at x with the other entries fixed.
    m[i] = std::abs(delta) >= kProfileDeltaGuard ? (x * p - r * at_reference.softmax[i]) / delta
                                                 : p * (1.0 + x * (1.0 - p));
  }
  centre_into(m, seed);
}

void profile_gradient_seed(const float* z, long n, float* seed) {
  thread_local ProfileTerms terms;
  thread_local std::vector<double> g;
  profile_terms(z, n, terms);
  g.resize(static_cast<size_t>(n));
  for (long j = 0; j < n; ++j) g[j] = terms.softmax[j] * (1.0 + terms.centred[j] - terms.value);
  centre_into(g, seed);
}

}  // namespace deeplift
