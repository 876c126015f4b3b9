// MEME minimal-format parser (https://meme-suite.org/meme/doc/meme-format.html):
// the shipped file, a JASPAR export, and every rejected malformation.
#include "deeplift/motifs/pwm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

MemeFile parse(const std::string& text, const std::string& name = "test.meme") {
  std::istringstream in(text);
  return parse_meme(in, name);
}

// Expects a FormatError whose message contains every one of `parts`.
void expect_format_error(const std::string& text, std::initializer_list<std::string> parts) {
  try {
    parse(text);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const FormatError& e) {
    const std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message << "\nlacks: " << part;
  }
}

TEST(Pwm, ShippedGataTal1File) {
  const MemeFile file = read_meme(std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme");
  ASSERT_EQ(file.motifs.size(), 2u);
  const Pwm& gata = file.motifs[0];
  const Pwm& tal1 = file.motifs[1];
  EXPECT_EQ(gata.name, "GATA_disc1");
  EXPECT_EQ(tal1.name, "TAL1_known1");
  EXPECT_EQ(gata.width(), 10u);
  EXPECT_EQ(tal1.width(), 16u);
  // Consensus sequences from docs/simulation.md (the motifs).
  EXPECT_EQ(gata.consensus(), "GCAGATAAGG");
  EXPECT_EQ(tal1.consensus(), "CTGAACAGATGGTCGG");
  // Values kept digit for digit (docs/simulation.md: the adjusted row 1 entry G).
  EXPECT_EQ(gata.rows[0][2], 0.359789);
  EXPECT_EQ(tal1.rows[8][0], 0.86);
  ASSERT_TRUE(file.background);
  EXPECT_EQ(*file.background, (LetterProbs{0.3, 0.2, 0.2, 0.3}));
  EXPECT_EQ(file.find("TAL1_known1"), &file.motifs[1]);
  EXPECT_EQ(file.find("GATA_known6"), nullptr);
}

// As JASPAR writes it (jaspar.genereg.net "MEME" download): alternate name,
// a blank line before the matrix, tab-separated columns, a URL line.
TEST(Pwm, JasparExport) {
  const std::string text =
      "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\n"
      "A 0.25 C 0.25 G 0.25 T 0.25\n\n"
      "MOTIF MA0035.4 Gata1\n\n"
      "letter-probability matrix: alength= 4 w= 4 nsites= 22290 E= 0\n"
      "  0.000000\t  0.000000\t  0.000000\t  1.000000\t\n"
      "  1.000000\t  0.000000\t  0.000000\t  0.000000\t\n"
      "  0.000000\t  0.000000\t  0.000000\t  1.000000\t\n"
      "  0.339500\t  0.121900\t  0.351900\t  0.186700\t\n"
      "URL http://jaspar.genereg.net/matrix/MA0035.4\n\n"
      "MOTIF MA0091.1 TAL1::TCF3\n\n"
      "letter-probability matrix: alength= 4 w= 3 nsites= 15 E= 0\r\n"
      "  0.200000\t  0.200000\t  0.400000\t  0.200000\r\n"
      "  0.000000\t  1.000000\t  0.000000\t  0.000000\r\n"
      "  1.000000\t  0.000000\t  0.000000\t  0.000000\r\n"
      "URL http://jaspar.genereg.net/matrix/MA0091.1\n";
  const MemeFile file = parse(text);
  ASSERT_EQ(file.motifs.size(), 2u);
  EXPECT_EQ(file.motifs[0].name, "MA0035.4");
  EXPECT_EQ(file.motifs[0].alternate_name, "Gata1");
  EXPECT_EQ(file.motifs[0].consensus(), "TATG");
  EXPECT_EQ(file.motifs[1].name, "MA0091.1");
  EXPECT_EQ(file.motifs[1].consensus(), "GCA");
  EXPECT_EQ(*file.background, (LetterProbs{0.25, 0.25, 0.25, 0.25}));
}

TEST(Pwm, MinimalFileWithoutOptionalFields) {
  const MemeFile file = parse("MEME version 5\nMOTIF m\nletter-probability matrix:\n0.1 0.2 0.3 0.4\n");
  ASSERT_EQ(file.motifs.size(), 1u);
  EXPECT_FALSE(file.background);
  EXPECT_EQ(file.motifs[0].width(), 1u);
}

TEST(Pwm, RoundedRowsAreRescaled) {
  // HOMER-style 3-decimal rows can miss 1 by a little; within tolerance they
  // are rescaled to a true distribution.
  const MemeFile file = parse("MEME version 4\nMOTIF m\nletter-probability matrix: w= 1\n0.251 0.250 0.250 0.252\n");
  double sum = 0.0;
  for (double p : file.motifs[0].rows[0]) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-15);
  EXPECT_NEAR(file.motifs[0].rows[0][3], 0.252 / 1.003, 1e-15);
}

const std::string kHead = "MEME version 4\n\nALPHABET= ACGT\n\n";

