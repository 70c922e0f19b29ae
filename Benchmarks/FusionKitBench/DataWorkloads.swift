import Foundation
import FusionKit
import FusionKitData
import VQAKit

/// The data layer's rows: decoding PNG files (FusionKit's libpng path beside Pillow), preparing
/// them for a model (decode, pad to square, antialiased resize to 128 × 128, beside Pillow +
/// torchvision), and whole training runs on 500 and 5,000 generated 480 × 320 PNG files in which
/// the loader shares the two cores with training: their peak memory, and how long the steps
/// waited for images.
enum DataWorkloads {
    /// Where the generated images live (`.build/bench/loader-data`, reused across runs).
    static var folder: URL { BertWorkloads.benchFolder.appendingPathComponent("loader-data") }
    static let width = 480, height = 320
    static let runSizes = [500, 5000]
    /// Files each decoding row reads per call.
    static let decodeCount = 64

    /// Image `index` of the generated set: a vertical gradient with three coloured rectangles.
    static func imagePath(_ index: Int) -> URL {
        folder.appendingPathComponent("images").appendingPathComponent(String(format: "%05d.png", index))
    }

    private static let colours: [(name: String, rgb: (UInt8, UInt8, UInt8))] = [
        ("red", (200, 40, 40)), ("green", (40, 170, 60)), ("blue", (40, 70, 200)), ("yellow", (220, 200, 40)),
    ]

