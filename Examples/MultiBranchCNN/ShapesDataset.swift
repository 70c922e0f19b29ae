import FusionKit

/// Generated 1-channel images of one of three shapes — a horizontal bar, a vertical bar or a
/// hollow square — at random positions and sizes, with noise.
struct ShapesDataset {
    static let classNames = ["horizontal bar", "vertical bar", "hollow square"]
    let images: Tensor   // [count, 1, size, size]
    let labels: Tensor   // [count]

    init(count: Int, size: Int, generator: inout RandomGenerator) {
        var pixels = [Float](repeating: 0, count: count * size * size)
        var labels = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let label = Int(generator.next() % 3)
            labels[index] = Float(label)
            let length = size / 3 + Int(generator.next() % UInt64(size / 3))
            let top = Int(generator.next() % UInt64(size - length)), left = Int(generator.next() % UInt64(size - length))
            func set(_ r: Int, _ c: Int) { pixels[index * size * size + r * size + c] = 1 }
            switch label {
            case 0: for c in left..<(left + length) { set(top + length / 2, c); set(top + length / 2 + 1, c) }
            case 1: for r in top..<(top + length) { set(r, left + length / 2); set(r, left + length / 2 + 1) }
            default:
                for i in 0..<length { set(top, left + i); set(top + length - 1, left + i); set(top + i, left); set(top + i, left + length - 1) }
            }
            for p in 0..<(size * size) { pixels[index * size * size + p] += 0.3 * generator.nextNormal() }
        }
        images = Tensor(pixels, shape: [count, 1, size, size])
        self.labels = Tensor(labels)
    }
}
