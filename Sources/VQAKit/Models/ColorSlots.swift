import Foundation
import FusionKit

/// Object slots found by colour: each slot k scores every pixel by how close its colour is to a
/// prototype colour μ_k (an RBF with a learned sharpness τ) and takes a softmax over the pixels,
///
///     A_k(p) = softmax_p(−τ ‖rgb(p) − μ_k‖²),
///
/// then describes what it found with the attention's spatial moments — its centroid (x̄, ȳ), its
/// variances and covariance (a square of side 10 has σ² = 8.25 px², a circle of radius 5 about
/// 6.2) and its mass log Σ_p exp(−τ‖rgb(p) − μ_k‖²) (about log 100 for a square, log 80 for a
/// circle) — and with CNN features pooled under the same attention at the feature map's
/// resolution. The prototypes start from k-means over the pixels of the first training batch
/// (`initializePrototypes`), a data-dependent initialisation; after that they are trained like any
/// other parameter.
public final class ColorSlots: Module {
    /// μ [K, 3] (RGB in [0, 1]).
    public let prototypes: Parameter
    /// log τ, [1].
    public let logSharpness: Parameter
    public let slotCount: Int
    /// The number of moment and mass features each slot adds to the pooled CNN features.
    public static let geometryWidth = 7
    private var momentCache: (size: Int, table: Tensor)?

    public init(slotCount: Int, sharpness: Float = 50, generator: inout RandomGenerator) {
        self.slotCount = slotCount
        prototypes = Parameter(Tensor.randomUniform([slotCount, 3], generator: &generator))
        logSharpness = Parameter(Tensor([Float(Foundation.log(Double(sharpness)))]))
        super.init()
    }

    /// What the slots found in `images` [B, 3, S, S], pooling `featureMap` [B, C, H, W]:
    /// `slots` [B, K, C + 7] (pooled features, x̄, ȳ, σx², σy², σxy, mass, x̄² + ȳ²), `positions`
    /// [B, K, 2] and the attention at the feature map's resolution [B, K, H·W].
    public func callAsFunction(images: Tensor, featureMap: Tensor) -> (slots: Tensor, positions: Tensor, cellAttention: Tensor) {
        let (batch, size) = (images.shape[0], images.shape[2])
        let (channels, height, width) = (featureMap.shape[1], featureMap.shape[2], featureMap.shape[3])
        let pixels = images.reshaped([batch, 3, size * size]).transposed(1, 2)                 // [B, P, 3]
        let mu = prototypes.value
        let squaredDistances = pixels.square().sum(alongAxes: [2], keepingDimensions: true)
            - pixels.matmul(mu, transposeB: true) * 2 + mu.square().sum(alongAxes: 1)         // [B, P, K]
        let logits = (squaredDistances * logSharpness.value.exp() * -1).transposed(1, 2)        // [B, K, P]
        let attention = logits.softmax(alongAxis: 2)
        let mass = logits.logSumExp(alongAxes: [2], keepingDimensions: true)                    // [B, K, 1]
        let moments = attention.matmul(momentTable(size: size))                                 // [B, K, 5]
        let position = moments.slice(0..<2, alongAxis: 2)
        let (x, y) = (position.slice(0..<1, alongAxis: 2), position.slice(1..<2, alongAxis: 2))
        let variances = moments.slice(2..<4, alongAxis: 2) - position.square()
        let covariance = moments.slice(4..<5, alongAxis: 2) - x * y
        // In pixel units: coordinates span 2 over S pixels.
        let pixelArea = Float(size * size) / 4
        let cells = attention.reshaped([batch, slotCount, size, size]).adaptiveAvgPool2d(outputSize: (height, width))
            .reshaped([batch, slotCount, height * width])
        let cellAttention = cells / (cells.sum(alongAxes: [2], keepingDimensions: true) + 1e-9)
        let pooled = cellAttention.matmul(featureMap.reshaped([batch, channels, height * width]).transposed(1, 2))
        let slots = Tensor.concatenate([pooled, position, variances * pixelArea - 7, covariance * pixelArea,
                                        (mass - 4.5) * 5, position.square().sum(alongAxes: [2], keepingDimensions: true)],
                                       alongAxis: 2)
        return (slots, position, cellAttention)
    }

    /// Sets the prototypes by k-means (farthest-point start, 20 Lloyd steps) over the pixels of
    /// `images` [B, 3, S, S]: deterministic for the same images.
    public func initializePrototypes(from images: Tensor) {
        let (batch, size) = (images.shape[0], images.shape[2])
        let plane = size * size
        let values = images.scalars
        var points = [SIMD3<Float>](repeating: .zero, count: batch * plane)
        for image in 0..<batch {
            for pixel in 0..<plane {
                let base = image * 3 * plane + pixel
                points[image * plane + pixel] = SIMD3(values[base], values[base + plane], values[base + 2 * plane])
            }
        }
        func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { let d = a - b; return (d * d).sum() }
        var centres = [points[0]]
        var nearest = points.map { distance($0, points[0]) }
        while centres.count < slotCount {
            let farthest = nearest.indices.max { nearest[$0] < nearest[$1] }!
            centres.append(points[farthest])
            for index in points.indices { nearest[index] = Swift.min(nearest[index], distance(points[index], points[farthest])) }
        }
        for _ in 0..<20 {
            var sums = [SIMD3<Float>](repeating: .zero, count: slotCount), counts = [Int](repeating: 0, count: slotCount)
            for point in points {
                let cluster = centres.indices.min { distance(point, centres[$0]) < distance(point, centres[$1]) }!
                sums[cluster] += point
                counts[cluster] += 1
            }
            for cluster in centres.indices where counts[cluster] > 0 { centres[cluster] = sums[cluster] / Float(counts[cluster]) }
        }
        prototypes.value = Tensor(centres.flatMap { [$0.x, $0.y, $0.z] }, shape: [slotCount, 3])
    }

    /// [1, S·S, 5]: x, y, x², y², x·y of each pixel centre, coordinates in [−1, 1].
    private func momentTable(size: Int) -> Tensor {
        if let cache = momentCache, cache.size == size { return cache.table }
        var values = [Float](repeating: 0, count: size * size * 5)
        for row in 0..<size {
            for column in 0..<size {
                let x = (Float(column) + 0.5) / Float(size) * 2 - 1, y = (Float(row) + 0.5) / Float(size) * 2 - 1
                let base = (row * size + column) * 5
                values[base] = x; values[base + 1] = y; values[base + 2] = x * x; values[base + 3] = y * y; values[base + 4] = x * y
            }
        }
        let table = Tensor(values, shape: [1, size * size, 5])
        momentCache = (size, table)
        return table
    }
}
