import CFusionKitKernels

/// Row arithmetic four floats at a time (the LSTM gates, short attention). Plain loops over such
/// rows stay scalar: with several pointers that may alias, the compiler gives up on vectorising
/// them. The last group of a row whose length is not a multiple of four is read padded with zeros
/// and written in part.
enum Lanes {
    typealias Vector = SIMD4<Float>

    /// Calls `body(offset, lanes)` for offsets 0, 4, 8, … below `count`; `lanes` is 4 except
    /// possibly for the last group.
    @inline(__always)
    static func forEach(_ count: Int, _ body: (Int, Int) -> Void) {
        var offset = 0
        while offset < count {
            body(offset, Swift.min(4, count - offset))
            offset += 4
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> Vector {
        if lanes == 4 { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var vector = Vector()
        for k in 0..<lanes { vector[k] = pointer[k] }
        return vector
    }

    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) -> Vector {
        load(UnsafePointer(pointer), lanes)
    }

    @inline(__always)
    static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 4 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
            return
        }
        for k in 0..<lanes { pointer[k] = vector[k] }
    }

    /// Σ a[i]·b[i] over `count` floats (eight at a time when `count` is a multiple of eight).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        if count % 8 == 0 {
            var sum = SIMD8<Float>()
            for j in stride(from: 0, to: count, by: 8) {
                sum += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
            }
            return sum.sum()
        }
        var sum = Vector()
        forEach(count) { j, m in sum += load(a + j, m) * load(b + j, m) }
        return sum.sum()
    }

    /// y[i] += alpha·x[i] over `count` floats (eight at a time when `count` is a multiple of eight).
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Float>, _ alpha: Float, into y: UnsafeMutablePointer<Float>, _ count: Int) {
        if count % 8 == 0 {
            for j in stride(from: 0, to: count, by: 8) {
                let target = UnsafeMutableRawPointer(y + j)
                let sum = target.loadUnaligned(as: SIMD8<Float>.self) + alpha * UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
                target.storeBytes(of: sum, as: SIMD8<Float>.self)
            }
            return
        }
        forEach(count) { j, m in store(load(y + j, m) + alpha * load(x + j, m), y + j, m) }
    }

    /// Adds the column sums of the row-major [rows, columns] matrix to `sums` (`columns` floats).
    /// Each column is summed over its rows in order (`fk_add_column_sums`, a vector loop in C).
    static func addColumnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        fk_add_column_sums(matrix, rows, columns, sums)
    }
}
