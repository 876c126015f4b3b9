#include "deeplift/scoring/score_outputs.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <sstream>

#include "deeplift/errors.hpp"
#include "deeplift/util/interrupt.hpp"

namespace deeplift {

OutputFormats OutputFormats::parse(const std::string& list) {
  OutputFormats formats;
  std::stringstream stream(list);
  std::string item;
  bool any = false;
  while (std::getline(stream, item, ',')) {
    if (item == "bedgraph") formats.bedgraph = true;
    else if (item == "bigwig") formats.bigwig = true;
    else if (item == "npz") formats.npz = true;
    else if (item == "tsv") formats.tsv = true;
    else throw UsageError("unknown output format '" + item + "' (choose from: bedgraph, bigwig, npz, tsv)");
    any = true;
  }
  if (!any) throw UsageError("no output format given (choose from: bedgraph, bigwig, npz, tsv)");
  return formats;
}

ScoreOutputs::ScoreOutputs(ScoreOutputsConfig config) : config_(std::move(config)) {
  const std::string& prefix = config_.prefix;
  const int length = config_.length;
  if (config_.formats.tsv) {
    predictions_ = std::make_unique<AtomicFile>(prefix + ".predictions.tsv");
    std::FILE* out = predictions_->stream();
    std::fputs("name", out);
    const size_t models = config_.models.size();
    for (size_t m = 0; m < models; ++m)
      for (const auto& name : config_.scored_tasks) {
        // One model keeps the plain names; several are told apart by their place on the command line.
        const std::string task = models == 1 ? name : "model" + std::to_string(m + 1) + "." + name;
        std::fprintf(out, "\t%s.logit", task.c_str());
        if (config_.output != OutputKind::Linear) std::fprintf(out, "\t%s.prob", task.c_str());
        if (config_.has_reference) std::fprintf(out, "\t%s.ref_logit", task.c_str());
      }
    std::fputc('\n', out);
  }
  if (config_.formats.npz) {
    ohe_ = std::make_unique<NpzArrayWriter>(prefix + ".ohe.npz", 4, length);
    for (const auto& task : config_.scored_tasks) {
      contrib_.push_back(std::make_unique<NpzArrayWriter>(prefix + "." + task + ".contrib.npz", 4, length));
      hyp_.push_back(std::make_unique<NpzArrayWriter>(prefix + "." + task + ".hyp.npz", 4, length));
    }
  }
  if (config_.formats.bedgraph || config_.formats.bigwig)
    for (const auto& task : config_.scored_tasks) {
      TrackFiles files;
      if (config_.formats.bedgraph) files.bedgraph = prefix + "." + task + ".bedGraph";
      if (config_.formats.bigwig) files.bigwig = prefix + "." + task + ".bw";
      files.chrom_sizes = config_.chrom_sizes;
      tracks_.push_back(std::make_unique<BedGraphWriter>(files, task, task + ": " + config_.description));
    }
  item_.resize(4 * static_cast<size_t>(length));
}

void ScoreOutputs::add_window(const std::string& name, const float* one_hot, const float* logits,
                              const float* ref_logits, const float* scores, const float* hypothetical) {
  const int length = config_.length;
  if (predictions_) {
    std::FILE* out = predictions_->stream();
    std::fputs(name.c_str(), out);
    long row = 0;  // the model's first row of the stacked logits
    for (const PredictionModel& model : config_.models) {
      const Matrix logit_column = Eigen::Map<const Matrix>(logits + row, model.task_count, 1);
      const Matrix probabilities = output_probabilities(logit_column, config_.output);
      for (int t : model.scored) {
        std::fprintf(out, "\t%.9g", logits[row + t]);
        if (config_.output != OutputKind::Linear) std::fprintf(out, "\t%.9g", probabilities(t, 0));
        if (config_.has_reference) std::fprintf(out, "\t%.9g", ref_logits[row + t]);
      }
      row += model.task_count;
    }
    std::fputc('\n', out);
  }
  if (ohe_) {
    // (4, L) in C order is the transpose of our column-major [4, L] block.
    auto transposed = [&](const float* block) {
      Eigen::Map<Matrix>(item_.data(), length, 4) = Eigen::Map<const Matrix>(block, 4, length).transpose();
      return item_.data();
    };
    ohe_->append(transposed(one_hot));
    for (size_t t = 0; t < contrib_.size(); ++t) {
      // contrib = ohe ⊙ s: the score at the observed base, 0 at N (docs/outputs.md).
      const float* s = scores + t * length;
      for (int c = 0; c < 4; ++c)
        for (int l = 0; l < length; ++l) item_[static_cast<size_t>(c) * length + l] = one_hot[4 * l + c] * s[l];
      contrib_[t]->append(item_.data());
      hyp_[t]->append(transposed(hypothetical + t * 4 * static_cast<size_t>(length)));
    }
  }
}

void ScoreOutputs::add_track(int task, const std::string& chrom, long start, const float* scores, long length) {
  if (!tracks_.empty()) tracks_[task]->add(chrom, start, scores, length);
}

void ScoreOutputs::commit() {
  // Two phases, so that the outputs appear as a set: every file is finished
  // under its temporary name first (sorting the tracks, where overlapping
  // records are found; writing the archives: minutes at genome scale, and
  // where a failure or an interrupt stops with nothing published), then all
  // are renamed into place, which takes microseconds. A run killed in the
  // first phase leaves no output at all.
  // The track files are independent, so they are finished side by side:
  // formatting a genome's bedGraph lines is CPU-bound. The npz archives are
  // finished one after another by one job: libzip is not safe to use from
  // two threads at once even on different archives (seen here as a
  // spurious "Read-only archive" error).
  std::vector<std::function<void()>> finishing;
  for (auto& track : tracks_) finishing.push_back([&track] { track->finish(); });
  finishing.push_back([this] {
    if (ohe_) ohe_->finish();
    for (size_t t = 0; t < contrib_.size(); ++t) {
      check_interrupt();
      contrib_[t]->finish();
      hyp_[t]->finish();
    }
    if (predictions_) predictions_->finish();
  });
  std::vector<std::exception_ptr> failures(finishing.size());
  const long jobs = static_cast<long>(finishing.size());
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, config_.threads))
  for (long i = 0; i < jobs; ++i) {
    try {
      check_interrupt();
      finishing[i]();
    } catch (...) {
      failures[i] = std::current_exception();
    }
  }
  // The first file's error, whichever thread saw it first.
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  check_interrupt();
  for (auto& track : tracks_) track->publish();
  if (ohe_) ohe_->publish();
  for (size_t t = 0; t < contrib_.size(); ++t) {
    contrib_[t]->publish();
    hyp_[t]->publish();
  }
  if (predictions_) predictions_->publish();
}

}  // namespace deeplift
