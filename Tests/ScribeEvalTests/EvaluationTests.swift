import Foundation
import XCTest
import ScribeCore
import ScribeDecode
@testable import ScribeEval

final class EvaluationTests: XCTestCase {
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
