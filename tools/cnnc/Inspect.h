//===- Inspect.h - cnnc inspect: per-layer model statistics -----*- C++ -*-===//

#ifndef CNN_TOOLS_CNNC_INSPECT_H
#define CNN_TOOLS_CNNC_INSPECT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::cnn {

struct LayerStats {
  std::string layer, op, shape;
  int64_t parameters = 0;
  /// Multiply-accumulates of convolutions and dense layers.
  int64_t macs = 0;
};

/// Statistics of every cnn op of the model's function, in program order.
std::vector<LayerStats> collectLayerStats(ModuleOp module);

/// Prints the layer table and its totals.
void printLayerTable(llvm::raw_ostream &os, llvm::StringRef modelName,
                     const std::vector<LayerStats> &stats);

/// Prints the planned activation memory: the arena's bytes and the liveness
/// lower bound (the most bytes live at once).
void printActivationMemory(llvm::raw_ostream &os, int64_t arenaBytes,
                           int64_t lowerBound);

} // namespace mlir::cnn

#endif // CNN_TOOLS_CNNC_INSPECT_H
