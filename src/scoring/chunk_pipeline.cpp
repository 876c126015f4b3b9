#include "deeplift/scoring/chunk_pipeline.hpp"

#include <omp.h>

#include <thread>

#include "deeplift/errors.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

ChunkPipeline::ChunkPipeline(int threads) : threads_(threads) {
  if (threads < 1) throw Error("ChunkPipeline: threads must be >= 1");
}

// Records the current exception unless one from earlier input is already
// recorded.
void ChunkPipeline::fail(long chunk_sequence, int phase) {
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
bool ChunkPipeline::do_io(const Stages& stages) {
  const int oldest_slot = static_cast<int>(write_sequence_ % kRing);
  if (ring_[oldest_slot].scored.load(std::memory_order_acquire) == write_sequence_) {
    try {
      stages.write(write_sequence_, oldest_slot);
    } catch (...) {
      fail(write_sequence_, 2);
      return true;
    }
    ++write_sequence_;
    return true;
  }
  if (chunks_total_.load(std::memory_order_relaxed) >= 0 || read_sequence_ - write_sequence_ >= kRing) return false;
  const int slot = static_cast<int>(read_sequence_ % kRing);  // its previous chunk is written
  Slot& next = ring_[slot];
  long batches = 0;
  try {
    check_interrupt();
    batches = stages.read(read_sequence_, slot);
  } catch (...) {
    fail(read_sequence_, 0);
    return true;
  }
  if (batches <= 0) {
    chunks_total_.store(read_sequence_, std::memory_order_release);
    return true;
  }
  if (batches >= (1L << Slot::kBatchBits)) {
    try {
      throw Error("ChunkPipeline: a chunk of " + std::to_string(batches) + " batches is too large");
    } catch (...) {
      fail(read_sequence_, 0);
      return true;
    }
  }
  next.batches.store(batches, std::memory_order_relaxed);
  next.done_batches.store(0, std::memory_order_relaxed);
  next.cursor.store(read_sequence_ << Slot::kBatchBits, std::memory_order_release);
  ++read_sequence_;
  return true;
}

// Scores one batch of chunk `chunk_sequence`, moving on to the next chunk
// once this one has no batch left. Returns false when there was nothing to
// do: the chunk is not read yet, or the input is done.
bool ChunkPipeline::score_some(const Stages& stages, long& chunk_sequence, int thread) {
  const long total = chunks_total_.load(std::memory_order_acquire);
  if (total >= 0 && chunk_sequence >= total) return false;
  const int slot = static_cast<int>(chunk_sequence % kRing);
  Slot& chunk = ring_[slot];
  long cursor = chunk.cursor.load(std::memory_order_acquire);
  long batch = 0;
  while (true) {
    const long sequence = cursor < 0 ? -1 : cursor >> Slot::kBatchBits;
    if (sequence < chunk_sequence) return false;  // not read yet
    batch = cursor & ((1L << Slot::kBatchBits) - 1);
    if (sequence > chunk_sequence || batch >= chunk.batches.load(std::memory_order_relaxed)) {
      ++chunk_sequence;  // every batch of it is taken
      return true;
    }
    if (chunk.cursor.compare_exchange_weak(cursor, cursor + 1, std::memory_order_acq_rel)) break;
  }
  try {
    // Per batch, so that Ctrl-C stops a slow method (ism) within seconds.
    check_interrupt();
    stages.score(slot, batch, thread);
  } catch (...) {
    fail(chunk_sequence, 1);
    return true;
  }
  if (chunk.done_batches.fetch_add(1, std::memory_order_acq_rel) + 1 == chunk.batches.load(std::memory_order_relaxed))
    chunk.scored.store(chunk_sequence, std::memory_order_release);
  return true;
}

void ChunkPipeline::run(const Stages& stages) {
#pragma omp parallel num_threads(threads_)
  {
    const int thread = omp_get_thread_num();
    long chunk_sequence = 0;  // the chunk this thread takes batches from
    while (!stop_.load(std::memory_order_relaxed)) {
      if (thread == 0) {
        if (do_io(stages)) continue;
        const long total = chunks_total_.load(std::memory_order_acquire);
        if (total >= 0 && write_sequence_ == total) break;  // everything written
      }
      if (score_some(stages, chunk_sequence, thread)) continue;
      if (thread != 0) {
        const long total = chunks_total_.load(std::memory_order_acquire);
        if (total >= 0 && chunk_sequence >= total) break;  // nothing left to score
      }
      std::this_thread::yield();  // waiting for thread 0 to read or for others to finish
    }
  }
  if (failure_) std::rethrow_exception(failure_);
}

}  // namespace deeplift
