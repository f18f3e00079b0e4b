// cnn-build-train-step adds @train_step next to @forward: the forward graph,
// the loss, its gradient through every op in reverse order (each op's
// DifferentiableOpInterface), and one fused optimizer update per parameter,
// inserted into new weights and optimizer-state buffers.
// RUN: cnn-opt %s -split-input-file -cnn-build-train-step="optimizer=sgd-momentum lr=0.1 momentum=0.8 weight-decay=0.01" | FileCheck %s --check-prefix=SGD
// RUN: cnn-opt %s -split-input-file -cnn-build-train-step="optimizer=adamw lr=0.001 weight-decay=0.05 loss=mse" | FileCheck %s --check-prefix=ADAM

// SGD: module attributes {cnn.train = {loss = "cross_entropy", lr = 1.000000e-01 : f32, optimizer = "sgd-momentum", parameters = 15 : i64, state_size = 19 : i64}
// SGD-LABEL: func.func @train_step
// SGD-SAME: (%[[W:.+]]: tensor<19xf32>, %[[S:.+]]: tensor<19xf32>, %[[X:.+]]: tensor<2x4xf32>, %[[L:.+]]: tensor<2xi64>, %[[H:.+]]: tensor<2xf32>) -> (tensor<f32>, tensor<19xf32>, tensor<19xf32>)
// The learning rate and step number come first (dropout needs the step).
// SGD: %[[LR1:.+]] = tensor.extract_slice %[[H]][0] [1] [1]
// SGD: %[[LR:.+]] = tensor.collapse_shape %[[LR1]] [] : tensor<1xf32> into tensor<f32>
// SGD: %[[Y:.+]] = cnn.dense %[[X]]
// SGD: %[[R:.+]] = cnn.relu %[[Y]]
// SGD: %[[LOSS:.+]] = cnn.cross_entropy %[[R]], %[[L]]
// SGD: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// SGD: %[[DR:.+]] = cnn.cross_entropy_grad %[[R]], %[[L]], %[[ONE]]
// SGD: %[[DY:.+]] = cnn.activation_grad "relu" %[[Y]], %[[DR]]
// Weight gradient dense(dy^T, x^T), bias gradient a sum over the batch.
// SGD: %[[DYT:.+]] = cnn.transpose %[[DY]] perm [1, 0]
// SGD: %[[XT:.+]] = cnn.transpose %[[X]] perm [1, 0]
// SGD: %[[DW:.+]] = cnn.dense %[[DYT]], %[[XT]] : (tensor<3x2xf32>, tensor<4x2xf32>) -> tensor<3x4xf32>
// SGD: %[[DB:.+]] = cnn.reduce_sum %[[DY]] dims [0]
// SGD: %[[DWF:.+]] = tensor.collapse_shape %[[DW]]
// SGD: %[[P0:.+]] = tensor.extract_slice %[[W]][0] [12] [1]
// SGD: %[[M0:.+]] = tensor.extract_slice %[[S]][0] [12] [1]
// SGD: %[[NP0:.+]], %[[NM0:.+]] = cnn.sgd_update %[[P0]], %[[DWF]], %[[M0]], %[[LR]] momentum 8.000000e-01 weight_decay 0.00999999977
// SGD: %[[W1:.+]] = tensor.insert_slice %[[NP0]] into %[[W]][0] [12] [1]
// SGD: %[[S1:.+]] = tensor.insert_slice %[[NM0]] into %[[S]][0] [12] [1]
// SGD: %[[P1:.+]] = tensor.extract_slice %[[W]][16] [3] [1]
// SGD: %[[M1:.+]] = tensor.extract_slice %[[S]][16] [3] [1]
// SGD: %[[NP1:.+]], %[[NM1:.+]] = cnn.sgd_update %[[P1]], %[[DB]], %[[M1]], %[[LR]]
// SGD: %[[W2:.+]] = tensor.insert_slice %[[NP1]] into %[[W1]][16] [3] [1]
// SGD: %[[S2:.+]] = tensor.insert_slice %[[NM1]] into %[[S1]][16] [3] [1]
// SGD: return %[[LOSS]], %[[W2]], %[[S2]]

