// Seqlet calling on synthetic per-position score tracks with a known answer:
// planted peaks are recovered, pure noise yields (almost) nothing.
#include "deeplift/motifs/seqlets.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "deeplift/errors.hpp"

namespace deeplift {
namespace {

struct Peak {
  long sequence, start, width;
};

bool overlaps(const Seqlet& s, const Peak& p) {
  return s.sequence == p.sequence && s.start < p.start + p.width && p.start < s.end;
}

// count tracks of N(0, 1) noise (or the given distribution) of `length`.
template <class Dist>
std::vector<float> noise_tracks(long count, long length, Dist dist, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> scores(static_cast<std::size_t>(count * length));
  for (float& s : scores) s = static_cast<float>(dist(rng));
  return scores;
}

TEST(Seqlets, WindowSumsMatchDirectSums) {
  const std::vector<float> track = noise_tracks(1, 57, std::normal_distribution<double>(), 1);
  const std::vector<double> sums = window_sums(track.data(), 57, 9);
  ASSERT_EQ(sums.size(), 49u);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    double direct = 0.0;
    for (int l = 0; l < 9; ++l) direct += track[i + l];
    EXPECT_NEAR(sums[i], direct, 1e-9);
  }
}

// Half the sequences get one peak of 10 bases at +2.5 per base on N(0, 1)
// noise (a 21-bp window sum of noise has sd 4.6; the peak adds 25), some
// sequences two peaks far apart.
TEST(Seqlets, RecoversPlantedPeaksAndRespectsTheFdr) {
  const long count = 400, length = 200, width = 10;
  std::vector<float> scores = noise_tracks(count, length, std::normal_distribution<double>(), 7);
  std::mt19937_64 rng(11);
  std::vector<Peak> peaks;
  for (long n = 0; n < count; n += 2) {
    std::vector<long> starts = {std::uniform_int_distribution<long>(0, 80)(rng)};
    if (n % 8 == 0) starts.push_back(std::uniform_int_distribution<long>(110, length - width)(rng));
    for (long start : starts) {
      for (long l = start; l < start + width; ++l) scores[n * length + l] += 2.5f;
      peaks.push_back({n, start, width});
    }
  }
  const SeqletCalls calls = call_seqlets(scores.data(), count, length, SeqletOptions{});

  long recovered = 0;
  for (const Peak& p : peaks) {
    for (const Seqlet& s : calls.seqlets)
      if (overlaps(s, p)) {
        ++recovered;
        // The window is placed on the peak: it covers most of it.
        EXPECT_GE(std::min(s.end, p.start + p.width) - std::max(s.start, p.start), 7) << p.sequence;
        break;
      }
  }
  long false_calls = 0;
  for (const Seqlet& s : calls.seqlets) {
    bool real = false;
    for (const Peak& p : peaks) real = real || overlaps(s, p);
    false_calls += !real;
    EXPECT_EQ(s.end - s.start, 21);
    EXPECT_EQ(s.strand, '+');
    EXPECT_GE(s.score, calls.null.threshold_pos);
  }
  EXPECT_GE(recovered, static_cast<long>(0.9 * peaks.size())) << "of " << peaks.size() << " peaks";
  // FDR 0.05 over windows; allow some slack for the greedy step.
  EXPECT_LE(false_calls, static_cast<long>(0.05 * calls.seqlets.size()) + 1)
      << false_calls << " of " << calls.seqlets.size() << " seqlets hit no peak";
  // The null is fitted to the background, not to the peaks.
  EXPECT_NEAR(calls.null.center, 0.0, 1.0);
  EXPECT_GT(calls.null.scale_pos, 1.0);
  EXPECT_LT(calls.null.scale_pos, 6.0);
}

TEST(Seqlets, SeqletsInASequenceDoNotOverlap) {
  const long length = 300;
  std::vector<float> scores = noise_tracks(200, length, std::normal_distribution<double>(0.0, 0.2), 3);
  // Sequence 0: three peaks 30 bases apart, closer than two windows.
  for (long start : {40L, 70L, 100L})
    for (long l = start; l < start + 8; ++l) scores[l] += 3.0f;
  const SeqletCalls calls = call_seqlets(scores.data(), 200, length, SeqletOptions{});
  std::vector<Seqlet> first;
  for (const Seqlet& s : calls.seqlets)
    if (s.sequence == 0) first.push_back(s);
  ASSERT_GE(first.size(), 2u);
  for (std::size_t i = 1; i < first.size(); ++i) EXPECT_LE(first[i - 1].end, first[i].start);
}

// Noise alone: at most a few seqlets per thousand sequences, for light- and
// heavy-tailed, symmetric and skewed, independent and autocorrelated noise.
// (Over 40 seeds the worst case was 9 for Student t with 3 degrees of
// freedom, whose single extreme values dominate a window, and 0 otherwise.)
TEST(Seqlets, PureNoiseGivesAlmostNoSeqlets) {
  const long count = 1000, length = 200;
  std::vector<std::vector<float>> tracks = {
      noise_tracks(count, length, std::normal_distribution<double>(), 21),
      noise_tracks(count, length, std::student_t_distribution<double>(3.0), 22),
      noise_tracks(count, length, std::exponential_distribution<double>(1.0), 23),
  };
  // Autocorrelated: a 15-base moving average, like a convolution's footprint.
  const std::vector<float> raw = noise_tracks(count, length + 14, std::normal_distribution<double>(), 24);
  std::vector<float> smooth(static_cast<std::size_t>(count * length));
  for (long n = 0; n < count; ++n)
    for (long l = 0; l < length; ++l) {
      double sum = 0.0;
      for (int k = 0; k < 15; ++k) sum += raw[n * (length + 14) + l + k];
      smooth[n * length + l] = static_cast<float>(sum / 15);
    }
  tracks.push_back(smooth);
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    for (bool negative : {false, true}) {
      SeqletOptions options;
      options.negative = negative;
      const SeqletCalls calls = call_seqlets(tracks[t].data(), count, length, options);
      EXPECT_LE(calls.seqlets.size(), 20u) << "noise kind " << t << (negative ? ", both tails" : "");
    }
  }
}

