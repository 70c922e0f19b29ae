import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR
import Testing
import VQAKit

@Suite("VQA on data folders")
struct FolderDataTests {
    @Test("Sort-of-CLEVR exported in CLEVR's layout loads to exactly the native images, questions and answers")
    func exportedSortOfCLEVR() throws {
        let training = SortOfCLEVRDataset.generate(seed: 21, imageCount: 4)
        let test = SortOfCLEVRDataset.generate(seed: 22, imageCount: 2)
        let folder = try temporaryFolder("export")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SortOfCLEVRExport.write(training, split: "train", to: folder)
        try SortOfCLEVRExport.write(test, split: "val", to: folder)

        let data = try FolderData(root: folder, options: FolderData.Options())
        #expect(data.settings.format == .clevr && data.imageSide == Scene.imageSize)
        // The families' names and kinds come from the file's info: accuracy is reported per kind.
        #expect(data.types.names == QuestionSubtype.allCases.map(\.name).sorted())
        #expect(zip(data.types.names, data.types.isRelational).filter(\.1).map(\.0).sorted()
                == QuestionSubtype.relational.map(\.name).sorted())
        for (native, loaded) in [(training, data.training), (test, data.evaluation)] {
            #expect(loaded.count == native.imageCount && loaded.questionCount == native.questionCount)
            let reference = VQAData(native)
            for image in 0..<native.imageCount {
                let example = try loaded.example(at: image)
                // The same pixels, to the bit, as the in-memory path gives the models.
                #expect(example.image == (try reference.example(at: image)).image)
                let nativeQuestions = Array(native.questions(aboutImage: image))
                #expect(example.questions.count == nativeQuestions.count)
                for (question, nativeQuestion) in zip(example.questions, nativeQuestions) {
                    let record = loaded.split.questions[question.record]
                    #expect(record.question == nativeQuestion.text)
                    #expect(record.answers == [nativeQuestion.answer.text])
                    #expect(record.type == nativeQuestion.subtype.name)
                    // The class trained towards is that answer (when training saw it).
                    let expected = data.settings.vocabularies.answers.index(of: nativeQuestion.answer.text) == nil ? [] : [nativeQuestion.answer.text]
                    #expect(question.targets.map { data.settings.vocabularies.answers.answers[$0.answer] } == expected)
                }
            }
        }
    }

    @Test("VQA v2: soft targets are the official scores, and evaluation sums them")
    func vqaV2Targets() throws {
        var options = FolderData.Options()
        options.imageSize = 16
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("vqa-v2"), options: options)
        #expect(data.settings.vocabularies.answers.normalization == .vqa)
        let answers = data.settings.vocabularies.answers
        for record in 0..<data.training.questionCount {
            let question = data.training.question(record)
            let humans = data.training.split.questions[record].answers
            for (index, answer) in answers.answers.enumerated() {
                #expect(question.score(ofPredicting: index) == VQAAccuracy.score(prediction: answer, humanAnswers: humans),
                        "\(answer) for \(humans)")
            }
        }
        // "dark red" by four humans: 1; "red" by three (the two "Red" do not match): 0.9.
        let first = data.training.question(0)
        #expect(first.score(ofPredicting: answers.index(of: "dark red")!) == 1)
        #expect(abs(first.score(ofPredicting: answers.index(of: "red")!) - 0.9) < 1e-12)

        // A model's evaluation table adds up the scores of its predictions by answer type.
        let model = try ModelCatalog.makeModel(data.configuration(model: "concat-mlp", width: 16, seed: 1))
        let table = try evaluate(model, on: data.evaluation, types: data.types)
        #expect(table.subtypeNames == ["other", "yes/no"])
        #expect(table.questionCount == data.evaluation.questionCount)
    }

    @Test("a model trains on a JSON lines folder with unknown words and answers, and its checkpoint keeps the vocabularies")
    func trainOnJSONLines() throws {
        var options = FolderData.Options()
        options.evaluationSplit = "val"
        options.imageSize = 24
        options.answerCount = 2
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("jsonl"), options: options)
        // Two answer classes of three training answers: one question has no class and trains nothing.
        #expect(data.settings.vocabularies.answers.count == 2)
        #expect((0..<data.training.questionCount).filter { data.training.question($0).targets.isEmpty }.count == 1)
        // A word of the evaluation split never seen in training becomes the unknown id.
        let cars = data.evaluation.question(0)
        #expect(cars.tokens.contains(WordVocabulary.unknownID))

        let folder = try temporaryFolder("jsonl-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = data.configuration(model: "concat-mlp", width: 16, seed: 2)
        let trainer = Trainer(model: try ModelCatalog.makeModel(configuration),
                              options: TrainingOptions(epochs: 2, batchSize: 2, warmupSteps: 1), dataIdentity: data.identity)
        trainer.showsProgress = false
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        try trainer.train(on: data.training, test: data.evaluation, types: data.types, checkpoint: checkpoint)
        #expect(trainer.history.epochs.count == 2 && trainer.history.epochs.allSatisfy { $0.trainingLoss.isFinite })
        let (loaded, saved) = try VQACheckpoint.loadModel(from: checkpoint)
        #expect(saved.configuration.data == data.settings)
        #expect(stateValues(loaded) == stateValues(trainer.model))
    }

    @Test("batches pad images' question lists; padding has no target and no score")
    func padding() throws {
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("vqa-v2"), options: {
            var options = FolderData.Options(); options.imageSize = 16; return options }())
        // Image 9 has three questions, image 24 two.
        let batch = VQABatch(collating: [try data.training.example(at: 0), try data.training.example(at: 1)],
                             answerCount: data.settings.vocabularies.answers.count)
        #expect(batch.questionsPerImage == 3 && batch.rows.count == 6 && batch.questionCount == 5)
        #expect(batch.images.shape == [2, 3, 16, 16] && batch.questions.shape[0] == 6)
        let padded = batch.rows.firstIndex { $0 == nil }!
        #expect(padded == 5 && batch.answerScores!.scalars[(padded * data.settings.vocabularies.answers.count)...]
                    .prefix(data.settings.vocabularies.answers.count).allSatisfy { $0 == 0 })
        #expect(batch.questions.scalars[(padded * batch.questions.shape[1])...].allSatisfy { $0 == 0 })
    }
}

