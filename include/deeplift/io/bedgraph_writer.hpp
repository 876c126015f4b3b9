// Per-base score tracks as bedGraph (docs/outputs.md): a track line, then one line
// per base "chrom<TAB>start<TAB>end<TAB>score", 0-based half-open, sorted by
// chrom (byte order, as LC_COLLATE=C sort) then start, never overlapping.
//
// Records arrive in input order; their scores are spilled to a temporary
// binary file so memory stays bounded, and commit() writes them sorted.
//
// The same sorted replay can also feed a bigWig (libBigWig), so one spill
// serves both formats.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deeplift {

// Which files a track goes to; an empty path means "not this format".
struct TrackFiles {
  std::string bedgraph;
  std::string bigwig;
  // Chromosome sizes for the bigWig header (e.g. from a .fai); when empty,
  // each chromosome's size is the furthest end of its intervals.
  std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes;
};

class BedGraphWriter {
 public:
  BedGraphWriter(std::string path, std::string track_name, std::string description);
  BedGraphWriter(TrackFiles files, std::string track_name, std::string description);
  ~BedGraphWriter();
  BedGraphWriter(const BedGraphWriter&) = delete;
  BedGraphWriter& operator=(const BedGraphWriter&) = delete;

  // Scores for bases [start, start + length) of `chrom`.
  void add(const std::string& chrom, long start, const float* scores, long length);

  // Names the file the following add() calls come from (merge-tracks'
  // inputs), so that an overlap is reported by file instead of by add() number.
  void set_source(const std::string& name);

  // Sorts, writes and renames into place. Throws InputError naming both
  // records when two intervals overlap (e.g. duplicate record names).
  void commit();
  // commit() in two steps (see AtomicFile): finish() does the sorting,
  // checking and writing, publish() only renames the finished files.
  void finish();
  void publish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deeplift
