// The fuzzed entry points, shared by the libFuzzer targets (fuzz_*.cpp,
// built with -DDEEPLIFT_FUZZ=ON by scripts/fuzz) and by the regression test
// that replays every saved input in the normal suite (fuzz_regressions_test.cpp).
//
// Each function feeds the bytes to one parser the way the apps do. A parser
// may reject the input only with a deeplift::Error (typed, with a message
// naming the file); any other exception escapes, and a crash, a sanitizer
// report or a leak fails the fuzzer and the replay alike.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace deeplift::fuzz {

// Bytes as a model file → load_model (safetensors header, architecture JSON,
// tensors, embedded test vectors).
void model_loader(const std::uint8_t* data, std::size_t size);
// Bytes as a FASTA file → every record through check_sequence and the
// one-hot encoder, with record-name coordinates (chr:start-end) parsed.
void fasta(const std::uint8_t* data, std::size_t size);
// Bytes as a BED file over a fixed small genome → open_genome_regions
// (plain, and with --center-width/--clip) and every region fetched.
void bed(const std::uint8_t* data, std::size_t size);
// Bytes as a narrowPeak file over the same genome → open_genome_peaks
// (20 bp windows, with and without --clip) and every window fetched.
void narrowpeak(const std::uint8_t* data, std::size_t size);
// Bytes as a MEME motif file → parse_meme, then what simulate-motifs derives
// from each motif (pseudocounts, log-odds, consensus).
void meme(const std::uint8_t* data, std::size_t size);

// Where the targets put their scratch files (one directory per process).
const std::string& scratch_dir();

}  // namespace deeplift::fuzz
