// score-seqs as a library call: read sequences, cut them into windows,
// score them in parallel batches, write the outputs (docs/scoring.md, docs/outputs.md, docs/performance.md).
#pragma once
#include <ostream>
#include <string>

namespace deeplift {

// Every default lives here once; score-seqs --help prints them from it.
struct ScoreOptions {
  std::string model;
  std::string fasta;        // either FASTA records …
  std::string genome;       // … or BED regions of an indexed genome
  std::string bed;
  long center_width = 0;    // > 0: re-centre BED regions on their midpoints to this width
  bool clip = false;        // skip BED regions past a chromosome end (else an error)
  std::string shard;        // "K/N": score only records K, K+N, K+2N, … (1-based)
  std::string out;
  std::string method = "revealcancel";
  std::string reference = "gc:0.4";
  std::string tasks = "all";
  std::string formats = "bedgraph,npz,tsv";
  int threads = 0;        // 0: every core
  int batch_size = 128;   // windows (or window × reference pairs) per batch
  int stride = 0;         // 0: half the model's input length
  int ig_steps = 10;      // integrated-gradients path points (the paper's 10 intervals)
  bool pad = false;       // pad records shorter than the input with N
  bool quiet = false;
  bool verify_model = true;
};

struct ScoreSummary {
  long records = 0;
  long windows = 0;
  long bases = 0;
  long skipped_regions = 0;  // by --clip
  long merged_regions = 0;   // overlapping BED regions merged into others
  double seconds = 0;
};

// Throws UsageError for bad option values, IoError/FormatError/InputError
// for bad files; on any error no output file is left behind. Progress and
// the summary line go to `log` unless options.quiet.
ScoreSummary score_sequences(const ScoreOptions& options, std::ostream& log);

}  // namespace deeplift
