import XCTest
import ScribeCore
@testable import ScribeDecode

final class GreedyDecoderTests: XCTestCase {
    let alphabet = Alphabet(symbols: ["h", "e", "l", "o", " "]) // classes 1...5, blank 0

    func testRepeatsAcrossBlankStayDoubled() {
        // h h e l l _ l o o _  → "hello"
        let path = [1, 1, 2, 3, 3, 0, 3, 4, 4, 0]
        let m = logProbs(path.map { peaked($0, 6) })
        let hyp = GreedyDecoder(alphabet: alphabet).decode(m)
        XCTAssertEqual(hyp.text, "hello")
        XCTAssertEqual(hyp.tokens.map(\.startFrame), [0, 2, 3, 6, 7])
        XCTAssertEqual(hyp.tokens.map(\.endFrame), [2, 3, 5, 7, 9])
        XCTAssertEqual(hyp.tokens[0].confidence, 0.9, accuracy: 1e-5)
        XCTAssertEqual(hyp.confidence, 0.9, accuracy: 1e-5)
    }

    func testAdjacentRepeatsMerge() {
        let m = logProbs([3, 3, 3].map { peaked($0, 6) })
        XCTAssertEqual(GreedyDecoder(alphabet: alphabet).decode(m).text, "l")
    }

    func testWordsAndTimings() {
        // "he lo": h _ e ␠ l o
        let m = logProbs([1, 0, 2, 5, 3, 4].map { peaked($0, 6) })
        let hyp = GreedyDecoder(alphabet: alphabet).decode(m)
        XCTAssertEqual(hyp.text, "he lo")
        XCTAssertEqual(hyp.words.map(\.text), ["he", "lo"])
        XCTAssertEqual(hyp.words.map(\.startFrame), [0, 4])
        XCTAssertEqual(hyp.words.map(\.endFrame), [3, 6])
        XCTAssertEqual(hyp.words[1].startTime(frameSeconds: 0.02), 0.08, accuracy: 1e-12)
    }

    func testPathScoreIsSumOfArgmaxLogProbs() {
        let m = randomLogProbs(frames: 30, classes: 6, seed: 3)
        let hyp = GreedyDecoder(alphabet: alphabet).decode(m)
        var expected = 0.0
        for t in 0..<m.rows { expected += Double(m.row(t).max()!) }
        XCTAssertEqual(hyp.acousticScore, expected, accuracy: 1e-4)
    }

    func testBlankAtLastClass() {
        let alphabet = Alphabet(symbols: ["a", "b"], blank: 2)
        let m = logProbs([0, 2, 0, 1].map { peaked($0, 3) })
        XCTAssertEqual(GreedyDecoder(alphabet: alphabet).decode(m).text, "aab")
    }
}
