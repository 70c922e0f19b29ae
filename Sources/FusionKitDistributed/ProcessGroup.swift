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

    /// How long one collective may wait for the other ranks, in seconds, before this rank ends the
    /// whole job with a message naming itself and the operation (a rank that hangs without dying
    /// would otherwise leave every other rank waiting forever). Set it before training starts;
    /// ``duplicate()`` copies it. Defaults to ``defaultCollectiveTimeout``.
    public var collectiveTimeout: Double

    /// The environment variable that sets ``defaultCollectiveTimeout`` (seconds, a positive number).
    /// Under `mpirun` on several hosts, forward it with `-x FUSIONKIT_COLLECTIVE_TIMEOUT`.
    public static let collectiveTimeoutVariable = "FUSIONKIT_COLLECTIVE_TIMEOUT"

    /// `FUSIONKIT_COLLECTIVE_TIMEOUT` if it holds a positive number of seconds, otherwise 300: far
    /// longer than any collective of a healthy job (a step, a checkpoint written by rank 0 while
    /// the others wait at the next collective), short enough that a stuck job ends within minutes.
    public static var defaultCollectiveTimeout: Double {
        let text = ProcessInfo.processInfo.environment[collectiveTimeoutVariable] ?? ""
        if let seconds = Double(text), seconds > 0, seconds.isFinite { return seconds }
        return 300
    }

    private init(rank: Int, size: Int, localRank: Int, localSize: Int, communicator: MPI_Comm?,
                 collectiveTimeout: Double = ProcessGroup.defaultCollectiveTimeout) {
        self.rank = rank
        self.size = size
        self.localRank = localRank
        self.localSize = localSize
        self.communicator = communicator
        self.collectiveTimeout = collectiveTimeout
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
        return ProcessGroup(rank: rank, size: size, localRank: localRank, localSize: localSize, communicator: copy,
                            collectiveTimeout: collectiveTimeout)
    }

    // Every collective below is started non-blocking and completed by `waitForCompletion`, which
    // ends the job when `collectiveTimeout` passes: a blocking MPI call could not be given a deadline.

    /// Replaces `values` on every process by their element-wise sum over all processes.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try startAllReduceSum(values).wait()
    }

    /// Element-wise sum (or maximum) over all processes, in double precision (counters, timings).
    public func allReduce(_ values: [Double], maximum: Bool = false) throws -> [Double] {
        guard let communicator, !values.isEmpty else { return values }
        var result = values
        let operation = maximum ? fusionkit_mpi_max() : fusionkit_mpi_sum()
        try result.withUnsafeMutableBufferPointer { buffer in
            var request: MPI_Request? = fusionkit_mpi_request_null()
            try check("MPI_Iallreduce", MPI_Iallreduce(fusionkit_mpi_in_place(), buffer.baseAddress, Int32(buffer.count),
                                                       fusionkit_mpi_double(), operation, communicator, &request))
            try waitForCompletion(of: &request, operation: "MPI_Iallreduce")
        }
        return result
    }

    /// Copies rank `root`'s `values` into every other process's.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int = 0) throws {
        guard let communicator, values.count > 0 else { return }
        var request: MPI_Request? = fusionkit_mpi_request_null()
        try check("MPI_Ibcast", MPI_Ibcast(values.baseAddress, Int32(values.count), fusionkit_mpi_float(),
                                           Int32(root), communicator, &request))
        try waitForCompletion(of: &request, operation: "MPI_Ibcast")
    }

    /// Returns when every process has called it.
    public func barrier() throws {
        guard let communicator else { return }
        var request: MPI_Request? = fusionkit_mpi_request_null()
        try check("MPI_Ibarrier", MPI_Ibarrier(communicator, &request))
        try waitForCompletion(of: &request, operation: "MPI_Ibarrier")
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

    /// Drives `request` to completion with `MPI_Test` (Open MPI progresses a non-blocking
    /// collective only inside MPI calls, as `MPI_Wait` would), yielding the core between polls
    /// once the wait is longer than a short spin. If `collectiveTimeout` seconds pass first, the
    /// job ends through ``abort(_:code:)``: a collective cannot be cancelled, and its buffer stays
    /// in MPI's hands, so going on is not safe.
    func waitForCompletion(of request: inout MPI_Request?, operation: String) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let limit = UInt64(collectiveTimeout * 1e9)
        var done: Int32 = 0
        var polls = 0
        while true {
            try check("MPI_Test", MPI_Test(&request, &done, fusionkit_mpi_status_ignore()))
            if done != 0 { return }
            polls += 1
            if polls > Self.spinningPolls { sched_yield() }
            if polls % 64 == 0 && DispatchTime.now().uptimeNanoseconds - start > limit {
                abort(Self.stalledMessage(rank: rank, size: size, operation: operation, seconds: collectiveTimeout))
            }
        }
    }

    /// Polls made back to back before each further poll yields the core to other threads.
    private static let spinningPolls = 1 << 12

    /// What a rank prints when a collective passes its deadline.
    static func stalledMessage(rank: Int, size: Int, operation: String, seconds: Double) -> String {
        "rank \(rank) of \(size): \(operation) did not complete within \(seconds) s; another rank is stuck or "
            + "no longer takes part in collectives. Ending the job (the limit is ProcessGroup.collectiveTimeout, "
            + "or \(collectiveTimeoutVariable) in seconds)."
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

    /// Returns when the reduction has finished, or ends the job after the group's
    /// `collectiveTimeout`.
    func wait() throws {
        guard request != nil, request != fusionkit_mpi_request_null() else { return }
        try group.waitForCompletion(of: &request, operation: "MPI_Iallreduce")
    }
}
