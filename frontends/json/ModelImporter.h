//===- ModelImporter.h - JSON model descriptions to the cnn dialect -*- C++
//-*-===//
//
// Reads a model description (docs/model-format.md) and its safetensors
// weights into a module holding one function in the cnn dialect. Every op
// carries a location naming its layer and the line of the description that
// defines it, so later diagnostics point at the layer. Weights become
// `dense_resource` constants: printed IR stays small and is reparsable.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_FRONTENDS_JSON_MODELIMPORTER_H
#define CNN_FRONTENDS_JSON_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>
#include <string>

namespace mlir::cnn {

struct ImportOptions {
  /// Replaces the batch (first) dimension of every model input.
  std::optional<int64_t> batch;
  /// Weights file to read instead of the one the description names.
  std::optional<std::string> weightsPath;
  /// Seed of the initialisation used when the model has no weights file.
  uint64_t seed = 0;
  /// Import shapes only: parameters become zero splats and no weights file
  /// is read (for statistics, where values do not matter).
  bool shapesOnly = false;
};

/// Imports the model at `path`. Problems are reported through the context's
/// diagnostic engine (all unknown ops at once, otherwise the first problem
/// found) and yield a null module.
OwningOpRef<ModuleOp> importModel(MLIRContext *context, llvm::StringRef path,
                                  const ImportOptions &options = {});

/// Attribute on the module naming the model (the description's "name").
inline constexpr llvm::StringLiteral kModelNameAttr = "cnn.model_name";
/// Attribute on the module: the absolute path of the weights file read.
inline constexpr llvm::StringLiteral kWeightsFileAttr = "cnn.weights_file";
/// Attribute on the module: the description's "training" block as a
/// dictionary (loss, optimizer, lr, momentum, nesterov, weight_decay, beta1,
/// beta2, epsilon, and batch/epochs when given).
inline constexpr llvm::StringLiteral kTrainingAttr = "cnn.training";
/// Argument/result attribute holding a model input's or output's name.
inline constexpr llvm::StringLiteral kValueNameAttr = "cnn.name";

} // namespace mlir::cnn

#endif // CNN_FRONTENDS_JSON_MODELIMPORTER_H
