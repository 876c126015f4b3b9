// BED regions of an indexed genome through htslib's faidx.
#include <htslib/faidx.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"
#include "deeplift/io/sequence_source.hpp"

namespace deeplift {

namespace {

struct Region {
  std::string chrom;
  long start = 0, end = 0;
};

class GenomeRegions : public SequenceSource {
 public:
  GenomeRegions(faidx_t* index, std::string genome, std::vector<Region> regions)
      : index_(index), genome_(std::move(genome)), regions_(std::move(regions)) {}
  ~GenomeRegions() override { fai_destroy(index_); }

  bool next(SourceRecord& record) override {
    if (next_ >= regions_.size()) return false;
    const Region& region = regions_[next_++];
    hts_pos_t length = 0;
    // faidx takes 0-based inclusive ends.
    char* bases = faidx_fetch_seq64(index_, region.chrom.c_str(), region.start, region.end - 1, &length);
    if (!bases || length != region.end - region.start) {
      std::free(bases);
      throw IoError("can't read " + region.chrom + ":" + std::to_string(region.start + 1) + "-" +
                    std::to_string(region.end) + " from '" + genome_ + "'");
    }
    record.sequence.assign(bases, static_cast<size_t>(length));
    std::free(bases);
    record.name = region.chrom + ":" + std::to_string(region.start + 1) + "-" + std::to_string(region.end);
    record.coordinates = {region.chrom, region.start};
    return true;
  }
  const std::string& path() const override { return genome_; }
  long total() const override { return static_cast<long>(regions_.size()); }
  std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes() const override {
    std::vector<std::pair<std::string, std::uint32_t>> sizes;
    for (int i = 0; i < faidx_nseq(index_); ++i) {
      const char* name = faidx_iseq(index_, i);
      sizes.emplace_back(name, static_cast<std::uint32_t>(faidx_seq_len(index_, name)));
    }
    return sizes;
  }

 private:
  faidx_t* index_;
  std::string genome_;
  std::vector<Region> regions_;
  size_t next_ = 0;
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
  // faidx would print its own diagnostics for a missing file or a directory.
  check_input_file(genome);
  faidx_t* index = fai_load3(genome.c_str(), nullptr, nullptr, FAI_CREATE);
  if (!index)
    throw FormatError("'" + genome + "': can't index the genome (it must be FASTA, plain or bgzip-compressed " +
                      "-- not plain gzip -- in a writable directory or with its .fai/.gzi beside it)");
  std::unique_ptr<faidx_t, void (*)(faidx_t*)> guard(index, fai_destroy);

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
  guard.release();
  return std::make_unique<GenomeRegions>(index, genome, std::move(regions));
}

}  // namespace deeplift
