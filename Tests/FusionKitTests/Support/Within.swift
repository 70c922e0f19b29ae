import Foundation
import Testing

/// The error of type `E` that `work` throws, run on another thread so that a read that waits (on a
/// named pipe) fails the test instead of hanging it. Nil when `work` returns or throws an error of
/// another type; nil, with an issue naming `what`, when it has not returned within `seconds`.
func thrownError<E: Error>(_: E.Type, by what: String, within seconds: Int, sourceLocation: SourceLocation = #_sourceLocation,
                           _ work: @escaping @Sendable () throws -> Void) -> E? {
    let finished = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var caught: E?
    Thread.detachNewThread {
        do { try work() } catch let thrown as E { caught = thrown } catch {}
        finished.signal()
    }
    guard finished.wait(timeout: .now() + .seconds(seconds)) == .success else {
        Issue.record("\(what) did not return within \(seconds) s", sourceLocation: sourceLocation)
        return nil
    }
    return caught
}
