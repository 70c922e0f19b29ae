import CFusionKitKernels
import COpenBLAS
import Foundation

/// The OpenBLAS library under FusionKit: which kernel it runs and on how many threads.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its Prescott
/// kernel, about a fifth of the speed the CPU can give. The first time FusionKit needs BLAS it
/// compares the live kernel with what the CPU supports and, if the kernel is older, reloads
/// OpenBLAS's kernel table with the right one. A user who set `OPENBLAS_CORETYPE` keeps that choice.
///
/// OpenBLAS's worker threads spin (calling sched_yield) for 2^28 cycles, about a tenth of a
/// second, after each threaded call before they sleep. FusionKit runs much of its work on its own
/// threads (`parallelChunks`: convolutions, the recurrent layers), and on a machine with as many
/// cores as threads a spinning OpenBLAS worker takes a share of a core from them (a third of
/// both cores' time in a profiled concat-MLP training step). So at first use FusionKit shortens
/// that spin to 2^20 cycles, a few tenths of a millisecond (`threadSpinExponent`), unless
/// `OPENBLAS_THREAD_TIMEOUT` is set: long enough that the workers stay awake between the small
/// threaded products of a batch-1 forward, short enough to give the cores back to training
/// (measured in Docs/Benchmarks.md, "OpenBLAS's idle spin, the GRU step in C, encoders side by
/// side").
public enum BLAS {
    /// How the live kernel was chosen.
    public enum KernelChoice: String, Sendable {
        /// OpenBLAS's own detection was already as good as the CPU allows.
        case library
        /// FusionKit replaced an older kernel with the one the CPU supports.
        case upgraded
        /// The user set `OPENBLAS_CORETYPE`; FusionKit left it alone.
        case user
    }

    /// A snapshot of the BLAS setup, for logs and benchmark reports.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// The kernel OpenBLAS runs now, as `openblas_get_corename()` reports it (e.g. "SkylakeX").
        public var kernel: String
        /// The kernel OpenBLAS had picked itself before FusionKit looked.
        public var detectedKernel: String
        /// How `kernel` came to be.
        public var choice: KernelChoice
        /// The number of threads OpenBLAS uses for one call.
        public var threads: Int
        /// How long OpenBLAS's idle workers spin before sleeping, log2 of cycles (see `threadSpin`).
        public var threadSpin: Int
        /// The OpenBLAS build string (version and options).
        public var buildConfiguration: String
        /// Whether FusionKit's own AVX-512 kernels multiply the matrices instead of OpenBLAS
        /// (`GEMMKernel`, `Tensor.usesOwnGEMM`).
        public var ownGEMM: Bool

