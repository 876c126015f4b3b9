#include "deeplift/scoring/score_options.hpp"

#include <omp.h>

#include <functional>
#include <sstream>

#include "deeplift/errors.hpp"

namespace deeplift {

Shard Shard::parse(const std::string& text) {
  if (text.empty()) return {0, 1};
  long k = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream stream(text);
  if (!(stream >> k >> slash >> n) || slash != '/' || (stream >> extra) || n < 1 || k < 1 || k > n)
    throw UsageError("bad --shard '" + text + "': use K/N with 1 <= K <= N, e.g. 2/8");
  return {k - 1, n};
}

ScorePlan check_score_options(const ScoreOptions& options) {
  ScorePlan plan;
  std::vector<std::string> problems;
  auto problem = [&](const std::string& text) { problems.push_back(text); };
  // A parser's UsageError becomes one problem among the others.
  auto parsed = [&](const std::function<void()>& parse) {
    try {
      parse();
    } catch (const UsageError& e) {
      problem(e.what());
    }
  };
  parsed([&] { plan.method = parse_method(options.method); });
  parsed([&] { plan.reference = ReferenceSpec::parse(options.reference); });
  parsed([&] { plan.formats = OutputFormats::parse(options.formats); });
  parsed([&] { plan.shard = Shard::parse(options.shard); });
  parsed([&] { plan.profile_target = parse_profile_target(options.profile_target); });

  if (options.threads < 0) problem("--threads must be >= 1 (or 0 for every core)");
  if (options.batch_size < 1) problem("--batch-size must be >= 1");
  if (options.ig_steps < 1) problem("--ig-steps must be >= 1");
  if (options.stride < 0) problem("--stride must be >= 1 (or 0 for half the input length)");
  if (options.center_width < 0) problem("--center-width must be >= 1");
  if (options.models.empty()) problem("--model MODEL is required");
  if (options.out.empty()) problem("--out PREFIX is required");
  // "dir/" would write hidden files "dir/.predictions.tsv", "dir/.ohe.npz", ...
  else if (options.out.back() == '/')
    problem("--out '" + options.out + "' is a directory; give a file name prefix, e.g. " + options.out + "scores");
  const bool has_bed = !options.bed.empty(), has_peaks = !options.peaks.empty();
  plan.from_genome = !options.genome.empty() || has_bed || has_peaks;
  plan.from_peaks = has_peaks;
  if (has_bed && has_peaks) problem("give either --bed or --peaks, not both");
  else if (plan.from_genome && (options.genome.empty() || (!has_bed && !has_peaks)))
    problem("--genome goes with --bed or --peaks");
  if (plan.from_genome == !options.fasta.empty()) problem("give either --fasta or --genome with --bed or --peaks");
  if (!has_bed && options.center_width > 0)
    problem("--center-width applies to --bed regions (--peaks windows have the model's input length)");
  if (!plan.from_genome && options.clip) problem("--clip applies to --bed regions and --peaks windows");

  if (!problems.empty()) {
    std::string message;
    for (const auto& text : problems) message += (message.empty() ? "" : "\n") + text;
    throw UsageError(message);
  }
  plan.threads = options.threads > 0 ? options.threads : omp_get_num_procs();
  return plan;
}

std::vector<int> select_tasks(const std::string& list, const std::vector<std::string>& tasks) {
  std::string known;
  for (const auto& task : tasks) known += (known.empty() ? "" : ", ") + task;
  const int task_count = static_cast<int>(tasks.size());
  std::vector<int> indices;
  if (list == "all") {
    for (int t = 0; t < task_count; ++t) indices.push_back(t);
    return indices;
  }
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) {
    int found = -1;
    for (int t = 0; t < task_count; ++t)
      if (tasks[t] == name) found = t;
    if (found < 0) throw UsageError("unknown task '" + name + "' (the model's tasks: " + known + ")");
    for (int already : indices)
      if (already == found) throw UsageError("task '" + name + "' is listed twice");
    indices.push_back(found);
  }
  if (indices.empty()) throw UsageError("no task given (use --tasks all or a list of: " + known + ")");
  return indices;
}

}  // namespace deeplift
