import Foundation
import ScribeCore
import XCTest
import _ScribeTestSupport

/// The folder of fixtures written by scripts/make_audio_fixtures.py.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// A fresh temporary folder for one test, removed when the test ends.
func temporaryFolder(for test: XCTestCase) throws -> URL {
    let url = try TemporaryFolder.make("tests")
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The largest absolute value of `m`.
func maxAbs(_ m: FeatureMatrix) -> Float { m.values.map { abs($0) }.max() ?? 0 }

/// Asserts `|actual − expected| ≤ rtol·|expected| + atol` elementwise (`FloatComparison`),
/// naming the worst frame and bin, and prints the largest relative error seen.
func assertClose(_ actual: FeatureMatrix, _ expected: FeatureMatrix, rtol: Float, atol: Float,
                 _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual.rows == expected.rows, actual.columns == expected.columns else {
        XCTFail("\(label): shape \(actual.rows)×\(actual.columns), expected \(expected.rows)×\(expected.columns)", file: file, line: line)
        return
    }
    let report = FloatComparison.compare(actual.values, expected.values, abs: atol, rel: rtol)
    if let message = FloatComparison.message(report, actual.values, expected.values, abs: atol, rel: rtol, what: label,
                                             position: { "frame \($0 / expected.columns), bin \($0 % expected.columns)" }) {
        XCTFail(message, file: file, line: line)
    }
    let maxRelative = report.maxRelative
    print("\(label): max relative error \(maxRelative) (values above atol \(atol))")
}
