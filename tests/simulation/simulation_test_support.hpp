// Helpers shared by the simulation tests (temporary directories, file
// reading, an independent PWM/log-odds computation, the 20,000-sequence run).
#pragma once
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "deeplift/motifs/pwm.hpp"
#include "deeplift/simulation/simulation.hpp"

namespace deeplift::test {

namespace fs = std::filesystem;

inline const std::string kMotifs = std::string(DEEPLIFT_SOURCE_DIR) + "/data/motifs/gata_tal.meme";
constexpr double kSigmas = 5.0;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;  // unique per process; the pid separates processes
    path_ = fs::temp_directory_path() /
            ("deeplift_sim_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string prefix(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

inline std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) out.push_back(field);
  return out;
}

inline SimulationOptions paper_options(std::uint64_t n, std::uint64_t seed) {
  SimulationOptions o;
  o.n = n;
  o.seed = seed;
  o.motifs_path = kMotifs;
  return o;
}

// Independent of the library: the raw matrices from the MEME file with the
// pseudocount of docs/simulation.md (the paper's procedure, step 5) applied here.
inline std::vector<std::vector<LetterProbs>> expected_probs() {
  std::vector<std::vector<LetterProbs>> out;
  for (const Pwm& pwm : read_meme(kMotifs).motifs) {
    std::vector<LetterProbs> rows;
    for (const LetterProbs& raw : pwm.rows) {
      LetterProbs row;
      for (int b = 0; b < 4; ++b) row[b] = raw[b] * (1.0 - 1e-4) + 1e-4 / 4.0;
      rows.push_back(row);
    }
    out.push_back(rows);
  }
  return out;
}

inline double independent_log_odds(const std::vector<LetterProbs>& probs, const std::string& oriented,
                                   const LetterProbs& bg) {
  const std::string acgt = "ACGT";
  double score = 0.0;
  for (std::size_t i = 0; i < oriented.size(); ++i) {
    const auto b = acgt.find(oriented[i]);
    score += std::log(probs[i][b]) - std::log(bg[b]);
  }
  return score;
}

inline std::string revcomp(const std::string& s) {
  std::string out(s.rbegin(), s.rend());
  for (char& c : out) c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
  return out;
}

constexpr std::uint64_t kStatsN = 20000;

inline SimulationOptions stats_options() {
  SimulationOptions o = paper_options(kStatsN, 2024);
  o.strands = Strands::Both;  // exercise the reverse-complement path too
  return o;
}

inline const std::vector<SimulatedSequence>& stats_run() {
  static const std::vector<SimulatedSequence> run = [] {
    const Simulation sim = Simulation::from_options(stats_options());
    std::vector<SimulatedSequence> out;
    out.reserve(kStatsN);
    for (std::uint64_t i = 0; i < kStatsN; ++i) out.push_back(sim.generate(i));
    return out;
  }();
  return run;
}

}  // namespace deeplift::test
