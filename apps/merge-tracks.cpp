// merge-tracks: joins the per-shard bedGraphs of a sharded score-seqs run
// into one sorted bedGraph and/or bigWig (workflow/Snakefile's merge step).
#include <iostream>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/bedgraph_reader.hpp"
#include "deeplift/io/bedgraph_writer.hpp"

namespace po = boost::program_options;

namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string bedgraph;
  std::string bigwig;
  std::string chrom_sizes;
  std::string name = "scores";
  std::string description = "merged deeplift-cpp scores";
  bool quiet = false;
};

std::vector<std::string> option_problems(const MergeOptions& options) {
  std::vector<std::string> problems;
  if (options.inputs.empty()) problems.push_back("no input bedGraph given");
  if (options.bedgraph.empty() && options.bigwig.empty()) problems.push_back("give --bedgraph and/or --bigwig");
  return problems;
}

}  // namespace

int main(int argc, char** argv) {
  MergeOptions options;
  po::options_description described("Options", 110, 55);
  described.add_options()
      ("bedgraph", po::value(&options.bedgraph), "write the merged track here (bedGraph)")
      ("bigwig", po::value(&options.bigwig), "write the merged track here (bigWig)")
      ("chrom-sizes", po::value(&options.chrom_sizes), "chromosome sizes for the bigWig (.fai or chrom.sizes)")
      ("name", po::value(&options.name)->default_value(options.name), "track name")
      ("description", po::value(&options.description)->default_value(options.description), "track description")
      ("input", po::value(&options.inputs)->multitoken(), "input bedGraphs (also as positional arguments)")
      ("quiet,q", po::bool_switch(&options.quiet), "no summary on stderr");
  po::positional_options_description positional;
  positional.add("input", -1);
  const deeplift::AppDescription app{
      "merge-tracks", "[--bedgraph OUT.bedGraph] [--bigwig OUT.bw --chrom-sizes G.fa.fai] IN.bedGraph...",
      "Merges bedGraph tracks that cover disjoint bases (e.g. score-seqs --shard K/N outputs) into one\n"
      "sorted, non-overlapping bedGraph and/or bigWig. Overlapping inputs are an error.",
      "",
      /*interruptible=*/false,
      [&](const po::variables_map&) { deeplift::throw_usage_problems(option_problems(options)); }};
  return deeplift::app_main(
      argc, argv, app, described,
      [&](const po::variables_map&) {
        deeplift::TrackFiles files{options.bedgraph, options.bigwig, {}};
        if (!options.chrom_sizes.empty()) files.chrom_sizes = deeplift::read_chrom_sizes(options.chrom_sizes);
        deeplift::BedGraphWriter writer(files, options.name, options.description);
        std::vector<float> values;
        for (const auto& input : options.inputs) {
          writer.set_source(input);
          deeplift::read_bedgraph(input, [&](const std::string& chrom, long start, long end, float value) {
            values.assign(static_cast<size_t>(end - start), value);
            writer.add(chrom, start, values.data(), end - start);
          });
        }
        writer.commit();
        if (!options.quiet) {
          std::cerr << "merge-tracks: merged " << options.inputs.size() << " bedGraph file"
                    << (options.inputs.size() == 1 ? "" : "s") << " into";
          if (!options.bedgraph.empty()) std::cerr << " " << options.bedgraph;
          if (!options.bigwig.empty()) std::cerr << (options.bedgraph.empty() ? " " : " and ") << options.bigwig;
          std::cerr << "\n";
        }
      },
      &positional);
}
