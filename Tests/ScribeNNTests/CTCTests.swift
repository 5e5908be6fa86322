import ScribeCore
import XCTest
@testable import ScribeNN

final class CTCTests: XCTestCase {
    override func setUp() { ComputeThreads.set(1) }

    func logSoftmax(_ x: Tensor) -> Tensor {
        let l = LogSoftmax(size: x.shape[2])
        return l.forward(SequenceBatch(values: x), training: false).values
    }

    /// Forward-backward equals the sum over all C^T paths, loss and gradient, for tiny
    /// cases with repeated labels, empty targets, a non-zero blank and tight lengths.
    func testEqualsBruteForce() throws {
        var g = SeededGenerator(seed: 5)
        let cases: [(T: Int, C: Int, blank: Int, target: [Int])] = [
            (4, 3, 0, [1]), (4, 3, 0, [1, 1]), (5, 3, 0, [1, 2, 1]), (3, 3, 0, [1, 1]),
            (5, 4, 3, [0, 0, 1]), (4, 3, 0, []), (6, 3, 1, [2, 0, 0]), (1, 2, 0, [1]),
        ]
        for c in cases {
            let lp = logSoftmax(randomTensor([c.T, 1, c.C], &g, scale: 2))
            let ctc = CTCLoss(blank: c.blank, reduction: .sum)
            let r = try ctc(logProbs: lp, inputLengths: [c.T], targets: [c.target])
            let ref = CTCReference.bruteForce(logProbs: lp.reshaped([c.T, c.C]), target: c.target, blank: c.blank)
            XCTAssertEqual(Double(r.loss), ref.loss, accuracy: 1e-5 * max(1, ref.loss), "case \(c)")
            assertClose(r.gradient.reshaped([c.T, c.C]), ref.gradient, abs: 1e-5, "gradient for case \(c)")
        }
    }

    /// Batched with different lengths equals each sequence alone; padded frames get zero
    /// gradient; mean divides by target length and batch size.
    func testBatchAndReductions() throws {
        var g = SeededGenerator(seed: 6)
        let lp = logSoftmax(randomTensor([6, 3, 4], &g))
        let targets = [[1, 2], [3, 3], [1]]
        let lengths = [6, 4, 2]
        let none = try CTCLoss(reduction: .none)(logProbs: lp, inputLengths: lengths, targets: targets)
        let mean = try CTCLoss(reduction: .mean)(logProbs: lp, inputLengths: lengths, targets: targets)
        for b in 0..<3 {
            var one = Tensor(shape: [lengths[b], 4])
            for t in 0..<lengths[b] { for c in 0..<4 { one[t, c] = lp[t, b, c] } }
            let ref = CTCReference.bruteForce(logProbs: one, target: targets[b], blank: 0)
            XCTAssertEqual(Double(none.losses[b]), ref.loss, accuracy: 1e-5 * ref.loss)
            for t in 0..<6 { for c in 0..<4 {
                let expected = t < lengths[b] ? ref.gradient[t, c] : 0
                XCTAssertEqual(none.gradient[t, b, c], expected, accuracy: 1e-5)
                XCTAssertEqual(mean.gradient[t, b, c], expected / Float(targets[b].count * 3), accuracy: 1e-6)
            } }
        }
        let expectedMean = (0..<3).reduce(Float(0)) { $0 + none.losses[$1] / Float(targets[$1].count) } / 3
        XCTAssertEqual(mean.loss, expectedMean, accuracy: 1e-5)
    }

    func testImpossibleAlignment() throws {
        var g = SeededGenerator(seed: 7)
        let lp = logSoftmax(randomTensor([3, 2, 3], &g))
        XCTAssertThrowsError(try CTCLoss()(logProbs: lp, inputLengths: [3, 2], targets: [[1], [1, 1]])) { error in
            XCTAssertEqual(error as? CTCError, .impossibleAlignment(sequence: 1, inputLength: 2, targetLength: 2, framesNeeded: 3))
            XCTAssertTrue("\(error)".contains("zeroInfinity"))
        }
        let r = try CTCLoss(reduction: .none, zeroInfinity: true)(logProbs: lp, inputLengths: [3, 2], targets: [[1], [1, 1]])
        XCTAssertEqual(r.losses[1], 0)
        XCTAssertGreaterThan(r.losses[0], 0)
        for t in 0..<3 { for c in 0..<3 { XCTAssertEqual(r.gradient[t, 1, c], 0) } }
        XCTAssertThrowsError(try CTCLoss(blank: 0)(logProbs: lp, inputLengths: [3, 3], targets: [[0], [1]]))
        XCTAssertThrowsError(try CTCLoss()(logProbs: lp, inputLengths: [3, 3], targets: [[5], [1]]))
        XCTAssertThrowsError(try CTCLoss()(logProbs: lp, inputLengths: [4, 3], targets: [[1], [1]]))
    }

    /// The logit gradient sums to zero per frame, so LogSoftmax.backward leaves it unchanged.
    func testGradientPassesThroughLogSoftmax() throws {
        var g = SeededGenerator(seed: 8)
        let logits = SequenceBatch(values: randomTensor([5, 2, 4], &g), lengths: [5, 3])
        let ls = LogSoftmax(size: 4)
        let lp = ls.forward(logits, training: true)
        let r = try CTCLoss()(logProbs: lp.values, inputLengths: [5, 3], targets: [[1, 2], [3]])
        let through = ls.backward(SequenceBatch(values: r.gradient, lengths: [5, 3]))
        assertClose(through.values, r.gradient, abs: 1e-6, "gradient through log-softmax")
    }
}
