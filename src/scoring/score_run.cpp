#include "deeplift/scoring/score_run.hpp"

#include <omp.h>

#include <chrono>
#include <exception>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_set>

#include "deeplift/errors.hpp"
#include "deeplift/io/fasta_reader.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/io/record_coordinates.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/ism.hpp"
#include "deeplift/scoring/reference.hpp"
#include "deeplift/scoring/score_outputs.hpp"
#include "deeplift/scoring/windows.hpp"

namespace deeplift {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<int> parse_tasks(const std::string& list, const Model& model) {
  std::vector<int> indices;
  if (list == "all") {
    for (int t = 0; t < model.task_count(); ++t) indices.push_back(t);
    return indices;
  }
  std::stringstream stream(list);
  std::string name;
  std::string known;
  for (const auto& task : model.tasks()) known += (known.empty() ? "" : ", ") + task;
  while (std::getline(stream, name, ',')) {
    int found = -1;
    for (int t = 0; t < model.task_count(); ++t)
      if (model.tasks()[t] == name) found = t;
    if (found < 0) throw UsageError("unknown task '" + name + "' (the model's tasks: " + known + ")");
    for (int already : indices)
      if (already == found) throw UsageError("task '" + name + "' is listed twice");
    indices.push_back(found);
  }
  if (indices.empty()) throw UsageError("no task given (use --tasks all or a list of: " + known + ")");
  return indices;
}

// A record waiting in the current chunk, with its windows.
struct PendingRecord {
  std::string name;
  std::string sequence;  // padded with N when --pad and too short
  long pad_left = 0;
  long real_length = 0;
  RecordCoordinates coordinates;
  std::vector<long> starts;
  long first_window = 0;  // index of its first window in the chunk
};

// Per-thread scoring state: scorer, batch buffers, results of one batch.
struct Worker {
  std::unique_ptr<DeepLiftScorer> deeplift;
  std::unique_ptr<IsmScorer> ism;
  Matrix input, references, scores, hypothetical;
  BatchScores batch;
};

}  // namespace

