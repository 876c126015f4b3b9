#include "deeplift/training/report.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace deeplift {

namespace {

std::string fixed(double value, int digits) {
  if (std::isnan(value)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// NaN (a metric undefined on one class) becomes JSON null.
nlohmann::json number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

// A float option as the decimal the user typed (1e-3, not 0.0010000000474974513).
double decimal(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(value));
  return std::stod(text);
}

std::vector<double> decimals(const std::vector<float>& values) {
  std::vector<double> result;
  for (float value : values) result.push_back(decimal(value));
  return result;
}

nlohmann::json evaluation_json(const Evaluation& evaluation, const std::vector<std::string>& tasks) {
  nlohmann::json per_task = nlohmann::json::object();
  for (size_t t = 0; t < tasks.size() && t < evaluation.tasks.size(); ++t) {
    const TaskMetrics& m = evaluation.tasks[t];
    per_task[tasks[t]] = {{"auroc", number(m.auroc)},
                          {"auprc", number(m.auprc)},
                          {"positives", m.positives},
                          {"negatives", m.negatives}};
  }
  return {{"loss", number(evaluation.loss)}, {"sequences", evaluation.size}, {"tasks", per_task}};
}

}  // namespace

std::string epoch_line(const EpochRecord& record, const std::vector<std::string>& tasks, int epochs) {
  std::string line = "epoch " + std::to_string(record.epoch) + "/" + std::to_string(epochs) + "  train loss " +
                     fixed(record.train_loss, 5) + "  valid loss " + fixed(record.valid.loss, 5);
  for (size_t t = 0; t < tasks.size() && t < record.valid.tasks.size(); ++t)
    line += "  " + tasks[t] + " auROC " + fixed(record.valid.tasks[t].auroc, 4) + " auPRC " +
            fixed(record.valid.tasks[t].auprc, 4);
  line += "  " + fixed(record.seconds, 1) + " s";
  if (record.best) line += "  *best";
  return line;
}

std::string summary_line(const TrainResult& result, const std::vector<std::string>& tasks) {
  std::string line = "best epoch " + std::to_string(result.best_epoch) + (result.stopped_early ? " (stopped early)" : "") +
                     ": valid loss " + fixed(result.final_valid.loss, 5);
  const bool test = result.final_test.size > 0;
  const Evaluation& shown = test ? result.final_test : result.final_valid;
  line += test ? "; test" : "; valid";
  for (size_t t = 0; t < tasks.size() && t < shown.tasks.size(); ++t)
    line += " " + tasks[t] + " auROC " + fixed(shown.tasks[t].auroc, 4) + " auPRC " + fixed(shown.tasks[t].auprc, 4);
  return line;
}

nlohmann::json metrics_report(const TrainResult& result, const std::vector<std::string>& tasks,
                              const TrainOptions& options, const TrainingData& data) {
  nlohmann::json report;
  report["tasks"] = tasks;
  nlohmann::json weights = nullptr;
  if (!options.class_weights.negative.empty() || !options.class_weights.positive.empty())
    weights = {{"negative", decimals(options.class_weights.negative)},
               {"positive", decimals(options.class_weights.positive)}};
  report["options"] = {{"epochs", options.epochs},
                       {"seed", options.seed},
                       {"batch_size", options.batch_size},
                       {"sub_batch", options.sub_batch},
                       {"learning_rate", decimal(options.adam.learning_rate)},
                       {"beta1", decimal(options.adam.beta1)},
                       {"beta2", decimal(options.adam.beta2)},
                       {"epsilon", decimal(options.adam.epsilon)},
                       {"patience", options.patience},
                       {"class_weights", weights}};
  report["data"] = {{"train", data.train.size()},
                    {"valid", data.valid.size()},
                    {"test", data.test.size()},
                    {"split", data.split_rule}};
  report["initial_valid"] = evaluation_json(result.initial_valid, tasks);
  nlohmann::json history = nlohmann::json::array();
  for (const auto& record : result.history) {
    nlohmann::json per_task = nlohmann::json::object();
    for (size_t t = 0; t < tasks.size() && t < record.valid.tasks.size(); ++t)
      per_task[tasks[t]] = {{"auroc", number(record.valid.tasks[t].auroc)}, {"auprc", number(record.valid.tasks[t].auprc)}};
    history.push_back({{"epoch", record.epoch},
                       {"train_loss", number(record.train_loss)},
                       {"valid_loss", number(record.valid.loss)},
                       {"valid", per_task}});
  }
  report["history"] = history;
  report["best_epoch"] = result.best_epoch;
  report["stopped_early"] = result.stopped_early;
  report["steps"] = result.steps;
  report["final"] = {{"valid", evaluation_json(result.final_valid, tasks)},
                     {"test", result.final_test.size > 0 ? evaluation_json(result.final_test, tasks) : nlohmann::json(nullptr)}};
  return report;
}

}  // namespace deeplift