TEST(Seqlets, NegativeSeqletsOnlyWhenAskedFor) {
  const long count = 300, length = 100;
  std::vector<float> scores = noise_tracks(count, length, std::normal_distribution<double>(0.0, 0.5), 5);
  for (long n = 0; n < count; n += 3)
    for (long l = 40; l < 50; ++l) scores[n * length + l] -= 2.0f;
  const SeqletCalls positive_only = call_seqlets(scores.data(), count, length, SeqletOptions{});
  EXPECT_LE(positive_only.seqlets.size(), 5u);
  SeqletOptions options;
  options.negative = true;
  const SeqletCalls both = call_seqlets(scores.data(), count, length, options);
  long negative = 0, misplaced = 0;
  for (const Seqlet& s : both.seqlets) {
    if (s.score < 0) {
      ++negative;
      misplaced += s.sequence % 3 != 0 || s.start > 49 || s.end < 41;
      EXPECT_LE(s.score, both.null.threshold_neg);
    }
  }
  EXPECT_GE(negative, 95);
  EXPECT_LE(misplaced, negative / 20) << "of " << negative << " negative seqlets";
}

TEST(Seqlets, ZeroScoresYieldNothing) {
  const std::vector<float> zeros(50 * 100, 0.0f);
  const SeqletCalls calls = call_seqlets(zeros.data(), 50, 100, SeqletOptions{});
  EXPECT_TRUE(calls.seqlets.empty());
  EXPECT_EQ(calls.null.windows, 0);
  EXPECT_TRUE(call_seqlets(nullptr, 0, 100, SeqletOptions{}).seqlets.empty());
}

// N padding (all-zero scores) is neither tested nor allowed to shrink the null.
TEST(Seqlets, PaddingDoesNotCreateSeqlets) {
  const long count = 500, length = 200;
  std::vector<float> scores = noise_tracks(count, length, std::normal_distribution<double>(), 8);
  for (long n = 0; n < count; ++n)
    for (long l = 0; l < 120; ++l) scores[n * length + l] = 0.0f;
  const SeqletCalls calls = call_seqlets(scores.data(), count, length, SeqletOptions{});
  EXPECT_LE(calls.seqlets.size(), 5u);
}

TEST(Seqlets, RejectsBadArguments) {
  const std::vector<float> scores(10 * 15, 1.0f);
  EXPECT_THROW(call_seqlets(scores.data(), 10, 15, SeqletOptions{}), InputError);  // 15 bp < 21
  SeqletOptions options;
  options.window = 0;
  EXPECT_THROW(call_seqlets(scores.data(), 10, 15, options), std::invalid_argument);
  options = SeqletOptions{};
  options.window = 5;
  options.fdr = 1.5;
  EXPECT_THROW(call_seqlets(scores.data(), 10, 15, options), std::invalid_argument);
}

}  // namespace
}  // namespace deeplift