// Adam keeps two state slots: the first moments at the parameter's offset,
// the second ones one buffer length further. MSE takes an output-shaped
// target.
// ADAM: state_size = 38
// ADAM-LABEL: func.func @train_step
// ADAM-SAME: (%[[W:.+]]: tensor<19xf32>, %[[S:.+]]: tensor<38xf32>, %{{.+}}: tensor<2x4xf32>, %[[T:.+]]: tensor<2x3xf32>, %[[H:.+]]: tensor<2xf32>)
// ADAM: %[[STEP1:.+]] = tensor.extract_slice %[[H]][1] [1] [1]
// ADAM: %[[STEP:.+]] = tensor.collapse_shape %[[STEP1]]
// ADAM: cnn.mse %{{.+}}, %[[T]]
// ADAM: cnn.mse_grad
// ADAM: %[[M:.+]] = tensor.extract_slice %[[S]][0] [12] [1]
// ADAM: %[[V:.+]] = tensor.extract_slice %[[S]][19] [12] [1]
// ADAM: cnn.adam_update %{{.+}}, %{{.+}}, %[[M]], %[[V]], %{{.+}}, %[[STEP]] weight_decay 5.000000e-02 decoupled
// ADAM: tensor.insert_slice %{{.+}} into %[[S]][0] [12] [1]
// ADAM: tensor.insert_slice %{{.+}} into %{{.+}}[19] [12] [1]
module attributes {cnn.weights = [{name = "fc.weight", offset = 0 : i64, shape = array<i64: 3, 4>}, {name = "fc.bias", offset = 16 : i64, shape = array<i64: 3>}], cnn.weights_size = 19 : i64} {
  func.func @forward(%w: tensor<19xf32>, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
    %0 = tensor.extract_slice %w[0] [12] [1] : tensor<19xf32> to tensor<12xf32>
    %1 = tensor.expand_shape %0 [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
    %2 = tensor.extract_slice %w[16] [3] [1] : tensor<19xf32> to tensor<3xf32>
    %3 = cnn.dense %x, %1, %2 : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %4 = cnn.relu %3 : tensor<2x3xf32>
    return %4 : tensor<2x3xf32>
  }
}

// -----

// Batch norm computes batch statistics; its running statistics are not
// parameters: their new values go into the weights buffer. A value used
// twice (the residual) gets the sum of its gradients. The conv's input
// gradient is a transposed convolution, its filter gradient
// cnn.conv2d_filter_grad.
// SGD-LABEL: func.func @train_step
// SGD: %[[C:.+]] = cnn.conv2d
// SGD: %[[Y:.+]], %[[RM:.+]], %[[RV:.+]], %[[MEAN:.+]], %[[INV:.+]] = cnn.batch_norm_train %[[C]], {{.+}} epsilon 1.000000e-03 momentum 2.000000e-01
// SGD: %[[SUM:.+]] = cnn.add %[[Y]], %[[C]]
// SGD: cnn.batch_norm_grad %[[C]], %{{.+}}, %{{.+}}, %[[MEAN]], %[[INV]]
// SGD: %[[DC:.+]] = cnn.add
// SGD: cnn.conv_transpose2d %[[DC]]
// SGD: cnn.conv2d_filter_grad %{{.+}}, %[[DC]] kernel [1, 1]
// SGD-COUNT-3: cnn.sgd_update
// SGD-NOT: cnn.sgd_update
// SGD: tensor.insert_slice %[[RM]] into %{{.+}}[48] [2] [1]
// SGD: tensor.insert_slice %[[RV]] into %{{.+}}[64] [2] [1]
// SGD: return
module attributes {cnn.weights = [{name = "c.weight", offset = 0 : i64, shape = array<i64: 2, 2, 1, 1>}, {name = "bn.weight", offset = 16 : i64, shape = array<i64: 2>}, {name = "bn.bias", offset = 32 : i64, shape = array<i64: 2>}, {name = "bn.running_mean", offset = 48 : i64, shape = array<i64: 2>}, {name = "bn.running_var", offset = 64 : i64, shape = array<i64: 2>}], cnn.weights_size = 66 : i64} {
  func.func @forward(%w: tensor<66xf32>, %x: tensor<2x2x3x3xf32>) -> tensor<2x18xf32> {
    %0 = tensor.extract_slice %w[0] [4] [1] : tensor<66xf32> to tensor<4xf32>
    %f = tensor.expand_shape %0 [[0, 1, 2, 3]] output_shape [2, 2, 1, 1] : tensor<4xf32> into tensor<2x2x1x1xf32>
    %g = tensor.extract_slice %w[16] [2] [1] : tensor<66xf32> to tensor<2xf32>
    %b = tensor.extract_slice %w[32] [2] [1] : tensor<66xf32> to tensor<2xf32>
    %m = tensor.extract_slice %w[48] [2] [1] : tensor<66xf32> to tensor<2xf32>
    %v = tensor.extract_slice %w[64] [2] [1] : tensor<66xf32> to tensor<2xf32>
    %c = cnn.conv2d %x, %f : (tensor<2x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x3x3xf32>
    %y = cnn.batch_norm %c, %g, %b, %m, %v epsilon 1.0e-3 {momentum = 2.0e-1 : f32} : tensor<2x2x3x3xf32>, tensor<2xf32>
    %s = cnn.add %y, %c : (tensor<2x2x3x3xf32>, tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32>
    %r = cnn.flatten %s : tensor<2x2x3x3xf32> -> tensor<2x18xf32>
    return %r : tensor<2x18xf32>
  }
}

// -----

// Dropout drops in training, keyed by the pass's seed, the dropout's index
// and the step number; its gradient multiplies by the same mask.
// SGD-LABEL: func.func @train_step
// SGD: %[[STEP1:.+]] = tensor.extract_slice %{{.+}}[1] [1] [1] : tensor<2xf32> to tensor<1xf32>
// SGD: %[[STEP:.+]] = tensor.collapse_shape %[[STEP1]]
// SGD: %[[Y:.+]], %[[MASK:.+]] = cnn.dropout_train %{{.+}}, %[[STEP]] rate 5.000000e-01 seed 0
// SGD: %[[DX:.+]] = cnn.mul %{{.+}}, %[[MASK]]
module attributes {cnn.weights = [{name = "fc.weight", offset = 0 : i64, shape = array<i64: 3, 4>}], cnn.weights_size = 12 : i64} {
  func.func @forward(%w: tensor<12xf32>, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
    %0 = tensor.extract_slice %w[0] [12] [1] : tensor<12xf32> to tensor<12xf32>
    %1 = tensor.expand_shape %0 [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
    %2 = cnn.dense %x, %1 : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
    %3 = cnn.dropout %2 rate 0.5 : tensor<2x3xf32>
    return %3 : tensor<2x3xf32>
  }
}
