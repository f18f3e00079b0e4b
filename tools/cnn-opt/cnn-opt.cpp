//===- cnn-opt.cpp - mlir-opt with the cnn dialect and passes -------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Gradients.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::cnn::registerCnnTransformsPasses();
  mlir::cnn::registerCnnConversionPasses();
  mlir::cnn::registerCnnCodegenPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::cnn::CnnDialect>();
  mlir::cnn::registerGradientModels(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "cnn optimizer driver\n", registry));
}
