// The labels file of train-model: tab-separated, a header
//   name<TAB><task1><TAB>...[<TAB>split]
// then one row per record: its FASTA name, 0 or 1 per task and, when the
// header has it, the split (train, valid or test) — what simulate-motifs
// writes (docs/simulation.md). The task columns may come in any order but must be
// exactly the model's tasks.
#pragma once
#include <string>
#include <vector>

namespace deeplift {

enum class Split { Train, Valid, Test };

struct LabelRow {
  std::string name;
  std::vector<float> labels;  // in the model's task order
  Split split = Split::Train;
  long line = 0;              // 1-based line in the file, for messages
};

struct LabelTable {
  std::string path;
  bool has_split = false;
  std::vector<LabelRow> rows;  // in file order
};

// Throws IoError if the file cannot be read, FormatError naming the file and
// line for: a header without "name" first, task columns that are not the
// model's tasks (listing missing and unknown ones), a row with the wrong
// number of fields, a label other than 0/1, an unknown split, a repeated
// name, or no rows at all.
LabelTable read_label_table(const std::string& path, const std::vector<std::string>& tasks);

}  // namespace deeplift
