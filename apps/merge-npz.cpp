// merge-npz: joins the npz arrays of a sharded score-seqs --peaks run into
// one array in peak order (workflow/Snakefile's npz merge step).
#include <iostream>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/io/npz_shard_merge.hpp"

namespace po = boost::program_options;

namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string out;
  bool quiet = false;
};

std::vector<std::string> option_problems(const MergeOptions& options) {
  std::vector<std::string> problems;
  if (options.out.empty()) problems.push_back("give --out OUT.npz");
  if (options.inputs.empty()) problems.push_back("no input npz given");
  return problems;
}

}  // namespace

int main(int argc, char** argv) {
  MergeOptions options;
  po::options_description described("Options", 110, 55);
  described.add_options()
      ("out,o", po::value(&options.out), "write the merged array here (.npz)")
      ("input", po::value(&options.inputs)->multitoken(), "shard npz files in shard order 1..N (also positional)")
      ("quiet,q", po::bool_switch(&options.quiet), "no summary on stderr");
  po::positional_options_description positional;
  positional.add("input", -1);
  const deeplift::AppDescription app{
      "merge-npz", "--out OUT.npz SHARD1.npz SHARD2.npz ... SHARDN.npz",
      "Joins the npz arrays of score-seqs --peaks --shard 1/N .. N/N (give them in shard order) into\n"
      "one array in peak order, as an unsharded run writes it: row i is row i/N of shard (i mod N) + 1.\n"
      "Merge each kind separately (PREFIX.ohe.npz, PREFIX.<task>.hyp.npz, ...).",
      "Example:\n"
      "  merge-npz --out out.ohe.npz out.shard1.ohe.npz out.shard2.ohe.npz out.shard3.ohe.npz\n",
      /*interruptible=*/false,
      [&](const po::variables_map&) { deeplift::throw_usage_problems(option_problems(options)); }};
  return deeplift::app_main(
      argc, argv, app, described,
      [&](const po::variables_map&) {
        const long rows = deeplift::merge_shard_npz(options.inputs, options.out);
        if (!options.quiet) {
          std::cerr << "merge-npz: merged " << options.inputs.size() << " shard" << (options.inputs.size() == 1 ? "" : "s")
                    << " into " << options.out << " (" << rows << " row" << (rows == 1 ? "" : "s") << ")\n";
        }
      },
      &positional);
}
