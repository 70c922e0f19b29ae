import ArgumentParser
import Foundation
import SortOfCLEVR
import VQAKit

/// `vqa generate`: writes a seeded data set as safetensors (train.safetensors, test.safetensors)
/// or, with `--format clevr`, as PNG files and question files in CLEVR's layout (the test set as
/// split `val`), and draws a few test scenes with their questions as SVG.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate Sort-of-CLEVR from a seed, export it as safetensors and draw some scenes.")

    @OptionGroup var data: DataOptions
    @Option(help: "The folder to write train.safetensors, test.safetensors and the drawings to.") var output = "data/sort-of-clevr"
    @Option(help: "How many test scenes to draw as SVG (with their questions and answers).") var draw = 3
    @Flag(help: "Generate the harder variant (noisy varied backgrounds, 10 colours, 4 shapes, 2 sizes, colour answers); CLEVR layout only.")
    var harder = false

    func validate() throws {
        guard data.data == nil else { throw ValidationError("generate writes a data set; --data reads one") }
        guard draw >= 0 else { throw ValidationError("--draw must not be negative") }
        // --format (of the data options) chooses what to write: nothing for safetensors, clevr for PNG files.
        guard data.format == nil || data.format == "clevr" else {
            throw ValidationError("generate writes safetensors (no --format) or CLEVR's layout (--format clevr), not \(data.format!)")
        }
        guard !harder || data.format == "clevr" else {
            throw ValidationError("the harder variant is written in CLEVR's layout only: add --format clevr")
        }
    }

    func run() throws {
        let start = Date()
        if harder { return try writeHarder(start: start) }
        let (training, test, identity) = try data.load()
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if data.format == "clevr" {
            try SortOfCLEVRExport.write(training, split: "train", to: folder)
            try SortOfCLEVRExport.write(test, split: "val", to: folder)
        } else {
            try training.write(to: folder.appendingPathComponent("train.safetensors"))
            try test.write(to: folder.appendingPathComponent("test.safetensors"))
        }
        for index in 0..<min(draw, test.imageCount) {
            let svg = SceneSVG.document(scene: test.scenes[index], questions: Array(test.questions(aboutImage: index)))
            try SceneSVG.write(svg, to: folder.appendingPathComponent("test-scene-\(index).svg"))
        }
        print(String(format: "%@: %d training and %d test images (%d questions) in %.1f s, written to %@",
                     identity, training.imageCount, test.imageCount, training.questionCount + test.questionCount,
                     Date().timeIntervalSince(start), folder.path))
        if draw > 0 { print("drawings: \(folder.path)/test-scene-0.svg …") }
    }

    /// The harder variant, in CLEVR's layout: its training split from `--seed`, its validation
    /// split (`val`) from a stream derived from it.
    private func writeHarder(start: Date) throws {
        let (training, validation) = HarderSortOfCLEVR.paperSplit(seed: data.seed, trainingImageCount: data.trainImages,
                                                                  validationImageCount: data.testImages)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try HarderSortOfCLEVRExport.write(training, split: "train", to: folder)
        try HarderSortOfCLEVRExport.write(validation, split: "val", to: folder)
        print(String(format: "harder sort-of-clevr seed=%llu: %d training and %d validation images (%d questions) in %.1f s, written to %@",
                     data.seed, training.scenes.count, validation.scenes.count, training.questions.count + validation.questions.count,
                     Date().timeIntervalSince(start), folder.path))
    }
}
