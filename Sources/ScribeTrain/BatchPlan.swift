import ScribeCore

/// The order of one epoch: which examples go together in which batch, a pure function of
/// the seed, the epoch and the example lengths, so a resumed run replays it exactly.
///
/// Length bucketing: examples are sorted by length (jittered by up to ±10% each epoch so
/// batches differ between epochs), cut into batches whose padded size (longest × count)
/// stays within `maxSteps` steps and `maxBatch` examples, and the batches are shuffled.
public enum BatchPlan {
    public static func epoch(_ epoch: Int, lengths: [Int], maxSteps: Int, maxBatch: Int, seed: UInt64) -> [[Int]] {
        var g = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(epoch) &* 0x5851_F42D_4C95_7F2D &+ 7)
        let keys = lengths.map { Double($0) * (0.9 + 0.2 * g.nextUniform()) }
        let order = lengths.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        var batches: [[Int]] = []
        var current: [Int] = []
        var longest = 0
        for i in order {
            let l = max(lengths[i], 1)
            if !current.isEmpty && (max(longest, l) * (current.count + 1) > maxSteps || current.count >= maxBatch) {
                batches.append(current); current = []; longest = 0
            }
            current.append(i)
            longest = max(longest, l)
        }
        if !current.isEmpty { batches.append(current) }
        batches.shuffle(using: &g)
        return batches
    }

    /// The generator for example `index` of `epoch`: augmentation draws depend on nothing
    /// else (not on threads or on the batch the example lands in).
    public static func exampleGenerator(seed: UInt64, epoch: Int, index: Int) -> SeededGenerator {
        var g = SeededGenerator(seed: seed ^ (UInt64(epoch) << 32) ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        _ = g.next()
        return g
    }
}
