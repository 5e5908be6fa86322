/// Max pooling over (B, C, H, W) windows of `kernel` with `stride` (default: the kernel),
/// no padding, as PyTorch's nn.MaxPool2d. Backward routes each gradient to the first
/// maximum of its window.
public final class MaxPool2D: ImageLayer {
    public let kernel: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    /// argmax is (B, C, Ho, Wo): flat input index of each window's maximum.
    private var argmax: [Int] = []
    private var inputShape: [Int] = []
    private var outputShape: [Int] = []

    public init(kernel: (Int, Int), stride: (Int, Int)? = nil) {
        let s = stride ?? kernel
        precondition(kernel.0 > 0 && kernel.1 > 0 && s.0 > 0 && s.1 > 0, "MaxPool2D: sizes must be positive")
        self.kernel = kernel
        self.stride = s
    }

    public var spec: String { "Mp\(kernel.height)x\(kernel.width)" }
    public func namedParameters() -> [(name: String, parameter: Parameter)] { [] }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4, "MaxPool2D: expected (B, C, H, W), got \(x.shape)")
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let Ho = (H - kernel.height) / stride.height + 1, Wo = (W - kernel.width) / stride.width + 1
        precondition(H >= kernel.height && W >= kernel.width, "MaxPool2D: a \(H)×\(W) input is smaller than the window")
        inputShape = x.shape
        outputShape = [B, C, Ho, Wo]
        // y is (B, C, Ho, Wo); it and argmax are written in full below
        var y = Tensor(uninitializedShape: outputShape)
        argmax = [Int](unsafeUninitializedCapacity: y.count) { _, n in n = y.count }
        let (kh, kw, sh, sw) = (kernel.height, kernel.width, stride.height, stride.width)
        x.withUnsafeValues { px in
            y.withUnsafeMutableValues { py in
                argmax.withUnsafeMutableBufferPointer { pa in
                    Self.forEachPlane(B * C, size: H * W) { plane in
                        let base = plane * H * W
                        for i in 0..<Ho { for j in 0..<Wo {
                            var best = -Float.infinity, at = base + i * sh * W + j * sw
                            for u in 0..<kh { for v in 0..<kw {
                                let idx = base + (i * sh + u) * W + j * sw + v
                                if px[idx] > best { best = px[idx]; at = idx }
                            } }
                            let o = (plane * Ho + i) * Wo + j
                            py[o] = best
                            pa[o] = at
                        } }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == outputShape, "MaxPool2D.backward: gradient \(dy.shape) does not match the last output \(outputShape)")
        // dx is (B, C, H, W); a window's maximum lies in its own plane, so planes are independent.
        // Each plane is zeroed by the thread that fills it.
        var dx = Tensor(uninitializedShape: inputShape)
        let (planes, outPlane) = (inputShape[0] * inputShape[1], outputShape[2] * outputShape[3])
        let inPlane = inputShape[2] * inputShape[3]
        dy.withUnsafeValues { g in
            dx.withUnsafeMutableValues { d in
                argmax.withUnsafeBufferPointer { pa in
                    Self.forEachPlane(planes, size: outPlane) { plane in
                        (d.baseAddress! + plane * inPlane).update(repeating: 0, count: inPlane)
                        for o in (plane * outPlane)..<((plane + 1) * outPlane) { d[pa[o]] += g[o] }
                    }
                }
            }
        }
        return dx
    }

    /// Calls `body` for each of `count` planes, split among the compute threads when there
    /// is enough work (`size` values a plane).
    static func forEachPlane(_ count: Int, size: Int, _ body: (Int) -> Void) {
        guard count * size >= 65_536 else { for p in 0..<count { body(p) }; return }
        ComputeThreads.forEachChunk(count) { planes, _ in for p in planes { body(p) } }
    }
}
