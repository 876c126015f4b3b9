// Seqlet clustering with a known answer: two patterns planted on both strands
// in random sequence come back as two motifs, each holding its own pattern's
// seqlets aligned on the right strand.
#include "deeplift/motifs/clustering.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "deeplift/motifs/similarity.hpp"
#include "motif_test_support.hpp"

namespace deeplift {
namespace {

using test::make_planted;
using test::oriented_bases;
using test::reverse_complement_text;

const std::vector<std::string> kPatterns = {"GATAAG", "CAGATG"};

struct Fixture {
  test::SyntheticScores data;
  std::vector<Seqlet> seqlets;
};

const Fixture& planted() {
  static const Fixture fixture = [] {
    Fixture f;
    f.data = make_planted(240, 100, kPatterns, 1.0, 0.1, true, 17);
    const std::vector<float> scores = f.data.arrays.per_position_scores();
    f.seqlets = call_seqlets(scores.data(), f.data.arrays.count, f.data.arrays.length, SeqletOptions{}).seqlets;
    return f;
  }();
  return fixture;
}

// The planted instance a member lies on, or nullptr.
const test::PlantedInstance* instance_of(const Fixture& f, const MotifMember& m, long width) {
  for (const auto& p : f.data.planted)
    if (p.sequence == m.sequence && p.start < m.start + width && m.start < p.start + 6) return &p;
  return nullptr;
}

TEST(Clustering, ContinuousJaccard) {
  const float a[4] = {1, -2, 0, 3}, b[4] = {-1, 2, 0, -3}, c[4] = {0, 0, 5, 0}, z[4] = {0, 0, 0, 0};
  EXPECT_NEAR(continuous_jaccard(a, a, 4), 1.0, 1e-12);
  EXPECT_NEAR(continuous_jaccard(a, b, 4), -1.0, 1e-12);
  EXPECT_NEAR(continuous_jaccard(a, c, 4), 0.0, 1e-12);
  EXPECT_EQ(continuous_jaccard(z, z, 4), 0.0);
  // sum min / sum max: (1 + 1 + 0 + 1) / (2 + 2 + 0 + 3)
  const float d[4] = {2, -1, 0, 1};
  EXPECT_NEAR(continuous_jaccard(a, d, 4), 3.0 / 7.0, 1e-12);
}

TEST(Clustering, RecoversTwoPlantedMotifsOnBothStrands) {
  const Fixture& f = planted();
  ASSERT_GE(f.seqlets.size(), 140u);  // 160 planted instances
  const std::vector<Motif> motifs = cluster_seqlets(f.data.arrays, f.seqlets, ClusterOptions{});
  ASSERT_EQ(motifs.size(), 2u);

  std::map<int, int> motif_of_pattern;
  for (std::size_t k = 0; k < motifs.size(); ++k) {
    const Motif& motif = motifs[k];
    const long width = static_cast<long>(motif.ppm.width());
    EXPECT_EQ(motif.cwm.size(), motif.ppm.width());
    EXPECT_EQ(motif.coverage.size(), motif.ppm.width());
    // Which pattern does it hold, and on which strand relative to the motif?
    std::map<int, int> patterns;
    std::map<std::pair<char, char>, int> strands;  // (planted strand, member strand)
    for (const MotifMember& m : motif.members) {
      const auto* p = instance_of(f, m, width);
      ASSERT_NE(p, nullptr) << "member off every planted instance";
      ++patterns[p->pattern];
      ++strands[{p->strand, m.strand}];
    }
    ASSERT_EQ(patterns.size(), 1u) << "motif " << k << " mixes patterns";
    const int pattern = patterns.begin()->first;
    motif_of_pattern[pattern] = static_cast<int>(k);
    EXPECT_GE(motif.members.size(), 65u) << kPatterns[pattern];  // of 80 planted
    // Alignment is strand-aware: planted '+' and '-' instances end up in
    // opposite member orientations, consistently.
    const int same = strands[{'+', '+'}] + strands[{'-', '-'}];
    const int flipped = strands[{'+', '-'}] + strands[{'-', '+'}];
    EXPECT_TRUE(same == 0 || flipped == 0) << same << " vs " << flipped;

    // The trimmed letter frequencies are the pattern (or its reverse complement).
    const std::string consensus = motif.ppm.consensus();
    EXPECT_TRUE(consensus == kPatterns[pattern] || consensus == reverse_complement_text(kPatterns[pattern]))
        << consensus;
    EXPECT_GT(compare_motifs(motif.ppm, Pwm::from_pattern("p", kPatterns[pattern])).similarity, 0.95);
    // Member coordinates follow the documented convention: reading each
    // member on its strand gives the consensus.
    for (const MotifMember& m : motif.members)
      EXPECT_EQ(oriented_bases(f.data.arrays, m.sequence, m.start, width, m.strand), consensus);
    // The CWM is the planted signal at the consensus base.
    for (std::size_t j = 0; j < motif.cwm.size(); ++j) {
      const int b = std::string("ACGT").find(consensus[j]);
      EXPECT_NEAR(motif.cwm[j][b], 1.0, 0.05);
      EXPECT_GT(motif.hyp_cwm[j][b], 0.9);
    }
  }
  EXPECT_EQ(motif_of_pattern.size(), 2u);
}

TEST(Clustering, MinimumSizeAndMaximumCount) {
  const Fixture& f = planted();
  ClusterOptions options;
  options.max_motifs = 1;
  const std::vector<Motif> one = cluster_seqlets(f.data.arrays, f.seqlets, options);
  ASSERT_EQ(one.size(), 1u);
  options = ClusterOptions{};
  options.min_seqlets = 1000;
  EXPECT_TRUE(cluster_seqlets(f.data.arrays, f.seqlets, options).empty());
  EXPECT_TRUE(cluster_seqlets(f.data.arrays, {}, ClusterOptions{}).empty());
}

TEST(Clustering, RejectsInconsistentSeqlets) {
  const Fixture& f = planted();
  std::vector<Seqlet> bad = {f.seqlets[0], f.seqlets[1]};
  bad[1].end += 1;
  EXPECT_THROW(cluster_seqlets(f.data.arrays, bad, ClusterOptions{}), std::invalid_argument);
  bad = {f.seqlets[0]};
  bad[0].sequence = f.data.arrays.count;
  EXPECT_THROW(cluster_seqlets(f.data.arrays, bad, ClusterOptions{}), std::invalid_argument);
}

}  // namespace
}  // namespace deeplift
