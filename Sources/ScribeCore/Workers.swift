import Foundation

/// How many threads Scribe's kernels use, and a helper to split work across them.
public enum Workers {
    /// The machine's active processor count.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Splits `0..<count` into at most `threads` contiguous chunks and runs `body` on each
    /// chunk concurrently. Chunk boundaries depend only on `count` and `threads`, so results
    /// that are written per index are identical from run to run.
    public static func forEachChunk(count: Int, threads: Int, _ body: (Range<Int>, Int) -> Void) {
        let n = max(1, min(threads, count))
        if n == 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: n) { chunk in
            let lo = count * chunk / n
            let hi = count * (chunk + 1) / n
            body(lo..<hi, chunk)
        }
    }
}
