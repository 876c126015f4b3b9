#include "deeplift/io/fasta_reader.hpp"
#include "deeplift/io/sequence_source.hpp"

namespace deeplift {

namespace {

class FastaSource : public SequenceSource {
 public:
  explicit FastaSource(const std::string& path) : reader_(path) {}
  bool next(SourceRecord& record) override {
    if (!reader_.next(record_)) return false;
    record.name = std::move(record_.name);
    record.sequence = std::move(record_.sequence);
    record.coordinates = record_coordinates(record.name, static_cast<long>(record.sequence.size()), reader_.path());
    record.track = TrackRange{};
    return true;
  }
  const std::string& path() const override { return reader_.path(); }

 private:
  FastaReader reader_;
  SequenceRecord record_;
};

}  // namespace

std::unique_ptr<SequenceSource> open_fasta_source(const std::string& path) {
  return std::make_unique<FastaSource>(path);
}

}  // namespace deeplift
