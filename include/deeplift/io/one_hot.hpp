// One-hot encoding of DNA (docs/scoring.md (encoding, references)): rows A, C, G, T; lower case is upper-
// cased; N and the other IUPAC ambiguity codes (RYSWKMBDHV) are an all-zero
// column; any other character is an error naming the record and position.
#pragma once
#include <string>
#include <string_view>

namespace deeplift {

// Throws FormatError "<file>: record '<record>': invalid character 'X' at
// position P" (P 1-based within the record) for the first bad character.
void check_sequence(std::string_view sequence, const std::string& file, const std::string& record);

// Writes the one-hot code of `sequence` into `out`, 4 floats per base,
// base after base (a column-major [4, length] block). The sequence must have
// passed check_sequence; characters that did not are encoded as zeros.
void encode_one_hot(std::string_view sequence, float* out);

// Index 0..3 of a base in ACGT (either case), or -1 for N/IUPAC/anything else.
int base_index(char base);

}  // namespace deeplift
