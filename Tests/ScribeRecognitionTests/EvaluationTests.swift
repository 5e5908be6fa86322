import Foundation
import XCTest
import ScribeCore
import ScribeDecode
import ScribeEval
@testable import ScribeRecognition

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
        let pairs = try Evaluation.run(entries: entries(40), threads: 2, progress: progress) {
            let recognizer = SpellingRecognizer(alphabet: self.alphabet, failOn: nil)
            let beam = PrefixBeamSearch(alphabet: self.alphabet, options: .exact(beamWidth: 8))
            return { try beam.decode(recognizer.logProbabilities(forFile: $0))[0].text }
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
        XCTAssertThrowsError(try Evaluation.run(entries: entries(8), threads: 2) {
            let recognizer = SpellingRecognizer(alphabet: self.alphabet, failOn: "5_ab-c.wav")
            return { _ = try recognizer.logProbabilities(forFile: $0); return "" }
        }) { error in
            XCTAssertTrue("\(error)".hasPrefix("utterance u5 (/data/5_ab-c.wav): "), "\(error)")
        }
    }

}