ScoreSummary score_sequences(const ScoreOptions& options, std::ostream& log) {
  const auto started = Clock::now();
  // Check every option before touching any file.
  const Method method = parse_method(options.method);
  const ReferenceSpec reference = ReferenceSpec::parse(options.reference);
  const OutputFormats formats = OutputFormats::parse(options.formats);
  if (options.threads < 0) throw UsageError("--threads must be >= 1 (or 0 for every core)");
  if (options.batch_size < 1) throw UsageError("--batch-size must be >= 1");
  if (options.stride < 0) throw UsageError("--stride must be >= 1");
  if (options.out.empty()) throw UsageError("--out PREFIX is required");

  const Model model = load_model(options.model, ModelLoadOptions{options.verify_model});
  const std::vector<int> tasks = parse_tasks(options.tasks, model);
  const int length = model.input_length();
  const int stride = options.stride > 0 ? options.stride : std::max(1, length / 2);
  const int task_count = static_cast<int>(tasks.size());
  const bool has_reference = uses_reference(method);
  const int per_window = has_reference ? reference.per_sequence() : 1;
  const int threads = options.threads > 0 ? options.threads : omp_get_num_procs();
  // A batch holds whole windows with all their references.
  const int batch_windows = std::max(1, options.batch_size / per_window);
  const long chunk_windows = static_cast<long>(batch_windows) * threads * 4;

  FastaReader reader(options.fasta);

  ScoreOutputsConfig config;
  config.prefix = options.out;
  config.formats = formats;
  config.all_tasks = model.tasks();
  config.output = model.output();
  for (int t : tasks) config.scored_tasks.push_back(model.tasks()[t]);
  config.has_reference = has_reference;
  config.length = length;
  config.description = "DeepLIFT-cpp " + method_name(method) + (has_reference ? " vs " + options.reference : "");
  ScoreOutputs outputs(config);

  Matrix shared_reference;
  if (has_reference && reference.shared()) {
    shared_reference.resize(4, length);
    make_reference(reference, std::string(length, 'N'), 0, 0, shared_reference.data(), options.fasta);
  }
  std::vector<Worker> workers(threads);
  for (auto& worker : workers) {
    if (method == Method::Ism) {
      worker.ism = std::make_unique<IsmScorer>(model, tasks, options.batch_size);
    } else {
      worker.deeplift = std::make_unique<DeepLiftScorer>(model, method, tasks);
      if (reference.shared()) worker.deeplift->set_shared_reference(shared_reference);
    }
  }

  ScoreSummary summary;
  std::unordered_set<std::string> names_seen;
  std::vector<PendingRecord> records;
  std::vector<std::pair<int, long>> windows;  // (record in chunk, start)
  Matrix chunk_input, chunk_logits, chunk_ref_logits, chunk_scores, chunk_hypothetical;
  auto last_progress = Clock::now();
  SequenceRecord record;
  bool more = true;

  while (more) {
    // Fill a chunk with whole records.
    records.clear();
    windows.clear();
    while (static_cast<long>(windows.size()) < chunk_windows && (more = reader.next(record))) {
      check_sequence(record.sequence, options.fasta, record.name);
      if (!names_seen.insert(record.name).second)
        throw InputError("'" + options.fasta + "': duplicate record name '" + record.name + "'");
      PendingRecord pending;
      pending.name = record.name;
      pending.real_length = static_cast<long>(record.sequence.size());
      pending.coordinates = record_coordinates(record.name, pending.real_length, options.fasta);
      if (pending.real_length < length) {
        if (!options.pad)
          throw InputError("'" + options.fasta + "': record '" + record.name + "' is " +
                           std::to_string(pending.real_length) + " bp, shorter than the model input (" +
                           std::to_string(length) + " bp); use --pad to pad it with N");
        pending.pad_left = (length - pending.real_length) / 2;
        pending.sequence = std::string(pending.pad_left, 'N') + record.sequence +
                           std::string(length - pending.real_length - pending.pad_left, 'N');
      } else {
        pending.sequence = std::move(record.sequence);
      }
      pending.starts = window_starts(static_cast<long>(pending.sequence.size()), length, stride);
      pending.first_window = static_cast<long>(windows.size());
      for (long start : pending.starts) windows.emplace_back(static_cast<int>(records.size()), start);
      records.push_back(std::move(pending));
    }
    const long window_count = static_cast<long>(windows.size());
    if (window_count == 0) break;

    chunk_input.resize(4, window_count * length);
    for (long w = 0; w < window_count; ++w) {
      const auto& [r, start] = windows[w];
      encode_one_hot(std::string_view(records[r].sequence).substr(start, length), chunk_input.data() + w * 4 * length);
    }
    const int all_tasks = model.task_count();
    chunk_logits.resize(all_tasks, window_count);
    chunk_ref_logits.resize(all_tasks, window_count);
    chunk_scores.resize(length, window_count * task_count);
    chunk_hypothetical.resize(4, window_count * task_count * length);

    const long batches = (window_count + batch_windows - 1) / batch_windows;
    std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (long b = 0; b < batches; ++b) {
      try {
        Worker& worker = workers[omp_get_thread_num()];
        const long first = b * batch_windows;
        const int count = static_cast<int>(std::min<long>(batch_windows, window_count - first));
        const int pairs = count * per_window;
        const long block = static_cast<long>(length);
        // Window n's k-th reference is pair n*K + k; its input is repeated.
        worker.input.resize(4, pairs * block);
        for (int n = 0; n < count; ++n)
          for (int k = 0; k < per_window; ++k)
            worker.input.middleCols((static_cast<long>(n) * per_window + k) * block, block) =
                chunk_input.middleCols((first + n) * block, block);
        if (method == Method::Ism) {
          worker.ism->score(worker.input, pairs, worker.batch);
          ism_scores(worker.batch.multipliers, length, pairs, task_count, worker.scores, worker.hypothetical);
        } else {
          if (reference.shared()) {
            worker.references = shared_reference.replicate(1, pairs);
            worker.deeplift->score(worker.input, pairs, worker.batch);
          } else {
            worker.references.resize(4, pairs * block);
            for (int n = 0; n < count; ++n) {
              const auto& [r, start] = windows[first + n];
              const std::string_view window = std::string_view(records[r].sequence).substr(start, length);
              for (int k = 0; k < per_window; ++k)
                make_reference(reference, window, static_cast<uint64_t>(summary.windows + first + n), k,
                               worker.references.data() + (static_cast<long>(n) * per_window + k) * block * 4,
                               "'" + options.fasta + "': record '" + records[r].name + "'");
            }
            worker.deeplift->score(worker.input, worker.references, pairs, worker.batch);
          }
          contribution_scores(worker.batch.multipliers, worker.input, worker.references, length, pairs, task_count,
                              worker.scores, worker.hypothetical);
        }
        // Average over each window's references into the chunk's results.
        const float inverse = 1.0f / static_cast<float>(per_window);
        for (int n = 0; n < count; ++n) {
          const long w = first + n;
          const long pair0 = static_cast<long>(n) * per_window;
          chunk_logits.col(w) = worker.batch.logits.col(pair0);
          if (has_reference)
            chunk_ref_logits.col(w) = worker.batch.ref_logits.middleCols(pair0, per_window).rowwise().sum() * inverse;
          for (int t = 0; t < task_count; ++t) {
            const long column = static_cast<long>(t) * pairs + pair0;
            chunk_scores.col(w * task_count + t) = worker.scores.middleCols(column, per_window).rowwise().sum() * inverse;
            auto hyp = chunk_hypothetical.middleCols((w * task_count + t) * block, block);
            hyp.setZero();
            for (int k = 0; k < per_window; ++k) hyp += worker.hypothetical.middleCols((column + k) * block, block);
            hyp *= inverse;
          }
        }
      } catch (...) {
#pragma omp critical
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);

    // Write in input order.
    std::vector<float> average;
    for (const auto& pending : records) {
      const bool several = pending.starts.size() > 1;
      for (size_t i = 0; i < pending.starts.size(); ++i) {
        const long w = pending.first_window + static_cast<long>(i);
        const long start = pending.starts[i];
        const std::string name =
            several ? pending.name + "/" + std::to_string(start) + "-" + std::to_string(start + length) : pending.name;
        outputs.add_window(name, chunk_input.data() + w * 4 * length, chunk_logits.col(w).data(),
                           has_reference ? chunk_ref_logits.col(w).data() : nullptr,
                           chunk_scores.col(w * task_count).data(),
                           chunk_hypothetical.data() + w * task_count * 4 * length);
      }
      // Per-base scores: the mean over the windows covering each base.
      const long padded = static_cast<long>(pending.sequence.size());
      std::vector<int> coverage(padded, 0);
      for (long start : pending.starts)
        for (long l = 0; l < length; ++l) ++coverage[start + l];
      for (int t = 0; t < task_count; ++t) {
        average.assign(padded, 0.0f);
        for (size_t i = 0; i < pending.starts.size(); ++i) {
          const float* s = chunk_scores.col((pending.first_window + static_cast<long>(i)) * task_count + t).data();
          for (long l = 0; l < length; ++l) average[pending.starts[i] + l] += s[l];
        }
        for (long l = 0; l < padded; ++l) average[l] /= static_cast<float>(coverage[l]);
        outputs.add_track(t, pending.coordinates.chrom, pending.coordinates.start, average.data() + pending.pad_left,
                          pending.real_length);
      }
      summary.bases += pending.real_length;
    }
    summary.records += static_cast<long>(records.size());
    summary.windows += window_count;
    if (!options.quiet && Clock::now() - last_progress > std::chrono::seconds(2)) {
      last_progress = Clock::now();
      const double seconds = std::chrono::duration<double>(last_progress - started).count();
      log << "score-seqs: " << summary.records << " records, " << summary.windows << " windows, "
          << static_cast<long>(summary.windows / seconds) << " windows/s\n"
          << std::flush;
    }
  }
  outputs.commit();
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!options.quiet)
    log << "score-seqs: done: " << summary.records << " records, " << summary.windows << " windows, "
        << summary.bases << " bp in " << summary.seconds << " s ("
        << static_cast<long>(summary.windows / std::max(summary.seconds, 1e-9)) << " windows/s), method "
        << method_name(method) << (has_reference ? ", reference " + options.reference : "") << "\n";
  return summary;
}

}  // namespace deeplift
