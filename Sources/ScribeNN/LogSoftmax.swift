import ScribeCore
#if canImport(Glibc)
import Glibc
#endif

/// Log-softmax over the channels of every frame: y = x - log Σ exp(x).
/// Backward: dx = dy - softmax(x) · Σ dy (per frame).
public final class LogSoftmax: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    /// y is (T, B, C): the last output.
    private var y = SequenceBatch(values: Tensor(shape: [0, 0, 0]))

    public init(size: Int) { inputSize = size }

    public var spec: String { "Om" }

    public func releaseCaches() { y = SequenceBatch(values: Tensor(shape: [0, 0, 0])) }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( x, channels: inputSize, "LogSoftmax")
        var out = x
        x.values.withUnsafeValues { s in
            out.values.withUnsafeMutableValues { d in
                LogSpace.logSoftmaxRows(s.baseAddress!, d.baseAddress!, rows: x.frames * x.batchSize, columns: inputSize)
            }
        }
        out.zeroPadding()
        y = out
        return out
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        precondition(dy.values.shape == y.values.shape, "LogSoftmax.backward: gradient does not match the last forward")
        var dx = dy
        let c = inputSize
        dx.values.withUnsafeMutableValues { d in
            y.values.withUnsafeValues { yv in
                for r in 0..<(y.frames * y.batchSize) {
                    let g = d.baseAddress! + r * c, lp = yv.baseAddress! + r * c
                    var sum: Float = 0
                    for j in 0..<c { sum += g[j] }
                    for j in 0..<c { g[j] -= expf(lp[j]) * sum }
                }
            }
        }
        dx.lengths = y.lengths
        dx.zeroPadding()
        return dx
    }
}