    /// Writes the images (those not already there) and, for each run size, a JSON lines folder
    /// whose questions ask about the rectangles' colours.
    static func prepare() throws {
        try FileManager.default.createDirectory(at: imagePath(0).deletingLastPathComponent(), withIntermediateDirectories: true)
        var generator = RandomGenerator(seed: 31)
        var lines: [String] = []
        for index in 0..<(runSizes.max() ?? 0) {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for row in 0..<height {
                let shade = UInt8(120 + row * 100 / height)
                for column in 0..<width {
                    let base = (row * width + column) * 3
                    (pixels[base], pixels[base + 1], pixels[base + 2]) = (shade, shade, UInt8(min(255, Int(shade) + 20)))
                }
            }
            var chosen: [(x: Int, colour: Int)] = []
            for slot in 0..<3 {
                let colour = Int(generator.next() % UInt64(colours.count))
                let x = slot * 150 + 10 + Int(generator.next() % 60), y = 40 + Int(generator.next() % 180)
                let (r, g, b) = colours[colour].rgb
                for row in y..<(y + 70) {
                    for column in x..<(x + 70) {
                        let base = (row * width + column) * 3
                        (pixels[base], pixels[base + 1], pixels[base + 2]) = (r, g, b)
                    }
                }
                chosen.append((x, colour))
            }
            if !FileManager.default.fileExists(atPath: imagePath(index).path) {
                try ImageFile.writePNG(rgb: pixels, width: width, height: height, to: imagePath(index))
            }
            let leftmost = colours[chosen.min { $0.x < $1.x }!.colour].name
            let red = chosen.filter { colours[$0.colour].name == "red" }.count
            lines.append(#"{"image": "../images/\#(imagePath(index).lastPathComponent)", "question": "What colour is the leftmost rectangle?", "answer": "\#(leftmost)", "type": "colour"}"#)
            lines.append(#"{"image": "../images/\#(imagePath(index).lastPathComponent)", "question": "How many rectangles are red?", "answer": "\#(red)", "type": "count"}"#)
        }
        for size in runSizes {
            let run = folder.appendingPathComponent("n\(size)")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try (lines[0..<(2 * size)].joined(separator: "\n") + "\n").write(to: run.appendingPathComponent("train.jsonl"),
                                                                               atomically: true, encoding: .utf8)
            try (lines[0..<100].joined(separator: "\n") + "\n").write(to: run.appendingPathComponent("val.jsonl"),
                                                                     atomically: true, encoding: .utf8)
        }
    }

    /// Decoding `decodeCount` PNG files into pixels (Pillow: `Image.open(f).convert("RGB")` read into an array).
    static func decode() -> Workload {
        Workload(name: "decode png \(width)x\(height)", sizes: [decodeCount]) {
            let seconds = Timing.secondsPerCall(samples: 3) {
                for index in 0..<decodeCount { _ = try! ImageFile.decode(contentsOf: imagePath(index)) }
            }
            return Record(name: "decode png \(width)x\(height)", fusionkitSeconds: seconds, throughput: Double(decodeCount) / seconds,
                          throughputUnit: "images/s")
        }
    }

    /// Decoding and preparing `decodeCount` files as `vqa train --image-size 128` does (pad to
    /// square, antialiased bilinear resize to 128 × 128, planes in [0, 1]).
    static func prepareForModel() -> Workload {
        let preprocessing = FolderData.preprocessing(size: 128)
        return Workload(name: "load png \(width)x\(height) to 128", sizes: [decodeCount]) {
            let seconds = Timing.secondsPerCall(samples: 3) {
                for index in 0..<decodeCount { _ = preprocessing(try! ImageFile.decode(contentsOf: imagePath(index)).planes()) }
            }
            return Record(name: "load png \(width)x\(height) to 128", fusionkitSeconds: seconds,
                          throughput: Double(decodeCount) / seconds, throughputUnit: "images/s")
        }
    }

    static func all() -> [Workload] {
        do { try prepare() } catch { fatalError("bench: cannot write the loader images in \(folder.path): \(error)") }
        return [decode(), prepareForModel()]
    }

    /// One training epoch on the first `size` generated images, in a child process of its own.
    static func loaderRecord(size: Int, threads: Int) -> LoaderRecord? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--loader-probe", String(size), "--threads", String(threads)]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last else { return nil }
        return try? ReportJSON.decoder().decode(LoaderRecord.self, from: Data(line.utf8))
    }

    /// The child side of `loaderRecord`: `vqa train --model film --data n<size> --image-size 128
    /// --epochs 1` in process, reporting its peak memory and its wait for images as JSON.
    static func runLoaderProbe(_ size: Int) throws -> String {
        var options = FolderData.Options()
        options.imageSize = 128
        let data = try FolderData(root: folder.appendingPathComponent("n\(size)"), options: options)
        let model = try ModelCatalog.makeModel(data.configuration(model: "film", width: 64, seed: 1))
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 1, batchSize: 8), dataIdentity: data.identity)
        trainer.showsProgress = false
        try trainer.train(on: data.training, test: data.evaluation, types: data.types, checkpoint: nil)
        let epoch = trainer.history.epochs[0]
        let long = trainer.loaderLongWaits
        let record = LoaderRecord(images: size, peakBytes: MemoryProbe.peakResidentBytes(), waitSeconds: epoch.loaderWaitSeconds ?? 0,
                                  steps: trainer.stepsTrained, seconds: epoch.seconds, stepsWaiting: long.count,
                                  firstStepWait: long.first { $0.position.step == 0 }?.seconds ?? 0)
        return String(decoding: try ReportJSON.encoder().encode(record), as: UTF8.self)
    }
}

// Deliberate pattern (same shape as Tests/FusionKitTests/Text/CLIPTokenizerTests.swift:RejectedVocabularyFile): a record declared field by field, its JSON keys from ReportJSON.
/// One training run of the loader rows.
struct LoaderRecord: Codable {
    var images: Int
    var peakBytes: Int
    var waitSeconds: Double
    var steps: Int
    var seconds: Double
    /// Steps whose batch was not ready (a wait of a millisecond or more), and the first step's
    /// wait (the loader starts with the epoch, so the first batch is always waited for).
    var stepsWaiting: Int
    var firstStepWait: Double

    var line: String {
        String(format: "%5d images: peak %.0f MB, %d steps in %.1f s, waited %.3f s for images (%d steps waited ≥ 1 ms; the first %.3f s)",
               images, Double(peakBytes) / 1_048_576, steps, seconds, waitSeconds, stepsWaiting, firstStepWait)
    }
}
