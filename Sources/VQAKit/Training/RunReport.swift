import Foundation

/// The report folder of a training run: the command line, the settings (data seed, model,
/// options), the history as JSON, loss and accuracy curves as SVG, and the final accuracy table.
/// Every file is rewritten (atomically) after each epoch, so a killed run leaves a valid report.
public struct RunReport {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes every file of the report for the run so far.
    public func write(commandLine: [String], settings: [String: String], history: TrainingHistory) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try save(commandLine.map(shellQuoted).joined(separator: " ") + "\n", as: "command.txt")
        let settingsData = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys])
        try save(String(decoding: settingsData, as: UTF8.self) + "\n", as: "settings.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try save(String(decoding: try encoder.encode(history), as: UTF8.self) + "\n", as: "history.json")

        var lossPoints: [(x: Double, y: Double)] = []
        for record in history.epochs {
            for (index, value) in record.lossCurve.enumerated() {
                lossPoints.append((Double(record.epoch - 1) + Double(index + 1) / Double(record.lossCurve.count), value))
            }
        }
        let loss = LineChart(title: "Training loss", xLabel: "epoch", yLabel: "cross-entropy",
                             series: [.init(name: "training loss", points: lossPoints)])
        try save(loss.svg, as: "loss.svg")
        func curve(_ name: String, _ value: (EpochRecord) -> Double) -> LineChart.Series {
            .init(name: name, points: history.epochs.map { (Double($0.epoch), value($0) * 100) })
        }
        let accuracy = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)",
                                 series: [curve("test relational") { $0.test.relational },
                                          curve("test non-relational") { $0.test.nonRelational },
                                          curve("training (all)") { $0.trainingAccuracy }],
                                 yRange: 0...100)
        try save(accuracy.svg, as: "accuracy.svg")
        if let last = history.epochs.last {
            let text = "# Test accuracy after epoch \(last.epoch)\n\n\(last.test.markdown)\n\n"
                + String(format: "Training time: %.0f s over %d epochs (%.0f questions/s in the last epoch).\n",
                         history.trainingSeconds, history.epochs.count, last.questionsPerSecond)
            try save(text, as: "accuracy.md")
        }
    }

    private func save(_ text: String, as name: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name), options: .atomic)
    }

    private func shellQuoted(_ argument: String) -> String {
        argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:".contains($0) } ? argument
            : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
