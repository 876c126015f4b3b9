#include "deeplift/scoring/score_run.hpp"

#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <sstream>
#include <unordered_set>

#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/deeplift_scorer.hpp"
#include "deeplift/scoring/integrated_gradients.hpp"
#include "deeplift/scoring/ism.hpp"
#include "deeplift/scoring/reference.hpp"
#include "deeplift/scoring/score_outputs.hpp"
#include "deeplift/scoring/window_average.hpp"
#include "deeplift/scoring/windows.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<int> parse_tasks(const std::string& list, const Model& model) {
  std::string known;
  for (const auto& task : model.tasks()) known += (known.empty() ? "" : ", ") + task;
  std::vector<int> indices;
  if (list == "all") {
    for (int t = 0; t < model.task_count(); ++t) indices.push_back(t);
    return indices;
  }
  std::stringstream stream(list);
  std::string name;
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

// "K/N" → (K-1, N); empty → (0, 1).
std::pair<long, long> parse_shard(const std::string& text) {
  if (text.empty()) return {0, 1};
  long k = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream stream(text);
  if (!(stream >> k >> slash >> n) || slash != '/' || (stream >> extra) || n < 1 || k < 1 || k > n)
    throw UsageError("bad --shard '" + text + "': use K/N with 1 <= K <= N, e.g. 2/8");
  return {k - 1, n};
}

// A record being scored; its windows may span several chunks.
struct OpenRecord {
  std::string name;
  std::string sequence;  // padded with N when --pad and too short
  long pad_left = 0;
  long real_length = 0;
  RecordCoordinates coordinates;
  std::vector<long> starts;
  size_t scheduled = 0;  // windows handed to a chunk so far
  size_t written = 0;    // windows written so far
};

struct WindowJob {
  OpenRecord* record;
  size_t window;  // index into record->starts
};

// Per-thread scoring state: scorer and batch buffers, reused batch after batch.
struct Worker {
  std::unique_ptr<DeepLiftScorer> deeplift;
  std::unique_ptr<IsmScorer> ism;
  std::unique_ptr<IntegratedGradientsScorer> integrated;
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
  const auto [shard_index, shard_count] = parse_shard(options.shard);
  if (options.threads < 0) throw UsageError("--threads must be >= 1 (or 0 for every core)");
  if (options.batch_size < 1) throw UsageError("--batch-size must be >= 1");
  if (options.ig_steps < 1) throw UsageError("--ig-steps must be >= 1");
  if (options.stride < 0) throw UsageError("--stride must be >= 1 (or 0 for half the input length)");
  if (options.center_width < 0) throw UsageError("--center-width must be >= 1");
  if (options.out.empty()) throw UsageError("--out PREFIX is required");
  // "dir/" would write hidden files "dir/.predictions.tsv", "dir/.ohe.npz", ...
  if (options.out.back() == '/')
    throw UsageError("--out '" + options.out + "' is a directory; give a file name prefix, e.g. " + options.out +
                     "scores");
  const bool from_genome = !options.genome.empty() || !options.bed.empty();
  if (from_genome && (options.genome.empty() || options.bed.empty()))
    throw UsageError("--genome and --bed go together");
  if (from_genome == !options.fasta.empty())
    throw UsageError("give either --fasta or --genome with --bed");
  if (!from_genome && (options.center_width > 0 || options.clip))
    throw UsageError("--center-width and --clip apply to --bed regions");

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
  // Hypothetical contributions only go to npz files.
  const bool want_hypothetical = formats.npz;
  const long chunk_windows = static_cast<long>(batch_windows) * threads * 4;

  ScoreSummary summary;
  std::unique_ptr<SequenceSource> source =
      from_genome ? open_genome_regions(options.genome, options.bed,
                                        GenomeRegionOptions{options.center_width, options.clip},
                                        summary.skipped_regions, summary.merged_regions)
                  : open_fasta_source(options.fasta);
  const std::string& input_path = source->path();

  ScoreOutputsConfig config;
  config.prefix = options.out;
  config.formats = formats;
  config.all_tasks = model.tasks();
  config.output = model.output();
  config.scored = tasks;
  for (int t : tasks) config.scored_tasks.push_back(model.tasks()[t]);
  config.has_reference = has_reference;
  config.length = length;
  config.chrom_sizes = source->chrom_sizes();
  config.description = "deeplift-cpp " + method_name(method) + (has_reference ? " vs " + options.reference : "");
  ScoreOutputs outputs(config);

