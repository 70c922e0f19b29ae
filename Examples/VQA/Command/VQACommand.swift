import ArgumentParser
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `vqa`: generate Sort-of-CLEVR, train and compare fusion models on it, evaluate them and ask
/// them questions.
@main
struct VQACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa",
        abstract: "Visual question answering on Sort-of-CLEVR with FusionKit's fusion strategies.",
        subcommands: [GenerateCommand.self, TrainCommand.self, EvalCommand.self, AskCommand.self, CompareCommand.self,
                      FeaturesCommand.self, HopsCommand.self])

    static func main() {
        // Epoch lines reach a log file as they happen, not when the run ends.
        setvbuf(stdout, nil, _IOLBF, 0)
        main(nil)
    }
}
