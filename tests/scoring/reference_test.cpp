// References (docs/scoring.md (encoding, references)) and the dinucleotide shuffle, against counts made
// here and the definitions in docs/scoring.md.
#include <gtest/gtest.h>

#include <map>

#include "deeplift/errors.hpp"
#include "deeplift/scoring/dinucleotide_shuffle.hpp"
#include "deeplift/scoring/reference.hpp"

namespace deeplift {
namespace {

std::map<std::string, int> dinucleotides(const std::string& s) {
  std::map<std::string, int> counts;
  for (size_t i = 0; i + 1 < s.size(); ++i) ++counts[s.substr(i, 2)];
  return counts;
}

TEST(DinucleotideShuffle, PreservesEveryDinucleotideCountAndEnds) {
  std::mt19937_64 rng(42);
  const std::string sequence = "ACGTTGCANNACGGGATTACAGATAAGGCTTATCTGCAAACCCGGGTTTACGTACGTNNNACGA";
  int changed = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string shuffled = dinucleotide_shuffle(sequence, rng);
    ASSERT_EQ(shuffled.size(), sequence.size());
    EXPECT_EQ(dinucleotides(shuffled), dinucleotides(sequence));
    EXPECT_EQ(shuffled.front(), sequence.front());
    EXPECT_EQ(shuffled.back(), sequence.back());
    changed += shuffled != sequence;
  }
  EXPECT_GT(changed, 40);  // it does shuffle
}

TEST(DinucleotideShuffle, ReproducibleBySeedAndUpperCases) {
  std::mt19937_64 a(7), b(7), c(8);
  const std::string sequence = "acgtACGTaaccggttACGATCGATCGTAGCTAGCTAGGATCGAT";
  const std::string first = dinucleotide_shuffle(sequence, a);
  EXPECT_EQ(first, dinucleotide_shuffle(sequence, b));
  EXPECT_NE(first, dinucleotide_shuffle(sequence, c));
  for (char ch : first) EXPECT_TRUE(std::isupper(static_cast<unsigned char>(ch)));
}

TEST(ReferenceSpec, GcFractionGivesDesignFrequencies) {
  const auto spec = ReferenceSpec::parse("gc:0.4");
  std::vector<float> out(4 * 3);
  make_reference(spec, "ACG", 0, 0, out.data(), "test");
  const float expected[4] = {0.3f, 0.2f, 0.2f, 0.3f};
  for (int l = 0; l < 3; ++l)
    for (int c = 0; c < 4; ++c) EXPECT_FLOAT_EQ(out[4 * l + c], expected[c]);
  EXPECT_TRUE(spec.shared());
}

TEST(ReferenceSpec, GcAutoUsesTheWindowsOwnGcOverAcgtBases) {
  const auto spec = ReferenceSpec::parse("gc:auto");
  EXPECT_FALSE(spec.shared());
  std::vector<float> out(4 * 6);
  make_reference(spec, "GGNNCA", 0, 0, out.data(), "test");  // 3 of 4 ACGT bases are G/C
  EXPECT_FLOAT_EQ(out[0], 0.125f);
  EXPECT_FLOAT_EQ(out[1], 0.375f);
  EXPECT_THROW(make_reference(spec, "NNNN", 0, 0, out.data(), "rec"), InputError);
}

TEST(ReferenceSpec, FrequenciesMustSumToOne) {
  EXPECT_NO_THROW(ReferenceSpec::parse("freqs:0.25,0.25,0.25,0.25"));
  EXPECT_THROW(ReferenceSpec::parse("freqs:0.3,0.3,0.3,0.3"), UsageError);
  EXPECT_THROW(ReferenceSpec::parse("freqs:0.5,0.5"), UsageError);
  EXPECT_THROW(ReferenceSpec::parse("gc:1.5"), UsageError);
  EXPECT_THROW(ReferenceSpec::parse("gc:abc"), UsageError);
  EXPECT_THROW(ReferenceSpec::parse("shuffle:0"), UsageError);
  EXPECT_THROW(ReferenceSpec::parse("banana"), UsageError);
  try {
    ReferenceSpec::parse("freqs:0.3,0.3,0.3,0.3");
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("sum to 1.2"), std::string::npos) << e.what();
  }
}

TEST(ReferenceSpec, ShuffleReferencesAreOneHotShufflesSeededPerWindow) {
  const auto spec = ReferenceSpec::parse("shuffle:3,5");
  EXPECT_EQ(spec.per_sequence(), 3);
  const std::string window = "ACGTTGCAACGGGATTACAGATAAGGCTTATC";
  std::vector<float> a(4 * window.size()), b(a.size()), c(a.size());
  make_reference(spec, window, 10, 1, a.data(), "w");
  make_reference(spec, window, 10, 1, b.data(), "w");
  make_reference(spec, window, 10, 2, c.data(), "w");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (size_t l = 0; l < window.size(); ++l) EXPECT_FLOAT_EQ(a[4 * l] + a[4 * l + 1] + a[4 * l + 2] + a[4 * l + 3], 1.0f);
}

}  // namespace
}  // namespace deeplift
