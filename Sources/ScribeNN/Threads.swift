import COpenBLAS
import ScribeCore

/// The number of threads every ScribeNN kernel uses: Scribe's own parallel loops (the
/// images of a batch in the convolutions, CTC over sequences, the two directions of a
/// bidirectional layer, the rows of a large matrix product). OpenBLAS itself always runs on
/// one thread: its own pool would keep spinning (`sched_yield`) for a while after each
/// product, competing with Scribe's workers for the same cores. Results depend on the seed
/// and on this count only, never on scheduling.
public enum ComputeThreads {
    nonisolated(unsafe) private static var current = 1
    /// Threads a matrix product may split into (`BLAS.gemm`): the count in force, or 1
    /// inside work that is already spread over the threads.
    nonisolated(unsafe) private(set) static var gemmThreads = 1

    /// OpenBLAS starts with one thread per core; Scribe keeps it at one before the first
    /// product and splits large products itself.
    static let applyDefault: Void = { openblas_set_num_threads(1) }()

    /// The thread count in force (1 until `set` is called).
    public static var count: Int { current }

    /// Uses `n` threads from now on (clamped to at least 1). Call it from one thread, between
    /// training steps, not while layers are running.
    public static func set(_ n: Int) {
        _ = applyDefault
        current = max(1, n)
        gemmThreads = current
    }

    /// OpenBLAS's own thread count (always 1).
    static var openBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with matrix products limited to `n` threads, then restores the setting.
    /// Used when Scribe already runs independent work on separate threads.
    static func withProductThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        gemmThreads = max(1, n)
        defer { gemmThreads = current }
        return try body()
    }
}

extension ComputeThreads {
    /// How many chunks `forEachChunk(count)` splits its work into: at most one per thread.
    static func chunks(_ count: Int) -> Int { max(1, min(current, count)) }

    /// Runs `body(range, chunk)` on the chunks of `0..<count` concurrently, with matrix
    /// products at one thread inside each (the parallel work is then the chunks, e.g. the images of
    /// a batch); inline when one thread is in force. Chunk boundaries depend only on
    /// `count` and the thread count, so per-chunk partial sums are reproducible.
    static func forEachChunk(_ count: Int, _ body: (Range<Int>, Int) -> Void) {
        let n = chunks(count)
        guard n > 1 else {
            if count > 0 { body(0..<count, 0) }
            return
        }
        withProductThreads(1) { Workers.forEachChunk(count: count, threads: n, body) }
    }
}
