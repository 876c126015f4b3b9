// score-seqs: per-base DeepLIFT scores of DNA sequences for a model.
#include <iostream>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/scoring/method.hpp"
#include "deeplift/scoring/score_options.hpp"
#include "deeplift/scoring/score_run.hpp"
#include "deeplift/util/bundled_data.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  deeplift::ScoreOptions options;  // holds every default
  po::options_description described("Options", 110, 55);
  described.add_options()
      ("model,m", po::value(&options.models)->required(),
       "model file (.safetensors, docs/model-format.md), or a bundled model by name (gata_tal); give it several "
       "times to average folds: scores are the mean over the models, predictions per model")
      ("fasta,f", po::value(&options.fasta), "sequences to score (FASTA, plain/gzip/bgzip); or:")
      ("genome,g", po::value(&options.genome), "indexed genome FASTA (plain or bgzip; .fai/.gzi built if missing) …")
      ("bed,b", po::value(&options.bed), "… and the BED3+ regions of it to score, or")
      ("peaks", po::value(&options.peaks),
       "… narrowPeak peaks: windows of the model's input length centred on each summit (column 10)")
      ("center-width", po::value(&options.center_width)->default_value(options.center_width),
       "re-centre each BED region on its midpoint to this width (0: as given)")
      ("clip", po::bool_switch(&options.clip), "skip BED regions or peak windows past a chromosome end (else an error)")
      ("shard", po::value(&options.shard), "K/N: score only the K-th of N interleaved slices of the input")
      ("out,o", po::value(&options.out)->required(), "output prefix: PREFIX.<task>.bedGraph, PREFIX.*.npz, PREFIX.predictions.tsv")
      ("method", po::value(&options.method)->default_value(options.method), "scoring method (see below)")
      ("reference,r", po::value(&options.reference)->default_value(options.reference),
       "reference: gc:F, gc:auto, freqs:a,c,g,t, shuffle:K[,seed], zeros, npz:FILE")
      ("tasks", po::value(&options.tasks)->default_value(options.tasks), "tasks to score: all, or names separated by commas")
      ("profile-target", po::value(&options.profile_target)->default_value(options.profile_target),
       "profile tasks (graph models): bpnet-lite (tangermeme's Rescale of z*softmax(z)) or chrombpnet (shap's)")
      ("formats", po::value(&options.formats)->default_value(options.formats), "outputs: any of bedgraph, bigwig, npz, tsv")
      ("threads,t", po::value(&options.threads)->default_value(options.threads), "threads (0: every core)")
      ("batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "at most this many windows (window x reference pairs with several references) per batch; fewer when one thread's workspace would pass 64 MB")
      ("stride", po::value(&options.stride)->default_value(options.stride),
       "window step for records longer than the model input (0: half the input length)")
      ("ig-steps", po::value(&options.ig_steps)->default_value(options.ig_steps),
       "points on the reference-to-input path for --method integrated-gradients")
      ("pad", po::bool_switch(&options.pad), "pad records shorter than the model input with N (else an error)")
      ("no-verify", "do not check the model's embedded test vectors")
      ("quiet,q", po::bool_switch(&options.quiet), "no progress or summary on stderr");

  std::string methods = "Methods (--method):\n";
  for (const auto& info : deeplift::all_methods()) methods += "  " + info.name + std::string(info.name.size() < 22 ? 22 - info.name.size() : 1, ' ') + info.summary + "\n";
  const deeplift::AppDescription app{
      "score-seqs", "--model MODEL.safetensors (--fasta SEQS.fa | --genome G.fa (--bed R.bed | --peaks P.narrowPeak)) "
      "--out PREFIX [options]",
      "One-hot encodes each sequence and writes per-base contribution scores of every task's\n"
      "pre-activation logit against a reference (DeepLIFT; Shrikumar et al. 2017).",
      methods +
          "\nScores are per base: s[l] = sum_c m[c,l] * (x[c,l] - ref[c,l]); their sum over a window\n"
          "equals logit(input) - logit(reference) for the DeepLIFT methods.\n"
          "Long records are scored in windows of the model's input length every --stride bases (plus one\n"
          "ending at the record end); overlapping windows' per-base scores are averaged.\n"
          "Examples:\n  score-seqs -m gata_tal -f data/examples/example.fa -o out/example\n"
          "  score-seqs -m gata_tal -g data/examples/genome.fa -b data/examples/peaks.bed \\\n"
          "      --formats bedgraph,bigwig -o out/peaks\n"
          "  score-seqs -m model.safetensors -g genome.fa --peaks peaks.narrowPeak --method rescale \\\n"
          "      --reference shuffle:20 --formats bigwig,npz -o out/chrombpnet\n"
          "With --peaks, where windows overlap each base of the tracks takes the score of the window whose\n"
          "summit is nearest; npz rows are the peaks in file order (docs/outputs.md).\n"
          "Ctrl-C (SIGINT) or SIGTERM stops the run within a batch, removes the temporary files and\n"
          "exits with 130 or 143; no output file is written. Press Ctrl-C twice to stop at once.",
      /*interruptible=*/true,
      // Every value problem, together with the command line's own.
      [&](const po::variables_map&) { deeplift::check_score_options(options); }};
  return deeplift::app_main(argc, argv, app, described, [&](const po::variables_map& values) {
    options.verify_model = values.count("no-verify") == 0;
    for (auto& model : options.models) model = deeplift::resolve_bundled(model, "models", ".safetensors");
    deeplift::score_sequences(options, std::cerr);
  });
}
