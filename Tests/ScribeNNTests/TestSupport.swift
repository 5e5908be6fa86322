import Foundation
import ScribeCore
import XCTest
import _ScribeTestSupport
@testable import ScribeNN

/// Folder of the committed PyTorch fixtures (written by scripts/make_nn_fixtures.py).
let fixtureFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadFixture(_ name: String) throws -> SafeTensors {
    try SafeTensors.load(path: fixtureFolder.appendingPathComponent(name).path)
}

func randomTensor(_ shape: [Int], _ g: inout SeededGenerator, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, generator: &g) { Float($0.nextGaussian()) * scale }
}

/// Compares two tensors value by value with |a - e| <= abs + rel·|e| (`FloatComparison`)
/// and fails the test naming the worst value.
func assertClose(_ actual: Tensor, _ expected: Tensor, abs absTol: Float, rel: Float = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        XCTFail("\(what): shape \(actual.shape) != expected \(expected.shape)", file: file, line: line)
        return
    }
    if let message = FloatComparison.mismatch(actual.values, expected.values, abs: absTol, rel: rel, what: what) {
        XCTFail(message, file: file, line: line)
    }
}

/// Finite-difference gradient check of a layer for the scalar loss Σ y ⊙ probe:
/// compares backward's input gradient and every parameter gradient with central
/// differences (step `eps`) at every value (or `maxChecks` evenly spaced values).
/// Tolerance per value: |analytic - numeric| <= absTol + relTol·|numeric|.
func checkGradients(_ layer: Layer, input: SequenceBatch, seed: UInt64 = 7, eps: Float = 1e-2,
                    absTol: Float = 2e-3, relTol: Float = 2e-2, maxChecks: Int = 200,
                    file: StaticString = #filePath, line: UInt = #line) {
    var g = SeededGenerator(seed: seed)
    let y0 = layer.forward(input, training: true)
    var probe = randomTensor(y0.values.shape, &g)
    // The probe is zero at padded frames so the loss only sees valid outputs; separately,
    // padded-frame outputs must be zero.
    var probeBatch = SequenceBatch(values: probe, lengths: y0.lengths)
    probeBatch.zeroPadding()
    probe = probeBatch.values
    var current = input
    func loss() -> Double {
        let y = layer.forward(current, training: true)
        var s = 0.0
        for i in 0..<y.values.count { s += Double(y.values.values[i]) * Double(probe.values[i]) }
        return s
    }
    layer.zeroGradients()
    _ = layer.forward(input, training: true)
    // Non-zero probe values at padded frames must be ignored by backward.
    var dy = probe
    for b in 0..<input.batchSize where input.lengths[b] < input.frames {
        for t in input.lengths[b]..<input.frames { for c in 0..<dy.shape[2] { dy[t, b, c] = 99 } }
    }
    let dx = layer.backward(SequenceBatch(values: dy, lengths: y0.lengths))

    func compare(_ name: String, count: Int, analytic: (Int) -> Float, perturb: (Int, Float) -> Void) {
        let stride = max(1, count / maxChecks)
        var worst: Float = 0
        var failures: [String] = []
        for i in Swift.stride(from: 0, to: count, by: stride) {
            perturb(i, eps); let plus = loss()
            perturb(i, -2 * eps); let minus = loss()
            perturb(i, eps)
            let numeric = Float((plus - minus) / Double(2 * eps))
            let a = analytic(i)
            let d = abs(a - numeric)
            worst = max(worst, d)
            if !(d <= absTol + relTol * abs(numeric)), failures.count < 5 {
                failures.append("[\(i)] analytic \(a) numeric \(numeric)")
            }
        }
        if !failures.isEmpty {
            XCTFail("\(layer.spec) gradient of \(name): largest difference \(worst); " + failures.joined(separator: ", "),
                    file: file, line: line)
        }
    }
    compare("input", count: input.values.count, analytic: { dx.values.values[$0] }) { i, delta in
        current.values.values[i] += delta
    }
    for (name, p) in layer.namedParameters() {
        let analytic = p.grad
        compare(name, count: p.value.count, analytic: { analytic.values[$0] }) { i, delta in p.value.values[i] += delta }
    }
    // Padded frames: outputs and input gradients are zero.
    for b in 0..<input.batchSize where input.lengths[b] < input.frames {
        for t in input.lengths[b]..<input.frames {
            for c in 0..<y0.channels where y0.values[t, b, c] != 0 {
                XCTFail("\(layer.spec): output at padded frame t=\(t) b=\(b) is \(y0.values[t, b, c])", file: file, line: line); return
            }
            for c in 0..<dx.channels where dx.values[t, b, c] != 0 {
                XCTFail("\(layer.spec): input gradient at padded frame t=\(t) b=\(b) is \(dx.values[t, b, c])", file: file, line: line); return
            }
        }
    }
}
