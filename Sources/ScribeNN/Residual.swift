/// Plumbing: y = x + inner(x), for an inner layer whose output size equals its input size
/// (a residual connection between stacked recurrent layers).
public final class Residual: Layer {
    public let inner: Layer

    public init(_ inner: Layer) {
        precondition(inner.inputSize == inner.outputSize,
                     "Residual: \(inner.spec) maps \(inner.inputSize) to \(inner.outputSize) channels; a residual needs equal sizes")
        self.inner = inner
    }

    public var inputSize: Int { inner.inputSize }
    public var outputSize: Int { inner.outputSize }
    public var spec: String { "Res" + inner.spec }

    public func namedParameters() -> [(name: String, parameter: Parameter)] { inner.namedParameters() }

    public func releaseCaches() { inner.releaseCaches() }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        var y = inner.forward(x, training: training)
        y.values.add(x.values)
        y.zeroPadding()
        return y
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        var dx = inner.backward(dy)
        dx.values.add(dy.values)
        dx.zeroPadding()
        return dx
    }
}
