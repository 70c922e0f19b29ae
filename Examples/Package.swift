// swift-tools-version: 6.1
import PackageDescription

// FusionKit's example programs, including the `vqa` command, in a package of their own: a library
// user who depends on FusionKit resolves no command-line parser; only these programs use
// swift-argument-parser. Build with `swift build --package-path Examples` (the Makefile does).

/// A library product of the FusionKit package one folder up.
func library(_ name: String) -> Target.Dependency { .product(name: name, package: "FusionKit") }
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

/// An example program: its name (what `swift run` takes), its folder and what it uses.
func program(_ name: String, in folder: String, using dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: folder)
}

let package = Package(
    name: "FusionKitExamples",
    // Deliberate pattern (same shape as Benchmarks/Package.swift): a manifest cannot import
    // another, so each program package names its two dependencies itself.
    dependencies: [
        // The library package one folder up. Named, so that products are found whatever the
        // clone's folder is called.
        .package(name: "FusionKit", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        program("vqa", in: "VQA/Command",
                using: [library("VQAKit"), library("SortOfCLEVR"), library("FusionKit"), argumentParser]),
        program("vqa-custom-model", in: "VQA/CustomModel",
                using: [library("VQAKit"), library("SortOfCLEVR"), library("FusionKit")]),
        program("data-parallel-mlp", in: "DataParallel",
                using: [library("FusionKit"), library("FusionKitDistributed"), argumentParser]),
        program("blas-info", in: "BLASInfo", using: [library("FusionKit"), argumentParser]),
        program("quickstart", in: "Quickstart", using: [library("FusionKit")]),
        program("contrastive-scenes", in: "ContrastiveScenes",
                using: [library("FusionKit"), library("FusionKitData"), library("SortOfCLEVR")]),
        program("clip-rank", in: "CLIPRank", using: [library("FusionKit"), library("FusionKitData")]),
        program("sentence-similarity", in: "SentenceSimilarity", using: [library("FusionKit")]),
        program("train-mlp", in: "TrainMLP", using: [library("FusionKit")]),
        program("multi-branch-cnn", in: "MultiBranchCNN", using: [library("FusionKit"), argumentParser]),
        program("fusion-tour", in: "FusionTour", using: [library("FusionKit"), argumentParser]),
    ]
)
