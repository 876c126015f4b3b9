// simulate-motifs: the GATA1/TAL1 benchmark of the DeepLIFT paper (and the
// DeepPAD one) with ground truth (docs/simulation.md).
// parse options → check them all → Simulation → write files atomically.
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/simulation/simulation.hpp"
#include "deeplift/simulation/simulation_writer.hpp"

namespace po = boost::program_options;
using namespace deeplift;

namespace {

constexpr const char* kProgram = "simulate-motifs";

std::string join_probs(const LetterProbs& p) {
  std::ostringstream s;
  s << p[0] << ',' << p[1] << ',' << p[2] << ',' << p[3];
  return s.str();
}

const char* strands_name(Strands strands) { return strands == Strands::Both ? "both" : "forward"; }

// "X" when both presets agree, else "X (deeppad: Y)". Defaults come only
// from SimulationOptions / deeppad_options().
template <class T>
std::string both_defaults(const T& paper, const T& deeppad) {
  std::ostringstream a, b;
  a << paper;
  b << deeppad;
  return a.str() == b.str() ? a.str() : a.str() + "; deeppad: " + b.str();
}

po::options_description make_options(const SimulationOptions& paper, const SimulationOptions& pad) {
  po::options_description desc("Options", 100, 50);
  // Values are read as strings and checked by hand so that every problem is
  // reported at once with the option's name.
  auto value = [&desc](const char* name, const char* value_name, const std::string& text) {
    desc.add_options()(name, po::value<std::string>()->value_name(value_name), text.c_str());
  };
  value("preset", "NAME",
        std::string("deeplift-paper or deeppad [default: ") + preset_name(paper.preset) +
            "]; the options below override the preset's values");
  value("n", "N", "number of sequences [default: " + std::to_string(paper.n) + "]");
  value("length", "BP", "sequence length [default: " + both_defaults(paper.length, pad.length) + "]");
  value("background", "a,c,g,t",
        "background base frequencies, each > 0, summing to 1 [default: " +
            both_defaults(join_probs(paper.background), join_probs(pad.background)) +
            "]; 0.27,0.23,0.23,0.27 reproduces the paper's released data");
  value("motifs", "FILE.meme",
        "MEME-format motifs for deeplift-paper: GATA_disc1 and TAL1_known1 by name, else a file of exactly two "
        "motifs (first = GATA role, second = TAL1 role) [default: " +
            paper.motifs_path +
            " relative to the current directory; give --motifs when running elsewhere]. Not used by deeppad, "
            "whose patterns are fixed (" +
            kDeeppadPatterns[0] + ", " + kDeeppadPatterns[1] + ")");
  value("min-instances", "K",
        "fewest instances of a motif in a sequence that holds it [default: " +
            both_defaults(paper.min_instances, pad.min_instances) + "]");
  value("max-instances", "K",
        "most instances [default: " + both_defaults(paper.max_instances, pad.max_instances) +
            "]; see Presets for how counts are drawn");
  value("strands", "forward|both",
        "strand of each instance: forward (as in the paper's data) or both (each strand with probability 1/2; "
        "'-' instances are reverse-complemented into the sequence) [default: " +
            both_defaults(strands_name(paper.strands), strands_name(pad.strands)) + "]");
  value("seed", "S",
        "random seed; output is bit-for-bit identical for a seed on any machine and thread count [default: " +
            std::to_string(paper.seed) + "]");
  value("threads", "T", "worker threads [default: all cores]");
  value("out", "PREFIX", "write PREFIX.fa, PREFIX.labels.tsv, PREFIX.motifs.bed (required)");
  desc.add_options()("quiet", "no progress report on stderr")("help", "show this help and exit");
  return desc;
}

void print_usage(std::FILE* to) {
  std::fprintf(to,
               "Usage: %s [--preset deeplift-paper|deeppad] [options] --out PREFIX\n"
               "Simulate the DeepLIFT paper's GATA1/TAL1 benchmark: FASTA, labels and true motif positions.\n"
               "Try '%s --help' for details.\n",
               kProgram, kProgram);
}

void print_help(const po::options_description& desc, const SimulationOptions& paper) {
  std::ostringstream details;
  details << "\nPresets\n"
          << "  deeplift-paper  the DeepLIFT paper (Shrikumar et al. 2017) simulation: four equal classes\n"
          << "                  both (gata_tal1_*, labels 1 1 1), GATA only (gata_only_*, 0 1 0),\n"
          << "                  TAL1 only (tal1_only_*, 0 0 1), empty (empty_*, 0 0 0). A sequence holds\n"
          << "                  min..max instances of each of its motifs: Poisson redrawn until in range,\n"
          << "                  lambda " << paper.lambda_single << " in single-motif classes, " << paper.lambda_both
          << " per motif in 'both'.\n"
          << "                  Instances are sampled position by position from the PWM after the pseudocount\n"
          << "                  p' = p(1-" << paper.pseudocount << ") + " << paper.pseudocount
          << "/4, placed at uniform starts that overlap no earlier\n"
          << "                  instance (touching allowed), all GATA before TAL1.\n"
          << "  deeppad         the DeepPAD benchmark: uniform background, fixed patterns GATA and CAGATG.\n"
          << "                  Positives (pos_*) hold one GATA and one CAGATG at any spacing; negatives hold\n"
          << "                  one of the two, min..max times (neg_gata_*, neg_cagatg_*);\n"
          << "                  positives:negatives = 1:2. One task, 'positive' (1 = both patterns embedded).\n"
          << "                  Patterns are embedded exactly (no pseudocount). GATA also occurs by chance\n"
          << "                  in a uniform background (~0.8 times per 200 bp); labels do not count those.\n"
          << "\nOutputs (each written to a temporary file and renamed when complete)\n"
          << "  PREFIX.fa          records <class prefix>_<record number>, one 1-line sequence each, classes\n"
          << "                     shuffled together (exact class sizes, seeded order)\n"
          << "  PREFIX.labels.tsv  header 'name both gata1 tal1 split' (deeppad: 'name positive split'); a task\n"
          << "                     is 1 when its motif(s) were embedded (labels follow the class); chance\n"
          << "                     matches in the background are not labelled. split: counting the header as\n"
          << "                     line 1, line i is test if i mod 10 = 1, valid if i mod 10 = 0, else train\n"
          << "                     (6400/800/800 for 8000), as in the paper's data\n"
          << "  PREFIX.motifs.bed  record, 0-based start, end, motif, score, strand of every embedded instance;\n"
          << "                     score = sum over positions of ln p'(base) - ln background(base), natural log,\n"
          << "                     p' the PWM with the pseudocount, the instance read on its own strand\n"
          << "                     (what 'bedtools getfasta -s' returns)\n"
          << "                     (deeppad: width x ln 4, the patterns being exact)\n"
          << "\nSequence i is drawn from its own random stream keyed by (seed, i, preset): the output\n"
          << "is identical for any --threads, but runs that differ only in --n reuse the same\n"
          << "per-record streams (record i gets the same background), so use another --seed for an\n"
          << "independent data set such as a separate test set.\n"
          << "\nExit status: 0 success, 1 bad options, 2 input/output or runtime error.\n";
  std::cout << "Usage: " << kProgram << " [--preset deeplift-paper|deeppad] [options] --out PREFIX\n\n"
            << "Simulate the DeepLIFT paper's GATA1/TAL1 benchmark with ground truth.\n\n"
            << desc << details.str();
}

template <class Int>
bool parse_int(const std::string& text, Int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool parse_background(const std::string& text, LetterProbs& out) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ',')) parts.push_back(part);
  if (parts.size() != 4 || text.empty() || text.back() == ',') return false;
  for (int b = 0; b < 4; ++b) {
    auto [ptr, ec] = std::from_chars(parts[b].data(), parts[b].data() + parts[b].size(), out[b]);
    if (ec != std::errc() || ptr != parts[b].data() + parts[b].size()) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const SimulationOptions paper_defaults;
  const SimulationOptions deeppad_defaults = deeppad_options();
  const po::options_description desc = make_options(paper_defaults, deeppad_defaults);
  if (argc <= 1) {
    print_usage(stderr);
    return 1;
  }

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", kProgram, e.what(), kProgram);
    return 1;
  }
  if (vm.count("help")) {
    print_help(desc, paper_defaults);
    return 0;
  }

  // Check every option and report every problem before doing anything.
  std::vector<std::string> problems;
  auto given = [&](const char* name) { return vm.count(name) > 0; };
  auto text = [&](const char* name) { return vm[name].as<std::string>(); };

  SimulationOptions options = paper_defaults;
  if (given("preset")) {
    const std::string preset = text("preset");
    if (preset == "deeppad")
      options = deeppad_defaults;
    else if (preset != "deeplift-paper")
      problems.push_back("--preset '" + preset + "': expected deeplift-paper or deeppad");
  }
  if (given("n") && (!parse_int(text("n"), options.n) || options.n < 1))
    problems.push_back("--n '" + text("n") + "': expected a positive integer");
  if (given("length") && (!parse_int(text("length"), options.length) || options.length < 1))
    problems.push_back("--length '" + text("length") + "': expected a positive integer");
  if (given("background")) {
    LetterProbs bg{};
    double sum = 0.0;
    bool ok = parse_background(text("background"), bg);
    for (double p : bg) {
      ok = ok && p > 0.0;
      sum += p;
    }
    if (!ok || std::abs(sum - 1.0) > 1e-6)
      problems.push_back("--background '" + text("background") +
                         "': expected four frequencies a,c,g,t, each > 0, summing to 1");
    else
      options.background = bg;
  }
  if (given("min-instances") && (!parse_int(text("min-instances"), options.min_instances) || options.min_instances < 1))
    problems.push_back("--min-instances '" + text("min-instances") + "': expected a positive integer");
  if (given("max-instances") && (!parse_int(text("max-instances"), options.max_instances) || options.max_instances < 1))
    problems.push_back("--max-instances '" + text("max-instances") + "': expected a positive integer");
  if (given("strands")) {
    const std::string strands = text("strands");
    if (strands == "forward")
      options.strands = Strands::Forward;
    else if (strands == "both")
      options.strands = Strands::Both;
    else
      problems.push_back("--strands '" + strands + "': expected forward or both");
  }
  if (given("seed") && !parse_int(text("seed"), options.seed))
    problems.push_back("--seed '" + text("seed") + "': expected an integer 0..18446744073709551615");
  if (given("threads") && (!parse_int(text("threads"), options.threads) || options.threads < 0))
    problems.push_back("--threads '" + text("threads") + "': expected 0 (all cores) or a positive integer");
  if (options.preset == Preset::Deeppad) {
    if (given("motifs")) problems.push_back("--motifs is not used by --preset deeppad (its patterns are fixed)");
  } else if (given("motifs")) {
    options.motifs_path = text("motifs");
  } else {
    std::error_code ec;
    if (!std::filesystem::exists(options.motifs_path, ec))
      problems.push_back("--motifs FILE.meme is required here: the default '" + options.motifs_path +
                         "' does not exist relative to the current directory");
  }
  if (!given("out")) problems.push_back("--out PREFIX is required");
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s: %s\n", kProgram, p.c_str());
    std::fprintf(stderr, "Try '%s --help'.\n", kProgram);
    return 1;
  }

  const auto started = std::chrono::steady_clock::now();
  try {
    const Simulation simulation = Simulation::from_options(options);
    const SimulationSummary summary = write_simulation(simulation, text("out"), options.threads);
    if (!given("quiet")) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::ostringstream classes;
      for (std::size_t c = 0; c < summary.per_class.size(); ++c)
        classes << (c ? ", " : "") << simulation.classes()[c].name << " " << summary.per_class[c];
      std::fprintf(stderr,
                   "%s: [%s] %llu sequences (%s), %llu motif instances; train/valid/test %llu/%llu/%llu; "
                   "wrote %s, %s, %s in %.2f s\n",
                   kProgram, preset_name(options.preset), static_cast<unsigned long long>(summary.sequences),
                   classes.str().c_str(), static_cast<unsigned long long>(summary.instances),
                   static_cast<unsigned long long>(summary.per_split[0]),
                   static_cast<unsigned long long>(summary.per_split[1]),
                   static_cast<unsigned long long>(summary.per_split[2]), summary.paths[0].c_str(),
                   summary.paths[1].c_str(), summary.paths[2].c_str(), seconds);
    }
  } catch (const UsageError& e) {
    std::istringstream lines(e.what());
    for (std::string line; std::getline(lines, line);) std::fprintf(stderr, "%s: %s\n", kProgram, line.c_str());
    std::fprintf(stderr, "Try '%s --help'.\n", kProgram);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return 2;
  }
  return 0;
}
