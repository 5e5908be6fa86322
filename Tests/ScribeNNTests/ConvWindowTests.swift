import Foundation
import ScribeCore
@testable import ScribeNN
import XCTest

final class ConvWindowTests: XCTestCase {
    /// A small window: 16 px lines, 8 px windows every 4 px, two blocks pooling by 2.
    let small = "[Cr3x3,3 Mp2x2 Cr1x1,4 Mp2x2 W8s4 Fl5]"

    func randomColumns(width: Int, height: Int = 16, seed: UInt64) -> FeatureMatrix {
        var rng = SeededGenerator(seed: seed)
        return FeatureMatrix(rows: width, columns: height, values: (0..<(width * height)).map { _ in Float(rng.nextUniform()) })
    }

    /// Lines as one zero-padded batch (T, B, height).
    func padded(_ lines: [FeatureMatrix]) -> SequenceBatch {
        let (T, B, H) = (lines.map(\.rows).max()!, lines.count, lines[0].columns)
        var x = Tensor(shape: [T, B, H])
        for (b, line) in lines.enumerated() {
            for t in 0..<line.rows { for y in 0..<H { x[t, b, y] = line.values[t * H + y] } }
        }
        return SequenceBatch(values: x, lengths: lines.map(\.rows))
    }

    func window(_ network: Layer) -> ConvWindow { (network as! Series).layers[0] as! ConvWindow }

    /// Running the layers once over the whole line and slicing equals each window alone.
    func testWholeLineSlicingEqualsEachWindowAlone() throws {
        for (spec, height) in [(small, 16), ("[Cr3x3,16 Mp2x2 Cr3x3,32 Mp2x2 W24s4 Fl8]", 48), ("[Cr3x5,4 Mp2x1 W9s1 Fl3]", 12),
                               ("[Cb3x3,4 Mp2x2 Cb1x3,6 W12s4 Fl5]", 16)] {
            let network = try NetworkSpec.build(spec, inputSize: height, seed: 1)
            let conv = window(network)
            // Batch normalization at inference, with statistics that are not the identity.
            var rng = SeededGenerator(seed: 9)
            for case let norm as BatchNorm2D in conv.layers {
                for i in 0..<norm.channels {
                    norm.runningMean.value.values[i] = Float(rng.nextGaussian())
                    norm.runningVariance.value.values[i] = Float(0.5 + rng.nextUniform())
                }
            }
            let lines = [randomColumns(width: 37, height: height, seed: 2), randomColumns(width: 61, height: height, seed: 3)]
            let frames = conv.forward(padded(lines), training: false)
            XCTAssertEqual(frames.lengths, lines.map { conv.frameCount(width: $0.rows) })
            XCTAssertEqual(network.outputLength(inputLength: 37), conv.frameCount(width: 37))
            for (b, line) in lines.enumerated() {
                let columns = (0..<line.rows).map { Array(line.row($0)) }
                for t in 0..<frames.lengths[b] {
                    let fast = (0..<conv.outputSize).map { frames.values[t, b, $0] }
                    let slow = conv.referenceFrame(columns: columns, frame: t)
                    for (f, s) in zip(fast, slow) { XCTAssertEqual(f, s, accuracy: 1e-4 * max(1, abs(s)), "\(spec) line \(b) frame \(t)") }
                }
            }
        }
    }

    func testSpecRoundTripsAndGeometryIsChecked() throws {
        let network = try NetworkSpec.build(small, inputSize: 16, seed: 1)
        XCTAssertEqual(network.spec, small)
        XCTAssertEqual(try NetworkSpec.build(network.spec, inputSize: 16, seed: 2).spec, small)
        XCTAssertEqual(window(network).outputSize, 4 * 4 * 1)   // 16→8→4 rows, 8→6→3→3→1 columns
        let normalized = "[Cb3x3,3 Mp2x2 C1x1,4 Cr1x1,4 W8s4 Fl5]"
        let withNorm = try NetworkSpec.build(normalized, inputSize: 16, seed: 1)
        XCTAssertEqual(withNorm.spec, normalized)
        XCTAssertEqual(window(withNorm).layers.map(\.spec), ["C3x3,3", "Bn", "Rl", "Mp2x2", "C1x1,4", "C1x1,4", "Rl"])
        // Trainable: 3·9+3, γ and β (3 each; not the running statistics), 4·3+4, 4·4+4, and
        // the output layer on 4 channels × 8 rows × 3 columns.
        XCTAssertEqual(withNorm.parameterCount, 30 + 6 + 16 + 20 + (4 * 8 * 3) * 5 + 5)
        // Dropout between image layers: no parameters, the same geometry, its own seed.
        let dropped = "[Cb3x3,3 Do20 Mp2x2 C1x1,4 Do10 W8s4 Do30 Fl5]"
        let withDropout = try NetworkSpec.build(dropped, inputSize: 16, seed: 1)
        XCTAssertEqual(withDropout.spec, dropped)
        XCTAssertEqual(window(withDropout).layers.map(\.spec), ["C3x3,3", "Bn", "Rl", "Do20", "Mp2x2", "C1x1,4", "Do10"])
        XCTAssertEqual(window(withDropout).outputSize, 4 * 8 * 3)   // 16→8 rows, 8→6→3 columns
        XCTAssertThrowsError(try NetworkSpec.build("[Cr3x3,3 Do100 W8s4 Fl5]", inputSize: 16, seed: 1)) {
            XCTAssertTrue("\($0)".contains("below 100"), "\($0)")
        }
        for (spec, expect) in [("[Cr3x3,3 Mp2x2 W8s3 Fl5]", "multiple of the horizontal pooling factor"),
                               ("[Lfx4 Cr3x3,3 W8s2 Fl5]", "must open the network"),
                               ("[Cr3x3,3 Mp2x2 Fl5]", "expected an image layer"),
                               ("[Cr4x3,3 W8s1 Fl5]", "odd height"),
                               ("[Cr3x9,3 Mp2x2 W8s2 Fl5]", "too small")] {
            XCTAssertThrowsError(try NetworkSpec.build(spec, inputSize: 16, seed: 1), spec) {
                XCTAssertTrue("\($0)".contains(expect), "\(spec): \($0)")
            }
        }
    }

