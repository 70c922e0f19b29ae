import FusionKit
import Foundation
import Testing

/// A programmer error (mismatched shapes, an axis out of range) stops the process with a message
/// that names the op and the shapes. Each case runs in a child process (an exit test).
@Suite("Shape errors stop with the op and the shapes")
struct ShapeErrorTests {
    @Test func addWithMismatchedShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("add") && message.contains("[2, 3]") && message.contains("[4]"), "\(message)")
    }

    @Test func matmulWithMismatchedInnerDimensions() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("matmul") && message.contains("[2, 3]") && message.contains("[4, 5]"), "\(message)")
    }

    @Test func reductionAxisOutOfRange() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).sum(alongAxes: 2)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("sum") && message.contains("axis 2"), "\(message)")
    }

    @Test func concatenateMismatch() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concatenate([Tensor.zeros([2, 3]), Tensor.zeros([3, 3])], alongAxis: 1)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("concatenate") && message.contains("[2, 3]") && message.contains("[3, 3]"), "\(message)")
    }
}
