// score-seqs as a library call: read sequences, cut them into windows,
// score them in parallel batches, write the outputs (docs/scoring.md,
// docs/outputs.md, docs/performance.md).
#pragma once
#include <ostream>

#include "deeplift/scoring/score_options.hpp"

namespace deeplift {

struct ScoreSummary {
  long records = 0;
  long windows = 0;
  long bases = 0;
  long skipped_regions = 0;  // by --clip
  long merged_regions = 0;   // overlapping BED regions merged into others
  double seconds = 0;
};

// Throws UsageError for bad option values (every problem at once),
// IoError/FormatError/InputError for bad files; on any error no output file
// is left behind. Progress and the summary line go to `log` unless
// options.quiet.
ScoreSummary score_sequences(const ScoreOptions& options, std::ostream& log);

}  // namespace deeplift
