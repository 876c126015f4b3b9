#include "deeplift/io/bigwig_writer.hpp"

#include <bigWig.h>
extern "C" {
#include <bwCommon.h>  // bwDestroyIndexNode; the header has no extern "C" of its own
}
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "deeplift/errors.hpp"
#include "temp_file.hpp"

namespace deeplift {
namespace {

// bwInit sets up curl globally (not thread-safe) and must run before any
// libBigWig use; bwCleanup is never called, since another writer or reader
// may still be using the library until the process exits.
void init_libbigwig() {
  static std::once_flag once;
  std::call_once(once, [] { bwInit(1 << 17); });
}

// bwClose reports a failed finalisation only on stderr and ignores fclose, so
// the finished file is checked instead: a complete bigWig opens and ends with
// the magic number that bwFinalize writes last.
bool looks_complete(const std::string& file) {
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) return false;
  std::uint32_t magic = 0;
  const bool tail = std::fseek(in, -4, SEEK_END) == 0 && std::fread(&magic, 4, 1, in) == 1;
  std::fclose(in);
  if (!tail || magic != BIGWIG_MAGIC) return false;
  bigWigFile_t* reopened = bwOpen(file.c_str(), nullptr, "r");
  if (reopened == nullptr) return false;
  bwClose(reopened);
  return true;
}

}  // namespace

struct BigWigWriter::Impl {
  std::string temp_path;
  bigWigFile_t* bw = nullptr;
  std::vector<std::string> names;           // in byte order: index = libBigWig tid
  std::vector<std::uint32_t> sizes;
  std::unordered_map<std::string, std::uint32_t> tids;
  long last_tid = -1;
  long last_end = 0;
  long last_start = 0;
  bool any = false;
  bool finished = false;
  bool committed = false;

  ~Impl() {
    if (bw != nullptr) {
      // Skip bwFinalize (index and zoom levels) for a file that is deleted
      // anyway; the index nodes it would have consumed are freed here.
      bw->isWrite = 0;
      if (bw->writeBuffer != nullptr) {
        for (bwLL* node = bw->writeBuffer->firstIndexNode; node != nullptr;) {
          bwLL* next = node->next;
          bwDestroyIndexNode(node->node);
          std::free(node);
          node = next;
        }
        bw->writeBuffer->firstIndexNode = bw->writeBuffer->currentIndexNode = nullptr;
      }
      bwClose(bw);
    }
    if (!committed && !temp_path.empty()) unlink(temp_path.c_str());
  }
};

BigWigWriter::BigWigWriter(std::string path, std::vector<std::pair<std::string, std::uint32_t>> chrom_sizes)
    : impl_(std::make_unique<Impl>()), path_(std::move(path)) {
  Impl& w = *impl_;
  if (chrom_sizes.empty()) throw InputError("'" + path_ + "': no chromosome sizes for the bigWig header");
  std::sort(chrom_sizes.begin(), chrom_sizes.end());
  for (std::size_t i = 0; i < chrom_sizes.size(); ++i) {
    const auto& [name, size] = chrom_sizes[i];
    if (i > 0 && name == chrom_sizes[i - 1].first) {
      throw InputError("'" + path_ + "': chromosome '" + name + "' is listed twice in the chromosome sizes");
    }
    if (size == 0) throw InputError("'" + path_ + "': chromosome '" + name + "' has length 0");
    w.tids.emplace(name, static_cast<std::uint32_t>(i));
    w.names.push_back(name);
    w.sizes.push_back(size);
  }

  const int fd = detail::make_temp_beside(path_, ".tmp", w.temp_path);
  close(fd);
  init_libbigwig();
  errno = 0;
  w.bw = bwOpen(w.temp_path.c_str(), nullptr, "w");
  if (w.bw == nullptr) throw IoError(detail::write_error(path_, errno != 0 ? errno : EIO));
  // 10 zoom levels, as bedGraphToBigWig makes: browsers draw wide views from them.
  if (bwCreateHdr(w.bw, 10) != 0) throw IoError("can't write '" + path_ + "': bigWig header setup failed");
  std::vector<const char*> names(w.names.size());
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = w.names[i].c_str();
  w.bw->cl = bwCreateChromList(names.data(), w.sizes.data(), static_cast<std::int64_t>(names.size()));
  if (w.bw->cl == nullptr || bwWriteHdr(w.bw) != 0) {
    throw IoError(detail::write_error(path_, errno != 0 ? errno : EIO));
  }
}

