import FusionKit

var generator = RandomGenerator(seed: 42)
let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])                  // 2 samples, 3 features
let w = Tensor.randomNormal([4, 3], standardDeviation: 0.5, generator: &generator)
let hidden = x.matmul(w, transposeB: true).relu()                  // [2, 3] × [4, 3]ᵀ → [2, 4]
let probabilities = hidden.softmax(alongAxis: -1)                  // each row sums to 1
let rowSums = probabilities.sum(alongAxes: 1, keepingDimensions: true)
print(BLAS.configuration)
print(hidden)
print(probabilities)
print("row sums:", rowSums.scalars)                                // ≈ [1.0, 1.0]
