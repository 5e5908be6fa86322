/// Plumbing: runs `inner` on every sequence reversed in time within its own length, so a
/// sequence's first processed frame is its own last frame whatever the padding, then
/// reverses the result back. `Parallel([LSTM, Reversed(LSTM)])` is a bidirectional LSTM.
public final class Reversed: Layer {
    public let inner: Layer

    public init(_ inner: Layer) { self.inner = inner }

    public var inputSize: Int { inner.inputSize }
    public var outputSize: Int { inner.outputSize }
    public var spec: String {
        if let l = inner as? LSTM { return "Lrx\(l.hiddenSize)" }
        if let g = inner as? GRU { return "Grx\(g.hiddenSize)" }
        return "Rx" + inner.spec
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] { inner.namedParameters() }

    /// The batch with frames 0..<lengths[b] of each sequence b in reverse order; padded
    /// frames become zero.
    static func reverse(_ x: SequenceBatch) -> SequenceBatch {
        let (T, B, C) = (x.frames, x.batchSize, x.channels)
        // r is (T, B, C)
        var r = Tensor(shape: [T, B, C])
        x.values.withUnsafeValues { src in
            r.withUnsafeMutableValues { dst in
                for b in 0..<B {
                    let n = x.lengths[b]
                    for t in 0..<n {
                        (dst.baseAddress! + (t * B + b) * C).update(from: src.baseAddress! + ((n - 1 - t) * B + b) * C, count: C)
                    }
                }
            }
        }
        return SequenceBatch(values: r, lengths: x.lengths)
    }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        Self.reverse(inner.forward(Self.reverse(x), training: training))
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        Self.reverse(inner.backward(Self.reverse(dy)))
    }
}
