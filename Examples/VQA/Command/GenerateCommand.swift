import ArgumentParser
import Foundation
import SortOfCLEVR

/// `vqa generate`: writes a seeded data set as safetensors (train.safetensors, test.safetensors)
/// and draws a few test scenes with their questions as SVG.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate Sort-of-CLEVR from a seed, export it as safetensors and draw some scenes.")

    @OptionGroup var data: DataOptions
    @Option(help: "The folder to write train.safetensors, test.safetensors and the drawings to.") var output = "data/sort-of-clevr"
    @Option(help: "How many test scenes to draw as SVG (with their questions and answers).") var draw = 3

    func validate() throws {
        guard data.data == nil else { throw ValidationError("generate writes a data set; --data reads one") }
        guard draw >= 0 else { throw ValidationError("--draw must not be negative") }
    }

    func run() throws {
        let start = Date()
        let (training, test, identity) = try data.load()
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try training.write(to: folder.appendingPathComponent("train.safetensors"))
        try test.write(to: folder.appendingPathComponent("test.safetensors"))
        for index in 0..<min(draw, test.imageCount) {
            let svg = SceneSVG.document(scene: test.scenes[index], questions: Array(test.questions(aboutImage: index)))
            try SceneSVG.write(svg, to: folder.appendingPathComponent("test-scene-\(index).svg"))
        }
        print(String(format: "%@: %d training and %d test images (%d questions) in %.1f s, written to %@",
                     identity, training.imageCount, test.imageCount, training.questionCount + test.questionCount,
                     Date().timeIntervalSince(start), folder.path))
        if draw > 0 { print("drawings: \(folder.path)/test-scene-0.svg …") }
    }
}
