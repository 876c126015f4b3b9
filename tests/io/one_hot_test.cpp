#include "deeplift/io/one_hot.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

// Encodes into a buffer with a sentinel after it, so a write past 4*L floats shows.
std::vector<float> encode(const std::string& sequence) {
  std::vector<float> out(4 * sequence.size() + 1, -7.0f);
  encode_one_hot(sequence, out.data());
  EXPECT_EQ(out.back(), -7.0f) << "wrote past 4 floats per base";
  out.pop_back();
  return out;
}

std::string check_error(const std::string& sequence) {
  try {
    check_sequence(sequence, "in.fa", "chr1:1-10");
  } catch (const FormatError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(OneHot, EncodesAcgtInRowOrderACGT) {
  const std::vector<float> expected = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  EXPECT_EQ(encode("ACGT"), expected);
  EXPECT_EQ(encode("acgt"), expected) << "soft-masked bases are upper-cased";
  EXPECT_EQ(encode("TA"), (std::vector<float>{0, 0, 0, 1, 1, 0, 0, 0}));
}

TEST(OneHot, AmbiguityCodesAreAllZeroColumns) {
  for (char code : std::string("NRYSWKMBDHVnryswkmbdhv")) {
    SCOPED_TRACE(std::string("code ") + code);
    const std::string sequence = std::string("A") + code + "T";
    EXPECT_NO_THROW(check_sequence(sequence, "in.fa", "r1"));
    EXPECT_EQ(encode(sequence), (std::vector<float>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(base_index(code), -1);
  }
}

TEST(OneHot, BaseIndex) {
  EXPECT_EQ(base_index('A'), 0);
  EXPECT_EQ(base_index('c'), 1);
  EXPECT_EQ(base_index('G'), 2);
  EXPECT_EQ(base_index('t'), 3);
  EXPECT_EQ(base_index('U'), -1);
  EXPECT_EQ(base_index('-'), -1);
  EXPECT_EQ(base_index('\xff'), -1);
}

TEST(OneHot, EveryByteIsEitherValidOrRejected) {
  const std::string valid = "ACGTacgtNRYSWKMBDHVnryswkmbdhv";
  for (int byte = 0; byte < 256; ++byte) {
    const std::string sequence(1, static_cast<char>(byte));
    const bool is_valid = valid.find(static_cast<char>(byte)) != std::string::npos;
    EXPECT_EQ(check_error(sequence) == "(no error)", is_valid) << "byte " << byte;
  }
}

TEST(OneHot, InvalidCharacterNamesRecordAndOneBasedPosition) {
  EXPECT_EQ(check_error("ACGTX"), "'in.fa': record 'chr1:1-10': invalid character 'X' at position 5");
  EXPECT_EQ(check_error("-ACGT"), "'in.fa': record 'chr1:1-10': invalid character '-' at position 1");
  EXPECT_EQ(check_error("ACGU"), "'in.fa': record 'chr1:1-10': invalid character 'U' at position 4");
  EXPECT_EQ(check_error("AC GT"), "'in.fa': record 'chr1:1-10': invalid character ' ' at position 3");
  EXPECT_EQ(check_error("AC.G1"), "'in.fa': record 'chr1:1-10': invalid character '.' at position 3")
      << "the first bad character is reported";
  EXPECT_EQ(check_error(std::string("ACG\x01", 4)), "'in.fa': record 'chr1:1-10': invalid character '\\x01' at position 4")
      << "control characters are escaped";
  EXPECT_EQ(check_error(""), "(no error)");
}

TEST(OneHot, UncheckedInvalidCharactersEncodeAsZeros) {
  EXPECT_EQ(encode("X-"), std::vector<float>(8, 0.0f));
}

}  // namespace
}  // namespace deeplift
