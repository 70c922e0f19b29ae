import Foundation
import FusionKit
import FusionKitData

// Ranks captions for a picture with a CLIP model folder (config.json, model.safetensors,
// vocab.json, merges.txt — a Hugging Face CLIPModel as `save_pretrained` writes it, with its
// tokenizer files).
//
//   swift run -c release --package-path Examples clip-rank --model FOLDER --image photo.jpg "a dog on a sofa" "a red car" …

var arguments = Array(CommandLine.arguments.dropFirst())
var folder: URL?, image: URL?
while let option = arguments.first, option.hasPrefix("--") {
    guard arguments.count >= 2 else {
        FileHandle.standardError.write(Data("clip-rank: \(option) needs a value\n".utf8))
        exit(2)
    }
    switch option {
    case "--model": folder = URL(fileURLWithPath: arguments[1])
    case "--image": image = URL(fileURLWithPath: arguments[1])
    default:
        FileHandle.standardError.write(Data("clip-rank: unknown option \(option); usage: clip-rank --model FOLDER --image FILE caption…\n".utf8))
        exit(2)
    }
    arguments.removeFirst(2)
}
guard let folder, let image, !arguments.isEmpty else {
    FileHandle.standardError.write(Data("usage: clip-rank --model FOLDER --image FILE caption [caption …]\n".utf8))
    exit(2)
}

do {
    let model = try CLIPModel(folder: folder)
    let tokenizer = try CLIPTokenizer(folder: folder)
    let started = Date()
    let ranked = try ImageTextRanking.rank(imageFile: image, captions: arguments, model: model, tokenizer: tokenizer)
    print("\(image.path):")
    for entry in ranked {
        print(String(format: "%6.1f%%  %8.3f  ", entry.probability * 100, entry.logit) + entry.caption)
    }
    print(String(format: "(%d captions scored in %.1f ms)", arguments.count, Date().timeIntervalSince(started) * 1000))
} catch {
    FileHandle.standardError.write(Data("clip-rank: \(error.localizedDescription)\n".utf8))
    exit(1)
}
