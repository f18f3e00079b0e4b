//===- Passes.h - cnn dialect conversions -----------------------*- C++ -*-===//

#ifndef CNN_CONVERSION_PASSES_H
#define CNN_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace cnn {

#define GEN_PASS_DECL
#include "compiler/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/Passes.h.inc"

/// Patterns lowering each cnn op family (one file each under CnnToLinalg/).
void populateConvToLinalgPatterns(RewritePatternSet &patterns);
void populatePoolToLinalgPatterns(RewritePatternSet &patterns);
void populateNormToLinalgPatterns(RewritePatternSet &patterns);
void populateActivationToLinalgPatterns(RewritePatternSet &patterns);
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
void populateShapeToLinalgPatterns(RewritePatternSet &patterns);
void populateLossToLinalgPatterns(RewritePatternSet &patterns);
void populateTrainingToLinalgPatterns(RewritePatternSet &patterns);
/// Convolution gradients (groups 1) as forward convolutions; they outrank
/// the direct lowerings.
void populateConvGradientAsConvPatterns(RewritePatternSet &patterns);

} // namespace cnn
} // namespace mlir

#endif // CNN_CONVERSION_PASSES_H
