// The read → score → write ring on its own, with fake stages: every batch
// scored once, chunks written in order and only when complete, the earliest
// failure of any phase reported, and interruption.
#include "deeplift/scoring/chunk_pipeline.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {
namespace {

// A fake input of chunks with the given batch counts; scoring marks each
// batch, writing checks the chunk is complete and records the order.
struct FakeRun {
  std::vector<long> batches_per_chunk;
  long fail_read_at = -1;                 // chunk whose read throws
  std::vector<std::pair<long, long>> fail_score;  // (chunk, batch) pairs whose scoring throws
  long fail_write_at = -1;
  long slot_chunk[ChunkPipeline::kRing] = {-1, -1, -1};
  std::vector<std::vector<std::atomic<int>>> scored;
  std::vector<long> written;
  std::mutex written_mutex;
  bool incomplete_write = false;
  long wrong_slot = 0;

  explicit FakeRun(std::vector<long> batches) : batches_per_chunk(std::move(batches)), scored(batches_per_chunk.size()) {
    for (size_t c = 0; c < batches_per_chunk.size(); ++c)
      scored[c] = std::vector<std::atomic<int>>(batches_per_chunk[c]);
  }

  ChunkPipeline::Stages stages() {
    return {[this](long sequence, int slot) -> long {
              if (sequence == fail_read_at) throw InputError("read failed at chunk " + std::to_string(sequence));
              if (sequence >= static_cast<long>(batches_per_chunk.size())) return 0;
              slot_chunk[slot] = sequence;
              return batches_per_chunk[sequence];
            },
            [this](int slot, long batch, int) {
              const long chunk = slot_chunk[slot];
              for (const auto& [bad_chunk, bad_batch] : fail_score)
                if (chunk == bad_chunk && batch == bad_batch)
                  throw InputError("score failed at chunk " + std::to_string(chunk));
              scored[chunk][batch]++;
            },
            [this](long sequence, int slot) {
              if (slot_chunk[slot] != sequence) ++wrong_slot;
              if (sequence == fail_write_at) throw IoError("write failed at chunk " + std::to_string(sequence));
              for (auto& count : scored[sequence])
                if (count.load() != 1) incomplete_write = true;
              std::lock_guard<std::mutex> lock(written_mutex);
              written.push_back(sequence);
            }};
  }
};

std::string run_and_catch(FakeRun& run, int threads) {
  try {
    ChunkPipeline(threads).run(run.stages());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ChunkPipeline, ScoresEveryBatchOnceAndWritesInOrder) {
  for (int threads : {1, 2, 4}) {
    FakeRun run({3, 1, 7, 2, 5, 1, 1, 9, 4, 6});
    EXPECT_EQ(run_and_catch(run, threads), "") << threads;
    EXPECT_FALSE(run.incomplete_write) << threads;
    EXPECT_EQ(run.wrong_slot, 0);
    std::vector<long> expected(run.batches_per_chunk.size());
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<long>(i);
    EXPECT_EQ(run.written, expected) << threads;
    for (auto& chunk : run.scored)
      for (auto& count : chunk) EXPECT_EQ(count.load(), 1);
  }
}

TEST(ChunkPipeline, EmptyInputWritesNothing) {
  FakeRun run({});
  EXPECT_EQ(run_and_catch(run, 2), "");
  EXPECT_TRUE(run.written.empty());
}

TEST(ChunkPipeline, ReadFailureStopsBeforeWritingThatChunk) {
  for (int threads : {1, 2}) {
    FakeRun run({2, 2, 2, 2, 2});
    run.fail_read_at = 3;
    EXPECT_EQ(run_and_catch(run, threads), "read failed at chunk 3");
    for (long chunk : run.written) EXPECT_LT(chunk, 3);
  }
}

TEST(ChunkPipeline, ScoreFailureIsReportedAndItsChunkNotWritten) {
  for (int threads : {1, 2, 4}) {
    FakeRun run({4, 4, 4, 4});
    run.fail_score = {{1, 2}};
    EXPECT_EQ(run_and_catch(run, threads), "score failed at chunk 1");
    for (long chunk : run.written) EXPECT_LT(chunk, 1);
  }
}

TEST(ChunkPipeline, WriteFailureStopsLaterWrites) {
  FakeRun run({1, 1, 1, 1, 1});
  run.fail_write_at = 2;
  EXPECT_EQ(run_and_catch(run, 2), "write failed at chunk 2");
  EXPECT_EQ(run.written, (std::vector<long>{0, 1}));
}

TEST(ChunkPipeline, TheEarliestFailureInInputOrderWins) {
  // The last batch of chunk 0 and the first of chunk 1 both fail. A thread
  // reaches chunk 1 only after every batch of chunk 0 is claimed, and a
  // claimed batch is scored, so both failures happen, in either order in
  // time; the one a serial run meets first is reported.
  for (int repeat = 0; repeat < 20; ++repeat) {
    FakeRun run({8, 1, 1});
    run.fail_score = {{0, 7}, {1, 0}};
    EXPECT_EQ(run_and_catch(run, 4), "score failed at chunk 0");
    EXPECT_TRUE(run.written.empty());
  }
}

TEST(ChunkPipeline, AnInterruptStopsTheRun) {
  FakeRun run({2, 2, 2});
  request_interrupt(SIGINT);
  bool interrupted = false;
  try {
    ChunkPipeline(2).run(run.stages());
  } catch (const Interrupted&) {
    interrupted = true;
  }
  clear_interrupt();
  EXPECT_TRUE(interrupted);
  EXPECT_TRUE(run.written.empty());
}

}  // namespace
}  // namespace deeplift
