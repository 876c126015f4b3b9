#include "deeplift/model/profile.hpp"

#include <algorithm>
#include <cmath>

namespace deeplift {

void profile_terms(const float* z, long n, ProfileTerms& terms) {
  terms.centred.resize(static_cast<size_t>(n));
  terms.softmax.resize(static_cast<size_t>(n));
  double mean = 0.0;
  for (long i = 0; i < n; ++i) mean += z[i];
  mean /= static_cast<double>(n);
  double largest = -HUGE_VAL;
  for (long i = 0; i < n; ++i) {
    terms.centred[i] = static_cast<double>(z[i]) - mean;
    largest = std::max(largest, terms.centred[i]);
  }
  double total = 0.0;
  for (long i = 0; i < n; ++i) total += terms.softmax[i] = std::exp(terms.centred[i] - largest);
  terms.value = 0.0;
  for (long i = 0; i < n; ++i) {
    terms.softmax[i] /= total;
    terms.value += terms.softmax[i] * terms.centred[i];
  }
}

double profile_value(const float* z, long n) {
  thread_local ProfileTerms terms;
  profile_terms(z, n, terms);
  return terms.value;
}

}  // namespace deeplift
