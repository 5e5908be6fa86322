import Foundation
import XCTest
import ScribeCore
import _ScribeTestSupport

/// Runs the built `scribe` binary the way a user would.
final class DecodeScoreCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try TemporaryFolder.make("cli")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func scribe(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try ScribeProcess.run(args, in: dir)
    }

    func write(_ text: String, _ name: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: false, encoding: .utf8)
    }

    /// Probabilities spelling `path` (class indices), 0.9 on the path.
    func posteriors(_ path: [Int], classes: Int) -> FeatureMatrix {
        var m = FeatureMatrix(rows: path.count, columns: classes, repeating: 0.1 / Float(classes - 1))
        for (t, c) in path.enumerated() { m[t, c] = 0.9 }
        return m
    }

    func testDecodeGreedyAndBeamInInputOrder() throws {
        try write("h\ne\nl\no\n \n", "alphabet.txt")
        try Npy.write(posteriors([1, 2, 3, 3, 0, 3, 4], classes: 6), to: dir.appendingPathComponent("a.npy").path)
        try Npy.write(posteriors([4, 0, 1], classes: 6), to: dir.appendingPathComponent("b.npy").path)
        for decoder in ["greedy", "beam"] {
            let r = try scribe(["decode", "a.npy", "b.npy", "--alphabet", "alphabet.txt", "--decoder", decoder])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(r.out, "hello\noh\n", decoder)
        }
        let json = try scribe(["decode", "a.npy", "--alphabet", "alphabet.txt", "--format", "json", "--n-best", "2"])
        let record = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        XCTAssertEqual(record["text"] as? String, "hello")
        XCTAssertEqual((record["nbest"] as? [Any])?.count, 2)
        let wrong = try scribe(["decode", "a.npy", "--alphabet", "alphabet.txt", "--blank", "9"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("blank index 9"), wrong.err)
        try write("h\ne\n", "short.txt")
        let mismatch = try scribe(["decode", "a.npy", "--alphabet", "short.txt"])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.err.contains("a.npy: has 6 classes per frame but the alphabet gives 3"), mismatch.err)
    }

    func testScoreReportsAndLineCountError() throws {
        try write("the cat sat\nhello world\n", "ref.txt")
        try write("the bat sat\nhello world\n", "hyp.txt")
        let r = try scribe(["score", "--ref", "ref.txt", "--hyp", "hyp.txt", "--unit", "word", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.err)
        let wer = (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any])["wer"] as! [String: Any]
        XCTAssertEqual(wer["rate"] as! Double, 0.2, accuracy: 1e-12)
        try write("a\n", "one.txt")
        let bad = try scribe(["score", "--ref", "ref.txt", "--hyp", "one.txt"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("ref.txt has 2 lines but one.txt has 1"), bad.err)
    }

    func testLMBuildPerplexityAndEvaluateMessage() throws {
        try write("a b a b\nb a b\na a b\n", "text.txt")
        let build = try scribe(["lm", "build", "--order", "2", "text.txt", "-o", "lm.arpa"])
        XCTAssertEqual(build.status, 0, build.err)
        let ppl = try scribe(["lm", "perplexity", "--lm", "lm.arpa", "text.txt", "--json"])
        let result = try JSONSerialization.jsonObject(with: Data(ppl.out.utf8)) as! [String: Any]
        XCTAssertEqual(result["tokens"] as? Int, 13) // 4 + 3 + 3 words, plus one </s> each
        XCTAssertGreaterThan(result["perplexity"] as! Double, 1)
        // A character LM is scored in characters without being told; a contradicting --unit is refused.
        XCTAssertEqual(try scribe(["lm", "build", "--order", "3", "--unit", "char", "text.txt", "-o", "chars.arpa"]).status, 0)
        let chars = try scribe(["lm", "perplexity", "--lm", "chars.arpa", "text.txt", "--format", "json"])
        let charResult = try JSONSerialization.jsonObject(with: Data(chars.out.utf8)) as! [String: Any]
        XCTAssertEqual(charResult["oov"] as? Int, 0, chars.out)
        XCTAssertEqual(charResult["tokens"] as? Int, 20) // 7 + 5 + 5 characters and spaces, plus one </s> each
        let wrong = try scribe(["lm", "perplexity", "--lm", "chars.arpa", "text.txt", "--unit", "word"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.err.contains("chars.arpa is a char LM"), wrong.err)
        try write("u1\tx.wav\thello\n", "m.tsv")
        try write("h\n", "alphabet.txt")
        let eval = try scribe(["evaluate", "--model", "lm.arpa", "--manifest", "m.tsv"])
        XCTAssertNotEqual(eval.status, 0)
        XCTAssertTrue(eval.err.contains("lm.arpa: not a valid safetensors file"), eval.err)
        let mixed = try scribe(["evaluate", "--model", "lm.arpa", "--manifest", "m.tsv", "--alphabet", "alphabet.txt"])
        XCTAssertTrue(mixed.err.contains("--alphabet is for posterior folders"), mixed.err)
    }

    /// Impossible numbers are refused with the option's range, including negative ones
    /// (which used to read as a missing value) and absurdly large ones (which used to run on).
    func testNumbersOutOfRangeAreRefused() throws {
        let cases: [([String], String)] = [
            (["features", "x.wav", "--n-fft", "-5", "-o", "x.npy"], "--n-fft -5 is outside 2...65536"),
            (["score", "--ref", "r.txt", "--hyp", "r.txt", "--resamples", "1000000000"], "--resamples must be between 1 and 100000"),
            (["lines", "p.png", "--max-pixels", "-1"], "--max-pixels must be between 1 and 4000000000 (got -1)"),
            (["align", "x.npy", "--alphabet", "a.txt", "--text", "a", "--frame-seconds", "0"], "--frame-seconds must be above 0"),
            (["decode", "x.npy", "--alphabet", "a.txt", "--frame-seconds", "-1"], "--frame-seconds must be above 0 and at most 10 (got -1.0)"),
        ]
        try write("a b\n", "r.txt")
        for (args, message) in cases {
            let r = try scribe(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(message), "\(args.joined(separator: " ")): \(r.err)")
        }
    }
}
