import FusionKit
import Foundation
import Testing

/// Slow, obviously correct reference implementations that the fast kernels are checked against:
/// every element is computed from its full multi-index.
enum Reference {
    /// All multi-indices of a shape in row-major order: each from its flat position, the last axis
    /// taking the remainder (not the odometer the kernels step, so the two do not share a mistake).
    static func indices(_ shape: [Int]) -> [[Int]] {
        (0..<shape.reduce(1, *)).map { position in
            var rest = position, index = [Int](repeating: 0, count: shape.count)
            for axis in shape.indices.reversed() {
                (rest, index[axis]) = rest.quotientAndRemainder(dividingBy: shape[axis])
            }
            return index
        }
    }

    static func flat(_ index: [Int], _ shape: [Int]) -> Int {
        var offset = 0
        for (i, d) in Swift.zip(index, shape) { offset = offset * d + i }
        return offset
    }

    /// The element of `x` that broadcasts to `index` of an output of rank `index.count`.
    static func element(_ x: Tensor, broadcastAt index: [Int]) -> Float {
        let shift = index.count - x.rank
        let own = (0..<x.rank).map { x.shape[$0] == 1 ? 0 : index[$0 + shift] }
        return x.scalars[flat(own, x.shape)]
    }

    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        return Swift.zip(pa, pb).map { $0 == 1 ? $1 : $0 }
    }

    static func broadcastZip(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape)
        let values = indices(shape).map { op(element(a, broadcastAt: $0), element(b, broadcastAt: $0)) }
        return Tensor(values, shape: shape)
    }

    /// The product op(A)·op(B) with batch broadcasting, as three nested loops per batch.
    static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShape(batchA, batchB)
        var values: [Float] = []
        let batchIndices = batch.isEmpty ? [[]] : indices(batch)
        for bi in batchIndices {
            let ia = (0..<batchA.count).map { batchA[$0] == 1 ? 0 : bi[$0 + batch.count - batchA.count] }
            let ib = (0..<batchB.count).map { batchB[$0] == 1 ? 0 : bi[$0 + batch.count - batchB.count] }
            for i in 0..<m {
                for j in 0..<n {
                    var total: Double = 0
                    for p in 0..<k {
                        let av = a.scalars[flat(ia + (transposeA ? [p, i] : [i, p]), a.shape)]
                        let bv = b.scalars[flat(ib + (transposeB ? [j, p] : [p, j]), b.shape)]
                        total += Double(av) * Double(bv)
                    }
                    values.append(Float(total))
                }
            }
        }
        return Tensor(values, shape: batch + [m, n])
    }

    /// Reduces over `axes` with `combine`, keeping reduced axes as 1.
    static func reduce(_ x: Tensor, axes: [Int], initial: Float, _ combine: (Float, Float) -> Float) -> Tensor {
        var shape = x.shape
        for axis in axes { shape[axis] = 1 }
        var values = [Float](repeating: initial, count: shape.reduce(1, *))
        for index in indices(x.shape) {
            var target = index
            for axis in axes { target[axis] = 0 }
            let t = flat(target, shape)
            values[t] = combine(values[t], x.scalars[flat(index, x.shape)])
        }
        return Tensor(values, shape: shape)
    }

    static func permute(_ x: Tensor, _ order: [Int]) -> Tensor {
        let shape = order.map { x.shape[$0] }
        let scalars = x.scalars
        let values = indices(shape).map { index -> Float in
            var source = [Int](repeating: 0, count: x.rank)
            for (position, axis) in order.enumerated() { source[axis] = index[position] }
            return scalars[flat(source, x.shape)]
        }
        return Tensor(values, shape: shape)
    }
}

/// Whether two tensors have equal shapes and elements within `absolute + relative·|b|`.
func isClose(_ a: Tensor, _ b: Tensor, relative: Float = 1e-5, absolute: Float = 1e-6) -> Bool {
    guard a.shape == b.shape else { return false }
    for (x, y) in Swift.zip(a.scalars, b.scalars) {
        if x.isNaN && y.isNaN { continue }
        if x == y { continue }
        if !(abs(x - y) <= absolute + relative * abs(y)) { return false }
    }
    return true
}

/// The largest absolute difference, for failure messages.
func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    Swift.zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

func random(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomNormal(shape, generator: &generator)
}

/// Expects the backward of `function` (with respect to `inputs` and, if given, `parameters`) to
/// match finite differences; the tolerances suit Float32 and catch a wrong backward (wrong factors
/// and signs give errors of order 1).
func expectGradients(_ inputs: [Tensor], parameters: [Parameter] = [], relative: Float = 1e-2, absolute: Float = 2e-3,
                     sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Tensor]) -> Tensor) {
    let mismatches = GradientCheck.check(inputs, parameters: parameters, relativeTolerance: relative,
                                         absoluteTolerance: absolute, function)
    #expect(mismatches.isEmpty, "\(mismatches.prefix(5))", sourceLocation: sourceLocation)
}

/// max |a − b| / (max |b| + 1e-2) over the elements, with the shapes checked (infinity if they
/// differ or `actual` is nil): the error relative to the tensor's scale, with a floor for tensors
/// that are zero in exact arithmetic (a key bias's gradient), where libraries hold rounding noise.
/// The pretrained-model parity tests (BERT, ViT, CLIP, ResNet) use it with a bound of 1e-4.
func scaledError(_ actual: Tensor?, _ expected: Tensor) -> Float {
    guard let actual, actual.shape == expected.shape else { return .infinity }
    let largest = expected.scalars.map(abs).max() ?? 0
    return (zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0) / (largest + 1e-2)
}

/// Checks every `grad.<key>` tensor of a parity fixture against the gradient of the module's
/// parameter `<key>` (scalars compared as one-element tensors) with `scaledError` < 1e-4, and that
/// the fixture holds `count` of them (so a script that stored none cannot pass).
func expectGradientsMatch(_ fixture: SafeTensorsFile, _ module: Module, count: Int, label: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters())
    let keys = fixture.tensors.keys.filter { $0.hasPrefix("grad.") }
    #expect(keys.count == count, "\(label): \(keys.count) gradients in the fixture", sourceLocation: sourceLocation)
    for key in keys {
        let name = String(key.dropFirst(5))
        let gradient = parameters[name]?.gradient.map { $0.rank == 0 ? $0.reshaped([1]) : $0 }
        let error = scaledError(gradient, fixture[key]!)
        #expect(error < 1e-4, "\(label): gradient of \(name) differs by \(error)", sourceLocation: sourceLocation)
    }
}

/// Where the tests' files lie: found upward from this file, so that a test file may sit at any
/// depth below Tests/FusionKitTests.
enum TestPaths {
    /// The package's Tests folder (Tests/Fixtures is below it).
    static let tests: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.lastPathComponent != "Tests" && url.pathComponents.count > 1 { url.deleteLastPathComponent() }
        return url
    }()

    /// The package's root.
    static var package: URL { tests.deletingLastPathComponent() }
}
