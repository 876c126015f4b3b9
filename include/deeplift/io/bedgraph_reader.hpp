// Reads bedGraph files (track/browser/# lines skipped), e.g. to merge the
// per-shard tracks of a sharded run.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace deeplift {

// Calls `interval(chrom, start, end, value)` for each data line. Throws
// IoError/FormatError naming the file and line.
void read_bedgraph(const std::string& path,
                   const std::function<void(const std::string&, long, long, float)>& interval);

// Chromosome sizes from a .fai or a two-column chrom.sizes file.
std::vector<std::pair<std::string, std::uint32_t>> read_chrom_sizes(const std::string& path);

}  // namespace deeplift
