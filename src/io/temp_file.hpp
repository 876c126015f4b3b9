// Private helpers shared by the writers in src/io: temporary files that live
// next to their destination, so the final rename(2) stays on one file system
// and is atomic (docs/outputs.md).
#pragma once
#include <sys/types.h>

#include <cstddef>

#include <string>

namespace deeplift::detail {

// "can't write '<path>': <strerror(err)>", the one message every writer uses
// for a destination it cannot create, write or rename.
std::string write_error(const std::string& path, int err);

// Creates "<dir of path>/.<name of path><tag>.XXXXXX" with mkstemp and
// returns its descriptor; `temp_path` receives the name. Throws IoError
// naming `path` (not the temporary) when the directory is missing or
// unwritable or `path` is a directory, because that is the file the user
// asked for.
int make_temp_beside(const std::string& path, const char* tag, std::string& temp_path);

// The mode open(2) would give a new file (0666 minus the umask). mkstemp
// creates 0600, which would make every output private to its owner.
mode_t new_file_mode();

// Byte size of the stdio buffer given to output and spill streams: large
// enough that genome-scale bedGraph/npz output is not dominated by syscalls.
constexpr std::size_t kStreamBufferSize = std::size_t{1} << 20;

}  // namespace deeplift::detail
