#include "deeplift/motifs/meme_writer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace deeplift {

namespace {

bool has_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// Millionths of each probability, the largest absorbing the rounding.
std::array<long, 4> rounded_row(const LetterProbs& row) {
  double total = 0.0;
  for (double p : row) total += std::max(0.0, p);
  std::array<long, 4> micro{};
  long sum = 0;
  int largest = 0;
  for (int b = 0; b < 4; ++b) {
    const double p = total > 0.0 ? std::max(0.0, row[b]) / total : 0.25;
    micro[b] = std::lround(p * 1e6);
    sum += micro[b];
    if (micro[b] > micro[largest]) largest = b;
  }
  micro[largest] += 1000000 - sum;
  return micro;
}

std::string decimal(long micro) {
  char text[32];
  std::snprintf(text, sizeof text, "%ld.%06ld", micro / 1000000, micro % 1000000);
  return text;
}

}  // namespace

std::string meme_text(const std::vector<MemeEntry>& motifs, const LetterProbs& background) {
  std::string out = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\n";
  const auto bg = rounded_row(background);
  for (int b = 0; b < 4; ++b) out += std::string(b ? " " : "") + kBases[b] + " " + decimal(bg[b]);
  out += "\n";
  for (const MemeEntry& entry : motifs) {
    const Pwm& pwm = entry.pwm;
    if (pwm.name.empty() || has_space(pwm.name) || has_space(pwm.alternate_name))
      throw std::invalid_argument("meme_text: motif name '" + pwm.name + "' is empty or contains white space");
    if (pwm.rows.empty()) throw std::invalid_argument("meme_text: motif " + pwm.name + " has no rows");
    out += "\nMOTIF " + pwm.name + (pwm.alternate_name.empty() ? "" : " " + pwm.alternate_name) + "\n";
    // No E= : find-motifs has no E-value, and MEME's readers treat every key as optional.
    out += "letter-probability matrix: alength= 4 w= " + std::to_string(pwm.width()) +
           " nsites= " + std::to_string(entry.nsites) + "\n";
    for (const LetterProbs& row : pwm.rows) {
      const auto micro = rounded_row(row);
      for (int b = 0; b < 4; ++b) out += " " + decimal(micro[b]);
      out += "\n";
    }
  }
  return out;
}

}  // namespace deeplift
