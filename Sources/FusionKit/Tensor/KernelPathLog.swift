import Foundation

/// Which kernel an operation with several ran, for tests that must know that the path they
/// meant to exercise is the one that ran.
///
/// An operation with several kernels picks one in a pure function of its geometry that returns
/// a named path (for example `Attention.path(queries:keys:dropout:)`), and reports the path it
/// ran with `KernelPathLog.record`. Recording costs one task-local read when no log is
/// installed. Install a log for the duration of a closure:
///
///     let log = KernelPathLog()
///     KernelPathLog.$current.withValue(log) { _ = Attention.multiHead(...) }
///     #expect(log.paths(of: "attention") == ["headGEMMs"])
public final class KernelPathLog: @unchecked Sendable {
    /// The log operations report to on this task, if any.
    @TaskLocal public static var current: KernelPathLog?

    private let lock = NSLock()
    private var entries: [(operation: String, path: String)] = []

    public init() {}

    /// The paths `operation` ran, in order.
    public func paths(of operation: String) -> [String] {
        lock.withLock { entries.filter { $0.operation == operation }.map(\.path) }
    }

    /// Notes that `operation` ran `path` in the current task's log (nothing without one).
    public static func record(_ operation: String, _ path: String) {
        guard let log = current else { return }
        log.lock.withLock { log.entries.append((operation, path)) }
    }
}
