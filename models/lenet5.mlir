// LeNet-5 in the cnn dialect, written with open result sizes: cnn-infer-shapes
// fills them in. Weights are function arguments here; the JSON frontend
// imports them from safetensors.
func.func @lenet5(%image: tensor<1x1x28x28xf32>,
                  %c1w: tensor<6x1x5x5xf32>, %c1b: tensor<6xf32>,
                  %c2w: tensor<16x6x5x5xf32>, %c2b: tensor<16xf32>,
                  %f1w: tensor<120x400xf32>, %f1b: tensor<120xf32>,
                  %f2w: tensor<84x120xf32>, %f2b: tensor<84xf32>,
                  %f3w: tensor<10x84xf32>, %f3b: tensor<10xf32>) -> tensor<?x?xf32> {
  %0 = cnn.conv2d %image, %c1w, %c1b padding [2, 2, 2, 2]
      : (tensor<1x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<?x?x?x?xf32>
  %1 = cnn.relu %0 : tensor<?x?x?x?xf32>
  %2 = cnn.max_pool2d %1 kernel [2, 2] stride [2, 2] : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %3 = cnn.conv2d %2, %c2w, %c2b
      : (tensor<?x?x?x?xf32>, tensor<16x6x5x5xf32>, tensor<16xf32>) -> tensor<?x?x?x?xf32>
  %4 = cnn.relu %3 : tensor<?x?x?x?xf32>
  %5 = cnn.max_pool2d %4 kernel [2, 2] stride [2, 2] : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %6 = cnn.flatten %5 : tensor<?x?x?x?xf32> -> tensor<?x?xf32>
  %7 = cnn.dense %6, %f1w, %f1b : (tensor<?x?xf32>, tensor<120x400xf32>, tensor<120xf32>) -> tensor<?x?xf32>
  %8 = cnn.relu %7 : tensor<?x?xf32>
  %9 = cnn.dense %8, %f2w, %f2b : (tensor<?x?xf32>, tensor<84x120xf32>, tensor<84xf32>) -> tensor<?x?xf32>
  %10 = cnn.relu %9 : tensor<?x?xf32>
  %11 = cnn.dense %10, %f3w, %f3b : (tensor<?x?xf32>, tensor<10x84xf32>, tensor<10xf32>) -> tensor<?x?xf32>
  return %11 : tensor<?x?xf32>
}
