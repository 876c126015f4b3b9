// The written files (docs/simulation.md): bytes independent of thread count and
// fixed by the seed, FASTA/labels/BED consistent with each other and with the
// rules, and nothing left behind by a failed run.
#include "deeplift/simulation/simulation_writer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "deeplift/errors.hpp"
#include "simulation_test_support.hpp"

namespace deeplift {
namespace {

using namespace test;

TEST(SimulationWriter, ReproducibleBySeedAndIndependentOfThreads) {
  TempDir dir;
  SimulationOptions o = paper_options(3000, 5);
  o.strands = Strands::Both;
  const Simulation sim = Simulation::from_options(o);
  write_simulation(sim, dir.prefix("one"), 1);
  write_simulation(sim, dir.prefix("two"), 2);
  write_simulation(Simulation::from_options(o), dir.prefix("again"), 1);
  for (const char* ext : {".fa", ".labels.tsv", ".motifs.bed"}) {
    const std::string one = slurp(dir.prefix("one") + ext);
    ASSERT_FALSE(one.empty()) << ext;
    EXPECT_EQ(one, slurp(dir.prefix("two") + ext)) << ext;
    EXPECT_EQ(one, slurp(dir.prefix("again") + ext)) << ext;
  }
  // A sequence depends on (seed, index) only, whatever is generated before it.
  EXPECT_EQ(sim.generate(2999).sequence, Simulation::from_options(o).generate(2999).sequence);
  o.seed = 6;
  write_simulation(Simulation::from_options(o), dir.prefix("other"), 2);
  EXPECT_NE(slurp(dir.prefix("one") + ".fa"), slurp(dir.prefix("other") + ".fa"));
}

// Pinned digests of a small run: the data a seed produces is part of the
// tool's contract (docs/simulation.md). Changing the generator changes these on purpose.
TEST(SimulationWriter, PinnedOutput) {
  TempDir dir;
  write_simulation(Simulation::from_options(paper_options(40, 1)), dir.prefix("pin"), 2);
  EXPECT_EQ(fnv1a(slurp(dir.prefix("pin") + ".fa")), 0x43e3259eb861aea2ULL);
  EXPECT_EQ(fnv1a(slurp(dir.prefix("pin") + ".labels.tsv")), 0xb53ad8c84b0fc2d3ULL);
  EXPECT_EQ(fnv1a(slurp(dir.prefix("pin") + ".motifs.bed")), 0xad09a2c11274ac9eULL);
}

// The files say what the generator did: every BED instance is in the FASTA at
// its position and strand with its score; labels and split follow the rules.
TEST(SimulationWriter, FilesAgreeWithEachOther) {
  TempDir dir;
  const Simulation sim = Simulation::from_options(stats_options());
  const SimulationSummary summary = write_simulation(sim, dir.prefix("sim"), 2);
  EXPECT_EQ(summary.sequences, kStatsN);

  std::map<std::string, std::string> fasta;
  std::vector<std::string> order;
  {
    std::ifstream in(dir.prefix("sim") + ".fa");
    std::string header, sequence;
    while (std::getline(in, header) && std::getline(in, sequence)) {
      ASSERT_EQ(header[0], '>');
      ASSERT_EQ(sequence.size(), 200u);
      order.push_back(header.substr(1));
      fasta[header.substr(1)] = sequence;
    }
  }
  ASSERT_EQ(order.size(), kStatsN);

  std::ifstream labels(dir.prefix("sim") + ".labels.tsv");
  std::string line;
  std::getline(labels, line);
  EXPECT_EQ(line, "name\tboth\tgata1\ttal1\tsplit");
  std::map<std::string, std::vector<std::string>> label_of;
  for (std::uint64_t i = 0; std::getline(labels, line); ++i) {
    const auto f = split_tabs(line);
    ASSERT_EQ(f.size(), 5u);
    ASSERT_EQ(f[0], order[i]);
    const std::uint64_t line_number = i + 2;
    EXPECT_EQ(f[4], line_number % 10 == 1 ? "test" : line_number % 10 == 0 ? "valid" : "train");
    const std::string labels_of_class = f[0].rfind("gata_tal1_", 0) == 0   ? "111"
                                        : f[0].rfind("gata_only_", 0) == 0 ? "010"
                                        : f[0].rfind("tal1_only_", 0) == 0 ? "001"
                                                                           : "000";
    EXPECT_EQ(f[1] + f[2] + f[3], labels_of_class) << f[0];
    label_of[f[0]] = f;
  }

  const auto probs = expected_probs();
  const LetterProbs bg = stats_options().background;
  std::ifstream bed(dir.prefix("sim") + ".motifs.bed");
  std::uint64_t records = 0;
  std::map<std::string, std::string> seen_motifs;
  while (std::getline(bed, line)) {
    const auto f = split_tabs(line);
    ASSERT_EQ(f.size(), 6u) << line;
    ASSERT_TRUE(fasta.count(f[0])) << line;
    const int start = std::stoi(f[1]), end = std::stoi(f[2]);
    const int motif = f[3] == "GATA_disc1" ? 0 : f[3] == "TAL1_known1" ? 1 : -1;
    ASSERT_GE(motif, 0) << line;
    ASSERT_EQ(end - start, static_cast<int>(probs[motif].size()));
    ASSERT_TRUE(f[5] == "+" || f[5] == "-");
    std::string oriented = fasta[f[0]].substr(start, end - start);
    if (f[5] == "-") oriented = revcomp(oriented);
    EXPECT_NEAR(std::stod(f[4]), independent_log_odds(probs[motif], oriented, bg), 1e-6) << line;
    // A motif's label is 1 exactly where it has instances.
    EXPECT_EQ(label_of[f[0]][2 + motif], "1") << line;
    seen_motifs[f[0]] += std::to_string(motif);
    ++records;
  }
  EXPECT_EQ(records, summary.instances);
  for (const auto& [name, f] : label_of) {
    const std::string& motifs = seen_motifs[name];
    EXPECT_EQ(f[2] == "1", motifs.find('0') != std::string::npos) << name;
    EXPECT_EQ(f[3] == "1", motifs.find('1') != std::string::npos) << name;
  }
}

TEST(SimulationWriter, NoRoomIsAnInputErrorAndLeavesNoFiles) {
  // 78 bp passes the up-front check (3·10 + 3·16) but random placement
  // fragments the sequence, so some "both" record with 3 + 3 instances fails.
  TempDir dir;
  SimulationOptions o = paper_options(4000, 1);
  o.length = 78;
  const Simulation sim = Simulation::from_options(o);
  try {
    write_simulation(sim, dir.prefix("full"), 2);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no room left"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a failed run must leave no output";
}

}  // namespace
}  // namespace deeplift
