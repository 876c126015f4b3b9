// MEME writer: round trip through the project's MEME parser.
#include "deeplift/motifs/meme_writer.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace deeplift {
namespace {

TEST(MemeWriter, RoundTripThroughTheParser) {
  const MemeFile shipped = read_meme(std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme");
  Pwm thirds;
  thirds.name = "motif_3";
  thirds.alternate_name = "ACG";
  thirds.rows = {{1.0 / 3, 1.0 / 3, 1.0 / 3, 0.0}, {0.1, 0.7, 0.1, 0.1}, {0.0, 0.0, 1.0, 0.0}};
  const std::vector<MemeEntry> entries = {{shipped.motifs[0], 120}, {shipped.motifs[1], 45}, {thirds, 7}};
  const std::string text = meme_text(entries, {0.3, 0.2, 0.2, 0.3});

  std::istringstream in(text);
  const MemeFile back = parse_meme(in, "written.meme");
  ASSERT_EQ(back.motifs.size(), 3u);
  ASSERT_TRUE(back.background.has_value());
  EXPECT_NEAR((*back.background)[0], 0.3, 1e-12);
  EXPECT_NEAR((*back.background)[1], 0.2, 1e-12);
  for (std::size_t m = 0; m < 3; ++m) {
    const Pwm& a = entries[m].pwm;
    const Pwm& b = back.motifs[m];
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.alternate_name, a.alternate_name);
    ASSERT_EQ(b.width(), a.width());
    for (std::size_t i = 0; i < a.width(); ++i)
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(b.rows[i][k], a.rows[i][k], 1e-6) << a.name << " row " << i;
  }
  // Printed rows sum to exactly 1: the 1/3 row absorbs its rounding.
  EXPECT_NE(text.find(" 0.333334 0.333333 0.333333 0.000000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MOTIF GATA_disc1\nletter-probability matrix: alength= 4 w= 10 nsites= 120\n"),
            std::string::npos);
  EXPECT_NE(text.find("MOTIF motif_3 ACG\nletter-probability matrix: alength= 4 w= 3 nsites= 7\n"),
            std::string::npos);
  EXPECT_EQ(text.rfind("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n", 0), 0u);
}

TEST(MemeWriter, RejectsUnwritableMotifs) {
  Pwm spaced = Pwm::from_pattern("two words", "ACGT");
  EXPECT_THROW(meme_text({{spaced, 1}}, {0.25, 0.25, 0.25, 0.25}), std::invalid_argument);
  Pwm empty;
  empty.name = "empty";
  EXPECT_THROW(meme_text({{empty, 1}}, {0.25, 0.25, 0.25, 0.25}), std::invalid_argument);
  EXPECT_EQ(meme_text({}, {0.25, 0.25, 0.25, 0.25}).find("MOTIF"), std::string::npos);
}

}  // namespace
}  // namespace deeplift
