import XCTest
import ScribeCore
@testable import ScribeEval

final class LevenshteinTests: XCTestCase {
    /// Plain recursive edit distance with memo: the oracle.
    func naiveDistance(_ a: [Int32], _ b: [Int32]) -> Int {
        var memo: [Int: Int] = [:]
        func d(_ i: Int, _ j: Int) -> Int {
            if i == 0 { return j }
            if j == 0 { return i }
            if let m = memo[i * 1000 + j] { return m }
            let r = min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1))
            memo[i * 1000 + j] = r
            return r
        }
        return d(a.count, b.count)
    }

    func testDistanceAndAlignmentAgreeWithOracle() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let n = Int(rng.next() % 9), m = Int(rng.next() % 9)
            let a = (0..<n).map { _ in Int32(rng.next() % 4) }
            let b = (0..<m).map { _ in Int32(rng.next() % 4) }
            let expected = naiveDistance(a, b)
            XCTAssertEqual(Levenshtein.distance(a, b), expected, "\(a) \(b)")
            let alignment = Levenshtein.align(a, b)
            XCTAssertEqual(alignment.errors, expected, "\(a) \(b)")
            XCTAssertEqual(alignment.refLength, n)
            XCTAssertEqual(alignment.hypLength, m)
        }
    }

    func testPositions() {
        // ref: a b c d ; hyp: a x c d e
        let al = Levenshtein.align([0, 1, 2, 3], [0, 4, 2, 3, 5])
        XCTAssertEqual(al.steps.map(\.operation), [.hit, .substitution, .hit, .hit, .insertion])
        XCTAssertEqual(al.steps[1].refIndex, 1)
        XCTAssertEqual(al.steps[4].hypIndex, 4)
        XCTAssertEqual(al.steps[4].refIndex, -1)
    }

    func testGraphemesAndNFC() {
        // "é" as e + combining acute equals precomposed é: one character, no error.
        let u = Scoring.scoreOne(UtterancePair(id: "1", reference: "cafe\u{301}", hypothesis: "caf\u{E9}"), unit: .char)
        XCTAssertEqual(u.reference.count, 4)
        XCTAssertEqual(u.errors, 0)
        // A flag and a skin-toned emoji are single graphemes.
        let v = Scoring.scoreOne(UtterancePair(id: "2", reference: "🇫🇷👍🏽", hypothesis: "🇫🇷👍"), unit: .char)
        XCTAssertEqual(v.reference.count, 2)
        XCTAssertEqual(v.alignment.substitutions, 1)
    }

    func testEmptyReferencePolicy() {
        let corpus = Scoring.score([UtterancePair(id: "1", reference: "", hypothesis: "a b"),
                                    UtterancePair(id: "2", reference: "a b c d", hypothesis: "a b c d")], unit: .word)
        XCTAssertEqual(corpus.errorRate, 0.5) // 2 insertions / 4 reference words
        XCTAssertEqual(corpus.utterances[0].rate, 2)
        XCTAssertEqual(corpus.sentenceErrorRate, 0.5)
        XCTAssertEqual(Scoring.score([UtterancePair(id: "1", reference: "", hypothesis: "")], unit: .word).errorRate, 0)
        XCTAssertEqual(Scoring.score([UtterancePair(id: "1", reference: " ", hypothesis: "x")], unit: .char).errorRate, .infinity)
    }

    func testNormalizationIsOffUnlessAsked() {
        let pair = UtterancePair(id: "1", reference: "Hello, World!", hypothesis: "hello   world")
        XCTAssertEqual(Scoring.scoreOne(pair, unit: .word).errors, 2)
        let all = TextNormalization(caseFold: true, removePunctuation: true, collapseWhitespace: true)
        XCTAssertEqual(Scoring.scoreOne(pair, unit: .word, normalization: all).errors, 0)
        XCTAssertEqual(Scoring.scoreOne(pair, unit: .char, normalization: all).errors, 0)
    }

    func testConfusionsAndWorst() {
        let corpus = Scoring.score([
            UtterancePair(id: "a", reference: "the cat sat", hypothesis: "the bat sat"),
            UtterancePair(id: "b", reference: "a cat", hypothesis: "a bat"),
            UtterancePair(id: "c", reference: "dog", hypothesis: "fog"),
            UtterancePair(id: "d", reference: "ok", hypothesis: "ok"),
        ], unit: .word)
        let c = corpus.confusions()
        XCTAssertEqual(c.first?.reference, "cat")
        XCTAssertEqual(c.first?.hypothesis, "bat")
        XCTAssertEqual(c.first?.count, 2)
        XCTAssertEqual(corpus.worstFirst(), [2, 1, 0, 3])
        let lines = AlignmentLines(Scoring.scoreOne(UtterancePair(id: "x", reference: "the cat sat on", hypothesis: "the bat sat down on it"), unit: .word), unit: .word)
        XCTAssertEqual(lines.reference, "the CAT sat **** on **")
        XCTAssertEqual(lines.hypothesis, "the BAT sat DOWN on IT")
        XCTAssertEqual(lines.markers, "    S       I       I ")
    }
}

final class UnitsFastPathTests: XCTestCase {
    /// The ASCII fast path gives the same units and the same equalities as the general path.
    func testASCIIFastPathMatchesGeneralPath() {
        var rng = SeededGenerator(seed: 21)
        let pieces = ["a", "b", "ab", "ba", " ", "  ", "\t", "the", "x\ty", "\n"]
        func text() -> String { (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined() }
        for _ in 0..<500 {
            let r = text(), h = text()
            for unit in ScoringUnit.allCases {
                let fast = Units.unitsAndIds(r, h, unit: unit)
                let ref = Units.split(r, unit: unit), hyp = Units.split(h, unit: unit)
                XCTAssertEqual(fast.ref, ref, "\(unit) \(r.debugDescription)")
                XCTAssertEqual(fast.hyp, hyp, "\(unit) \(h.debugDescription)")
                let (ri, hi) = Units.intern(ref, hyp)
                XCTAssertEqual(Levenshtein.align(fast.refIds, fast.hypIds), Levenshtein.align(ri, hi))
            }
        }
    }
}
