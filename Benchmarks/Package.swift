// swift-tools-version: 6.1
import PackageDescription

// The benchmark program and the VQA peer exporter, in a package of their own (as the examples are)
// so that a library user resolves no command-line parser. `make bench` builds it in release.
let package = Package(
    name: "FusionKitBenchmarks",
    // Deliberate pattern (same shape as Examples/Package.swift): a manifest cannot import
    // another, so each program package names its two dependencies itself.
    dependencies: [
        // The library package one folder up. Named, so that products are found whatever the
        // clone's folder is called.
        .package(name: "FusionKit", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian's OpenBLAS cblas interface, for the raw sgemm baseline.
        .systemLibrary(
            name: "CBLASBaseline",
            path: "CBLASBaseline",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .executableTarget(
            name: "fusionkit-bench",
            dependencies: [
                "CBLASBaseline",
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "FusionKitData", package: "FusionKit"),
                .product(name: "VQAKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "FusionKitBench"
        ),
        // Exports VQA models, a batch, logits and gradients for the PyTorch peers (peer/vqa_parity.py).
        .executableTarget(
            name: "vqa-peer-export",
            dependencies: [
                .product(name: "VQAKit", package: "FusionKit"),
                .product(name: "FusionKit", package: "FusionKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "VQAPeerExport"
        ),
    ]
)
