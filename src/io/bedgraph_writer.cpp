#include "deeplift/io/bedgraph_writer.hpp"

#include "deeplift/io/bigwig_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "deeplift/errors.hpp"
#include "deeplift/io/atomic_file.hpp"
#include "deeplift/util/interrupt.hpp"
#include "temp_file.hpp"

namespace deeplift {
namespace {

// One add() call: where its scores sit in the spill file.
struct Interval {
  std::uint32_t chrom;   // index into chrom_names
  std::uint32_t source;  // index into sources, for error messages
  long start;
  long length;
  long offset;  // in floats
  long order;   // 0-based add() number, for error messages
};

// Double quotes would end the track line's quoted values early, and line
// breaks would end the line itself.
std::string track_value(std::string value) {
  for (char& c : value) {
    if (c == '"') c = '\'';
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return value;
}

std::string ordinal(long n) {
  const long mod100 = n % 100;
  const char* suffix = (mod100 >= 11 && mod100 <= 13) ? "th"
                       : n % 10 == 1                 ? "st"
                       : n % 10 == 2                 ? "nd"
                       : n % 10 == 3                 ? "rd"
                                                     : "th";
  return std::to_string(n) + suffix;
}

}  // namespace

struct BedGraphWriter::Impl {
  std::unique_ptr<AtomicFile> bedgraph;  // null: no bedGraph file
  std::unique_ptr<BigWigWriter> bigwig;   // null: no bigWig file
  TrackFiles files;
  std::string path;  // the file named in messages: the bedGraph, else the bigWig
  std::string track_name;
  std::string description;
  std::FILE* spill = nullptr;
  std::unique_ptr<char[]> spill_buffer;
  long spill_floats = 0;
  std::vector<std::string> chrom_names;
  std::unordered_map<std::string, std::uint32_t> chrom_ids;
  std::vector<Interval> intervals;
  std::vector<std::string> sources{""};  // set_source() names; 0: none given

  Impl(TrackFiles track_files, std::string name, std::string desc)
      : files(std::move(track_files)),
        path(files.bedgraph.empty() ? files.bigwig : files.bedgraph),
        track_name(std::move(name)),
        description(std::move(desc)) {
    if (!files.bedgraph.empty()) bedgraph = std::make_unique<AtomicFile>(files.bedgraph);
  }
  ~Impl() {
    if (spill != nullptr) std::fclose(spill);
  }

  std::string describe(const Interval& interval) const {
    return chrom_names[interval.chrom] + ":" + std::to_string(interval.start) + "-" +
           std::to_string(interval.start + interval.length) +
           (interval.source != 0 ? " (from '" + sources[interval.source] + "')"
                                 : " (" + ordinal(interval.order + 1) + " added)");
  }

  void write_sorted();

