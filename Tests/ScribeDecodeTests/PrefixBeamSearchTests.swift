import XCTest
import ScribeCore
@testable import ScribeDecode

final class PrefixBeamSearchTests: XCTestCase {
    /// Beam search with a beam wider than the number of possible prefixes prunes nothing,
    /// so its n-best list must equal exhaustive search over all label sequences.
    func testWideBeamEqualsExhaustiveSearch() {
        let alphabet = Alphabet(symbols: ["a", "b", " "])
        for seed in 0..<40 as Range<UInt64> {
            let frames = 2 + Int(seed % 4) // T = 2...5
            let m = randomLogProbs(frames: frames, classes: 4, seed: seed, sharpness: seed % 2 == 0 ? 1 : 3)
            var options = BeamSearchOptions.exact(beamWidth: 400)
            options.nBest = 5
            let beams = PrefixBeamSearch(alphabet: alphabet, options: options).decode(m)
            let reference = DecodingReference.exhaustive(logProbs: m, alphabet: alphabet)
            for (k, hyp) in beams.enumerated() {
                XCTAssertEqual(hyp.acousticScore, reference[k].acoustic, accuracy: 1e-9, "seed \(seed) rank \(k)")
            }
            XCTAssertEqual(beams[0].labels, reference[0].labels, "seed \(seed): T=\(frames)")
        }
    }

    func testWideBeamWithCharacterLMEqualsExhaustiveSearch() throws {
        let alphabet = Alphabet(symbols: ["a", "b", " "])
        let lm = try ARPAReader.parse(TinyLMs.characterBigram)
        let scorer = CharacterLMScorer(model: lm, alphabet: alphabet)
        for seed in 0..<20 as Range<UInt64> {
            let m = randomLogProbs(frames: 4, classes: 4, seed: 100 + seed)
            var options = BeamSearchOptions.exact(beamWidth: 400)
            options.alpha = 0.8; options.beta = 0.3; options.nBest = 3
            let beams = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer).decode(m)
            let reference = DecodingReference.exhaustive(logProbs: m, alphabet: alphabet, scorer: scorer, alpha: 0.8, beta: 0.3)
            for k in 0..<3 {
                XCTAssertEqual(beams[k].totalScore, reference[k].total, accuracy: 1e-9, "seed \(seed) rank \(k)")
                XCTAssertEqual(beams[k].lmScore, reference[k].lm, accuracy: 1e-9, "seed \(seed) rank \(k)")
            }
            XCTAssertEqual(beams[0].labels, reference[0].labels, "seed \(seed)")
        }
    }

    func testWideBeamWithWordLMEqualsExhaustiveSearch() throws {
        let alphabet = Alphabet(symbols: ["a", "b", " "])
        let lm = try ARPAReader.parse(TinyLMs.abWords)
        for constrained in [false, true] {
            let scorer = WordLMScorer(model: lm, alphabet: alphabet, lexicon: constrained ? ["ab", "ba", "a"] : nil,
                                      constrained: constrained)
            for seed in 0..<20 as Range<UInt64> {
                let m = randomLogProbs(frames: 5, classes: 4, seed: 200 + seed)
                var options = BeamSearchOptions.exact(beamWidth: 1000)
                options.alpha = 1.2; options.beta = 0.5
                let best = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer).decode(m)[0]
                let reference = DecodingReference.exhaustive(logProbs: m, alphabet: alphabet, scorer: scorer, alpha: 1.2, beta: 0.5)
                XCTAssertEqual(best.totalScore, reference[0].total, accuracy: 1e-9, "seed \(seed) constrained \(constrained)")
                XCTAssertEqual(best.labels, reference[0].labels, "seed \(seed) constrained \(constrained)")
                if constrained {
                    let words = best.text.split(separator: " ").map(String.init)
                    XCTAssertTrue(words.allSatisfy { ["ab", "ba", "a"].contains($0) }, "\(best.text)")
                }
            }
        }
    }

    /// The beam's best sequence is at least as likely as the greedy path's sequence.
    func testBeamNeverScoresWorseThanGreedy() {
        let alphabet = Alphabet(symbols: ["a", "b", "c", "d", " "])
        let greedy = GreedyDecoder(alphabet: alphabet)
        for seed in 0..<30 as Range<UInt64> {
            let m = randomLogProbs(frames: 40, classes: 6, seed: 300 + seed, sharpness: 1.5)
            let beam = PrefixBeamSearch(alphabet: alphabet, options: .exact(beamWidth: 16)).decode(m)[0]
            let greedyLabels = greedy.decode(m).labels
            let greedyScore = DecodingReference.logLikelihood(labels: greedyLabels, logProbs: m, blank: 0)
            let beamScore = DecodingReference.logLikelihood(labels: beam.labels, logProbs: m, blank: 0)
            // A finite beam drops some paths, so its prefix probability can only fall short.
            XCTAssertLessThanOrEqual(beam.acousticScore, beamScore + 1e-9, "seed \(seed)")
            XCTAssertGreaterThanOrEqual(beamScore, greedyScore - 1e-9, "seed \(seed)")
        }
    }

    func testRepeatedLettersAcrossBlank() {
        let alphabet = Alphabet(symbols: ["h", "e", "l", "o"])
        let path = [1, 2, 3, 3, 0, 3, 4, 0]
        let m = logProbs(path.map { peaked($0, 5, 0.8) })
        for options in [BeamSearchOptions.exact(beamWidth: 8), .fast(beamWidth: 8)] {
            let hyp = PrefixBeamSearch(alphabet: alphabet, options: options).decode(m)[0]
            XCTAssertEqual(hyp.text, "hello")
            XCTAssertEqual(hyp.tokens.map(\.startFrame), [0, 1, 2, 5, 6])
        }
    }

    /// Acoustics slightly favour "bat"; the LM strongly favours "cat".
    func testLanguageModelWeightFlipsTheResult() throws {
        let alphabet = Alphabet(symbols: [" ", "a", "b", "c", "t"])
        let lm = try ARPAReader.parse(TinyLMs.catBat)
        let scorer = WordLMScorer(model: lm, alphabet: alphabet)
        // b/c ambiguous, then a, t.
        let m = logProbs([[0.05, 0, 0, 0.5, 0.45, 0], peaked(2, 6, 0.9), peaked(5, 6, 0.9)])
        var options = BeamSearchOptions.exact(beamWidth: 16)
        options.beta = 0
        options.alpha = 0
        XCTAssertEqual(PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer).decode(m)[0].text, "bat")
        options.alpha = 1
        let hyp = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer).decode(m)[0]
        XCTAssertEqual(hyp.text, "cat")
        XCTAssertLessThan(hyp.acousticScore, 0)
        XCTAssertEqual(hyp.totalScore, hyp.acousticScore + hyp.lmScore, accuracy: 1e-9)
        XCTAssertEqual(hyp.lmUnits, 1)
    }

    func testPruningKeepsPeakedResults() {
        let alphabet = Alphabet(symbols: ["a", "b", "c", " "])
        for seed in 0..<10 as Range<UInt64> {
            let m = randomLogProbs(frames: 60, classes: 5, seed: 500 + seed, sharpness: 4)
            let exact = PrefixBeamSearch(alphabet: alphabet, options: .exact(beamWidth: 16)).decode(m)[0]
            var topK = BeamSearchOptions.exact(beamWidth: 16)
            topK.topK = 4 // all non-blank classes: must not change anything
            XCTAssertEqual(PrefixBeamSearch(alphabet: alphabet, options: topK).decode(m)[0], exact)
            let fast = PrefixBeamSearch(alphabet: alphabet, options: .fast(beamWidth: 16)).decode(m)[0]
            XCTAssertEqual(fast.text, exact.text, "seed \(seed)")
        }
    }

    func testNBestIsSortedAndDistinct() {
        let alphabet = Alphabet(symbols: ["a", "b", " "])
        let m = randomLogProbs(frames: 12, classes: 4, seed: 9)
        var options = BeamSearchOptions.exact(beamWidth: 10)
        options.nBest = 10
        let list = PrefixBeamSearch(alphabet: alphabet, options: options).decode(m)
        XCTAssertEqual(list.count, 10)
        XCTAssertEqual(Set(list.map(\.labels)).count, 10)
        XCTAssertEqual(list.map(\.totalScore), list.map(\.totalScore).sorted(by: >))
    }

    func testWithoutWordTimingsTheSearchIsTheSameButUnaligned() {
        let alphabet = Alphabet(symbols: ["a", "b", " "])
        let m = randomLogProbs(frames: 30, classes: 4, seed: 21)
        var options = BeamSearchOptions.exact(beamWidth: 8)
        options.nBest = 3
        let timed = PrefixBeamSearch(alphabet: alphabet, options: options).decode(m)
        options.wordTimings = false
        let plain = PrefixBeamSearch(alphabet: alphabet, options: options).decode(m)
        XCTAssertEqual(plain.map(\.labels), timed.map(\.labels))
        XCTAssertEqual(plain.map(\.totalScore), timed.map(\.totalScore))
        XCTAssertFalse(timed[0].tokens.isEmpty)
        XCTAssertTrue(plain.allSatisfy { $0.tokens.isEmpty && $0.words.isEmpty })
        for h in plain { XCTAssertEqual(h.confidence, min(1, exp(h.acousticScore / 30)), accuracy: 1e-12) }
        // The sum over all paths is at least the best path: the unaligned confidence is not lower.
        XCTAssertGreaterThanOrEqual(plain[0].confidence, timed[0].confidence - 1e-9)
    }
}

