import ScribeCore
import XCTest
@testable import ScribeNN

/// Finite-difference checks of every layer's input and parameter gradients, on batches
/// with padding (lengths shorter than T) so masking is exercised too.
final class GradientCheckTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    func batch(T: Int = 5, channels: Int, lengths: [Int] = [5, 3, 1], seed: UInt64 = 11, awayFromZero: Bool = false) -> SequenceBatch {
        var g = SeededGenerator(seed: seed)
        var x = randomTensor([T, lengths.count, channels], &g)
        if awayFromZero { x.withUnsafeMutableValues { v in for i in 0..<v.count { v[i] += v[i] >= 0 ? 0.1 : -0.1 } } }
        // Padded frames hold garbage: it must not matter.
        for b in 0..<lengths.count where lengths[b] < T {
            for t in lengths[b]..<T { for c in 0..<channels { x[t, b, c] = 1000 } }
        }
        return SequenceBatch(values: x, lengths: lengths)
    }

    func testLinear() {
        var g = SeededGenerator(seed: 1)
        let l = Linear(inputSize: 4, outputSize: 3, generator: &g)
        l.bias.value = randomTensor([3], &g)
        checkGradients(l, input: batch(channels: 4))
    }

    func testReLU() { checkGradients(ReLU(size: 4), input: batch(channels: 4, awayFromZero: true)) }
    func testTanh() { checkGradients(Tanh(size: 4), input: batch(channels: 4)) }
    func testSigmoid() { checkGradients(Sigmoid(size: 4), input: batch(channels: 4)) }
    func testLogSoftmax() { checkGradients(LogSoftmax(size: 5), input: batch(channels: 5)) }

    func testLSTM() {
        var g = SeededGenerator(seed: 2)
        let l = LSTM(inputSize: 3, hiddenSize: 4, generator: &g)
        l.biasHH.value = randomTensor([16], &g, scale: 0.5)
        checkGradients(l, input: batch(channels: 3))
    }

    func testReversedLSTM() {
        var g = SeededGenerator(seed: 3)
        checkGradients(Reversed(LSTM(inputSize: 3, hiddenSize: 4, generator: &g)), input: batch(channels: 3))
    }

    func testGRU() {
        var g = SeededGenerator(seed: 4)
        let l = GRU(inputSize: 3, hiddenSize: 4, generator: &g)
        l.biasIH.value = randomTensor([12], &g, scale: 0.5)
        l.biasHH.value = randomTensor([12], &g, scale: 0.5)
        checkGradients(l, input: batch(channels: 3))
    }

    func testStackedBiLSTMWithResidualAndOutput() throws {
        let net = try NetworkSpec.build("[Lbx3 ResLbx3 Fl4 Om]", inputSize: 2, seed: 5)
        XCTAssertEqual(net.spec, "[Lbx3 ResLbx3 Fl4 Om]")
        checkGradients(net, input: batch(channels: 2), maxChecks: 60)
    }

    func testBiGRUStack() throws {
        let net = try NetworkSpec.build("[Gbx3 Gbx2 At]", inputSize: 2, seed: 6)
        checkGradients(net, input: batch(channels: 2), maxChecks: 60)
    }

    /// Dropout's forward is random, so finite differences do not apply; its gradient must
    /// be exactly dy times the mask it applied (y / x), and the identity at inference.
    func testDropout() {
        let d = Dropout(size: 6, rate: 0.5, seed: 9)
        let x = batch(channels: 6, lengths: [5, 5, 2], awayFromZero: true)
        let y = d.forward(x, training: true)
        var g = SeededGenerator(seed: 1)
        let dy = SequenceBatch(values: randomTensor(y.values.shape, &g), lengths: y.lengths)
        let dx = d.backward(dy)
        var dropped = 0
        for t in 0..<5 { for b in 0..<3 { for c in 0..<6 {
            let mask: Float = t < x.lengths[b] ? y.values[t, b, c] / x.values[t, b, c] : 0
            if t < x.lengths[b] {
                XCTAssertTrue(mask == 0 || abs(mask - 2) < 1e-6, "mask value \(mask)")
                if mask == 0 { dropped += 1 }
            }
            XCTAssertEqual(dx.values[t, b, c], dy.values[t, b, c] * mask, accuracy: 1e-6)
        } } }
        XCTAssertTrue(dropped > 15 && dropped < 57, "dropped \(dropped) of 72")
        var plain = x; plain.zeroPadding()
        XCTAssertEqual(d.forward(x, training: false).values, plain.values)
    }

    /// A batch with padding gives, for each sequence, exactly what that sequence gives
    /// alone: the reverse direction starts at each sequence's own last frame.
    func testPaddedBatchEqualsSequencesAlone() throws {
        let net = try NetworkSpec.build("[Lbx4 Lbx3]", inputSize: 3, seed: 8)
        let x = batch(T: 6, channels: 3, lengths: [6, 2, 4])
        net.zeroGradients()
        let y = net.forward(x, training: true)
        var g = SeededGenerator(seed: 2)
        let dy = SequenceBatch(values: randomTensor(y.values.shape, &g), lengths: y.lengths)
        let dx = net.backward(dy)
        let batchGrads = net.parameters.map(\.grad)
        var summed = batchGrads.map { Tensor(shape: $0.shape) }
        for b in 0..<3 {
            let n = x.lengths[b]
            var xs = Tensor(shape: [n, 1, 3]), dys = Tensor(shape: [n, 1, 6])
            for t in 0..<n {
                for c in 0..<3 { xs[t, 0, c] = x.values[t, b, c] }
                for c in 0..<6 { dys[t, 0, c] = dy.values[t, b, c] }
            }
            net.zeroGradients()
            let ys = net.forward(SequenceBatch(values: xs), training: true)
            let dxs = net.backward(SequenceBatch(values: dys))
            for t in 0..<n {
                for c in 0..<6 { XCTAssertEqual(ys.values[t, 0, c], y.values[t, b, c], accuracy: 1e-5) }
                for c in 0..<3 { XCTAssertEqual(dxs.values[t, 0, c], dx.values[t, b, c], accuracy: 1e-5) }
            }
            for (i, p) in net.parameters.enumerated() { summed[i].add(p.grad) }
        }
        for i in summed.indices { assertClose(batchGrads[i], summed[i], abs: 1e-4, "parameter \(i) gradient") }
    }

    /// Truncated BPTT with chunks of at least T is full BPTT; shorter chunks cut the
    /// recurrent gradient (the input gradient of the first frame changes) while the last
    /// chunk's gradients are unchanged.
    func testTruncatedBPTT() {
        var g = SeededGenerator(seed: 12)
        let l = LSTM(inputSize: 2, hiddenSize: 3, generator: &g)
        let x = batch(T: 6, channels: 2, lengths: [6, 6, 6])
        let dy = SequenceBatch(values: randomTensor([6, 3, 3], &g), lengths: x.lengths)
        _ = l.forward(x, training: true)
        let full = l.backward(dy)
        l.truncation = 6
        _ = l.forward(x, training: true)
        XCTAssertEqual(l.backward(dy).values, full.values)
        l.truncation = 3
        _ = l.forward(x, training: true)
        let cut = l.backward(dy)
        for t in 3..<6 { for b in 0..<3 { for c in 0..<2 { XCTAssertEqual(cut.values[t, b, c], full.values[t, b, c]) } } }
        XCTAssertNotEqual(cut.values[0, 0, 0], full.values[0, 0, 0])
    }

    /// The same seed and thread count give bit-identical results; the 2-thread path (both
    /// directions at once) agrees with the 1-thread path to rounding.
    func testDeterminismAcrossRunsAndThreads() throws {
        func run(threads: Int) throws -> (Tensor, [Tensor]) {
            ComputeThreads.set(threads)
            defer { ComputeThreads.set(1) }
            let net = try NetworkSpec.build("[Lbx16 Lbx16 Fl5]", inputSize: 4, seed: 21)
            let x = batch(T: 20, channels: 4, lengths: [20, 13, 7])
            let y = net.forward(x, training: true)
            var g = SeededGenerator(seed: 3)
            _ = net.backward(SequenceBatch(values: randomTensor(y.values.shape, &g), lengths: y.lengths))
            return (y.values, net.parameters.map(\.grad))
        }
        let a = try run(threads: 2), b = try run(threads: 2), c = try run(threads: 1)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        assertClose(a.0, c.0, abs: 1e-5, "2 vs 1 thread outputs")
        for (p, q) in zip(a.1, c.1) { assertClose(p, q, abs: 1e-4, "2 vs 1 thread gradients") }
    }

    /// Skipping the first layers' input gradient leaves every parameter gradient unchanged.
    func testSkipInputGradient() throws {
        let net = try NetworkSpec.build("[Lbx3 Gbx2 Fl2]", inputSize: 2, seed: 13)
        let x = batch(channels: 2)
        var g = SeededGenerator(seed: 1)
        let dy = SequenceBatch(values: randomTensor([5, 3, 2], &g), lengths: x.lengths)
        net.zeroGradients()
        _ = net.forward(x, training: true)
        let full = net.backward(dy)
        let grads = net.parameters.map(\.grad)
        net.skipInputGradient()
        net.zeroGradients()
        _ = net.forward(x, training: true)
        let skipped = net.backward(dy)
        XCTAssertEqual(net.parameters.map(\.grad), grads)
        XCTAssertTrue(full.values.values.contains { $0 != 0 })
        XCTAssertTrue(skipped.values.values.allSatisfy { $0 == 0 })
    }

    /// Layers reuse their buffers from batch to batch; results a caller still holds must
    /// not change when the layer runs again on a batch of the same shape.
    func testHeldResultsSurviveTheNextBatch() throws {
        let net = try NetworkSpec.build("[Lbx3 Fl2]", inputSize: 2, seed: 17)
        let x1 = batch(channels: 2, seed: 1), x2 = batch(channels: 2, seed: 2)
        let y1 = net.forward(x1, training: true)
        let snapshot = y1.values.values
        var g = SeededGenerator(seed: 4)
        let dy = SequenceBatch(values: randomTensor(y1.values.shape, &g), lengths: y1.lengths)
        let dx1 = net.backward(dy)
        let dxSnapshot = dx1.values.values
        let y2 = net.forward(x2, training: true)
        let dx2 = net.backward(dy)
        XCTAssertEqual(y1.values.values, snapshot)
        XCTAssertEqual(dx1.values.values, dxSnapshot)
        XCTAssertNotEqual(y2.values.values, snapshot)
        XCTAssertNotEqual(dx2.values.values, dxSnapshot)
    }

    /// Batches above BLAS.smallMLimit take the sgemm path for the per-frame products; it
    /// must agree with the packed small-m kernel used for smaller batches.
    func testLargeBatchPathAgreesWithSmallBatchPath() throws {
        let net = try NetworkSpec.build("[Lbx5 Gbx3]", inputSize: 2, seed: 19)
        let B = BLAS.smallMLimit + 2, half = B / 2
        var g = SeededGenerator(seed: 5)
        let lengths = (0..<B).map { 1 + $0 % 4 }
        let x = SequenceBatch(values: randomTensor([4, B, 2], &g), lengths: lengths)
        let dy = SequenceBatch(values: randomTensor([4, B, 6], &g), lengths: lengths)
        net.zeroGradients()
        let y = net.forward(x, training: true)
        let dx = net.backward(dy)
        let grads = net.parameters.map(\.grad)
        net.zeroGradients()
        for part in [0..<half, half..<B] {
            func slice(_ t: Tensor) -> Tensor {
                var s = Tensor(shape: [4, part.count, t.shape[2]])
                for f in 0..<4 { for (j, b) in part.enumerated() { for c in 0..<t.shape[2] { s[f, j, c] = t[f, b, c] } } }
                return s
            }
            let ls = Array(lengths[part])
            let ys = net.forward(SequenceBatch(values: slice(x.values), lengths: ls), training: true)
            let dxs = net.backward(SequenceBatch(values: slice(dy.values), lengths: ls))
            assertClose(ys.values, slice(y.values), abs: 1e-5, "outputs of sequences \(part)")
            assertClose(dxs.values, slice(dx.values), abs: 1e-5, "input gradients of sequences \(part)")
        }
        for (p, expected) in zip(net.parameters, grads) { assertClose(p.grad, expected, abs: 1e-4, "parameter gradient") }
    }
}
