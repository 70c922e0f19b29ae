// swift-tools-version: 6.1
import PackageDescription

// FusionKit's example programs, including the `vqa` command, in a package of their own: a library
// user who depends on FusionKit resolves no command-line parser; only these programs use
// swift-argument-parser. Build with `swift build --package-path Examples` (the Makefile does).
let package = Package(
    name: "FusionKitExamples",
    dependencies: [
        // The library package one folder up. Named, so that products are found whatever the
        // clone's folder is called.
        .package(name: "FusionKit", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "vqa",
            dependencies: [
                .product(name: "VQAKit", package: "FusionKit"),
                .product(name: "SortOfCLEVR", package: "FusionKit"),
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "VQA/Command"
        ),
        .executableTarget(
            name: "vqa-custom-model",
            dependencies: [
                .product(name: "VQAKit", package: "FusionKit"),
                .product(name: "SortOfCLEVR", package: "FusionKit"),
                .product(name: "FusionKit", package: "FusionKit"),
            ],
            path: "VQA/CustomModel"
        ),
        .executableTarget(
            name: "data-parallel-mlp",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "FusionKitDistributed", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "DataParallel"
        ),
        .executableTarget(
            name: "blas-info",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "BLASInfo"
        ),
        .executableTarget(
            name: "quickstart",
            dependencies: [.product(name: "FusionKit", package: "FusionKit")],
            path: "Quickstart"
        ),
        .executableTarget(
            name: "contrastive-scenes",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "FusionKitData", package: "FusionKit"),
                .product(name: "SortOfCLEVR", package: "FusionKit"),
            ],
            path: "ContrastiveScenes"
        ),
        .executableTarget(
            name: "clip-rank",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "FusionKitData", package: "FusionKit"),
            ],
            path: "CLIPRank"
        ),
        .executableTarget(
            name: "sentence-similarity",
            dependencies: [.product(name: "FusionKit", package: "FusionKit")],
            path: "SentenceSimilarity"
        ),
        .executableTarget(
            name: "train-mlp",
            dependencies: [.product(name: "FusionKit", package: "FusionKit")],
            path: "TrainMLP"
        ),
        .executableTarget(
            name: "multi-branch-cnn",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "MultiBranchCNN"
        ),
        .executableTarget(
            name: "fusion-tour",
            dependencies: [
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "FusionTour"
        ),
    ]
)
