/// Nearest-neighbour upsampling of (B, C, H, W) by integer factors, as PyTorch's
/// `nn.Upsample(scale_factor:, mode: "nearest")`: y[b, c, i, j] = x[b, c, i / fh, j / fw].
/// Backward sums each output gradient block back into its source pixel.
public final class Upsample2D: ImageLayer {
    public let factor: (height: Int, width: Int)
    private var inputShape: [Int] = []

    public init(factor: (Int, Int)) {
        precondition(factor.0 > 0 && factor.1 > 0, "Upsample2D: factors must be positive")
        self.factor = factor
    }

    public var spec: String { "Up\(factor.height)x\(factor.width)" }
    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "Upsample2D: expected (B, C, H, W), got \(x.shape)")
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (fh, fw) = factor
        inputShape = x.shape
        // y is (B, C, H·fh, W·fw)
        var y = Tensor(shape: [B, C, H * fh, W * fw])
        x.withUnsafeValues { px in
            y.withUnsafeMutableValues { py in
                for plane in 0..<(B * C) {
                    let src = px.baseAddress! + plane * H * W, dst = py.baseAddress! + plane * H * fh * W * fw
                    for i in 0..<H {
                        let row = dst + i * fh * W * fw
                        for j in 0..<W { (row + j * fw).update(repeating: src[i * W + j], count: fw) }
                        for r in 1..<fh { (row + r * W * fw).update(from: row, count: W * fw) }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let (B, C, H, W) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (fh, fw) = factor
        precondition(dy.shape == [B, C, H * fh, W * fw], "Upsample2D.backward: gradient \(dy.shape) does not match the last output")
        var dx = Tensor(shape: inputShape)
        dy.withUnsafeValues { pdy in
            dx.withUnsafeMutableValues { pdx in
                for plane in 0..<(B * C) {
                    let src = pdy.baseAddress! + plane * H * fh * W * fw, dst = pdx.baseAddress! + plane * H * W
                    for i in 0..<(H * fh) { for j in 0..<(W * fw) { dst[(i / fh) * W + j / fw] += src[i * W * fw + j] } }
                }
            }
        }
        return dx
    }
}
