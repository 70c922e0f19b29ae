import FusionKit

extension RandomGenerator {
    /// A uniformly distributed integer in `0 ..< bound`, by Lemire's multiply-and-reject method.
    ///
    /// Written out here rather than using `Int.random(in:using:)`, whose algorithm the standard
    /// library does not promise to keep: the data set must be the same for a seed on every machine
    /// and every Swift version. Only integer arithmetic is used.
    ///
    /// - Precondition: `bound > 0`.
    mutating func uniformInteger(below bound: Int) -> Int {
        precondition(bound > 0, "uniformInteger(below:): bound \(bound) is not positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            // 2^64 mod range: the low words below it belong to a partial, biased last interval.
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
