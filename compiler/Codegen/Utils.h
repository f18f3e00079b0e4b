//===- Utils.h - helpers shared by the codegen passes -----------*- C++ -*-===//

#ifndef CNN_CODEGEN_UTILS_H
#define CNN_CODEGEN_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir {
class RewriterBase;
} // namespace mlir

namespace mlir::cnn {

/// Rewrites the elementwise `op` to take `input`, one of its inputs, as its
/// init, read through the payload's output argument, so that it updates that
/// value in place: one buffer, and tiling keeps it in place. Applies when the
/// payload does not read `op`'s own init and `input` has the init's type and
/// indexing map. Returns the new op, or null when it does not apply.
linalg::GenericOp updateInPlace(RewriterBase &rewriter, linalg::GenericOp op,
                                OpOperand *input);

} // namespace mlir::cnn

#endif // CNN_CODEGEN_UTILS_H
