#include "deeplift/training/label_table.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <unordered_map>

#include "deeplift/errors.hpp"

namespace deeplift {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

LabelTable read_label_table(const std::string& path, const std::vector<std::string>& tasks) {
  std::ifstream in(path);
  if (!in) throw IoError("can't open '" + path + "': " + std::strerror(errno));
  auto fail = [&](long line, const std::string& problem) -> void {
    throw FormatError("'" + path + "' line " + std::to_string(line) + ": " + problem);
  };

  std::string text;
  long line = 0;
  if (!std::getline(in, text)) throw FormatError("'" + path + "': empty file (expected a header line)");
  ++line;
  if (!text.empty() && text.back() == '\r') text.pop_back();
  const auto header = split_tabs(text);
  if (header.empty() || header[0] != "name")
    fail(line, "the header must start with a \"name\" column, then one column per task (tab-separated)");

  // column_of_task[t]: the header column holding the model's task t.
  std::map<std::string, int> column_of_name;
  int split_column = -1;
  std::vector<std::string> unknown;
  for (int c = 1; c < static_cast<int>(header.size()); ++c) {
    if (!column_of_name.emplace(header[c], c).second) fail(line, "column '" + header[c] + "' appears twice");
    if (header[c] == "split") split_column = c;
  }
  std::vector<int> column_of_task;
  std::vector<std::string> missing;
  for (const auto& task : tasks) {
    const auto found = column_of_name.find(task);
    if (found == column_of_name.end()) missing.push_back(task);
    else column_of_task.push_back(found->second);
  }
  for (int c = 1; c < static_cast<int>(header.size()); ++c)
    if (c != split_column && std::find(tasks.begin(), tasks.end(), header[c]) == tasks.end()) unknown.push_back(header[c]);
  if (!missing.empty() || !unknown.empty())
    fail(line, "the task columns do not match the architecture's tasks (" + joined(tasks) + ")" +
                   (missing.empty() ? "" : "; missing: " + joined(missing)) +
                   (unknown.empty() ? "" : "; not in the architecture: " + joined(unknown)));

  LabelTable table;
  table.path = path;
  table.has_split = split_column >= 0;
  std::unordered_map<std::string, long> line_of_name;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;  // a trailing blank line is harmless
    const auto fields = split_tabs(text);
    if (fields.size() != header.size())
      fail(line, std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
    LabelRow row;
    row.name = fields[0];
    row.line = line;
    if (row.name.empty()) fail(line, "empty record name");
    const auto [previous, inserted] = line_of_name.emplace(row.name, line);
    if (!inserted) fail(line, "record '" + row.name + "' is listed again (first on line " + std::to_string(previous->second) + ")");
    for (size_t t = 0; t < tasks.size(); ++t) {
      const std::string& value = fields[column_of_task[t]];
      if (value != "0" && value != "1")
        fail(line, "label '" + value + "' for task '" + tasks[t] + "' of record '" + row.name + "' is not 0 or 1");
      row.labels.push_back(value == "1" ? 1.0f : 0.0f);
    }
    if (split_column >= 0) {
      const std::string& split = fields[split_column];
      if (split == "train") row.split = Split::Train;
      else if (split == "valid") row.split = Split::Valid;
      else if (split == "test") row.split = Split::Test;
      else fail(line, "split '" + split + "' of record '" + row.name + "' is not train, valid or test");
    }
    table.rows.push_back(std::move(row));
  }
  if (in.bad()) throw IoError("can't read '" + path + "': read error");
  if (table.rows.empty()) throw FormatError("'" + path + "': no records after the header");
  return table;
}

}  // namespace deeplift
