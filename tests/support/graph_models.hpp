// Test helper: small graph models (docs/graph-models.md) written as model
// files, and an independent float64 interpreter of their architecture JSON
// for checking forward passes, targets and finite differences.
//
// The interpreter shares no code with the library: plain loops over
// std::vector<double>, written from the format description.
#pragma once
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_file.hpp"

namespace deeplift::testing_support {

// BPNet-like residual trunk with a profile head and a counts head.
// "same" style (bpnet-lite): conv c0 (4→F, k5, same) · relu r0 · per dilated
// layer i = 1..n: conv ci (F→F, k3, dilation 2^i, same) · relu ri · add ai
// [previous, ri]; conv pconv (F→S, k5, same) · crop1d profile (length
// `out_length`); crop1d cwin (length out_length + 4) · avgpool1d gap ·
// flatten · dense counts (F→1).
// "valid" style (Keras twin): valid convs and the residual cropped by the
// dilation on each side: add ai [ri, crop1d(previous, left=right=2^i)].
struct GraphModelSpec {
  int length = 40;
  int filters = 4;
  int dilated = 2;
  int strands = 2;
  int out_length = 10;
  std::string style = "same";
};

inline nlohmann::json conv_spec(const std::string& name, int in, int out, int k, int dilation, const std::string& padding,
                                const std::string& input) {
  nlohmann::json spec = {{"type", "conv1d"}, {"name", name},   {"in_channels", in},
                         {"out_channels", out}, {"kernel_size", k}, {"dilation", dilation},
                         {"padding", padding}};
  if (!input.empty()) spec["inputs"] = {input};
  return spec;
}

inline nlohmann::json graph_architecture(const GraphModelSpec& g) {
  const bool same = g.style == "same";
  const std::string padding = same ? "same" : "valid";
  nlohmann::json layers = nlohmann::json::array();
  layers.push_back(conv_spec("c0", 4, g.filters, 5, 1, padding, "input"));
  layers.push_back({{"type", "relu"}, {"name", "r0"}});
  std::string previous = "r0";
  for (int i = 1; i <= g.dilated; ++i) {
    const int d = 1 << i;
    const std::string n = std::to_string(i);
    layers.push_back(conv_spec("c" + n, g.filters, g.filters, 3, d, padding, previous));
    layers.push_back({{"type", "relu"}, {"name", "r" + n}});
    if (same) {
      layers.push_back({{"type", "add"}, {"name", "a" + n}, {"inputs", {previous, "r" + n}}});
    } else {
      layers.push_back({{"type", "crop1d"}, {"name", "k" + n}, {"left", d}, {"right", d}, {"inputs", {previous}}});
      layers.push_back({{"type", "add"}, {"name", "a" + n}, {"inputs", {"r" + n, "k" + n}}});
    }
    previous = "a" + n;
  }
  layers.push_back(conv_spec("pconv", g.filters, g.strands, 5, 1, padding, previous));
  layers.push_back({{"type", "crop1d"}, {"name", "profile"}, {"length", g.out_length}});
  layers.push_back({{"type", "crop1d"}, {"name", "cwin"}, {"length", g.out_length + 4}, {"inputs", {previous}}});
  layers.push_back({{"type", "avgpool1d"}, {"name", "gap"}, {"kernel_size", g.out_length + 4}});
  layers.push_back({{"type", "flatten"}, {"name", "f"}});
  layers.push_back({{"type", "dense"}, {"name", "counts"}, {"in_features", g.filters}, {"out_features", 1}});
  return {{"input", {{"alphabet", "ACGT"}, {"length", g.length}}},
          {"layers", layers},
          {"outputs", {{{"name", "profile"}, {"layer", "profile"}}, {{"name", "counts"}, {"layer", "counts"}}}}};
}

// Random tensors for every conv1d/dense layer of `architecture`.
inline std::map<std::string, TensorSpec> random_tensors(const nlohmann::json& architecture, unsigned seed,
                                                        float weight_scale = 0.5f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::map<std::string, TensorSpec> tensors;
  auto fill = [&](std::vector<int64_t> shape, float scale) {
    TensorSpec t{shape, {}};
    int64_t n = 1;
    for (auto d : shape) n *= d;
    for (int64_t i = 0; i < n; ++i) t.values.push_back(scale * normal(rng));
    return t;
  };
  for (const auto& spec : architecture["layers"]) {
    const std::string type = spec["type"], name = spec.value("name", std::string());
    if (type == "conv1d") {
      const int in = spec["in_channels"], out = spec["out_channels"], k = spec["kernel_size"];
      tensors[name + ".weight"] = fill({out, in, k}, weight_scale / std::sqrt(static_cast<float>(in * k)) * 2.0f);
      tensors[name + ".bias"] = fill({out}, 0.2f);
    } else if (type == "dense") {
      const int in = spec["in_features"], out = spec["out_features"];
      tensors[name + ".weight"] = fill({out, in}, weight_scale / std::sqrt(static_cast<float>(in)) * 2.0f);
      tensors[name + ".bias"] = fill({out}, 0.2f);
    }
  }
  return tensors;
}

inline void write_graph_model(const std::string& path, const nlohmann::json& architecture,
                              const std::map<std::string, TensorSpec>& tensors) {
  write_model_file(path, architecture, tensors, {{"version", "2"}});
}

// ---- Independent float64 interpreter ------------------------------------

// Activations of one sequence: [channels][length].
using Activation = std::vector<std::vector<double>>;

struct ReferenceGraph {
  nlohmann::json architecture;
  std::map<std::string, TensorSpec> tensors;

