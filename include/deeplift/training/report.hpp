// What train-model tells the user: a progress line per epoch on stderr and
// the metrics JSON written next to the model. The JSON holds no timings or
// thread counts, so the same seed and data give the same file byte for byte.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeplift/training/trainer.hpp"

namespace deeplift {

// "epoch 3/50  train loss 0.41230  valid loss 0.39870  both auROC 0.912 auPRC 0.801 ...  12.3 s  *best"
std::string epoch_line(const EpochRecord& record, const std::vector<std::string>& tasks, int epochs);

// "best epoch 12 (stopped early): valid loss 0.25586; test both auROC 0.9878 auPRC 0.9664 ..."
// (the validation metrics when there is no test split).
std::string summary_line(const TrainResult& result, const std::vector<std::string>& tasks);

// {"tasks", "options", "data", "initial_valid", "history" (per epoch: train
// and valid loss, per-task valid auROC/auPRC), "best_epoch", "stopped_early",
// "steps", "final": {"valid", "test"}}; undefined metrics (one class only)
// are null.
nlohmann::json metrics_report(const TrainResult& result, const std::vector<std::string>& tasks,
                              const TrainOptions& options, const TrainingData& data);

}  // namespace deeplift