  Matrix shared_reference;
  if (has_reference && reference.shared()) {
    shared_reference.resize(4, length);
    make_reference(reference, std::string(length, 'N'), 0, 0, shared_reference.data(), input_path);
  }
  std::vector<Worker> workers(threads);
  for (auto& worker : workers) {
    if (method == Method::Ism) {
      worker.ism = std::make_unique<IsmScorer>(model, tasks, options.batch_size);
    } else if (method == Method::IntegratedGradients) {
      worker.integrated = std::make_unique<IntegratedGradientsScorer>(model, tasks, options.ig_steps);
    } else {
      worker.deeplift = std::make_unique<DeepLiftScorer>(model, method, tasks);
      if (reference.shared()) worker.deeplift->set_shared_reference(shared_reference);
    }
  }

  // The record whose windows are being written, and its per-base averages.
  const OpenRecord* averaging = nullptr;
  WindowAverage average(task_count, length, [&](int task, long first, const float* scores, long count) {
    // Only the record's own bases, not --pad's N.
    const long from = std::max(first, averaging->pad_left);
    const long to = std::min(first + count, averaging->pad_left + averaging->real_length);
    if (from < to)
      outputs.add_track(task, averaging->coordinates.chrom, averaging->coordinates.start + from - averaging->pad_left,
                        scores + (from - first), to - from);
  });

  std::unordered_set<std::string> names_seen;
  std::deque<std::unique_ptr<OpenRecord>> open;  // records with windows not yet written
  std::vector<WindowJob> jobs;
  Matrix chunk_input, chunk_logits, chunk_ref_logits, chunk_scores, chunk_hypothetical;
  const bool show_progress = !options.quiet && isatty(STDERR_FILENO);
  auto last_progress = Clock::now();
  SourceRecord record;
  long record_index = -1;
  bool input_left = true;

