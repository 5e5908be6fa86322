#if canImport(Glibc)
import Glibc
#endif

/// The logistic sigmoid, 1 / (1 + exp(-x)), applied to every value.
public final class Sigmoid: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    /// y is (T, B, C): the last output, from which the derivative is computed.
    private var y = SequenceBatch(values: Tensor(shape: [0, 0, 0]))

    public init(size: Int) { inputSize = size }

    public var spec: String { "As" }

    public func releaseCaches() { y = SequenceBatch(values: Tensor(shape: [0, 0, 0])) }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( x, channels: inputSize, "Sigmoid")
        y = pointwiseForward(x) { v in Kernels.sigmoid(v) }
        return y
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        pointwiseBackward(dy, output: y) { yv in yv * (1 - yv) }
    }
}