BigWigWriter::~BigWigWriter() = default;

void BigWigWriter::add(const std::string& chrom, long start, const float* scores, long length) {
  Impl& w = *impl_;
  if (w.bw == nullptr) throw std::logic_error("BigWigWriter::add after commit for " + path_);
  if (start < 0 || length < 0) throw std::invalid_argument("BigWigWriter::add: negative start or length");
  if (length == 0) return;
  const auto found = w.tids.find(chrom);
  if (found == w.tids.end()) {
    throw InputError("'" + path_ + "': chromosome '" + chrom + "' is not in the chromosome sizes");
  }
  const long tid = found->second;
  const long end = start + length;
  const auto interval = [&](const std::string& name, long from, long to) {
    return name + ":" + std::to_string(from) + "-" + std::to_string(to);
  };
  if (end > static_cast<long>(w.sizes[tid])) {
    throw InputError("'" + path_ + "': interval " + interval(chrom, start, end) + " extends past the end of '" +
                     chrom + "' (length " + std::to_string(w.sizes[tid]) + ")");
  }
  if (tid < w.last_tid || (tid == w.last_tid && start < w.last_end)) {
    throw InputError("'" + path_ + "': interval " + interval(chrom, start, end) + " added after " +
                     interval(w.names[w.last_tid], w.last_start, w.last_end) +
                     "; bigWig intervals must be sorted by chromosome (byte order) and start, without overlaps");
  }

  // Fixed-step blocks store 4 bytes per base; a run that continues the
  // previous one extends its block instead of starting a new one.
  const bool continues = tid == w.last_tid && start == w.last_end;
  int status = 0;
  constexpr long kMaxCall = std::numeric_limits<std::uint32_t>::max();
  for (long done = 0; done < length && status == 0;) {
    const auto n = static_cast<std::uint32_t>(std::min(length - done, kMaxCall));
    if (continues || done > 0) {
      status = bwAppendIntervalSpanSteps(w.bw, scores + done, n);
    } else {
      status = bwAddIntervalSpanSteps(w.bw, chrom.c_str(), static_cast<std::uint32_t>(start), 1, 1, scores, n);
    }
    done += n;
  }
  if (status != 0) throw IoError(detail::write_error(path_, errno != 0 ? errno : EIO));
  w.last_tid = tid;
  w.last_start = start;
  w.last_end = end;
  w.any = true;
}

void BigWigWriter::commit() {
  finish();
  publish();
}

void BigWigWriter::finish() {
  Impl& w = *impl_;
  if (w.bw == nullptr) throw std::logic_error("BigWigWriter::finish called twice for " + path_);
  // libBigWig cannot finalise a file without data blocks.
  if (!w.any) throw InputError("'" + path_ + "': no scores to write (a bigWig file cannot be empty)");
  bwClose(w.bw);
  w.bw = nullptr;
  if (!looks_complete(w.temp_path)) {
    throw IoError("can't write '" + path_ + "': the bigWig file is incomplete (disk full?)");
  }
  if (chmod(w.temp_path.c_str(), detail::new_file_mode()) != 0) throw IoError(detail::write_error(path_, errno));
  w.finished = true;
}

void BigWigWriter::publish() {
  Impl& w = *impl_;
  if (!w.finished || w.committed) throw std::logic_error("BigWigWriter::publish without finish for " + path_);
  if (std::rename(w.temp_path.c_str(), path_.c_str()) != 0) throw IoError(detail::write_error(path_, errno));
  w.committed = true;
}

}  // namespace deeplift
