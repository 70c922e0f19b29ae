import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error: done / total, rate, loss and time left. On a
/// terminal it redraws in place; otherwise (a log file) it prints a line every tenth of the way.
public struct ProgressBar {
    public let total: Int
    public let label: String
    public let unit: String
    private let start = Date()
    private let interactive = isatty(2) != 0
    private var lastDrawn = Date.distantPast
    private var lastTenth = -1

    public init(total: Int, label: String, unit: String = "questions") {
        self.total = total
        self.label = label
        self.unit = unit
    }

    /// Shows `done` of `total` with the running loss.
    public mutating func update(done: Int, loss: Float) {
        let now = Date()
        let tenth = done * 10 / Swift.max(total, 1)
        if interactive {
            guard now.timeIntervalSince(lastDrawn) > 0.2 || done >= total else { return }
            lastDrawn = now
            write("\r" + line(done: done, loss: loss, now: now) + (done >= total ? "\n" : ""))
        } else if tenth > lastTenth {
            lastTenth = tenth
            write(line(done: done, loss: loss, now: now) + "\n")
        }
    }

    func line(done: Int, loss: Float, now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let width = 24
        let filled = total > 0 ? Swift.min(width, done * width / total) : width
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: Swift.max(0, width - filled - 1))
        return "\(label) [\(bar)] \(done)/\(total) \(unit)  \(String(format: "%.0f", rate)) \(unit)/s  "
            + "loss \(String(format: "%.4f", loss))  " + (done >= total ? "took \(clock(elapsed))" : "ETA \(clock(remaining))")
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
