import XCTest
import ScribeCore
@testable import ScribeDecode

final class CTCLikelihoodTests: XCTestCase {
    /// log Σ over every classes^frames path that collapses to `labels` (blank = 0) of the
    /// path's probability: the definition the forward algorithm computes.
    func bruteForce(labels: [Int], m: FeatureMatrix) -> Double {
        var total = LogSpace.zero
        forEachPath(spelling: labels, through: m) { _, score in total = LogSpace.logAdd(total, score) }
        return total
    }

    func testEqualsTheSumOverAllPaths() {
        for seed in 0..<20 as Range<UInt64> {
            for frames in [1, 2, 3, 6] {
                let m = randomLogProbs(frames: frames, classes: 3, seed: 900 + seed)
                for labels in [[], [1], [2, 2], [1, 2], [1, 1, 2], [2, 1, 2], [1, 2, 1, 2]] {
                    let expected = bruteForce(labels: labels, m: m)
                    let got = CTCLikelihood.logLikelihood(labels: labels, logProbs: m, blank: 0)
                    let scaled = CTCLikelihood.Scorer(logProbs: m).logLikelihood(labels: labels, blank: 0)
                    if expected == LogSpace.zero {
                        XCTAssertEqual(got, LogSpace.zero, "seed \(seed) frames \(frames) labels \(labels): no path spells them")
                        XCTAssertEqual(scaled, LogSpace.zero, "scaled, seed \(seed) frames \(frames) labels \(labels)")
                    } else {
                        XCTAssertEqual(got, expected, accuracy: 1e-9, "seed \(seed) frames \(frames) labels \(labels)")
                        XCTAssertEqual(scaled, expected, accuracy: 1e-9, "scaled, seed \(seed) frames \(frames) labels \(labels)")
                    }
                }
            }
        }
    }

    /// Every label sequence of up to five symbols over two classes in five frames: the
    /// likelihoods of all sequences the frames can spell add up to one.
    func testLikelihoodsOfAllTranscriptsSumToOne() {
        let m = randomLogProbs(frames: 5, classes: 3, seed: 4)
        var sequences: [[Int]] = [[]]
        var frontier: [[Int]] = [[]]
        for _ in 0..<5 {
            frontier = frontier.flatMap { s in [1, 2].map { s + [$0] } }
            sequences += frontier
        }
        var total = LogSpace.zero
        for labels in sequences { total = LogSpace.logAdd(total, CTCLikelihood.logLikelihood(labels: labels, logProbs: m, blank: 0)) }
        // The rows are Float log-softmaxes: each sums to one within about 1e-7.
        XCTAssertEqual(total, 0, accuracy: 1e-5)
    }

    func testBlankElsewhereAndTooFewFrames() {
        // Blank in the last column: the same matrix with columns rotated gives the same value.
        let m = randomLogProbs(frames: 6, classes: 3, seed: 11)
        var rotated = FeatureMatrix(rows: 6, columns: 3)
        for t in 0..<6 { for c in 0..<3 { rotated[t, (c + 2) % 3] = m[t, c] } } // class c → column (c + 2) % 3: blank at 2
        XCTAssertEqual(CTCLikelihood.logLikelihood(labels: [1, 1, 2], logProbs: m, blank: 0),
                       CTCLikelihood.logLikelihood(labels: [0, 0, 1], logProbs: rotated, blank: 2), accuracy: 1e-12)
        // "aa" needs three frames (a blank between the repeats).
        let two = randomLogProbs(frames: 2, classes: 2, seed: 3)
        XCTAssertEqual(CTCLikelihood.logLikelihood(labels: [1, 1], logProbs: two, blank: 0), LogSpace.zero)
        XCTAssertEqual(CTCLikelihood.logLikelihood(labels: [1, 1, 1], logProbs: two, blank: 0), LogSpace.zero)
        XCTAssertEqual(CTCLikelihood.logLikelihood(labels: [1], logProbs: FeatureMatrix(rows: 0, columns: 2), blank: 0), LogSpace.zero)
    }

    /// The rescaled recursion against the log-space one on lines of realistic size: up to
    /// 300 frames, 40 classes, 80 labels with repeats, sharp and flat posteriors.
    func testScorerMatchesTheLogSpaceRecursion() {
        var rng = SeededGenerator(seed: 77)
        for (i, frames) in [1, 2, 7, 60, 300].enumerated() {
            for sharpness in [1.0, 6.0] {
                let m = randomLogProbs(frames: frames, classes: 40, seed: 300 + UInt64(i), sharpness: sharpness)
                let scorer = CTCLikelihood.Scorer(logProbs: m)
                for length in [0, 1, 3, frames / 4, frames / 2, min(frames, 80), frames + 1] {
                    var labels: [Int] = []
                    for _ in 0..<length {
                        // A repeat now and then: those need a blank between them.
                        labels.append(!labels.isEmpty && rng.nextUniform() < 0.2 ? labels.last! : 1 + Int(rng.nextUniform() * 39))
                    }
                    let expected = CTCLikelihood.logLikelihood(labels: labels, logProbs: m, blank: 0)
                    let got = scorer.logLikelihood(labels: labels, blank: 0)
                    let context = "frames \(frames) sharpness \(sharpness) labels \(length)"
                    if expected == LogSpace.zero {
                        XCTAssertEqual(got, LogSpace.zero, context)
                    } else {
                        XCTAssertEqual(got, expected, accuracy: 1e-9 * max(1, abs(expected)), context)
                    }
                }
            }
        }
    }

    /// A frame whose probabilities underflow double precision (log-probabilities of −800):
    /// the scaled recursion cannot represent it and must hand the sequence to the log-space
    /// one, which still gives a finite score.
    func testScorerFallsBackWhenAFrameUnderflows() {
        var m = randomLogProbs(frames: 12, classes: 4, seed: 5)
        for c in 0..<4 { m[6, c] = -800 }
        let expected = CTCLikelihood.logLikelihood(labels: [1, 2, 3], logProbs: m, blank: 0)
        XCTAssertTrue(expected.isFinite)
        XCTAssertLessThan(expected, -700)
        XCTAssertEqual(CTCLikelihood.Scorer(logProbs: m).logLikelihood(labels: [1, 2, 3], blank: 0), expected, accuracy: 1e-9 * abs(expected))
        let empty = CTCLikelihood.Scorer(logProbs: FeatureMatrix(rows: 0, columns: 4))
        XCTAssertEqual(empty.logLikelihood(labels: [], blank: 0), 0)
        XCTAssertEqual(empty.logLikelihood(labels: [1], blank: 0), LogSpace.zero)
    }
}
