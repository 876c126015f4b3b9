#include "deeplift/scoring/score_run.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
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

// Records index, index + count, index + 2·count, … of the input.
struct Shard {
  long index = 0;
  long count = 1;
};

// "K/N" → {K-1, N}; empty → {0, 1}.
Shard parse_shard(const std::string& text) {
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
  size_t scheduled = 0;  // windows handed to a chunk so far (reader only)
  size_t written = 0;    // windows written so far (writer only)
};

struct WindowJob {
  OpenRecord* record;
  size_t window;  // index into record->starts
};

// A run of windows read, scored and written together. Its slot in the ring
// is reused: chunk s+3 is read into it once chunk s is written.
struct Chunk {
  // Which chunk may be scored and how far: (sequence << kBatchBits) | next
  // batch to hand out, one atomic so that a thread can never take a batch
  // of a chunk that has meanwhile been replaced. -1 until the first read.
  static constexpr int kBatchBits = 24;
  std::atomic<long> cursor{-1};
  std::atomic<long> batches{0};
  std::atomic<long> done_batches{0};
  std::atomic<long> scored{-1};  // sequence of the chunk whose batches are all done
  std::vector<WindowJob> jobs;
  Matrix input;         // [4, L*windows] one-hot
  Matrix logits;        // [all tasks, windows]
  Matrix ref_logits;    // [all tasks, windows]
  Matrix scores;        // [L, windows*tasks]
  Matrix hypothetical;  // [4, L*windows*tasks] when an npz is written
  long size() const { return static_cast<long>(jobs.size()); }
};

// Per-thread scoring state: scorer and batch buffers, reused batch after batch.
struct Worker {
  std::unique_ptr<DeepLiftScorer> deeplift;
  std::unique_ptr<IsmScorer> ism;
  std::unique_ptr<IntegratedGradientsScorer> integrated;
  Matrix input, references, scores, hypothetical;
  BatchScores batch;
};

// One score-seqs run. Reading (parse, check, one-hot encode) and writing
// are done by thread 0 between its own batches, so they overlap with the
// scoring on the other threads: while chunk i is scored, chunk i-1 is
// written and chunk i+1 read. There is no barrier between chunks: a thread
// that finds no batch left in chunk i goes on to chunk i+1 (with barriers,
// half a batch per chunk and thread was lost waiting; docs/performance.md).
// Records and outputs are only touched by thread 0; scoring threads read a
// record's immutable name, sequence and starts. Batches are the same
// whatever the thread count, so results are too (tests/cli/test_determinism.py).
class ScoreRun {
 public:
  ScoreRun(const ScoreOptions& options, std::ostream& log);
  ScoreSummary run();

 private:
  void read_chunk(Chunk& chunk);
  void score_batch(Chunk& chunk, long batch, Worker& worker) const;
  void write_chunk(const Chunk& chunk);
  void show_progress();
  // The parallel part: every thread scores batches; thread 0 also reads
  // and writes chunks, ahead of and behind the scoring.
  void pipeline();
  bool do_io();
  bool score_some(long& chunk_sequence, Worker& worker);
  void fail(long chunk_sequence, int phase);

  const ScoreOptions& options_;
  std::ostream& log_;
  const Clock::time_point started_ = Clock::now();
  Method method_;
  ReferenceSpec reference_;
  OutputFormats formats_;
  Shard shard_;
  Model model_;
  std::vector<int> tasks_;
  int length_ = 0, stride_ = 0, task_count_ = 0, per_window_ = 1, threads_ = 1, batch_windows_ = 1;
  bool has_reference_ = false, want_hypothetical_ = false;
  long chunk_windows_ = 0;
  ScoreSummary summary_;
  std::unique_ptr<SequenceSource> source_;
  std::string input_path_;
  std::unique_ptr<ScoreOutputs> outputs_;
  Matrix shared_reference_;
  std::vector<Worker> workers_;
  const OpenRecord* averaging_ = nullptr;  // the record whose windows are being written
  std::unique_ptr<WindowAverage> average_;
  std::unordered_set<std::string> names_seen_;
  std::deque<std::unique_ptr<OpenRecord>> open_;  // records with windows not yet written
  SourceRecord record_;
  long record_index_ = -1;
  bool input_left_ = true;
  bool progress_ = false;
  Clock::time_point last_progress_ = Clock::now();

