import Foundation
import FusionKit

// Ranks sentences by their similarity to a query with a sentence-transformers model folder
// (all-MiniLM-L6-v2 by default: `make minilm` unpacks it into .models/).
//
//   swift run -c release --package-path Examples sentence-similarity [--model FOLDER] ["query" "sentence" "sentence" …]

var arguments = Array(CommandLine.arguments.dropFirst())
var folder = URL(fileURLWithPath: ".models/all-MiniLM-L6-v2")
if arguments.first == "--model" {
    guard arguments.count >= 2 else {
        FileHandle.standardError.write(Data("sentence-similarity: --model needs a folder\n".utf8))
        exit(2)
    }
    folder = URL(fileURLWithPath: arguments[1])
    arguments.removeFirst(2)
}
let query = arguments.first ?? "Where can I catch a train?"
let sentences = arguments.count > 1 ? Array(arguments.dropFirst()) : [
    "The railway station is two streets away.",
    "Trains leave every ten minutes from platform 4.",
    "A man is playing a guitar on the street.",
    "The stock market fell sharply on Tuesday.",
    "Buses are cheaper than taxis here.",
    "She bought a new bicycle.",
]

do {
    let encoder = try SentenceEncoder(folder: folder)
    let started = Date()
    let vectors = encoder.encode([query] + sentences)
    let seconds = Date().timeIntervalSince(started)
    let scores = SentenceEmbedding.cosineSimilarities(vectors.slice(0..<1, alongAxis: 0),
                                                      vectors.slice(1..<(sentences.count + 1), alongAxis: 0)).scalars
    print("query: \(query)")
    for (score, sentence) in zip(scores, sentences).sorted(by: { $0.0 > $1.0 }) {
        print(String(format: "%6.3f  ", score) + sentence)
    }
    print(String(format: "(%d sentences encoded in %.1f ms)", sentences.count + 1, seconds * 1000))
} catch {
    FileHandle.standardError.write(Data("sentence-similarity: \(error.localizedDescription)\n".utf8))
    exit(1)
}
