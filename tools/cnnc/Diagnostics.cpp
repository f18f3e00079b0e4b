//===- Diagnostics.cpp - cnnc's diagnostic printing -----------------------===//

#include "tools/cnnc/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;
using namespace mlir::cnn;

/// The innermost layer name a location carries, if any.
static std::optional<StringRef> layerName(Location loc) {
  std::optional<StringRef> name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

/// Prefixes the layer, unless the message already names it.
static std::string withLayer(Location loc, const std::string &message) {
  std::optional<StringRef> layer = layerName(loc);
  if (!layer || StringRef(message).contains("'" + layer->str() + "'"))
    return message;
  return "layer '" + layer->str() + "': " + message;
}

CnncDiagnostics::CnncDiagnostics(MLIRContext *context)
    : printer(sourceMgr, context), context(context) {
  id = context->getDiagEngine().registerHandler([this](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    // A diagnostic about the file as a whole gets no source excerpt.
    auto fileLoc = dyn_cast<FileLineColLoc>(diag.getLocation());
    bool wholeFile =
        fileLoc && fileLoc.getLine() == 1 && fileLoc.getColumn() == 1;
    printer.emitDiagnostic(diag.getLocation(),
                           withLayer(diag.getLocation(), diag.str()),
                           diag.getSeverity(), !wholeFile);
    for (Diagnostic &note : diag.getNotes())
      printer.emitDiagnostic(note.getLocation(), note.str(),
                             note.getSeverity());
    return success();
  });
}

CnncDiagnostics::~CnncDiagnostics() {
  context->getDiagEngine().eraseHandler(id);
}
