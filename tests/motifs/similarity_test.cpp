// The Tomtom-like motif similarity: identity and reverse complement score 1,
// shuffled columns and unrelated motifs score lower, offsets and strands are
// reported in the documented convention.
#include "deeplift/motifs/similarity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace deeplift {
namespace {

const MemeFile& shipped() {
  static const MemeFile file = read_meme(std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme");
  return file;
}
const Pwm& gata() { return *shipped().find("GATA_disc1"); }
const Pwm& tal1() { return *shipped().find("TAL1_known1"); }

Pwm rows(const Pwm& pwm, std::size_t first, std::size_t last) {
  Pwm out;
  out.name = pwm.name + "_part";
  out.rows.assign(pwm.rows.begin() + first, pwm.rows.begin() + last);
  return out;
}

// Pearson r computed the textbook way: sum of products of z-scores / n.
double independent_pearson(const LetterProbs& a, const LetterProbs& b) {
  double ma = (a[0] + a[1] + a[2] + a[3]) / 4, mb = (b[0] + b[1] + b[2] + b[3]) / 4;
  double sa = 0, sb = 0;
  for (int k = 0; k < 4; ++k) {
    sa += (a[k] - ma) * (a[k] - ma) / 4;
    sb += (b[k] - mb) * (b[k] - mb) / 4;
  }
  double r = 0;
  for (int k = 0; k < 4; ++k) r += (a[k] - ma) / std::sqrt(sa) * (b[k] - mb) / std::sqrt(sb) / 4;
  return r;
}

TEST(Similarity, ColumnPearson) {
  const LetterProbs a{0.1, 0.2, 0.3, 0.4}, b{0.4, 0.1, 0.2, 0.3}, flat{0.25, 0.25, 0.25, 0.25};
  EXPECT_NEAR(column_pearson(a, b), independent_pearson(a, b), 1e-12);
  EXPECT_NEAR(column_pearson(a, a), 1.0, 1e-12);
  EXPECT_NEAR(column_pearson(a, {0.4, 0.3, 0.2, 0.1}), -1.0, 1e-12);
  EXPECT_EQ(column_pearson(flat, flat), 1.0);
  EXPECT_EQ(column_pearson(flat, a), 0.0);
  for (std::size_t i = 0; i < tal1().width(); ++i)
    EXPECT_NEAR(column_pearson(tal1().rows[i], gata().rows[i % 10]),
                independent_pearson(tal1().rows[i], gata().rows[i % 10]), 1e-12);
}

TEST(Similarity, MotifMatchesItself) {
  for (const Pwm& pwm : shipped().motifs) {
    const MotifMatch m = compare_motifs(pwm, pwm);
    EXPECT_NEAR(m.similarity, 1.0, 1e-12) << pwm.name;
    EXPECT_EQ(m.offset, 0);
    EXPECT_EQ(m.strand, '+');
    EXPECT_EQ(m.overlap, static_cast<int>(pwm.width()));
  }
}

TEST(Similarity, MotifMatchesItsReverseComplement) {
  for (const Pwm& pwm : shipped().motifs) {
    const Pwm rc = reverse_complement(pwm);
    EXPECT_EQ(rc.consensus(), pwm.name == "GATA_disc1" ? "CCTTATCTGC" : "CCGACCATCTGTTCAG");
    const MotifMatch m = compare_motifs(rc, pwm);
    EXPECT_NEAR(m.similarity, 1.0, 1e-12) << pwm.name;
    EXPECT_EQ(m.strand, '-');
    EXPECT_EQ(m.offset, 0);
    // Reverse-complementing twice gives the motif back.
    EXPECT_EQ(reverse_complement(rc).rows, pwm.rows);
  }
}

TEST(Similarity, ShuffledColumnsScoreLower) {
  // A fixed permutation of GATA_disc1's ten columns (no column stays put).
  const int order[10] = {7, 4, 9, 0, 2, 8, 1, 5, 3, 6};
  Pwm shuffled = gata();
  for (int i = 0; i < 10; ++i) shuffled.rows[i] = gata().rows[order[i]];
  const double self = compare_motifs(gata(), gata()).similarity;
  const double scrambled = compare_motifs(shuffled, gata()).similarity;
  EXPECT_LT(scrambled, self - 0.2) << scrambled;
  // Unrelated known motifs are also well below a self match.
  EXPECT_LT(compare_motifs(gata(), tal1()).similarity, 0.8);
}

TEST(Similarity, PartOfAMotifAlignsAtItsOffset) {
  // GATA_disc1 columns 2..8 ("AGATAAG") sit at offset 2 of the full motif.
  const MotifMatch forward = compare_motifs(rows(gata(), 2, 9), gata());
  EXPECT_NEAR(forward.similarity, 1.0, 1e-12);
  EXPECT_EQ(forward.strand, '+');
  EXPECT_EQ(forward.offset, 2);
  EXPECT_EQ(forward.overlap, 7);
  // The reverse complement of those columns lies at offset 10 - 9 = 1 of the
  // reverse-complemented motif.
  const MotifMatch reverse = compare_motifs(reverse_complement(rows(gata(), 2, 9)), gata());
  EXPECT_NEAR(reverse.similarity, 1.0, 1e-12);
  EXPECT_EQ(reverse.strand, '-');
  EXPECT_EQ(reverse.offset, 1);
  // A query longer than the target: the target sits inside it (negative offset).
  const MotifMatch longer = compare_motifs(gata(), rows(gata(), 3, 8));
  EXPECT_NEAR(longer.similarity, 1.0, 1e-12);
  EXPECT_EQ(longer.offset, -3);
}

TEST(Similarity, MinimumOverlapIsEnforced) {
  // The last 3 columns of GATA_disc1 followed by 7 flat columns: a 3-column
  // overlap would score 1, but needs 5 columns by default.
  Pwm query = rows(gata(), 7, 10);
  for (int i = 0; i < 7; ++i) query.rows.push_back({0.25, 0.25, 0.25, 0.25});
  const MotifMatch five = compare_motifs(query, gata());
  EXPECT_GE(five.overlap, 5);
  EXPECT_LT(five.similarity, 0.9);
  const MotifMatch three = compare_motifs(query, gata(), 3);
  EXPECT_NEAR(three.similarity, 1.0, 1e-12);
  EXPECT_EQ(three.overlap, 3);
  EXPECT_EQ(three.offset, 7);
  EXPECT_THROW(compare_motifs(Pwm{}, gata()), std::invalid_argument);
}

TEST(Similarity, BestKnownMatchPicksTheRightMotif) {
  const KnownMatch g = best_known_match(Pwm::from_pattern("q", "GATAAG"), shipped().motifs);
  EXPECT_EQ(g.name, "GATA_disc1");
  EXPECT_GT(g.match.similarity, 0.9);
  EXPECT_EQ(g.match.offset, 3);
  const KnownMatch t = best_known_match(Pwm::from_pattern("q", "CATCTG"), shipped().motifs);
  EXPECT_EQ(t.name, "TAL1_known1");
  EXPECT_EQ(t.match.strand, '-');
  EXPECT_TRUE(best_known_match(gata(), {}).name.empty());
}

}  // namespace
}  // namespace deeplift
