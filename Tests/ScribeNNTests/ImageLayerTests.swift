import ScribeCore
import XCTest
@testable import ScribeNN

final class ImageLayerTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    /// Central differences of Σ y ⊙ probe for an image layer's input and parameters.
    func checkImageGradients(_ layer: ImageLayer, input: Tensor, training: Bool = false, eps: Float = 1e-2, absTol: Float = 2e-3,
                             relTol: Float = 2e-2, file: StaticString = #filePath, line: UInt = #line) {
        var g = SeededGenerator(seed: 3)
        let probe = randomTensor(layer.forward(input, training: training).shape, &g)
        var current = input
        func loss() -> Double {
            let y = layer.forward(current, training: training)
            return zip(y.values, probe.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        layer.zeroGradients()
        _ = layer.forward(input, training: training)
        let dx = layer.backward(probe)
        func compare(_ name: String, _ analytic: Tensor, _ perturb: (Int, Float) -> Void) {
            for i in 0..<analytic.count {
                perturb(i, eps); let plus = loss()
                perturb(i, -2 * eps); let minus = loss()
                perturb(i, eps)
                let numeric = Float((plus - minus) / Double(2 * eps))
                if !(abs(analytic.values[i] - numeric) <= absTol + relTol * abs(numeric)) {
                    XCTFail("\(layer.spec) \(name)[\(i)]: analytic \(analytic.values[i]) numeric \(numeric)", file: file, line: line)
                    return
                }
            }
        }
        compare("input", dx) { i, d in current.values[i] += d }
        for (name, p) in layer.namedParameters() where p.trainable {
            let a = p.grad
            compare(name, a) { i, d in p.value.values[i] += d }
        }
    }

    /// Training mode: the batch statistics depend on every input, so each input's gradient
    /// has the two extra terms; inference: a fixed affine map per channel.
    func testBatchNormGradients() {
        var g = SeededGenerator(seed: 4)
        let norm = BatchNorm2D(channels: 3)
        norm.weight.value = randomTensor([3], &g)
        norm.bias.value = randomTensor([3], &g)
        checkImageGradients(norm, input: randomTensor([2, 3, 4, 3], &g), training: true)
        norm.runningVariance.value = Tensor(shape: [3], values: [0.5, 2, 1.5])
        checkImageGradients(norm, input: randomTensor([2, 3, 4, 3], &g), training: false)
    }

    /// Batch normalization with its ReLU in one pass gives what the two layers give one after
    /// the other, forward and backward, in training and in inference, to the last bit.
    func testBatchNormWithReLUMatchesTheTwoLayers() {
        for training in [true, false] {
            var g = SeededGenerator(seed: 9)
            let (fused, plain, relu) = (BatchNorm2D(channels: 3), BatchNorm2D(channels: 3), ImageReLU())
            for norm in [fused, plain] {
                var h = SeededGenerator(seed: 10)
                norm.weight.value = randomTensor([3], &h)
                norm.bias.value = randomTensor([3], &h)
                norm.runningVariance.value = Tensor(shape: [3], values: [0.5, 2, 1.5])
            }
            // 2 × 3 × 5 × 7: planes of 35 values reach the eight-lane loops and their tails.
            let x = randomTensor([2, 3, 5, 7], &g), dy = randomTensor([2, 3, 5, 7], &g)
            let y = fused.forward(x, training: training, relu: true)
            XCTAssertEqual(y.values, relu.forward(plain.forward(x, training: training)).values, "forward, training \(training)")
            XCTAssertTrue(y.values.contains(0) && y.values.contains { $0 > 0 }, "the ReLU cuts somewhere")
            XCTAssertEqual(fused.backward(dy).values, plain.backward(relu.backward(dy)).values, "dx, training \(training)")
            XCTAssertEqual(fused.weight.grad.values, plain.weight.grad.values, "dγ")
            XCTAssertEqual(fused.bias.grad.values, plain.bias.grad.values, "dβ")
            XCTAssertEqual(fused.runningMean.value.values, plain.runningMean.value.values)
            // The plain forward after a fused one forgets the ReLU.
            _ = fused.forward(x, training: training)
            XCTAssertEqual(fused.backward(dy).values, plain.backward(dy).values, "unfused again")
        }
    }

    func testBatchNormStatisticsAndParameters() {
        let norm = BatchNorm2D(channels: 2)
        // Channel 0 holds 1000 ± 1 (a large offset), channel 1 a constant.
        let x = Tensor(shape: [2, 2, 1, 2], values: [999, 1001, 5, 5, 1001, 999, 5, 5])
        let y = norm.forward(x, training: true)
        let unit = 1 / (1 + 1e-5 as Float).squareRoot()
        assertClose(y, Tensor(shape: [2, 2, 1, 2], values: [-unit, unit, 0, 0, unit, -unit, 0, 0]), abs: 1e-5, "normalized")
        assertClose(norm.runningMean.value, Tensor(shape: [2], values: [100, 0.5]), abs: 1e-4, "running mean")
        // Unbiased variance 4/3 for channel 0, 0 for channel 1, moved 10% from 1.
        assertClose(norm.runningVariance.value, Tensor(shape: [2], values: [0.9 + 0.1 * 4 / 3, 0.9]), abs: 1e-5, "running variance")
        XCTAssertEqual(norm.parameters.count, 2, "running statistics are not trained")
        XCTAssertEqual(norm.namedParameters().map(\.name), ["weight", "bias", "running_mean", "running_var"])
        // A hostile model file's negative variance gives numbers, not NaN.
        norm.runningVariance.value = Tensor(shape: [2], values: [-4, 1])
        XCTAssertTrue(norm.forward(x).values.allSatisfy(\.isFinite))
    }

    /// The blocked SIMD reductions against plain Double loops, at lengths around the lane
    /// and block sizes, on values with a large common offset.
    func testBatchNormReductionsMatchPlainSums() {
        var g = SeededGenerator(seed: 12)
        for n in [0, 1, 7, 8, 9, 1023, 1024, 1025, 5000, 72_001] {
            let a = (0..<n).map { _ in Float(50 + g.nextGaussian()) }, b = (0..<n).map { _ in Float(g.nextGaussian()) }
            let m: Float = 50.1
            let sum = a.reduce(0.0) { $0 + Double($1) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            // Through a ReLU of 0.5·b - 0.2: only where that is positive.
            let kept = b.map { 0.5 * $0 - 0.2 > 0 }
            let maskedSum = zip(a, kept).reduce(0.0) { $0 + ($1.1 ? Double($1.0) : 0) }
            let maskedDot = (0..<n).reduce(0.0) { $0 + (kept[$1] ? Double(a[$1]) * Double(b[$1]) : 0) }
            let deviation = a.reduce(0.0) { $0 + (Double($1) - Double(m)) * (Double($1) - Double(m)) }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress else { return }
                    XCTAssertEqual(BatchNorm2D.sum(pa, count: n), sum, accuracy: 1e-6 * max(1, abs(sum)), "sum \(n)")
                    let (s, d) = BatchNorm2D.gradientSums(pa, pb, count: n, reluOf: nil)
                    XCTAssertEqual(s, sum, accuracy: 1e-6 * max(1, abs(sum)), "gradient sum \(n)")
                    XCTAssertEqual(d, dot, accuracy: 1e-5 * max(1, Double(n).squareRoot() * 50), "dot \(n)")
                    let (ms, md) = BatchNorm2D.gradientSums(pa, pb, count: n, reluOf: (0.5, -0.2))
                    XCTAssertEqual(ms, maskedSum, accuracy: 1e-6 * max(1, abs(maskedSum)), "masked sum \(n)")
                    XCTAssertEqual(md, maskedDot, accuracy: 1e-5 * max(1, Double(n).squareRoot() * 50), "masked dot \(n)")
                    XCTAssertEqual(BatchNorm2D.squaredDeviation(pa, count: n, from: m), deviation, accuracy: 1e-5 * max(1, deviation), "deviation \(n)")
                }
            }
        }
    }

    func testConv2DMatchesDirectConvolution() {
        var g = SeededGenerator(seed: 1)
        // Wide kernels with padding past the image (1×9 on 6 columns), strided columns and
        // padding larger than the kernel reach every branch of the unfolding.
        for (k, s, p) in [((3, 3), (1, 1), (1, 1)), ((2, 3), (2, 1), (0, 1)), ((1, 1), (1, 1), (0, 0)), ((1, 9), (1, 1), (0, 4)),
                          ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 3), (2, 3))] {
            let conv = Conv2D(inChannels: 2, outChannels: 3, kernel: k, stride: s, padding: p, generator: &g)
            conv.bias.value = randomTensor([3], &g)
            let x = randomTensor([2, 2, 5, 6], &g)
            assertClose(conv.forward(x), conv.forwardReference(x), abs: 1e-5, "conv \(k) \(s) \(p)")
        }
    }

    func testConv2DGradients() {
        var g = SeededGenerator(seed: 2)
        let conv = Conv2D(inChannels: 2, outChannels: 3, kernel: (3, 2), stride: (2, 1), padding: (1, 1), generator: &g)
        conv.bias.value = randomTensor([3], &g)
        checkImageGradients(conv, input: randomTensor([2, 2, 5, 4], &g))
    }

    func testConv2DGradientsWithStridedColumnsAndWidePadding() {
        var g = SeededGenerator(seed: 5)
        let strided = Conv2D(inChannels: 2, outChannels: 2, kernel: (3, 3), stride: (1, 2), padding: (1, 2), generator: &g)
        checkImageGradients(strided, input: randomTensor([1, 2, 4, 7], &g))
        let wide = Conv2D(inChannels: 1, outChannels: 2, kernel: (1, 9), padding: (0, 4), generator: &g)
        checkImageGradients(wide, input: randomTensor([2, 1, 3, 5], &g))
    }

    func testConv2DWeightGradientsWithoutTheInputGradient() {
        var g = SeededGenerator(seed: 9)
        let conv = Conv2D(inChannels: 1, outChannels: 4, kernel: (3, 3), padding: (1, 0), generator: &g)
        let x = randomTensor([3, 1, 6, 9], &g)
        let dy = randomTensor(conv.forward(x).shape, &g)
        conv.zeroGradients()
        _ = conv.backward(dy)
        let (weight, bias) = (conv.weight.grad, conv.bias.grad)
        conv.zeroGradients()
        let dx = conv.backward(dy, inputGradient: false)
        XCTAssertEqual(conv.weight.grad, weight)
        XCTAssertEqual(conv.bias.grad, bias)
        XCTAssertEqual(dx, Tensor(shape: x.shape), "no input gradient asked for, none computed")
    }

    /// The image layers split a batch among the compute threads: images (convolution),
    /// channels (batch normalization) or values (ReLU, pooling). Two threads must give what
    /// one gives: bit for bit where one thread computes each value, and up to the order of
    /// summation for the convolution's parameter gradients (one partial sum per thread).
    func testImageLayersGiveTheSameResultsOnTwoThreads() {
        var g = SeededGenerator(seed: 11)
        // Three images, so the two chunks differ in size; large enough for ReLU and pooling to split.
        let x = randomTensor([3, 4, 24, 300], &g)
        func run(threads: Int) -> (y: Tensor, dx: Tensor, gradients: [Tensor]) {
            ComputeThreads.set(threads)
            defer { ComputeThreads.set(1) }
            var weights = SeededGenerator(seed: 12)
            let layers: [ImageLayer] = [Conv2D(inChannels: 4, outChannels: 8, kernel: (3, 3), padding: (1, 1), generator: &weights),
                                        BatchNorm2D(channels: 8), ImageReLU(), MaxPool2D(kernel: (2, 2))]
            let y = layers.reduce(x) { $1.forward($0, training: true) }
            var probe = SeededGenerator(seed: 13)
            let dx = layers.reversed().reduce(randomTensor(y.shape, &probe)) { $1.backward($0) }
            return (y, dx, layers.flatMap { $0.parameters.map(\.grad) })
        }
        let one = run(threads: 1), two = run(threads: 2)
        XCTAssertEqual(two.y, one.y, "forward")
        XCTAssertEqual(two.dx, one.dx, "input gradient")
        XCTAssertEqual(two.gradients.count, 4)
        for (i, (a, b)) in zip(two.gradients, one.gradients).enumerated() {
            assertClose(a, b, abs: 1e-4, rel: 1e-5, "parameter gradient \(i)")
        }
    }

    func testImageReLU() {
        let relu = ImageReLU()
        XCTAssertEqual(relu.forward(Tensor(shape: [1, 1, 1, 4], values: [-2, 0, 0.5, 3])).values, [0, 0, 0.5, 3])
        XCTAssertEqual(relu.backward(Tensor(shape: [1, 1, 1, 4], values: [1, 2, 3, 4])).values, [0, 0, 3, 4])
        // Inputs at least 0.1 from the kink, so ±0.01 steps never cross it.
        var g = SeededGenerator(seed: 7)
        var x = randomTensor([2, 3, 4, 5], &g)
        for i in x.values.indices { x.values[i] += x.values[i] >= 0 ? 0.1 : -0.1 }
        checkImageGradients(ImageReLU(), input: x)
    }

    /// Dropout's forward is random, so finite differences do not apply: in training the
    /// output and the gradient are the input and dy times the same mask (0 or 1 / (1 - rate),
    /// about `rate` of it 0), a seed fixes the mask, and at inference the layer is the identity.
    func testImageDropout() {
        var g = SeededGenerator(seed: 12)
        let x = randomTensor([2, 3, 4, 5], &g), dy = randomTensor([2, 3, 4, 5], &g)
        let drop = ImageDropout(rate: 0.25, seed: 4)
        XCTAssertEqual(drop.spec, "Do25")
        let y = drop.forward(x, training: true)
        let dx = drop.backward(dy)
        var dropped = 0
        for i in 0..<x.count {
            let mask = y.values[i] / x.values[i]
            XCTAssertTrue(mask == 0 || abs(mask - 4 / 3) < 1e-5, "mask value \(mask)")
            if mask == 0 { dropped += 1 }
            XCTAssertEqual(dx.values[i], dy.values[i] * mask, accuracy: 1e-6)
        }
        XCTAssertTrue(dropped > 15 && dropped < 45, "dropped \(dropped) of 120")
        drop.reseed(4)
        let again = ImageDropout(rate: 0.25, seed: 99)
        again.reseed(4)
        XCTAssertEqual(drop.forward(x, training: true), again.forward(x, training: true))
        XCTAssertNotEqual(drop.forward(x, training: true), y, "the next forward draws another mask")
        XCTAssertEqual(drop.forward(x, training: false), x)
        XCTAssertEqual(drop.backward(dy), dy)
    }

    func testUpsample2D() {
        var g = SeededGenerator(seed: 6)
        let up = Upsample2D(factor: (2, 3))
        let y = up.forward(Tensor(shape: [1, 1, 1, 2], values: [1, 2]))
        XCTAssertEqual(y.shape, [1, 1, 2, 6])
        XCTAssertEqual(y.values, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
        checkImageGradients(Upsample2D(factor: (2, 2)), input: randomTensor([2, 3, 3, 2], &g))
    }

    func testBinaryCrossEntropyMatchesItsDefinition() {
        // Logits from −30 to 30 (where a naive log(σ) overflows) and soft targets.
        let logits: [Float] = [-30, -4, -0.5, 0, 0.7, 3, 30, 2]
        let targets: [Float] = [0, 1, 0.25, 1, 0, 1, 1, 0.5]
        for w: Float in [1, 3] {
            let (loss, grad) = BinaryCrossEntropy.withLogits(Tensor(shape: [2, 4], values: logits), targets: Tensor(shape: [2, 4], values: targets),
                                                              positiveWeight: w)
            var expected = 0.0
            for (x, t) in zip(logits.map(Double.init), targets.map(Double.init)) {
                let logSigma = -log1p(exp(-x)), logOneMinus = -x - log1p(exp(-x))   // log σ(x), log(1 − σ(x)) for |x| ≤ 30
                expected -= Double(w) * t * logSigma + (1 - t) * logOneMinus
            }
            expected /= Double(logits.count)
            XCTAssertEqual(loss, expected, accuracy: 1e-5 * max(1, expected))
            // Central differences of the mean loss.
            for i in logits.indices {
                var plus = logits, minus = logits
                plus[i] += 1e-2; minus[i] -= 1e-2
                let lp = BinaryCrossEntropy.withLogits(Tensor(shape: [8], values: plus), targets: Tensor(shape: [8], values: targets), positiveWeight: w).loss
                let lm = BinaryCrossEntropy.withLogits(Tensor(shape: [8], values: minus), targets: Tensor(shape: [8], values: targets), positiveWeight: w).loss
                XCTAssertEqual(Double(grad.values[i]), (lp - lm) / 2e-2, accuracy: 2e-4, "logit \(i), weight \(w)")
            }
        }
    }

    func testMaxPool2D() {
        var g = SeededGenerator(seed: 4)
        let pool = MaxPool2D(kernel: (2, 2))
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 2, 0, 3, 4, 7, 6])
        XCTAssertEqual(pool.forward(x).values, [5, 7])
        XCTAssertEqual(pool.backward(Tensor(shape: [1, 1, 1, 2], values: [10, 20])).values, [0, 10, 0, 0, 0, 0, 20, 0])
        // Values 0.1 apart (shuffled) keep every maximum unique under a ±0.01 step, so
        // finite differences apply.
        var values = (0..<112).map { Float($0) * 0.1 }
        values.shuffle(using: &g)
        checkImageGradients(MaxPool2D(kernel: (2, 3), stride: (1, 2)), input: Tensor(shape: [2, 2, 4, 7], values: values))
    }

    /// The 2×2 and 2×1 windows (compiled for their sizes) and a general one against plain
    /// loops, on values with many ties (the first maximum wins) and odd sizes (the last row
    /// or column left out).
    func testMaxPoolMatchesPlainLoops() {
        var g = SeededGenerator(seed: 6)
        let (B, C, H, W) = (2, 3, 7, 9)
        let x = Tensor(shape: [B, C, H, W], values: (0..<(B * C * H * W)).map { _ in Float(Int(g.nextUniform() * 4)) })
        let dy0 = g
        for (kernel, stride) in [((2, 2), (2, 2)), ((2, 1), (2, 1)), ((3, 2), (2, 3))] {
            let pool = MaxPool2D(kernel: kernel, stride: stride)
            let y = pool.forward(x)
            let (Ho, Wo) = ((H - kernel.0) / stride.0 + 1, (W - kernel.1) / stride.1 + 1)
            XCTAssertEqual(y.shape, [B, C, Ho, Wo])
            var h = dy0
            let dy = randomTensor(y.shape, &h)
            var expected = [Float](), dx = [Float](repeating: 0, count: x.count)
            for plane in 0..<(B * C) { for i in 0..<Ho { for j in 0..<Wo {
                var at = -1
                for u in 0..<kernel.0 { for v in 0..<kernel.1 {
                    let idx = plane * H * W + (i * stride.0 + u) * W + j * stride.1 + v
                    if at < 0 || x.values[idx] > x.values[at] { at = idx }
                } }
                expected.append(x.values[at])
                dx[at] += dy.values[(plane * Ho + i) * Wo + j]
            } } }
            XCTAssertEqual(y.values, expected, "\(kernel) / \(stride)")
            XCTAssertEqual(pool.backward(dy).values, dx, "\(kernel) / \(stride) backward")
        }
    }
}
