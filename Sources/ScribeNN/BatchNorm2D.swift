import ScribeCore

/// Batch normalization of image tensors (B, C, H, W), as PyTorch's nn.BatchNorm2d:
/// y = γ · (x - μ) / √(σ² + ε) + β per channel. In training μ and σ² (biased) are the
/// batch's, over B·H·W values, and the running statistics move towards them by `momentum`
/// (the variance unbiased, as PyTorch keeps it); at inference the running statistics are
/// used, so the layer is a fixed affine map per channel and a sliding window over a line
/// still equals the layers applied to that window alone.
///
/// Spec: `Cb3x3,16` is a convolution, this layer and a ReLU (see `NetworkSpec`). A sliding
/// window runs this layer and the ReLU after it as one pass (`forward(_:training:relu:)`):
/// the same values, with two fewer trips through memory.
public final class BatchNorm2D: ImageLayer {
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    /// weight is (C): γ, starting at 1.
    public let weight: Parameter
    /// bias is (C): β, starting at 0.
    public let bias: Parameter
    /// runningMean is (C), not trainable, starting at 0.
    public let runningMean: Parameter
    /// runningVariance is (C), not trainable, starting at 1.
    public let runningVariance: Parameter

    /// normalized is (B, C, H, W): x̂ of the last forward.
    private var normalized = Tensor(shape: [0])
    /// inverseDeviation is (C): 1 / √(σ² + ε) used by the last forward.
    private var inverseDeviation: [Float] = []
    private var lastWasTraining = false
    /// Whether the last forward applied the ReLU (so backward applies its mask).
    private var lastAppliedReLU = false

    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels > 0, "BatchNorm2D: channels must be positive")
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(Tensor(shape: [channels], repeating: 1))
        bias = Parameter(Tensor(shape: [channels]))
        runningMean = Parameter(Tensor(shape: [channels]), trainable: false)
        runningVariance = Parameter(Tensor(shape: [channels], repeating: 1), trainable: false)
    }

    public var spec: String { "Bn" }

    /// PyTorch's names, so a state dict maps one to one.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVariance)]
    }

    public func releaseCaches() { normalized = Tensor(shape: [0]) }

    public func forward(_ x: Tensor) -> Tensor { forward(x, training: false) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { forward(x, training: training, relu: false) }

    /// The layer, then a ReLU when `relu`: max(γ·x̂ + β, 0), as `ImageReLU` would give.
    public func forward(_ x: Tensor, training: Bool, relu: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels, "BatchNorm2D: expected (B, \(channels), H, W), got \(x.shape)")
        let (B, C, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        let count = B * plane
        var mean = runningMean.value.values, variance = runningVariance.value.values
        if training {
            precondition(count > 1, "BatchNorm2D: training needs more than one value per channel, got \(x.shape)")
            (mean, variance) = Self.statistics(x, channels: C, plane: plane)
            let unbias = Float(count) / Float(count - 1)
            for c in 0..<C {
                runningMean.value.values[c] += momentum * (mean[c] - runningMean.value.values[c])
                runningVariance.value.values[c] += momentum * (variance[c] * unbias - runningVariance.value.values[c])
            }
        }
        inverseDeviation = variance.map { 1 / (max($0, 0) + epsilon).squareRoot() }  // a hostile file may hold σ² < 0
        lastWasTraining = training
        lastAppliedReLU = relu
        normalized.resizeForOverwrite(to: x.shape)
        // y is (B, C, H, W), every value written below
        var y = Tensor(uninitializedShape: x.shape)
        let (gamma, beta) = (weight.value.values, bias.value.values)
        x.withUnsafeValues { px in
            normalized.withUnsafeMutableValues { pn in
                y.withUnsafeMutableValues { py in
                    Self.forEachPlane(batch: B, channels: C, plane: plane) { c, base in
                        let (m, s, g, b) = (mean[c], inverseDeviation[c], gamma[c], beta[c])
                        if relu {
                            for i in base..<(base + plane) {
                                let n = (px[i] - m) * s
                                pn[i] = n
                                py[i] = max(g * n + b, 0)
                            }
                        } else {
                            for i in base..<(base + plane) {
                                let n = (px[i] - m) * s
                                pn[i] = n
                                py[i] = g * n + b
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// With the ReLU applied, dy is first masked where the output was not positive.
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == normalized.shape, "BatchNorm2D.backward: gradient \(dy.shape) does not match the last output \(normalized.shape)")
        let (B, C, plane) = (dy.shape[0], channels, dy.shape[2] * dy.shape[3])
        let count = Float(B * plane)
        let (gamma, beta, relu) = (weight.value.values, bias.value.values, lastAppliedReLU)
        // Per channel: Σ dy and Σ dy·x̂ (dy masked by the ReLU), which are also dβ and dγ.
        var sumDy = [Double](repeating: 0, count: C), sumDyN = [Double](repeating: 0, count: C)
        dy.withUnsafeValues { g in
            normalized.withUnsafeValues { n in
                sumDy.withUnsafeMutableBufferPointer { sDy in
                    sumDyN.withUnsafeMutableBufferPointer { sDyN in
                        Self.forEachPlane(batch: B, channels: C, plane: plane) { c, base in
                            let mask = relu ? (gamma[c], beta[c]) : nil
                            let (s, sn) = Self.gradientSums(g.baseAddress! + base, n.baseAddress! + base, count: plane, reluOf: mask)
                            sDy[c] += s
                            sDyN[c] += sn
                        }
                    }
                }
            }
        }
        for c in 0..<C {
            bias.grad.values[c] += Float(sumDy[c])
            weight.grad.values[c] += Float(sumDyN[c])
        }
        // Training: dx = γ·s/N · (N·dy - Σdy - x̂·Σ(dy·x̂)); inference: dx = γ·s·dy.
        var dx = Tensor(uninitializedShape: dy.shape) // every value written below
        let training = lastWasTraining
        dy.withUnsafeValues { g in
            normalized.withUnsafeValues { n in
                dx.withUnsafeMutableValues { d in
                    Self.forEachPlane(batch: B, channels: C, plane: plane) { c, base in
                        let (scale, gc, bc) = (gamma[c] * inverseDeviation[c], gamma[c], beta[c])
                        let (mean, meanN) = training ? (Float(sumDy[c]) / count, Float(sumDyN[c]) / count) : (0, 0)
                        if relu {
                            for i in base..<(base + plane) {
                                let kept = gc * n[i] + bc > 0 ? g[i] : 0
                                d[i] = scale * (kept - mean - n[i] * meanN)
                            }
                        } else if training {
                            for i in base..<(base + plane) { d[i] = scale * (g[i] - mean - n[i] * meanN) }
                        } else {
                            for i in base..<(base + plane) { d[i] = scale * g[i] }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Per-channel mean and biased variance of x over batch, rows and columns (two passes:
    /// the variance of values far from zero keeps its precision).
    static func statistics(_ x: Tensor, channels C: Int, plane: Int) -> (mean: [Float], variance: [Float]) {
        let B = x.shape[0], count = Double(B * plane)
        var mean = [Double](repeating: 0, count: C), variance = [Double](repeating: 0, count: C)
        x.withUnsafeValues { px in
            mean.withUnsafeMutableBufferPointer { m in
                variance.withUnsafeMutableBufferPointer { v in
                    forEachPlane(batch: B, channels: C, plane: plane) { c, base in m[c] += sum(px.baseAddress! + base, count: plane) }
                    for c in 0..<C { m[c] /= count }
                    forEachPlane(batch: B, channels: C, plane: plane) { c, base in
                        v[c] += squaredDeviation(px.baseAddress! + base, count: plane, from: Float(m[c]))
                    }
                }
            }
        }
        return (mean.map { Float($0) }, variance.map { Float($0 / count) })
    }

    /// Calls `body(c, offset)` for the plane of every (image, channel) pair of a
    /// (B, C, H, W) tensor whose planes hold `plane` values: the channels are split among
    /// the compute threads, and each channel's planes are visited in image order, so
    /// per-channel sums do not depend on the thread count.
    @inline(__always)
    static func forEachPlane(batch B: Int, channels C: Int, plane: Int, _ body: (Int, Int) -> Void) {
        ComputeThreads.forEachChunk(C) { channels, _ in
            for c in channels { for b in 0..<B { body(c, (b * C + c) * plane) } }
        }
    }

    // MARK: Reductions: eight float lanes over blocks of 1024 values, blocks summed in Double.

    static let block = 1024

    /// Σ p[i].
    static func sum(_ p: UnsafePointer<Float>, count n: Int) -> Double {
        reduce(count: n) { i in UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) } tail: { p[$0] }
    }

    /// Σ (p[i] - m)².
    static func squaredDeviation(_ p: UnsafePointer<Float>, count n: Int, from m: Float) -> Double {
        reduce(count: n) { i in
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - SIMD8(repeating: m)
            return d * d
        } tail: { (p[$0] - m) * (p[$0] - m) }
    }

    /// (Σ g[i], Σ g[i]·n[i]) in one pass; with `reluOf` (γ, β), g[i] counts only where the
    /// ReLU's input γ·n[i] + β was positive (as `ImageReLU.backward` lets it through).
    static func gradientSums(_ g: UnsafePointer<Float>, _ n: UnsafePointer<Float>, count: Int,
                             reluOf affine: (gamma: Float, beta: Float)?) -> (Double, Double) {
        var (total, totalN, i) = (0.0, 0.0, 0)
        let gamma = SIMD8(repeating: affine?.gamma ?? 0), beta = SIMD8(repeating: affine?.beta ?? 0)
        while i + 8 <= count {
            let end = min(count - count % 8, i + block)
            var acc = SIMD8<Float>(), accN = SIMD8<Float>()
            while i < end {
                var gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                let nv = UnsafeRawPointer(n + i).loadUnaligned(as: SIMD8<Float>.self)
                if affine != nil { gv.replace(with: 0, where: .!(gamma * nv + beta .> 0)) }
                acc += gv
                accN += gv * nv
                i += 8
            }
            total += Double(acc.sum())
            totalN += Double(accN.sum())
        }
        while i < count {
            let kept = affine.map { $0.gamma * n[i] + $0.beta > 0 } ?? true
            if kept { total += Double(g[i]); totalN += Double(g[i] * n[i]) }
            i += 1
        }
        return (total, totalN)
    }

    /// Σ over i of the eight terms `lanes(i)` (i = 0, 8, 16, ...) and the scalar `tail` terms.
    @inline(__always)
    static func reduce(count n: Int, lanes: (Int) -> SIMD8<Float>, tail: (Int) -> Float) -> Double {
        var total = 0.0, i = 0
        while i + 8 <= n {
            let end = min(n - n % 8, i + block)
            var acc = SIMD8<Float>()
            while i < end { acc += lanes(i); i += 8 }
            total += Double(acc.sum())
        }
        while i < n { total += Double(tail(i)); i += 1 }
        return total
    }
}
