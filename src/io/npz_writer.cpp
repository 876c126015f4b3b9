#include "deeplift/io/npz_writer.hpp"

#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "deeplift/errors.hpp"
#include "temp_file.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy header declares '<f4' and zip fields are little-endian: both are written in host order");

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

// The zip container (PKWARE APPNOTE 6.3, sections 4.3 and 4.5.3): one
// stored member "arr_0.npy" at offset 0, always in ZIP64 form (as
// numpy.savez writes its members), so one layout serves every size and the
// local header has a fixed length whatever the final sizes.
const std::string kMemberName = "arr_0.npy";
constexpr std::uint32_t kSizeInExtra = 0xffffffffu;  // "see the ZIP64 extra field"
constexpr std::uint16_t kZip64Version = 45;         // version 4.5: ZIP64
// The member's time: 1980-01-01 00:00, the earliest MS-DOS date (as
// reproducible-build tools use), so the archive is a function of its data
// alone: two runs on the same input give the same bytes.
constexpr std::uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;  // (year-1980)<<9 | month<<5 | day
// A regular file, rw-r--r--, made on Unix (the upper byte of "version made by").
constexpr std::uint32_t kExternalAttributes = 0100644u << 16;
constexpr std::uint16_t kMadeByUnix = (3 << 8) | kZip64Version;

class Bytes {
 public:
  Bytes& u16(std::uint16_t v) { return raw(&v, 2); }
  Bytes& u32(std::uint32_t v) { return raw(&v, 4); }
  Bytes& u64(std::uint64_t v) { return raw(&v, 8); }
  Bytes& text(const std::string& s) { return raw(s.data(), s.size()); }
  const std::string& str() const { return bytes_; }

 private:
  Bytes& raw(const void* data, std::size_t n) {
    bytes_.append(static_cast<const char*>(data), n);
    return *this;
  }
  std::string bytes_;
};

// ZIP64 extended information (APPNOTE 4.5.3): both sizes, and the local
// header's offset where the central directory refers to it.
std::string zip64_sizes(std::uint64_t size) {
  return Bytes().u16(0x0001).u16(16).u64(size).u64(size).str();
}

std::string local_header(std::uint32_t crc, std::uint64_t size) {
  const std::string extra = zip64_sizes(size);
  return Bytes()
      .u32(0x04034b50)
      .u16(kZip64Version)
      .u16(0)  // flags
      .u16(0)  // stored
      .u16(kDosTime)
      .u16(kDosDate)
      .u32(crc)
      .u32(kSizeInExtra)
      .u32(kSizeInExtra)
      .u16(static_cast<std::uint16_t>(kMemberName.size()))
      .u16(static_cast<std::uint16_t>(extra.size()))
      .text(kMemberName)
      .text(extra)
      .str();
}

// The central directory, the ZIP64 end of central directory record and its
// locator, and the end of central directory record, for a member of `size`
// bytes whose local header is at offset 0 and ends at `central_offset`.
std::string archive_end(std::uint32_t crc, std::uint64_t size, std::uint64_t central_offset) {
  const std::string extra = Bytes().u16(0x0001).u16(24).u64(size).u64(size).u64(0).str();
  const std::string central = Bytes()
                                  .u32(0x02014b50)
                                  .u16(kMadeByUnix)
                                  .u16(kZip64Version)
                                  .u16(0)
                                  .u16(0)
                                  .u16(kDosTime)
                                  .u16(kDosDate)
                                  .u32(crc)
                                  .u32(kSizeInExtra)
                                  .u32(kSizeInExtra)
                                  .u16(static_cast<std::uint16_t>(kMemberName.size()))
                                  .u16(static_cast<std::uint16_t>(extra.size()))
                                  .u16(0)  // comment
                                  .u16(0)  // disk
                                  .u16(0)  // internal attributes
                                  .u32(kExternalAttributes)
                                  .u32(kSizeInExtra)  // local header offset: in the extra field
                                  .text(kMemberName)
                                  .text(extra)
                                  .str();
  const std::uint64_t zip64_end_offset = central_offset + central.size();
  return Bytes()
      .text(central)
      // ZIP64 end of central directory record (APPNOTE 4.3.14).
      .u32(0x06064b50)
      .u64(44)  // size of the rest of this record
      .u16(kMadeByUnix)
      .u16(kZip64Version)
      .u32(0)  // this disk
      .u32(0)  // disk of the central directory
      .u64(1)  // entries on this disk
      .u64(1)  // entries
      .u64(central.size())
      .u64(central_offset)
      // Its locator (4.3.15).
      .u32(0x07064b50)
      .u32(0)
      .u64(zip64_end_offset)
      .u32(1)  // disks
      // End of central directory record (4.3.16), its fields in the ZIP64 record.
      .u32(0x06054b50)
      .u16(0)
      .u16(0)
      .u16(1)
      .u16(1)
      .u32(static_cast<std::uint32_t>(central.size()))
      .u32(kSizeInExtra)
      .u16(0)  // comment
      .str();
}

}  // namespace

