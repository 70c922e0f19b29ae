/// Row arithmetic four floats at a time (the recurrent gates, column sums). Plain loops over such
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

    /// Adds the column sums of the row-major [rows, columns] matrix to `sums` (`columns` floats).
    static func addColumnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let line = matrix + row * columns
            forEach(columns) { j, m in store(load(sums + j, m) + load(line + j, m), sums + j, m) }
        }
    }
}
