#include "deeplift/io/npz_reader.hpp"

#include <zip.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

#include "deeplift/errors.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "'<f4' data is read in host order");

namespace deeplift {

long NpyArray::size() const {
  long n = 1;
  for (long d : shape) n *= d;
  return n;
}

namespace {

[[noreturn]] void format_error(const std::string& path, const std::string& problem) {
  throw FormatError("'" + path + "': " + problem);
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

// Reads exactly `n` bytes or reports the member as truncated.
void read_exactly(zip_file_t* file, void* out, std::size_t n, const std::string& path, const std::string& member) {
  auto* bytes = static_cast<char*>(out);
  while (n > 0) {
    const zip_int64_t got = zip_fread(file, bytes, n);
    if (got < 0) throw IoError("can't read '" + path + "': " + member + ": " + zip_file_strerror(file));
    if (got == 0) format_error(path, member + " is truncated");
    bytes += got;
    n -= static_cast<std::size_t>(got);
  }
}

// The .npy header is a Python dict literal, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 200), }
// Only the three keys numpy writes are understood; values are a quoted
// string, True/False, or a tuple of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path, const std::string& member)
      : text_(text), path_(path), member_(member) {}

  void parse(std::string& descr, bool& fortran_order, std::vector<long>& shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "' in the .npy header");
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!have_descr || !have_order || !have_shape)
      fail(".npy header lacks 'descr', 'fortran_order' or 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { format_error(path_, member_ + ": " + problem); }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ >= text_.size()) fail("the .npy header ends early");
    return text_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("malformed .npy header: expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("malformed .npy header: expected a quoted string");
    const auto end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail("malformed .npy header: unterminated string");
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return value;
  }
  bool boolean() {
    peek();
    for (const char* word : {"True", "False"}) {
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return word[0] == 'T';
      }
    }
    fail("malformed .npy header: 'fortran_order' is not True or False");
  }
  std::vector<long> tuple() {
    expect('(');
    std::vector<long> dims;
    while (peek() != ')') {
      if (!std::isdigit(static_cast<unsigned char>(text_[pos_]))) fail("malformed .npy header: bad 'shape'");
      long value = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (value > (std::numeric_limits<long>::max() - 9) / 10) fail("'shape' dimension too large");
        value = value * 10 + (text_[pos_++] - '0');
      }
      dims.push_back(value);
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    return dims;
  }

  const std::string& text_;
  const std::string& path_;
  const std::string& member_;
  std::size_t pos_ = 0;
};

std::string shape_text(const std::vector<long>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

struct NpzArrayReader::Impl {
  std::unique_ptr<zip_t, ZipCloser> archive;
  std::unique_ptr<zip_file_t, ZipFileCloser> file;
  std::string member;
  std::uint64_t remaining = 0;  // floats not yet read
};

NpzArrayReader::NpzArrayReader(const std::string& path, const std::string& name)
    : impl_(std::make_unique<Impl>()), path_(path) {
  Impl& in = *impl_;
  in.member = name + ".npy";
  const std::string& member = in.member;
  int code = 0;
  in.archive.reset(zip_open(path.c_str(), ZIP_RDONLY, &code));
  if (!in.archive) {
    if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS)
      format_error(path, "not an .npz file (not a zip archive)");
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    // libzip appends its own "Read error: " etc.; for the common case say it as samtools would.
    if (code == ZIP_ER_NOENT) reason = "No such file or directory";
    throw IoError("can't open '" + path + "': " + reason);
  }
  zip_t* archive = in.archive.get();

  const zip_int64_t index = zip_name_locate(archive, member.c_str(), 0);
  if (index < 0) {
    std::string members;
    const zip_int64_t count = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < count && i < 10; ++i) {
      const char* entry = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
      members += std::string(i ? ", " : "") + (entry ? entry : "?");
    }
    format_error(path, "no array '" + name + "' (member " + member + "); the archive holds " +
                           (members.empty() ? std::string("nothing") : members));
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw IoError("can't read '" + path + "': " + zip_strerror(archive));
  in.file.reset(zip_fopen_index(archive, static_cast<zip_uint64_t>(index), 0));
  if (!in.file) throw IoError("can't read '" + path + "': " + member + ": " + zip_strerror(archive));
  zip_file_t* file = in.file.get();

  // Preamble: magic "\x93NUMPY", major, minor, then the header length as
  // uint16 (version 1) or uint32 (versions 2 and 3), little-endian.
  unsigned char preamble[8];
  if (stat.size < sizeof preamble) format_error(path, member + " is not an .npy file (too short)");
  read_exactly(file, preamble, sizeof preamble, path, member);
  if (std::memcmp(preamble, "\x93NUMPY", 6) != 0) format_error(path, member + " is not an .npy file (bad magic)");
  const int major = preamble[6];
  std::size_t length_bytes = 0;
  if (major == 1)
    length_bytes = 2;
  else if (major == 2 || major == 3)
    length_bytes = 4;
  else
    format_error(path, member + ": unsupported .npy format version " + std::to_string(major) + "." +
                           std::to_string(preamble[7]));
  unsigned char length_field[4] = {0, 0, 0, 0};
  read_exactly(file, length_field, length_bytes, path, member);
  std::uint64_t header_length = 0;
  for (std::size_t i = length_bytes; i-- > 0;) header_length = header_length << 8 | length_field[i];
  const std::uint64_t data_offset = sizeof preamble + length_bytes + header_length;
  if (data_offset > stat.size) format_error(path, member + " is truncated (header runs past the end)");
  std::string header(header_length, '\0');
  read_exactly(file, header.data(), header.size(), path, member);

  std::string descr;
  bool fortran_order = false;
  HeaderParser(header, path, member).parse(descr, fortran_order, shape_);
  if (descr != "<f4")
    format_error(path, member + ": dtype '" + descr + "'; expected little-endian float32 ('<f4'), as score-seqs writes");
  if (fortran_order) format_error(path, member + ": fortran_order True; expected a C-order array");

  std::uint64_t count = 1;
  for (long d : shape_) {
    if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / 4 / static_cast<std::uint64_t>(d))
      format_error(path, member + ": shape " + shape_text(shape_) + " is too large");
    count *= static_cast<std::uint64_t>(d);
  }
  if (stat.size - data_offset != count * sizeof(float))
    format_error(path, member + ": shape " + shape_text(shape_) + " needs " + std::to_string(count * 4) +
                           " bytes of data, the member holds " + std::to_string(stat.size - data_offset));
  in.remaining = count;
}

NpzArrayReader::~NpzArrayReader() = default;

void NpzArrayReader::read(float* out, std::size_t count) {
  if (count > impl_->remaining)
    throw std::logic_error("NpzArrayReader::read past the end of " + path_);
  read_exactly(impl_->file.get(), out, count * sizeof(float), path_, impl_->member);
  impl_->remaining -= count;
}

NpyArray read_npz_array(const std::string& path, const std::string& name) {
  NpzArrayReader reader(path, name);
  NpyArray array;
  array.shape = reader.shape();
  array.values.resize(static_cast<std::size_t>(array.size()));
  reader.read(array.values.data(), array.values.size());
  return array;
}

}  // namespace deeplift
