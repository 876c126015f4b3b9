// Per-base score tracks as bigWig (docs/outputs.md), written through libBigWig with
// zoom levels so genome browsers can show whole chromosomes quickly.
//
// Chromosomes are stored in byte order of their names (LC_COLLATE=C, as UCSC's
// bedGraphToBigWig stores them), whatever order the sizes are given in, and
// intervals must be added in that order, then by start, without overlaps:
// exactly the order BedGraphWriter writes, so a caller can replay it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deeplift {

class BigWigWriter {
 public:
  // `chrom_sizes`: every chromosome intervals may be added on, with its length
  // (from the genome's .fai or the records). Throws IoError "can't write
  // 'path': <reason>" when the temporary file cannot be created, InputError
  // for an empty list, a duplicate name or a zero length.
  BigWigWriter(std::string path, std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes);
  ~BigWigWriter();
  BigWigWriter(const BigWigWriter&) = delete;
  BigWigWriter& operator=(const BigWigWriter&) = delete;

  // Scores for bases [start, start + length) of `chrom`, one value per base.
  // Throws InputError for an unknown chromosome, an interval past the
  // chromosome's end, or one out of order or overlapping the previous one.
  void add(const std::string& chrom, long start, const float* scores, long length);

  // Writes the index and zoom levels, checks the result and renames it into
  // place. Throws InputError if nothing was added (a bigWig cannot be empty),
  // IoError on a write failure.
  void commit();
  // commit() in two steps (see AtomicFile): finish() completes and checks
  // the file under its temporary name, publish() only renames it.
  void finish();
  void publish();

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace deeplift
