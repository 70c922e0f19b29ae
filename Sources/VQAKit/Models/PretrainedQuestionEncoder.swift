import Foundation
import FusionKit
import SortOfCLEVR

/// What every question encoder gives a VQA model: the question vector [N, width] and states per
/// token [N, L′, width] (the GRU's per word, BERT's per word piece).
public protocol QuestionEncoding: Module {
    var width: Int { get }
    func callAsFunction(_ tokens: Tensor) -> (final: Tensor, words: Tensor)
}

extension QuestionEncoder: QuestionEncoding {}

/// Which pretrained text encoder reads the questions instead of the GRU (`vqa train
/// --question-encoder bert --question-weights DIR`), stored in the model configuration.
public struct PretrainedQuestionSettings: Codable, Equatable, Sendable {
    /// A Hugging Face BERT folder (config.json, model.safetensors, vocab.txt).
    public var folder: String
    /// How many of BERT's top layers train (with the pooler's projection): 0 keeps BERT frozen.
    public var trainedLayers: Int

    public init(folder: String, trainedLayers: Int = 0) {
        self.folder = folder
        self.trainedLayers = trainedLayers
    }
}

/// A pretrained BERT over each question's words, mean-pooled over its tokens and projected to the
/// model's width. Sort-of-CLEVR questions arrive as ids of its own vocabulary; each id's word is
/// split into word pieces once, so a question becomes `[CLS] pieces… [SEP]` for BERT.
///
/// With BERT frozen (`trainedLayers == 0`) the pooled vector of each distinct question is
/// computed once and kept: a data set asks the same questions about many images.
public final class PretrainedQuestionEncoder: Module, QuestionEncoding {
    public let bert: BertModel
    public let projection: Linear
    public let width: Int
    public let trainedLayers: Int
    private let pieces: [[Int]]
    private let classifierID: Int, separatorID: Int, paddingID: Int
    private var pooledCache: [[Float]: [Float]] = [:]
    private let cacheLock = NSLock()

    /// Loads the folder and splits the words of `vocabulary` (id → word, id 0 padding) into pieces.
    public init(_ settings: PretrainedQuestionSettings, vocabulary: [String], width: Int,
                generator: inout RandomGenerator) throws {
        let url = URL(fileURLWithPath: settings.folder)
        bert = try BertModel(folder: url)
        let tokenizer = try WordPieceTokenizer(folder: url)
        guard (0...bert.layers.count).contains(settings.trainedLayers) else {
            throw VQAError.invalidArgument("--trained-question-layers \(settings.trainedLayers) is outside 0…\(bert.layers.count)")
        }
        pieces = vocabulary.enumerated().map { $0.offset == 0 ? [] : tokenizer.tokenIDs(for: $0.element) }
        (classifierID, separatorID, paddingID) = (tokenizer.vocabulary.classifierID, tokenizer.vocabulary.separatorID,
                                                  tokenizer.vocabulary.paddingID)
        projection = Linear(bert.configuration.hiddenSize, width, generator: &generator)
        self.width = width
        trainedLayers = settings.trainedLayers
        bert.freeze()
        for layer in bert.layers.suffix(settings.trainedLayers) { layer.unfreeze() }
        super.init()
    }

    /// How many distinct questions the frozen encoder holds pooled vectors for (0 when BERT trains).
    public var cachedQuestionCount: Int { cacheLock.withLock { pooledCache.count } }

    /// BERT's parameters that train (the top `trainedLayers` layers): the ones a separate
    /// learning rate applies to.
    public var pretrainedTrainableParameters: [Parameter] { bert.parameters().filter(\.isTrainable) }

    public func callAsFunction(_ tokens: Tensor) -> (final: Tensor, words: Tensor) {
        precondition(tokens.rank == 2, "PretrainedQuestionEncoder: expected token ids [N, L], got \(tokens.shape)")
        let (rows, length) = (tokens.shape[0], tokens.shape[1])
        let questions = tokens.withUnsafeBufferPointer { ids in
            (0..<rows).map { Array(ids[($0 * length)..<(($0 + 1) * length)]) }
        }
        let sequences = questions.map { question in
            [classifierID] + question.flatMap { id -> [Int] in
                let index = Int(id)
                precondition(index >= 0 && index < pieces.count, "PretrainedQuestionEncoder: token id \(id) outside the vocabulary")
                return pieces[index]
            }.prefix(bert.configuration.maximumPositions - 2) + [separatorID]
        }
        let longest = sequences.map(\.count).max() ?? 2
        var ids: [Float] = [], mask: [Float] = []
        for sequence in sequences {
            ids += sequence.map(Float.init) + Array(repeating: Float(paddingID), count: longest - sequence.count)
            mask += Array(repeating: 1, count: sequence.count) + Array(repeating: 0, count: longest - sequence.count)
        }
        let idTensor = Tensor(ids, shape: [rows, longest]), maskTensor = Tensor(mask, shape: [rows, longest])
        if trainedLayers == 0 {
            return (projection(cachedPooling(questions, ids: idTensor, mask: maskTensor)), Tensor.zeros([rows, 0, width]))
        }
        let states = bert(ids: idTensor, attentionMask: maskTensor).lastHiddenState
        return (projection(SentenceEmbedding.meanPooling(states, mask: maskTensor)), projection(states))
    }

    /// The frozen encoder's pooled vectors, computed once per distinct question.
    private func cachedPooling(_ questions: [[Float]], ids: Tensor, mask: Tensor) -> Tensor {
        let hidden = bert.configuration.hiddenSize
        let known = cacheLock.withLock { questions.map { pooledCache[$0] } }
        if known.allSatisfy({ $0 != nil }) { return Tensor(known.flatMap { $0! }, shape: [questions.count, hidden]) }
        let pooled = withoutGradient {
            SentenceEmbedding.meanPooling(bert(ids: ids, attentionMask: mask).lastHiddenState, mask: mask)
        }
        let values = pooled.scalars
        cacheLock.withLock {
            for (row, question) in questions.enumerated() { pooledCache[question] = Array(values[(row * hidden)..<((row + 1) * hidden)]) }
        }
        return pooled
    }
}

/// The question encoder a configuration asks for: the GRU, or a pretrained BERT.
func makeQuestionEncoder(_ configuration: VQAModelConfiguration, width: Int,
                         generator: inout RandomGenerator) throws -> any QuestionEncoding {
    guard let settings = configuration.questionEncoder else {
        return QuestionEncoder(vocabularySize: configuration.vocabularySize, width: width, generator: &generator)
    }
    // The words behind the token ids: the data set's vocabulary, or Sort-of-CLEVR's.
    let words = configuration.data?.vocabularies.words.words ?? QuestionVocabulary.words
    precondition(configuration.vocabularySize == words.count,
                 "makeQuestionEncoder: \(configuration.vocabularySize) token ids for a vocabulary of \(words.count) words")
    return try PretrainedQuestionEncoder(settings, vocabulary: words, width: width, generator: &generator)
}
