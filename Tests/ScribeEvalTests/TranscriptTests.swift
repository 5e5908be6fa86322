import XCTest
@testable import ScribeEval

final class TranscriptTests: XCTestCase {
    func testPlainLinesKeepEmptyLines() throws {
        let t = try Transcript.parse("a b\n\nc\n", path: "ref.txt")
        XCTAssertEqual(t.entries.map(\.text), ["a b", "", "c"])
        XCTAssertEqual(t.entries.map(\.id), ["1", "2", "3"])
        XCTAssertEqual(try Transcript.parse("x\n\n", path: "h.txt").entries.count, 2)
        // One-character lines are utterances too (jiwer's CLI drops them).
        XCTAssertEqual(try Transcript.parse("a\nb", path: "h.txt").entries.map(\.text), ["a", "b"])
    }

    func testLineCountMismatchNamesBothCounts() throws {
        let ref = try Transcript.parse("a\nb\nc\n", path: "ref.txt")
        let hyp = try Transcript.parse("a\nb\n", path: "hyp.txt")
        XCTAssertThrowsError(try Transcript.pair(reference: ref, hypothesis: hyp)) { error in
            XCTAssertEqual("\(error)", "ref.txt has 3 lines but hyp.txt has 2; each line is one utterance (an empty line is an empty utterance), so the counts must match")
        }
    }

    func testKeyedFormatsPairById() throws {
        let ref = try Transcript.parse("u1\tthe cat\nu2\ta dog\n", path: "ref.tsv")
        let hyp = try Transcript.parse("a dog (u2)\nthe bat (u1)\n", path: "hyp.trn")
        let pairs = try Transcript.pair(reference: ref, hypothesis: hyp)
        XCTAssertEqual(pairs, [UtterancePair(id: "u1", reference: "the cat", hypothesis: "the bat"),
                               UtterancePair(id: "u2", reference: "a dog", hypothesis: "a dog")])
        let partial = try Transcript.parse("u1\tx\n", path: "h.tsv")
        XCTAssertThrowsError(try Transcript.pair(reference: ref, hypothesis: partial)) { error in
            XCTAssertTrue("\(error)".contains("lacks 1 of the 2 utterance ids in ref.tsv, e.g. u2"), "\(error)")
        }
    }

    /// CRLF line ends, a byte-order mark and a header row are a normal file: they used to glue
    /// every line into one utterance, or score the header as an utterance.
    func testCRLFBOMAndHeaderRows() throws {
        let crlf = try Transcript.parse("\u{FEFF}a b c\r\nd e\r\n", path: "ref.txt")
        XCTAssertEqual(crlf.entries.map(\.text), ["a b c", "d e"])
        let tsv = try Transcript.parse("id\ttext\r\nu1\ta b\r\nu2\tc", path: "ref.tsv")
        XCTAssertEqual(tsv.entries.map(\.id), ["u1", "u2"])
        XCTAssertEqual(tsv.entries.map(\.text), ["a b", "c"])
        // A data row whose id happens to be "id" is kept when it is not the first row.
        XCTAssertEqual(try Transcript.parse("u1\ta\nid\ttext\n", path: "x.tsv").entries.count, 2)
    }

    func testMalformedLines() {
        XCTAssertThrowsError(try Transcript.parse("u1 no tab\n", path: "r.tsv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("r.tsv:1: expected \"id<TAB>text\""), "\(error)")
        }
        XCTAssertThrowsError(try Transcript.parse("text without id\n", path: "r.trn")) { error in
            XCTAssertTrue("\(error)".hasPrefix("r.trn:1:"), "\(error)")
        }
        XCTAssertThrowsError(try Transcript.parse("a\tx\na\ty\n", path: "r.tsv")) { error in
            XCTAssertTrue("\(error)".contains("appears twice"), "\(error)")
        }
    }
}

final class BootstrapTests: XCTestCase {
    func testIntervalCollapsesWhenEveryUtteranceHasTheSameRate() {
        let ci = Bootstrap.interval(errors: Array(repeating: 1, count: 50), referenceLengths: Array(repeating: 4, count: 50))
        XCTAssertEqual(ci.lower, 0.25, accuracy: 1e-12)
        XCTAssertEqual(ci.upper, 0.25, accuracy: 1e-12)
    }

    /// With one-unit utterances that are wrong with probability p, the pooled rate is a
    /// binomial proportion: the 95% interval is about ±1.96·sqrt(p(1−p)/n).
    func testIntervalWidthMatchesBinomial() {
        let n = 2000
        var rng = ScribeCoreRNG(seed: 5)
        let errors = (0..<n).map { _ in rng.uniform() < 0.2 ? 1 : 0 }
        let rate = Double(errors.reduce(0, +)) / Double(n)
        let ci = Bootstrap.interval(errors: errors, referenceLengths: Array(repeating: 1, count: n), resamples: 2000)
        let half = 1.96 * (rate * (1 - rate) / Double(n)).squareRoot()
        XCTAssertEqual(ci.lower, rate - half, accuracy: 0.15 * half)
        XCTAssertEqual(ci.upper, rate + half, accuracy: 0.15 * half)
    }

    func testPairedBootstrap() {
        let refs = Array(repeating: 10, count: 200)
        let a = (0..<200).map { $0 % 2 == 0 ? 2 : 1 }
        let clearlyBetter = a.map { $0 - 1 }
        let result = Bootstrap.paired(errorsA: a, errorsB: clearlyBetter, referenceLengths: refs)
        XCTAssertEqual(result.difference, -0.1, accuracy: 1e-12)
        XCTAssertEqual(result.probabilityBBetter, 1)
        XCTAssertLessThan(result.pValue, 0.01)
        XCTAssertLessThan(result.differenceInterval.upper, 0)
        let same = Bootstrap.paired(errorsA: a, errorsB: a, referenceLengths: refs)
        XCTAssertEqual(same.pValue, 1)
        // B better on half the utterances, worse on the other half by the same amount.
        let mixed = a.enumerated().map { $0.offset % 4 < 2 ? $0.element + 1 : $0.element - 1 }
        XCTAssertGreaterThan(Bootstrap.paired(errorsA: a, errorsB: mixed, referenceLengths: refs).pValue, 0.2)
    }
}

import ScribeCore
struct ScribeCoreRNG {
    var g: SeededGenerator
    init(seed: UInt64) { g = SeededGenerator(seed: seed) }
    mutating func uniform() -> Double { g.nextUniform() }
}
