// find-motifs: seqlets and motifs from score-seqs' per-base scores, each
// motif matched against known motifs (docs/contributing.md, issue 11).
#include <iostream>
#include <sstream>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/motifs/find_motifs.hpp"
#include "deeplift/util/bundled_data.hpp"

namespace po = boost::program_options;

namespace {

// "0.05", not boost's "0.050000000000000003".
std::string text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  deeplift::FindMotifsOptions options;  // holds every default
  po::options_description described("Options", 110, 55);
  described.add_options()
      ("scores,s", po::value(&options.scores)->required(),
       "score-seqs output PREFIX: reads PREFIX.ohe.npz, PREFIX.<task>.contrib.npz, PREFIX.<task>.hyp.npz")
      ("task", po::value(&options.task)->required(), "task whose scores to use")
      ("out,o", po::value(&options.out)->required(), "output prefix: OUT.meme and OUT.tsv")
      ("known,k", po::value(&options.known),
       "MEME file of known motifs to name each motif's best match, or a bundled one by name (gata_tal)")
      ("window,w", po::value(&options.seqlets.window)->default_value(options.seqlets.window),
       "seqlet width: bases whose scores are summed per window")
      ("fdr", po::value(&options.seqlets.fdr)->default_value(options.seqlets.fdr, text(options.seqlets.fdr)),
       "false-discovery rate of called windows (Benjamini-Hochberg)")
      ("negative", po::bool_switch(&options.seqlets.negative), "also call seqlets with extreme negative scores")
      ("min-seqlets", po::value(&options.clusters.min_seqlets)->default_value(options.clusters.min_seqlets),
       "fewest seqlets a reported motif holds")
      ("max-motifs", po::value(&options.clusters.max_motifs)->default_value(options.clusters.max_motifs),
       "most motifs reported per sign (largest first)")
      ("join-similarity", po::value(&options.clusters.join_similarity)->default_value(options.clusters.join_similarity, text(options.clusters.join_similarity)),
       "similarity a seqlet needs to join a motif (continuous Jaccard)")
      ("merge-similarity",
       po::value(&options.clusters.merge_similarity)->default_value(options.clusters.merge_similarity, text(options.clusters.merge_similarity)),
       "similarity at which two motifs are merged")
      ("min-overlap", po::value(&options.min_overlap)->default_value(options.min_overlap),
       "columns a motif and a known motif must share when aligned")
      ("threads,t", po::value(&options.threads)->default_value(options.threads), "threads (0: every core)")
      ("quiet,q", po::bool_switch(&options.quiet), "no progress or summary on stderr");

  const deeplift::AppDescription app{
      "find-motifs", "--scores PREFIX --task T --out OUT [--known MOTIFS.meme] [options]",
      "Finds the motifs a model relies on from its per-base scores (TF-MoDISco's approach):\n"
      "calls seqlets, clusters them into motifs and names each motif's closest known motif.",
      "Method:\n"
      "  Seqlets  windows of --window bases whose summed score is extreme against a Laplace null fitted\n"
      "           to all windows' sums (centre = mode, scale from percentiles as TF-MoDISco; the narrower\n"
      "           side's scale, as the other is widened by the motifs themselves), kept at --fdr by\n"
      "           Benjamini-Hochberg; per sequence the most significant non-overlapping windows are taken.\n"
      "  Motifs   seqlets are aligned (shifts up to half a window, both strands) by the continuous Jaccard\n"
      "           similarity of their contribution and hypothetical-contribution matrices and grouped\n"
      "           around prototypes; each motif's letter frequencies come from its aligned seqlets' bases,\n"
      "           trimmed to the columns holding at least " + text(100 * options.clusters.trim_fraction) +
          "% of the largest column's contribution.\n"
      "  Matches  Pearson correlation of letter frequencies averaged over aligned columns, maximised over\n"
      "           offsets (at least --min-overlap columns) and strands, as Tomtom's Pearson score.\n"
      "\nOutputs (written to temporary files and renamed when complete):\n"
      "  OUT.meme  MEME minimal format; motifs ranked by seqlet count, nsites = seqlets, alternate name =\n"
      "            consensus, background = base composition of the scored sequences\n"
      "  OUT.tsv   motif, seqlets, consensus, best_match, similarity, strand (of the known motif), offset\n"
      "            (column of the known motif under the motif's first column); '.' without --known\n"
      "\nExample:\n"
      "  score-seqs -m gata_tal -f seqs.fa --formats npz -o out/scores\n"
      "  find-motifs --scores out/scores --task both --known gata_tal --out out/motifs\n"
      "\nExit status: 0 success, 1 bad options, 2 input/output or runtime error.",
      /*interruptible=*/false,
      [&](const po::variables_map&) { deeplift::throw_usage_problems(deeplift::option_problems(options)); }};
  return deeplift::app_main(argc, argv, app, described, [&](const po::variables_map&) {
    if (!options.known.empty()) options.known = deeplift::resolve_bundled(options.known, "motifs", ".meme");
    deeplift::run_find_motifs(options, std::cerr);
  });
}
