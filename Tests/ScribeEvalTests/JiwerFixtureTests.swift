import Foundation
import XCTest
@testable import ScribeEval

/// WER and CER against values jiwer computed (scripts/make_eval_fixtures.py).
final class JiwerFixtureTests: XCTestCase {
    struct Counts: Decodable { var hits, substitutions, deletions, insertions: Int }
    struct PerPair: Decodable { var word_errors: Int; var char_errors: Int }
    struct Corpus: Decodable {
        var name: String
        var pairs: [[String]]
        var wer: Double
        var cer: Double
        var word: Counts
        var char: Counts
        var per_pair: [PerPair]
    }
    struct Fixture: Decodable { var jiwer_version: String; var corpora: [Corpus] }

    static func load() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/jiwer_cases.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testRatesAndCountsMatchJiwer() throws {
        let fixture = try Self.load()
        XCTAssertGreaterThanOrEqual(fixture.corpora.reduce(0) { $0 + $1.pairs.count }, 300)
        for corpus in fixture.corpora {
            let pairs = corpus.pairs.enumerated().map { UtterancePair(id: "\($0.offset)", reference: $0.element[0], hypothesis: $0.element[1]) }
            for (unit, rate, counts) in [(ScoringUnit.word, corpus.wer, corpus.word), (.char, corpus.cer, corpus.char)] {
                let score = Scoring.score(pairs, unit: unit)
                XCTAssertEqual(score.errorRate, rate, accuracy: 1e-12, "\(corpus.name) \(unit)")
                XCTAssertEqual(score.referenceUnits, counts.hits + counts.substitutions + counts.deletions, "\(corpus.name) \(unit)")
                XCTAssertEqual(score.hypothesisUnits, counts.hits + counts.substitutions + counts.insertions, "\(corpus.name) \(unit)")
                XCTAssertEqual(score.errors, counts.substitutions + counts.deletions + counts.insertions, "\(corpus.name) \(unit)")
                for (i, u) in score.utterances.enumerated() {
                    let expected = unit == .word ? corpus.per_pair[i].word_errors : corpus.per_pair[i].char_errors
                    XCTAssertEqual(u.errors, expected, "\(corpus.name) pair \(i) \(unit): \(corpus.pairs[i])")
                }
            }
        }
    }

    /// Every alignment is consistent: its steps replay the reference and hypothesis.
    func testAlignmentsReplayBothSides() throws {
        for corpus in try Self.load().corpora {
            for p in corpus.pairs {
                for unit in ScoringUnit.allCases {
                    let u = Scoring.scoreOne(UtterancePair(id: "x", reference: p[0], hypothesis: p[1]), unit: unit)
                    var ref: [String] = [], hyp: [String] = []
                    for step in u.alignment.steps {
                        if step.refIndex >= 0 { ref.append(u.reference[step.refIndex]) }
                        if step.hypIndex >= 0 { hyp.append(u.hypothesis[step.hypIndex]) }
                        if step.operation == .hit { XCTAssertEqual(u.reference[step.refIndex], u.hypothesis[step.hypIndex]) }
                        if step.operation == .substitution { XCTAssertNotEqual(u.reference[step.refIndex], u.hypothesis[step.hypIndex]) }
                    }
                    XCTAssertEqual(ref, u.reference)
                    XCTAssertEqual(hyp, u.hypothesis)
                }
            }
        }
    }
}
