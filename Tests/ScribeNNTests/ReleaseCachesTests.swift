import XCTest
import ScribeCore
import ScribeNN

/// `Layer.releaseCaches`: readers free what a forward kept for backward, so that the networks
/// of an ensemble share working memory. It must give the memory back and change nothing else.
final class ReleaseCachesTests: XCTestCase {
    /// Every kind of layer with a cache: convolutions with and without batch normalization,
    /// pooling, dropout on the map and on frames, the window, linear layers, activations,
    /// LSTM and GRU (forward, reversed, bidirectional), a residual, log-softmax.
    let spec = "[Cb3x3,32 Mp2x2 Cr3x3,64 Do20 Mp2x1 W16s4 Do20 Fl32 As Lbx32 ResFl64 At RxLfx16 Gbx16 Fl7 Om]"

    func lines(_ widths: [Int], height: Int, seed: UInt64) -> SequenceBatch {
        var rng = SeededGenerator(seed: seed)
        var x = Tensor(shape: [widths.max()!, widths.count, height])
        for (b, w) in widths.enumerated() {
            for t in 0..<w { for y in 0..<height { x[t, b, y] = Float(rng.nextUniform()) } }
        }
        return SequenceBatch(values: x, lengths: widths)
    }

    func testReleaseGivesBackTheUnfoldedInputsAndTheNextForwardIsTheSame() throws {
        guard Allocator.bytesInUse != nil else { throw XCTSkip("the C library does not report heap use") }
        let network = try NetworkSpec.build(spec, inputSize: 32, seed: 1)
        let x = lines([2000, 1500], height: 32, seed: 2)
        let first = network.forward(x, training: false)
        let held = Allocator.bytesInUse!
        network.releaseCaches()
        let freed = held - Allocator.bytesInUse!
        // Lower bounds (widths 1990 and 995, below the padded 2000 and 1000) of the largest
        // caches, each of which must go: the first convolution's unfolded input (B, 1·3·3,
        // 32·W) and its batch normalization's x̂ (B, 32, 32, W); the second convolution's
        // unfolded input (B, 32·3·3, 16·W/2) and its ReLU's output (B, 64, 16, W/2).
        let floats = 2 * 9 * 32 * 1990 + 2 * 32 * 32 * 1990 + 2 * 288 * 16 * 995 + 2 * 64 * 16 * 995
        XCTAssertGreaterThan(freed, floats * MemoryLayout<Float>.size, "releaseCaches freed \(freed) bytes")
        XCTAssertEqual(network.forward(x, training: false).values, first.values)
    }

    /// Bytes the allocator has back after `release` (nil where the C library does not say).
    func freed(by release: () -> Void) -> Int? {
        guard let before = Allocator.bytesInUse else { return nil }
        release()
        return before - Allocator.bytesInUse!
    }

    /// Each layer that keeps a buffer gives all of it back (the forward's result is dropped
    /// first, so that buffers it shares are counted).
    func testEachLayerGivesBackItsCache() throws {
        guard Allocator.bytesInUse != nil else { throw XCTSkip("the C library does not report heap use") }
        var g = SeededGenerator(seed: 7)
        let image = randomTensor([2, 16, 64, 400], &g)
        let frames = SequenceBatch(values: randomTensor([300, 2, 16], &g), lengths: [300, 250])
        let conv = Conv2D(inChannels: 16, outChannels: 8, kernel: (3, 3), generator: &g)
        let norm = BatchNorm2D(channels: 16), relu = ImageReLU(), pool = MaxPool2D(kernel: (2, 2))
        let lstm = LSTM(inputSize: 16, hiddenSize: 64, generator: &g)
        let float = MemoryLayout<Float>.size
        let cases: [(name: String, forward: () -> Void, release: () -> Void, bytes: Int)] = [
            // columns (B, 16·3·3, 62·398)
            ("Conv2D", { _ = conv.forward(image) }, conv.releaseCaches, 2 * 144 * 62 * 398 * float),
            // x̂ and the output: the shape of the input
            ("BatchNorm2D", { _ = norm.forward(image, training: true) }, norm.releaseCaches, image.count * float),
            ("ImageReLU", { _ = relu.forward(image) }, relu.releaseCaches, image.count * float),
            // the index of each output's maximum
            ("MaxPool2D", { _ = pool.forward(image) }, pool.releaseCaches, image.count / 4 * MemoryLayout<Int>.size),
            // acts (T, B, 4H | H | H) + H and the cached input (T, B, I)
            ("LSTM", { _ = lstm.forward(frames, training: false) }, lstm.releaseCaches, (300 * 2 * 6 * 64 + 64 + 300 * 2 * 16) * float),
        ]
        for c in cases {
            c.forward()
            XCTAssertGreaterThanOrEqual(freed(by: c.release)!, c.bytes, c.name)
        }
    }

    /// A network that read (and released) before it trains computes the same gradients as
    /// one that never read.
    func testTrainingAfterAReleaseIsUnchanged() throws {
        let reader = try NetworkSpec.build(spec, inputSize: 32, seed: 3)
        let fresh = try NetworkSpec.build(spec, inputSize: 32, seed: 3)
        let x = lines([90, 61], height: 32, seed: 4)
        _ = reader.forward(lines([120], height: 32, seed: 5), training: false)
        reader.releaseCaches()
        var g = SeededGenerator(seed: 6)
        var dy: SequenceBatch?
        for network in [reader, fresh] {
            network.zeroGradients()
            let y = network.forward(x, training: true)
            if dy == nil { dy = SequenceBatch(values: randomTensor(y.values.shape, &g), lengths: y.lengths) }
            _ = network.backward(dy!)
        }
        for (a, b) in zip(reader.namedParameters(), fresh.namedParameters()) {
            XCTAssertEqual(a.parameter.grad.values, b.parameter.grad.values, a.name)
        }
    }
}
