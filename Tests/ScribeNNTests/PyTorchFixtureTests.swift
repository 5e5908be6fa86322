import ScribeCore
import XCTest
@testable import ScribeNN

/// Compares Scribe with PyTorch tensor by tensor, using fixtures written by
/// scripts/make_nn_fixtures.py (PyTorch computes in float64 from float32 values, so the
/// tolerances below measure Scribe's float32 error).
final class PyTorchFixtureTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    /// Tolerances, per tensor kind (values are O(1)). Largest differences observed with
    /// OpenBLAS + the AVX2 kernels: outputs 9e-8, gradients 9.5e-7 (a GRU bias), CTC
    /// gradients 1.8e-7; the bounds leave 5-10x room for other CPUs' rounding.
    static let outputTolerance: Float = 1e-6      // recurrent outputs
    static let gradientTolerance: Float = 5e-6    // input and parameter gradients (sums over T·B)
    static let ctcLossRelative: Float = 1e-5      // CTC losses, relative
    static let ctcGradientTolerance: Float = 2e-6 // CTC gradients w.r.t. logits

    /// nn.LSTM / nn.GRU (2 layers, bidirectional, packed sequences of lengths 7, 3, 5)
    /// against Scribe's `[Lbx4 Lbx4]` / `[Gbx4 Gbx4]` with the same weights.
    func checkRecurrent(fixture: String, spec: String) throws {
        let f = try loadFixture(fixture).tensors
        let net = try NetworkSpec.build(spec, inputSize: 5, seed: 0)
        let weights = f.filter { $0.key.hasPrefix("weight_") || $0.key.hasPrefix("bias_") }
        XCTAssertEqual(weights.count, 16)
        try ModelFile.loadParameters(net, from: weights, source: fixture, rename: ModelFile.pytorchRecurrentName)
        let lengths = f["lengths"]!.values.map { Int($0) }
        let x = SequenceBatch(values: f["x"]!, lengths: lengths)
        net.zeroGradients()
        let y = net.forward(x, training: true)
        assertClose(y.values, f["out"]!, abs: Self.outputTolerance, "\(fixture) output")
        var loss = 0.0
        for i in 0..<y.values.count { loss += Double(y.values.values[i]) * Double(f["probe"]!.values[i]) }
        XCTAssertEqual(Float(loss), f["loss"]!.values[0], accuracy: 1e-4)
        let dx = net.backward(SequenceBatch(values: f["probe"]!, lengths: lengths))
        assertClose(dx.values, f["grad.x"]!, abs: Self.gradientTolerance, "\(fixture) grad.x")
        for (name, p) in net.namedParameters() {
            let torchName = ModelFile.pytorchRecurrentName(name)
            assertClose(p.grad, f["grad." + torchName]!, abs: Self.gradientTolerance, rel: 1e-5, "\(fixture) grad.\(torchName)")
        }
    }

    func testLSTMMatchesPyTorch() throws { try checkRecurrent(fixture: "lstm.safetensors", spec: "[Lbx4 Lbx4]") }
    func testGRUMatchesPyTorch() throws { try checkRecurrent(fixture: "gru.safetensors", spec: "[Gbx4 Gbx4]") }

    /// nn.BatchNorm2d(4): a training forward and backward, running statistics after two
    /// training batches (PyTorch keeps the unbiased variance), then inference.
    func testBatchNormMatchesPyTorch() throws {
        let f = try loadFixture("batchnorm.safetensors").tensors
        let layer = BatchNorm2D(channels: 4)
        layer.weight.value = f["weight"]!; layer.bias.value = f["bias"]!
        layer.runningMean.value = f["running_mean.0"]!; layer.runningVariance.value = f["running_var.0"]!
        let y = layer.forward(f["x"]!, training: true)
        assertClose(y, f["out"]!, abs: Self.outputTolerance, "batch norm output")
        let dx = layer.backward(f["probe"]!)
        assertClose(dx, f["grad.x"]!, abs: Self.gradientTolerance, "batch norm grad.x")
        assertClose(layer.weight.grad, f["grad.weight"]!, abs: Self.gradientTolerance, rel: 1e-5, "grad.weight")
        assertClose(layer.bias.grad, f["grad.bias"]!, abs: Self.gradientTolerance, rel: 1e-5, "grad.bias")
        assertClose(layer.runningMean.value, f["running_mean.1"]!, abs: Self.outputTolerance, "running mean after one batch")
        assertClose(layer.runningVariance.value, f["running_var.1"]!, abs: Self.outputTolerance, "running variance after one batch")
        _ = layer.forward(f["x2"]!, training: true)
        assertClose(layer.runningMean.value, f["running_mean.2"]!, abs: Self.outputTolerance, "running mean after two batches")
        assertClose(layer.runningVariance.value, f["running_var.2"]!, abs: Self.outputTolerance, "running variance after two batches")
        assertClose(layer.forward(f["x"]!), f["eval_out"]!, abs: Self.outputTolerance, "batch norm inference")
    }

    func checkCTC(fixture: String, reductions: [CTCReduction]) throws {
        let f = try loadFixture(fixture).tensors
        let logits = f["logits"]!
        let inputLengths = f["input_lengths"]!.values.map { Int($0) }
        let flat = f["targets"]!.values.map { Int($0) }
        var targets: [[Int]] = []
        var offset = 0
        for n in f["target_lengths"]!.values.map({ Int($0) }) { targets.append(Array(flat[offset..<(offset + n)])); offset += n }
        XCTAssertTrue(targets.contains { t in zip(t, t.dropFirst()).contains { $0 == $1 } }, "fixture should contain repeated labels")
        let blank = Int(f["blank"]!.values[0])
        let batch = SequenceBatch(values: logits, lengths: inputLengths)
        for reduction in reductions {
            let r = try CTCLoss(blank: blank, reduction: reduction)(logits: batch, targets: targets)
            switch reduction {
            case .none:
                assertClose(Tensor(shape: [r.losses.count], values: r.losses), f["losses"]!, abs: 0, rel: Self.ctcLossRelative, "\(fixture) losses")
                // The gradient of the summed losses equals the "sum" gradient.
                if let g = f["grad.sum"] { assertClose(r.gradient, g, abs: Self.ctcGradientTolerance, "\(fixture) grad (none)") }
            case .sum, .mean:
                XCTAssertEqual(r.loss, f["loss.\(reduction.rawValue)"]!.values[0], accuracy: f["loss.\(reduction.rawValue)"]!.values[0] * Self.ctcLossRelative)
                assertClose(r.gradient, f["grad.\(reduction.rawValue)"]!, abs: Self.ctcGradientTolerance, "\(fixture) grad.\(reduction.rawValue)")
            }
        }
    }

    func testCTCMatchesPyTorch() throws { try checkCTC(fixture: "ctc.safetensors", reductions: [.none, .sum, .mean]) }
    func testCTCWithLastBlankMatchesPyTorch() throws { try checkCTC(fixture: "ctc_blank.safetensors", reductions: [.mean]) }
}
