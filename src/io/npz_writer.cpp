#include "deeplift/io/npz_writer.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <climits>
#include <stdexcept>
#include <string>

#include "deeplift/errors.hpp"
#include "temp_file.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy header declares '<f4': floats are written in host order");

namespace deeplift {
namespace {

// NPY format 1.0 (numpy/lib/format.py): magic "\x93NUMPY", version 1.0,
// little-endian uint16 header length, then a Python dict literal padded with
// spaces and ended by '\n' so that data starts at a multiple of 64 bytes.
constexpr std::size_t kPreambleSize = 10;

std::string header_dict(long count, int rows, int cols) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(count) + ", " +
         std::to_string(rows) + ", " + std::to_string(cols) + "), }";
}

// The header is written once up front and again at commit with the final N,
// so it is sized for the widest N it could ever hold.
std::size_t header_size(int rows, int cols) {
  const std::size_t unpadded = kPreambleSize + header_dict(LONG_MAX, rows, cols).size() + 1;
  return (unpadded + 63) / 64 * 64;
}

std::string npy_header(long count, int rows, int cols, std::size_t size) {
  std::string dict = header_dict(count, rows, cols);
  dict.append(size - kPreambleSize - dict.size() - 1, ' ');
  dict += '\n';
  const std::size_t dict_size = dict.size();
  std::string header("\x93NUMPY\x01\x00", 8);
  header += static_cast<char>(dict_size & 0xff);
  header += static_cast<char>(dict_size >> 8);
  return header + dict;
}

}  // namespace

struct NpzArrayWriter::Impl {
  // The .npy stream is an already-unlinked file beside the destination:
  // nothing is left behind however the process ends, and the destination's
  // file system (chosen by the user for large output) holds the bulk data.
  std::FILE* npy = nullptr;
  std::unique_ptr<char[]> buffer;
  std::size_t header_size = 0;
  std::string zip_temp;  // non-empty while the archive exists under a temporary name
  bool finished = false;
  bool committed = false;

  ~Impl() {
    if (npy != nullptr) std::fclose(npy);
    if (!zip_temp.empty()) unlink(zip_temp.c_str());
  }
};

NpzArrayWriter::NpzArrayWriter(std::string path, int rows, int cols)
    : impl_(std::make_unique<Impl>()), path_(std::move(path)), rows_(rows), cols_(cols) {
  if (rows <= 0 || cols <= 0) throw std::invalid_argument("NpzArrayWriter: rows and cols must be positive");
  std::string npy_temp;
  const int fd = detail::make_temp_beside(path_, ".npy.tmp", npy_temp);
  unlink(npy_temp.c_str());
  impl_->npy = fdopen(fd, "w+b");
  if (impl_->npy == nullptr) {
    const int err = errno;
    close(fd);
    throw IoError(detail::write_error(path_, err));
  }
  impl_->buffer = std::make_unique<char[]>(detail::kStreamBufferSize);
  std::setvbuf(impl_->npy, impl_->buffer.get(), _IOFBF, detail::kStreamBufferSize);

  impl_->header_size = header_size(rows, cols);
  const std::string header = npy_header(0, rows, cols, impl_->header_size);
  if (std::fwrite(header.data(), 1, header.size(), impl_->npy) != header.size()) {
    throw IoError(detail::write_error(path_, errno));
  }
}

NpzArrayWriter::~NpzArrayWriter() = default;

void NpzArrayWriter::append(const float* item) {
  if (impl_->npy == nullptr) throw std::logic_error("NpzArrayWriter::append after commit for " + path_);
  const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
  // Fail on the first short write (disk full) rather than after hours of scoring.
  if (std::fwrite(item, sizeof(float), n, impl_->npy) != n) throw IoError(detail::write_error(path_, errno));
  ++count_;
}

void NpzArrayWriter::commit() {
  finish();
  publish();
}

void NpzArrayWriter::finish() {
  Impl& out = *impl_;
  if (out.finished || out.npy == nullptr) throw std::logic_error("NpzArrayWriter::finish called twice for " + path_);

  const std::string header = npy_header(count_, rows_, cols_, out.header_size);
  if (std::fflush(out.npy) != 0 || std::fseek(out.npy, 0, SEEK_SET) != 0 ||
      std::fwrite(header.data(), 1, header.size(), out.npy) != header.size() || std::fflush(out.npy) != 0) {
    throw IoError(detail::write_error(path_, errno));
  }
  if (std::ferror(out.npy)) throw IoError(detail::write_error(path_, EIO));
  // libzip reads a FILE* source from its current position, not from `start`.
  if (std::fseek(out.npy, 0, SEEK_SET) != 0) throw IoError(detail::write_error(path_, errno));

  // libzip writes the archive to its own temporary and renames it onto
  // zip_temp at zip_close; zip_temp is renamed onto the destination last, so
  // the destination only ever holds a complete archive.
  const int fd = detail::make_temp_beside(path_, ".tmp", out.zip_temp);
  close(fd);
  int zip_code = 0;
  zip_t* archive = zip_open(out.zip_temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zip_code);
  if (archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, zip_code);
    const std::string message = "can't write '" + path_ + "': " + zip_error_strerror(&error);
    zip_error_fini(&error);
    throw IoError(message);
  }
  auto fail = [&](const std::string& reason) {
    const std::string message = "can't write '" + path_ + "': " + reason;
    zip_discard(archive);
    throw IoError(message);
  };
  zip_source_t* source = zip_source_filep(archive, out.npy, 0, 0);
  if (source == nullptr) fail(zip_strerror(archive));
  out.npy = nullptr;  // libzip closes it when the source is freed
  const zip_int64_t index = zip_file_add(archive, "arr_0.npy", source, 0);
  if (index < 0) {
    zip_source_free(source);
    fail(zip_strerror(archive));
  }
  // Stored, as numpy.savez does: scores barely compress, and deflating
  // genome-scale arrays would cost more time than the scoring.
  if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0) {
    fail(zip_strerror(archive));
  }
  // The member's timestamp would be the temporary file's mtime, making two
  // runs on the same input differ in two bytes; a fixed 1980-01-01 00:00 (the
  // earliest MS-DOS date, as reproducible-build tools use) keeps the archive
  // a function of its data alone.
  constexpr zip_uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;  // (year-1980)<<9 | month<<5 | day
  if (zip_file_set_dostime(archive, static_cast<zip_uint64_t>(index), kDosTime, kDosDate, 0) != 0) {
    fail(zip_strerror(archive));
  }
  if (zip_close(archive) != 0) fail(zip_strerror(archive));

  if (chmod(out.zip_temp.c_str(), detail::new_file_mode()) != 0) throw IoError(detail::write_error(path_, errno));
  out.finished = true;
}

void NpzArrayWriter::publish() {
  Impl& out = *impl_;
  if (!out.finished || out.committed) throw std::logic_error("NpzArrayWriter::publish without finish for " + path_);
  if (std::rename(out.zip_temp.c_str(), path_.c_str()) != 0) throw IoError(detail::write_error(path_, errno));
  out.zip_temp.clear();
  out.committed = true;
}

}  // namespace deeplift
