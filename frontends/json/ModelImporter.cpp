//===- ModelImporter.cpp - JSON model descriptions to the cnn dialect -----===//
//
// The import runs in three steps: parse the JSON (syntax errors carry line and
// column), check the graph as a whole (names, unknown ops, dangling inputs,
// cycles; all unknown ops are reported together), then build one function in
// topological order, reading each layer's attributes and parameters. Op
// builders infer every result type; an inference failure is reported at the
// layer's location.
//
//===----------------------------------------------------------------------===//

#include "frontends/json/ModelImporter.h"
#include "frontends/json/Safetensors.h"

#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <set>

using namespace mlir;
using namespace mlir::cnn;
using json = nlohmann::json;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Renders a JSON value briefly for diagnostics.
std::string brief(const json &value) {
  std::string text = value.dump();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

//===----------------------------------------------------------------------===//
// Layer attributes
//===----------------------------------------------------------------------===//

/// Typed access to one layer's "attrs" object. Every problem is reported at
/// the layer with the attribute's JSON path; `failed()` tells whether any
/// occurred. `finish()` rejects attributes the op does not know.
class LayerAttrs {
public:
  LayerAttrs(const json *attrs, Location loc, std::string layerDesc,
             std::string path)
      : attrs(attrs), loc(loc), layerDesc(std::move(layerDesc)),
        path(std::move(path)) {}

  bool has(StringRef key) const { return attrs && attrs->contains(key.str()); }

  int64_t integer(StringRef key, std::optional<int64_t> fallback = {}) {
    const json *v = get(key, fallback.has_value());
    if (!v)
      return fallback.value_or(0);
    if (!v->is_number_integer())
      return bad(key, *v, "an integer"), 0;
    return v->get<int64_t>();
  }

  double number(StringRef key, std::optional<double> fallback = {}) {
    const json *v = get(key, fallback.has_value());
    if (!v)
      return fallback.value_or(0.0);
    if (!v->is_number())
      return bad(key, *v, "a number"), 0.0;
    return v->get<double>();
  }

  bool boolean(StringRef key, bool fallback) {
    const json *v = get(key, true);
    if (!v)
      return fallback;
    if (!v->is_boolean())
      return bad(key, *v, "true or false"), fallback;
    return v->get<bool>();
  }

  std::string keyword(StringRef key, ArrayRef<StringRef> options,
                      std::optional<StringRef> fallback = {}) {
    const json *v = get(key, fallback.has_value());
    if (!v)
      return fallback.value_or(options.front()).str();
    if (v->is_string()) {
      std::string s = v->get<std::string>();
      if (llvm::is_contained(options, StringRef(s)))
        return s;
    }
    std::string expected = "one of";
    for (StringRef option : options)
      expected += " \"" + option.str() + "\"";
    bad(key, *v, expected);
    return options.front().str();
  }

  /// A list of integers; a single integer stands for `size` copies when
  /// `size` is given.
  SmallVector<int64_t> integers(StringRef key,
                                std::optional<SmallVector<int64_t>> fallback,
                                std::optional<size_t> size = {}) {
    const json *v = get(key, fallback.has_value());
    if (!v)
      return fallback.value_or(SmallVector<int64_t>{});
    if (v->is_number_integer() && size)
      return SmallVector<int64_t>(*size, v->get<int64_t>());
    SmallVector<int64_t> result;
    if (v->is_array()) {
      for (const json &e : *v) {
        if (!e.is_number_integer()) {
          result.clear();
          break;
        }
        result.push_back(e.get<int64_t>());
      }
      if (result.size() == v->size() && (!size || result.size() == *size))
        return result;
    }
    bad(key, *v,
        size
            ? llvm::formatv("an integer or a list of {0} integers", *size).str()
            : std::string("a list of integers"));
    return SmallVector<int64_t>(size.value_or(0), 1);
  }

  /// A list of `size` numbers, or one number standing for all of them.
  SmallVector<float> numbers(StringRef key, size_t size) {
    const json *v = get(key, false);
    if (!v)
      return SmallVector<float>(size, 1.0f);
    if (v->is_number())
      return SmallVector<float>(size, v->get<float>());
    if (v->is_array() && v->size() == size &&
        llvm::all_of(*v, [](const json &e) { return e.is_number(); })) {
      SmallVector<float> result;
      for (const json &e : *v)
        result.push_back(e.get<float>());
      return result;
    }
    bad(key, *v,
        llvm::formatv("a number or a list of {0} numbers", size).str());
    return SmallVector<float>(size, 1.0f);
  }

  /// Padding of conv and pool layers: p, [h, w] or [top, left, bottom, right].
  SmallVector<int64_t> padding(StringRef key) {
    const json *v = get(key, true);
    if (!v)
      return {0, 0, 0, 0};
    if (v->is_number_integer())
      return SmallVector<int64_t>(4, v->get<int64_t>());
    if (v->is_array() && (v->size() == 2 || v->size() == 4) &&
        llvm::all_of(*v, [](const json &e) { return e.is_number_integer(); })) {
      SmallVector<int64_t> p;
      for (const json &e : *v)
        p.push_back(e.get<int64_t>());
      if (p.size() == 2)
        return {p[0], p[1], p[0], p[1]};
      return p;
    }
    bad(key, *v, "an integer, [h, w] or [top, left, bottom, right]");
    return {0, 0, 0, 0};
  }

  /// Reports attributes that were never read.
  LogicalResult finish(ArrayRef<StringRef> ignored = {}) {
    if (attrs && attrs->is_object()) {
      for (auto &[key, value] : attrs->items()) {
        if (read.contains(key) || llvm::is_contained(ignored, StringRef(key)))
          continue;
        std::vector<std::string> keys;
        for (StringRef k : read.keys())
          keys.push_back(k.str());
        llvm::sort(keys);
        std::string known = llvm::join(keys, ", ");
        emitError(loc) << layerDesc << ": unknown attribute '" << key << "' at "
                       << path << "/" << key
                       << (known.empty() ? " (the op takes no attributes)"
                                         : " (known: " + known + ")");
        failedFlag = true;
      }
    }
    return failure(failedFlag);
  }

  bool failed() const { return failedFlag; }

  /// Reports a semantic problem with one attribute.
  void invalid(StringRef key, const Twine &message) {
    emitError(loc) << layerDesc << ": attribute '" << key << "' at " << path
                   << "/" << key << " " << message;
    failedFlag = true;
  }

private:
  const json *get(StringRef key, bool optional) {
    read.insert(key);
    if (attrs && attrs->is_object()) {
      auto it = attrs->find(key.str());
      if (it != attrs->end())
        return &*it;
    }
    if (!optional) {
      emitError(loc) << layerDesc << ": missing attribute '" << key << "' at "
                     << path;
      failedFlag = true;
    }
    return nullptr;
  }

  void bad(StringRef key, const json &value, const Twine &expected) {
    emitError(loc) << layerDesc << ": attribute '" << key << "' at " << path
                   << "/" << key << " must be " << expected << ", got "
                   << brief(value);
    failedFlag = true;
  }

  const json *attrs;
  Location loc;
  std::string layerDesc, path;
  llvm::StringSet<> read;
  bool failedFlag = false;
};

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

struct Layer {
  std::string name, op, path;
  const json *node = nullptr;
  std::vector<std::string> inputs;
  Location loc;
};

class Importer {
public:
  Importer(MLIRContext *context, StringRef path, const ImportOptions &options)
      : context(context), path(path.str()), options(options), builder(context),
        fileLoc(FileLineColLoc::get(context, path, 1, 1)) {}

  OwningOpRef<ModuleOp> run();

private:
  // Steps of run().
  LogicalResult parse();
  LogicalResult readHeader();
  LogicalResult readTraining();
  LogicalResult readLayers();
  LogicalResult sortLayers();
  LogicalResult openWeights();
  LogicalResult build(ModuleOp module);
  LogicalResult convert(const Layer &layer);

  // Locations and diagnostics.
  Location locAt(size_t offset);
  /// `occurrence` counts earlier objects of the same name (duplicates).
  Location namedLoc(StringRef name, StringRef section, unsigned occurrence = 0);
  InFlightDiagnostic error(const Twine &message) {
    return emitError(fileLoc) << message;
  }

  // Values.
  FailureOr<Value> input(const Layer &layer, size_t index);
  FailureOr<Value> parameter(const Layer &layer, StringRef suffix,
                             ArrayRef<int64_t> shape, int64_t fanIn,
                             float constant = 0.0f, bool random = false);
  Value scalar(Location loc, double value);

  MLIRContext *context;
  std::string path;
  ImportOptions options;
  OpBuilder builder;
  Location fileLoc;

  std::string text;
  json doc;
  std::string modelName;
  DictionaryAttr training;
  std::vector<Layer> layers;
  std::vector<const Layer *> order;
  llvm::StringMap<size_t> layerIndex;
  llvm::StringMap<Value> values;
  std::vector<std::pair<std::string, RankedTensorType>> inputs;
  std::vector<std::string> outputs;
  std::unique_ptr<SafetensorsFile> weights;
  std::string weightsFile;
  llvm::StringSet<> usedTensors;
};

Location Importer::locAt(size_t offset) {
  unsigned line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return FileLineColLoc::get(context, path, line, column);
}

/// A layer's or input's location: its name, at the line of the description
/// where its object starts (found by a textual search for its "name" entry
/// after the "layers" or "inputs" key).
Location Importer::namedLoc(StringRef name, StringRef section,
                            unsigned occurrence) {
  size_t from = text.find(("\"" + section + "\"").str());
  size_t offset = std::string::npos;
  std::string quoted = json(name.str()).dump();
  for (size_t pos = text.find(quoted, from == std::string::npos ? 0 : from);
       pos != std::string::npos; pos = text.find(quoted, pos + 1)) {
    // Accept `"name" : "<name>"` only.
    size_t colon = text.find_last_not_of(" \t\r\n", pos - 1);
    if (colon == std::string::npos || text[colon] != ':')
      continue;
    size_t keyEnd = text.find_last_not_of(" \t\r\n", colon - 1);
    if (keyEnd != std::string::npos && keyEnd >= 5 &&
        text.compare(keyEnd - 5, 6, "\"name\"") == 0 && occurrence-- == 0) {
      offset = text.rfind('{', keyEnd);
      break;
    }
  }
  Location where = offset == std::string::npos ? fileLoc : locAt(offset);
  return NameLoc::get(StringAttr::get(context, name), where);
}

LogicalResult Importer::parse() {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return error("cannot open model description: " +
                 buffer.getError().message());
  text = (*buffer)->getBuffer().str();
  // Syntax errors come back as a discarded value; a SAX pass over the same
  // text recovers the position and the parser's message.
  doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded())
    return success();

  struct ErrorFinder : nlohmann::json_sax<json> {
    size_t position = 0;
    std::string message;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t &) override {
      return true;
    }
    bool string(string_t &) override { return true; }
    bool binary(binary_t &) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t &) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t pos, const std::string &,
                     const nlohmann::detail::exception &ex) override {
      position = pos;
      message = ex.what();
      return false;
    }
  } finder;
  json::sax_parse(text, &finder, nlohmann::detail::input_format_t::json,
                  /*strict=*/true);
  // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
  StringRef message = finder.message;
  if (size_t end = message.find("] "); end != StringRef::npos)
    message = message.drop_front(end + 2);
  emitError(locAt(finder.position ? finder.position - 1 : 0))
      << "malformed JSON: " << message;
  return failure();
}

