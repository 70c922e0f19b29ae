import Foundation

/// An error whose `description` is the message a user should read.
///
/// Conforming makes every route to the message give that text: `"\(error)"`, `String(describing:)`
/// and Foundation's `error.localizedDescription`, which without `LocalizedError` would print only
/// the type's name and a case number ("The operation could not be completed. (… error 3.)").
/// Every public error type of FusionKit and its companion modules conforms.
public protocol DescribedError: LocalizedError, CustomStringConvertible {}

extension DescribedError {
    public var errorDescription: String? { description }
}
