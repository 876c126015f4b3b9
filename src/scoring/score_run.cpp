#include "deeplift/scoring/score_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <unordered_set>

#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/scoring/chunk_pipeline.hpp"
#include "deeplift/scoring/model_ensemble.hpp"
#include "deeplift/scoring/reference.hpp"
#include "deeplift/scoring/score_outputs.hpp"
#include "deeplift/scoring/scoring_batch.hpp"
#include "deeplift/scoring/window_average.hpp"
#include "deeplift/scoring/window_scorer.hpp"
#include "deeplift/scoring/windows.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

namespace {

using Clock = std::chrono::steady_clock;

// A record being scored; its windows may span several chunks.
struct OpenRecord {
  std::string name;
  std::string sequence;  // padded with N when --pad and too short
  long pad_left = 0;
  long real_length = 0;
  RecordCoordinates coordinates;
  TrackRange track;  // of the real bases, 0 = the first one
  std::vector<long> starts;
  size_t scheduled = 0;  // windows handed to a chunk so far (reader only)
  size_t written = 0;    // windows written so far (writer only)
};

struct WindowJob {
  OpenRecord* record;
  size_t window;  // index into record->starts
  long index;     // among all windows of the run (for npz references)
};

// A run of windows read, scored and written together; its ring slot is
// reused once it is written (chunk_pipeline.hpp).
struct Chunk {
  std::vector<WindowJob> jobs;
  Matrix input;            // [4, L*windows] one-hot
  WindowResults results;   // of every window of the chunk
  long size() const { return static_cast<long>(jobs.size()); }
};

// Per-thread scoring state, reused batch after batch.
struct Worker {
  std::unique_ptr<EnsembleScorer> scorer;
  Matrix references;  // [4, L*windows*K] when each window has its own
};

// One score-seqs run: the three stages of a ChunkPipeline over chunks of
// windows. Records and outputs are only touched by the read and write
// stages (thread 0); scoring threads read a record's immutable name,
// sequence and starts. Batches are the same whatever the thread count, so
// results are too (tests/cli/test_determinism.py).
class ScoreRun {
 public:
  ScoreRun(const ScoreOptions& options, std::ostream& log);
  ScoreSummary run();

 private:
  long read_chunk(Chunk& chunk);
  void score_batch(Chunk& chunk, long batch, Worker& worker) const;
  void write_chunk(const Chunk& chunk);
  void show_progress();
  // ", mean of N models" with several --model; empty with one.
  std::string models_description() const;

