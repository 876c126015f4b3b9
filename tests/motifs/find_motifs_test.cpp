// The find-motifs pipeline as a library call: planted GATA_disc1 and
// TAL1_known1 consensus sequences come back named after the right known
// motif, and the output files follow their documented layout.
#include "deeplift/motifs/find_motifs.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "../io/io_test_util.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/npz_writer.hpp"
#include "motif_test_support.hpp"

namespace deeplift {
namespace {

const std::vector<Pwm>& known() {
  static const std::vector<Pwm> motifs =
      read_meme(std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme").motifs;
  return motifs;
}

const test::SyntheticScores& planted() {
  static const test::SyntheticScores data =
      test::make_planted(300, 120, {"GCAGATAAGG", "CTGAACAGATGGTCGG"}, 1.0, 0.2, true, 5);
  return data;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string f; std::getline(in, f, '\t');) fields.push_back(f);
  return fields;
}

TEST(FindMotifs, NamesThePlantedMotifs) {
  const FindMotifsResult result = find_motifs(planted().arrays, known(), FindMotifsOptions{});
  ASSERT_EQ(result.motifs.size(), 2u);
  std::vector<std::string> matches;
  for (std::size_t k = 0; k < 2; ++k) {
    const FoundMotif& m = result.motifs[k];
    EXPECT_EQ(m.name, "motif_" + std::to_string(k + 1));
    EXPECT_EQ(m.sign, 1);
    EXPECT_GT(m.best.match.similarity, 0.85) << m.best.name;
    EXPECT_EQ(m.motif.ppm.alternate_name, m.motif.ppm.consensus());
    matches.push_back(m.best.name);
    // Member seqlet indices refer to result.calls.seqlets.
    for (const MotifMember& member : m.motif.members)
      EXPECT_EQ(result.calls.seqlets.at(member.seqlet).sequence, member.sequence);
  }
  std::sort(matches.begin(), matches.end());
  EXPECT_EQ(matches, (std::vector<std::string>{"GATA_disc1", "TAL1_known1"}));
  EXPECT_GE(result.motifs[0].motif.members.size(), result.motifs[1].motif.members.size());
  // Base composition of the sequences (drawn .3/.2/.2/.3, motifs aside).
  EXPECT_NEAR(result.background[0], 0.3, 0.03);
  EXPECT_NEAR(result.background[1], 0.2, 0.03);

  // The table: header, one row per motif; the MEME text parses back with
  // nsites = seqlets.
  const std::string table = motif_table(result);
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "motif\tseqlets\tconsensus\tbest_match\tsimilarity\tstrand\toffset");
  for (const FoundMotif& m : result.motifs) {
    std::getline(lines, line);
    const auto fields = split(line);
    ASSERT_EQ(fields.size(), 7u) << line;
    EXPECT_EQ(fields[0], m.name);
    EXPECT_EQ(fields[1], std::to_string(m.motif.members.size()));
    EXPECT_EQ(fields[2], m.motif.ppm.consensus());
    EXPECT_EQ(fields[3], m.best.name);
    EXPECT_NEAR(std::stod(fields[4]), m.best.match.similarity, 1e-4);
    EXPECT_EQ(fields[5], std::string(1, m.best.match.strand));
    EXPECT_EQ(fields[6], std::to_string(m.best.match.offset));
  }
  std::istringstream meme(motif_meme(result));
  const MemeFile parsed = parse_meme(meme, "out.meme");
  ASSERT_EQ(parsed.motifs.size(), 2u);
  EXPECT_EQ(parsed.motifs[0].name, "motif_1");
  EXPECT_NE(motif_meme(result).find("nsites= " + std::to_string(result.motifs[0].motif.members.size()) + "\n"),
            std::string::npos);
}

TEST(FindMotifs, WithoutKnownMotifsTheMatchColumnsAreDots) {
  const FindMotifsResult result = find_motifs(planted().arrays, {}, FindMotifsOptions{});
  ASSERT_FALSE(result.motifs.empty());
  const std::string table = motif_table(result);
  EXPECT_NE(table.find("\t.\t.\t.\t.\n"), std::string::npos) << table;
}

TEST(FindMotifs, NegativeMotifsOnlyWhenAskedFor) {
  test::SyntheticScores data = test::make_planted(300, 120, {"GCAGATAAGG"}, 1.0, 0.2, false, 9);
  for (float& v : data.arrays.contrib) v = -v;
  for (float& v : data.arrays.hyp) v = -v;
  EXPECT_TRUE(find_motifs(data.arrays, known(), FindMotifsOptions{}).motifs.empty());
  FindMotifsOptions options;
  options.seqlets.negative = true;
  const FindMotifsResult result = find_motifs(data.arrays, known(), options);
  ASSERT_EQ(result.motifs.size(), 1u);
  EXPECT_EQ(result.motifs[0].name, "neg_motif_1");
  EXPECT_EQ(result.motifs[0].sign, -1);
  EXPECT_EQ(result.motifs[0].best.name, "GATA_disc1");
}

TEST(FindMotifs, BadOptionsAreReportedTogether) {
  FindMotifsOptions options;
  options.seqlets.window = 0;
  options.seqlets.fdr = 1.0;
  options.clusters.min_seqlets = 0;
  try {
    find_motifs(planted().arrays, {}, options);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--window"), std::string::npos) << message;
    EXPECT_NE(message.find("--fdr"), std::string::npos) << message;
    EXPECT_NE(message.find("--min-seqlets"), std::string::npos) << message;
  }
}

TEST(FindMotifs, RunWritesBothFilesAndNothingElse) {
  test::ScratchDir dir;
  const ScoreArrays& a = planted().arrays;
  const std::string prefix = dir.file("scores");
  const std::pair<const char*, const std::vector<float>*> files[] = {
      {".ohe.npz", &a.one_hot}, {".t.contrib.npz", &a.contrib}, {".t.hyp.npz", &a.hyp}};
  for (const auto& [suffix, values] : files) {
    NpzArrayWriter writer(prefix + suffix, 4, static_cast<int>(a.length));
    for (long n = 0; n < a.count; ++n) writer.append(values->data() + a.index(n, 0, 0));
    writer.commit();
  }
  FindMotifsOptions options;
  options.scores = prefix;
  options.task = "t";
  options.out = dir.file("motifs");
  options.known = std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme";
  std::ostringstream log;
  const FindMotifsResult result = run_find_motifs(options, log);
  EXPECT_EQ(result.motifs.size(), 2u);
  EXPECT_NE(log.str().find("seqlets"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("best match GATA_disc1"), std::string::npos) << log.str();
  EXPECT_EQ(test::read_file(dir.file("motifs.tsv")), motif_table(result));
  EXPECT_EQ(test::read_file(dir.file("motifs.meme")), motif_meme(result));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"motifs.meme", "motifs.tsv", "scores.ohe.npz",
                                                     "scores.t.contrib.npz", "scores.t.hyp.npz"}));

  options.quiet = true;
  std::ostringstream quiet;
  run_find_motifs(options, quiet);
  EXPECT_EQ(quiet.str(), "");

  // A failing run (window longer than the sequences) leaves the old outputs alone.
  options.seqlets.window = 500;
  EXPECT_THROW(run_find_motifs(options, quiet), InputError);
  EXPECT_EQ(test::read_file(dir.file("motifs.tsv")), motif_table(result));
  options.seqlets.window = 21;
  options.known = dir.file("missing.meme");
  EXPECT_THROW(run_find_motifs(options, quiet), IoError);
}

}  // namespace
}  // namespace deeplift
