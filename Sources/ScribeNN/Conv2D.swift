import ScribeCore

/// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d) by im2col + GEMM:
/// y[b, o, i, j] = bias[o] + Σ_{c, u, v} weight[o, c, u, v] · x[b, c, i·sh + u - ph, j·sw + v - pw],
/// with zeros outside the image. weight is (O, C, kh, kw) and bias is (O).
public final class Conv2D: ImageLayer {
    public let inChannels: Int, outChannels: Int
    public let kernel: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)
    /// weight is (O, C, kh, kw).
    public let weight: Parameter
    /// bias is (O).
    public let bias: Parameter

    /// columns is (B, C·kh·kw, Ho·Wo): the unfolded input of the last forward.
    private var columns = Tensor(shape: [0])
    private var inputShape: [Int] = []
    private var outputSize = (height: 0, width: 0)

    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), randomWeights: Bool = true, generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0
                     && padding.0 >= 0 && padding.1 >= 0, "Conv2D: sizes must be positive (padding non-negative)")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let fanIn = inChannels * kernel.0 * kernel.1, fanOut = outChannels * kernel.0 * kernel.1
        // Glorot uniform with the receptive-field fan-in and fan-out, as for Linear; zeros
        // for weights about to be loaded.
        let shape = [outChannels, inChannels, kernel.0, kernel.1]
        weight = Parameter(randomWeights ? Initializer.uniform(shape: shape, bound: (6.0 / Double(fanIn + fanOut)).squareRoot(), generator: &generator)
                                         : Tensor(shape: shape))
        bias = Parameter(Tensor(shape: [outChannels]))
    }

    public var spec: String { "C\(kernel.height)x\(kernel.width),\(outChannels)" }

    public func namedParameters() -> [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    /// Output height and width for an input of `height` × `width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding.height - kernel.height) / stride.height + 1,
         (width + 2 * padding.width - kernel.width) / stride.width + 1)
    }

    public func releaseCaches() { columns = Tensor(shape: [0]) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inChannels, "Conv2D: expected (B, \(inChannels), H, W), got \(x.shape)")
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (Ho, Wo) = outputSize(height: H, width: W)
        precondition(Ho > 0 && Wo > 0, "Conv2D: a \(H)×\(W) input is smaller than the \(kernel) kernel")
        inputShape = x.shape
        outputSize = (Ho, Wo)
        let K = C * kernel.height * kernel.width, P = Ho * Wo, O = outChannels
        columns.resizeForOverwrite(to: [B, K, P])
        // y is (B, O, Ho, Wo), every value written below; the images run in parallel, one GEMM each.
        var y = Tensor(uninitializedShape: [B, O, Ho, Wo])
        x.withUnsafeValues { px in
            columns.withUnsafeMutableValues { pc in
                weight.value.withUnsafeValues { pw in
                    bias.value.withUnsafeValues { pb in
                        y.withUnsafeMutableValues { py in
                            ComputeThreads.forEachChunk(B) { images, _ in
                                for b in images {
                                    let cols = pc.baseAddress! + b * K * P, out = py.baseAddress! + b * O * P
                                    im2col(px.baseAddress! + b * C * H * W, cols, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
                                    for o in 0..<O { (out + o * P).update(repeating: pb[o], count: P) }
                                    // y_b (O, P) += W (O, K) · columns_b (K, P)
                                    BLAS.gemm(transA: false, transB: false, m: O, n: P, k: K, alpha: 1, a: pw.baseAddress!, lda: K,
                                              b: cols, ldb: P, beta: 1, c: out, ldc: P)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor { backward(dy, inputGradient: true) }

    /// Accumulates the weight and bias gradients and, when `inputGradient` is true, returns
    /// dx (B, C, H, W); otherwise dx is left at zero (the first layer over a line image,
    /// whose input gradient nobody reads). The images of the batch run in parallel, each
    /// chunk summing its own dW and db, added to the gradients in chunk order.
    func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor {
        let (B, C, H, W) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (Ho, Wo) = outputSize
        precondition(dy.shape == [B, outChannels, Ho, Wo], "Conv2D.backward: gradient \(dy.shape) does not match the last output")
        let K = C * kernel.height * kernel.width, P = Ho * Wo, O = outChannels
        let chunks = ComputeThreads.chunks(B)
        // dx is (B, C, H, W); partialW is (chunks, O, K), partialB (chunks, O), dcols (chunks, K, P)
        // dx is zeroed image by image where col2im adds to it; dcols is written by its GEMM (β = 0).
        var dx = inputGradient ? Tensor(uninitializedShape: inputShape) : Tensor(shape: inputShape)
        var partialW = [Float](repeating: 0, count: chunks * O * K), partialB = [Float](repeating: 0, count: chunks * O)
        var dcols = Tensor.unset(count: inputGradient ? chunks * K * P : 0)
        dy.withUnsafeValues { pdy in
            columns.withUnsafeValues { pc in
                weight.value.withUnsafeValues { pw in
                    dx.withUnsafeMutableValues { pdx in
                        partialW.withUnsafeMutableBufferPointer { pW in
                            partialB.withUnsafeMutableBufferPointer { pB in
                                dcols.withUnsafeMutableBufferPointer { pD in
                                    ComputeThreads.forEachChunk(B) { images, chunk in
                                        let dw = pW.baseAddress! + chunk * O * K, db = pB.baseAddress! + chunk * O
                                        for b in images {
                                            let g = pdy.baseAddress! + b * O * P
                                            // dW (O, K) += dy_b (O, P) · columns_bᵀ (P, K)
                                            BLAS.gemm(transA: false, transB: true, m: O, n: K, k: P, alpha: 1, a: g, lda: P,
                                                      b: pc.baseAddress! + b * K * P, ldb: P, beta: 1, c: dw, ldc: K)
                                            for o in 0..<O { db[o] += Float(BatchNorm2D.sum(g + o * P, count: P)) }
                                            guard inputGradient else { continue }
                                            let dc = pD.baseAddress! + chunk * K * P
                                            // dcols (K, P) = Wᵀ (K, O) · dy_b (O, P)
                                            BLAS.gemm(transA: true, transB: false, m: K, n: P, k: O, alpha: 1, a: pw.baseAddress!, lda: K,
                                                      b: g, ldb: P, beta: 0, c: dc, ldc: P)
                                            (pdx.baseAddress! + b * C * H * W).update(repeating: 0, count: C * H * W)
                                            col2im(dc, pdx.baseAddress! + b * C * H * W, C: C, H: H, W: W, Ho: Ho, Wo: Wo)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.grad.withUnsafeMutableValues { dw in
            for chunk in 0..<chunks { for i in 0..<(O * K) { dw[i] += partialW[chunk * O * K + i] } }
        }
        bias.grad.withUnsafeMutableValues { db in
            for chunk in 0..<chunks { for o in 0..<O { db[o] += partialB[chunk * O + o] } }
        }
        return dx
    }

    /// The output columns j whose input column j·sw + v − pw lies inside 0..<W.
    @inline(__always)
    private func validColumns(v: Int, W: Int, Wo: Int) -> Range<Int> {
        let (sw, pw) = (stride.width, padding.width)
        // j·sw + v − pw ≥ 0 and ≤ W − 1
        let lo = max(0, (pw - v + sw - 1) / sw)
        let hi = min(Wo, (W - 1 - v + pw) >= 0 ? (W - 1 - v + pw) / sw + 1 : 0)
        return lo..<max(lo, hi)
    }

    /// Unfolds one image x (C, H, W) into cols (C·kh·kw, Ho·Wo), zeros outside the image.
    /// Each output row copies its valid span (contiguous when the stride is 1) and zeroes
    /// the padding around it.
    private func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, C: Int, H: Int, W: Int, Ho: Int, Wo: Int) {
        var row = 0
        for c in 0..<C { for u in 0..<kernel.height { for v in 0..<kernel.width {
            let dst = cols + row * Ho * Wo
            let valid = validColumns(v: v, W: W, Wo: Wo)
            for i in 0..<Ho {
                let out = dst + i * Wo
                let h = i * stride.height + u - padding.height
                guard h >= 0 && h < H, !valid.isEmpty else { out.update(repeating: 0, count: Wo); continue }
                if valid.lowerBound > 0 { out.update(repeating: 0, count: valid.lowerBound) }
                if valid.upperBound < Wo { (out + valid.upperBound).update(repeating: 0, count: Wo - valid.upperBound) }
                let src = x + (c * H + h) * W - padding.width + v
                if stride.width == 1 {
                    (out + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                } else {
                    for j in valid { out[j] = src[j * stride.width] }
                }
            }
            row += 1
        } } }
    }

    /// The adjoint of im2col: adds cols (C·kh·kw, Ho·Wo) back into dx (C, H, W).
    private func col2im(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, C: Int, H: Int, W: Int, Ho: Int, Wo: Int) {
        var row = 0
        for c in 0..<C { for u in 0..<kernel.height { for v in 0..<kernel.width {
            let src = cols + row * Ho * Wo
            let valid = validColumns(v: v, W: W, Wo: Wo)
            for i in 0..<Ho {
                let h = i * stride.height + u - padding.height
                guard h >= 0 && h < H else { continue }
                let dst = dx + (c * H + h) * W - padding.width + v, from = src + i * Wo
                if stride.width == 1 {
                    for j in valid { dst[j] += from[j] }
                } else {
                    for j in valid { dst[j * stride.width] += from[j] }
                }
            }
            row += 1
        } } }
    }

    /// The direct six-loop convolution, the oracle for tests.
    public func forwardReference(_ x: Tensor) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (Ho, Wo) = outputSize(height: H, width: W)
        var y = Tensor(shape: [B, outChannels, Ho, Wo])
        for b in 0..<B { for o in 0..<outChannels { for i in 0..<Ho { for j in 0..<Wo {
            var s = Double(bias.value.values[o])
            for c in 0..<C { for u in 0..<kernel.height { for v in 0..<kernel.width {
                let h = i * stride.height + u - padding.height, w = j * stride.width + v - padding.width
                if h >= 0 && h < H && w >= 0 && w < W { s += Double(weight.value[o, c, u, v]) * Double(x[b, c, h, w]) }
            } } }
            y[b, o, i, j] = Float(s)
        } } } }
        return y
    }
}
