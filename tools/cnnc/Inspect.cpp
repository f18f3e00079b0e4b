//===- Inspect.cpp - cnnc inspect: per-layer model statistics -------------===//
//
// Parameters are what PyTorch counts as parameters: convolution and dense
// weights and biases, and batch-norm scale and shift (its running statistics
// are buffers). MACs count the multiply-accumulates of convolutions and dense
// layers, the convention behind "ResNet-50: 4.1 GMACs".
//
//===----------------------------------------------------------------------===//

#include "tools/cnnc/Inspect.h"

#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::cnn;

static int64_t numElements(Value v) {
  return v ? cast<RankedTensorType>(v.getType()).getNumElements() : 0;
}

static std::string shapeOf(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  std::string s;
  for (auto [i, d] : llvm::enumerate(tensor.getShape()))
    s += (i ? "x" : "") + std::to_string(d);
  return s;
}

static std::string grouped(int64_t value) {
  std::string digits = std::to_string(value), result;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      result += ',';
    result += digits[i];
  }
  return result;
}

std::vector<LayerStats> mlir::cnn::collectLayerStats(ModuleOp module) {
  std::vector<LayerStats> stats;
  module.walk([&](Operation *op) {
    if (!isa<CnnDialect>(op->getDialect()))
      return;
    LayerStats s;
    s.op = op->getName().stripDialect().str();
    if (auto named = dyn_cast<NameLoc>(op->getLoc()))
      s.layer = named.getName().str();
    s.shape = shapeOf(op->getResult(0).getType());
    s.macs = multiplyAccumulates(op);
    llvm::TypeSwitch<Operation *>(op)
        .Case<Conv2DOp, ConvTranspose2DOp>([&](auto conv) {
          s.parameters =
              numElements(conv.getFilter()) + numElements(conv.getBias());
        })
        .Case([&](DenseOp dense) {
          s.parameters =
              numElements(dense.getWeight()) + numElements(dense.getBias());
        })
        .Case([&](BatchNormOp bn) {
          s.parameters = numElements(bn.getScale()) + numElements(bn.getBias());
        });
    stats.push_back(std::move(s));
  });
  return stats;
}

void mlir::cnn::printLayerTable(llvm::raw_ostream &os, StringRef modelName,
                                const std::vector<LayerStats> &stats) {
  size_t layerWidth = 5, opWidth = 2, shapeWidth = 6;
  for (const LayerStats &s : stats) {
    layerWidth = std::max(layerWidth, s.layer.size());
    opWidth = std::max(opWidth, s.op.size());
    shapeWidth = std::max(shapeWidth, s.shape.size());
  }
  auto row = [&](StringRef layer, StringRef op, StringRef shape,
                 StringRef params, StringRef macs) {
    os << llvm::left_justify(layer, layerWidth) << "  "
       << llvm::left_justify(op, opWidth) << "  "
       << llvm::left_justify(shape, shapeWidth) << "  "
       << llvm::right_justify(params, 12) << "  "
       << llvm::right_justify(macs, 15) << "\n";
  };
  os << "model " << modelName << ": " << stats.size() << " layers\n";
  row("layer", "op", "output", "parameters", "MACs");
  int64_t params = 0, macs = 0;
  for (const LayerStats &s : stats) {
    row(s.layer, s.op, s.shape, grouped(s.parameters), grouped(s.macs));
    params += s.parameters;
    macs += s.macs;
  }
  os << llvm::formatv("total: {0} parameters, {1} MACs ({2:F2} GMACs)\n",
                      grouped(params), grouped(macs), macs / 1e9);
}

void mlir::cnn::printActivationMemory(llvm::raw_ostream &os,
                                      int64_t arenaBytes, int64_t lowerBound) {
  os << llvm::formatv("activation memory: {0} bytes ({1:F1} MiB) in one "
                      "arena; liveness lower bound {2} bytes",
                      grouped(arenaBytes), arenaBytes / 1048576.0,
                      grouped(lowerBound));
  if (lowerBound)
    os << llvm::formatv(" (arena {0:F2}x the bound)",
                        double(arenaBytes) / lowerBound);
  os << "\n";
}
