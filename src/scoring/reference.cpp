#include "deeplift/scoring/reference.hpp"

#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/npz_reader.hpp"
#include "deeplift/io/one_hot.hpp"
#include "deeplift/scoring/dinucleotide_shuffle.hpp"

namespace deeplift {

namespace {

constexpr const char* kForms =
    "gc:F (0 <= F <= 1), gc:auto, freqs:a,c,g,t (summing to 1), shuffle:K[,seed], zeros or npz:FILE";

[[noreturn]] void bad(const std::string& text, const std::string& why) {
  throw UsageError("bad reference '" + text + "': " + why + " (accepted: " + std::string(kForms) + ")");
}

double number(const std::string& text, const std::string& field) {
  char* end = nullptr;
  const double value = std::strtod(field.c_str(), &end);
  if (field.empty() || *end != '\0' || !std::isfinite(value)) bad(text, "'" + field + "' is not a number");
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::array<float, 4> gc_frequencies(double gc) {
  const float at = static_cast<float>((1.0 - gc) / 2), cg = static_cast<float>(gc / 2);
  return {at, cg, cg, at};
}

}  // namespace

ReferenceSpec ReferenceSpec::parse(const std::string& text) {
  ReferenceSpec spec;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string argument = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "zeros" && colon == std::string::npos) {
    spec.kind = Kind::Zeros;
    spec.frequencies = {0, 0, 0, 0};
  } else if (kind == "npz" && colon != std::string::npos) {
    if (argument.empty()) bad(text, "give the .npz file after npz:");
    spec.kind = Kind::Npz;
    spec.path = argument;
  } else if (kind == "gc" && argument == "auto") {
    spec.kind = Kind::GcAuto;
  } else if (kind == "gc" && colon != std::string::npos) {
    const double gc = number(text, argument);
    if (gc < 0 || gc > 1) bad(text, "the GC fraction must be between 0 and 1");
    spec.kind = Kind::Gc;
    spec.frequencies = gc_frequencies(gc);
  } else if (kind == "freqs" && colon != std::string::npos) {
    const auto parts = split(argument, ',');
    if (parts.size() != 4) bad(text, "give 4 frequencies, for A, C, G and T");
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      const double value = number(text, parts[i]);
      if (value < 0) bad(text, "frequencies must not be negative");
      spec.frequencies[i] = static_cast<float>(value);
      sum += value;
    }
    if (std::abs(sum - 1.0) > 1e-6) bad(text, "frequencies sum to " + std::to_string(sum) + ", not 1");
    spec.kind = Kind::Frequencies;
  } else if (kind == "shuffle" && colon != std::string::npos) {
    const auto parts = split(argument, ',');
    if (parts.empty() || parts.size() > 2) bad(text, "use shuffle:K or shuffle:K,seed");
    const double k = number(text, parts[0]);
    if (k < 1 || k > 10000 || k != std::floor(k)) bad(text, "K must be a whole number from 1 to 10000");
    spec.kind = Kind::Shuffle;
    spec.shuffles = static_cast<int>(k);
    if (parts.size() == 2) {
      const double seed = number(text, parts[1]);
      if (seed < 0 || seed != std::floor(seed)) bad(text, "the seed must be a whole number >= 0");
      spec.seed = static_cast<uint64_t>(seed);
    }
  } else {
    bad(text, "unknown kind");
  }
  return spec;
}

void make_reference(const ReferenceSpec& spec, std::string_view window, uint64_t window_key, int index,
                    float* out, const std::string& where) {
  const size_t length = window.size();
  auto fill_constant = [&](const std::array<float, 4>& f) {
    for (size_t l = 0; l < length; ++l)
      for (int c = 0; c < 4; ++c) out[4 * l + c] = f[c];
  };
  switch (spec.kind) {
    case ReferenceSpec::Kind::Gc:
    case ReferenceSpec::Kind::Frequencies:
    case ReferenceSpec::Kind::Zeros:
      fill_constant(spec.frequencies);
      return;
    case ReferenceSpec::Kind::GcAuto: {
      long gc = 0, acgt = 0;
      for (char c : window) {
        const int base = base_index(c);
        if (base < 0) continue;
        ++acgt;
        if (base == 1 || base == 2) ++gc;
      }
      if (acgt == 0) throw InputError(where + ": gc:auto reference of a window with no A/C/G/T base");
      fill_constant(gc_frequencies(static_cast<double>(gc) / static_cast<double>(acgt)));
      return;
    }
    case ReferenceSpec::Kind::Shuffle: {
      // One stream per (seed, window, k): independent of threads and batches.
      std::seed_seq seeds{static_cast<uint32_t>(spec.seed), static_cast<uint32_t>(spec.seed >> 32),
                          static_cast<uint32_t>(window_key), static_cast<uint32_t>(window_key >> 32),
                          static_cast<uint32_t>(index)};
      std::mt19937_64 rng(seeds);
      const std::string shuffled = dinucleotide_shuffle(window, rng);
      encode_one_hot(shuffled, out);
      return;
    }
    case ReferenceSpec::Kind::Npz:
      throw Error("make_reference: npz references are read with ReferenceArray");
  }
}

uint64_t window_key(const std::string& record, long start) {
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&](unsigned char byte) {
    hash ^= byte;
    hash *= 1099511628211ull;
  };
  for (char c : record) mix(static_cast<unsigned char>(c));
  mix(0);
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(static_cast<uint64_t>(start) >> (8 * i)));
  return hash;
}

}  // namespace deeplift

namespace deeplift {

ReferenceArray ReferenceArray::read(const std::string& path, int length) {
  NpyArray array = read_npz_array(path);
  const auto& shape = array.shape;
  auto shape_text = [&] {
    std::string text = "(";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + (shape.size() == 1 ? ",)" : ")");
  };
  const size_t rank = shape.size();
  if ((rank != 3 && rank != 4) || shape[rank - 2] != 4 || shape[rank - 1] != length || shape[rank - 3] < 1 ||
      (rank == 4 && shape[0] < 1))
    throw FormatError("'" + path + "': arr_0 has shape " + shape_text() + "; references must be (N, K, 4, " +
                      std::to_string(length) + ") or (K, 4, " + std::to_string(length) +
                      ") for this model's input length");
  for (size_t i = 0; i < array.values.size(); ++i)
    if (!std::isfinite(array.values[i]))
      throw FormatError("'" + path + "': arr_0 holds a non-finite value at flat index " + std::to_string(i));
  ReferenceArray references;
  references.path_ = path;
  references.length_ = length;
  references.per_window_ = static_cast<int>(shape[rank - 3]);
  references.windows_ = rank == 4 ? shape[0] : -1;
  references.values_ = std::move(array.values);
  return references;
}

void ReferenceArray::fill(long window, int k, float* out) const {
  if (windows_ >= 0 && window >= windows_)
    throw InputError("'" + path_ + "': holds references for " + std::to_string(windows_) +
                     " windows, but more windows are scored (window " + std::to_string(window + 1) + ")");
  const long block = 4L * length_;
  const float* from = values_.data() + ((windows_ >= 0 ? window * per_window_ : 0) + k) * block;
  // The file's [4, L] is row-major (C order); ours is column-major.
  for (int c = 0; c < 4; ++c)
    for (long l = 0; l < length_; ++l) out[l * 4 + c] = from[c * length_ + l];
}

}  // namespace deeplift