  // Pipeline state. Three chunks: one being written, one scored, one read
  // ahead, so that no thread waits at a chunk boundary.
  static constexpr int kRing = 3;
  Chunk ring_[kRing];
  long read_sequence_ = 0;             // next chunk to read (thread 0 only)
  long write_sequence_ = 0;            // next chunk to write (thread 0 only)
  std::atomic<long> chunks_total_{-1};  // known once the input is exhausted
  std::atomic<bool> stop_{false};       // an error: every thread leaves
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
  long failure_position_ = -1;  // chunk * 3 + phase (read 0, score 1, write 2) of failure_
};

// Checks the options the members before the model do not parse, then loads
// the model: every option is checked before any file is touched.
Model checked_model(const ScoreOptions& options) {
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
  if (from_genome == !options.fasta.empty()) throw UsageError("give either --fasta or --genome with --bed");
  if (!from_genome && (options.center_width > 0 || options.clip))
    throw UsageError("--center-width and --clip apply to --bed regions");
  return load_model(options.model, ModelLoadOptions{options.verify_model});
}

ScoreRun::ScoreRun(const ScoreOptions& options, std::ostream& log)
    : options_(options),
      log_(log),
      method_(parse_method(options.method)),
      reference_(ReferenceSpec::parse(options.reference)),
      formats_(OutputFormats::parse(options.formats)),
      shard_(parse_shard(options.shard)),
      model_(checked_model(options)) {
  tasks_ = parse_tasks(options.tasks, model_);
  length_ = model_.input_length();
  stride_ = options.stride > 0 ? options.stride : std::max(1, length_ / 2);
  task_count_ = static_cast<int>(tasks_.size());
  has_reference_ = uses_reference(method_);
  per_window_ = has_reference_ ? reference_.per_sequence() : 1;
  threads_ = options.threads > 0 ? options.threads : omp_get_num_procs();
  // A batch holds whole windows with all their references.
  batch_windows_ = std::max(1, options.batch_size / per_window_);
  // Hypothetical contributions only go to npz files.
  want_hypothetical_ = formats_.npz;
  chunk_windows_ = static_cast<long>(batch_windows_) * threads_ * 4;

  const bool from_genome = !options.genome.empty();
  source_ = from_genome ? open_genome_regions(options.genome, options.bed,
                                              GenomeRegionOptions{options.center_width, options.clip},
                                              summary_.skipped_regions, summary_.merged_regions)
                        : open_fasta_source(options.fasta);
  input_path_ = source_->path();

  ScoreOutputsConfig config;
  config.prefix = options.out;
  config.formats = formats_;
  config.all_tasks = model_.tasks();
  config.output = model_.output();
  config.scored = tasks_;
  for (int t : tasks_) config.scored_tasks.push_back(model_.tasks()[t]);
  config.has_reference = has_reference_;
  config.length = length_;
  config.chrom_sizes = source_->chrom_sizes();
  config.description = "deeplift-cpp " + method_name(method_) + (has_reference_ ? " vs " + options.reference : "");
  config.threads = threads_;
  outputs_ = std::make_unique<ScoreOutputs>(config);

  if (has_reference_ && reference_.shared()) {
    shared_reference_.resize(4, length_);
    make_reference(reference_, std::string(length_, 'N'), 0, 0, shared_reference_.data(), input_path_);
  }
  workers_.resize(threads_);
  for (auto& worker : workers_) {
    if (method_ == Method::Ism) {
      worker.ism = std::make_unique<IsmScorer>(model_, tasks_, options.batch_size);
    } else if (method_ == Method::IntegratedGradients) {
      worker.integrated = std::make_unique<IntegratedGradientsScorer>(model_, tasks_, options.ig_steps);
    } else {
      worker.deeplift = std::make_unique<DeepLiftScorer>(model_, method_, tasks_);
      if (reference_.shared()) worker.deeplift->set_shared_reference(shared_reference_);
    }
  }

  average_ = std::make_unique<WindowAverage>(task_count_, length_,
                                             [this](int task, long first, const float* scores, long count) {
    // Only the record's own bases, not --pad's N.
    const OpenRecord& record = *averaging_;
    const long from = std::max(first, record.pad_left);
    const long to = std::min(first + count, record.pad_left + record.real_length);
    if (from < to)
      outputs_->add_track(task, record.coordinates.chrom, record.coordinates.start + from - record.pad_left,
                          scores + (from - first), to - from);
  });
  progress_ = !options.quiet && isatty(STDERR_FILENO);
}

