// Records cut from an indexed genome with htslib's faidx: what the BED and
// narrowPeak sources yield once they have read and checked their files
// (library-internal).
#pragma once
#include <htslib/faidx.h>

#include <memory>
#include <string>
#include <vector>

#include "deeplift/io/sequence_source.hpp"

namespace deeplift {

using GenomeIndex = std::unique_ptr<faidx_t, void (*)(faidx_t*)>;

// The genome's faidx index, built (.fai, .gzi) if missing. Throws IoError
// for an unreadable file, FormatError when it can't be indexed.
GenomeIndex load_genome_index(const std::string& genome);

// One record: bases [start, end) of `chrom`, which must lie on it.
struct GenomeRecord {
  std::string chrom;
  long start = 0, end = 0;
  std::string name;
  TrackRange track;  // offsets into the record
};

// Yields `records` in the given order, fetching each one's bases when it is
// reached; total() is their number and chrom_sizes() the genome's.
std::unique_ptr<SequenceSource> genome_record_source(GenomeIndex index, std::string genome,
                                                     std::vector<GenomeRecord> records);

}  // namespace deeplift