  // Every layer's output by name ("input" = x), for one sequence x [4][L].
  std::map<std::string, Activation> run(const Activation& x) const {
    std::map<std::string, Activation> values{{"input", x}};
    std::string previous = "input";
    int index = 0;
    for (const auto& spec : architecture["layers"]) {
      const std::string type = spec["type"];
      const std::string name = spec.contains("name") ? spec["name"].get<std::string>() : type + std::to_string(index);
      ++index;
      std::vector<std::string> inputs;
      if (spec.contains("inputs"))
        for (const auto& i : spec["inputs"]) inputs.push_back(i);
      else
        inputs.push_back(previous);
      const Activation& a = values.at(inputs[0]);
      const size_t channels = a.size(), length = a[0].size();
      Activation y;
      if (type == "conv1d") {
        const auto& w = tensors.at(name + ".weight");
        const auto& b = tensors.at(name + ".bias");
        const int out = spec["out_channels"], k = spec["kernel_size"];
        const int d = spec.value("dilation", 1);
        const int span = (k - 1) * d + 1;
        int pad_left = 0, out_length = static_cast<int>(length) - span + 1;
        if (spec.value("padding", std::string("valid")) == "same") {
          pad_left = (span - 1) / 2;
          out_length = static_cast<int>(length);
        }
        y.assign(out, std::vector<double>(out_length));
        for (int o = 0; o < out; ++o)
          for (int l = 0; l < out_length; ++l) {
            double sum = b.values[o];
            for (size_t c = 0; c < channels; ++c)
              for (int j = 0; j < k; ++j) {
                const int p = l - pad_left + j * d;
                if (p < 0 || p >= static_cast<int>(length)) continue;
                sum += static_cast<double>(w.values[(o * channels + c) * k + j]) * a[c][p];
              }
            y[o][l] = sum;
          }
      } else if (type == "relu") {
        y = a;
        for (auto& row : y)
          for (auto& v : row) v = v > 0 ? v : 0;
      } else if (type == "add") {
        y = a;
        for (size_t i = 1; i < inputs.size(); ++i)
          for (size_t c = 0; c < channels; ++c)
            for (size_t l = 0; l < length; ++l) y[c][l] += values.at(inputs[i])[c][l];
      } else if (type == "concat") {
        for (const auto& input : inputs)
          for (const auto& row : values.at(input)) y.push_back(row);
      } else if (type == "crop1d") {
        int left = spec.value("left", 0), right = spec.value("right", 0);
        if (spec.contains("length")) {
          const int keep = spec["length"];
          left = (static_cast<int>(length) - keep) / 2;
          right = static_cast<int>(length) - keep - left;
        }
        for (const auto& row : a) y.emplace_back(row.begin() + left, row.end() - right);
      } else if (type == "maxpool1d") {
        const int k = spec["kernel_size"], stride = spec.value("stride", k);
        const int out_length = (static_cast<int>(length) - k) / stride + 1;
        y.assign(channels, std::vector<double>(out_length));
        for (size_t c = 0; c < channels; ++c)
          for (int l = 0; l < out_length; ++l) {
            double top = a[c][l * stride];
            for (int j = 1; j < k; ++j) top = std::max(top, a[c][l * stride + j]);
            y[c][l] = top;
          }
      } else if (type == "avgpool1d") {
        const int k = spec["kernel_size"], stride = spec.value("stride", k);
        const int out_length = (static_cast<int>(length) - k) / stride + 1;
        y.assign(channels, std::vector<double>(out_length));
        for (size_t c = 0; c < channels; ++c)
          for (int l = 0; l < out_length; ++l) {
            double sum = 0;
            for (int j = 0; j < k; ++j) sum += a[c][l * stride + j];
            y[c][l] = sum / k;
          }
      } else if (type == "flatten") {
        y.assign(channels * length, std::vector<double>(1));
        for (size_t c = 0; c < channels; ++c)
          for (size_t l = 0; l < length; ++l) y[c * length + l][0] = a[c][l];
      } else if (type == "dense") {
        const auto& w = tensors.at(name + ".weight");
        const auto& b = tensors.at(name + ".bias");
        const int out = spec["out_features"];
        y.assign(out, std::vector<double>(1));
        for (int o = 0; o < out; ++o) {
          double sum = b.values[o];
          for (size_t i = 0; i < channels; ++i) sum += static_cast<double>(w.values[o * channels + i]) * a[i][0];
          y[o][0] = sum;
        }
      } else {
        throw std::runtime_error("reference interpreter: no layer type " + type);
      }
      values[name] = y;
      previous = name;
    }
    return values;
  }