enum TinyLMs {
    /// A character bigram over a, b and <space>.
    static let characterBigram = """
    \\data\\
    ngram 1=5
    ngram 2=6

    \\1-grams:
    -0.6\t</s>
    -99\t<s>\t-0.2
    -0.4\ta\t-0.3
    -0.5\tb\t-0.25
    -0.9\t<space>\t-0.1

    \\2-grams:
    -0.2\t<s> a
    -0.3\ta b
    -0.15\tb a
    -0.5\ta <space>
    -0.7\tb </s>
    -0.1\t<space> b

    \\end\\
    """

    /// A word trigram over a, ab, ba.
    static let abWords = """
    \\data\\
    ngram 1=6
    ngram 2=4
    ngram 3=2

    \\1-grams:
    -0.8\t</s>
    -99\t<s>\t-0.3
    -0.7\ta\t-0.2
    -0.5\tab\t-0.4
    -0.9\tba\t-0.1
    -1.5\t<unk>

    \\2-grams:
    -0.3\t<s> ab\t-0.2
    -0.2\tab ba\t-0.1
    -0.4\tba </s>
    -0.6\ta ab

    \\3-grams:
    -0.05\t<s> ab ba
    -0.1\tab ba </s>

    \\end\\
    """

    /// Unigrams in which "cat" is far likelier than "bat".
    static let catBat = """
    \\data\\
    ngram 1=5

    \\1-grams:
    -0.1\t</s>
    -99\t<s>
    -0.2\tcat
    -4\tbat
    -5\t<unk>

    \\end\\
    """
}
