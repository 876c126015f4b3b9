// find-motifs as a library call: per-base scores of one task (score-seqs'
// npz outputs, docs/outputs.md) -> seqlets -> motifs -> best known matches ->
// OUT.meme and OUT.tsv.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "deeplift/motifs/clustering.hpp"
#include "deeplift/motifs/score_arrays.hpp"
#include "deeplift/motifs/seqlets.hpp"
#include "deeplift/motifs/similarity.hpp"
#include "deeplift/motifs/pwm.hpp"

namespace deeplift {

// Every default lives here once; find-motifs --help prints them from it.
struct FindMotifsOptions {
  std::string scores;  // PREFIX of PREFIX.ohe.npz, PREFIX.<task>.contrib.npz, PREFIX.<task>.hyp.npz
  std::string task;
  std::string out;     // OUT.meme, OUT.tsv
  std::string known;   // MEME file of known motifs to match against (optional)
  SeqletOptions seqlets;
  ClusterOptions clusters;
  int min_overlap = kDefaultMinOverlap;  // columns a known-motif alignment must share
  int threads = 0;                       // 0: every core
  bool quiet = false;
};

struct FoundMotif {
  std::string name;  // motif_1, motif_2, ... (negative seqlets: neg_motif_1, ...)
  int sign = 1;      // +1 from positive seqlets, -1 from negative ones
  Motif motif;
  KnownMatch best;   // best.name empty without known motifs
};

struct FindMotifsResult {
  SeqletCalls calls;
  std::vector<FoundMotif> motifs;  // positive motifs by seqlet count, then negative ones
  LetterProbs background{};        // base composition of the scored sequences
};

// Every problem with the option values, one entry each naming the option.
std::vector<std::string> option_problems(const FindMotifsOptions& options);

// The pipeline without I/O. Throws UsageError for bad option values and
// InputError when the sequences are shorter than the seqlet window.
FindMotifsResult find_motifs(const ScoreArrays& arrays, const std::vector<Pwm>& known,
                             const FindMotifsOptions& options);

// OUT.tsv: motif, seqlets, consensus, best_match, similarity, strand, offset
// ("." in the last four without known motifs).
std::string motif_table(const FindMotifsResult& result);

// OUT.meme: each motif's position probability matrix, nsites = its seqlets,
// the alternate name its consensus, the background the sequences' own.
std::string motif_meme(const FindMotifsResult& result);

// Reads the inputs, runs find_motifs, writes OUT.meme and OUT.tsv (each to a
// temporary file; both are written in full before either is renamed into
// place, so a failed run leaves no partial output). Progress and a summary
// go to `log` unless options.quiet.
FindMotifsResult run_find_motifs(const FindMotifsOptions& options, std::ostream& log);

}  // namespace deeplift
