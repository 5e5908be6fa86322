import Foundation
import ScribeCore
import XCTest
@testable import ScribeNN

final class OptimizerTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    func testSGDMomentumByHand() {
        let p = Parameter(Tensor(shape: [1], values: [1]))
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        p.grad = Tensor(shape: [1], values: [0.5])
        sgd.step()
        XCTAssertEqual(p.value.values[0], 0.95, accuracy: 1e-7)
        sgd.step()
        XCTAssertEqual(p.value.values[0], 0.855, accuracy: 1e-6)
    }

    /// Adam and AdamW against a plain Double transcription of PyTorch's update rules.
    func testAdamAndAdamWMatchReference() {
        for decoupled in [false, true] {
            var g = SeededGenerator(seed: 1)
            let p = Parameter(randomTensor([7], &g))
            let opt = Adam([p], learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: decoupled)
            var w = p.value.values.map(Double.init)
            var m = [Double](repeating: 0, count: 7), v = m
            for step in 1...6 {
                p.grad = randomTensor([7], &g)
                opt.step()
                let (lr, b1, b2, eps, wd) = (0.01, 0.9, 0.999, 1e-8, 0.1)
                for j in 0..<7 {
                    var gj = Double(p.grad.values[j])
                    if decoupled { w[j] *= 1 - lr * wd } else { gj += wd * w[j] }
                    m[j] = b1 * m[j] + (1 - b1) * gj
                    v[j] = b2 * v[j] + (1 - b2) * gj * gj
                    let mHat = m[j] / (1 - pow(b1, Double(step))), vHat = v[j] / (1 - pow(b2, Double(step)))
                    w[j] -= lr * mHat / (vHat.squareRoot() + eps)
                }
                assertClose(p.value, Tensor(shape: [7], values: w.map(Float.init)), abs: 1e-6, "Adam decoupled=\(decoupled) step \(step)")
            }
        }
    }

    func testClipGradientNorm() {
        let a = Parameter(Tensor(shape: [1])), b = Parameter(Tensor(shape: [1]))
        a.grad = Tensor(shape: [1], values: [3]); b.grad = Tensor(shape: [1], values: [4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad.values[0], 3)
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad.values[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad.values[0], 0.8, accuracy: 1e-5)
    }

    func testSchedules() {
        let step = StepDecay(base: 1, every: 2, factor: 0.5)
        XCTAssertEqual((0..<5).map { step.learningRate(atStep: $0) }, [1, 1, 0.5, 0.5, 0.25])
        let cosine = CosineDecay(base: 1, minimum: 0.1, totalSteps: 10)
        XCTAssertEqual(cosine.learningRate(atStep: 0), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 5), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 10), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(atStep: 20), 0.1, accuracy: 1e-6)
        let warm = WarmUp(steps: 4, then: cosine)
        XCTAssertEqual(warm.learningRate(atStep: 0), 0.25, accuracy: 1e-6)
        XCTAssertEqual(warm.learningRate(atStep: 3), 1, accuracy: 1e-6)
        XCTAssertEqual(warm.learningRate(atStep: 9), 0.55, accuracy: 1e-6)
        var plateau = ReduceOnPlateau(learningRate: 1, factor: 0.5, patience: 2)
        XCTAssertEqual([3, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.5].map { plateau.observe($0) }, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
    }

    /// A tiny BiLSTM + CTC learns to transcribe noisy one-hot renderings of short symbol
    /// strings (each symbol 2 frames, silence between symbols, repeats allowed).
    func testTinyBiLSTMLearnsToyTask() throws {
        ComputeThreads.set(2)
        defer { ComputeThreads.set(1) }
        var g = SeededGenerator(seed: 42)
        func makeBatch(_ n: Int) -> (SequenceBatch, [[Int]]) {
            var targets: [[Int]] = []
            var frames: [[[Float]]] = []
            for _ in 0..<n {
                let len = 2 + Int(g.next() % 3)
                let target = (0..<len).map { _ in 1 + Int(g.next() % 3) }
                var seq: [[Float]] = [[1, 0, 0, 0]]
                for s in target {
                    var f: [Float] = [0, 0, 0, 0]; f[s] = 1
                    seq += [f, f, [1, 0, 0, 0]]
                }
                targets.append(target)
                frames.append(seq)
            }
            let T = frames.map(\.count).max()!
            var x = Tensor(shape: [T, n, 4])
            for b in 0..<n { for (t, f) in frames[b].enumerated() { for c in 0..<4 { x[t, b, c] = f[c] + Float(g.nextGaussian()) * 0.2 } } }
            return (SequenceBatch(values: x, lengths: frames.map(\.count)), targets)
        }
        let net = try NetworkSpec.build("[Lbx12 Fl4]", inputSize: 4, seed: 3)
        let adam = Adam(net.parameters, learningRate: 0.03)
        let ctc = CTCLoss(blank: 0, reduction: .mean)
        var losses: [Float] = []
        for _ in 0..<150 {
            let (x, targets) = makeBatch(8)
            net.zeroGradients()
            let logits = net.forward(x, training: true)
            let r = try ctc(logits: logits, targets: targets)
            _ = net.backward(SequenceBatch(values: r.gradient, lengths: x.lengths))
            clipGradientNorm(net.parameters, maxNorm: 5)
            adam.step()
            losses.append(r.loss)
        }
        let early = losses.prefix(5).reduce(0, +) / 5, late = losses.suffix(10).reduce(0, +) / 10
        XCTAssertGreaterThan(early, 1, "the task should start hard")
        XCTAssertLessThan(late, 0.15, "loss after 150 steps (started at \(early))")
        // Best-path decoding of fresh sequences (argmax, merge repeats, drop blanks).
        let (x, targets) = makeBatch(16)
        let y = net.forward(x, training: false)
        var correct = 0
        for b in 0..<16 {
            let path = (0..<x.lengths[b]).map { t in (0..<4).max { y.values[t, b, $0] < y.values[t, b, $1] }! }
            if CTCReference.collapse(path, blank: 0) == targets[b] { correct += 1 }
        }
        XCTAssertGreaterThanOrEqual(correct, 15, "sequences transcribed exactly")
    }
}
