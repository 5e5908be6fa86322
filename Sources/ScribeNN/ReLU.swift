#if canImport(Glibc)
import Glibc
#endif

/// The rectified linear unit, max(0, x), applied to every value.
public final class ReLU: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    /// y is (T, B, C): the last output, from which the derivative is computed.
    private var y = SequenceBatch(values: Tensor(shape: [0, 0, 0]))

    public init(size: Int) { inputSize = size }

    public var spec: String { "Ar" }

    public func releaseCaches() { y = SequenceBatch(values: Tensor(shape: [0, 0, 0])) }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( x, channels: inputSize, "ReLU")
        y = pointwiseForward(x) { v in max(0, v) }
        return y
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        pointwiseBackward(dy, output: y) { yv in yv > 0 ? 1 : 0 }
    }
}
