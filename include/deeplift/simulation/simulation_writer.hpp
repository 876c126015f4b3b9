// Writes a Simulation as the three files of docs/simulation.md, each atomically
// (temporary file + rename, docs/outputs.md), so a failed run leaves none of them
// half-written:
//   PREFIX.fa          one record per sequence, sequence on a single line
//   PREFIX.labels.tsv  "name", one 0/1 column per task, "split"
//   PREFIX.motifs.bed  record, start (0-based), end, motif, log-odds, strand;
//                      records in FASTA order, instances by start
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "deeplift/simulation/simulation.hpp"

namespace deeplift {

struct SimulationSummary {
  std::uint64_t sequences = 0;
  std::uint64_t instances = 0;
  std::vector<std::uint64_t> per_class;    // indexed like Simulation::classes()
  std::uint64_t per_split[3] = {0, 0, 0};  // train, valid, test
  std::vector<std::string> paths;          // fa, labels.tsv, motifs.bed
};

// Generates sequences in blocks (memory stays bounded for any n) on
// `threads` OpenMP threads (0 = all cores); the bytes written do not depend
// on `threads`. Throws IoError / InputError; on error no output file appears.
SimulationSummary write_simulation(const Simulation& simulation, const std::string& prefix, int threads);

}  // namespace deeplift
