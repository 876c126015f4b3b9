#include "deeplift/motifs/find_motifs.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/io/atomic_file.hpp"
#include "deeplift/motifs/meme_writer.hpp"

namespace deeplift {

namespace {

LetterProbs base_composition(const ScoreArrays& arrays) {
  LetterProbs counts{};
  double total = 0.0;
  for (long n = 0; n < arrays.count; ++n)
    for (int c = 0; c < 4; ++c)
      for (long l = 0; l < arrays.length; ++l) counts[c] += arrays.one_hot[arrays.index(n, c, l)];
  for (double v : counts) total += v;
  for (double& v : counts) v = total > 0.0 ? v / total : 0.25;
  return counts;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

}  // namespace

std::vector<std::string> option_problems(const FindMotifsOptions& o) {
  std::vector<std::string> problems;
  if (o.seqlets.window < 1) problems.push_back("--window must be at least 1");
  if (!(o.seqlets.fdr > 0.0 && o.seqlets.fdr < 1.0)) problems.push_back("--fdr must be between 0 and 1 (exclusive)");
  if (o.clusters.min_seqlets < 1) problems.push_back("--min-seqlets must be at least 1");
  if (o.clusters.max_motifs < 1) problems.push_back("--max-motifs must be at least 1");
  if (o.min_overlap < 1) problems.push_back("--min-overlap must be at least 1");
  if (o.threads < 0) problems.push_back("--threads must be >= 1 (or 0 for every core)");
  return problems;
}

FindMotifsResult find_motifs(const ScoreArrays& arrays, const std::vector<Pwm>& known,
                             const FindMotifsOptions& options) {
  throw_usage_problems(option_problems(options));
  FindMotifsResult result;
  result.background = base_composition(arrays);
  const std::vector<float> scores = arrays.per_position_scores();
  result.calls = call_seqlets(scores.data(), arrays.count, arrays.length, options.seqlets);

  // TF-MoDISco clusters positive and negative seqlets separately ("metaclusters"):
  // a motif that raises the output and one that lowers it are different findings.
  for (int sign : {1, -1}) {
    std::vector<Seqlet> chosen;
    std::vector<std::size_t> index;  // chosen[k] is result.calls.seqlets[index[k]]
    for (std::size_t k = 0; k < result.calls.seqlets.size(); ++k)
      if ((result.calls.seqlets[k].score >= 0) == (sign > 0)) {
        chosen.push_back(result.calls.seqlets[k]);
        index.push_back(k);
      }
    if (chosen.empty()) continue;
    std::vector<Motif> motifs = cluster_seqlets(arrays, chosen, options.clusters);
    int rank = 0;
    for (Motif& motif : motifs) {
      FoundMotif found;
      found.name = std::string(sign > 0 ? "motif_" : "neg_motif_") + std::to_string(++rank);
      found.sign = sign;
      // Member indices refer to `chosen`; report them against all seqlets.
      for (MotifMember& m : motif.members) m.seqlet = index[m.seqlet];
      found.motif = std::move(motif);
      found.motif.ppm.name = found.name;
      found.motif.ppm.alternate_name = found.motif.ppm.consensus();
      if (!known.empty()) found.best = best_known_match(found.motif.ppm, known, options.min_overlap);
      result.motifs.push_back(std::move(found));
    }
  }
  return result;
}

std::string motif_table(const FindMotifsResult& result) {
  std::string out = "motif\tseqlets\tconsensus\tbest_match\tsimilarity\tstrand\toffset\n";
  for (const FoundMotif& m : result.motifs) {
    out += m.name + "\t" + std::to_string(m.motif.members.size()) + "\t" + m.motif.ppm.consensus() + "\t";
    if (m.best.name.empty())
      out += ".\t.\t.\t.\n";
    else
      out += m.best.name + "\t" + fixed(m.best.match.similarity, 4) + "\t" + m.best.match.strand + "\t" +
             std::to_string(m.best.match.offset) + "\n";
  }
  return out;
}

std::string motif_meme(const FindMotifsResult& result) {
  std::vector<MemeEntry> entries;
  for (const FoundMotif& m : result.motifs)
    entries.push_back({m.motif.ppm, static_cast<long>(m.motif.members.size())});
  return meme_text(entries, result.background);
}

FindMotifsResult run_find_motifs(const FindMotifsOptions& options, std::ostream& log) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  throw_usage_problems(option_problems(options));
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const char* tag = "find-motifs: ";

  std::vector<Pwm> known;
  if (!options.known.empty()) known = read_meme(options.known).motifs;
  const ScoreArrays arrays = read_score_arrays(options.scores, options.task);
  if (arrays.count > 0 && arrays.length < options.seqlets.window)
    throw InputError("'" + options.scores + ".ohe.npz': sequences are " + std::to_string(arrays.length) +
                     " bp long, shorter than the seqlet window (--window " + std::to_string(options.seqlets.window) +
                     ")");
  if (!options.quiet)
    log << tag << "read " << arrays.count << " sequences of " << arrays.length << " bp (task " << options.task
        << ") from " << options.scores << ".*.npz" << (known.empty() ? "" : ", " + std::to_string(known.size()) +
                                                                                " known motifs from " + options.known)
        << "\n";

  FindMotifsResult result = find_motifs(arrays, known, options);

  if (!options.quiet) {
    const SeqletNull& null = result.calls.null;
    long positive = 0;
    for (const Seqlet& s : result.calls.seqlets) positive += s.score >= 0;
    log << tag << result.calls.seqlets.size() << " seqlets (" << positive << " positive, "
        << result.calls.seqlets.size() - positive << " negative) of " << options.seqlets.window
        << " bp at FDR " << options.seqlets.fdr << " (Benjamini-Hochberg over " << null.windows
        << " windows; Laplace null centre " << null.center << ", scale " << null.scale_pos << " / " << null.scale_neg;
    if (std::isfinite(null.threshold_pos)) log << "; window sum >= " << null.threshold_pos;
    if (std::isfinite(null.threshold_neg)) log << "; window sum <= " << null.threshold_neg;
    log << ")\n";
    for (const FoundMotif& m : result.motifs) {
      log << tag << m.name << ": " << m.motif.members.size() << " seqlets, " << m.motif.ppm.consensus();
      if (!m.best.name.empty())
        log << ", best match " << m.best.name << " (similarity " << fixed(m.best.match.similarity, 3) << ", strand "
            << m.best.match.strand << ", offset " << m.best.match.offset << ")";
      log << "\n";
    }
  }

  // Both files are written in full before either is renamed into place.
  AtomicFile meme(options.out + ".meme");
  AtomicFile table(options.out + ".tsv");
  const std::string meme_contents = motif_meme(result);
  const std::string table_contents = motif_table(result);
  std::fwrite(meme_contents.data(), 1, meme_contents.size(), meme.stream());
  std::fwrite(table_contents.data(), 1, table_contents.size(), table.stream());
  meme.commit();
  table.commit();
  if (!options.quiet) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    log << tag << result.motifs.size() << " motifs; wrote " << meme.path() << ", " << table.path() << " in "
        << fixed(seconds, 2) << " s\n";
  }
  return result;
}

}  // namespace deeplift
