/// Plumbing: runs `inner` on every sequence reversed in time within its own length, so a
/// sequence's first processed frame is its own last frame whatever the padding, then
/// reverses the result back. `Parallel([LSTM, Reversed(LSTM)])` is a bidirectional LSTM.
public final class Reversed: Layer {
    public let inner: Layer

    /// Workspaces for the reversed copies (T, B, C), reused from batch to batch.
    private var forwardIn = Tensor(shape: [0]), forwardOut = Tensor(shape: [0])
    private var backwardIn = Tensor(shape: [0]), backwardOut = Tensor(shape: [0])

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
        var r = Tensor(shape: [0])
        return reverse(x, into: &r)
    }

    /// `reverse(x)` written into `r`, whose storage is reused when its size fits.
    static func reverse(_ x: SequenceBatch, into r: inout Tensor) -> SequenceBatch {
        let (T, B, C) = (x.frames, x.batchSize, x.channels)
        // r is (T, B, C)
        r.resize(to: [T, B, C])
        x.values.withUnsafeValues { src in
            r.withUnsafeMutableValues { dst in
                for b in 0..<B {
                    let n = x.lengths[b]
                    for t in 0..<n {
                        (dst.baseAddress! + (t * B + b) * C).update(from: src.baseAddress! + ((n - 1 - t) * B + b) * C, count: C)
                    }
                    for t in n..<T { (dst.baseAddress! + (t * B + b) * C).update(repeating: 0, count: C) }
                }
            }
        }
        return SequenceBatch(values: r, lengths: x.lengths)
    }

    public func releaseCaches() {
        inner.releaseCaches()
        forwardIn = Tensor(shape: [0]); forwardOut = Tensor(shape: [0]); backwardIn = Tensor(shape: [0]); backwardOut = Tensor(shape: [0])
    }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        Self.reverse(inner.forward(Self.reverse(x, into: &forwardIn), training: training), into: &forwardOut)
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        Self.reverse(inner.backward(Self.reverse(dy, into: &backwardIn)), into: &backwardOut)
    }
}
