// The files score-seqs writes (docs/outputs.md): predictions TSV, bedGraph tracks,
// npz arrays for TF-MoDISco. All go through temporary files and appear only
// when commit() succeeds.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "deeplift/io/atomic_file.hpp"
#include "deeplift/io/bedgraph_writer.hpp"
#include "deeplift/io/npz_writer.hpp"
#include "deeplift/model/model.hpp"

namespace deeplift {

struct OutputFormats {
  bool bedgraph = false;
  bool bigwig = false;
  bool npz = false;
  bool tsv = false;
  // "bedgraph,bigwig,npz,tsv": throws UsageError for an unknown or empty list.
  static OutputFormats parse(const std::string& list);
};

// One model's rows in a window's logits (several models' are stacked, in
// --model order: ModelEnsemble::logit_row).
struct PredictionModel {
  int task_count = 0;       // the model's tasks (softmax needs every logit)
  std::vector<int> scored;  // its indices of the scored tasks, in --tasks order
};

struct ScoreOutputsConfig {
  std::string prefix;
  OutputFormats formats;
  OutputKind output = OutputKind::Sigmoid;
  // One per --model; with several, predictions.tsv has each model's columns
  // in turn, prefixed model1., model2., … (docs/outputs.md).
  std::vector<PredictionModel> models;
  std::vector<std::string> scored_tasks;  // the scored tasks' names
  bool has_reference = true;              // write <task>.ref_logit columns
  int length = 0;                         // window length
  std::string description;                // method and reference, for track lines
  int threads = 1;                        // files finished side by side at commit
  // For bigWig headers; empty: each chromosome's furthest scored base.
  std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes;
};

class ScoreOutputs {
 public:
  explicit ScoreOutputs(ScoreOutputsConfig config);

  // One scored window, in input order. `one_hot` is [4, L] column-major;
  // `logits`/`ref_logits` hold every task of every model, stacked
  // (ref_logits may be null without a reference); `scores` holds L floats per scored task and
  // `hypothetical` 4*L floats per scored task ([4, L] column-major), each
  // task's block `length` resp. 4*length floats after the previous one.
  void add_window(const std::string& name, const float* one_hot, const float* logits, const float* ref_logits,
                  const float* scores, const float* hypothetical);

  // Per-base scores of scored task `task` for bases [start, start+length) of chrom.
  void add_track(int task, const std::string& chrom, long start, const float* scores, long length);

  void commit();

 private:
  ScoreOutputsConfig config_;
  std::unique_ptr<AtomicFile> predictions_;
  std::unique_ptr<NpzArrayWriter> ohe_;
  std::vector<std::unique_ptr<NpzArrayWriter>> contrib_, hyp_;
  std::vector<std::unique_ptr<BedGraphWriter>> tracks_;
  std::vector<float> item_;  // scratch for one (4, L) row-major item
};

}  // namespace deeplift
