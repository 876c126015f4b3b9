// Writes a Model back to a docs/model-format.md file: every layer's state_dict() in
// layer order (PyTorch names and layouts), and "__metadata__" with format,
// version and the architecture JSON the model was built from. load_model
// reads it back to the same parameters.
#pragma once
#include <cstdio>
#include <map>
#include <string>

#include "deeplift/model/model.hpp"

namespace deeplift {

// Written to a temporary file and renamed into place (docs/outputs.md), so a
// failed run leaves no partial model. `extra_metadata` adds keys (docs/model-format.md
// allows them); it may not override format, version or architecture.
// Throws IoError naming `path`, or Error if the model has no architecture.
void write_model(const Model& model, const std::string& path,
                 const std::map<std::string, std::string>& extra_metadata = {});

// The same into an open stream (e.g. an AtomicFile opened before a long
// training run, so an unwritable destination fails first, not last).
void write_model(const Model& model, std::FILE* out, const std::map<std::string, std::string>& extra_metadata = {});

}  // namespace deeplift
