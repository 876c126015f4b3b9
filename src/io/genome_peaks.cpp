// Summit-centred windows of narrowPeak peaks on an indexed genome.
#include <limits>
#include <map>
#include <unordered_set>

#include "deeplift/errors.hpp"
#include "deeplift/io/narrowpeak_reader.hpp"
#include "deeplift/io/nearest_summit.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "genome_source.hpp"

namespace deeplift {

std::unique_ptr<SequenceSource> open_genome_peaks(const std::string& genome, const std::string& peaks_path,
                                                 long window_length, bool clip, long& skipped) {
  // The whole file is read (and checked) up front: ownership of the bases
  // needs every summit of a chromosome, and a peaks file is small (10^5
  // lines: a few MB). Scores still stream; only the peaks are held.
  const std::vector<NarrowPeak> peaks = read_narrowpeak(peaks_path);
  GenomeIndex index = load_genome_index(genome);
  const long left_flank = window_length / 2;
  std::vector<GenomeRecord> records;
  std::vector<long> lines;
  skipped = 0;
  for (const NarrowPeak& peak : peaks) {
    const std::string where = "'" + peaks_path + "' line " + std::to_string(peak.line);
    if (!faidx_has_seq(index.get(), peak.chrom.c_str()))
      throw InputError(where + ", column 1 (chrom): chromosome '" + peak.chrom + "' is not in '" + genome + "'");
    const long start = peak.summit - left_flank;  // summit >= 0: no overflow
    const long chrom_length = faidx_seq_len(index.get(), peak.chrom.c_str());
    if (start < 0 || start > chrom_length - window_length) {
      if (clip) {
        ++skipped;
        continue;
      }
      // start + window_length would overflow for a summit near LONG_MAX.
      const std::string end = start <= std::numeric_limits<long>::max() - window_length
                                  ? std::to_string(start + window_length)
                                  : "...";
      throw InputError(where + ": the " + std::to_string(window_length) + " bp window " + peak.chrom + ":" +
                       std::to_string(start) + "-" + end + " around the summit at " + std::to_string(peak.summit) +
                       " runs past the chromosome (length " + std::to_string(chrom_length) +
                       "); use --clip to skip such peaks");
    }
    records.push_back({peak.chrom, start, start + window_length, {}, {}});
    lines.push_back(peak.line);
  }
  if (records.empty()) throw InputError("'" + peaks_path + "': no peaks to score");

  // Each window's share of the tracks, from all the chromosome's summits.
  std::map<std::string, std::vector<size_t>> by_chrom;
  for (size_t i = 0; i < records.size(); ++i) by_chrom[records[i].chrom].push_back(i);
  for (const auto& [chrom, members] : by_chrom) {
    std::vector<long> summits;
    for (size_t i : members) summits.push_back(records[i].start + left_flank);
    const std::vector<BaseRange> shares = nearest_summit_ranges(summits, window_length);
    for (size_t k = 0; k < members.size(); ++k) {
      GenomeRecord& record = records[members[k]];
      record.track = shares[k].empty() ? TrackRange{0, 0}
                                       : TrackRange{shares[k].begin - record.start, shares[k].end - record.start};
    }
  }

  // samtools-style names; two peaks with the same summit share a window.
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < records.size(); ++i) {
    GenomeRecord& record = records[i];
    record.name = record.chrom + ":" + std::to_string(record.start + 1) + "-" + std::to_string(record.end);
    if (!names.insert(record.name).second) {
      record.name += "#" + std::to_string(lines[i]);
      names.insert(record.name);
    }
  }
  return genome_record_source(std::move(index), genome, std::move(records));
}

}  // namespace deeplift
