// Per-base score tracks as bedGraph (design §5): a track line, then one line
// per base "chrom<TAB>start<TAB>end<TAB>score", 0-based half-open, sorted by
// chrom (byte order, as LC_COLLATE=C sort) then start, never overlapping.
//
// Records arrive in input order; their scores are spilled to a temporary
// binary file so memory stays bounded, and commit() writes them sorted.
#pragma once
#include <memory>
#include <string>

namespace deeplift {

class BedGraphWriter {
 public:
  BedGraphWriter(std::string path, std::string track_name, std::string description);
  ~BedGraphWriter();
  BedGraphWriter(const BedGraphWriter&) = delete;
  BedGraphWriter& operator=(const BedGraphWriter&) = delete;

  // Scores for bases [start, start + length) of `chrom`.
  void add(const std::string& chrom, long start, const float* scores, long length);

  // Sorts, writes and renames into place. Throws InputError naming both
  // records when two intervals overlap (e.g. duplicate record names).
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deeplift
