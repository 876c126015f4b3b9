// BED regions of an indexed genome.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "genome_source.hpp"

namespace deeplift {

namespace {

struct Region {
  std::string chrom;
  long start = 0, end = 0;
};

long parse_coordinate(const std::string& field, const std::string& where, const char* what) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(field.c_str(), &end, 10);
  if (field.empty() || *end != '\0' || errno == ERANGE)
    throw FormatError(where + ": " + what + " '" + field + "' is not a whole number");
  if (value < 0) throw FormatError(where + ": " + what + " " + field + " is negative");
  return static_cast<long>(value);
}

}  // namespace

std::unique_ptr<SequenceSource> open_genome_regions(const std::string& genome, const std::string& bed,
                                                   const GenomeRegionOptions& options, long& skipped, long& merged) {
  std::ifstream in = open_input_file(bed);
  GenomeIndex guard = load_genome_index(genome);
  faidx_t* index = guard.get();

  std::vector<Region> regions;
  std::string line;
  long line_number = 0;
  skipped = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("track", 0) == 0 || line.rfind("browser", 0) == 0) continue;
    const std::string where = "'" + bed + "' line " + std::to_string(line_number);
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, '\t')) fields.push_back(field);
    if (fields.size() < 3) throw FormatError(where + ": a BED line needs chrom, start and end separated by tabs");
    Region region{fields[0], parse_coordinate(fields[1], where, "start"), parse_coordinate(fields[2], where, "end")};
    if (region.start >= region.end)
      throw FormatError(where + ": start " + fields[1] + " is not before end " + fields[2]);
    if (!faidx_has_seq(index, region.chrom.c_str()))
      throw InputError(where + ": chromosome '" + region.chrom + "' is not in '" + genome + "'");
    if (options.center_width > 0) {
      const long middle = region.start + (region.end - region.start) / 2;
      region.start = middle - options.center_width / 2;
      region.end = region.start + options.center_width;
    }
    const long chrom_length = faidx_seq_len(index, region.chrom.c_str());
    if (region.start < 0 || region.end > chrom_length) {
      if (options.clip) {
        ++skipped;
        continue;
      }
      throw InputError(where + ": region " + region.chrom + ":" + std::to_string(region.start) + "-" +
                       std::to_string(region.end) + " runs past the chromosome (length " + std::to_string(chrom_length) +
                       "); use --clip to skip such regions");
    }
    regions.push_back(region);
  }
  if (in.bad()) throw IoError("can't read '" + bed + "'");
  if (regions.empty()) throw InputError("'" + bed + "': no regions to score");

  // Overlapping regions would give overlapping bedGraph lines: merge them
  // (which needs sorted order); otherwise keep the user's order for npz rows.
  std::vector<Region> sorted = regions;
  std::sort(sorted.begin(), sorted.end(), [](const Region& a, const Region& b) {
    return a.chrom != b.chrom ? a.chrom < b.chrom : a.start < b.start;
  });
  merged = 0;
  bool overlaps = false;
  for (size_t i = 1; i < sorted.size(); ++i)
    overlaps |= sorted[i].chrom == sorted[i - 1].chrom && sorted[i].start < sorted[i - 1].end;
  if (overlaps) {
    std::vector<Region> combined;
    for (const Region& region : sorted) {
      if (!combined.empty() && combined.back().chrom == region.chrom && region.start < combined.back().end) {
        combined.back().end = std::max(combined.back().end, region.end);
        ++merged;
      } else {
        combined.push_back(region);
      }
    }
    regions = std::move(combined);
  }
  std::vector<GenomeRecord> records;
  records.reserve(regions.size());
  for (const Region& region : regions)
    records.push_back({region.chrom, region.start, region.end,
                       region.chrom + ":" + std::to_string(region.start + 1) + "-" + std::to_string(region.end), {}});
  return genome_record_source(std::move(guard), genome, std::move(records));
}

}  // namespace deeplift