  const ScoreOptions& options_;
  std::ostream& log_;
  const Clock::time_point started_ = Clock::now();
  ScorePlan plan_;
  std::vector<Model> models_;  // --model, in the order given
  std::unique_ptr<ModelEnsemble> ensemble_;
  ScoringSettings settings_;  // what the models share (their own: ensemble_->settings(m))
  std::unique_ptr<ReferenceArray> reference_array_;  // --reference npz:FILE
  int length_ = 0, stride_ = 0, task_count_ = 0, batch_windows_ = 1;
  bool has_reference_ = false, own_references_ = false;
  long chunk_windows_ = 0;
  ScoreSummary summary_;
  std::unique_ptr<SequenceSource> source_;
  std::string input_path_;
  std::unique_ptr<ScoreOutputs> outputs_;
  Matrix shared_reference_;
  std::vector<Worker> workers_;
  std::unique_ptr<WindowAverage> average_;
  std::unordered_set<std::string> names_seen_;
  std::deque<std::unique_ptr<OpenRecord>> open_;  // records with windows not yet written
  SourceRecord record_;
  long record_index_ = -1;
  long windows_read_ = 0;
  bool input_left_ = true;
  bool progress_ = false;
  Clock::time_point last_progress_ = Clock::now();
  Chunk ring_[ChunkPipeline::kRing];
};

ScoreRun::ScoreRun(const ScoreOptions& options, std::ostream& log)
    : options_(options),
      log_(log),
      plan_(check_score_options(options)) {
  models_.reserve(options.models.size());  // the ensemble holds their addresses
  for (const auto& path : options.models) models_.push_back(load_model(path, ModelLoadOptions{options.verify_model}));
  settings_.method = plan_.method;
  settings_.ig_steps = options.ig_steps;
  settings_.profile_target = plan_.profile_target;
  // Hypothetical contributions only go to npz files.
  settings_.hypothetical = plan_.formats.npz;
  length_ = models_.front().input_length();
  stride_ = options.stride > 0 ? options.stride : std::max(1, length_ / 2);
  has_reference_ = uses_reference(plan_.method);
  const ReferenceSpec& reference = plan_.reference;
  if (has_reference_ && reference.kind == ReferenceSpec::Kind::Npz)
    reference_array_ = std::make_unique<ReferenceArray>(ReferenceArray::read(reference.path, length_));
  settings_.references_per_window =
      !has_reference_ ? 1 : reference_array_ ? reference_array_->per_window() : reference.per_sequence();
  own_references_ = has_reference_ && !reference.shared();
  // Checks that the models agree (before the input is read) and sizes the
  // batches: a batch holds whole windows with all their references;
  // --batch-size is an upper bound, the workspace's bytes the other
  // (scoring_batch.hpp), for each model.
  std::vector<const Model*> models;
  for (const Model& model : models_) models.push_back(&model);
  ensemble_ = std::make_unique<ModelEnsemble>(models, options.tasks, settings_, options.batch_size);
  task_count_ = static_cast<int>(ensemble_->scored_tasks().size());
  batch_windows_ = ensemble_->batch_windows();
  chunk_windows_ = static_cast<long>(batch_windows_) * plan_.threads * 4;

  source_ = plan_.from_peaks    ? open_genome_peaks(options.genome, options.peaks, length_, options.clip,
                                                     summary_.skipped_regions)
            : plan_.from_genome ? open_genome_regions(options.genome, options.bed,
                                                     GenomeRegionOptions{options.center_width, options.clip},
                                                     summary_.skipped_regions, summary_.merged_regions)
                                : open_fasta_source(options.fasta);
  input_path_ = source_->path();

  ScoreOutputsConfig config;
  config.prefix = options.out;
  config.formats = plan_.formats;
  config.output = models_.front().output();
  for (int m = 0; m < ensemble_->size(); ++m)
    config.models.push_back({ensemble_->model(m).task_count(), ensemble_->settings(m).tasks});
  config.scored_tasks = ensemble_->scored_tasks();
  config.has_reference = has_reference_;
  config.length = length_;
  config.chrom_sizes = source_->chrom_sizes();
  config.description = "deeplift-cpp " + method_name(plan_.method) +
                       (has_reference_ ? " vs " + options.reference : "") + models_description();
  config.threads = plan_.threads;
  outputs_ = std::make_unique<ScoreOutputs>(config);

  if (has_reference_ && reference.shared()) {
    shared_reference_.resize(4, length_);
    make_reference(reference, std::string(length_, 'N'), 0, 0, shared_reference_.data(), input_path_);
  }
  workers_.resize(plan_.threads);
  const Matrix* shared = has_reference_ && reference.shared() ? &shared_reference_ : nullptr;
  for (auto& worker : workers_) worker.scorer = std::make_unique<EnsembleScorer>(*ensemble_, shared);
  average_ = std::make_unique<WindowAverage>(task_count_, length_);
  // RevealCancel asked of a nonlinearity whose input no layer splits
  // (docs/graph-models.md): said once, not silently turned into Rescale.
  const auto& fallbacks = ensemble_->rescale_fallbacks();
  if (!fallbacks.empty() && !options.quiet) {
    log_ << "score-seqs: no Δ split reaches";
    for (const auto& name : fallbacks) log_ << " '" << name << "'";
    log_ << ": " << (fallbacks.size() == 1 ? "it uses" : "they use") << " Rescale under " << method_name(plan_.method)
         << "\n";
  }
  progress_ = !options.quiet && isatty(STDERR_FILENO);
}

// Fills `chunk` with the next windows, reading records as needed, and
// one-hot encodes them. Returns its number of batches; 0 when the input is done.
long ScoreRun::read_chunk(Chunk& chunk) {
  chunk.jobs.clear();
  while (chunk.size() < chunk_windows_) {
    OpenRecord* current = open_.empty() ? nullptr : open_.back().get();
    if (!current || current->scheduled == current->starts.size()) {
      if (!input_left_ || !(input_left_ = source_->next(record_))) break;
      ++record_index_;
      check_sequence(record_.sequence, input_path_, record_.name);
      if (!names_seen_.insert(record_.name).second)
        throw InputError("'" + input_path_ + "': duplicate record name '" + record_.name + "'");
      if (record_index_ % plan_.shard.count != plan_.shard.index) continue;
      auto pending = std::make_unique<OpenRecord>();
      pending->name = record_.name;
      pending->real_length = static_cast<long>(record_.sequence.size());
      pending->coordinates = record_.coordinates;
      pending->track = record_.track;
      if (pending->real_length < length_) {
        if (!options_.pad)
          throw InputError("'" + input_path_ + "': record '" + record_.name + "' is " +
                           std::to_string(pending->real_length) + " bp, shorter than the model input (" +
                           std::to_string(length_) + " bp); use --pad to pad it with N");
        pending->pad_left = (length_ - pending->real_length) / 2;
        pending->sequence = std::string(pending->pad_left, 'N') + record_.sequence +
                            std::string(length_ - pending->real_length - pending->pad_left, 'N');
      } else {
        pending->sequence = std::move(record_.sequence);
      }
      pending->starts = window_starts(static_cast<long>(pending->sequence.size()), length_, stride_);
      open_.push_back(std::move(pending));
      current = open_.back().get();
    }
    while (current->scheduled < current->starts.size() && chunk.size() < chunk_windows_)
      chunk.jobs.push_back({current, current->scheduled++, windows_read_++});
  }
  const long windows = chunk.size();
  chunk.input.resize(4, windows * length_);
  for (long w = 0; w < windows; ++w) {
    const WindowJob& job = chunk.jobs[w];
    encode_one_hot(std::string_view(job.record->sequence).substr(job.record->starts[job.window], length_),
                   chunk.input.data() + w * 4 * length_);
  }
  workers_.front().scorer->resize_results(chunk.results, windows);
  return (windows + batch_windows_ - 1) / batch_windows_;
}

// Scores the chunk's `batch`-th batch of windows into the chunk's results.
void ScoreRun::score_batch(Chunk& chunk, long batch, Worker& worker) const {
  const long first = batch * batch_windows_;
  const int count = static_cast<int>(std::min<long>(batch_windows_, chunk.size() - first));
  const int per_window = settings_.references_per_window;  // the same for every model
  const long block = length_;
  if (own_references_) {
    worker.references.resize(4, static_cast<long>(count) * per_window * block);
    for (int n = 0; n < count; ++n) {
      const WindowJob& job = chunk.jobs[first + n];
      const long start = job.record->starts[job.window];
      const std::string_view window = std::string_view(job.record->sequence).substr(start, length_);
      const uint64_t key = window_key(job.record->name, start);
      for (int k = 0; k < per_window; ++k) {
        float* out = worker.references.data() + (static_cast<long>(n) * per_window + k) * block * 4;
        if (reference_array_)
          reference_array_->fill(job.index, k, out);
        else
          make_reference(plan_.reference, window, key, k, out,
                         "'" + input_path_ + "': record '" + job.record->name + "'");
      }
    }
  }
  worker.scorer->score(chunk.input.middleCols(first * block, count * block), own_references_ ? &worker.references : nullptr,
                       count, chunk.results, first);
}

// Writes a scored chunk in input order; a record is done when its last window is written.
void ScoreRun::write_chunk(const Chunk& chunk) {
  const bool tracks = plan_.formats.bedgraph || plan_.formats.bigwig;
  const WindowResults& results = chunk.results;
  for (long w = 0; w < chunk.size(); ++w) {
    OpenRecord& current = *chunk.jobs[w].record;
    const long start = current.starts[chunk.jobs[w].window];
    const std::string name = current.starts.size() > 1
                                 ? current.name + "/" + std::to_string(start) + "-" + std::to_string(start + length_)
                                 : current.name;
    const float* scores = results.scores.col(w * task_count_).data();
    outputs_->add_window(name, chunk.input.data() + w * 4 * length_, results.logits.col(w).data(),
                         has_reference_ ? results.ref_logits.col(w).data() : nullptr, scores,
                         settings_.hypothetical ? results.hypothetical.data() + w * task_count_ * 4 * length_ : nullptr);
    // Per-base averages only feed the bedGraph/bigWig tracks, and only the
    // record's own bases, not --pad's N, and of those its track range (a
    // peak window's share, docs/outputs.md).
    const auto emit = [&](int task, long first_base, const float* values, long count) {
      const long from = std::max(first_base, current.pad_left + std::max(0L, current.track.begin));
      const long to = std::min(first_base + count, current.pad_left + std::min(current.real_length, current.track.end));
      if (from < to)
        outputs_->add_track(task, current.coordinates.chrom, current.coordinates.start + from - current.pad_left,
                            values + (from - first_base), to - from);
    };
    if (tracks) average_->add(start, scores, length_, emit);
    if (++current.written == current.starts.size()) {
      if (tracks) average_->finish(static_cast<long>(current.sequence.size()), emit);
      summary_.bases += current.real_length;
      ++summary_.records;
      open_.pop_front();  // records finish in order
    }
  }
  summary_.windows += chunk.size();
  if (progress_ && Clock::now() - last_progress_ > std::chrono::seconds(1)) show_progress();
}

std::string ScoreRun::models_description() const {
  return models_.size() > 1 ? ", mean of " + std::to_string(models_.size()) + " models" : "";
}

void ScoreRun::show_progress() {
  last_progress_ = Clock::now();
  const double seconds = std::chrono::duration<double>(last_progress_ - started_).count();
  log_ << "\rscore-seqs: " << summary_.records << " records";
  const long total = source_->total();
  if (total > 0 && record_index_ > 0) {
    const double eta = seconds * (static_cast<double>(total) / static_cast<double>(record_index_ + 1) - 1);
    log_ << " of " << (total + plan_.shard.count - 1 - plan_.shard.index) / plan_.shard.count << ", ETA "
         << static_cast<long>(eta) << " s";
  }
  log_ << ", " << summary_.windows << " windows, " << static_cast<long>(static_cast<double>(summary_.windows) / seconds)
       << " windows/s   " << std::flush;
}

ScoreSummary ScoreRun::run() {
  ChunkPipeline pipeline(plan_.threads);
  pipeline.run({[this](long, int slot) { return read_chunk(ring_[slot]); },
                [this](int slot, long batch, int thread) { score_batch(ring_[slot], batch, workers_[thread]); },
                [this](long, int slot) { write_chunk(ring_[slot]); }});
  if (summary_.records == 0 && plan_.shard.count == 1)
    throw InputError("'" + input_path_ + "': no sequences to score");
  if (reference_array_ && reference_array_->windows() >= 0 && reference_array_->windows() != windows_read_)
    throw InputError("'" + reference_array_->path() + "': holds references for " +
                     std::to_string(reference_array_->windows()) + " windows, but " + std::to_string(windows_read_) +
                     " windows were scored");
  outputs_->commit();
  summary_.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  if (progress_) log_ << "\n";
  if (!options_.quiet) {
    log_ << "score-seqs: " << summary_.records << " records, " << summary_.windows << " windows, " << summary_.bases
         << " bp in " << summary_.seconds << " s ("
         << static_cast<long>(static_cast<double>(summary_.windows) / std::max(summary_.seconds, 1e-9))
         << " windows/s); " << method_name(plan_.method) << (has_reference_ ? " vs " + options_.reference : "")
         << models_description();
    if (summary_.skipped_regions)
      log_ << "; skipped " << summary_.skipped_regions << (plan_.from_peaks ? " peaks" : " regions")
           << " past a chromosome end";
    if (summary_.merged_regions) log_ << "; merged " << summary_.merged_regions << " overlapping regions";
    log_ << "\n";
  }
  return summary_;
}

}  // namespace

ScoreSummary score_sequences(const ScoreOptions& options, std::ostream& log) {
  return ScoreRun(options, log).run();
}

}  // namespace deeplift