LogicalResult Importer::readHeader() {
  if (!doc.is_object())
    return error("the model description must be a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || *format != "cnnc-model")
    return error("/format must be \"cnnc-model\"");
  auto version = doc.find("version");
  if (version == doc.end() || *version != 1)
    return error("/version must be 1");
  auto name = doc.find("name");
  if (name == doc.end() || !name->is_string() ||
      name->get<std::string>().empty())
    return error("/name must be a non-empty string");
  modelName = name->get<std::string>();

  auto inputList = doc.find("inputs");
  if (inputList == doc.end() || !inputList->is_array() || inputList->empty())
    return error("/inputs must be a non-empty list");
  for (auto [index, entry] : llvm::enumerate(*inputList)) {
    std::string where = "/inputs/" + std::to_string(index);
    if (!entry.is_object() || !entry.contains("name") ||
        !entry["name"].is_string() || entry["name"].get<std::string>().empty())
      return error(where + " must be an object with a non-empty \"name\"");
    std::string inputName = entry["name"].get<std::string>();
    auto shape = entry.find("shape");
    SmallVector<int64_t> dims;
    if (shape != entry.end() && shape->is_array() && !shape->empty())
      for (const json &d : *shape)
        if (d.is_number_integer() && d.get<int64_t>() > 0)
          dims.push_back(d.get<int64_t>());
    if (shape == entry.end() || !shape->is_array() || shape->empty() ||
        dims.size() != shape->size())
      return error(where + "/shape of input '" + inputName +
                   "' must be a non-empty list of positive integers");
    if (auto dtype = entry.find("dtype");
        dtype != entry.end() && *dtype != "f32")
      return error(where + "/dtype of input '" + inputName + "' is " +
                   brief(*dtype) + "; cnnc supports \"f32\"");
    if (options.batch)
      dims[0] = *options.batch;
    inputs.emplace_back(inputName,
                        RankedTensorType::get(dims, builder.getF32Type()));
  }

  auto outputList = doc.find("outputs");
  if (outputList == doc.end() || !outputList->is_array() || outputList->empty())
    return error("/outputs must be a non-empty list of layer names");
  for (auto [index, entry] : llvm::enumerate(*outputList)) {
    if (!entry.is_string())
      return error("/outputs/" + std::to_string(index) +
                   " must be a layer name, got " + brief(entry));
    outputs.push_back(entry.get<std::string>());
  }
  return success();
}

/// The optional "training" block, checked and kept as a dictionary on the
/// module (kTrainingAttr) with every default filled in.
LogicalResult Importer::readTraining() {
  auto block = doc.find("training");
  if (block == doc.end())
    return success();
  if (!block->is_object())
    return error("/training must be an object");
  static const char *const kKeys[] = {"loss", "optimizer", "batch", "epochs"};
  for (auto &[key, value] : block->items())
    if (!llvm::is_contained(kKeys, key))
      return error("/training: unknown key '" + key +
                   "' (expected loss, optimizer, batch, epochs)");
  auto loss = block->find("loss");
  if (loss == block->end() || !loss->is_string() ||
      (*loss != "cross_entropy" && *loss != "mse" && *loss != "triplet"))
    return error("/training/loss must be \"cross_entropy\", \"mse\" or "
                 "\"triplet\"");
  auto optimizer = block->find("optimizer");
  if (optimizer == block->end() || !optimizer->is_object())
    return error("/training/optimizer must be an object with \"name\" and "
                 "\"lr\"");
  auto name = optimizer->find("name");
  static const char *const kOptimizers[] = {"sgd", "sgd-momentum", "adam",
                                            "adamw"};
  if (name == optimizer->end() || !name->is_string() ||
      !llvm::is_contained(kOptimizers, name->get<std::string>()))
    return error("/training/optimizer/name must be one of \"sgd\", "
                 "\"sgd-momentum\", \"adam\", \"adamw\"");
  struct Number {
    const char *key;
    double fallback;
    double min, max;
  };
  static const Number kNumbers[] = {{"lr", -1.0, 0.0, 1e9},
                                    {"momentum", 0.9, 0.0, 1.0},
                                    {"weight_decay", 0.0, 0.0, 1e9},
                                    {"beta1", 0.9, 0.0, 1.0},
                                    {"beta2", 0.999, 0.0, 1.0},
                                    {"epsilon", 1e-8, 0.0, 1.0}};
  SmallVector<NamedAttribute> attrs = {
      builder.getNamedAttr("loss", builder.getStringAttr(loss->get<std::string>())),
      builder.getNamedAttr("optimizer",
                           builder.getStringAttr(name->get<std::string>()))};
  for (auto &item : optimizer->items()) {
    const std::string &key = item.key();
    bool known = key == "name" || key == "nesterov" ||
                 llvm::any_of(kNumbers, [&](const Number &n) {
                   return key == n.key;
                 });
    if (!known)
      return error("/training/optimizer: unknown key '" + key + "'");
  }
  for (const Number &n : kNumbers) {
    auto it = optimizer->find(n.key);
    double v = n.fallback;
    if (it != optimizer->end()) {
      if (!it->is_number())
        return error(std::string("/training/optimizer/") + n.key +
                     " must be a number, got " + brief(*it));
      v = it->get<double>();
    } else if (v < 0) {
      return error(std::string("/training/optimizer/") + n.key +
                   " is required");
    }
    if (!(v > n.min || (v == n.min && std::string(n.key) != "lr")) ||
        v > n.max)
      return error(std::string("/training/optimizer/") + n.key + " " +
                   brief(*it) + " is out of range");
    attrs.push_back(
        builder.getNamedAttr(n.key, builder.getF64FloatAttr(v)));
  }
  bool nesterov = false;
  if (auto it = optimizer->find("nesterov"); it != optimizer->end()) {
    if (!it->is_boolean())
      return error("/training/optimizer/nesterov must be true or false");
    nesterov = it->get<bool>();
  }
  attrs.push_back(
      builder.getNamedAttr("nesterov", builder.getBoolAttr(nesterov)));
  for (const char *key : {"batch", "epochs"}) {
    auto it = block->find(key);
    if (it == block->end())
      continue;
    if (!it->is_number_integer() || it->get<int64_t>() < 1)
      return error(std::string("/training/") + key +
                   " must be a positive integer, got " + brief(*it));
    attrs.push_back(builder.getNamedAttr(
        key, builder.getI64IntegerAttr(it->get<int64_t>())));
  }
  training = builder.getDictionaryAttr(attrs);
  return success();
}

/// The ops the description can name, with the number of inputs they take
/// (-1: one or more).
const llvm::StringMap<int> &knownOps() {
  static const llvm::StringMap<int> ops = {{"conv2d", 1},
                                           {"conv_transpose2d", 1},
                                           {"dense", 1},
                                           {"batch_norm", 1},
                                           {"max_pool2d", 1},
                                           {"avg_pool2d", 1},
                                           {"global_avg_pool2d", 1},
                                           {"global_max_pool2d", 1},
                                           {"adaptive_avg_pool2d", 1},
                                           {"relu", 1},
                                           {"relu6", 1},
                                           {"leaky_relu", 1},
                                           {"clip", 1},
                                           {"sigmoid", 1},
                                           {"tanh", 1},
                                           {"silu", 1},
                                           {"hardswish", 1},
                                           {"hardsigmoid", 1},
                                           {"gelu", 1},
                                           {"softmax", 1},
                                           {"log_softmax", 1},
                                           {"lrn", 1},
                                           {"l2_normalize", 1},
                                           {"dropout", 1},
                                           {"add", 2},
                                           {"sub", 2},
                                           {"mul", 2},
                                           {"div", 2},
                                           {"concat", -1},
                                           {"flatten", 1},
                                           {"reshape", 1},
                                           {"transpose", 1},
                                           {"pad", 1},
                                           {"upsample", 1}};
  return ops;
}

LogicalResult Importer::readLayers() {
  auto layerList = doc.find("layers");
  if (layerList == doc.end() || !layerList->is_array())
    return error("/layers must be a list");
  llvm::StringSet<> names;
  for (auto &input : inputs)
    if (!names.insert(input.first).second)
      return error("input name '" + input.first + "' is used twice");

  std::vector<std::string> unknown;
  llvm::StringMap<unsigned> occurrences;
  bool ok = true;
  for (auto [index, node] : llvm::enumerate(*layerList)) {
    std::string where = "/layers/" + std::to_string(index);
    if (!node.is_object() || !node.contains("name") ||
        !node["name"].is_string() || node["name"].get<std::string>().empty()) {
      error(where + " must be an object with a non-empty \"name\"");
      ok = false;
      continue;
    }
    Layer layer{node["name"].get<std::string>(), "", where, &node, {}, fileLoc};
    layer.loc = namedLoc(layer.name, "layers", occurrences[layer.name]++);
    if (!names.insert(layer.name).second) {
      emitError(layer.loc) << "duplicate name '" << layer.name << "' at "
                           << where << "/name";
      ok = false;
    }
    auto op = node.find("op");
    if (op == node.end() || !op->is_string()) {
      emitError(layer.loc) << "layer '" << layer.name << "': " << where
                           << "/op must be a string";
      ok = false;
      continue;
    }
    layer.op = op->get<std::string>();
    if (!knownOps().contains(layer.op))
      unknown.push_back("'" + layer.name + "' (" + layer.op + ", " + where +
                        ")");
    auto ins = node.find("inputs");
    if (ins == node.end() || !ins->is_array() ||
        !llvm::all_of(*ins, [](const json &v) { return v.is_string(); })) {
      emitError(layer.loc) << "layer '" << layer.name << "': " << where
                           << "/inputs must be a list of names";
      ok = false;
      continue;
    }
    for (const json &v : *ins)
      layer.inputs.push_back(v.get<std::string>());
    if (auto attrs = node.find("attrs");
        attrs != node.end() && !attrs->is_object()) {
      emitError(layer.loc) << "layer '" << layer.name << "': " << where
                           << "/attrs must be an object";
      ok = false;
    }
    for (auto &[key, value] : node.items())
      if (key != "name" && key != "op" && key != "inputs" && key != "attrs") {
        emitError(layer.loc) << "layer '" << layer.name << "': unknown key '"
                             << key << "' at " << where << "/" << key;
        ok = false;
      }
    layerIndex[layer.name] = layers.size();
    layers.push_back(std::move(layer));
  }
  if (!unknown.empty()) {
    InFlightDiagnostic diag = error(
        llvm::formatv("{0} layer(s) use unknown ops:", unknown.size()).str());
    for (const std::string &u : unknown)
      diag << "\n  " << u;
    diag << "\nknown ops: see docs/model-format.md";
    ok = false;
  }
  if (!ok)
    return failure();

  // Inputs must name model inputs or layers; arity must fit the op.
  for (const Layer &layer : layers) {
    for (auto [index, in] : llvm::enumerate(layer.inputs))
      if (!names.contains(in)) {
        emitError(layer.loc) << "layer '" << layer.name << "': input '" << in
                             << "' at " << layer.path << "/inputs/" << index
                             << " names no layer or model input";
        ok = false;
      }
    int arity = knownOps().lookup(layer.op);
    size_t count = layer.inputs.size();
    bool scalarForm =
        (arity == 2 && count == 1 && layer.node->contains("attrs") &&
         (*layer.node)["attrs"].contains("scalar"));
    if ((arity == -1 && count == 0) ||
        (arity > 0 && count != size_t(arity) && !scalarForm)) {
      emitError(layer.loc) << "layer '" << layer.name << "' (" << layer.op
                           << ") takes "
                           << (arity == -1 ? std::string("one or more")
                                           : std::to_string(arity))
                           << (arity == 2 ? " inputs (or one and a \"scalar\")"
                               : arity == 1 ? " input"
                                            : " inputs")
                           << ", got " << count;
      ok = false;
    }
  }
  for (auto [index, out] : llvm::enumerate(outputs))
    if (!names.contains(out)) {
      error("/outputs/" + std::to_string(index) + ": '" + out +
            "' names no layer or model input");
      ok = false;
    }
  return failure(!ok);
}

LogicalResult Importer::sortLayers() {
  // Kahn's algorithm, taking ready layers in description order.
  std::vector<int> pending(layers.size(), 0);
  std::vector<std::vector<size_t>> users(layers.size());
  for (auto [index, layer] : llvm::enumerate(layers))
    for (const std::string &in : layer.inputs)
      if (auto it = layerIndex.find(in); it != layerIndex.end()) {
        ++pending[index];
        users[it->second].push_back(index);
      }
  std::set<size_t> ready;
  for (size_t i = 0; i < layers.size(); ++i)
    if (pending[i] == 0)
      ready.insert(i);
  while (!ready.empty()) {
    size_t next = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(&layers[next]);
    for (size_t user : users[next])
      if (--pending[user] == 0)
        ready.insert(user);
  }
  if (order.size() == layers.size())
    return success();
  InFlightDiagnostic diag = error("the layers form a cycle; these layers "
                                  "depend on each other:");
  for (size_t i = 0; i < layers.size(); ++i)
    if (pending[i] > 0)
      diag << " '" << layers[i].name << "'";
  return failure();
}

LogicalResult Importer::openWeights() {
  if (options.shapesOnly)
    return success();
  std::string weightsPath;
  if (options.weightsPath) {
    weightsPath = *options.weightsPath;
  } else if (auto w = doc.find("weights"); w != doc.end()) {
    if (!w->is_string())
      return error("/weights must be a file name");
    SmallString<256> resolved(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(resolved, w->get<std::string>());
    weightsPath = resolved.str().str();
  } else {
    emitRemark(fileLoc) << "model '" << modelName
                        << "' names no weights file: parameters get cnnc's "
                           "seeded initialisation (seed "
                        << options.seed << ")";
    return success();
  }
  auto file = SafetensorsFile::open(weightsPath);
  if (!file)
    return error(llvm::toString(file.takeError()));
  weights = std::move(*file);
  SmallString<256> absolute(weightsPath);
  (void)llvm::sys::fs::make_absolute(absolute);
  weightsFile = absolute.str().str();
  return success();
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

FailureOr<Value> Importer::input(const Layer &layer, size_t index) {
  return values.lookup(layer.inputs[index]);
}

Value Importer::scalar(Location loc, double value) {
  auto type = RankedTensorType::get({}, builder.getF32Type());
  return arith::ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(type, builder.getF32FloatAttr(value)));
}

/// The parameter `<layer>.<suffix>` of `shape`: read from the weights file
/// (checked for shape and finite values), or initialised when the model has
/// no weights file: He-normal with `fanIn` when `random`, else `constant`.
FailureOr<Value> Importer::parameter(const Layer &layer, StringRef suffix,
                                     ArrayRef<int64_t> shape, int64_t fanIn,
                                     float constant, bool random) {
  std::string name = layer.name + "." + suffix.str();
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  if (options.shapesOnly)
    return arith::ConstantOp::create(
               builder, layer.loc,
               DenseElementsAttr::get(type, builder.getF32FloatAttr(0.0f)))
        .getResult();
  int64_t count = type.getNumElements();
  std::vector<float> data;
  if (weights) {
    const SafetensorsTensor *tensor = weights->lookup(name);
    if (!tensor) {
      emitError(layer.loc) << "layer '" << layer.name << "' (" << layer.op
                           << "): the weights file " << weights->path()
                           << " has no tensor '" << name << "'";
      return failure();
    }
    if (ArrayRef<int64_t>(tensor->shape) != shape) {
      auto render = [](ArrayRef<int64_t> s) {
        std::string r = "[";
        for (auto [i, d] : llvm::enumerate(s))
          r += (i ? ", " : "") + std::to_string(d);
        return r + "]";
      };
      emitError(layer.loc) << "layer '" << layer.name << "' (" << layer.op
                           << "): tensor '" << name << "' in "
                           << weights->path() << " has shape "
                           << render(tensor->shape) << " but the layer needs "
                           << render(shape);
      return failure();
    }
    usedTensors.insert(name);
    data = weights->readF32(*tensor);
    for (auto [index, v] : llvm::enumerate(data))
      if (!std::isfinite(v)) {
        emitError(layer.loc)
            << "layer '" << layer.name << "' (" << layer.op << "): tensor '"
            << name << "' in " << weights->path() << " holds "
            << (std::isnan(v) ? "NaN" : "an infinity") << " at flat index "
            << index;
        return failure();
      }
  } else if (random) {
    std::mt19937_64 rng(llvm::xxh3_64bits(name) ^ options.seed);
    std::normal_distribution<float> normal(
        0.0f,
        std::sqrt(2.0f / static_cast<float>(std::max<int64_t>(fanIn, 1))));
    data.resize(count);
    for (float &v : data)
      v = normal(rng);
  } else {
    data.assign(count, constant);
  }
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(data);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return arith::ConstantOp::create(builder, layer.loc, attr).getResult();
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

LogicalResult Importer::convert(const Layer &layer) {
  Location loc = layer.loc;
  std::string desc = "layer '" + layer.name + "' (" + layer.op + ")";
  const json *attrsNode = nullptr;
  if (auto it = layer.node->find("attrs"); it != layer.node->end())
    attrsNode = &*it;
  LayerAttrs attrs(attrsNode, loc, desc, layer.path + "/attrs");
  Value x = values.lookup(layer.inputs.empty() ? "" : layer.inputs[0]);
  auto xType = x ? cast<RankedTensorType>(x.getType()) : RankedTensorType();
  StringRef op = layer.op;
  auto array = [&](ArrayRef<int64_t> v) {
    return builder.getDenseI64ArrayAttr(v);
  };
  auto f32 = [&](double v) { return builder.getF32FloatAttr(v); };

  // Requires a rank-4 (NCHW) input for ops that read its channels.
  auto needRank = [&](int64_t rank) -> LogicalResult {
    if (xType.getRank() == rank)
      return success();
    emitError(loc) << desc << ": expects a rank-" << rank << " input, but '"
                   << layer.inputs[0] << "' is " << xType;
    return failure();
  };

  // Builds an op whose result type is inferred; inference problems are
  // reported at the layer.
  auto create = [&](auto opTag, ValueRange operands,
                    ArrayRef<NamedAttribute> namedAttrs) -> Value {
    using OpTy = decltype(opTag);
    OperationState state(loc, OpTy::getOperationName());
    state.addOperands(operands);
    state.addAttributes(namedAttrs);
    SmallVector<Type> types;
    if (failed(OpTy::inferReturnTypes(context, loc, state.operands,
                                      state.attributes.getDictionary(context),
                                      state.getRawProperties(), state.regions,
                                      types)))
      return Value();
    state.addTypes(types);
    return builder.create(state)->getResult(0);
  };
  auto named = [&](StringRef name, Attribute attr) {
    return builder.getNamedAttr(name, attr);
  };

  Value result;
  if (op == "conv2d" || op == "conv_transpose2d") {
    bool transpose = op == "conv_transpose2d";
    int64_t outChannels = attrs.integer("out_channels");
    SmallVector<int64_t> kernel = attrs.integers("kernel", std::nullopt, 2);
    SmallVector<int64_t> stride = attrs.integers("stride", {{1, 1}}, 2);
    SmallVector<int64_t> padding = attrs.padding("padding");
    SmallVector<int64_t> dilation = attrs.integers("dilation", {{1, 1}}, 2);
    SmallVector<int64_t> outputPadding =
        transpose ? attrs.integers("output_padding", {{0, 0}}, 2)
                  : SmallVector<int64_t>{};
    int64_t groups = attrs.integer("groups", 1);
    bool bias = attrs.boolean("bias", true);
    if (attrs.failed() || failed(attrs.finish()) || failed(needRank(4)))
      return failure();
    int64_t inChannels = xType.getDimSize(1);
    if (outChannels < 1)
      return attrs.invalid("out_channels", "must be positive"), failure();
    if (groups < 1 || inChannels % groups || outChannels % groups)
      return attrs.invalid("groups",
                           llvm::formatv("({0}) must divide the input ({1}) "
                                         "and output ({2}) channels",
                                         groups, inChannels, outChannels)),
             failure();
    if (llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
      return attrs.invalid("kernel", "must be positive"), failure();
    SmallVector<int64_t> filterShape =
        transpose ? SmallVector<int64_t>{inChannels, outChannels / groups,
                                         kernel[0], kernel[1]}
                  : SmallVector<int64_t>{outChannels, inChannels / groups,
                                         kernel[0], kernel[1]};
    int64_t fanIn = filterShape[1] * kernel[0] * kernel[1];
    FailureOr<Value> filter =
        parameter(layer, "weight", filterShape, fanIn, 0.0f, true);
    if (failed(filter))
      return failure();
    SmallVector<Value> operands = {x, *filter};
    if (bias) {
      FailureOr<Value> b = parameter(layer, "bias", {outChannels}, fanIn);
      if (failed(b))
        return failure();
      operands.push_back(*b);
    }
    SmallVector<NamedAttribute> named_ = {
        named("stride", array(stride)), named("padding", array(padding)),
        named("dilation", array(dilation)),
        named("groups", builder.getI64IntegerAttr(groups))};
    if (transpose) {
      named_.push_back(named("output_padding", array(outputPadding)));
      result = create(ConvTranspose2DOp(), operands, named_);
    } else {
      result = create(Conv2DOp(), operands, named_);
    }
  } else if (op == "dense") {
    int64_t outFeatures = attrs.integer("out_features");
    bool bias = attrs.boolean("bias", true);
    if (attrs.failed() || failed(attrs.finish()) || failed(needRank(2)))
      return failure();
    if (outFeatures < 1)
      return attrs.invalid("out_features", "must be positive"), failure();
    int64_t inFeatures = xType.getDimSize(1);
    FailureOr<Value> w = parameter(layer, "weight", {outFeatures, inFeatures},
                                   inFeatures, 0.0f, true);
    if (failed(w))
      return failure();
    SmallVector<Value> operands = {x, *w};
    if (bias) {
      FailureOr<Value> b = parameter(layer, "bias", {outFeatures}, inFeatures);
      if (failed(b))
        return failure();
      operands.push_back(*b);
    }
    result = create(DenseOp(), operands, {});
  } else if (op == "batch_norm") {
    double epsilon = attrs.number("epsilon", 1e-5);
    double momentum = attrs.number("momentum", 0.1);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    if (xType.getRank() < 2) {
      emitError(loc) << desc << ": expects an input of rank 2 or more, got "
                     << xType;
      return failure();
    }
    int64_t c = xType.getDimSize(1);
    FailureOr<Value> scale = parameter(layer, "weight", {c}, c, 1.0f);
    FailureOr<Value> shift = parameter(layer, "bias", {c}, c, 0.0f);
    FailureOr<Value> mean = parameter(layer, "running_mean", {c}, c, 0.0f);
    FailureOr<Value> var = parameter(layer, "running_var", {c}, c, 1.0f);
    if (failed(scale) || failed(shift) || failed(mean) || failed(var))
      return failure();
    SmallVector<NamedAttribute> bnAttrs = {named("epsilon", f32(epsilon))};
    // Used only in training (cnn-build-train-step).
    if (momentum != 0.1)
      bnAttrs.push_back(named("momentum", f32(momentum)));
    result = create(BatchNormOp(), {x, *scale, *shift, *mean, *var}, bnAttrs);
  } else if (op == "max_pool2d" || op == "avg_pool2d") {
    SmallVector<int64_t> kernel = attrs.integers("kernel", std::nullopt, 2);
    SmallVector<int64_t> stride = attrs.integers("stride", kernel, 2);
    SmallVector<int64_t> padding = attrs.padding("padding");
    bool ceil = attrs.boolean("ceil_mode", false);
    SmallVector<NamedAttribute> named_ = {named("kernel", array(kernel)),
                                          named("stride", array(stride)),
                                          named("padding", array(padding))};
    if (ceil)
      named_.push_back(named("ceil_mode", builder.getUnitAttr()));
    if (op == "max_pool2d") {
      named_.push_back(
          named("dilation", array(attrs.integers("dilation", {{1, 1}}, 2))));
    } else {
      named_.push_back(
          named("count_include_pad",
                builder.getBoolAttr(attrs.boolean("count_include_pad", true))));
    }
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = op == "max_pool2d" ? create(MaxPool2DOp(), {x}, named_)
                                : create(AvgPool2DOp(), {x}, named_);
  } else if (op == "global_avg_pool2d" || op == "global_max_pool2d") {
    if (failed(attrs.finish()))
      return failure();
    result = op == "global_avg_pool2d" ? create(GlobalAvgPool2DOp(), {x}, {})
                                       : create(GlobalMaxPool2DOp(), {x}, {});
  } else if (op == "adaptive_avg_pool2d") {
    SmallVector<int64_t> size = attrs.integers("output_size", std::nullopt, 2);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result =
        create(AdaptiveAvgPool2DOp(), {x}, {named("output_size", array(size))});
  } else if (op == "relu" || op == "sigmoid" || op == "tanh" || op == "silu" ||
             op == "hardswish") {
    if (failed(attrs.finish()))
      return failure();
    if (op == "relu")
      result = create(ReluOp(), {x}, {});
    else if (op == "sigmoid")
      result = create(SigmoidOp(), {x}, {});
    else if (op == "tanh")
      result = create(TanhOp(), {x}, {});
    else if (op == "silu")
      result = create(SiluOp(), {x}, {});
    else
      result = create(HardSwishOp(), {x}, {});
  } else if (op == "relu6" || op == "clip") {
    double lo = op == "relu6" ? 0.0 : attrs.number("min");
    double hi = op == "relu6" ? 6.0 : attrs.number("max");
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result =
        create(ClipOp(), {x}, {named("min", f32(lo)), named("max", f32(hi))});
  } else if (op == "leaky_relu") {
    double alpha = attrs.number("alpha", 0.01);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(LeakyReluOp(), {x}, {named("alpha", f32(alpha))});
  } else if (op == "hardsigmoid") {
    double alpha = attrs.number("alpha", 1.0 / 6.0);
    double beta = attrs.number("beta", 0.5);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(HardSigmoidOp(), {x},
                    {named("alpha", f32(alpha)), named("beta", f32(beta))});
  } else if (op == "gelu") {
    std::string approx = attrs.keyword("approximate", {"none", "tanh"}, "none");
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(
        GeluOp(), {x},
        {named("approximate",
               GeluApproximationAttr::get(
                   context, approx == "tanh" ? GeluApproximation::Tanh
                                             : GeluApproximation::None))});
  } else if (op == "softmax" || op == "log_softmax") {
    int64_t axis = attrs.integer("axis", 1);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    auto axisAttr = named("axis", builder.getI64IntegerAttr(axis));
    result = op == "softmax" ? create(SoftmaxOp(), {x}, {axisAttr})
                             : create(LogSoftmaxOp(), {x}, {axisAttr});
  } else if (op == "lrn") {
    int64_t size = attrs.integer("size");
    double alpha = attrs.number("alpha", 1e-4),
           beta = attrs.number("beta", 0.75), bias = attrs.number("bias", 1.0);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(LrnOp(), {x},
                    {named("size", builder.getI64IntegerAttr(size)),
                     named("alpha", f32(alpha)), named("beta", f32(beta)),
                     named("bias", f32(bias))});
  } else if (op == "l2_normalize") {
    int64_t axis = attrs.integer("axis", 1);
    double epsilon = attrs.number("epsilon", 1e-12);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(L2NormalizeOp(), {x},
                    {named("axis", builder.getI64IntegerAttr(axis)),
                     named("epsilon", f32(epsilon))});
  } else if (op == "dropout") {
    double rate = attrs.number("rate", 0.5);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(DropoutOp(), {x}, {named("rate", f32(rate))});
  } else if (op == "add" || op == "sub" || op == "mul" || op == "div") {
    Value lhs = x, rhs;
    if (layer.inputs.size() == 1) {
      double value = attrs.number("scalar");
      bool scalarLhs = attrs.boolean("scalar_lhs", false);
      if (attrs.failed())
        return failure();
      rhs = scalar(loc, value);
      if (scalarLhs)
        std::swap(lhs, rhs);
    } else {
      rhs = values.lookup(layer.inputs[1]);
    }
    if (failed(attrs.finish()))
      return failure();
    if (op == "add")
      result = create(AddOp(), {lhs, rhs}, {});
    else if (op == "sub")
      result = create(SubOp(), {lhs, rhs}, {});
    else if (op == "mul")
      result = create(MulOp(), {lhs, rhs}, {});
    else
      result = create(DivOp(), {lhs, rhs}, {});
  } else if (op == "concat") {
    int64_t axis = attrs.integer("axis", 1);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    SmallVector<Value> operands;
    for (const std::string &in : layer.inputs)
      operands.push_back(values.lookup(in));
    result = create(ConcatOp(), operands,
                    {named("axis", builder.getI64IntegerAttr(axis))});
  } else if (op == "flatten") {
    int64_t start = attrs.integer("start_dim", 1);
    int64_t end = attrs.integer("end_dim", -1);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(FlattenOp(), {x},
                    {named("start_dim", builder.getI64IntegerAttr(start)),
                     named("end_dim", builder.getI64IntegerAttr(end))});
  } else if (op == "reshape") {
    SmallVector<int64_t> shape = attrs.integers("shape", std::nullopt);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(ReshapeOp(), {x}, {named("shape", array(shape))});
  } else if (op == "transpose") {
    SmallVector<int64_t> perm = attrs.integers("perm", std::nullopt);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(TransposeOp(), {x}, {named("perm", array(perm))});
  } else if (op == "pad") {
    SmallVector<int64_t> pads = attrs.integers("pads", std::nullopt);
    std::string mode =
        attrs.keyword("mode", {"constant", "reflect"}, "constant");
    double value = attrs.number("value", 0.0);
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(
        PadOp(), {x},
        {named("pads", array(pads)),
         named("mode", PadModeAttr::get(context, mode == "reflect"
                                                     ? PadMode::Reflect
                                                     : PadMode::Constant)),
         named("value", f32(value))});
  } else if (op == "upsample") {
    std::string mode =
        attrs.keyword("mode", {"nearest", "bilinear"}, "nearest");
    bool alignCorners = attrs.boolean("align_corners", false);
    SmallVector<NamedAttribute> named_ = {named(
        "mode", UpsampleModeAttr::get(context, mode == "bilinear"
                                                   ? UpsampleMode::Bilinear
                                                   : UpsampleMode::Nearest))};
    if (attrs.has("scale"))
      named_.push_back(named(
          "scale", builder.getDenseF32ArrayAttr(attrs.numbers("scale", 2))));
    if (attrs.has("size"))
      named_.push_back(
          named("size", array(attrs.integers("size", std::nullopt, 2))));
    if (alignCorners)
      named_.push_back(named("align_corners", builder.getUnitAttr()));
    if (attrs.failed() || failed(attrs.finish()))
      return failure();
    result = create(UpsampleOp(), {x}, named_);
  } else {
    llvm_unreachable("unknown ops are rejected before conversion");
  }
  if (!result)
    return failure();
  values[layer.name] = result;
  return success();
}

LogicalResult Importer::build(ModuleOp module) {
  builder.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> argTypes;
  for (auto &in : inputs)
    argTypes.push_back(in.second);
  auto func = func::FuncOp::create(builder, fileLoc, "forward",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [index, in] : llvm::enumerate(inputs)) {
    values[in.first] = entry->getArgument(index);
    entry->getArgument(index).setLoc(namedLoc(in.first, "inputs"));
    func.setArgAttr(index, kValueNameAttr, builder.getStringAttr(in.first));
  }
  builder.setInsertionPointToStart(entry);
  for (const Layer *layer : order)
    if (failed(convert(*layer)))
      return failure();

  SmallVector<Value> results;
  for (const std::string &out : outputs)
    results.push_back(values.lookup(out));
  func::ReturnOp::create(builder, fileLoc, results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [index, out] : llvm::enumerate(outputs))
    func.setResultAttr(index, kValueNameAttr, builder.getStringAttr(out));

  if (weights)
    for (const SafetensorsTensor &t : weights->tensors())
      if (!usedTensors.contains(t.name))
        emitWarning(fileLoc)
            << "tensor '" << t.name << "' in " << weights->path()
            << " belongs to no layer and is ignored";
  return success();
}

OwningOpRef<ModuleOp> Importer::run() {
  context->loadDialect<CnnDialect, arith::ArithDialect, func::FuncDialect>();
  if (failed(parse()) || failed(readHeader()) || failed(readTraining()) ||
      failed(readLayers()) || failed(sortLayers()) || failed(openWeights()))
    return nullptr;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr(kModelNameAttr, builder.getStringAttr(modelName));
  if (training)
    (*module)->setAttr(kTrainingAttr, training);
  if (!weightsFile.empty())
    (*module)->setAttr(kWeightsFileAttr, builder.getStringAttr(weightsFile));
  if (failed(build(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::cnn::importModel(MLIRContext *context,
                                             StringRef path,
                                             const ImportOptions &options) {
  return Importer(context, path, options).run();
}
