// ENCODE narrowPeak files (BED6+4): chrom, chromStart, chromEnd, name,
// score, strand, signalValue, pValue, qValue, peak, where `peak` (column 10)
// is the summit's offset from chromStart, or -1 for "no summit called"
// (docs/outputs.md, "Coordinates").
#pragma once
#include <string>
#include <vector>

namespace deeplift {

struct NarrowPeak {
  std::string chrom;
  long start = 0;   // chromStart, 0-based
  long end = 0;     // chromEnd, exclusive
  long summit = 0;  // 0-based position: start + peak, or the midpoint start + ⌊(end − start)/2⌋ when peak is -1
  long line = 0;    // 1-based line of the file
};

// Every peak of `path` (plain, gzip or bgzip), in file order. Blank lines
// and "#", "track" and "browser" lines are skipped. Columns 1-3 and 10 are
// checked (at least 10 tab-separated columns, whole numbers,
// 0 <= chromStart < chromEnd, -1 <= peak < chromEnd − chromStart); the
// others are not read. Throws FormatError naming the file, line and column,
// IoError when the file can't be read.
std::vector<NarrowPeak> read_narrowpeak(const std::string& path);

}  // namespace deeplift
