// Writes motifs in MEME minimal motif format
// (https://meme-suite.org/meme/doc/meme-format.html), which read_meme,
// Tomtom, FIMO and JASPAR/HOMER tools read.
#pragma once
#include <string>
#include <vector>

#include "deeplift/motifs/pwm.hpp"

namespace deeplift {

struct MemeEntry {
  Pwm pwm;         // name = MOTIF identifier; alternate_name written when not empty
  long nsites = 0; // sites the matrix was counted from (find-motifs: seqlets)
};

// The whole file: version, alphabet, strands, background, then one MOTIF
// block per entry. Probabilities are printed with 6 decimals, each row
// adjusted on its largest entry so the printed values sum to exactly 1.
// Throws std::invalid_argument for a motif without a name or rows, or a
// name containing white space.
std::string meme_text(const std::vector<MemeEntry>& motifs, const LetterProbs& background);

}  // namespace deeplift
