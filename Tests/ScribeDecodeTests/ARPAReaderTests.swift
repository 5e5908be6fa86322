import XCTest
@testable import ScribeDecode

final class ARPAReaderTests: XCTestCase {
    func testScoresFollowBackOff() throws {
        let lm = try ARPAReader.parse(TinyLMs.abWords)
        XCTAssertEqual(lm.order, 3)
        XCTAssertEqual(lm.counts, [6, 4, 2])
        let ln10 = log(10.0)
        let s = lm.sentenceStartState
        // Stored trigram: <s> ab ba.
        let (p1, afterAb) = lm.score(state: s, word: "ab")
        XCTAssertEqual(p1, -0.3 * ln10, accuracy: 1e-6)
        let (p2, afterBa) = lm.score(state: afterAb, word: "ba")
        XCTAssertEqual(p2, -0.05 * ln10, accuracy: 1e-6)
        // State after "<s> ab ba" is the bigram "ab ba"; "ab ba </s>" is stored.
        XCTAssertEqual(lm.score(state: afterBa, word: "</s>").logProb, -0.1 * ln10, accuracy: 1e-6)
        // Back off twice: "ab ba a" → bow(ab ba) + p(a | ba) → bow(ba) + p(a).
        XCTAssertEqual(lm.score(state: afterBa, word: "a").logProb, (-0.1 - 0.1 - 0.7) * ln10, accuracy: 1e-6)
        // Unknown words score as <unk> after backing off from <s>.
        XCTAssertEqual(lm.score(state: s, word: "zzz").logProb, (-0.3 - 1.5) * ln10, accuracy: 1e-6)
        let sentence = lm.sentenceLogProb(["ab", "ba"])
        XCTAssertEqual(sentence.logProb, (-0.3 - 0.05 - 0.1) * ln10, accuracy: 1e-6)
        XCTAssertEqual(sentence.oovs, 0)
    }

    /// Every n-gram line of a character 5-gram (accented letters, `<space>`) is read back with
    /// its own log-probability, back-off weight and longest listed suffix, whether the fields
    /// are separated by spaces, or by tabs with CRLF line ends.
    func testEveryListedNGramIsReadBack() throws {
        let text = "Je lègue à ma sœur Hélène\nmes biens et ma maison de Créteil\nle 10 décembre 1916\n"
        let arpa = KneserNey.estimateARPA(sentences: LMText.sentences(text, unit: .char), order: 5)
        let tabbed = arpa.replacingOccurrences(of: " ", with: "\t").replacingOccurrences(of: "\n", with: "\r\n")
        for source in [arpa, tabbed] {
            let lm = try ARPAReader.parse(source)
            var checked = 0
            var order = 0
            for line in TextLines.split(source) {
                if line.hasPrefix("\\"), let n = Int(line.dropFirst().prefix(while: \.isNumber)) { order = n; continue }
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard order > 0, fields.count >= order + 1 else { continue }
                let words = Array(fields[1...order])
                var state: Int32 = -1
                for w in words.dropLast() { state = lm.score(state: state, word: w).state }
                let id = try XCTUnwrap(lm.lookup(history: state, word: try XCTUnwrap(lm.wordId(words.last!))), "\(words)")
                XCTAssertEqual(lm.log10Prob[Int(id)], Float(fields[0]), "\(words)")
                let backoff: Float? = fields.count == order + 2 ? Float(fields[order + 1]) : 0
                XCTAssertEqual(lm.log10Backoff[Int(id)], backoff, "\(words)")
                XCTAssertEqual(Int(lm.ngramOrder[Int(id)]), order)
                // The suffix is the longest proper suffix that the model lists.
                var expected: Int32 = -1
                for start in 1..<max(words.count, 1) {
                    var s: Int32? = -1
                    for w in words[start...] { s = s.flatMap { h in lm.wordId(w).flatMap { lm.lookup(history: h, word: $0) } } }
                    if let s { expected = s; break }
                }
                XCTAssertEqual(lm.suffix[Int(id)], expected, "\(words)")
                checked += 1
            }
            XCTAssertEqual(checked, lm.counts.reduce(0, +))
            XCTAssertNotNil(lm.wordId("è"))
            XCTAssertNotNil(lm.wordId("œ"))
        }
    }

