// score-seqs' options: the raw values as given (every default written once,
// here; --help prints them from it) and the typed, checked plan a run
// follows. Checking reports every problem at once, one per line.
#pragma once
#include <string>
#include <vector>

#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/profile_target.hpp"
#include "deeplift/scoring/reference.hpp"
#include "deeplift/scoring/score_outputs.hpp"

namespace deeplift {

struct ScoreOptions {
  // One model, or several (e.g. the folds of one experiment) whose scores
  // are averaged (model_ensemble.hpp).
  std::vector<std::string> models;
  std::string fasta;        // either FASTA records …
  std::string genome;       // … or BED regions of an indexed genome
  std::string bed;
  std::string peaks;        // … or windows around narrowPeak summits (instead of --bed)
  long center_width = 0;    // > 0: re-centre BED regions on their midpoints to this width
  bool clip = false;        // skip BED regions / peak windows past a chromosome end (else an error)
  std::string shard;        // "K/N": score only records K, K+N, K+2N, … (1-based)
  std::string out;
  std::string method = "revealcancel";
  std::string reference = "gc:0.4";
  std::string tasks = "all";
  std::string profile_target = "bpnet-lite";  // how a profile task is scored (docs/graph-models.md)
  std::string formats = "bedgraph,npz,tsv";
  int threads = 0;        // 0: every core
  int batch_size = 128;   // windows (or window × reference pairs) per batch
  int stride = 0;         // 0: half the model's input length
  int ig_steps = 10;      // integrated-gradients path points (the paper's 10 intervals)
  bool pad = false;       // pad records shorter than the input with N
  bool quiet = false;
  bool verify_model = true;
};

// Records index, index + count, index + 2·count, … of the input.
struct Shard {
  long index = 0;
  long count = 1;
  // "K/N" → {K−1, N}; empty → {0, 1}. Throws UsageError.
  static Shard parse(const std::string& text);
};

// What the options say, typed. Everything here is checked; the models and
// the task names are checked when the models are loaded (select_tasks,
// ModelEnsemble).
struct ScorePlan {
  Method method = Method::RevealCancel;
  ReferenceSpec reference;
  OutputFormats formats;
  ProfileTarget profile_target = ProfileTarget::BpnetLite;
  Shard shard;
  bool from_genome = false;  // --genome with --bed or --peaks
  bool from_peaks = false;   // --genome with --peaks
  int threads = 1;  // resolved: never 0
};

// Checks every option that needs no file. Throws one UsageError whose
// message lists every problem found, one per line.
ScorePlan check_score_options(const ScoreOptions& options);

// "all" or a comma-separated list of task names → indices into `tasks`, in
// the order given. Throws UsageError naming the unknown or repeated task.
std::vector<int> select_tasks(const std::string& list, const std::vector<std::string>& tasks);

}  // namespace deeplift
