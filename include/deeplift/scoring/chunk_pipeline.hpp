// The read → score → write ring of score-seqs (docs/performance.md): input
// is read in chunks of windows, each chunk's batches are scored by every
// thread, and chunks are written in input order. Thread 0 reads and writes
// between its own batches, so I/O overlaps with scoring: while chunk i is
// scored, chunk i−1 is written and chunk i+1 read. There is no barrier
// between chunks: a thread that finds no batch left in chunk i goes on to
// chunk i+1 (with barriers, half a batch per chunk and thread was lost
// waiting). Which work a stage does is the caller's; the ring only orders it.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>

namespace deeplift {

class ChunkPipeline {
 public:
  // Chunks in flight: one being written, one scored, one read ahead.
  static constexpr int kRing = 3;

  struct Stages {
    // Reads chunk `sequence` into ring slot `slot` (whose previous chunk is
    // written) and returns its number of batches; 0 means the input is done.
    // Runs on thread 0.
    std::function<long(long sequence, int slot)> read;
    // Scores batch `batch` of the chunk in `slot` on thread `thread`; any
    // thread, concurrently with other batches and with read/write of the
    // other slots.
    std::function<void(int slot, long batch, int thread)> score;
    // Writes the chunk `sequence` in `slot` once all its batches are scored;
    // chunks are written in input order. Runs on thread 0.
    std::function<void(long sequence, int slot)> write;
  };

  explicit ChunkPipeline(int threads);

  // Runs until every chunk is written. Polls check_interrupt()
  // (util/interrupt.hpp) before each read and each batch. On the first
  // failure every thread stops; the failure of the earliest chunk and phase
  // (read, score, write) is rethrown — what a serial run would have met
  // first — and nothing after it is written.
  void run(const Stages& stages);

 private:
  struct Slot {
    // Which chunk may be scored and how far: (sequence << kBatchBits) | next
    // batch to hand out, one atomic so that a thread can never take a batch
    // of a chunk that has meanwhile been replaced. −1 until the first read.
    static constexpr int kBatchBits = 24;
    std::atomic<long> cursor{-1};
    std::atomic<long> batches{0};
    std::atomic<long> done_batches{0};
    std::atomic<long> scored{-1};  // sequence of the chunk whose batches are all done
  };

  bool do_io(const Stages& stages);
  bool score_some(const Stages& stages, long& chunk_sequence, int thread);
  void fail(long chunk_sequence, int phase);

  int threads_;
  Slot ring_[kRing];
  long read_sequence_ = 0;              // next chunk to read (thread 0 only)
  long write_sequence_ = 0;             // next chunk to write (thread 0 only)
  std::atomic<long> chunks_total_{-1};  // known once the input is exhausted
  std::atomic<bool> stop_{false};       // a failure: every thread leaves
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
  long failure_position_ = -1;  // chunk * 3 + phase (read 0, score 1, write 2) of failure_
};

}  // namespace deeplift
