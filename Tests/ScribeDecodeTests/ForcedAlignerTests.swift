import XCTest
import ScribeCore
@testable import ScribeDecode

final class ForcedAlignerTests: XCTestCase {
    /// The best path that collapses to `labels`, by enumerating all classes^frames paths.
    func bruteForceBest(labels: [Int], m: FeatureMatrix) -> (score: Double, path: [Int])? {
        var best: (Double, [Int])?
        forEachPath(spelling: labels, through: m) { path, score in
            if best == nil || score > best!.0 { best = (score, path) }
        }
        return best
    }

    func testViterbiEqualsBruteForce() throws {
        let alphabet = Alphabet(symbols: ["a", "b"])
        let aligner = ForcedAligner(alphabet: alphabet)
        for seed in 0..<25 as Range<UInt64> {
            let m = randomLogProbs(frames: 6, classes: 3, seed: 700 + seed)
            for labels in [[1], [1, 2], [2, 2], [1, 1, 2], [2, 1, 2, 1]] {
                let result = try aligner.align(labels: labels, to: m)
                let reference = bruteForceBest(labels: labels, m: m)!
                XCTAssertEqual(result.pathScore, reference.score, accuracy: 1e-9, "seed \(seed) labels \(labels)")
                // Frame → token map reproduces a path with that score.
                var score = 0.0
                for t in 0..<m.rows {
                    let i = result.frameTokens[t]
                    score += Double(m[t, i < 0 ? 0 : labels[i]])
                }
                XCTAssertEqual(score, result.pathScore, accuracy: 1e-9)
            }
        }
    }

    func testWordTimes() throws {
        let alphabet = Alphabet(symbols: ["h", "i", " ", "y", "o"])
        // _ h h i _ ␠ y o o _
        let path = [0, 1, 1, 2, 0, 3, 4, 5, 5, 0]
        let m = logProbs(path.map { peaked($0, 6) })
        let result = try ForcedAligner(alphabet: alphabet).align("hi yo", to: m)
        XCTAssertEqual(result.words.map(\.text), ["hi", "yo"])
        XCTAssertEqual(result.words.map(\.startFrame), [1, 6])
        XCTAssertEqual(result.words.map(\.endFrame), [4, 9])
    }

    func testTooFewFrames() {
        let alphabet = Alphabet(symbols: ["l"])
        let m = randomLogProbs(frames: 2, classes: 2, seed: 1)
        XCTAssertThrowsError(try ForcedAligner(alphabet: alphabet).align("ll", to: m)) { error in
            XCTAssertTrue("\(error)".contains("at least 3 frames"), "\(error)")
        }
    }
}

final class SubtitleTests: XCTestCase {
    func testCuesSplitAtPausesAndLength() {
        let words = [("a", 0, 10), ("b", 12, 20), ("c", 200, 210), ("d", 211, 215)].map {
            DecodedWord(text: $0.0, startFrame: $0.1, endFrame: $0.2, confidence: 1)
        }
        let srt = Subtitles.srt(words: words, frameSeconds: 0.01, maxWords: 8, maxGap: 1)
        XCTAssertEqual(srt, "1\n00:00:00,000 --> 00:00:00,200\na b\n\n2\n00:00:02,000 --> 00:00:02,150\nc d\n")
        XCTAssertEqual(Subtitles.timestamp(3725.5), "01:02:05,500")
        XCTAssertEqual(Subtitles.srt(words: words, frameSeconds: 0.01, maxWords: 1).components(separatedBy: "-->").count, 5)
    }
}
