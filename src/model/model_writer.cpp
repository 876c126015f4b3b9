#include "deeplift/model/model_writer.hpp"

#include "deeplift/errors.hpp"
#include "deeplift/io/atomic_file.hpp"
#include "deeplift/io/safetensors_writer.hpp"

namespace deeplift {

void write_model(const Model& model, std::FILE* out, const std::map<std::string, std::string>& extra_metadata) {
  if (model.architecture().is_null()) throw Error("the model was built without its architecture JSON; it cannot be written");
  std::map<std::string, std::string> metadata = extra_metadata;
  for (const char* reserved : {"format", "version", "architecture"})
    if (metadata.count(reserved)) throw Error(std::string("model metadata key '") + reserved + "' is reserved");
  metadata["format"] = "deeplift-model";
  metadata["version"] = std::to_string(architecture_format_version(model.architecture()));
  metadata["architecture"] = model.architecture().dump();

  std::vector<NamedTensor> tensors;
  for (const auto& layer : model.layers())
    for (auto& entry : layer->state_dict()) tensors.push_back(std::move(entry));
  write_safetensors(out, tensors, metadata);
}

void write_model(const Model& model, const std::string& path, const std::map<std::string, std::string>& extra_metadata) {
  AtomicFile file(path);
  try {
    write_model(model, file.stream(), extra_metadata);
  } catch (const Error& e) {
    throw Error("can't write '" + path + "': " + e.what());
  }
  file.commit();
}

}  // namespace deeplift
