/// Vectorised single-precision exp, log and tanh on 16 lanes at a time, accurate to a few ulp.
///
/// The methods are the classic ones (Cody–Waite range reduction and short polynomials, as in
/// Cephes); the scalar libm calls they replace run an order of magnitude slower because the
/// compiler cannot vectorise them.
enum VectorMath {
    typealias Vector = SIMD16<Float>
    static let width = 16

    /// e^x for each lane. Overflows to +inf above about 88.72, underflows through subnormals to 0.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = x.clamped(lowerBound: Vector(repeating: -104), upperBound: Vector(repeating: 88.8))
        let n = (clamped * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693359375
        r = r - n * -2.12194440e-4
        let r2 = r * r
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r2 + r + 1
        // 2^n as two factors so that n in [-150, 128] never leaves the normal range on its own.
        let exponent = SIMD16<Int32>(n, rounding: .towardZero)
        let half = exponent &>> 1
        let scaleA = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let scaleB = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: Vector.self)
        var result = p * scaleA * scaleB
        result.replace(with: x, where: x .!= x)  // NaN stays NaN
        return result
    }

    /// The natural logarithm of each lane: -inf at 0, NaN below 0, +inf at +inf.
    @inline(__always)
    static func log(_ x: Vector) -> Vector {
        // Bring subnormals into the normal range first.
        let tiny = x .< Float.leastNormalMagnitude
        let scaled = x.replacing(with: x * 8388608, where: tiny)
        let bits = unsafeBitCast(scaled, to: SIMD16<Int32>.self)
        var exponent = Vector((bits &>> 23) &- 126)
        exponent.replace(with: exponent - 23, where: tiny)
        // Mantissa in [0.5, 1).
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: Vector.self)
        let small = m .< 0.707106781186547524
        exponent.replace(with: exponent - 1, where: small)
        m = m.replacing(with: m + m, where: small)
        let f = m - 1
        let z = f * f
        var p = Vector(repeating: 7.0376836292e-2)
        p = p * f - 1.1514610310e-1
        p = p * f + 1.1676998740e-1
        p = p * f - 1.2420140846e-1
        p = p * f + 1.4249322787e-1
        p = p * f - 1.6668057665e-1
        p = p * f + 2.0000714765e-1
        p = p * f - 2.4999993993e-1
        p = p * f + 3.3333331174e-1
        var y = f * z * p
        y = y + exponent * -2.12194440e-4
        y = y - 0.5 * z
        var result = f + y + exponent * 0.693359375
        result.replace(with: Vector(repeating: -.infinity), where: x .== 0)
        result.replace(with: Vector(repeating: .nan), where: x .< 0)
        result.replace(with: x, where: (x .== .infinity) .| (x .!= x))
        return result
    }

    /// tanh of each lane: a polynomial near zero (keeps relative accuracy for tiny inputs),
    /// 1 - 2 / (e^{2|x|} + 1) elsewhere.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let z = x * x
        var p = Vector(repeating: -5.70498872745e-3)
        p = p * z + 2.06390887954e-2
        p = p * z - 5.37397155531e-2
        p = p * z + 1.33314422036e-1
        p = p * z - 3.33332819422e-1
        let near = x + x * z * p
        let e = exp(2 * magnitude.clamped(lowerBound: Vector(repeating: 0), upperBound: Vector(repeating: 20)))
        var far = 1 - 2 / (e + 1)
        far.replace(with: -far, where: x .< 0)
        var result = near.replacing(with: far, where: magnitude .>= 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// Applies a 16-lane function to `count` floats from `source` into `target`; the tail
    /// shorter than 16 goes through a padded vector.
    @inline(__always)
    static func apply(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int,
                      _ function: (Vector) -> Vector) {
        var i = 0
        let rawSource = UnsafeRawPointer(source), rawTarget = UnsafeMutableRawPointer(target)
        while i + width <= count {
            let v = rawSource.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            rawTarget.storeBytes(of: function(v), toByteOffset: i * 4, as: Vector.self)
            i += width
        }
        if i < count {
            var v = Vector(repeating: 0)
            for lane in 0..<(count - i) { v[lane] = source[i + lane] }
            let r = function(v)
            for lane in 0..<(count - i) { target[i + lane] = r[lane] }
        }
    }
}
