//===- Gradients.h - gradients of the cnn ops -------------------*- C++ -*-===//
//
// The DifferentiableOpInterface implementations of the cnn ops, attached as
// external models so that the dialect itself does not depend on what the
// gradients are built from (cnn ops plus tensor slices).
//
//===----------------------------------------------------------------------===//

#ifndef CNN_TRANSFORMS_GRADIENTS_H
#define CNN_TRANSFORMS_GRADIENTS_H

namespace mlir {
class DialectRegistry;
namespace cnn {

/// Attaches the gradient of every differentiable cnn op.
void registerGradientModels(DialectRegistry &registry);

} // namespace cnn
} // namespace mlir

#endif // CNN_TRANSFORMS_GRADIENTS_H
