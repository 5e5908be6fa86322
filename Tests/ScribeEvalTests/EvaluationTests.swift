import Foundation
import XCTest
import ScribeCore
import ScribeDecode
@testable import ScribeEval

/// A stand-in model: spells each file's "transcript" (its name after the last '_', with
/// '-' for spaces) as peaked posteriors, so decoding returns known text.
struct SpellingRecognizer: Recognizer {
    let alphabet: Alphabet
    let failOn: String?

    func logProbabilities(forFile path: String) throws -> FeatureMatrix {
        if let failOn, path.hasSuffix(failOn) { throw EvalError.unreadable(path: path, reason: "stand-in failure") }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let text = String(name.split(separator: "_").last ?? "").replacingOccurrences(of: "-", with: " ")
        let labels = try alphabet.labels(for: text)
        var m = FeatureMatrix(rows: 2 * labels.count + 1, columns: alphabet.classCount, repeating: log(0.01))
        for t in 0..<m.rows {
            let c = t % 2 == 1 ? labels[t / 2] : alphabet.blank
            m[t, c] = log(1 - 0.01 * Float(alphabet.classCount - 1))
        }
        return m
    }
}

final class CountingProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var count = 0
    func advance(by n: Int) { lock.lock(); count += n; lock.unlock() }
}

final class EvaluationTests: XCTestCase {
    let alphabet = Alphabet(symbols: ["a", "b", "c", " "])

    func entries(_ n: Int) -> [ManifestEntry] {
        (0..<n).map { i in
            let spoken = ["ab", "ab-c", "cab", "b"][i % 4]
            let truth = ["ab", "ab c", "cab", "a"][i % 4] // every 4th utterance is wrong
            return ManifestEntry(id: "u\(i)", path: "/data/\(i)_\(spoken).wav", transcript: truth)
        }
    }

    func testParallelLoopKeepsManifestOrderAndScores() throws {
        let progress = CountingProgress()
        let pairs = try Evaluation.run(entries: entries(40), recognizer: SpellingRecognizer(alphabet: alphabet, failOn: nil),
                                       threads: 2, progress: progress) {
            let beam = PrefixBeamSearch(alphabet: self.alphabet, options: .exact(beamWidth: 8))
            return { beam.decode($0)[0].text }
        }
        XCTAssertEqual(progress.count, 40)
        XCTAssertEqual(pairs.map(\.id), (0..<40).map { "u\($0)" })
        XCTAssertEqual(pairs[1].hypothesis, "ab c")
        let score = Scoring.score(pairs, unit: .word)
        XCTAssertEqual(score.substitutions, 10)
        XCTAssertEqual(score.errorRate, 10.0 / 50.0, accuracy: 1e-12)
        let html = HTMLReport.render(ScoreReport.make(pairs: pairs, units: [.word], referencePath: "m.tsv", hypothesisPath: "stand-in"))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<span class=S>b</span>"), "substitution b → a is marked")
        // Worst first: the first utterance row is a wrong one (u3).
        let firstRow = html.range(of: "<tr><td>u")!
        XCTAssertTrue(html[firstRow.lowerBound...].hasPrefix("<tr><td>u3<"))
    }

    func testFailureNamesTheUtterance() {
        XCTAssertThrowsError(try Evaluation.run(entries: entries(8), recognizer: SpellingRecognizer(alphabet: alphabet, failOn: "5_ab-c.wav"),
                                                threads: 2) { { _ in "" } }) { error in
            XCTAssertTrue("\(error)".hasPrefix("utterance u5 (/data/5_ab-c.wav): "), "\(error)")
        }
    }

    func testManifestParsing() throws {
        let m = try Manifest.parse("# comment\nu1\taudio/a.wav\thello there\nu2\t/abs/b.wav\t\n\n", path: "/sets/test.tsv")
        XCTAssertEqual(m, [ManifestEntry(id: "u1", path: "/sets/audio/a.wav", transcript: "hello there"),
                           ManifestEntry(id: "u2", path: "/abs/b.wav", transcript: "")])
        XCTAssertThrowsError(try Manifest.parse("u1 a.wav hello\n", path: "m.tsv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("m.tsv:1: expected \"id<TAB>path<TAB>transcript\""), "\(error)")
        }
        XCTAssertThrowsError(try Manifest.parse("u1\ta\tx\nu1\tb\ty\n", path: "m.tsv")) { error in
            XCTAssertTrue("\(error)".contains("appears twice"), "\(error)")
        }
    }

    func testHTMLEscapes() {
        let pairs = [UtterancePair(id: "<u>", reference: "a<b & c", hypothesis: "a<b")]
        let html = HTMLReport.render(ScoreReport.make(pairs: pairs, units: [.word], referencePath: "r", hypothesisPath: "h"))
        XCTAssertFalse(html.contains("<u>"))
        XCTAssertTrue(html.contains("&lt;u&gt;"))
        XCTAssertTrue(html.contains("a&lt;b"))
    }

    func testReportsCarryTheSameNumbers() throws {
        let pairs = [UtterancePair(id: "1", reference: "the cat sat", hypothesis: "the bat sat down"),
                     UtterancePair(id: "2", reference: "hello", hypothesis: "")]
        let report = ScoreReport.make(pairs: pairs, comparison: [UtterancePair(id: "1", reference: "the cat sat", hypothesis: "the cat sat"),
                                                                 UtterancePair(id: "2", reference: "hello", hypothesis: "hello")],
                                      units: [.word], referencePath: "r", hypothesisPath: "h", comparisonPath: "h2")
        let json = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as! [String: Any]
        let wer = json["wer"] as! [String: Any]
        XCTAssertEqual(wer["errors"] as? Int, 3)
        XCTAssertEqual(wer["rate"] as! Double, 0.75, accuracy: 1e-12)
        XCTAssertEqual((wer["hypothesis2"] as! [String: Any])["rate"] as! Double, 0, accuracy: 1e-12)
        let csv = report.render(.csv).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        XCTAssertTrue(csv[1].hasPrefix("hyp,h,word,0.75,"))
        XCTAssertTrue(report.render(.text).contains("WER 75.00%"))
        XCTAssertTrue(report.render(.text).contains("C 2  S 1  D 1  I 1"))
    }
}
