import ArgumentParser
import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR
import VQAKit

/// `vqa ask`: shows a scene, answers English questions about it with a trained model, and draws
/// where attention models looked.
struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask a trained model a question about a scene or a picture.",
        discussion: "Without --question, reads questions from standard input, one per line, until end of input. "
            + "--image names a PNG or JPEG file (a model trained on a data folder needs one), or, with --data, "
            + "the index of an image of that folder's test.safetensors.")

    @Option(help: "The checkpoint written by `vqa train`.") var checkpoint: String
    @Option(help: "Generate the scene from this seed.") var sceneSeed: UInt64 = 7
    @Option(help: "Take the scene from a data set file written by `vqa generate` (test.safetensors) instead.") var data: String?
    @Option(help: "A PNG or JPEG file to ask about, or with --data the index of one of its images.") var image: String?
    @Option(help: "The question, in English.") var question: String?
    @Option(help: "Folder for the scene and attention drawings.") var output = "runs/ask"

    func run() throws {
        let (model, saved) = try VQACheckpoint.loadModel(from: URL(fileURLWithPath: checkpoint))
        model.eval()
        if let image, data == nil || Int(image) == nil {
            return try askAboutFile(image, model: model, configuration: saved.configuration)
        }
        if saved.configuration.data != nil {
            throw VQAError.invalidArgument("\(checkpoint) was trained on a data folder: name a picture with --image photo.jpg")
        }
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
            let index = Int(image ?? "0") ?? 0
            guard dataset.scenes.indices.contains(index) else {
                throw VQAError.invalidArgument("--image \(index) is outside the \(dataset.imageCount) images of \(data)")
            }
            return dataset.scenes[index]
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

    /// Answers questions about the picture in `path`, prepared as the model's training images were.
    private func askAboutFile(_ path: String, model: any VQAModel, configuration: VQAModelConfiguration) throws {
        let decoded = try ImageFile.decode(contentsOf: URL(fileURLWithPath: path))
        let preprocessing = configuration.imageFeatures?.preprocessing ?? configuration.data?.preprocessing
            ?? ImagePreprocessing(resizing: .stretch(height: Scene.imageSize, width: Scene.imageSize))
        let planes = preprocessing(decoded.planes())
        var images = Tensor(planes.values, shape: [1, planes.channels, planes.height, planes.width])
        if let features = configuration.imageFeatures {
            // A model trained on cached features sees the picture through the same frozen encoder.
            images = try PretrainedImageBackbone(features)(images)
        }
        print("\(configuration.model) model; \(path): \(decoded.width)×\(decoded.height), seen as \(planes.width)×\(planes.height)")
        func ask(_ text: String) throws {
            let ids: [Float], answers: [String]
            if let vocabularies = configuration.data?.vocabularies {
                let encoded = vocabularies.words.encode(text, length: vocabularies.questionLength)
                guard encoded.unknownWords.isEmpty else {
                    throw VQAError.invalidArgument("the model never saw \(encoded.unknownWords.map { "\"\($0)\"" }.joined(separator: ", ")) "
                                                   + "in training; ask with words of its \(vocabularies.words.count - 2)-word vocabulary")
                }
                ids = encoded.ids.map(Float.init)
                answers = vocabularies.answers.answers
            } else {
                ids = try QuestionVocabulary.encodePadded(text).map(Float.init)
                answers = Answer.allCases.map(\.text)
            }
            let probabilities = withoutGradient {
                model(images: images, questions: Tensor(ids, shape: [1, ids.count])).softmax(alongAxis: 1)
            }.scalars
            let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(3)
            print("  " + ranked.map { String(format: "%@ %.1f%%", answers[$0], probabilities[$0] * 100) }.joined(separator: "; "))
        }
        if let question { return try ask(question) }
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            do { try ask(text) } catch let error as VQAError { print("  \(error)") } catch let error as QuestionError { print("  \(error)") }
        }
    }
}
