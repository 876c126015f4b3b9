#include "deeplift/simulation/sampling.hpp"

#include <cmath>
#include <stdexcept>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF  // see random.cpp: keep draws bit-identical across compilers
#endif

namespace deeplift {

LetterSampler::LetterSampler(const LetterProbs& probs) {
  cumulative_[0] = probs[0];
  cumulative_[1] = cumulative_[0] + probs[1];
  cumulative_[2] = cumulative_[1] + probs[2];
}

void sample_background(Rng& rng, const LetterSampler& background, int length, std::string& out) {
  out.resize(static_cast<std::size_t>(length));
  for (char& base : out) base = background.sample(rng);
}

MotifSampler::MotifSampler(const Pwm& pwm) {
  rows_.reserve(pwm.width());
  for (const LetterProbs& row : pwm.rows) rows_.emplace_back(row);
}

std::string MotifSampler::sample(Rng& rng) const {
  std::string out(rows_.size(), 'N');
  for (std::size_t i = 0; i < rows_.size(); ++i) out[i] = rows_[i].sample(rng);
  return out;
}

std::string reverse_complement(std::string_view sequence) {
  std::string out(sequence.rbegin(), sequence.rend());
  for (char& c : out) {
    switch (c) {
      case 'A':
        c = 'T';
        break;
      case 'C':
        c = 'G';
        break;
      case 'G':
        c = 'C';
        break;
      case 'T':
        c = 'A';
        break;
      case 'a':
        c = 't';
        break;
      case 'c':
        c = 'g';
        break;
      case 'g':
        c = 'c';
        break;
      case 't':
        c = 'a';
        break;
      default:
        c = 'N';
        break;
    }
  }
  return out;
}

unsigned truncated_poisson(Rng& rng, double lambda, unsigned min, unsigned max) {
  if (min > max) throw std::invalid_argument("truncated_poisson: min > max");
  for (;;) {
    unsigned k = rng.poisson(lambda);
    if (k >= min && k <= max) return k;
  }
}

namespace {
// Poisson pmf for k = 0..max (terms by recurrence, so no lgamma).
std::vector<double> poisson_pmf_upto(double lambda, unsigned max) {
  std::vector<double> pmf(max + 1);
  double p = std::exp(-lambda);
  for (unsigned k = 0; k <= max; ++k) {
    if (k > 0) p *= lambda / k;
    pmf[k] = p;
  }
  return pmf;
}
}  // namespace

double truncated_poisson_acceptance(double lambda, unsigned min, unsigned max) {
  auto pmf = poisson_pmf_upto(lambda, max);
  double accepted = 0.0;
  for (unsigned k = min; k <= max; ++k) accepted += pmf[k];
  return accepted;
}

std::vector<double> truncated_poisson_pmf(double lambda, unsigned min, unsigned max) {
  auto pmf = poisson_pmf_upto(lambda, max);
  const double total = truncated_poisson_acceptance(lambda, min, max);
  std::vector<double> out;
  for (unsigned k = min; k <= max; ++k) out.push_back(pmf[k] / total);
  return out;
}

std::optional<int> place_nonoverlapping(Rng& rng, int length, int width, const std::vector<Interval>& occupied) {
  auto fits = [&](int start) {
    for (const Interval& other : occupied)
      if (start < other.end && other.start < start + width) return false;
    return true;
  };
  if (width > length) return std::nullopt;
  // Check first that some start fits, so the rejection loop below terminates.
  bool any = false;
  for (int start = 0; start <= length - width && !any; ++start) any = fits(start);
  if (!any) return std::nullopt;
  for (;;) {
    int start = static_cast<int>(rng.uniform_int(0, length - width));
    if (fits(start)) return start;
  }
}

}  // namespace deeplift
