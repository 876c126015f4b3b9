// simulate-motifs: the GATA1/TAL1 benchmark of the DeepLIFT paper (and the
// DeepPAD one) with ground truth (docs/simulation.md).
// parse options → check them all → Simulation → write files atomically.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/simulation/simulation.hpp"
#include "deeplift/simulation/simulation_writer.hpp"

namespace po = boost::program_options;
using namespace deeplift;

namespace {

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


// What the command line holds before it is checked: text, so that every bad
// value is reported with the option's name (and unsigned counts reject "-1").
// The defaults shown by --help are SimulationOptions' (and deeppad_options()').
struct CommandLine {
  std::string preset, n, length, background, motifs, min_instances, max_instances, strands, seed, threads, out;
  bool quiet = false;
};

po::options_description make_options(CommandLine& line, const SimulationOptions& paper, const SimulationOptions& pad) {
  po::options_description desc("Options", 100, 50);
  auto value = [&desc](const char* name, std::string& into, const char* value_name, const std::string& shown,
                       const std::string& text) {
    desc.add_options()(name, po::value(&into)->value_name(value_name)->default_value(shown), text.c_str());
  };
  value("preset", line.preset, "NAME", preset_name(paper.preset),
        "deeplift-paper or deeppad; the options below override the preset's values, and a default given "
        "as 'X; deeppad: Y' is Y for deeppad");
  value("n", line.n, "N", std::to_string(paper.n), "number of sequences");
  value("length", line.length, "BP", both_defaults(paper.length, pad.length), "sequence length");
  value("background", line.background, "a,c,g,t",
        both_defaults(join_probs(paper.background), join_probs(pad.background)),
        "background base frequencies, each > 0, summing to 1; 0.27,0.23,0.23,0.27 reproduces the paper's "
        "released data");
  value("motifs", line.motifs, "FILE.meme", paper.motifs_path,
        std::string("MEME-format motifs for deeplift-paper: GATA_disc1 and TAL1_known1 by name, else a file of "
                    "exactly two motifs (first = GATA role, second = TAL1 role). A bare name is a bundled motif "
                    "file (gata_tal: data/motifs/gata_tal.meme, found from any directory). Not used by deeppad, "
                    "whose patterns are fixed (") +
            kDeeppadPatterns[0] + ", " + kDeeppadPatterns[1] + ")");
  value("min-instances", line.min_instances, "K", both_defaults(paper.min_instances, pad.min_instances),
        "fewest instances of a motif in a sequence that holds it");
  value("max-instances", line.max_instances, "K", both_defaults(paper.max_instances, pad.max_instances),
        "most instances; see Presets for how counts are drawn");
  value("strands", line.strands, "forward|both", both_defaults(strands_name(paper.strands), strands_name(pad.strands)),
        "strand of each instance: forward (as in the paper's data) or both (each strand with probability 1/2; "
        "'-' instances are reverse-complemented into the sequence)");
  value("seed", line.seed, "S", std::to_string(paper.seed),
        "random seed; output is bit-for-bit identical for a seed on any machine and thread count");
  value("threads", line.threads, "T", std::to_string(paper.threads), "worker threads (0: all cores)");
  desc.add_options()("out,o", po::value(&line.out)->value_name("PREFIX")->required(),
                     "write PREFIX.fa, PREFIX.labels.tsv, PREFIX.motifs.bed")(
      "quiet,q", po::bool_switch(&line.quiet), "no summary on stderr");
  return desc;
}

std::string presets_and_outputs(const SimulationOptions& paper) {
  std::ostringstream details;
  details << "Presets\n"
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
          << "\nExit status: 0 success, 1 bad options, 2 input/output or runtime error.";
  return details.str();
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


// The options from the command line: the preset's defaults, then every value
// given. Throws UsageError listing every problem.
SimulationOptions checked_options(const CommandLine& line, const po::variables_map& values) {
  std::vector<std::string> problems;
  auto given = [&](const char* name) { return values.count(name) > 0 && !values[name].defaulted(); };
  SimulationOptions options;
  if (given("preset")) {
    if (line.preset == "deeppad")
      options = deeppad_options();
    else if (line.preset != "deeplift-paper")
      problems.push_back("--preset '" + line.preset + "': expected deeplift-paper or deeppad");
  }
  if (given("n") && !parse_int(line.n, options.n))
    problems.push_back("--n '" + line.n + "': expected a positive integer");
  if (given("length") && !parse_int(line.length, options.length))
    problems.push_back("--length '" + line.length + "': expected a positive integer");
  if (given("background")) {
    LetterProbs bg{};
    double sum = 0.0;
    bool ok = parse_background(line.background, bg);
    for (double p : bg) {
      ok = ok && p > 0.0;
      sum += p;
    }
    if (!ok || std::abs(sum - 1.0) > 1e-6)
      problems.push_back("--background '" + line.background +
                         "': expected four frequencies a,c,g,t, each > 0, summing to 1");
    else
      options.background = bg;
  }
  if (given("min-instances") && !parse_int(line.min_instances, options.min_instances))
    problems.push_back("--min-instances '" + line.min_instances + "': expected a positive integer");
  if (given("max-instances") && !parse_int(line.max_instances, options.max_instances))
    problems.push_back("--max-instances '" + line.max_instances + "': expected a positive integer");
  if (given("strands")) {
    if (line.strands == "forward")
      options.strands = Strands::Forward;
    else if (line.strands == "both")
      options.strands = Strands::Both;
    else
      problems.push_back("--strands '" + line.strands + "': expected forward or both");
  }
  if (given("seed") && !parse_int(line.seed, options.seed))
    problems.push_back("--seed '" + line.seed + "': expected an integer 0..18446744073709551615");
  if (given("threads") && !parse_int(line.threads, options.threads))
    problems.push_back("--threads '" + line.threads + "': expected 0 (all cores) or a positive integer");
  if (given("motifs")) {
    if (options.preset == Preset::Deeppad)
      problems.push_back("--motifs is not used by --preset deeppad (its patterns are fixed)");
    else
      options.motifs_path = line.motifs;
  }
  for (auto& problem : option_problems(options)) problems.push_back(std::move(problem));
  throw_usage_problems(problems);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const SimulationOptions paper_defaults;
  const SimulationOptions deeppad_defaults = deeppad_options();
  CommandLine line;
  const po::options_description described = make_options(line, paper_defaults, deeppad_defaults);
  SimulationOptions options;
  const AppDescription app{
      "simulate-motifs", "[--preset deeplift-paper|deeppad] [options] --out PREFIX",
      "Simulates the DeepLIFT paper's GATA1/TAL1 benchmark (or DeepPAD's) with ground truth:\n"
      "FASTA, labels and the true motif positions.",
      presets_and_outputs(paper_defaults),
      /*interruptible=*/false,
      [&](const po::variables_map& values) { options = checked_options(line, values); }};
  return app_main(argc, argv, app, described, [&](const po::variables_map&) {
    const auto started = std::chrono::steady_clock::now();
    const Simulation simulation = Simulation::from_options(options);
    const SimulationSummary summary = write_simulation(simulation, line.out, options.threads);
    if (line.quiet) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::ostringstream classes;
    for (std::size_t c = 0; c < summary.per_class.size(); ++c)
      classes << (c ? ", " : "") << simulation.classes()[c].name << " " << summary.per_class[c];
    std::fprintf(stderr,
                 "%s: [%s] %llu sequences (%s), %llu motif instances; train/valid/test %llu/%llu/%llu; "
                 "wrote %s, %s, %s in %.2f s\n",
                 app.name.c_str(), preset_name(options.preset), static_cast<unsigned long long>(summary.sequences),
                 classes.str().c_str(), static_cast<unsigned long long>(summary.instances),
                 static_cast<unsigned long long>(summary.per_split[0]),
                 static_cast<unsigned long long>(summary.per_split[1]),
                 static_cast<unsigned long long>(summary.per_split[2]), summary.paths[0].c_str(),
                 summary.paths[1].c_str(), summary.paths[2].c_str(), seconds);
  });
}
