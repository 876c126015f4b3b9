#include "fuzz_targets.hpp"

#include <htslib/hts_log.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/io/sequence_source.hpp"
#include "deeplift/model/model.hpp"
#include "deeplift/motifs/pwm.hpp"

namespace deeplift::fuzz {

namespace {

// The parsers read files (htslib, std::ifstream), so each input is written
// to the same scratch path, overwritten every run.
std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr || (size > 0 && std::fwrite(data, 1, size, out) != size) || std::fclose(out) != 0)
    throw std::runtime_error("fuzz: can't write " + path);
  return path;
}

// htslib reports every corrupt gzip block on stderr before our error is
// thrown; for the fuzzer that is noise (and time) on most inputs.
void quiet_htslib() {
  static const bool once = (hts_set_log_level(HTS_LOG_OFF), true);
  (void)once;
}

// A two-chromosome genome with soft-masked and N bases, written once; faidx
// indexes it on first use.
const std::string& genome() {
  static const std::string path = [] {
    std::string text = ">chr1 first\n";
    const char* bases = "ACGTacgtNNACGTRYACGT";
    for (int i = 0; i < 300; ++i) text += bases[(i * 7) % 20];
    text += "\n>chr2\nACGTACGTAC\nGTACGTACGT\nAC\n";
    return write_scratch("genome.fa", reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  }();
  return path;
}

}  // namespace

const std::string& scratch_dir() {
  // Never destroyed: the atexit handler that removes the directory runs
  // after static destructors of objects constructed before its registration.
  static const std::string* const dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/deeplift-fuzz-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("fuzz: can't create a scratch directory");
    return new std::string(buffer.data());
  }();
  static const bool cleanup = (std::atexit([] {
                                 std::error_code ignored;
                                 std::filesystem::remove_all(*dir, ignored);
                               }),
                               true);
  (void)cleanup;
  return *dir;
}

void model_loader(const std::uint8_t* data, std::size_t size) {
  const std::string path = write_scratch("model.safetensors", data, size);
  try {
    const Model model = load_model(path);
    // A model that loads must run: one all-N window through the forward pass.
    // Skipped for inputs so long that a fuzzing run would time out on them.
    if (static_cast<long>(model.input_length()) * 4 <= (1 << 16)) {
      Matrix input = Matrix::Zero(4, model.input_length());
      const Matrix logits = model.logits(input, 1);
      if (logits.rows() != model.task_count() || logits.cols() != 1) std::abort();
    }
  } catch (const Error&) {
  }
}

void fasta(const std::uint8_t* data, std::size_t size) {
  quiet_htslib();
  const std::string path = write_scratch("input.fa", data, size);
  try {
    auto source = open_fasta_source(path);
    SourceRecord record;
    std::vector<float> encoded;
    while (source->next(record)) {
      check_sequence(record.sequence, path, record.name);
      encoded.resize(4 * record.sequence.size());
      encode_one_hot(record.sequence, encoded.data());
    }
  } catch (const Error&) {
  }
}

void bed(const std::uint8_t* data, std::size_t size) {
  quiet_htslib();
  const std::string& fasta_path = genome();
  const std::string path = write_scratch("regions.bed", data, size);
  for (const GenomeRegionOptions options : {GenomeRegionOptions{0, false}, GenomeRegionOptions{50, true}}) {
    try {
      long skipped = 0, merged = 0;
      auto source = open_genome_regions(fasta_path, path, options, skipped, merged);
      SourceRecord record;
      while (source->next(record)) check_sequence(record.sequence, fasta_path, record.name);
    } catch (const Error&) {
    }
  }
}

void narrowpeak(const std::uint8_t* data, std::size_t size) {
  quiet_htslib();
  const std::string& fasta_path = genome();
  const std::string path = write_scratch("peaks.narrowPeak", data, size);
  for (const bool clip : {false, true}) {
    try {
      long skipped = 0;
      auto source = open_genome_peaks(fasta_path, path, 20, clip, skipped);
      SourceRecord record;
      while (source->next(record)) {
        check_sequence(record.sequence, fasta_path, record.name);
        if (record.sequence.size() != 20 || record.track.begin > record.track.end ||
            (record.track.begin < record.track.end && (record.track.begin < 0 || record.track.end > 20)))
          std::abort();
      }
    } catch (const Error&) {
    }
  }
}

void meme(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const MemeFile file = parse_meme(in, "fuzz.meme");
    const LetterProbs background = file.background.value_or(LetterProbs{0.3, 0.2, 0.2, 0.3});
    for (const Pwm& pwm : file.motifs) {
      const LogOddsTable table = log_odds_table(with_pseudocount(pwm, 1e-4), background);
      log_odds_score(table, pwm.consensus());
    }
  } catch (const Error&) {
  }
}

}  // namespace deeplift::fuzz
