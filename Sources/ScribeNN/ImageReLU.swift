/// ReLU over image tensors (B, C, H, W), for the convolutional blocks of the line encoder
/// and the line finder. Backward lets the gradient through where the last output is
/// positive (where the input was), read from that output: no mask is kept.
public final class ImageReLU: ImageLayer {
    /// output is (B, C, H, W): the last forward's result (its storage is shared with the
    /// caller's copy until either is changed).
    private var output = Tensor(shape: [0])

    public init() {}

    public var spec: String { "Rl" }
    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }

    public func releaseCaches() { output = Tensor(shape: [0]) }

    public func forward(_ x: Tensor) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        x.withUnsafeValues { v in
            y.withUnsafeMutableValues { out in
                Self.forEachBlock(v.count) { range in
                    for i in range { out[i] = max(v[i], 0) }
                }
            }
        }
        output = y
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == output.shape, "ImageReLU.backward: gradient \(dy.shape) does not match the last output \(output.shape)")
        // Written into a new tensor: one pass, where changing a copy of dy (still held by the
        // caller) would first copy it.
        var dx = Tensor(uninitializedShape: dy.shape)
        output.withUnsafeValues { y in
            dy.withUnsafeValues { g in
                dx.withUnsafeMutableValues { d in
                    Self.forEachBlock(d.count) { range in
                        for i in range { d[i] = y[i] > 0 ? g[i] : 0 }
                    }
                }
            }
        }
        return dx
    }

    /// Splits `0..<count` into the compute threads' chunks (inline below 64 Ki values,
    /// where starting threads costs more than the loop).
    static func forEachBlock(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count >= 65_536 else { body(0..<count); return }
        ComputeThreads.forEachChunk(count) { range, _ in body(range) }
    }
}
