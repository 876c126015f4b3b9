#include "deeplift/training/dataset.hpp"

#include <unordered_map>

#include "deeplift/errors.hpp"
#include "deeplift/io/fasta_reader.hpp"
#include "deeplift/io/one_hot.hpp"

namespace deeplift {

void Dataset::gather(const int* indices, int count, Matrix& batch_inputs, Matrix& batch_targets) const {
  const long block = 4L * length;
  batch_inputs.resize(4, static_cast<long>(length) * count);
  batch_targets.resize(targets.rows(), count);
  for (int k = 0; k < count; ++k) {
    const int n = indices[k];
    std::copy_n(inputs.data() + n * block, block, batch_inputs.data() + k * block);
    batch_targets.col(k) = targets.col(n);
  }
}

namespace {

Split split_of(const LabelTable& labels, size_t row) {
  if (labels.has_split) return labels.rows[row].split;
  return (row + 1) % 10 == 0 ? Split::Valid : Split::Train;
}

}  // namespace

TrainingData load_training_data(const std::string& fasta, const LabelTable& labels, const Model& model) {
  const int length = model.input_length();
  const int tasks = model.task_count();
  const size_t rows = labels.rows.size();

  if (model.output() == OutputKind::Softmax)
    for (const auto& row : labels.rows) {
      float positives = 0;
      for (float label : row.labels) positives += label;
      if (positives != 1.0f)
        throw FormatError("'" + labels.path + "' line " + std::to_string(row.line) + ": record '" + row.name + "' has " +
                          std::to_string(static_cast<int>(positives)) +
                          " labels 1; a softmax model needs exactly one per record");
    }

  // Each row's place is known before the FASTA is read, so sequences are
  // encoded straight into their split.
  TrainingData data;
  data.split_rule = labels.has_split ? "split column of '" + labels.path + "'"
                                     : "every 10th row of '" + labels.path + "' held out for validation";
  Dataset* parts[] = {&data.train, &data.valid, &data.test};
  std::vector<Dataset*> part_of_row(rows);
  std::vector<long> slot_of_row(rows);
  for (size_t r = 0; r < rows; ++r) {
    Dataset* part = parts[static_cast<int>(split_of(labels, r))];
    part_of_row[r] = part;
    slot_of_row[r] = part->size();
    part->names.push_back(labels.rows[r].name);
  }
  for (Dataset* part : parts) {
    part->length = length;
    part->inputs.resize(4, static_cast<long>(length) * part->size());
    part->targets.resize(tasks, part->size());
  }
  for (size_t r = 0; r < rows; ++r)
    part_of_row[r]->targets.col(slot_of_row[r]) = Eigen::Map<const Vector>(labels.rows[r].labels.data(), tasks);

  std::unordered_map<std::string, size_t> row_of_name;
  for (size_t r = 0; r < rows; ++r) row_of_name.emplace(labels.rows[r].name, r);
  std::vector<bool> seen(rows, false);
  FastaReader reader(fasta);
  SequenceRecord record;
  while (reader.next(record)) {
    const auto found = row_of_name.find(record.name);
    if (found == row_of_name.end())
      throw FormatError("'" + fasta + "': record '" + record.name + "' has no row in '" + labels.path + "'");
    const size_t r = found->second;
    if (seen[r]) throw FormatError("'" + fasta + "': record name '" + record.name + "' appears twice");
    seen[r] = true;
    if (static_cast<long>(record.sequence.size()) != length)
      throw FormatError("'" + fasta + "': record '" + record.name + "' is " + std::to_string(record.sequence.size()) +
                        " bp but the model takes " + std::to_string(length) +
                        " bp (train-model neither windows nor pads)");
    check_sequence(record.sequence, fasta, record.name);
    encode_one_hot(record.sequence, part_of_row[r]->inputs.data() + slot_of_row[r] * 4 * length);
  }
  for (size_t r = 0; r < rows; ++r)
    if (!seen[r]) {
      size_t more = 0;
      for (size_t s = r + 1; s < rows; ++s) more += !seen[s];
      throw FormatError("'" + labels.path + "' line " + std::to_string(labels.rows[r].line) + ": record '" +
                        labels.rows[r].name + "' is not in '" + fasta + "'" +
                        (more ? " (nor are " + std::to_string(more) + " later rows)" : ""));
    }

  if (data.train.size() == 0) throw InputError("'" + labels.path + "': no records in the training split");
  if (data.valid.size() == 0) throw InputError("'" + labels.path + "': no records in the validation split");
  return data;
}

}  // namespace deeplift
