// Dinucleotide-preserving shuffle (Altschul & Erickson 1985, via a random
// Eulerian walk as in Kandel et al. 1996 / MEME's fasta-shuffle-letters):
// the result has exactly the same count of every dinucleotide, the same
// first and last letter, and is drawn uniformly among such sequences.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace deeplift {

// Upper-cases first, so soft-masked and upper-case letters are one letter.
std::string dinucleotide_shuffle(std::string_view sequence, std::mt19937_64& rng);

// Uniform integer in [0, bound) from the raw 64-bit stream, the same on every
// platform (std::uniform_int_distribution is implementation-defined).
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

}  // namespace deeplift
