//===- Diagnostics.h - cnnc's diagnostic printing ---------------*- C++ -*-===//

#ifndef CNN_TOOLS_CNNC_DIAGNOSTICS_H
#define CNN_TOOLS_CNNC_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir::cnn {

/// Prints diagnostics as `file:line:col: error: layer 'conv1': message`,
/// with the line of the model description it refers to, and counts errors.
class CnncDiagnostics {
public:
  explicit CnncDiagnostics(MLIRContext *context);
  ~CnncDiagnostics();

  unsigned errorCount() const { return errors; }

private:
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler printer;
  DiagnosticEngine::HandlerID id;
  MLIRContext *context;
  unsigned errors = 0;
};

} // namespace mlir::cnn

#endif // CNN_TOOLS_CNNC_DIAGNOSTICS_H
