

/// ReLU over image tensors (B, C, H, W), for the convolutional blocks of the line encoder.
public final class ImageReLU: ImageLayer {
    /// mask is (B, C, H, W): 1 where the last input was positive.
    private var mask: [Bool] = []
    private var shape: [Int] = []

    public init() {}

    public var spec: String { "Rl" }
    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }

    public func forward(_ x: Tensor) -> Tensor {
        shape = x.shape
        var y = x
        mask = [Bool](repeating: false, count: x.count)
        y.withUnsafeMutableValues { v in
            for i in v.indices {
                if v[i] > 0 { mask[i] = true } else { v[i] = 0 }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == shape, "ImageReLU.backward: gradient \(dy.shape) does not match the last output \(shape)")
        var dx = dy
        dx.withUnsafeMutableValues { v in for i in v.indices where !mask[i] { v[i] = 0 } }
        return dx
    }
}
