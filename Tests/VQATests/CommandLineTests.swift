import ExampleProgramSupport
import Foundation
import FusionKit
import Testing

/// Runs the `vqa` program of the examples package (`make test` builds it with
/// `swift build --package-path Examples` before `swift test`).
func runVQA(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = try exampleProgram("vqa")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let inputPipe = Pipe()
    process.standardInput = inputPipe
    try process.run()
    if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inputPipe.fileHandleForWriting.close()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite("The vqa program's answers to bad input")
struct CommandLineTests {
    // Deliberate pattern (same shape as Tests/VQATests/ImageFeatureCacheTests.swift:cacheAndTrain): a test in a temporary folder of its own, removed when it ends.
    @Test("an unknown model name exits non-zero and lists the known models")
    func unknownModel() throws {
        let folder = try temporaryFolder("cli-model")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (status, output) = try runVQA(["train", "--model", "resnet", "--output", folder.path, "--train-images", "4",
                                           "--test-images", "1", "--epochs", "1"])
        #expect(status != 0)
        #expect(output.contains("unknown model \"resnet\"") && output.contains("transformer"), "\(output)")
    }

    @Test("generate --harder writes a CLEVR-layout folder that train reads with named families; without --format clevr it is refused")
    func harderVariant() throws {
        let folder = try temporaryFolder("cli-harder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try runVQA(["generate", "--harder", "--output", folder.path, "--train-images", "2", "--test-images", "1"])
        #expect(refused.status != 0 && refused.output.contains("--format clevr"), "\(refused.output)")
        let data = folder.appendingPathComponent("data")
        let made = try runVQA(["generate", "--harder", "--format", "clevr", "--output", data.path,
                               "--train-images", "3", "--test-images", "2"])
        #expect(made.status == 0, "\(made.output)")
        let trained = try runVQA(["train", "--model", "spatial-attention", "--data", data.path, "--epochs", "1", "--width", "8",
                                  "--output", folder.appendingPathComponent("run").path])
        #expect(trained.status == 0, "\(trained.output)")
        // The families are named and grouped into kinds, as for the generated set.
        #expect(trained.output.contains("relational") && trained.output.contains("closest-color"), "\(trained.output)")
        // compare reads the same folder, once for every model, and tabulates each by kind.
        let compared = try runVQA(["compare", "--models", "spatial-attention,film", "--data", data.path, "--epochs", "1",
                                   "--width", "8", "--quiet", "--output", folder.appendingPathComponent("compare").path])
        #expect(compared.status == 0, "\(compared.output)")
        let table = try String(contentsOf: folder.appendingPathComponent("compare/compare.md"), encoding: .utf8)
        for model in ["spatial-attention", "film"] {
            #expect(table.contains("| \(model) |"), "\(table)")
        }
        #expect(table.contains("clevr"), "the table names the folder's data: \(table)")
        // The folder's families carry kinds, so both accuracy columns are filled.
        #expect(!table.contains("| – |"), "relational and non-relational per model: \(table)")
    }

    @Test("a missing or corrupt checkpoint exits non-zero with a message naming the file")
    func badCheckpoints() throws {
        let folder = try temporaryFolder("cli-checkpoint")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.safetensors").path
        let (status, output) = try runVQA(["eval", "--checkpoint", missing, "--test-images", "1"])
        #expect(status != 0 && output.contains("no file at \(missing)"), "\(output)")

        let corrupt = folder.appendingPathComponent("corrupt.safetensors")
        try Data([0x10, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":".utf8)).write(to: corrupt)
        let (status2, output2) = try runVQA(["ask", "--checkpoint", corrupt.path, "--question", "What shape is the red object?"])
        #expect(status2 != 0 && output2.contains("is not a usable VQA checkpoint"), "\(output2)")
    }

    @Test("a question with unknown words, a checkpoint of another model, and an existing run without --resume are refused")
    func questionsAndRuns() throws {
        let folder = try temporaryFolder("cli-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run").path
        let train = ["train", "--model", "concat-mlp", "--output", run, "--train-images", "4", "--test-images", "1",
                     "--epochs", "1", "--batch-size", "2", "--width", "8", "--quiet"]
        let (status, output) = try runVQA(train)
        #expect(status == 0, "\(output)")
        let checkpoint = run + "/checkpoint.safetensors"
        #expect(FileManager.default.fileExists(atPath: run + "/accuracy.svg"))

        let (askStatus, askOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--output", folder.path,
                                                 "--question", "Is the purple triangle left of the red object?"])
        #expect(askStatus != 0 && askOutput.contains("\"purple\"") && askOutput.contains("\"triangle\""), "\(askOutput)")

        // Interactive: a bad line is reported and the next question is still answered.
        let (chatStatus, chatOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--output", folder.path],
                                                  input: "what colour is the sky\nWhat shape is the red object?\n")
        #expect(chatStatus == 0 && chatOutput.contains("unknown words") && chatOutput.contains("→"), "\(chatOutput)")

        let (evalStatus, evalOutput) = try runVQA(["eval", "--checkpoint", checkpoint, "--model", "film", "--test-images", "1"])
        #expect(evalStatus != 0 && evalOutput.contains("holds a \"concat-mlp\" model, not \"film\""), "\(evalOutput)")

        let (againStatus, againOutput) = try runVQA(train)
        #expect(againStatus != 0 && againOutput.contains("--resume"), "\(againOutput)")
    }

    @Test("vqa on a data folder: train, eval and ask --image work; unknown words, test splits and broken images are refused by name")
    func dataFolder() throws {
        let fixtures = datasetFixtures
        let folder = try temporaryFolder("cli-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("jsonl")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("jsonl"), to: data)
        let run = folder.appendingPathComponent("run").path
        let (status, output) = try runVQA(["train", "--model", "concat-mlp", "--data", data.path, "--image-size", "16",
                                           "--epochs", "2", "--batch-size", "1", "--width", "8", "--checkpoint-every", "1",
                                           "--quiet", "--output", run])
        #expect(status == 0, "\(output)")
        #expect(output.contains("2 training images (3 questions)") && output.contains("waiting for images"), "\(output)")
        let checkpoint = run + "/checkpoint.safetensors"

        let (evalStatus, evalOutput) = try runVQA(["eval", "--checkpoint", checkpoint, "--data", data.path])
        #expect(evalStatus == 0 && evalOutput.contains("| overall |"), "\(evalOutput)")
        let photo = data.appendingPathComponent("photos/street.jpg").path
        let (askStatus, askOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--image", photo, "--question", "Is the cup green?"])
        #expect(askStatus == 0 && askOutput.contains("%"), "\(askOutput)")
        let (unknownStatus, unknownOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--image", photo,
                                                         "--question", "Is the zebra green?"])
        #expect(unknownStatus != 0 && unknownOutput.contains("\"zebra\""), "\(unknownOutput)")
        let (noImageStatus, noImageOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--question", "Is the cup green?"])
        #expect(noImageStatus != 0 && noImageOutput.contains("--image"), "\(noImageOutput)")

        // A split without answers cannot be trained or evaluated on.
        let clevr = fixtures.appendingPathComponent("clevr").path
        let (testStatus, testOutput) = try runVQA(["train", "--model", "concat-mlp", "--data", clevr, "--eval-split", "test",
                                                   "--output", folder.appendingPathComponent("test-run").path, "--quiet"])
        #expect(testStatus != 0 && testOutput.contains("carry no answer"), "\(testOutput)")

        // A truncated image stops the run with the file's path.
        let kitchen = data.appendingPathComponent("photos/kitchen.png")
        let bytes = try Data(contentsOf: kitchen)
        try bytes.prefix(bytes.count / 2).write(to: kitchen)
        let (brokenStatus, brokenOutput) = try runVQA(["train", "--model", "concat-mlp", "--data", data.path, "--image-size", "16",
                                                       "--epochs", "1", "--width", "8", "--quiet",
                                                       "--output", folder.appendingPathComponent("broken").path])
        #expect(brokenStatus != 0 && brokenOutput.contains(kitchen.lastPathComponent) && brokenOutput.contains("truncated"),
                "\(brokenOutput)")
    }

    @Test("vqa features, then train, eval and ask on the cached maps")
    func cachedFeatures() throws {
        let fixtures = datasetFixtures.appendingPathComponent("jsonl")
        let folder = try temporaryFolder("cli-features")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = try randomResNet18Weights(in: folder, seed: 2).path
        for split in ["train", "val"] {
            let (status, output) = try runVQA(["features", "--data", fixtures.path, "--split", split, "--image-weights", weights,
                                               "--image-size", "64", "--stage", "3",
                                               "--output", folder.appendingPathComponent("\(split).safetensors").path])
            #expect(status == 0 && output.contains("resnet18 stage 3 (256 × 4 × 4)"), "\(output)")
        }
        let run = folder.appendingPathComponent("run").path
        let train = folder.appendingPathComponent("train.safetensors").path, val = folder.appendingPathComponent("val.safetensors").path
        let (status, output) = try runVQA(["train", "--model", "mfb", "--data", fixtures.path, "--features", train,
                                           "--eval-features", val, "--epochs", "1", "--width", "8", "--quiet", "--output", run])
        #expect(status == 0 && output.contains("as resnet18 stage 3 (256 × 4 × 4) features"), "\(output)")
        let checkpoint = run + "/checkpoint.safetensors"
        let (evalStatus, evalOutput) = try runVQA(["eval", "--checkpoint", checkpoint, "--data", fixtures.path, "--features", val])
        #expect(evalStatus == 0 && evalOutput.contains("| overall |"), "\(evalOutput)")
        let (missingStatus, missingOutput) = try runVQA(["eval", "--checkpoint", checkpoint, "--data", fixtures.path])
        #expect(missingStatus != 0 && missingOutput.contains("--features"), "\(missingOutput)")
        let (askStatus, askOutput) = try runVQA(["ask", "--checkpoint", checkpoint, "--image",
                                                 fixtures.appendingPathComponent("photos/kitchen.png").path,
                                                 "--question", "What is on the table?"])
        #expect(askStatus == 0 && askOutput.contains("%"), "\(askOutput)")
    }
}
