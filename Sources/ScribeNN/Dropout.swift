import ScribeCore

/// Inverted dropout: in training each value is zeroed with probability `rate` and the
/// survivors are scaled by 1 / (1 - rate); at inference the layer is the identity.
/// The mask comes from the layer's own seeded generator, so a seed fixes every mask.
public final class Dropout: Layer, Reseedable {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    /// Probability of dropping a value, in [0, 1).
    public let rate: Float
    private var generator: SeededGenerator
    /// mask is (T, B, C): 0 or 1 / (1 - rate) from the last training forward; empty at inference.
    private var mask = Tensor(shape: [0])
    private var lengths: [Int] = []

    public init(size: Int, rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        inputSize = size
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    public var spec: String { "Do\(Int((rate * 100).rounded()))" }

    /// Restarts the mask generator from `seed`. A trainer reseeds every dropout layer from
    /// the step number, so a run resumed from a checkpoint draws the same masks.
    public func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

    public func releaseCaches() { mask = Tensor(shape: [0]) }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( x, channels: inputSize, "Dropout")
        lengths = x.lengths
        var y = x
        guard training && rate > 0 else {
            mask = Tensor(shape: [0])
            y.zeroPadding()
            return y
        }
        let keep = 1 / (1 - rate)
        mask.resize(to: x.values.shape)
        mask.withUnsafeMutableValues { m in
            for i in 0..<m.count { m[i] = generator.nextUniform() < Double(rate) ? 0 : keep }
        }
        y.values.withUnsafeMutableValues { v in
            mask.withUnsafeValues { m in for i in 0..<v.count { v[i] *= m[i] } }
        }
        y.zeroPadding()
        return y
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        var dx = dy
        dx.lengths = lengths
        if mask.count > 0 {
            precondition(mask.shape == dy.values.shape, "Dropout.backward: gradient does not match the last forward")
            dx.values.withUnsafeMutableValues { v in
                mask.withUnsafeValues { m in for i in 0..<v.count { v[i] *= m[i] } }
            }
        }
        dx.zeroPadding()
        return dx
    }
}
