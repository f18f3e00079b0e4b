//===- CnnDialect.h - the cnn dialect ---------------------------*- C++ -*-===//

#ifndef CNN_IR_CNNDIALECT_H
#define CNN_IR_CNNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "dialects/cnn/IR/CnnDialect.h.inc"
#include "dialects/cnn/IR/CnnEnums.h.inc"

#endif // CNN_IR_CNNDIALECT_H
