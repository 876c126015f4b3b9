// train-model as a library call: architecture JSON + FASTA + labels in,
// trained model file + metrics JSON out (docs/contributing.md, docs/model-format.md).
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "deeplift/training/trainer.hpp"

namespace deeplift {

// Every default lives here once (training's in TrainOptions); train-model
// --help prints them from it.
struct TrainModelOptions {
  std::string fasta;
  std::string labels;
  std::string arch;
  std::string out;               // MODEL.safetensors; metrics go to MODEL.metrics.json
  TrainOptions training;
  std::string negative_weights;  // w0 per task, "1,2,2" (empty: all 1)
  std::string positive_weights;  // w1 per task, "3,2,2" (empty: all 1)
  bool quiet = false;
};

// "model.safetensors" → "model.metrics.json" (any other name gets the suffix appended).
std::string metrics_path_for(const std::string& model_path);

// Every problem with the option values, one entry each naming the option
// (the files are not looked at).
std::vector<std::string> option_problems(const TrainModelOptions& options);

// Throws UsageError for bad option values (all problems, one per line),
// IoError/FormatError/InputError for bad files. The model and metrics files
// are opened before training starts and appear only when training has
// finished. Progress goes to `log` unless options.quiet.
TrainResult train_from_files(const TrainModelOptions& options, std::ostream& log);

}  // namespace deeplift
