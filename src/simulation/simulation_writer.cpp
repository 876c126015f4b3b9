#include "deeplift/simulation/simulation_writer.hpp"

#include <omp.h>

#include <cinttypes>
#include <cstdio>
#include <exception>

#include "deeplift/errors.hpp"
#include "deeplift/io/atomic_file.hpp"

namespace deeplift {

namespace {

constexpr std::uint64_t kBlock = 4096;  // sequences generated per parallel step

void put(AtomicFile& file, const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), file.stream()) != text.size())
    throw IoError("can't write '" + file.path() + "'");
}

}  // namespace

SimulationSummary write_simulation(const Simulation& simulation, const std::string& prefix, int threads) {
  if (threads <= 0) threads = omp_get_max_threads();
  SimulationSummary summary;
  summary.paths = {prefix + ".fa", prefix + ".labels.tsv", prefix + ".motifs.bed"};
  summary.per_class.assign(simulation.classes().size(), 0);
  AtomicFile fasta(summary.paths[0]);
  AtomicFile labels(summary.paths[1]);
  AtomicFile bed(summary.paths[2]);

  std::string header = "name";
  for (const std::string& task : simulation.tasks()) header += "\t" + task;
  put(labels, header + "\tsplit\n");

  const std::uint64_t n = simulation.size();
  std::vector<SimulatedSequence> block;
  for (std::uint64_t first = 0; first < n; first += kBlock) {
    const std::int64_t count = static_cast<std::int64_t>(std::min(kBlock, n - first));
    block.assign(static_cast<std::size_t>(count), SimulatedSequence{});
    std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
    for (std::int64_t k = 0; k < count; ++k) {
      try {
        block[static_cast<std::size_t>(k)] = simulation.generate(first + static_cast<std::uint64_t>(k));
      } catch (...) {
#pragma omp critical(deeplift_simulation_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);

    std::string fa_text, labels_text, bed_text;
    for (std::int64_t k = 0; k < count; ++k) {
      const SimulatedSequence& s = block[static_cast<std::size_t>(k)];
      const SequenceClass& c = simulation.classes()[s.class_index];
      const Split split = paper_split(first + static_cast<std::uint64_t>(k));
      fa_text += ">" + s.name + "\n" + s.sequence + "\n";
      labels_text += s.name;
      for (int label : c.labels) labels_text += label ? "\t1" : "\t0";
      labels_text += std::string("\t") + split_name(split) + "\n";
      for (const MotifInstance& m : s.instances) {
        char score[64];
        std::snprintf(score, sizeof score, "%.6f", m.score);
        bed_text += s.name + "\t" + std::to_string(m.start) + "\t" + std::to_string(m.end) + "\t" +
                    simulation.motifs()[m.motif].name + "\t" + score + "\t" + m.strand + "\n";
      }
      ++summary.per_class[s.class_index];
      ++summary.per_split[static_cast<int>(split)];
      summary.instances += s.instances.size();
    }
    put(fasta, fa_text);
    put(labels, labels_text);
    put(bed, bed_text);
  }
  summary.sequences = n;
  fasta.commit();
  labels.commit();
  bed.commit();
  return summary;
}

}  // namespace deeplift