struct NpzArrayWriter::Impl {
  // The archive being written. When the file system allows, it is unnamed
  // until finish() (open_unnamed_beside), so a killed run leaves no bulk
  // data behind; otherwise it is the hidden temporary `temp`.
  std::FILE* stream = nullptr;
  std::unique_ptr<char[]> buffer;
  std::string temp;  // non-empty while the archive has a temporary name
  std::size_t npy_header_size = 0;
  std::uint32_t data_crc = 0;  // CRC-32 of the items appended so far
  std::uint64_t data_bytes = 0;
  bool finished = false;
  bool committed = false;

  ~Impl() {
    if (stream != nullptr) std::fclose(stream);
    if (!temp.empty()) unlink(temp.c_str());
  }

  void write(const std::string& bytes, const std::string& path) const {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stream) != bytes.size())
      throw IoError(detail::write_error(path, errno));
  }
};

NpzArrayWriter::NpzArrayWriter(std::string path, int rows, int cols)
    : impl_(std::make_unique<Impl>()), path_(std::move(path)), rows_(rows), cols_(cols) {
  if (rows <= 0 || cols <= 0) throw std::invalid_argument("NpzArrayWriter: rows and cols must be positive");
  Impl& out = *impl_;
  int fd = detail::open_unnamed_beside(path_);
  if (fd < 0) fd = detail::make_temp_beside(path_, ".tmp", out.temp);
  out.stream = fdopen(fd, "w+b");
  if (out.stream == nullptr) {
    const int err = errno;
    close(fd);
    throw IoError(detail::write_error(path_, err));
  }
  out.buffer = std::make_unique<char[]>(detail::kStreamBufferSize);
  std::setvbuf(out.stream, out.buffer.get(), _IOFBF, detail::kStreamBufferSize);
  // Placeholders of the final sizes, written again at finish().
  out.npy_header_size = header_size(rows, cols);
  out.write(local_header(0, 0), path_);
  out.write(npy_header(0, rows, cols, out.npy_header_size), path_);
}

NpzArrayWriter::~NpzArrayWriter() = default;

void NpzArrayWriter::append(const float* item) {
  Impl& out = *impl_;
  if (out.finished) throw std::logic_error("NpzArrayWriter::append after commit for " + path_);
  const std::size_t n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_);
  // Fail on the first short write (disk full) rather than after hours of scoring.
  if (std::fwrite(item, sizeof(float), n, out.stream) != n) throw IoError(detail::write_error(path_, errno));
  out.data_crc = static_cast<std::uint32_t>(libdeflate_crc32(out.data_crc, item, n * sizeof(float)));
  out.data_bytes += n * sizeof(float);
  ++count_;
}

void NpzArrayWriter::commit() {
  finish();
  publish();
}

void NpzArrayWriter::finish() {
  Impl& out = *impl_;
  if (out.finished || out.stream == nullptr) throw std::logic_error("NpzArrayWriter::finish called twice for " + path_);
  // The member is the final .npy header and the items; its CRC-32 joins the
  // header's to the items' (zlib's crc32_combine), so no byte is read back.
  const std::string header = npy_header(count_, rows_, cols_, out.npy_header_size);
  const std::uint64_t member_size = header.size() + out.data_bytes;
  const std::uint32_t crc = static_cast<std::uint32_t>(crc32_combine(
      crc32(0, reinterpret_cast<const Bytef*>(header.data()), static_cast<uInt>(header.size())), out.data_crc,
      static_cast<z_off_t>(out.data_bytes)));
  const std::string local = local_header(crc, member_size);
  out.write(archive_end(crc, member_size, local.size() + member_size), path_);
  if (std::fflush(out.stream) != 0 || std::fseek(out.stream, 0, SEEK_SET) != 0) {
    throw IoError(detail::write_error(path_, errno));
  }
  out.write(local, path_);
  out.write(header, path_);
  int err = 0;
  if (std::fflush(out.stream) != 0) err = errno;
  // A failed fwrite long before commit leaves only the error flag; its errno is gone.
  if (err == 0 && std::ferror(out.stream)) err = EIO;
  const int fd = fileno(out.stream);
  if (err == 0 && fchmod(fd, detail::new_file_mode()) != 0) err = errno;
  if (err != 0) throw IoError(detail::write_error(path_, err));
  if (out.temp.empty()) out.temp = detail::link_beside(fd, path_, ".tmp");
  if (std::fclose(out.stream) != 0) err = errno;
  out.stream = nullptr;
  if (err != 0) throw IoError(detail::write_error(path_, err));
  out.finished = true;
}

void NpzArrayWriter::publish() {
  Impl& out = *impl_;
  if (!out.finished || out.committed) throw std::logic_error("NpzArrayWriter::publish without finish for " + path_);
  if (std::rename(out.temp.c_str(), path_.c_str()) != 0) throw IoError(detail::write_error(path_, errno));
  out.temp.clear();
  out.committed = true;
}

}  // namespace deeplift