  // Reads back with pread rather than stdio: records come back in sorted, not
  // spilled, order, and every fseek would refill the whole 1 MiB buffer.
  void read_spill(float* scores, std::size_t count, long offset) const {
    auto* bytes = reinterpret_cast<char*>(scores);
    std::size_t left = count * sizeof(float);
    auto position = static_cast<off_t>(offset) * static_cast<off_t>(sizeof(float));
    while (left > 0) {
      const ssize_t got = pread(fileno(spill), bytes, left, position);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        throw IoError("can't read back the scores spilled for '" + path + "': " +
                      (got < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      bytes += got;
      left -= static_cast<std::size_t>(got);
      position += got;
    }
  }
};

BedGraphWriter::BedGraphWriter(std::string path, std::string track_name, std::string description)
    : BedGraphWriter(TrackFiles{std::move(path), "", {}}, std::move(track_name), std::move(description)) {}

BedGraphWriter::BedGraphWriter(TrackFiles files, std::string track_name, std::string description)
    : impl_(std::make_unique<Impl>(std::move(files), std::move(track_name), std::move(description))) {
  if (impl_->path.empty()) throw std::invalid_argument("BedGraphWriter: neither a bedGraph nor a bigWig path");
  // The spill lives beside the output (the user chose that file system for
  // genome-sized data; /tmp may be small) and is unlinked at once, so it
  // disappears however the process ends.
  std::string spill_path;
  const int fd = detail::make_temp_beside(impl_->path, ".spill", spill_path);
  unlink(spill_path.c_str());
  impl_->spill = fdopen(fd, "w+b");
  if (impl_->spill == nullptr) {
    const int err = errno;
    close(fd);
    throw IoError(detail::write_error(impl_->path, err));
  }
  impl_->spill_buffer = std::make_unique<char[]>(detail::kStreamBufferSize);
  std::setvbuf(impl_->spill, impl_->spill_buffer.get(), _IOFBF, detail::kStreamBufferSize);
}

BedGraphWriter::~BedGraphWriter() = default;

void BedGraphWriter::add(const std::string& chrom, long start, const float* scores, long length) {
  Impl& w = *impl_;
  if (w.spill == nullptr) throw std::logic_error("BedGraphWriter::add after commit for " + w.path);
  if (start < 0 || length < 0) throw std::invalid_argument("BedGraphWriter::add: negative start or length");
  if (length == 0) return;

  auto found = w.chrom_ids.find(chrom);
  if (found == w.chrom_ids.end()) {
    if (chrom.empty() || chrom.find_first_of(" \t\r\n") != std::string::npos) {
      throw InputError("'" + w.path + "': chromosome name '" + chrom +
                       "' is empty or contains white space, which bedGraph cannot hold");
    }
    found = w.chrom_ids.emplace(chrom, static_cast<std::uint32_t>(w.chrom_names.size())).first;
    w.chrom_names.push_back(chrom);
  }
  const auto n = static_cast<std::size_t>(length);
  if (std::fwrite(scores, sizeof(float), n, w.spill) != n) throw IoError(detail::write_error(w.path, errno));
  const auto source = static_cast<std::uint32_t>(w.sources.size() - 1);
  w.intervals.push_back({found->second, source, start, length, w.spill_floats, static_cast<long>(w.intervals.size())});
  w.spill_floats += length;
}

void BedGraphWriter::set_source(const std::string& name) { impl_->sources.push_back(name); }

void BedGraphWriter::commit() {
  finish();
  publish();
}

void BedGraphWriter::finish() {
  Impl& w = *impl_;
  if (w.spill == nullptr) throw std::logic_error("BedGraphWriter::finish called twice for " + w.path);

  // Chromosomes in byte order (what `LC_COLLATE=C sort` and bedtools expect):
  // std::string compares as unsigned char, i.e. memcmp order.
  std::vector<std::uint32_t> by_name(w.chrom_names.size());
  std::iota(by_name.begin(), by_name.end(), 0u);
  std::sort(by_name.begin(), by_name.end(),
            [&](std::uint32_t a, std::uint32_t b) { return w.chrom_names[a] < w.chrom_names[b]; });
  std::vector<std::uint32_t> rank(by_name.size());
  for (std::uint32_t r = 0; r < by_name.size(); ++r) rank[by_name[r]] = r;
  std::sort(w.intervals.begin(), w.intervals.end(), [&](const Interval& a, const Interval& b) {
    if (a.chrom != b.chrom) return rank[a.chrom] < rank[b.chrom];
    if (a.start != b.start) return a.start < b.start;
    return a.order < b.order;
  });
  for (std::size_t i = 1; i < w.intervals.size(); ++i) {
    const Interval& previous = w.intervals[i - 1];
    const Interval& current = w.intervals[i];
    if (previous.chrom == current.chrom && previous.start + previous.length > current.start) {
      const bool in_order = previous.order < current.order;
      throw InputError("'" + w.path + "': overlapping intervals " + w.describe(in_order ? previous : current) +
                       " and " + w.describe(in_order ? current : previous) +
                       "; are record names or regions duplicated?");
    }
  }

  if (std::fflush(w.spill) != 0 || std::ferror(w.spill)) throw IoError(detail::write_error(w.path, errno));
  if (!w.files.bigwig.empty()) {
    auto sizes = w.files.chrom_sizes;
    if (sizes.empty()) {
      std::vector<long> furthest(w.chrom_names.size(), 0);
      for (const Interval& interval : w.intervals)
        furthest[interval.chrom] = std::max(furthest[interval.chrom], interval.start + interval.length);
      for (std::size_t c = 0; c < furthest.size(); ++c)
        sizes.emplace_back(w.chrom_names[c], static_cast<std::uint32_t>(furthest[c]));
    }
    w.bigwig = std::make_unique<BigWigWriter>(w.files.bigwig, std::move(sizes));
  }
  w.write_sorted();
  std::fclose(w.spill);
  w.spill = nullptr;
  if (w.bedgraph) w.bedgraph->finish();
  if (w.bigwig) w.bigwig->finish();
}

void BedGraphWriter::publish() {
  Impl& w = *impl_;
  if (w.spill != nullptr) throw std::logic_error("BedGraphWriter::publish without finish for " + w.path);
  if (w.bedgraph) w.bedgraph->publish();
  if (w.bigwig) w.bigwig->publish();
}

// The hot path for genome-scale output: lines are formatted with to_chars
// into a block and handed to stdio in large pieces. to_chars with precision 7
// in general format prints exactly what printf("%.7g") does.
void BedGraphWriter::Impl::write_sorted() {
  std::FILE* stream = bedgraph ? bedgraph->stream() : nullptr;
  const std::string track = "track type=bedGraph name=\"" + track_value(track_name) + "\" description=\"" +
                            track_value(description) + "\"\n";
  if (stream) std::fputs(track.c_str(), stream);

  constexpr std::size_t kChunk = 1 << 13;  // floats formatted per block
  std::vector<float> scores(kChunk);
  std::vector<char> text;
  for (const Interval& interval : intervals) {
    // Writing a genome's tracks takes minutes; nothing is published yet.
    check_interrupt();
    const std::string& chrom = chrom_names[interval.chrom];
    // chrom, 3 tabs, 2 longs (<= 20 chars each), a %.7g float (<= 15 chars), '\n'.
    const std::size_t max_line = chrom.size() + 64;
    text.resize(std::max(text.size(), max_line * kChunk));
    for (long done = 0; done < interval.length;) {
      const std::size_t n = static_cast<std::size_t>(std::min<long>(interval.length - done, kChunk));
      read_spill(scores.data(), n, interval.offset + done);
      if (bigwig) bigwig->add(chrom, interval.start + done, scores.data(), static_cast<long>(n));
      if (!stream) {
        done += static_cast<long>(n);
        continue;
      }
      char* p = text.data();
      long position = interval.start + done;
      for (std::size_t i = 0; i < n; ++i, ++position) {
        char* const end = p + max_line;
        p = std::copy(chrom.begin(), chrom.end(), p);
        *p++ = '\t';
        p = std::to_chars(p, end, position).ptr;
        *p++ = '\t';
        p = std::to_chars(p, end, position + 1).ptr;
        *p++ = '\t';
        p = std::to_chars(p, end, static_cast<double>(scores[i]), std::chars_format::general, 7).ptr;
        *p++ = '\n';
      }
      const auto bytes = static_cast<std::size_t>(p - text.data());
      if (std::fwrite(text.data(), 1, bytes, stream) != bytes) throw IoError(detail::write_error(path, errno));
      done += static_cast<long>(n);
    }
  }
}

}  // namespace deeplift
