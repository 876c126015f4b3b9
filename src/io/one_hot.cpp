#include "deeplift/io/one_hot.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

// Per byte: 0..3 for A/C/G/T, kAmbiguous for N and the IUPAC codes (all-zero
// column, docs/scoring.md (encoding, references)), kInvalid for everything else. One table lookup per base,
// as minimap2's seq_nt4_table.
constexpr signed char kAmbiguous = 4;
constexpr signed char kInvalid = -1;

constexpr std::array<signed char, 256> make_code_table() {
  std::array<signed char, 256> table{};
  for (auto& code : table) code = kInvalid;
  const char* bases = "ACGT";
  for (int i = 0; i < 4; ++i) {
    table[static_cast<unsigned char>(bases[i])] = static_cast<signed char>(i);
    table[static_cast<unsigned char>(bases[i] - 'A' + 'a')] = static_cast<signed char>(i);
  }
  const char* ambiguous = "RYSWKMBDHVN";
  for (const char* p = ambiguous; *p != '\0'; ++p) {
    table[static_cast<unsigned char>(*p)] = kAmbiguous;
    table[static_cast<unsigned char>(*p - 'A' + 'a')] = kAmbiguous;
  }
  return table;
}

constexpr std::array<signed char, 256> kCode = make_code_table();

// Row 4 is the all-zero column of ambiguous (and unchecked invalid) bases.
constexpr float kColumns[5][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 0, 0, 0}};

std::string printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  char escaped[8];
  std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
  return escaped;
}

}  // namespace

void check_sequence(std::string_view sequence, const std::string& file, const std::string& record) {
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const auto c = static_cast<unsigned char>(sequence[i]);
    if (kCode[c] == kInvalid) {
      throw FormatError("'" + file + "': record '" + record + "': invalid character '" + printable(c) +
                        "' at position " + std::to_string(i + 1));
    }
  }
}

void encode_one_hot(std::string_view sequence, float* out) {
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const signed char code = kCode[static_cast<unsigned char>(sequence[i])];
    std::memcpy(out + 4 * i, kColumns[code < 0 ? kAmbiguous : code], sizeof kColumns[0]);
  }
}

int base_index(char base) {
  const signed char code = kCode[static_cast<unsigned char>(base)];
  return code >= 0 && code < 4 ? code : -1;
}

}  // namespace deeplift