  while (true) {
    check_interrupt();
    // Fill a chunk with windows, reading records as needed.
    jobs.clear();
    while (static_cast<long>(jobs.size()) < chunk_windows) {
      OpenRecord* current = open.empty() ? nullptr : open.back().get();
      if (!current || current->scheduled == current->starts.size()) {
        if (!input_left || !(input_left = source->next(record))) break;
        ++record_index;
        check_sequence(record.sequence, input_path, record.name);
        if (!names_seen.insert(record.name).second)
          throw InputError("'" + input_path + "': duplicate record name '" + record.name + "'");
        if (record_index % shard_count != shard_index) continue;
        auto pending = std::make_unique<OpenRecord>();
        pending->name = record.name;
        pending->real_length = static_cast<long>(record.sequence.size());
        pending->coordinates = record.coordinates;
        if (pending->real_length < length) {
          if (!options.pad)
            throw InputError("'" + input_path + "': record '" + record.name + "' is " +
                             std::to_string(pending->real_length) + " bp, shorter than the model input (" +
                             std::to_string(length) + " bp); use --pad to pad it with N");
          pending->pad_left = (length - pending->real_length) / 2;
          pending->sequence = std::string(pending->pad_left, 'N') + record.sequence +
                              std::string(length - pending->real_length - pending->pad_left, 'N');
        } else {
          pending->sequence = std::move(record.sequence);
        }
        pending->starts = window_starts(static_cast<long>(pending->sequence.size()), length, stride);
        open.push_back(std::move(pending));
        current = open.back().get();
      }
      while (current->scheduled < current->starts.size() && static_cast<long>(jobs.size()) < chunk_windows)
        jobs.push_back({current, current->scheduled++});
    }
    const long window_count = static_cast<long>(jobs.size());
    if (window_count == 0) break;

    chunk_input.resize(4, window_count * length);
    for (long w = 0; w < window_count; ++w) {
      const WindowJob& job = jobs[w];
      encode_one_hot(std::string_view(job.record->sequence).substr(job.record->starts[job.window], length),
                     chunk_input.data() + w * 4 * length);
    }
    const int all_tasks = model.task_count();
    chunk_logits.resize(all_tasks, window_count);
    chunk_ref_logits.resize(all_tasks, window_count);
    chunk_scores.resize(length, window_count * task_count);
    if (want_hypothetical) chunk_hypothetical.resize(4, window_count * task_count * length);

    const long batches = (window_count + batch_windows - 1) / batch_windows;
    std::exception_ptr failure;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (long b = 0; b < batches; ++b) {
      try {
        // Per batch, so that Ctrl-C stops a slow method (ism) within seconds.
        check_interrupt();
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
          ism_scores(worker.batch.multipliers, length, pairs, task_count, worker.scores,
                     want_hypothetical ? &worker.hypothetical : nullptr);
        } else {
          if (reference.shared()) {
            if (worker.references.cols() != pairs * block) worker.references = shared_reference.replicate(1, pairs);
            if (worker.integrated)
              worker.integrated->score(worker.input, worker.references, pairs, worker.batch);
            else
              worker.deeplift->score(worker.input, pairs, worker.batch);
          } else {
            worker.references.resize(4, pairs * block);
            for (int n = 0; n < count; ++n) {
              const WindowJob& job = jobs[first + n];
              const long start = job.record->starts[job.window];
              const std::string_view window = std::string_view(job.record->sequence).substr(start, length);
              const uint64_t key = window_key(job.record->name, start);
              for (int k = 0; k < per_window; ++k)
                make_reference(reference, window, key, k,
                               worker.references.data() + (static_cast<long>(n) * per_window + k) * block * 4,
                               "'" + input_path + "': record '" + job.record->name + "'");
            }
            if (worker.integrated)
              worker.integrated->score(worker.input, worker.references, pairs, worker.batch);
            else
              worker.deeplift->score(worker.input, worker.references, pairs, worker.batch);
          }
          contribution_scores(worker.batch.multipliers, worker.input, worker.references, length, pairs, task_count,
                              worker.scores, want_hypothetical ? &worker.hypothetical : nullptr);
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
            if (!want_hypothetical) continue;
            auto hyp = chunk_hypothetical.middleCols((w * task_count + t) * block, block);
            hyp = worker.hypothetical.middleCols(column * block, block);
            for (int k = 1; k < per_window; ++k) hyp += worker.hypothetical.middleCols((column + k) * block, block);
            hyp *= inverse;
          }
        }
      } catch (...) {
#pragma omp critical
        if (!failure) failure = std::current_exception();
      }
    }
    if (failure) std::rethrow_exception(failure);

    // Write in input order; a record is done when its last window is written.
    for (long w = 0; w < window_count; ++w) {
      OpenRecord& current = *jobs[w].record;
      const long start = current.starts[jobs[w].window];
      const std::string name = current.starts.size() > 1
                                   ? current.name + "/" + std::to_string(start) + "-" + std::to_string(start + length)
                                   : current.name;
      outputs.add_window(name, chunk_input.data() + w * 4 * length, chunk_logits.col(w).data(),
                         has_reference ? chunk_ref_logits.col(w).data() : nullptr,
                         chunk_scores.col(w * task_count).data(),
                         want_hypothetical ? chunk_hypothetical.data() + w * task_count * 4 * length : nullptr);
      averaging = &current;
      average.add(start, chunk_scores.col(w * task_count).data(), length);
      if (++current.written == current.starts.size()) {
        average.finish(static_cast<long>(current.sequence.size()));
        summary.bases += current.real_length;
        ++summary.records;
        open.pop_front();  // records finish in order
      }
    }
    summary.windows += window_count;
    if (show_progress && Clock::now() - last_progress > std::chrono::seconds(1)) {
      last_progress = Clock::now();
      const double seconds = std::chrono::duration<double>(last_progress - started).count();
      log << "\rscore-seqs: " << summary.records << " records";
      const long total = source->total();
      if (total > 0 && record_index > 0) {
        const double eta = seconds * (static_cast<double>(total) / (record_index + 1) - 1);
        log << " of " << (total + shard_count - 1 - shard_index) / shard_count << ", ETA " << static_cast<long>(eta)
            << " s";
      }
      log << ", " << summary.windows << " windows, " << static_cast<long>(summary.windows / seconds) << " windows/s   "
          << std::flush;
    }
  }
  if (summary.records == 0 && shard_count == 1)
    throw InputError("'" + input_path + "': no sequences to score");
  outputs.commit();
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (show_progress) log << "\n";
  if (!options.quiet) {
    log << "score-seqs: " << summary.records << " records, " << summary.windows << " windows, " << summary.bases
        << " bp in " << summary.seconds << " s ("
        << static_cast<long>(summary.windows / std::max(summary.seconds, 1e-9)) << " windows/s); "
        << method_name(method) << (has_reference ? " vs " + options.reference : "");
    if (summary.skipped_regions) log << "; skipped " << summary.skipped_regions << " regions past a chromosome end";
    if (summary.merged_regions) log << "; merged " << summary.merged_regions << " overlapping regions";
    log << "\n";
  }
  return summary;
}

}  // namespace deeplift
