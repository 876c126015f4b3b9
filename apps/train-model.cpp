// train-model: train a model of a docs/model-format.md architecture on labelled DNA
// sequences and write it as a model file score-seqs reads.
#include <cstdio>
#include <iostream>
#include <string>

#include "deeplift/cli/app_main.hpp"
#include "deeplift/errors.hpp"
#include "deeplift/training/train_run.hpp"
#include "deeplift/util/bundled_data.hpp"

namespace po = boost::program_options;

namespace {

// A float default as a short decimal ("0.001", not Boost's "0.00100000005").
std::string shown(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(value));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  deeplift::TrainModelOptions options;  // holds every default
  deeplift::TrainOptions& training = options.training;
  po::options_description described("Options");
  described.add_options()
      ("fasta,f", po::value(&options.fasta)->required(), "sequences (FASTA), each of the architecture's input length")
      ("labels,l", po::value(&options.labels)->required(),
       "labels TSV: header 'name<TAB>task...[<TAB>split]', 0/1 per task, split train/valid/test")
      ("arch,a", po::value(&options.arch)->required(), "architecture JSON (docs/model-format.md), or a bundled one by name (deeplift-paper, deeppad); "
       "weights are initialised")
      ("out,o", po::value(&options.out)->required(), "model file to write; metrics go to OUT minus .safetensors + .metrics.json")
      ("epochs,e", po::value(&training.epochs)->required(), "maximum number of epochs")
      ("seed,s", po::value(&training.seed)->required(), "seed of initialisation and shuffling")
      ("batch-size", po::value(&training.batch_size)->default_value(training.batch_size), "sequences per Adam step")
      ("lr", po::value(&training.adam.learning_rate)->default_value(training.adam.learning_rate, shown(training.adam.learning_rate)),
       "Adam learning rate")
      ("patience", po::value(&training.patience)->default_value(training.patience),
       "stop after this many epochs without a lower validation loss (0: never)")
      ("neg-weights", po::value(&options.negative_weights)->default_value(options.negative_weights),
       "loss weight of label 0 per task, e.g. 1,2,2 (sigmoid outputs; empty: 1)")
      ("pos-weights", po::value(&options.positive_weights)->default_value(options.positive_weights),
       "loss weight of label 1 per task, e.g. 3,2,2 (sigmoid outputs; empty: 1)")
      ("sub-batch", po::value(&training.sub_batch)->default_value(training.sub_batch),
       "sequences per parallel work item; results depend on it, not on --threads")
      ("threads,t", po::value(&training.threads)->default_value(training.threads), "threads (0: every core)")
      ("quiet,q", po::bool_switch(&options.quiet), "no progress or summary on stderr");

  const deeplift::AppDescription app{
      "train-model",
      "--fasta SEQS.fa --labels LABELS.tsv --arch ARCH.json --out MODEL.safetensors --epochs N --seed S [options]",
      "Trains the architecture's freshly initialised weights (PyTorch's default initialisation)\n"
      "with Adam on binary cross-entropy (sigmoid outputs) or cross-entropy (softmax outputs),\n"
      "keeps the epoch with the lowest validation loss, and writes it as a model file.",
      "Without a split column every 10th labelled record is held out for validation (no test set).\n"
      "A progress line per epoch goes to stderr; MODEL.metrics.json holds the per-epoch history and\n"
      "the final validation/test auROC and auPRC per task. Same seed and options: same model.\n"
      "Example:\n"
      "  train-model -f sim.fa -l sim.labels.tsv -a deeplift-paper \\\n"
      "              -o model.safetensors --epochs 50 --seed 1 --neg-weights 1,2,2 --pos-weights 3,2,2",
      /*interruptible=*/true,
      [&](const po::variables_map&) { deeplift::throw_usage_problems(deeplift::option_problems(options)); }};
  return deeplift::app_main(argc, argv, app, described, [&](const po::variables_map&) {
    options.arch = deeplift::resolve_bundled(options.arch, "archs", ".json");
    deeplift::train_from_files(options, std::cerr);
  });
}
