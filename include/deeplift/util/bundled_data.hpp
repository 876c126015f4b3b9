// The data shipped with the toolkit (the example model, the GATA/TAL1 motifs,
// the architectures), found wherever the programs run from: installed
// (`cmake --install`: <prefix>/bin/<app> and <prefix>/share/deeplift-cpp/),
// or in the build tree of a source checkout (the repository's data/).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace deeplift {

// Where bundled data is looked for, in order: <directory of the running
// executable>/../share/deeplift-cpp (as installed; the relative path follows
// CMake's install directories), then <source tree>/data (the checkout the
// library was built from, if it still exists).
std::vector<std::string> bundled_data_directories();

// The path of bundled file `relative_path` (e.g. "motifs/gata_tal.meme") in
// the first directory that has it; nullopt if none does.
std::optional<std::string> find_bundled_data(const std::string& relative_path);

// True for a bare name such as "gata_tal": no '/', no extension.
bool is_bare_name(const std::string& text);

// What an option naming a file of a bundled kind means: `given` itself when
// it exists or is not a bare name; else, for a bare name, the bundled
// <kind_directory>/<given><extension> (score-seqs --model gata_tal →
// models/gata_tal.safetensors). Throws IoError for a bare name that is
// neither a file nor bundled, listing the bundled names of that kind.
std::string resolve_bundled(const std::string& given, const std::string& kind_directory, const std::string& extension);

}  // namespace deeplift
