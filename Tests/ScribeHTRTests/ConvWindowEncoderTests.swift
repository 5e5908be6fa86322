import Foundation
import ScribeCore
@testable import ScribeHTR
import ScribeImage
import ScribeNN
import XCTest

final class ConvWindowEncoderTests: XCTestCase {
    /// A small encoder: 16 px lines, 8 px windows every 4 px, two blocks pooling by 2.
    func smallConfig() -> ConvWindowConfig {
        var n = LineNormalization()
        n.height = 16
        return ConvWindowConfig(normalization: n, window: WindowGeometry(width: 8, stride: 4),
                                blocks: [ConvBlock(channels: 3, kernel: 3, pool: 2), ConvBlock(channels: 4, kernel: 1, pool: 2)],
                                outputSize: 5)
    }

    func randomLine(width: Int, height: Int = 16, seed: UInt64) -> GrayImage {
        var rng = SeededGenerator(seed: seed)
        return GrayImage(width: width, height: height, pixels: (0..<(width * height)).map { _ in Float(rng.nextUniform()) })
    }

    func testWholeLineSlicingEqualsEachWindowAlone() throws {
        var rng = SeededGenerator(seed: 1)
        for config in [smallConfig(), ConvWindowConfig()] {
            let encoder = try ConvWindowEncoder(config: config, generator: &rng)
            let lines = [randomLine(width: 37, height: config.normalization.height, seed: 2),
                         randomLine(width: 61, height: config.normalization.height, seed: 3)]
            let frames = encoder.forward(lines)
            XCTAssertEqual(frames.lengths, lines.map { config.window.frameCount(lineWidth: $0.width) })
            for (b, line) in lines.enumerated() {
                for t in 0..<frames.lengths[b] {
                    let fast = (0..<config.outputSize).map { frames.values[t, b, $0] }
                    let slow = encoder.referenceFrame(line, frame: t)
                    for (f, s) in zip(fast, slow) { XCTAssertEqual(f, s, accuracy: 1e-4 * max(1, abs(s)), "line \(b) frame \(t)") }
                }
            }
        }
    }

    func testMisalignedStrideIsRejected() {
        var config = smallConfig()
        config.window = WindowGeometry(width: 8, stride: 2)   // pooling factor is 4
        var rng = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try ConvWindowEncoder(config: config, generator: &rng)) {
            XCTAssertTrue("\($0)".contains("multiple of the pooling factor"), "\($0)")
        }
    }

    /// Finite differences of L = Σ frames ⊙ R (R fixed random) against backward's gradients,
    /// for a sample of every parameter's entries.
    func testGradientsMatchFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 5)
        let encoder = try ConvWindowEncoder(config: smallConfig(), generator: &rng)
        // Non-zero biases: with zero biases the blank padding gives pre-activations of exactly
        // 0, where ReLU has a kink and a central difference measures half a one-sided slope.
        for (name, p) in encoder.namedParameters() where name.hasSuffix("bias") {
            for i in 0..<p.value.count { p.value.values[i] = Float(0.1 * rng.nextGaussian()) }
        }
        let lines = [randomLine(width: 21, seed: 6), randomLine(width: 13, seed: 7)]
        let out = encoder.forward(lines)
        var weights = Tensor(shape: out.values.shape)
        for i in 0..<weights.count { weights.values[i] = Float(rng.nextGaussian()) }
        func loss() -> Double {
            let y = encoder.forward(lines)
            var sum = 0.0
            for t in 0..<y.frames { for b in 0..<y.batchSize where t < y.lengths[b] { for c in 0..<y.channels {
                sum += Double(y.values[t, b, c] * weights[t, b, c])
            } } }
            return sum
        }
        for (_, p) in encoder.namedParameters() { p.grad.zero() }
        _ = encoder.forward(lines)
        encoder.backward(SequenceBatch(values: weights, lengths: out.lengths))
        let eps: Float = 1e-3
        for (name, p) in encoder.namedParameters() {
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 7)) {
                let saved = p.value.values[i]
                p.value.values[i] = saved + eps
                let up = loss()
                p.value.values[i] = saved - eps
                let down = loss()
                p.value.values[i] = saved
                let numeric = (up - down) / Double(2 * eps)
                let analytic = Double(p.grad.values[i])
                XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(name)[\(i)]")
            }
        }
    }
}

final class ConvWindowConfigTests: XCTestCase {
    /// The configuration travels in a model file's metadata as JSON: it must come back equal.
    func testConfigRoundTripsThroughJSON() throws {
        var config = ConvWindowConfig()
        config.normalization.slant = true
        config.normalization.binarization = .sauvola
        config.window = WindowGeometry(width: 32, stride: 8)
        let json = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(ConvWindowConfig.self, from: json), config)
        XCTAssertNoThrow(try config.validate())
    }

    func testFeatureMapGeometry() {
        let config = ConvWindowConfig()   // 48 px, 24 px windows, two 3×3 blocks pooling 2
        XCTAssertEqual(config.poolFactor, 4)
        XCTAssertEqual(config.featureMapSize(height: 48, width: 24).height, 12)
        XCTAssertEqual(config.featureMapSize(height: 48, width: 24).width, 4)   // 24→22→11→9→4
        XCTAssertEqual(config.patchSize, 32 * 12 * 4)
        XCTAssertEqual(config.window.frameCount(lineWidth: 100), 1 + 100 / 4)
    }
}

final class EncoderFileTests: XCTestCase {
    func testStoredEncoderRestoresIdenticalOutputs() throws {
        var rng = SeededGenerator(seed: 9)
        var config = ConvWindowConfig()
        config.normalization.height = 32
        config.window = WindowGeometry(width: 16, stride: 4)
        let encoder = try ConvWindowEncoder(config: config, generator: &rng)
        var file = SafeTensors(metadata: ["scribe.format": "1"])
        try encoder.store(in: &file)
        let decoded = try SafeTensors.decode(file.encode(), source: "model.safetensors")
        let restored = try ConvWindowEncoder.restore(from: decoded, source: "model.safetensors")
        XCTAssertEqual(restored.config, config)
        var line = GrayImage(width: 50, height: 32)
        for i in 0..<line.pixels.count { line.pixels[i] = Float(rng.nextUniform()) }
        XCTAssertEqual(restored.forward([line]).values, encoder.forward([line]).values)
    }

    func testDamagedEncoderEntriesAreNamed() throws {
        var rng = SeededGenerator(seed: 9)
        let encoder = try ConvWindowEncoder(config: ConvWindowConfig(), generator: &rng)
        var file = SafeTensors()
        try encoder.store(in: &file)
        var missing = file
        missing.tensors["encoder.projection.weight"] = nil
        var reshaped = file
        reshaped.tensors["encoder.blocks.0.weight"] = Tensor(shape: [3, 3])
        var noConfig = file
        noConfig.metadata[ConvWindowEncoder.metadataKey] = nil
        var badConfig = file
        badConfig.metadata[ConvWindowEncoder.metadataKey] = "{\"window\": 3}"
        for (damaged, expect) in [(missing, "encoder.projection.weight"), (reshaped, "encoder.blocks.0.weight"),
                                  (noConfig, "no handwriting line encoder"), (badConfig, "not a valid line encoder")] {
            XCTAssertThrowsError(try ConvWindowEncoder.restore(from: damaged, source: "m.safetensors")) {
                XCTAssertTrue("\($0)".contains(expect) && "\($0)".contains("m.safetensors"), "\($0)")
            }
        }
    }
}
