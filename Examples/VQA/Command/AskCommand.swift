import ArgumentParser
import Foundation
import FusionKit
import SortOfCLEVR
import VQAKit

/// `vqa ask`: shows a scene, answers English questions about it with a trained model, and draws
/// where attention models looked.
struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask a trained model a question about a scene.",
        discussion: "Without --question, reads questions from standard input, one per line, until end of input.")

    @Option(help: "The checkpoint written by `vqa train`.") var checkpoint: String
    @Option(help: "Generate the scene from this seed.") var sceneSeed: UInt64 = 7
    @Option(help: "Take the scene from a data set file written by `vqa generate` (test.safetensors) instead.") var data: String?
    @Option(help: "Which image of --data.") var image = 0
    @Option(help: "The question, in English.") var question: String?
    @Option(help: "Folder for the scene and attention drawings.") var output = "runs/ask"

    func run() throws {
        let (model, saved) = try VQACheckpoint.loadModel(from: URL(fileURLWithPath: checkpoint))
        model.eval()
        let scene = try loadScene()
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sceneFile = folder.appendingPathComponent("scene.svg")
        try SceneSVG.write(SceneSVG.document(scene: scene, questions: []), to: sceneFile)
        print("\(saved.configuration.model) model; the scene (drawn in \(sceneFile.path)):")
        for object in scene.objects {
            print("  \(object.color.name) \(object.shape.name) at x \(object.x), y \(object.y)")
        }
        if let question {
            try answer(question, scene: scene, model: model, folder: folder, number: 1)
            return
        }
        var number = 1
        print("Ask a question (end of input to stop), for example: What is the shape of the object closest to the red object?")
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            do {
                try answer(text, scene: scene, model: model, folder: folder, number: number)
                number += 1
            } catch let error as QuestionError {
                print("  \(error)")
            }
        }
    }

    private func loadScene() throws -> Scene {
        if let data {
            let dataset = try SortOfCLEVRDataset(contentsOf: URL(fileURLWithPath: data))
            guard dataset.scenes.indices.contains(image) else {
                throw VQAError.invalidArgument("--image \(image) is outside the \(dataset.imageCount) images of \(data)")
            }
            return dataset.scenes[image]
        }
        return SortOfCLEVRDataset.generate(seed: sceneSeed, imageCount: 1).scenes[0]
    }

    private func answer(_ text: String, scene: Scene, model: any VQAModel, folder: URL, number: Int) throws {
        let ids = try QuestionVocabulary.encodePadded(text)
        let pixels = scene.render()
        let data = VQAData(imageCount: 1, imageSize: Scene.imageSize, questionsPerImage: 1,
                           questionLength: QuestionVocabulary.maximumQuestionLength, pixels: pixels,
                           tokens: ids.map(Int32.init), answers: [0], kinds: [0], subtypes: [0])
        let probabilities = withoutGradient {
            model(images: data.images([0]), questions: data.questions(rows: [0])).softmax(alongAxis: 1)
        }.scalars
        let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        let best = Answer.allCases[ranked[0]]
        var line = String(format: "  → %@ (%.1f%%)", best.text, probabilities[ranked[0]] * 100)
        line += String(format: "; then %@ %.1f%%", Answer.allCases[ranked[1]].text, probabilities[ranked[1]] * 100)
        if let match = QuestionTemplates.match(text), let truth = scene.answer(match.subtype, about: match.color) {
            line += truth == best ? "  [correct]" : "  [wrong: the answer is \(truth.text)]"
        }
        print(line)
        if let attention = model.lastImageAttention {
            let (rows, columns) = (attention.shape[1], attention.shape[2])
            let svg = SceneSVG.attentionOverlay(scene: scene, weights: attention.scalars, rows: rows, columns: columns,
                                                caption: ["Q: \(text)", "A: \(best.text)"])
            let file = folder.appendingPathComponent("attention-\(number).svg")
            try SceneSVG.write(svg, to: file)
            print("  attention over the image: \(file.path)")
        }
    }
}