    func testMissingUnknownUsesFixedPenalty() throws {
        let lm = try ARPAReader.parse("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.3 a\n-0.3 </s>\n\\end\\\n")
        XCTAssertEqual(lm.score(state: -1, word: "b").logProb, -100 * log(10.0), accuracy: 1e-6)
    }

    func testErrorsNameTheProblem() {
        let cases: [(String, String)] = [
            ("ngram 1=2\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n", "missing the \\data\\ header"),
            ("\\data\\\nngram 1=3\n\n\\1-grams:\n-1 a\n-1 b\n\\end\\\n", "declares ngram 1=3 but the section lists 2"),
            ("\\data\\\nngram 1=x\n\\1-grams:\n-1 a\n\\end\\\n", "bad count line"),
            ("\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\end\\\n", "missing the \\2-grams: section"),
            ("\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n", "missing the \\end\\ marker"),
            ("\\data\\\nngram 1=1\n\\1-grams:\nminus a\n\\end\\\n", "log-probability \"minus\" is not a number"),
            ("\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a oops\n\\2-grams:\n-1 a a\n\\end\\\n", "back-off weight \"oops\" is not a number"),
            ("\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a b\n\\end\\\n", "word \"b\" of a 2-gram is not among the unigrams"),
            ("\\data\\\nngram 1=1\n\\1-grams:\n-1 a b c\n\\end\\\n", "found 4 fields"),
            ("\\data\\\nngram 2=1\n", "order 2 where order 1 was expected"),
            ("\\data\\\nngram 1=9000000000000000000\n\\1-grams:\n-1 a\n\\end\\\n", "declares ngram 1=9000000000000000000 but the section lists 1"),
            ("\\data\\\nngram 1=2\n\\1-grams:\n-1 é\n-1 é\n\\end\\\n", "unigram \"é\" is listed twice"),
            ("\\data\\\nngram 1=1\n\\1-grams:\n-1x a\n\\end\\\n", "log-probability \"-1x\" is not a number"),
            ("\\data\\\nngram 1=2\nngram 2=2\n\\1-grams:\n-1 a\n-1 b\n\\2-grams:\n-1 a b\n-1 a b\n\\end\\\n", "the 2-gram \"a b\" is listed twice"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ARPAReader.parse(text, path: "lm.arpa"), expected) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "\(message) lacks \(expected)")
                XCTAssertTrue(message.hasPrefix("lm.arpa"), message)
            }
        }
    }

    func testErrorsCarryLineNumbers() {
        XCTAssertThrowsError(try ARPAReader.parse("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\nx b\n\\end\\\n", path: "m.arpa")) { error in
            XCTAssertEqual(error as? DecodeError, .arpa(path: "m.arpa", line: 6, reason: "log-probability \"x\" is not a number"))
        }
    }
}

final class AlphabetTests: XCTestCase {
    func testParseSpaceAndClasses() throws {
        let a = try Alphabet.parse("a\nb\n \nc\n")
        XCTAssertEqual(a.symbols, ["a", "b", " ", "c"])
        XCTAssertEqual(a.classCount, 5)
        XCTAssertEqual(a.spaceClass, 3)
        XCTAssertEqual(a.classIndex(of: "c"), 4)
        XCTAssertEqual(try a.labels(for: "ab c"), [1, 2, 3, 4])
        let lastBlank = try Alphabet.parse("a\nb\n", blank: 2)
        XCTAssertEqual(lastBlank.classIndex(of: "a"), 0)
        XCTAssertEqual(lastBlank.symbol(ofClass: 1), "b")
    }

