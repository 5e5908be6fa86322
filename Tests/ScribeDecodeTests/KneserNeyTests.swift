import XCTest
@testable import ScribeDecode

final class KneserNeyTests: XCTestCase {
    static let corpus = """
    the cat sat on the mat
    the dog sat on the log
    a cat and a dog
    the cat ran
    a dog ran on the mat
    the mat is on the log
    a cat sat
    the dog and the cat sat on a mat
    """

    /// For every history the model can be in, probabilities over the vocabulary sum to 1.
    func testDistributionsSumToOne() throws {
        for unit in LMText.Unit.allCases {
            for order in 1...4 {
                let sentences = LMText.sentences(Self.corpus, unit: unit)
                let lm = try ARPAReader.parse(KneserNey.estimateARPA(sentences: sentences, order: order))
                XCTAssertEqual(lm.order, order)
                let predicted = lm.vocabulary.filter { $0 != "<s>" }
                // Histories: every stored n-gram below the highest order, plus the empty one.
                var histories: [Int32] = [-1]
                for id in 0..<lm.log10Prob.count where Int(lm.ngramOrder[id]) < order { histories.append(Int32(id)) }
                for h in histories {
                    let sum = predicted.reduce(0.0) { $0 + exp(lm.score(state: h, word: $1).logProb) }
                    XCTAssertEqual(sum, 1, accuracy: 1e-5, "\(unit) order \(order) history \(h)")
                }
            }
        }
    }

    func testHigherOrderFitsTrainingTextBetterAndHeldOutIsWorse() throws {
        let train = LMText.sentences(Self.corpus, unit: .word)
        let unigram = try ARPAReader.parse(KneserNey.estimateARPA(sentences: train, order: 1))
        let trigram = try ARPAReader.parse(KneserNey.estimateARPA(sentences: train, order: 3))
        let onTrain1 = PerplexityResult.compute(model: unigram, sentences: train)
        let onTrain3 = PerplexityResult.compute(model: trigram, sentences: train)
        XCTAssertLessThan(onTrain3.perplexity, onTrain1.perplexity)
        let scrambled = LMText.sentences("mat the on sat cat the\nlog ran a and dog the", unit: .word)
        XCTAssertGreaterThan(PerplexityResult.compute(model: trigram, sentences: scrambled).perplexity, onTrain3.perplexity)
        XCTAssertEqual(onTrain3.tokens, train.reduce(0) { $0 + $1.count + 1 })
        let oov = PerplexityResult.compute(model: trigram, sentences: [["the", "zebra"]])
        XCTAssertEqual(oov.outOfVocabulary, 1)
    }

    /// A hand-checked bigram: "a b" and "a a" → continuation counts and discounts by hand.
    func testHandComputedUnigrams() throws {
        let lm = try ARPAReader.parse(KneserNey.estimateARPA(sentences: [["a", "b"], ["a", "a"]], order: 2))
        // Unigram continuation counts: a ← {<s>: raw via bigram? no: a's left contexts are <s>, a} = 2
        // b ← {a} = 1, </s> ← {b, a} = 2; total 5. Fallback discounts (too few counts):
        // D1 = 0.5, D2 = 1.0. γ(∅) = (0.5·1 + 1.0·2)/5 = 0.5; |V| = 4 (a, b, </s>, <unk>).
        let v = 4.0, gamma = 0.5
        XCTAssertEqual(exp(lm.score(state: -1, word: "a").logProb), (2 - 1.0) / 5 + gamma / v, accuracy: 1e-6)
        XCTAssertEqual(exp(lm.score(state: -1, word: "b").logProb), (1 - 0.5) / 5 + gamma / v, accuracy: 1e-6)
        XCTAssertEqual(exp(lm.score(state: -1, word: "<unk>").logProb), gamma / v, accuracy: 1e-6)
    }
}

/// Sentence scores of a committed ARPA model against KenLM's (scripts/make_lm_fixtures.py).
final class KenLMFixtureTests: XCTestCase {
    struct Entry: Decodable { var sentence: String; var log10: Double }

    func testSentenceScoresMatchKenLM() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let lm = try ARPAReader.read(dir.appendingPathComponent("kn3.arpa").path)
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: dir.appendingPathComponent("kenlm_scores.json")))
        XCTAssertEqual(entries.count, 7)
        for e in entries {
            let words = e.sentence.split(separator: " ").map(String.init)
            XCTAssertEqual(lm.sentenceLogProb(words).logProb / log(10), e.log10, accuracy: 1e-4, e.sentence)
        }
    }

    /// The committed model is what `lm build` writes today from the committed corpus.
    func testBuilderReproducesCommittedModel() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let text = try String(contentsOf: dir.appendingPathComponent("lm_corpus.txt"), encoding: .utf8)
        let committed = try String(contentsOf: dir.appendingPathComponent("kn3.arpa"), encoding: .utf8)
        let sentences = LMText.sentences(text, unit: .word)
        let fresh = try ARPAReader.parse(KneserNey.estimateARPA(sentences: sentences, order: 3))
        let stored = try ARPAReader.parse(committed)
        XCTAssertEqual(fresh.counts, stored.counts)
        XCTAssertEqual(fresh.vocabulary.sorted(), stored.vocabulary.sorted())
        for s in sentences + [["zebra", "the"], ["mat", "mat", "dog"]] {
            XCTAssertEqual(fresh.sentenceLogProb(s).logProb, stored.sentenceLogProb(s).logProb, accuracy: 1e-5, "\(s)")
        }
    }
}
