import Foundation
import XCTest
import ScribeCore
import ScribeDecode
@testable import ScribeRecognition

final class EnsembleDecoderTests: XCTestCase {
    let alphabet = Alphabet(symbols: ["a", "b"])

    func decoder(beam: Int, proposals: Int) throws -> CTCDecoder {
        var s = DecodingSettings()
        s.decoder = .beam; s.beam = beam; s.nBest = proposals; s.prune = .none
        return try CTCDecoder(alphabet: alphabet, settings: s, wordTimings: true)
    }

    func random(frames: Int, seed: UInt64) -> FeatureMatrix {
        var rng = SeededGenerator(seed: seed)
        var m = FeatureMatrix(rows: frames, columns: 3)
        for t in 0..<frames { for c in 0..<3 { m[t, c] = Float(rng.nextGaussian() * 2) } }
        Posteriors.logSoftmaxRows(&m)
        return m
    }

    /// Every label sequence of up to `length` symbols over classes 1 and 2.
    func allSequences(upTo length: Int) -> [[Int]] {
        var all: [[Int]] = [[]], frontier: [[Int]] = [[]]
        for _ in 0..<length {
            frontier = frontier.flatMap { s in [1, 2].map { s + [$0] } }
            all += frontier
        }
        return all
    }

    /// With a beam that holds every transcript the frames can spell, the ensemble's choice is
    /// the transcript of the highest mean exact likelihood over the members, found here by
    /// enumeration; members may have different frame counts.
    func testChoosesTheBestMeanLikelihood() throws {
        let ensemble = EnsembleDecoder(proposer: try decoder(beam: 64, proposals: 64))
        var disagreements = 0
        for seed in 0..<30 as Range<UInt64> {
            let members = [random(frames: 5, seed: 100 + seed), random(frames: 4, seed: 200 + seed)]
            var best: (labels: [Int], score: Double)?
            for labels in allSequences(upTo: 5) {
                let score = members.map { CTCLikelihood.logLikelihood(labels: labels, logProbs: $0, blank: 0) }.reduce(0, +) / 2
                if best == nil || score > best!.score { best = (labels, score) }
            }
            let result = try ensemble.decode(members, path: "seed \(seed)")
            XCTAssertEqual(result.labels, best!.labels, "seed \(seed)")
            XCTAssertEqual(result.acousticScore, best!.score, accuracy: 1e-9, "seed \(seed)")
            let alone = try ensemble.proposer.decode(members[0], path: "").first!.labels
            if alone != result.labels { disagreements += 1 }
        }
        // The second member changes some decisions (otherwise the test would not test much).
        XCTAssertGreaterThan(disagreements, 0)
    }

    /// One member: the ensemble reads as the beam search alone (a beam wide enough to hold
    /// every prefix, so the beam's scores are exact too), and its score is the exact likelihood.
    func testOneMemberReadsAsTheBeamSearch() throws {
        let ensemble = EnsembleDecoder(proposer: try decoder(beam: 64, proposals: 8))
        for seed in 0..<20 as Range<UInt64> {
            let m = random(frames: 5, seed: 300 + seed)
            let alone = try ensemble.proposer.decode(m, path: "")[0]
            let result = try ensemble.decode([m], path: "")
            XCTAssertEqual(result.text, alone.text, "seed \(seed)")
            XCTAssertEqual(result.acousticScore, CTCLikelihood.logLikelihood(labels: result.labels, logProbs: m, blank: 0), accuracy: 1e-9)
        }
    }

    /// A confident member outvotes a hesitant one, and the winner is aligned to the first
    /// member's frames (tokens with frame spans, as `scribe recognize --format json` needs).
    func testConfidentMemberWinsAndTokensFollowTheFirst() throws {
        func rows(_ r: [[Double]]) -> FeatureMatrix {
            var m = FeatureMatrix(rows: r.count, columns: 3)
            for (t, row) in r.enumerated() { for c in 0..<3 { m[t, c] = Float(log(row[c])) } }
            return m
        }
        // First member: "a" then b 55% / a 45% on frame 2 (with a blank between: "ab" or "aa").
        let first = rows([[0.02, 0.96, 0.02], [0.96, 0.02, 0.02], [0.02, 0.43, 0.55]])
        // Second member, twice the frames: "aa" with confidence.
        let second = rows([[0.02, 0.96, 0.02], [0.02, 0.96, 0.02], [0.96, 0.02, 0.02], [0.96, 0.02, 0.02], [0.02, 0.96, 0.02], [0.96, 0.02, 0.02]])
        let ensemble = EnsembleDecoder(proposer: try decoder(beam: 8, proposals: 4))
        XCTAssertEqual(try ensemble.proposer.decode(first, path: "")[0].text, "ab")
        let result = try ensemble.decode([first, second], path: "")
        XCTAssertEqual(result.text, "aa")
        XCTAssertEqual(result.tokens.map(\.startFrame), [0, 2])
        XCTAssertEqual(result.tokens.map(\.endFrame), [1, 3])
    }

    /// A member of another alphabet is refused with the symbols that differ and the fix.
    func testAlphabetMismatchNamesTheSymbols() {
        let primary = Alphabet(symbols: [" ", "a", "b", "é"])
        let lacking = ModelEnsemble.alphabetMismatch(Alphabet(symbols: [" ", "a", "b", "c"]), primary, primary: "p.safetensors")
        XCTAssertTrue(lacking.contains("lacks \"é\"") && lacking.contains("only it has \"c\""), lacking)
        XCTAssertTrue(lacking.contains("p.safetensors") && lacking.contains("data.alphabet"), lacking)
        let shuffled = ModelEnsemble.alphabetMismatch(Alphabet(symbols: [" ", "b", "a", "é"]), primary, primary: "p.safetensors")
        XCTAssertTrue(shuffled.contains("another order") && !shuffled.contains("lacks"), shuffled)
    }
}