        public var description: String {
            "OpenBLAS kernel \(kernel) (\(choice.rawValue); detected \(detectedKernel)), \(threads) thread(s) spinning 2^\(threadSpin) cycles when idle, "
                + "products by \(ownGEMM ? "FusionKit's AVX-512 kernels" : "OpenBLAS"), \(buildConfiguration)"
        }
    }

    private static let setup: (detected: String, choice: KernelChoice) = {
        let kernel = configureKernel()
        configureThreadSpin()
        noteKernelWidth()
        return kernel
    }()

    /// Whether the live OpenBLAS kernel uses AVX-512 (SkylakeX or newer); when it does not on a
    /// CPU that has it, `Tensor.gemm` runs FusionKit's own kernels (`GEMMKernel`). Updated
    /// whenever the kernel is loaded.
    nonisolated(unsafe) private(set) static var openBLASRunsAVX512 = false

    private static func noteKernelWidth() {
        openBLASRunsAVX512 = generation(of: String(cString: openblas_get_corename())) >= generation(of: "SkylakeX")
    }

    /// The spin-wait FusionKit gives OpenBLAS's idle worker threads when the user has not set
    /// `OPENBLAS_THREAD_TIMEOUT`: 2^this cycles.
    public static let threadSpinExponent = 20

    /// How long OpenBLAS's idle workers spin before sleeping, as log2 of cycles (OpenBLAS's
    /// default, 28, unless FusionKit or the user set it).
    public static var threadSpin: Int {
        ensureConfigured()
        guard let read = ThreadServer.function("openblas_thread_timeout") else { return 28 }
        let exponent = Int(unsafeBitCast(read, to: (@convention(c) () -> Int32).self)())
        return exponent > 0 ? Swift.min(Swift.max(exponent, 4), 30) : 28
    }

    /// Makes sure the kernel choice has been made; every BLAS and LAPACK call goes through here.
    @inline(__always)
    static func ensureConfigured() { _ = setup }

    /// The live configuration.
    public static var configuration: Configuration {
        ensureConfigured()
        return Configuration(kernel: kernelName, detectedKernel: setup.detected, choice: setup.choice,
                             threads: threadCount, threadSpin: threadSpin, buildConfiguration: String(cString: openblas_get_config()),
                             ownGEMM: Tensor.usesOwnGEMM(avx512Available: fk_sgemm_available() != 0, openBLASKernel: kernelName))
    }

    /// The kernel OpenBLAS runs now.
    public static var kernelName: String {
        ensureConfigured()
        return String(cString: openblas_get_corename())
    }

    /// The number of threads one BLAS call may use. Setting it takes effect for the next call.
    public static var threadCount: Int {
        get {
            ensureConfigured()
            return Int(openblas_get_num_threads())
        }
        set {
            ensureConfigured()
            precondition(newValue >= 1, "BLAS.threadCount: \(newValue) must be at least 1")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    private static let concurrencyLock = NSLock()

    /// Runs `body` on disjoint ranges covering `0..<count`, one per core, with every BLAS call
    /// inside single-threaded: many independent medium GEMMs (one per image of a batch) run
    /// faster side by side than one after another each split across threads. Falls back to one
    /// range on the calling thread (BLAS threads unchanged) when that cannot help.
    static func parallelChunks(count: Int, _ body: (Range<Int>) -> Void) {
        let chunks = parallelShares(count: count)
        let threads = openblas_get_num_threads()
        guard chunks >= 2, concurrencyLock.try() else {
            body(0..<count)
            return
        }
        defer { concurrencyLock.unlock() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(threads) }
        WorkerPool.run(count: chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// How many ranges `parallelChunks(count:)` splits `count` into when no other split is running.
    static func parallelShares(count: Int) -> Int {
        ensureConfigured()
        return Swift.min(count, Swift.min(Int(openblas_get_num_threads()), Parallel.threadCount))
    }

    /// `parallelChunks` for work that accumulates into a few small tensors (weight gradients):
    /// each range's `body` returns its own partial sums, and these are added position by position,
    /// in range order (so the result does not depend on which core finished first). A position
    /// that every range leaves nil stays nil.
    static func parallelPartialSums(count: Int, _ body: (Range<Int>) -> [Tensor?]) -> [Tensor?] {
        let parts = Locked([(Int, [Tensor?])]())
        parallelChunks(count: count) { range in
            let partial = body(range)
            parts.withLock { $0.append((range.lowerBound, partial)) }
        }
        let ordered = parts.withLock { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
        guard let first = ordered.first else { return [] }
        return first.indices.map { position in
            let terms = ordered.compactMap { $0[position] }
            return terms.isEmpty ? nil : terms.dropFirst().reduce(terms[0], +)
        }
    }

    /// The OpenBLAS kernel name best suited to this CPU, from its instruction-set flags, or nil
    /// when the CPU is not x86-64 or its flags cannot be read.
    public static func preferredKernel(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// A rough order of OpenBLAS x86-64 kernels by the widest instructions they use, so that
    /// FusionKit only ever moves to a faster one.
    static func generation(of kernel: String) -> Int {
        switch kernel.lowercased() {
        case "sapphirerapids", "cooperlake", "skylakex": return 5
        case "haswell", "zen", "excavator", "steamroller", "skylake": return 4
        case "sandybridge", "bulldozer", "piledriver": return 3
        case "nehalem", "barcelona", "bobcat", "opteron_sse3", "opteron": return 2
        case "core2", "penryn", "dunnington", "atom", "nano": return 1
        default: return 0  // prescott, katmai, coppermine, northwood, banias, unknown
        }
    }

    /// The instruction-set flags of the first CPU in /proc/cpuinfo (empty when unreadable).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    private static func configureKernel() -> (detected: String, choice: KernelChoice) {
        let detected = String(cString: openblas_get_corename())
        if let requested = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !requested.isEmpty {
            return (detected, .user)
        }
        guard let preferred = preferredKernel(cpuFlags: cpuFlags()),
              generation(of: preferred) > generation(of: detected) else {
            return (detected, .library)
        }
        let live = reloadKernel(named: preferred)
        return (detected, live == detected ? .library : .upgraded)
    }

    /// Reloads OpenBLAS's kernel table with the named kernel (an OpenBLAS core name such as
    /// "SkylakeX", "Haswell" or "Prescott") and returns the kernel now live. OpenBLAS falls back
    /// to its own detection for a name it does not know. Call it before other threads use BLAS.
    @discardableResult
    public static func selectKernel(_ name: String) -> String {
        ensureConfigured()
        return reloadKernel(named: name)
    }

    /// Upgrades the live kernel if it is older than the CPU allows, as at first use; returns the
    /// live kernel. Where OpenBLAS's own detection found a kernel of the preferred generation or
    /// newer (its "Zen" on AMD EPYC, say, beside FusionKit's generic "Haswell"), that one comes back.
    @discardableResult
    public static func upgradeKernelIfOlder() -> String {
        ensureConfigured()
        let live = kernelName
        if let preferred = preferredKernel(cpuFlags: cpuFlags()), generation(of: preferred) > generation(of: live) {
            let detected = setup.detected
            return reloadKernel(named: generation(of: detected) >= generation(of: preferred) ? detected : preferred)
        }
        return live
    }

    /// Restarts OpenBLAS's worker threads with `threadSpinExponent` unless the user chose a
    /// spin-wait; OpenBLAS reads the setting only when it starts its threads.
    private static func configureThreadSpin() {
        if let requested = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"], !requested.isEmpty { return }
        // Looked up at run time: a single-threaded OpenBLAS build has no thread server to restart.
        guard let readEnvironment = ThreadServer.function("openblas_read_env"),
              let stop = ThreadServer.function("blas_thread_shutdown_"),
              let start = ThreadServer.function("blas_thread_init") else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", String(threadSpinExponent), 1)
        unsafeBitCast(readEnvironment, to: (@convention(c) () -> Void).self)()
        unsetenv("OPENBLAS_THREAD_TIMEOUT")
        _ = unsafeBitCast(stop, to: (@convention(c) () -> Int32).self)()
        _ = unsafeBitCast(start, to: (@convention(c) () -> Int32).self)()
    }

    private static func reloadKernel(named name: String) -> String {
        let threads = openblas_get_num_threads()
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        setenv("OPENBLAS_CORETYPE", name, 1)
        gotoblas_dynamic_quit()
        gotoblas_dynamic_init()
        if let previous { setenv("OPENBLAS_CORETYPE", previous, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        openblas_set_num_threads(threads)
        noteKernelWidth()
        return String(cString: openblas_get_corename())
    }
}

/// OpenBLAS's thread-server entry points, found by name in the loaded libraries (they are
/// exported by its threaded builds, Debian's default, but declared in no header).
private enum ThreadServer {
    /// The running program and the libraries it loaded, searched by `dlsym`.
    nonisolated(unsafe) private static let program = dlopen(nil, RTLD_NOW)

    static func function(_ name: String) -> UnsafeMutableRawPointer? {
        program.flatMap { dlsym($0, name) }
    }
}
