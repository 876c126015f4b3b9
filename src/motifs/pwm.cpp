#include "deeplift/motifs/pwm.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "deeplift/errors.hpp"
#include "deeplift/io/input_file.hpp"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF  // see src/simulation/random.cpp: keep sampled probabilities bit-identical
#endif

namespace deeplift {

std::string Pwm::consensus() const {
  std::string out;
  for (const LetterProbs& row : rows) {
    int best = 0;
    for (int b = 1; b < 4; ++b)
      if (row[b] > row[best]) best = b;
    out += kBases[best];
  }
  return out;
}

Pwm Pwm::from_pattern(std::string name, std::string_view pattern) {
  Pwm pwm;
  pwm.name = std::move(name);
  for (char c : pattern) {
    int b = base_index(c);
    if (b < 0) throw std::invalid_argument("pattern '" + std::string(pattern) + "' is not ACGT");
    LetterProbs row{0.0, 0.0, 0.0, 0.0};
    row[b] = 1.0;
    pwm.rows.push_back(row);
  }
  return pwm;
}

Pwm with_pseudocount(const Pwm& pwm, double epsilon) {
  Pwm out = pwm;
  const double keep = 1.0 - epsilon;
  const double spread = epsilon / 4.0;
  for (LetterProbs& row : out.rows)
    for (double& p : row) p = p * keep + spread;
  return out;
}

LogOddsTable log_odds_table(const Pwm& pwm, const LetterProbs& background) {
  LogOddsTable table(pwm.width());
  for (std::size_t i = 0; i < pwm.width(); ++i)
    for (int b = 0; b < 4; ++b) table[i][b] = std::log(pwm.rows[i][b]) - std::log(background[b]);
  return table;
}

double log_odds_score(const LogOddsTable& table, std::string_view oriented) {
  if (oriented.size() != table.size())
    throw std::invalid_argument("log_odds_score: string length differs from motif width");
  double score = 0.0;
  for (std::size_t i = 0; i < oriented.size(); ++i) {
    int b = base_index(oriented[i]);
    if (b < 0) throw std::invalid_argument("log_odds_score: non-ACGT letter");
    score += table[i][b];
  }
  return score;
}

const Pwm* MemeFile::find(std::string_view name) const {
  for (const Pwm& pwm : motifs)
    if (pwm.name == name) return &pwm;
  return nullptr;
}

namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Locale-independent (strtod would read "0,5" in a comma-decimal locale).
std::optional<double> parse_number(const std::string& word) {
  double value = 0.0;
  const char* first = word.data();
  const char* last = first + word.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

class MemeParser {
 public:
  MemeParser(std::istream& in, const std::string& source) : source_(source) {
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(line);
    }
    if (in.bad()) throw IoError("can't read '" + source + "'");
  }

  MemeFile parse() {
    MemeFile file;
    file.source = source_;
    std::size_t i = skip_blank(0);
    if (i >= lines_.size()) fail(lines_.empty() ? 1 : i, "empty file; expected a MEME motif file");
    if (!starts_with(trim(lines_[i]), "MEME version"))
      fail(i + 1, "not a MEME motif file: expected 'MEME version ...' as the first line");
    for (++i; i < lines_.size();) {
      const std::string line = trim(lines_[i]);
      if (starts_with(line, "ALPHABET=")) {
        check_alphabet(i, trim(line.substr(9)));
        ++i;
      } else if (starts_with(line, "ALPHABET")) {
        fail(i + 1, "custom ALPHABET definitions are not supported; expected 'ALPHABET= ACGT'");
      } else if (starts_with(line, "Background letter frequencies")) {
        i = parse_background(i, file);
      } else if (starts_with(line, "MOTIF")) {
        i = parse_motif(i, file);
      } else {
        ++i;  // strands:, comments, blank lines: nothing to take from them
      }
    }
    if (file.motifs.empty()) fail(lines_.size(), "no MOTIF in the file");
    return file;
  }

 private:
  [[noreturn]] void fail(std::size_t line_number, const std::string& message) const {
    throw FormatError(source_ + ":" + std::to_string(line_number) + ": " + message);
  }

  std::size_t skip_blank(std::size_t i) const {
    while (i < lines_.size() && trim(lines_[i]).empty()) ++i;
    return i;
  }

  void check_alphabet(std::size_t i, const std::string& value) const {
    if (value != "ACGT") fail(i + 1, "unsupported alphabet '" + value + "'; only ACGT (DNA) motifs can be simulated");
  }

  // "Background letter frequencies" is followed by letter/frequency pairs,
  // possibly over several lines.
  std::size_t parse_background(std::size_t i, MemeFile& file) {
    const std::size_t header = i;
    std::vector<std::string> words;
    for (++i; i < lines_.size() && words.size() < 8; ++i) {
      auto more = split_words(lines_[i]);
      if (more.empty()) {
        if (words.empty()) continue;
        break;
      }
      words.insert(words.end(), more.begin(), more.end());
    }
    if (words.size() != 8) fail(header + 1, "background frequencies must list A, C, G and T with a frequency each");
    LetterProbs bg{};
    std::array<bool, 4> seen{};
    double sum = 0.0;
    for (std::size_t k = 0; k < 8; k += 2) {
      int b = words[k].size() == 1 ? base_index(words[k][0]) : -1;
      auto value = parse_number(words[k + 1]);
      if (b < 0 || seen[b] || !value || *value <= 0.0)
        fail(header + 1, "bad background frequency '" + words[k] + " " + words[k + 1] + "'");
      seen[b] = true;
      bg[b] = *value;
      sum += *value;
    }
    if (std::fabs(sum - 1.0) > kMemeRowSumTolerance)
      fail(header + 1, "background frequencies sum to " + std::to_string(sum) + ", not 1");
    file.background = bg;
    return i;
  }

  std::size_t parse_motif(std::size_t i, MemeFile& file) {
    const std::size_t motif_line = i;
    auto words = split_words(lines_[i]);
    if (words.size() < 2) fail(i + 1, "MOTIF line without a motif name");
    Pwm pwm;
    pwm.name = words[1];
    if (words.size() > 2) pwm.alternate_name = words[2];
    if (file.find(pwm.name)) fail(i + 1, "duplicate motif name '" + pwm.name + "'");

    // The letter-probability matrix may be preceded by a log-odds matrix and
    // followed by a URL line; anything up to the next MOTIF belongs to this one.
    for (++i; i < lines_.size(); ++i) {
      const std::string line = trim(lines_[i]);
      if (starts_with(line, "MOTIF")) break;
      if (starts_with(line, "letter-probability matrix:")) {
        i = parse_matrix(i, pwm);
        file.motifs.push_back(std::move(pwm));
        return i;
      }
    }
    fail(motif_line + 1, "MOTIF " + pwm.name + " has no 'letter-probability matrix:' line");
  }

  // Header "letter-probability matrix: alength= 4 w= 10 nsites= 20 E= 0"
  // (every key optional), then one row of 4 probabilities per position.
  std::size_t parse_matrix(std::size_t i, Pwm& pwm) {
    const std::size_t header = i;
    std::optional<long> width;
    auto words = split_words(trim(lines_[i]).substr(26));
    for (std::size_t k = 0; k < words.size(); ++k) {
      std::string key = words[k], value;
      auto eq = key.find('=');
      if (eq == std::string::npos) continue;
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      if (value.empty() && k + 1 < words.size()) value = words[++k];
      if (key == "alength" || key == "w") {
        auto number = parse_number(value);
        // The upper bound keeps the conversion to long defined (a 1e300 would
        // be undefined behaviour); no real motif is a million positions wide.
        if (!number || *number < 1 || *number > 1e6 || *number != std::floor(*number))
          fail(header + 1, "motif " + pwm.name + ": bad " + key + "= '" + value + "'");
        if (key == "alength" && *number != 4)
          fail(header + 1, "motif " + pwm.name + ": alength= " + value + "; only 4 letters (ACGT) are supported");
        if (key == "w") width = static_cast<long>(*number);
      }
    }

    i = skip_blank(i + 1);
    for (; i < lines_.size(); ++i) {
      auto row_words = split_words(lines_[i]);
      if (row_words.empty() || !parse_number(row_words[0])) break;
      const std::string where = "motif " + pwm.name + " row " + std::to_string(pwm.rows.size() + 1);
      if (row_words.size() != 4)
        fail(i + 1, where + " has " + std::to_string(row_words.size()) + " values; expected 4 (A C G T)");
      LetterProbs row{};
      double sum = 0.0;
      for (int b = 0; b < 4; ++b) {
        auto value = parse_number(row_words[b]);
        if (!value || *value < 0.0 || *value > 1.0)
          fail(i + 1, where + ": '" + row_words[b] + "' is not a probability");
        row[b] = *value;
        sum += *value;
      }
      if (std::fabs(sum - 1.0) > kMemeRowSumTolerance) {
        std::ostringstream s;
        s << where << " sums to " << sum << "; a letter-probability row must sum to 1 (within " << kMemeRowSumTolerance
          << ")";
        fail(i + 1, s.str());
      }
      // Exact-sum files (like the shipped gata_tal.meme) are kept bit for bit.
      if (std::fabs(sum - 1.0) > 1e-6)
        for (double& p : row) p /= sum;
      pwm.rows.push_back(row);
    }
    if (pwm.rows.empty()) fail(header + 1, "motif " + pwm.name + " has no matrix rows");
    if (width && static_cast<std::size_t>(*width) != pwm.rows.size())
      fail(header + 1, "motif " + pwm.name + ": w= " + std::to_string(*width) + " but the matrix has " +
                           std::to_string(pwm.rows.size()) + " rows");
    return i;
  }

  std::string source_;
  std::vector<std::string> lines_;
};

}  // namespace

MemeFile parse_meme(std::istream& in, const std::string& source) { return MemeParser(in, source).parse(); }

MemeFile read_meme(const std::string& path) {
  std::ifstream in = open_input_file(path);
  return parse_meme(in, path);
}

}  // namespace deeplift
