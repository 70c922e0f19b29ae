import COpenMPI
import Foundation

/// The processes of one data-parallel job and the collective operations between them, on Open
/// MPI. Every process runs the same program; each has a `rank` in `0..<size`. A collective
/// (all-reduce, broadcast, barrier) must be called by every process, in the same order.
///
/// `ProcessGroup.single` is the job of one process: every collective returns at once and MPI is
/// never initialised, so the same training code runs with and without `mpirun`.
public final class ProcessGroup: @unchecked Sendable {
    /// This process's place in the job, 0 ..< size. Rank 0 writes checkpoints and reports.
    public let rank: Int
    /// The number of processes in the job.
    public let size: Int
    /// This process's place among the processes on the same machine, and their number.
    public let localRank: Int
    public let localSize: Int
    private let communicator: MPI_Comm?

    private init(rank: Int, size: Int, localRank: Int, localSize: Int, communicator: MPI_Comm?) {
        self.rank = rank
        self.size = size
        self.localRank = localRank
        self.localSize = localSize
        self.communicator = communicator
    }

    /// The job of this process alone (no MPI).
    public static let single = ProcessGroup(rank: 0, size: 1, localRank: 0, localSize: 1, communicator: nil)

    /// Whether this process was started by `mpirun` (Open MPI or another PMI launcher sets these).
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    private static let worldLock = NSLock()
    nonisolated(unsafe) private static var initializedWorld: ProcessGroup?

    /// All processes of the job, initialising MPI on the first call (a process started without
    /// `mpirun` is a job of one). MPI is finalised when the process exits normally.
    public static func world() throws -> ProcessGroup {
        worldLock.lock()
        defer { worldLock.unlock() }
        if let initializedWorld { return initializedWorld }
        var alreadyInitialized: Int32 = 0
        MPI_Initialized(&alreadyInitialized)
        if alreadyInitialized == 0 {
            let code = MPI_Init(nil, nil)
            guard code == MPI_SUCCESS else {
                throw DistributedError.communication(operation: "MPI_Init", rank: -1, message: errorString(code))
            }
            atexit { ProcessGroup.finalizeIfNeeded() }
        }
        let world = fusionkit_mpi_comm_world()
        // Errors come back as codes (turned into thrown errors) instead of ending the process.
        MPI_Comm_set_errhandler(world, fusionkit_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        let environment = ProcessInfo.processInfo.environment
        let localRank = environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap(Int.init) ?? Int(rank)
        let localSize = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? Int(size)
        let group = ProcessGroup(rank: Int(rank), size: Int(size), localRank: localRank, localSize: localSize,
                                 communicator: world)
        initializedWorld = group
        return group
    }

    private static func finalizeIfNeeded() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    /// The same processes on a separate channel: collectives on the copy never interleave with
    /// collectives on this group (synchronised batch norm runs inside backward while gradient
    /// buckets are in flight).
    public func duplicate() throws -> ProcessGroup {
        guard let communicator else { return self }
        var copy: MPI_Comm? = nil
        try check("MPI_Comm_dup", MPI_Comm_dup(communicator, &copy))
        MPI_Comm_set_errhandler(copy, fusionkit_mpi_errors_return())
        return ProcessGroup(rank: rank, size: size, localRank: localRank, localSize: localSize, communicator: copy)
    }

    /// Replaces `values` on every process by their element-wise sum over all processes.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard let communicator, values.count > 0 else { return }
        try check("MPI_Allreduce", MPI_Allreduce(fusionkit_mpi_in_place(), values.baseAddress, Int32(values.count),
                                                 fusionkit_mpi_float(), fusionkit_mpi_sum(), communicator))
    }

    /// Element-wise sum (or maximum) over all processes, in double precision (counters, timings).
    public func allReduce(_ values: [Double], maximum: Bool = false) throws -> [Double] {
        guard let communicator, !values.isEmpty else { return values }
        var result = values
        let operation = maximum ? fusionkit_mpi_max() : fusionkit_mpi_sum()
        try result.withUnsafeMutableBufferPointer { buffer in
            try check("MPI_Allreduce", MPI_Allreduce(fusionkit_mpi_in_place(), buffer.baseAddress, Int32(buffer.count),
                                                     fusionkit_mpi_double(), operation, communicator))
        }
        return result
    }

    /// Copies rank `root`'s `values` into every other process's.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int = 0) throws {
        guard let communicator, values.count > 0 else { return }
        try check("MPI_Bcast", MPI_Bcast(values.baseAddress, Int32(values.count), fusionkit_mpi_float(),
                                         Int32(root), communicator))
    }

    /// Returns when every process has called it.
    public func barrier() throws {
        guard let communicator else { return }
        try check("MPI_Barrier", MPI_Barrier(communicator))
    }

    /// Starts summing `values` over all processes in the background; the buffer must stay alive
    /// and untouched until the returned reduction is waited for.
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        guard let communicator, values.count > 0 else { return PendingReduction(request: nil, group: self) }
        var request: MPI_Request? = fusionkit_mpi_request_null()
        try check("MPI_Iallreduce", MPI_Iallreduce(fusionkit_mpi_in_place(), values.baseAddress, Int32(values.count),
                                                   fusionkit_mpi_float(), fusionkit_mpi_sum(), communicator, &request))
        return PendingReduction(request: request, group: self)
    }

    /// Ends the whole job: prints `message` on standard error and asks MPI to stop every process
    /// (mpirun then exits with an error). For a single process it exits with `code`.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        if let communicator { MPI_Abort(communicator, code) }
        exit(code)
    }

    func check(_ operation: String, _ code: Int32) throws {
        guard code == MPI_SUCCESS else {
            throw DistributedError.communication(operation: operation, rank: rank, message: Self.errorString(code))
        }
    }

    private static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(fusionkit_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == MPI_SUCCESS else { return "MPI error \(code)" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An all-reduce running in the background (`MPI_Iallreduce`).
final class PendingReduction {
    private var request: MPI_Request?
    private let group: ProcessGroup

    init(request: MPI_Request?, group: ProcessGroup) {
        self.request = request
        self.group = group
    }

    /// Lets MPI move the reduction along (Open MPI progresses non-blocking collectives only
    /// inside MPI calls); true once it has finished.
    func poll() throws -> Bool {
        guard request != nil, request != fusionkit_mpi_request_null() else { return true }
        var done: Int32 = 0
        try group.check("MPI_Test", MPI_Test(&request, &done, fusionkit_mpi_status_ignore()))
        return done != 0
    }

    /// Returns when the reduction has finished.
    func wait() throws {
        guard request != nil, request != fusionkit_mpi_request_null() else { return }
        try group.check("MPI_Wait", MPI_Wait(&request, fusionkit_mpi_status_ignore()))
    }
}
