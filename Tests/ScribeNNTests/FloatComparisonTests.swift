import XCTest
import _ScribeTestSupport

/// The comparison every numerical suite relies on must itself fail when it should.
final class FloatComparisonTests: XCTestCase {
    func testWithinAndOutsideTolerance() {
        XCTAssertNil(FloatComparison.mismatch([1, 2.0001], [1, 2], abs: 1e-3, rel: 0, what: "x"))
        let message = FloatComparison.mismatch([1, 2.5, 3.01], [1, 2, 3], abs: 1e-3, rel: 0, what: "x")
        XCTAssertEqual(message, "x: 2 of 3 values outside abs 0.001 + rel 0.0; worst at [1]: got 2.5, expected 2.0; largest difference 0.5")
        XCTAssertNil(FloatComparison.mismatch([110], [100], abs: 0, rel: 0.1, what: "x"))
        XCTAssertNotNil(FloatComparison.mismatch([111], [100], abs: 0, rel: 0.1, what: "x"))
    }

    func testNaNIsAlwaysAFailure() {
        let r = FloatComparison.compare([.nan, 1], [0, 1], abs: 1, rel: 1)
        XCTAssertEqual(r.failures, 1)
        XCTAssertEqual(r.worst, 0)
        XCTAssertTrue(r.maxDifference.isNaN)
    }
}
