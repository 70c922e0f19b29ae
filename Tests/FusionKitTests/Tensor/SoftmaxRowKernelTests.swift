@testable import FusionKit
import CFusionKitKernels
import Foundation
import Testing

/// `fk_softmax_row`, the attention paths' softmax of one row of scores (in place), against a
/// plain double-precision loop on every instruction set this CPU runs: lengths around the
/// 16-float lanes, scores of −∞ (masked keys), a row with none above −∞ (zeros), and NaN.
@Suite("Softmax row kernel", .serialized)
struct SoftmaxRowKernelTests {
    static var instructionSets: [VectorKernels.InstructionSet] { VectorKernels.InstructionSet.runnable }

    /// exp(x − max) / Σ exp(x − max) in Double, the max over the values that are not NaN; zeros
    /// when no value is above −∞.
    static func reference(_ row: [Float]) -> [Float] {
        let peak = row.filter { !$0.isNaN }.max() ?? -.infinity
        guard peak > -.infinity else { return row.map { _ in 0 } }
        let exponentials = row.map { Foundation.exp(Double($0) - Double(peak)) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { Float($0 / total) }
    }

    static func softmax(_ row: [Float]) -> [Float] {
        var values = row
        values.withUnsafeMutableBufferPointer { fk_softmax_row($0.baseAddress!, $0.count) }
        return values
    }

    @Test("matches the plain loop", arguments: instructionSets)
    func matchesTheLoop(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        var generator = RandomGenerator(seed: 7)
        for length in [1, 2, 15, 16, 17, 31, 100, 257] {
            var row = (0..<length).map { _ in Float.random(in: -30...30, using: &generator) }
            // Masked keys: every third score −∞ (the first stays finite).
            if length > 2 { for j in stride(from: 2, to: length, by: 3) { row[j] = -.infinity } }
            let actual = Self.softmax(row), expected = Self.reference(row)
            let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6, "\(instructionSet) length \(length): off by \(worst)")
            #expect(abs(actual.reduce(0, +) - 1) <= 1e-5, "\(instructionSet) length \(length): sums to \(actual.reduce(0, +))")
        }
    }

    @Test("a row with nothing above −∞ becomes zeros; a NaN spreads", arguments: instructionSets)
    func edges(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        for length in [1, 16, 33] {
            #expect(Self.softmax([Float](repeating: -.infinity, count: length)) == [Float](repeating: 0, count: length))
            #expect(Self.softmax([Float](repeating: .nan, count: length)) == [Float](repeating: 0, count: length))
            // One NaN among finite scores (a lone NaN is a row with nothing above −∞).
            var row = (0...length).map { Float($0) }
            row[length / 2] = .nan
            #expect(Self.softmax(row).allSatisfy { $0.isNaN }, "length \(length + 1)")
        }
    }
}
