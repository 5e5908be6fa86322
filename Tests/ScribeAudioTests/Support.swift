import Foundation
import ScribeCore
import XCTest

/// The folder of fixtures written by scripts/make_audio_fixtures.py.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The largest absolute value of `m`.
func maxAbs(_ m: FeatureMatrix) -> Float { m.values.map { abs($0) }.max() ?? 0 }

/// Asserts `|actual − expected| ≤ rtol·|expected| + atol` elementwise, printing the worst
/// element, the number of failures and the largest relative error seen.
func assertClose(_ actual: FeatureMatrix, _ expected: FeatureMatrix, rtol: Float, atol: Float,
                 _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual.rows == expected.rows, actual.columns == expected.columns else {
        XCTFail("\(label): shape \(actual.rows)×\(actual.columns), expected \(expected.rows)×\(expected.columns)", file: file, line: line)
        return
    }
    var worst: (index: Int, excess: Float) = (-1, 0)
    var failures = 0
    var maxRelative: Float = 0
    for i in expected.values.indices {
        let e = expected.values[i], a = actual.values[i]
        let err = abs(a - e)
        let allowed = rtol * abs(e) + atol
        if abs(e) > atol { maxRelative = max(maxRelative, err / abs(e)) }
        if !(err <= allowed) {
            failures += 1
            if err / max(allowed, .leastNormalMagnitude) > worst.excess { worst = (i, err / max(allowed, .leastNormalMagnitude)) }
        }
    }
    if failures > 0 {
        let i = worst.index
        XCTFail("\(label): \(failures) of \(expected.values.count) values outside rtol \(rtol) + atol \(atol); worst at frame \(i / expected.columns), bin \(i % expected.columns): got \(actual.values[i]), expected \(expected.values[i])", file: file, line: line)
    }
    print("\(label): max relative error \(maxRelative) (values above atol \(atol))")
}
