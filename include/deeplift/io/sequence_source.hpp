// Where score-seqs gets its sequences: FASTA records, or BED regions or
// narrowPeak summit windows of an indexed genome. All yield records in input
// order with the genomic coordinates their scores belong to (docs/outputs.md).
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "deeplift/io/record_coordinates.hpp"

namespace deeplift {

// The bases of a record whose scores go to the bedGraph/bigWig tracks, as
// offsets [begin, end) into the record: all of them, except for a peak's
// window, which owns only the bases nearer its summit than any other's
// (nearest_summit.hpp). The npz rows and predictions hold whole windows.
struct TrackRange {
  long begin = 0;
  long end = std::numeric_limits<long>::max();
};

struct SourceRecord {
  std::string name;
  std::string sequence;
  RecordCoordinates coordinates;
  TrackRange track;
};

class SequenceSource {
 public:
  virtual ~SequenceSource() = default;
  // Next record, false at the end. Throws FormatError/IoError naming the file.
  virtual bool next(SourceRecord& record) = 0;
  // The file named in messages.
  virtual const std::string& path() const = 0;
  // Chromosome sizes for bigWig headers; empty when unknown (FASTA input).
  virtual std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes() const { return {}; }
  // Number of records, or -1 when unknown until the end (FASTA input).
  virtual long total() const { return -1; }
};

// FASTA records; names of the form chr:start-end give genomic coordinates.
std::unique_ptr<SequenceSource> open_fasta_source(const std::string& path);

struct GenomeRegionOptions {
  long center_width = 0;  // > 0: re-centre each region on its midpoint to this width
  bool clip = false;      // skip regions past a chromosome end instead of failing
};

// BED3+ regions of an indexed genome (plain or bgzip FASTA; the .fai/.gzi
// are built if missing). Regions are checked when opened; overlapping ones
// are merged (sorted) so that scores never overlap, otherwise BED order is
// kept. `skipped` receives the number of regions --clip dropped.
std::unique_ptr<SequenceSource> open_genome_regions(const std::string& genome, const std::string& bed,
                                                   const GenomeRegionOptions& options, long& skipped,
                                                   long& merged);

// Windows of `window_length` bases centred on the summits of a narrowPeak
// file's peaks (narrowpeak_reader.hpp), on an indexed genome: window
// [summit − ⌊L/2⌋, summit − ⌊L/2⌋ + L), in file order, never merged. Each
// record's track range is its share under the nearest-summit rule among all
// the file's kept peaks (nearest_summit.hpp), so every --shard computes the
// same shares. Names are "chrom:start+1-end"; a window already named by an
// earlier peak gets "#<line>" appended. A window past a chromosome end is an
// InputError naming the line, or with `clip` skipped and counted in `skipped`.
std::unique_ptr<SequenceSource> open_genome_peaks(const std::string& genome, const std::string& peaks,
                                                 long window_length, bool clip, long& skipped);

}  // namespace deeplift