// Fills `chunk` with the next windows, reading records as needed, and
// one-hot encodes them; an empty chunk means the input is done.
void ScoreRun::read_chunk(Chunk& chunk) {
  check_interrupt();
  chunk.jobs.clear();
  while (chunk.size() < chunk_windows_) {
    OpenRecord* current = open_.empty() ? nullptr : open_.back().get();
    if (!current || current->scheduled == current->starts.size()) {
      if (!input_left_ || !(input_left_ = source_->next(record_))) break;
      ++record_index_;
      check_sequence(record_.sequence, input_path_, record_.name);
      if (!names_seen_.insert(record_.name).second)
        throw InputError("'" + input_path_ + "': duplicate record name '" + record_.name + "'");
      if (record_index_ % shard_.count != shard_.index) continue;
      auto pending = std::make_unique<OpenRecord>();
      pending->name = record_.name;
      pending->real_length = static_cast<long>(record_.sequence.size());
      pending->coordinates = record_.coordinates;
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
      chunk.jobs.push_back({current, current->scheduled++});
  }
  const long windows = chunk.size();
  chunk.input.resize(4, windows * length_);
  for (long w = 0; w < windows; ++w) {
    const WindowJob& job = chunk.jobs[w];
    encode_one_hot(std::string_view(job.record->sequence).substr(job.record->starts[job.window], length_),
                   chunk.input.data() + w * 4 * length_);
  }
  chunk.logits.resize(model_.task_count(), windows);
  chunk.ref_logits.resize(model_.task_count(), windows);
  chunk.scores.resize(length_, windows * task_count_);
  if (want_hypothetical_) chunk.hypothetical.resize(4, windows * task_count_ * length_);
}

// Scores the chunk's `batch`-th batch of windows into the chunk's results.
void ScoreRun::score_batch(Chunk& chunk, long batch, Worker& worker) const {
  const long first = batch * batch_windows_;
  const int count = static_cast<int>(std::min<long>(batch_windows_, chunk.size() - first));
  const int pairs = count * per_window_;
  const long block = static_cast<long>(length_);
  // Window n's k-th reference is pair n*K + k; its input is repeated.
  worker.input.resize(4, pairs * block);
  for (int n = 0; n < count; ++n)
    for (int k = 0; k < per_window_; ++k)
      worker.input.middleCols((static_cast<long>(n) * per_window_ + k) * block, block) =
          chunk.input.middleCols((first + n) * block, block);
  if (method_ == Method::Ism) {
    worker.ism->score(worker.input, pairs, worker.batch);
    ism_scores(worker.batch.multipliers, length_, pairs, task_count_, worker.scores,
               want_hypothetical_ ? &worker.hypothetical : nullptr);
  } else {
    if (reference_.shared()) {
      if (worker.references.cols() != pairs * block) worker.references = shared_reference_.replicate(1, pairs);
      if (worker.integrated)
        worker.integrated->score(worker.input, worker.references, pairs, worker.batch);
      else
        worker.deeplift->score(worker.input, pairs, worker.batch);
    } else {
      worker.references.resize(4, pairs * block);
      for (int n = 0; n < count; ++n) {
        const WindowJob& job = chunk.jobs[first + n];
        const long start = job.record->starts[job.window];
        const std::string_view window = std::string_view(job.record->sequence).substr(start, length_);
        const uint64_t key = window_key(job.record->name, start);
        for (int k = 0; k < per_window_; ++k)
          make_reference(reference_, window, key, k,
                         worker.references.data() + (static_cast<long>(n) * per_window_ + k) * block * 4,
                         "'" + input_path_ + "': record '" + job.record->name + "'");
      }
      if (worker.integrated)
        worker.integrated->score(worker.input, worker.references, pairs, worker.batch);
      else
        worker.deeplift->score(worker.input, worker.references, pairs, worker.batch);
    }
    contribution_scores(worker.batch.multipliers, worker.input, worker.references, length_, pairs, task_count_,
                        worker.scores, want_hypothetical_ ? &worker.hypothetical : nullptr);
  }
  // Average over each window's references into the chunk's results.
  const float inverse = 1.0f / static_cast<float>(per_window_);
  for (int n = 0; n < count; ++n) {
    const long w = first + n;
    const long pair0 = static_cast<long>(n) * per_window_;
    chunk.logits.col(w) = worker.batch.logits.col(pair0);
    if (has_reference_)
      chunk.ref_logits.col(w) = worker.batch.ref_logits.middleCols(pair0, per_window_).rowwise().sum() * inverse;
    for (int t = 0; t < task_count_; ++t) {
      const long column = static_cast<long>(t) * pairs + pair0;
      chunk.scores.col(w * task_count_ + t) = worker.scores.middleCols(column, per_window_).rowwise().sum() * inverse;
      if (!want_hypothetical_) continue;
      auto hyp = chunk.hypothetical.middleCols((w * task_count_ + t) * block, block);
      hyp = worker.hypothetical.middleCols(column * block, block);
      for (int k = 1; k < per_window_; ++k) hyp += worker.hypothetical.middleCols((column + k) * block, block);
      hyp *= inverse;
    }
  }
}

// Writes a scored chunk in input order; a record is done when its last window is written.
void ScoreRun::write_chunk(const Chunk& chunk) {
  const bool tracks = formats_.bedgraph || formats_.bigwig;
  for (long w = 0; w < chunk.size(); ++w) {
    OpenRecord& current = *chunk.jobs[w].record;
    const long start = current.starts[chunk.jobs[w].window];
    const std::string name = current.starts.size() > 1
                                 ? current.name + "/" + std::to_string(start) + "-" + std::to_string(start + length_)
                                 : current.name;
    outputs_->add_window(name, chunk.input.data() + w * 4 * length_, chunk.logits.col(w).data(),
                         has_reference_ ? chunk.ref_logits.col(w).data() : nullptr, chunk.scores.col(w * task_count_).data(),
                         want_hypothetical_ ? chunk.hypothetical.data() + w * task_count_ * 4 * length_ : nullptr);
    averaging_ = &current;
    // Per-base averages only feed the bedGraph/bigWig tracks.
    if (tracks) average_->add(start, chunk.scores.col(w * task_count_).data(), length_);
    if (++current.written == current.starts.size()) {
      if (tracks) average_->finish(static_cast<long>(current.sequence.size()));
      summary_.bases += current.real_length;
      ++summary_.records;
      open_.pop_front();  // records finish in order
    }
  }
  summary_.windows += chunk.size();
  if (progress_ && Clock::now() - last_progress_ > std::chrono::seconds(1)) show_progress();
}

void ScoreRun::show_progress() {
  last_progress_ = Clock::now();
  const double seconds = std::chrono::duration<double>(last_progress_ - started_).count();
  log_ << "\rscore-seqs: " << summary_.records << " records";
  const long total = source_->total();
  if (total > 0 && record_index_ > 0) {
    const double eta = seconds * (static_cast<double>(total) / (record_index_ + 1) - 1);
    log_ << " of " << (total + shard_.count - 1 - shard_.index) / shard_.count << ", ETA " << static_cast<long>(eta)
         << " s";
  }
  log_ << ", " << summary_.windows << " windows, " << static_cast<long>(summary_.windows / seconds)
       << " windows/s   " << std::flush;
}

// Records the current exception unless one from earlier input is already
// recorded: the run reports what a serial run would have met first.
void ScoreRun::fail(long chunk_sequence, int phase) {
  const long position = chunk_sequence * 3 + phase;
  std::lock_guard<std::mutex> lock(failure_mutex_);
  if (!failure_ || position < failure_position_) {
    failure_ = std::current_exception();
    failure_position_ = position;
  }
  stop_ = true;
}

// Thread 0's I/O step: write the oldest chunk once scored, else read into a
// free slot. Returns false when there was nothing to do.
bool ScoreRun::do_io() {
  Chunk& oldest = ring_[write_sequence_ % kRing];
  if (oldest.scored.load(std::memory_order_acquire) == write_sequence_) {
    try {
      write_chunk(oldest);
    } catch (...) {
      fail(write_sequence_, 2);
      return true;
    }
    ++write_sequence_;
    return true;
  }
  if (chunks_total_.load(std::memory_order_relaxed) >= 0 || read_sequence_ - write_sequence_ >= kRing) return false;
  Chunk& next = ring_[read_sequence_ % kRing];  // its previous chunk is written
  try {
    read_chunk(next);
  } catch (...) {
    fail(read_sequence_, 0);
    return true;
  }
  if (next.size() == 0) {
    chunks_total_.store(read_sequence_, std::memory_order_release);
    return true;
  }
  next.batches.store((next.size() + batch_windows_ - 1) / batch_windows_, std::memory_order_relaxed);
  next.done_batches.store(0, std::memory_order_relaxed);
  next.cursor.store(read_sequence_ << Chunk::kBatchBits, std::memory_order_release);
  ++read_sequence_;
  return true;
}

// Scores one batch of chunk `chunk_sequence`, moving on to the next chunk
// once this one has no batch left. Returns false when there was nothing to
// do: the chunk is not read yet, or the input is done.
bool ScoreRun::score_some(long& chunk_sequence, Worker& worker) {
  const long total = chunks_total_.load(std::memory_order_acquire);
  if (total >= 0 && chunk_sequence >= total) return false;
  Chunk& chunk = ring_[chunk_sequence % kRing];
  long cursor = chunk.cursor.load(std::memory_order_acquire);
  long batch = 0;
  while (true) {
    const long sequence = cursor < 0 ? -1 : cursor >> Chunk::kBatchBits;
    if (sequence < chunk_sequence) return false;  // not read yet
    batch = cursor & ((1L << Chunk::kBatchBits) - 1);
    if (sequence > chunk_sequence || batch >= chunk.batches.load(std::memory_order_relaxed)) {
      ++chunk_sequence;  // every batch of it is taken
      return true;
    }
    if (chunk.cursor.compare_exchange_weak(cursor, cursor + 1, std::memory_order_acq_rel)) break;
  }
  try {
    // Per batch, so that Ctrl-C stops a slow method (ism) within seconds.
    check_interrupt();
    score_batch(chunk, batch, worker);
  } catch (...) {
    fail(chunk_sequence, 1);
    return true;
  }
  if (chunk.done_batches.fetch_add(1, std::memory_order_acq_rel) + 1 == chunk.batches.load(std::memory_order_relaxed))
    chunk.scored.store(chunk_sequence, std::memory_order_release);
  return true;
}

void ScoreRun::pipeline() {
#pragma omp parallel num_threads(threads_)
  {
    const int thread = omp_get_thread_num();
    Worker& worker = workers_[thread];
    long chunk_sequence = 0;  // the chunk this thread takes batches from
    while (!stop_.load(std::memory_order_relaxed)) {
      if (thread == 0) {
        if (do_io()) continue;
        const long total = chunks_total_.load(std::memory_order_acquire);
        if (total >= 0 && write_sequence_ == total) break;  // everything written
      }
      if (score_some(chunk_sequence, worker)) continue;
      if (thread != 0) {
        const long total = chunks_total_.load(std::memory_order_acquire);
        if (total >= 0 && chunk_sequence >= total) break;  // nothing left to score
      }
      std::this_thread::yield();  // waiting for thread 0 to read or for others to finish
    }
  }
  if (failure_) std::rethrow_exception(failure_);
}

ScoreSummary ScoreRun::run() {
  pipeline();
  if (summary_.records == 0 && shard_.count == 1) throw InputError("'" + input_path_ + "': no sequences to score");
  outputs_->commit();
  summary_.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  if (progress_) log_ << "\n";
  if (!options_.quiet) {
    log_ << "score-seqs: " << summary_.records << " records, " << summary_.windows << " windows, " << summary_.bases
         << " bp in " << summary_.seconds << " s ("
         << static_cast<long>(summary_.windows / std::max(summary_.seconds, 1e-9)) << " windows/s); "
         << method_name(method_) << (has_reference_ ? " vs " + options_.reference : "");
    if (summary_.skipped_regions) log_ << "; skipped " << summary_.skipped_regions << " regions past a chromosome end";
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
