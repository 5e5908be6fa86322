import Foundation
import ScribeCore
import ScribeNN
import ScribeRecognition

/// One batch ready for the network.
public struct PreparedBatch {
    /// Position of the batch in the epoch's plan.
    public var index: Int
    /// inputs is (T, B, inputSize), padded.
    public var inputs: SequenceBatch
    /// Label sequences, one per example.
    public var targets: [[Int]]
    /// Example indices (into the training set) in batch order.
    public var examples: [Int]
    /// Examples that could not be loaded, with their errors (they are left out of `inputs`).
    public var failures: [(example: Int, error: Error)]
}

/// Builds batches on a background thread while the network trains on the previous one, so
/// decoding, augmentation and feature extraction never make the training step wait.
/// Batches come out in plan order; `capacity` bounds how many wait in memory.
final class Prefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: PreparedBatch] = [:]
    private var nextToTake: Int
    private var cancelled = false
    private let end: Int
    private let capacity: Int

    /// Starts preparing batches `start..<count` with `make(batchIndex)`.
    init(count: Int, startingAt start: Int, capacity: Int = 3, make: @escaping @Sendable (Int) -> PreparedBatch) {
        nextToTake = start
        end = count
        self.capacity = capacity
        let thread = Thread { [self] in
            var i = start
            while i < end {
                condition.lock()
                while !cancelled && ready.count >= capacity { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { return }
                let batch = make(i)
                condition.lock()
                ready[i] = batch
                condition.broadcast()
                condition.unlock()
                i += 1
            }
        }
        thread.name = "scribe-prefetch"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next batch in plan order, waiting for it if needed; nil after the last.
    func next() -> PreparedBatch? {
        condition.lock(); defer { condition.unlock() }
        guard nextToTake < end else { return nil }
        while ready[nextToTake] == nil { condition.wait() }
        let b = ready.removeValue(forKey: nextToTake)
        nextToTake += 1
        condition.broadcast()
        return b
    }

    /// Stops the producer after the batch it is working on.
    func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    deinit { cancel() }
}
