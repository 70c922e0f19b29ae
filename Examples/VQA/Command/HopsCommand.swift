import ArgumentParser
import Foundation
import SortOfCLEVR
import VQAKit

/// `vqa hops`: where a `pixel-attention` or `word-attention` checkpoint's two hops look on the
/// evaluation split of a harder Sort-of-CLEVR folder (`vqa generate --harder --format clevr`),
/// measured against the scenes regenerated from the seed the folder's questions file names. For
/// `word-attention`: hop 1 and the relational hop over positions; its hop over object slots is
/// not recorded.
struct HopsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hops",
        abstract: "Where pixel-attention's or word-attention's hops look on a harder Sort-of-CLEVR folder, per question family and head.")

    @Option(help: "A pixel-attention or word-attention checkpoint written by `vqa train`.") var checkpoint: String
    @OptionGroup var data: DataOptions

    func run() throws {
        let (model, saved) = try VQACheckpoint.loadModel(from: URL(fileURLWithPath: checkpoint))
        guard let settings = saved.configuration.data, data.data != nil, data.isLayoutFolder else {
            throw VQAError.invalidArgument("--data must be the harder Sort-of-CLEVR folder \(checkpoint) was trained on")
        }
        let folder = try data.loadFolder(saved: settings)
        let questionsFile = folder.root.appendingPathComponent("questions/CLEVR_\(data.evalSplit)_questions.json")
        let seed = try Self.harderSeed(questionsFile)
        let truth = HarderSortOfCLEVR.generate(seed: seed, imageCount: folder.evaluation.count)
        let diagnostics = try HopDiagnostics.measure(model, on: folder.evaluation, truth: truth)
        print("Where the hops of \(checkpoint) look on split \(data.evalSplit) of \(folder.root.path) (means over each family's questions):\n")
        print(diagnostics.markdown)
    }

    /// The seed in the questions file's `info.source` ("harder Sort-of-CLEVR, seed N", as
    /// `vqa generate --harder` writes it).
    static func harderSeed(_ file: URL) throws -> UInt64 {
        let prefix = "harder Sort-of-CLEVR, seed "
        guard let bytes = try? Data(contentsOf: file),
              let root = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let source = (root["info"] as? [String: Any])?["source"] as? String else {
            throw VQAError.invalidArgument("\(file.path): no info.source to read the seed from")
        }
        guard source.hasPrefix(prefix), let seed = UInt64(source.dropFirst(prefix.count)) else {
            throw VQAError.invalidArgument("\(file.path): info.source is \"\(source)\", not a harder Sort-of-CLEVR set from `vqa generate --harder`")
        }
        return seed
    }
}
