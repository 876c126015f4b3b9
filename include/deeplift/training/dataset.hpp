// The training set in memory: one-hot sequences from a FASTA matched by name
// to the rows of a labels file, divided into train / valid / test.
// Training needs random access for shuffling, so unlike score-seqs this holds
// every sequence (4 floats per base: 8,000 × 200 bp is 25 MB).
#pragma once
#include <string>
#include <vector>

#include "deeplift/model/model.hpp"
#include "deeplift/training/label_table.hpp"

namespace deeplift {

struct Dataset {
  std::vector<std::string> names;
  Matrix inputs;   // [4, length * size()], one-hot (docs/scoring.md (encoding, references))
  Matrix targets;  // [tasks, size()], 0/1
  int length = 0;

  int size() const { return static_cast<int>(names.size()); }
  // Copies sequences indices[0..count) into a batch [4, length*count] and
  // its targets [tasks, count].
  void gather(const int* indices, int count, Matrix& batch_inputs, Matrix& batch_targets) const;
};

struct TrainingData {
  Dataset train, valid, test;
  std::string split_rule;  // how the split was made, for the report
};

// Reads `fasta` and gives each record its row of `labels`. Splits by the
// table's split column, or, without one, holds out every 10th row (rows 10,
// 20, … in file order) as validation and keeps no test set. Rows keep the
// labels file's order within each split.
//
// Throws FormatError naming the file and line/record for: a FASTA record
// without a row, a row without a FASTA record, a repeated FASTA name, a
// record whose length is not the model's input length, a bad character
// (docs/scoring.md (encoding, references)), and for softmax models a row without exactly one label 1;
// InputError if the training or validation split is empty.
TrainingData load_training_data(const std::string& fasta, const LabelTable& labels, const Model& model);

}  // namespace deeplift