@Suite("Checkpoint configurations from outside")
struct HostileConfigurationTests {
    @Test("a checkpoint whose configuration sizes are out of range or disagree is a typed error, before anything is allocated")
    func outOfRange() throws {
        var options = FolderData.Options()
        options.imageSize = 16
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("jsonl"), options: options)
        let good = data.configuration(model: "concat-mlp", width: 8, seed: 1)
        #expect(good.problem == nil)
        #expect(try VQAModelConfiguration.parse(good.json, path: "x") == good)
        func mutated(_ change: (inout VQAModelConfiguration) -> Void) -> String {
            var configuration = good
            change(&configuration)
            return configuration.json
        }
        let hostile = [
            mutated { $0.data!.vocabularies.questionLength = 1_000_000_000 },
            mutated { $0.data!.vocabularies.questionLength = -3 },
            mutated { $0.vocabularySize += 1 },
            mutated { $0.answerCount = 0 },
            mutated { $0.width = 1 << 40 },
            mutated { $0.data!.preprocessing = .plain(size: 1 << 20) },
        ]
        for json in hostile {
            #expect(throws: VQAError.self) { try VQAModelConfiguration.parse(json, path: "checkpoint.safetensors") }
        }

        // Written into a real checkpoint's metadata: loading it is the same typed error.
        let folder = try temporaryFolder("hostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        let trainer = Trainer(model: try ModelCatalog.makeModel(good), options: TrainingOptions(epochs: 1, batchSize: 2), dataIdentity: "x")
        trainer.showsProgress = false
        try trainer.train(on: data.training, test: data.evaluation, types: data.types, checkpoint: checkpoint)
        let file = try SafeTensors.read(contentsOf: checkpoint)
        var metadata = file.metadata
        metadata["vqa.configuration"] = hostile[0]
        try SafeTensors.write(file.tensors, metadata: metadata, to: checkpoint)
        #expect(throws: VQAError.self) { try VQACheckpoint.loadModel(from: checkpoint) }
    }
}