    /// Batch normalization while training, without ReLU or pooling: in training every value
    /// of a channel moves with each weight (through the batch statistics), so with kinks
    /// after it some value always crosses one within a finite-difference step. Smooth, the
    /// whole window can be checked; the layer alone is checked with kinks in ImageLayerTests.
    func normalizedWindow() throws -> Layer {
        var g = SeededGenerator(seed: 8)
        let layers: [ImageLayer] = [Conv2D(inChannels: 1, outChannels: 3, kernel: (3, 3), padding: (1, 0), generator: &g), BatchNorm2D(channels: 3),
                                    Conv2D(inChannels: 3, outChannels: 4, kernel: (1, 1), generator: &g), BatchNorm2D(channels: 4)]
        let window = try ConvWindow(height: 16, layers: layers, window: 8, stride: 4)
        return Series([window, Linear(inputSize: window.outputSize, outputSize: 5, generator: &g)])
    }

    /// Finite differences of L = Σ frames ⊙ R (R fixed random) against backward's gradients,
    /// for a sample of every parameter's entries.
    func testGradientsMatchFiniteDifferences() throws {
        for (spec, training) in [("[C3x3,3 C1x1,4 W8s4 Fl5]", false), ("[C3x3,3 Mp2x2 C1x1,4 Mp2x2 W8s4 Fl5]", false), (small, false),
                                 ("[Cb3x3,3 Mp2x2 Cb1x1,4 W8s4 Fl5]", false), ("normalized", true)] {
        let network = spec == "normalized" ? try normalizedWindow() : try NetworkSpec.build(spec, inputSize: 16, seed: 5)
        if !training {   // inference statistics that are not the identity
            var rng = SeededGenerator(seed: 4)
            for case let norm as BatchNorm2D in window(network).layers {
                for i in 0..<norm.channels { norm.runningVariance.value.values[i] = Float(0.5 + rng.nextUniform()) }
            }
        }
        var rng = SeededGenerator(seed: 5)
        // Non-zero biases: with zero biases the blank padding gives pre-activations of exactly
        // 0, where ReLU has a kink and a central difference measures half a one-sided slope.
        for (name, p) in network.namedParameters() where name.hasSuffix("bias") {
            for i in 0..<p.value.count { p.value.values[i] = Float(0.1 * rng.nextGaussian()) }
        }
        let x = padded([randomColumns(width: 21, seed: 6), randomColumns(width: 13, seed: 7)])
        let out = network.forward(x, training: training)
        var weights = Tensor(shape: out.values.shape)
        for i in 0..<weights.count { weights.values[i] = Float(rng.nextGaussian()) }
        func loss() -> Double {
            let y = network.forward(x, training: training)
            var sum = 0.0
            for t in 0..<y.frames { for b in 0..<y.batchSize where t < y.lengths[b] { for c in 0..<y.channels {
                sum += Double(y.values[t, b, c] * weights[t, b, c])
            } } }
            return sum
        }
        network.zeroGradients()
        _ = network.forward(x, training: training)
        let dx = network.backward(SequenceBatch(values: weights, lengths: out.lengths))
        XCTAssertEqual(dx.values.shape, x.values.shape)
        // A small step: a larger one often moves a max-pooling winner (a kink).
        let eps: Float = 2e-4
        for (name, p) in network.namedParameters() where p.trainable {
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 7)) {
                let saved = p.value.values[i]
                p.value.values[i] = saved + eps
                let up = loss()
                p.value.values[i] = saved - eps
                let down = loss()
                p.value.values[i] = saved
                let numeric = (up - down) / Double(2 * eps)
                XCTAssertEqual(Double(p.grad.values[i]), numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(spec) \(name)[\(i)]")
            }
        }
    }
    }
}
