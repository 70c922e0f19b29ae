// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "FusionKit",
    products: [
        .library(name: "FusionKit", targets: ["FusionKit"]),
        .library(name: "SortOfCLEVR", targets: ["SortOfCLEVR"]),
        .library(name: "FusionKitDistributed", targets: ["FusionKitDistributed"]),
        .library(name: "FusionKitData", targets: ["FusionKitData"]),
        // The VQA models, trainer, checkpoints and data-folder support behind the `vqa` program.
        .library(name: "VQAKit", targets: ["VQAKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian's OpenBLAS (cblas) and LAPACKE, seen through one module map.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // FFTW (single precision) for compact bilinear pooling's circular convolutions.
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        // Open MPI (Debian's libopenmpi-dev), for data-parallel training across processes and hosts.
        .systemLibrary(
            name: "COpenMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        // FusionKit's C kernels: element-wise math, softmax rows and convolution epilogues, the GRU step
        // and Winograd transforms (compiled for AVX-512, AVX2 and the baseline, chosen at run time), the
        // AVX-512 matrix products and the worker pool.
        .target(name: "CFusionKitKernels"),
        .target(
            name: "FusionKit",
            dependencies: ["COpenBLAS", "CFusionKitKernels", "CFFTW"],
            linkerSettings: [.linkedLibrary("lapacke"), .linkedLibrary("openblas")]
        ),
        // libpng 1.6 and libjpeg-turbo's libjpeg API (Debian's libpng-dev and libjpeg62-turbo-dev).
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // PNG and JPEG decoding and PNG encoding in C, where libpng's and libjpeg's setjmp/longjmp
        // error handling stays inside C frames.
        .target(
            name: "CImageCodecs",
            dependencies: ["CLibPNG", "CLibJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        // Image files, transforms, data sets and the batch loader (torchvision.io, transforms and
        // torch.utils.data in one module), and the standard VQA layouts.
        .target(name: "FusionKitData", dependencies: ["FusionKit", "CImageCodecs"]),
        // Data-parallel training on MPI; the core library above builds without MPI.
        .target(name: "FusionKitDistributed", dependencies: ["FusionKit", "FusionKitData", "COpenMPI"]),
        // Seeded Sort-of-CLEVR scenes with English questions (the VQA data set).
        .target(name: "SortOfCLEVR", dependencies: ["FusionKit"]),
        // The VQA models, training loop, checkpoints and reports behind the `vqa` program.
        .target(name: "VQAKit", dependencies: ["FusionKit", "FusionKitData", "FusionKitDistributed", "SortOfCLEVR"]),
        .executableTarget(
            name: "vqa",
            dependencies: ["VQAKit", "SortOfCLEVR", "FusionKit",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/VQA/Command"
        ),
        .executableTarget(
            name: "data-parallel-mlp",
            dependencies: ["FusionKit", "FusionKitDistributed",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/DataParallel"
        ),
        .executableTarget(
            name: "vqa-custom-model",
            dependencies: ["VQAKit", "SortOfCLEVR", "FusionKit"],
            path: "Examples/VQA/CustomModel"
        ),
        // Exports VQA models, a batch, logits and gradients for the PyTorch peers (Benchmarks/peer/vqa_parity.py).
        .executableTarget(
            name: "vqa-peer-export",
            dependencies: ["VQAKit", "FusionKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/VQAPeerExport"
        ),
        .executableTarget(
            name: "fusionkit-bench",
            dependencies: [
                "FusionKit",
                "FusionKitData",
                "VQAKit",
                "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/FusionKitBench"
        ),
        .executableTarget(
            name: "blas-info",
            dependencies: [
                "FusionKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/BLASInfo"
        ),
        .executableTarget(
            name: "quickstart",
            dependencies: ["FusionKit"],
            path: "Examples/Quickstart"
        ),
        .executableTarget(
            name: "contrastive-scenes",
            dependencies: ["FusionKit", "FusionKitData", "SortOfCLEVR"],
            path: "Examples/ContrastiveScenes"
        ),
        .executableTarget(
            name: "clip-rank",
            dependencies: ["FusionKit", "FusionKitData"],
            path: "Examples/CLIPRank"
        ),
        .executableTarget(
            name: "sentence-similarity",
            dependencies: ["FusionKit"],
            path: "Examples/SentenceSimilarity"
        ),
        .executableTarget(
            name: "train-mlp",
            dependencies: ["FusionKit"],
            path: "Examples/TrainMLP"
        ),
        .executableTarget(
            name: "multi-branch-cnn",
            dependencies: ["FusionKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/MultiBranchCNN"
        ),
        .executableTarget(
            name: "fusion-tour",
            dependencies: ["FusionKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/FusionTour"
        ),
        .testTarget(
            name: "FusionKitTests",
            dependencies: ["FusionKit"]
        ),
        .testTarget(name: "SortOfCLEVRTests", dependencies: ["SortOfCLEVR", "FusionKit"]),
        .testTarget(name: "DistributedTests", dependencies: ["FusionKitDistributed", "FusionKitData", "FusionKit"]),
        .testTarget(name: "DataTests", dependencies: ["FusionKitData", "FusionKit"]),
        .testTarget(name: "VQATests", dependencies: ["VQAKit", "SortOfCLEVR", "FusionKit", "FusionKitData"]),
    ]
)
