// The simulation against docs/simulation.md (the deeplift-paper preset and the
// paper's procedure): exact class sizes,
// statistics of a 20,000-sequence run, DeepPAD, option errors.
// Statistical tolerances are 5 binomial standard deviations; chi-square
// tests use the p = 1e-4 critical value of their degrees of freedom (2 dof:
// 18.421; 9 dof: 33.720), so a correct generator fails a given check with
// probability ~1e-4 (and, the seed being fixed, either always or never).
#include "deeplift/simulation/simulation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "deeplift/errors.hpp"
#include "simulation_test_support.hpp"

namespace deeplift {
namespace {

using namespace test;

// ---------------------------------------------------------------- layout

TEST(Simulation, ExactClassSizesNamesAndSplit) {
  const Simulation sim = Simulation::from_options(paper_options(8000, 1));
  ASSERT_EQ(sim.tasks(), (std::vector<std::string>{"both", "gata1", "tal1"}));
  ASSERT_EQ(sim.classes().size(), 4u);
  EXPECT_EQ(sim.motifs()[0].name, "GATA_disc1");
  EXPECT_EQ(sim.motifs()[1].name, "TAL1_known1");
  std::vector<int> per_class(4, 0);
  std::map<std::string, int> split_count;
  std::map<std::string, std::vector<int>> split_class;
  for (std::uint64_t i = 0; i < sim.size(); ++i) {
    const std::size_t c = sim.class_of(i);
    ++per_class[c];
    char number[32];
    std::snprintf(number, sizeof number, "%06llu", static_cast<unsigned long long>(i + 1));
    EXPECT_EQ(sim.record_name(i), sim.classes()[c].prefix + "_" + number);
    const std::string split = split_name(paper_split(i));
    ++split_count[split];
    split_class[split].resize(4);
    ++split_class[split][c];
  }
  EXPECT_EQ(per_class, (std::vector<int>{2000, 2000, 2000, 2000}));
  EXPECT_EQ(split_count["train"], 6400);
  EXPECT_EQ(split_count["valid"], 800);
  EXPECT_EQ(split_count["test"], 800);
  for (auto& [split, counts] : split_class)
    for (int c : counts) EXPECT_GT(c, 0) << split;
  // The paper's rule: header = line 1; record 1 is line 2 (train), record 9
  // is line 10 (valid), record 10 is line 11 (test).
  EXPECT_EQ(paper_split(0), Split::Train);
  EXPECT_EQ(paper_split(8), Split::Valid);
  EXPECT_EQ(paper_split(9), Split::Test);
  EXPECT_EQ(sim.classes()[0].prefix, "gata_tal1");
  EXPECT_EQ(sim.classes()[0].labels, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(sim.classes()[1].labels, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(sim.classes()[2].labels, (std::vector<int>{0, 0, 1}));
  EXPECT_EQ(sim.classes()[3].labels, (std::vector<int>{0, 0, 0}));
}

TEST(Simulation, RemaindersAndLongNames) {
  SimulationOptions o = paper_options(10, 1);
  const Simulation small = Simulation::from_options(o);
  std::vector<int> per_class(4, 0);
  for (std::uint64_t i = 0; i < small.size(); ++i) ++per_class[small.class_of(i)];
  EXPECT_EQ(per_class, (std::vector<int>{3, 3, 2, 2}));
  o.n = 1234567;
  const Simulation big = Simulation::from_options(o);
  const std::string name = big.record_name(0);
  EXPECT_EQ(name.substr(name.size() - 8), "_0000001");
}

// ---------------------------------------------------------------- reproducibility

// ---------------------------------------------------------------- statistics

TEST(SimulationStatistics, BackgroundFrequenciesOutsideInstances) {
  const LetterProbs bg = stats_options().background;
  std::array<double, 4> counts{};
  double total = 0.0;
  for (const SimulatedSequence& s : stats_run()) {
    std::vector<bool> motif(s.sequence.size(), false);
    for (const MotifInstance& m : s.instances)
      for (int i = m.start; i < m.end; ++i) motif[i] = true;
    for (std::size_t i = 0; i < s.sequence.size(); ++i) {
      if (motif[i]) continue;
      ++counts[base_index(s.sequence[i])];
      ++total;
    }
  }
  for (int b = 0; b < 4; ++b) {
    const double sd = std::sqrt(bg[b] * (1 - bg[b]) / total);
    EXPECT_NEAR(counts[b] / total, bg[b], kSigmas * sd) << kBases[b];
  }
}

TEST(SimulationStatistics, ClassProportions) {
  std::vector<double> per_class(4, 0.0);
  std::map<Split, std::vector<double>> per_split;
  for (std::uint64_t i = 0; i < kStatsN; ++i) {
    const auto c = stats_run()[i].class_index;
    ++per_class[c];
    per_split[paper_split(i)].resize(4);
    ++per_split[paper_split(i)][c];
  }
  // Class sizes are exact (2,000 each of 8,000 in the paper) ...
  for (double c : per_class) EXPECT_EQ(c, kStatsN / 4.0);
  // ... and the shuffled order spreads them evenly over the splits: within a
  // split of m records each class is ~m/4 (hypergeometric; the binomial
  // variance m·¼·¾ bounds it).
  for (auto& [split, counts] : per_split) {
    double m = 0.0;
    for (double c : counts) m += c;
    for (double c : counts) EXPECT_NEAR(c, m / 4.0, kSigmas * std::sqrt(m * 0.25 * 0.75)) << split_name(split);
  }
}

TEST(SimulationStatistics, InstanceCountsFollowTruncatedPoisson) {
  // Expected P(k), k = 1..3, computed here from lambda^k / k!.
  auto pmf = [](double lambda) {
    std::vector<double> w = {lambda, lambda * lambda / 2.0, lambda * lambda * lambda / 6.0};
    const double total = w[0] + w[1] + w[2];
    for (double& x : w) x /= total;
    return w;
  };
  // histogram[class][motif][k]
  std::vector<std::vector<std::vector<double>>> hist(4,
                                                     std::vector<std::vector<double>>(2, std::vector<double>(4, 0.0)));
  std::vector<double> class_size(4, 0.0);
  for (const SimulatedSequence& s : stats_run()) {
    int count[2] = {0, 0};
    for (const MotifInstance& m : s.instances) ++count[m.motif];
    ++class_size[s.class_index];
    for (int motif = 0; motif < 2; ++motif) {
      ASSERT_LE(count[motif], 3) << s.name;
      ++hist[s.class_index][motif][count[motif]];
    }
  }
  struct Row {
    std::size_t cls;
    int motif;
    double lambda;
    const char* what;
  };
  const Row rows[] = {
      {0, 0, 1.0, "both/GATA"}, {0, 1, 1.0, "both/TAL1"}, {1, 0, 2.0, "gata_only/GATA"}, {2, 1, 2.0, "tal1_only/TAL1"}};
  for (const Row& r : rows) {
    const auto p = pmf(r.lambda);
    const double n = class_size[r.cls];
    EXPECT_EQ(hist[r.cls][r.motif][0], 0.0) << r.what << ": a labelled motif is always present";
    double chi2 = 0.0;
    for (int k = 1; k <= 3; ++k) {
      const double expected = n * p[k - 1];
      chi2 += (hist[r.cls][r.motif][k] - expected) * (hist[r.cls][r.motif][k] - expected) / expected;
    }
    EXPECT_LT(chi2, 18.421) << r.what << " counts " << hist[r.cls][r.motif][1] << "/" << hist[r.cls][r.motif][2] << "/"
                            << hist[r.cls][r.motif][3];
  }
  // Motifs absent from a class are never embedded.
  EXPECT_EQ(hist[1][1][0], class_size[1]);
  EXPECT_EQ(hist[2][0][0], class_size[2]);
  EXPECT_EQ(hist[3][0][0], class_size[3]);
  EXPECT_EQ(hist[3][1][0], class_size[3]);
}

TEST(SimulationStatistics, LetterFrequenciesMatchPwmWithPseudocount) {
  const auto probs = expected_probs();
  // counts[motif][position][letter], from the sampled (motif-oriented) strings
  std::vector<std::vector<std::array<double, 4>>> counts(2);
  std::vector<double> n(2, 0.0);
  for (int m = 0; m < 2; ++m) counts[m].assign(probs[m].size(), {0, 0, 0, 0});
  for (const SimulatedSequence& s : stats_run())
    for (const MotifInstance& inst : s.instances) {
      ++n[inst.motif];
      for (std::size_t i = 0; i < inst.sampled.size(); ++i) ++counts[inst.motif][i][base_index(inst.sampled[i])];
    }
  double consensus_hits = 0.0, consensus_expected = 0.0, consensus_var = 0.0;
  for (int m = 0; m < 2; ++m) {
    ASSERT_GT(n[m], 10000.0);
    for (std::size_t i = 0; i < probs[m].size(); ++i) {
      int best = 0;
      for (int b = 0; b < 4; ++b) {
        const double p = probs[m][i][b];
        // Near-zero cells (p' = 2.5e-5: ~0.4 expected) get a variance floor
        // of 1 count, i.e. a tolerance of 5 counts.
        const double sd = std::sqrt(std::max(n[m] * p * (1 - p), 1.0));
        EXPECT_NEAR(counts[m][i][b], n[m] * p, kSigmas * sd)
            << "motif " << m << " position " << i + 1 << " " << kBases[b];
        if (p > probs[m][i][best]) best = b;
      }
      // Consensus letter (argmax): matched at >= the expected rate.
      const double p = probs[m][i][best];
      consensus_hits += counts[m][i][best];
      consensus_expected += n[m] * p;
      consensus_var += n[m] * p * (1 - p);
    }
  }
  EXPECT_GE(consensus_hits, consensus_expected - kSigmas * std::sqrt(consensus_var));
}

TEST(SimulationStatistics, InstancesAreInPlaceNonOverlappingAndScored) {
  const auto probs = expected_probs();
  const LetterProbs bg = stats_options().background;
  double minus = 0.0, total = 0.0, touching = 0.0;
  for (const SimulatedSequence& s : stats_run()) {
    ASSERT_EQ(s.sequence.size(), 200u);
    for (std::size_t k = 0; k < s.instances.size(); ++k) {
      const MotifInstance& m = s.instances[k];
      const int width = static_cast<int>(probs[m.motif].size());
      ASSERT_EQ(m.end - m.start, width);
      ASSERT_GE(m.start, 0);
      ASSERT_LE(m.end, 200);
      const std::string here = s.sequence.substr(m.start, width);
      EXPECT_EQ(m.strand == '-' ? revcomp(here) : here, m.sampled) << s.name;
      EXPECT_NEAR(m.score, independent_log_odds(probs[m.motif], m.sampled, bg), 1e-9);
      if (k > 0) {
        ASSERT_LE(s.instances[k - 1].end, m.start) << s.name << ": overlapping instances";
        touching += s.instances[k - 1].end == m.start;
      }
      minus += m.strand == '-';
      ++total;
    }
  }
  // --strands both: each strand with probability 1/2.
  EXPECT_NEAR(minus / total, 0.5, kSigmas * std::sqrt(0.25 / total));
  // Touching is allowed (the paper's data has 127 adjacent pairs in 8,000).
  EXPECT_GT(touching, 0.0);
}

TEST(SimulationStatistics, SingleInstanceStartsAreUniform) {
  // A lone instance's start is uniform on 0..L−w (docs/simulation.md, the
  // paper's procedure, step 7): decile
  // chi-square, expected counts proportional to each bin's size.
  for (int motif = 0; motif < 2; ++motif) {
    const int positions = motif == 0 ? 191 : 185;
    std::vector<double> observed(10, 0.0), size(10, 0.0);
    for (int p = 0; p < positions; ++p) ++size[p * 10 / positions];
    double n = 0.0;
    for (const SimulatedSequence& s : stats_run()) {
      if (s.instances.size() != 1 || s.instances[0].motif != static_cast<std::size_t>(motif)) continue;
      ++observed[s.instances[0].start * 10 / positions];
      ++n;
    }
    ASSERT_GT(n, 1000.0);
    double chi2 = 0.0;
    for (int b = 0; b < 10; ++b) {
      const double expected = n * size[b] / positions;
      chi2 += (observed[b] - expected) * (observed[b] - expected) / expected;
    }
    EXPECT_LT(chi2, 33.72) << "motif " << motif;
  }
}

// ---------------------------------------------------------------- DeepPAD

TEST(Simulation, DeeppadPreset) {
  SimulationOptions o = deeppad_options();
  o.n = 6000;
  const Simulation sim = Simulation::from_options(o);
  ASSERT_EQ(sim.tasks(), std::vector<std::string>{"positive"});
  std::vector<double> per_class(3, 0.0);
  std::array<double, 4> background{};
  double background_total = 0.0;
  for (std::uint64_t i = 0; i < sim.size(); ++i) {
    const SimulatedSequence s = sim.generate(i);
    ++per_class[s.class_index];
    int count[2] = {0, 0};
    std::vector<bool> motif(s.sequence.size(), false);
    for (const MotifInstance& m : s.instances) {
      ++count[m.motif];
      EXPECT_EQ(s.sequence.substr(m.start, m.end - m.start), kDeeppadPatterns[m.motif]);
      EXPECT_NEAR(m.score, (m.end - m.start) * std::log(4.0), 1e-9);
      for (int k = m.start; k < m.end; ++k) motif[k] = true;
    }
    for (std::size_t k = 0; k < s.sequence.size(); ++k)
      if (!motif[k]) ++background[base_index(s.sequence[k])], ++background_total;
    switch (s.class_index) {
      case 0:  // positive: one of each
        EXPECT_EQ(count[0], 1);
        EXPECT_EQ(count[1], 1);
        EXPECT_EQ(sim.classes()[0].labels, std::vector<int>{1});
        break;
      case 1:  // negative: GATA once or twice
        EXPECT_TRUE(count[0] == 1 || count[0] == 2);
        EXPECT_EQ(count[1], 0);
        break;
      default:  // negative: CAGATG once or twice
        EXPECT_EQ(count[0], 0);
        EXPECT_TRUE(count[1] == 1 || count[1] == 2);
    }
  }
  // positives : negatives = 1 : 2
  EXPECT_EQ(per_class, (std::vector<double>{2000, 2000, 2000}));
  for (int b = 0; b < 4; ++b)
    EXPECT_NEAR(background[b] / background_total, 0.25, kSigmas * std::sqrt(0.25 * 0.75 / background_total));
  EXPECT_EQ(sim.classes()[1].labels, std::vector<int>{0});
  EXPECT_EQ(sim.classes()[2].labels, std::vector<int>{0});
}

// ---------------------------------------------------------------- errors

TEST(Simulation, BadOptionsAreUsageErrors) {
  auto message = [](SimulationOptions o) {
    try {
      Simulation::from_options(o);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SimulationOptions o = paper_options(100, 1);
  o.background = {0.3, 0.3, 0.3, 0.3};
  EXPECT_NE(message(o).find("--background 0.3,0.3,0.3,0.3"), std::string::npos) << message(o);
  o = paper_options(100, 1);
  o.background = {0.5, 0.5, 0.0, 0.0};
  EXPECT_NE(message(o).find("--background"), std::string::npos);
  o = paper_options(100, 1);
  o.length = 77;  // both class may need 3·10 + 3·16 = 78
  EXPECT_NE(message(o).find("--length 77 is too short: class both may embed 78"), std::string::npos) << message(o);
  o = paper_options(100, 1);
  o.min_instances = 3;
  o.max_instances = 2;
  EXPECT_NE(message(o).find("--min-instances exceeds --max-instances"), std::string::npos);
  o = paper_options(100, 1);
  o.min_instances = 40;
  o.max_instances = 40;
  o.length = 100000;
  EXPECT_NE(message(o).find("too unlikely"), std::string::npos) << message(o);
  o = paper_options(0, 1);
  EXPECT_NE(message(o).find("--n must be at least 1"), std::string::npos);
}

TEST(Simulation, MotifFileChoice) {
  TempDir dir;
  const std::string row = "0.25 0.25 0.25 0.25\n";
  auto write = [&](const std::string& name, int motifs) {
    std::ofstream out(dir.prefix(name));
    out << "MEME version 4\n";
    for (int m = 0; m < motifs; ++m) out << "MOTIF m" << m << "\nletter-probability matrix: w= 2\n" << row << row;
    return dir.prefix(name);
  };
  SimulationOptions o = paper_options(10, 1);
  o.motifs_path = write("two.meme", 2);  // no GATA_disc1/TAL1_known1: taken in order
  const Simulation sim = Simulation::from_options(o);
  EXPECT_EQ(sim.motifs()[0].name, "m0");
  EXPECT_EQ(sim.motifs()[1].name, "m1");
  o.motifs_path = write("three.meme", 3);
  try {
    Simulation::from_options(o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 3 motifs"), std::string::npos) << e.what();
  }
  o.motifs_path = dir.prefix("missing.meme");
  EXPECT_THROW(Simulation::from_options(o), IoError);
}

}  // namespace
}  // namespace deeplift
