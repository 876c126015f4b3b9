#include "genome_source.hpp"

#include <cstdlib>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"

namespace deeplift {

namespace {

class GenomeRecords : public SequenceSource {
 public:
  GenomeRecords(GenomeIndex index, std::string genome, std::vector<GenomeRecord> records)
      : index_(std::move(index)), genome_(std::move(genome)), records_(std::move(records)) {}

  bool next(SourceRecord& record) override {
    if (next_ >= records_.size()) return false;
    const GenomeRecord& region = records_[next_++];
    hts_pos_t length = 0;
    // faidx takes 0-based inclusive ends.
    char* bases = faidx_fetch_seq64(index_.get(), region.chrom.c_str(), region.start, region.end - 1, &length);
    if (!bases || length != region.end - region.start) {
      std::free(bases);
      throw IoError("can't read " + region.chrom + ":" + std::to_string(region.start + 1) + "-" +
                    std::to_string(region.end) + " from '" + genome_ + "'");
    }
    record.sequence.assign(bases, static_cast<size_t>(length));
    std::free(bases);
    record.name = region.name;
    record.coordinates = {region.chrom, region.start};
    record.track = region.track;
    return true;
  }
  const std::string& path() const override { return genome_; }
  long total() const override { return static_cast<long>(records_.size()); }
  std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes() const override {
    std::vector<std::pair<std::string, std::uint32_t>> sizes;
    for (int i = 0; i < faidx_nseq(index_.get()); ++i) {
      const char* name = faidx_iseq(index_.get(), i);
      sizes.emplace_back(name, static_cast<std::uint32_t>(faidx_seq_len(index_.get(), name)));
    }
    return sizes;
  }

 private:
  GenomeIndex index_;
  std::string genome_;
  std::vector<GenomeRecord> records_;
  size_t next_ = 0;
};

}  // namespace

GenomeIndex load_genome_index(const std::string& genome) {
  // faidx would print its own diagnostics for a missing file or a directory.
  check_input_file(genome);
  faidx_t* index = fai_load3(genome.c_str(), nullptr, nullptr, FAI_CREATE);
  if (!index)
    throw FormatError("'" + genome + "': can't index the genome (it must be FASTA, plain or bgzip-compressed " +
                      "-- not plain gzip -- in a writable directory or with its .fai/.gzi beside it)");
  return GenomeIndex(index, fai_destroy);
}

std::unique_ptr<SequenceSource> genome_record_source(GenomeIndex index, std::string genome,
                                                     std::vector<GenomeRecord> records) {
  return std::make_unique<GenomeRecords>(std::move(index), std::move(genome), std::move(records));
}

}  // namespace deeplift