TEST(Pwm, RowNotSummingToOne) {
  expect_format_error(kHead +
                          "MOTIF bad\nletter-probability matrix: alength= 4 w= 2\n"
                          "0.25 0.25 0.25 0.25\n0.5 0.2 0.2 0.0\n",
                      {"test.meme:8:", "motif bad row 2", "sums to 0.9"});
}

TEST(Pwm, WidthDisagreesWithW) {
  expect_format_error(kHead +
                          "MOTIF short\nletter-probability matrix: alength= 4 w= 3\n"
                          "0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n\n",
                      {"test.meme:6:", "w= 3 but the matrix has 2 rows"});
  expect_format_error(kHead +
                          "MOTIF long\nletter-probability matrix: alength= 4 w= 1\n"
                          "0.25 0.25 0.25 0.25\n0.25 0.25 0.25 0.25\n",
                      {"test.meme:6:", "w= 1 but the matrix has 2 rows"});
}

TEST(Pwm, AbsurdWidthIsAFormatError) {
  // Converting 1e300 to long was undefined behaviour (UBSan, issue 10).
  expect_format_error(kHead + "MOTIF wide\nletter-probability matrix: alength= 4 w= 1e300\n0.25 0.25 0.25 0.25\n",
                      {"test.meme:6:", "bad w= '1e300'"});
}

TEST(Pwm, MissingLetterProbabilityLine) {
  expect_format_error(
      kHead + "MOTIF lonely\n0.25 0.25 0.25 0.25\nMOTIF ok\nletter-probability matrix:\n0.25 0.25 0.25 0.25\n",
      {"test.meme:5:", "MOTIF lonely has no 'letter-probability matrix:' line"});
  expect_format_error(kHead + "MOTIF empty\nletter-probability matrix: w= 2\n\n",
                      {"test.meme:6:", "motif empty has no matrix rows"});
}

TEST(Pwm, OtherMalformations) {
  expect_format_error("", {"test.meme:1:", "empty file"});
  expect_format_error("\n\nMOTIF x\n", {"test.meme:3:", "expected 'MEME version"});
  expect_format_error(kHead + "MOTIF x\nletter-probability matrix:\n0.5 0.5 0.0\n", {"test.meme:7:", "has 3 values"});
  expect_format_error(kHead + "MOTIF x\nletter-probability matrix:\n0.5 0.5 x 0.0\n",
                      {"test.meme:7:", "'x' is not a probability"});
  expect_format_error(kHead + "MOTIF x\nletter-probability matrix:\n1.5 -0.5 0 0\n",
                      {"test.meme:7:", "not a probability"});
  expect_format_error("MEME version 4\nALPHABET= ACGU\n", {"test.meme:2:", "unsupported alphabet 'ACGU'"});
  expect_format_error(kHead + "MOTIF x\nletter-probability matrix: alength= 20 w= 1\n",
                      {"test.meme:6:", "alength= 20"});
  expect_format_error(
      kHead + "MOTIF x\nletter-probability matrix:\n1 0 0 0\nMOTIF x\nletter-probability matrix:\n1 0 0 0\n",
      {"test.meme:8:", "duplicate motif name 'x'"});
  expect_format_error(kHead, {"no MOTIF"});
  expect_format_error(kHead + "MOTIF\n", {"test.meme:5:", "without a motif name"});
  expect_format_error("MEME version 4\nBackground letter frequencies\nA 0.5 C 0.5 G 0.5 T 0.5\n",
                      {"test.meme:2:", "background frequencies sum to"});
}

TEST(Pwm, MissingFileIsAnIoError) {
  try {
    read_meme("/nonexistent/dir/motifs.meme");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("can't open '/nonexistent/dir/motifs.meme'"), std::string::npos) << e.what();
  }
}

TEST(Pwm, PseudocountAndLogOdds) {
  Pwm pwm = Pwm::from_pattern("GA", "GA");
  Pwm soft = with_pseudocount(pwm, 1e-4);
  EXPECT_DOUBLE_EQ(soft.rows[0][2], 1.0 * (1 - 1e-4) + 2.5e-5);
  EXPECT_DOUBLE_EQ(soft.rows[0][0], 2.5e-5);
  const LetterProbs bg{0.3, 0.2, 0.2, 0.3};
  auto table = log_odds_table(soft, bg);
  EXPECT_NEAR(log_odds_score(table, "GA"), std::log(0.999925 / 0.2) + std::log(0.999925 / 0.3), 1e-12);
  EXPECT_NEAR(log_odds_score(table, "CA"), std::log(2.5e-5 / 0.2) + std::log(0.999925 / 0.3), 1e-12);
  EXPECT_THROW(log_odds_score(table, "G"), std::invalid_argument);
  EXPECT_THROW(log_odds_score(table, "GN"), std::invalid_argument);
  EXPECT_THROW(Pwm::from_pattern("x", "GAN"), std::invalid_argument);
}

}  // namespace
}  // namespace deeplift