    func testParseErrors() {
        XCTAssertThrowsError(try Alphabet.parse("a\n\nb\n", path: "abc.txt")) { error in
            XCTAssertTrue("\(error)".contains("line 2 is empty"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("abc.txt"), "\(error)")
        }
        XCTAssertThrowsError(try Alphabet.parse("a\nb\na\n")) { error in
            XCTAssertTrue("\(error)".contains("lines 1 and 3"), "\(error)")
        }
        XCTAssertThrowsError(try Alphabet.parse("a\nb\n", blank: 3))
        XCTAssertThrowsError(try Alphabet(symbols: ["a"]).labels(for: "ab")) { error in
            XCTAssertTrue("\(error)".contains("\"b\" at position 1"), "\(error)")
        }
    }

    func testPosteriorDomains() throws {
        let probs = FeatureMatrixFactory.rows([[0.2, 0.8], [0.5, 0.5]])
        let logs = try Posteriors.logProbabilities(probs, classCount: 2)
        XCTAssertEqual(Double(logs[0, 1]), log(0.8), accuracy: 1e-6)
        let again = try Posteriors.logProbabilities(logs, classCount: 2)
        XCTAssertEqual(again, logs)
        let logits = FeatureMatrixFactory.rows([[1, 3], [0, 0]])
        XCTAssertThrowsError(try Posteriors.logProbabilities(logits, classCount: 2, path: "x.npy")) { error in
            XCTAssertTrue("\(error)".contains("--input logits"), "\(error)")
        }
        let fromLogits = try Posteriors.logProbabilities(logits, classCount: 2, domain: .logits)
        XCTAssertEqual(Double(fromLogits[1, 0]), log(0.5), accuracy: 1e-6)
        XCTAssertThrowsError(try Posteriors.logProbabilities(probs, classCount: 3, path: "x.npy")) { error in
            XCTAssertTrue("\(error)".contains("has 2 classes per frame but the alphabet gives 3"), "\(error)")
        }
    }

    /// NaN, +∞ and frames that are −∞ everywhere are errors in every domain (they used to
    /// crash the beam search or decode to an empty line); a −∞ entry alone is log(0).
    func testNonFinitePosteriorsAreRefused() throws {
        for domain in PosteriorDomain.allCases {
            let cases: [([[Float]], String)] = [([[Float.nan, -1], [-1, -1]], "frame 0, class 0 is NaN"),
                                     ([[-1, -1], [-1, .infinity]], "frame 1, class 1 is +infinity"),
                                     ([[-1, -1], [-.infinity, -.infinity]], "every class of frame 1 is −infinity")]
            for (rows, fragment) in cases {
                XCTAssertThrowsError(try Posteriors.logProbabilities(FeatureMatrixFactory.rows(rows), classCount: 2, domain: domain, path: "n.npy")) {
                    XCTAssertTrue("\($0)".hasPrefix("n.npy: \(fragment)"), "\(domain): \($0)")
                }
            }
        }
        let logZero = try Posteriors.logProbabilities(FeatureMatrixFactory.rows([[0, -.infinity]]), classCount: 2)
        XCTAssertEqual(logZero[0, 1], -.infinity)
    }
}

import ScribeCore
enum FeatureMatrixFactory {
    static func rows(_ rows: [[Float]]) -> FeatureMatrix {
        FeatureMatrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
    }
}

/// Text readers treat CRLF line ends and a byte-order mark as normal (Swift's "\r\n" is one
/// Character, so splitting on "\n" used to read a CRLF file as one line).
final class LineEndTests: XCTestCase {
    func testCRLFAlphabetAndARPA() throws {
        XCTAssertEqual(try Alphabet.parse("\u{FEFF}a\r\nb\r\n \r\n").symbols, ["a", "b", " "])
        let lf = try ARPAReader.parse("\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\n-0.5\t</s>\n-0.3\ta\n\n\\end\\\n")
        let crlf = try ARPAReader.parse("\\data\\\r\nngram 1=3\r\n\r\n\\1-grams:\r\n-1.0\t<s>\r\n-0.5\t</s>\r\n-0.3\ta\r\n\r\n\\end\\\r\n")
        XCTAssertEqual(lf.counts, crlf.counts)
        XCTAssertNotNil(crlf.wordId("a"))
    }
}