  // f = Σ softmax(z̃)·z̃ of a profile output, written out again here.
  static double profile_f(const Activation& z) {
    std::vector<double> flat;
    for (const auto& row : z) flat.insert(flat.end(), row.begin(), row.end());
    double mean = 0;
    for (double v : flat) mean += v;
    mean /= static_cast<double>(flat.size());
    double top = -1e300, total = 0, f = 0;
    for (double& v : flat) top = std::max(top, v -= mean);
    for (double v : flat) total += std::exp(v - top);
    for (double v : flat) f += std::exp(v - top) / total * v;
    return f;
  }

  // Every task's target (outputs in order; a profile output's f, a scalar output's values).
  std::vector<double> targets(const Activation& x) const {
    const auto values = run(x);
    std::vector<double> result;
    for (const auto& output : architecture["outputs"]) {
      const Activation& z = values.at(output["layer"].get<std::string>());
      if (z[0].size() > 1) {
        result.push_back(profile_f(z));
      } else {
        for (const auto& row : z) result.push_back(row[0]);
      }
    }
    return result;
  }
};

// Sequence n of a [4, L*count] batch as an Activation.
template <typename MatrixType>
Activation sequence_of(const MatrixType& batch, int length, int n) {
  Activation x(4, std::vector<double>(length));
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < length; ++l) x[c][l] = batch(c, static_cast<long>(n) * length + l);
  return x;
}

}  // namespace deeplift::testing_support
