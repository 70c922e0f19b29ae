// swift-tools-version: 6.1
import PackageDescription

// The libraries and their tests. The example programs (`vqa` among them) and the benchmark are
// packages of their own, Examples/Package.swift and Benchmarks/Package.swift, so that depending on
// FusionKit resolves no command-line parser.

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
        .testTarget(
            name: "FusionKitTests",
            dependencies: ["FusionKit"]
        ),
        .testTarget(name: "SortOfCLEVRTests", dependencies: ["SortOfCLEVR", "FusionKit"]),
        // Builds and finds the example programs that tests run (Examples/.build); not a product.
        .target(name: "ExampleProgramSupport", path: "Tests/ExampleProgramSupport"),
        .testTarget(name: "DistributedTests",
                    dependencies: ["FusionKitDistributed", "FusionKitData", "FusionKit", "ExampleProgramSupport"]),
        .testTarget(name: "DataTests", dependencies: ["FusionKitData", "FusionKit"]),
        .testTarget(name: "VQATests", dependencies: ["VQAKit", "SortOfCLEVR", "FusionKit", "FusionKitData", "ExampleProgramSupport"]),
    ]
)
