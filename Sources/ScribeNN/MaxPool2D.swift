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

    public func releaseCaches() { argmax = [] }

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
                    let pool = Pool(input: px.baseAddress!, output: py.baseAddress!, argmax: pa.baseAddress!, H: H, W: W, Ho: Ho, Wo: Wo)
                    Self.forEachPlane(B * C, size: H * W) { plane in
                        // The windows of the spec strings, with sizes the compiler knows.
                        switch (kh, kw, sh, sw) {
                        case (2, 2, 2, 2): pool.plane(plane, kernel: (2, 2), stride: (2, 2))
                        case (2, 1, 2, 1): pool.plane(plane, kernel: (2, 1), stride: (2, 1))
                        default: pool.plane(plane, kernel: (kh, kw), stride: (sh, sw))
                        }
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

    /// One forward over raw buffers: input (B, C, H, W), output and argmax (B, C, Ho, Wo).
    struct Pool {
        let input: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let argmax: UnsafeMutablePointer<Int>
        let H: Int, W: Int, Ho: Int, Wo: Int

        /// Each window's first maximum in row-major order (strictly greater replaces).
        @inline(__always)
        func plane(_ plane: Int, kernel: (Int, Int), stride: (Int, Int)) {
            let base = plane * H * W
            for i in 0..<Ho {
                for j in 0..<Wo {
                    var best = -Float.infinity, at = base + i * stride.0 * W + j * stride.1
                    for u in 0..<kernel.0 {
                        for v in 0..<kernel.1 {
                            let idx = base + (i * stride.0 + u) * W + j * stride.1 + v
                            if input[idx] > best { best = input[idx]; at = idx }
                        }
                    }
                    let o = (plane * Ho + i) * Wo + j
                    output[o] = best
                    argmax[o] = at
                }
            }
        }
    }

    /// Calls `body` for each of `count` planes, split among the compute threads when there
    /// is enough work (`size` values a plane).
    static func forEachPlane(_ count: Int, size: Int, _ body: (Int) -> Void) {
        guard count * size >= 65_536 else { for p in 0..<count { body(p) }; return }
        ComputeThreads.forEachChunk(count) { planes, _ in for p in planes { body(p) } }
    }
}
