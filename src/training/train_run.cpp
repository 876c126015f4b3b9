#include "deeplift/training/train_run.hpp"

#include <omp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/io/atomic_file.hpp"
#include "deeplift/model/model_writer.hpp"
#include "deeplift/training/initialization.hpp"
#include "deeplift/training/parameters.hpp"
#include "deeplift/training/report.hpp"

namespace deeplift {

namespace {

constexpr const char* kTag = "[train-model] ";

std::vector<float> parse_weights(const std::string& text, const std::string& option,
                                 std::vector<std::string>& problems) {
  std::vector<float> values;
  if (text.empty()) return values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    char* end = nullptr;
    const float value = std::strtof(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(value >= 0.0f) || !std::isfinite(value)) {
      problems.push_back("--" + option + " '" + text + "' is not a comma-separated list of non-negative numbers");
      return {};
    }
    values.push_back(value);
  }
  return values;
}

nlohmann::json read_architecture(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("can't open '" + path + "': " + std::strerror(errno));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError("'" + path + "': not JSON (" + std::string(e.what()) + ")");
  }
}

}  // namespace

std::string metrics_path_for(const std::string& model_path) {
  const std::string suffix = ".safetensors";
  if (model_path.size() > suffix.size() && model_path.compare(model_path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return model_path.substr(0, model_path.size() - suffix.size()) + ".metrics.json";
  return model_path + ".metrics.json";
}

std::vector<std::string> option_problems(const TrainModelOptions& options) {
  std::vector<std::string> problems;
  parse_weights(options.negative_weights, "neg-weights", problems);
  parse_weights(options.positive_weights, "pos-weights", problems);
  if (options.out.empty()) problems.push_back("--out is empty");
  for (auto& problem : option_problems(options.training)) problems.push_back(std::move(problem));
  return problems;
}

TrainResult train_from_files(const TrainModelOptions& options, std::ostream& log) {
  // Check every option first and report all problems at once.
  throw_usage_problems(option_problems(options));
  TrainOptions training = options.training;
  std::vector<std::string> unused;
  training.class_weights.negative = parse_weights(options.negative_weights, "neg-weights", unused);
  training.class_weights.positive = parse_weights(options.positive_weights, "pos-weights", unused);

  const nlohmann::json architecture = read_architecture(options.arch);
  Model model = build_untrained_model(architecture, options.arch);
  if (!model.is_sequential())
    throw InputError("'" + options.arch + "': train-model trains sequential models only (a layer stack ending in dense; "
                     "docs/graph-models.md)");
  // A property of the architecture file, so an input error (exit 2), not a usage one.
  if (model.output() == OutputKind::Linear)
    throw InputError("'" + options.arch + "': output \"linear\" has no training loss here; use \"sigmoid\" or \"softmax\"");
  // Class weights that do not fit the tasks or the output fail here, before the data are read.
  const Loss probe_loss(model.output(), model.task_count(), training.class_weights);
  (void)probe_loss;
  const LabelTable labels = read_label_table(options.labels, model.tasks());
  const TrainingData data = load_training_data(options.fasta, labels, model);

  const std::string metrics_path = metrics_path_for(options.out);
  AtomicFile model_file(options.out);
  AtomicFile metrics_file(metrics_path);

  initialize_parameters(model, training.seed);
  const int threads = training.threads > 0 ? training.threads : omp_get_num_procs();
  if (!options.quiet)
    log << kTag << data.train.size() << " train / " << data.valid.size() << " valid / " << data.test.size()
        << " test sequences (" << data.split_rule << "); " << parameter_count(model) << " parameters; " << threads
        << " threads" << std::endl;

  const TrainResult result = train_model(model, data, training, [&](const EpochRecord& record) {
    if (!options.quiet) log << kTag << epoch_line(record, model.tasks(), training.epochs) << std::endl;
  });

  const nlohmann::json report = metrics_report(result, model.tasks(), training, data);
  const nlohmann::json provenance = {{"tool", "train-model"},
                                     {"seed", training.seed},
                                     {"best_epoch", result.best_epoch},
                                     {"options", report["options"]}};
  write_model(model, model_file.stream(), {{"training", provenance.dump()}});
  const std::string text = report.dump(2) + "\n";
  std::fwrite(text.data(), 1, text.size(), metrics_file.stream());
  // Both files appear together: everything that can fail first, renames last.
  model_file.finish();
  metrics_file.finish();
  model_file.publish();
  metrics_file.publish();

  if (!options.quiet) {
    log << kTag << summary_line(result, model.tasks()) << "\n";
    log << kTag << "wrote " << options.out << " and " << metrics_path << std::endl;
  }
  return result;
}

}  // namespace deeplift
