import Foundation
import ScribeCore
import ScribeHTR
import ScribeImage
import XCTest

final class LineFrontEndTests: XCTestCase {
    func testColumnsAreInkPerPixelColumn() {
        var n = LineNormalization()
        n.height = 8
        let frontEnd = LineFrontEnd(normalization: n)
        var line = GrayImage(width: 3, height: 8)
        line[1, 2] = 0       // ink at column 1, row 2
        line[2, 7] = 0.25
        let m = frontEnd.columns(line)
        XCTAssertEqual(m.rows, 3)
        XCTAssertEqual(m.columns, 8)
        XCTAssertEqual(m.row(1)[m.row(1).startIndex + 2], 1)
        XCTAssertEqual(m.row(2)[m.row(2).startIndex + 7], 0.75)
        XCTAssertEqual(m.values.reduce(0, +), 1.75)
    }

    /// The configuration travels in a model file's metadata as JSON: it must come back equal.
    func testRoundTripsThroughJSONAndValidates() throws {
        var n = LineNormalization()
        n.slant = true
        n.binarization = .sauvola
        n.height = 40
        let frontEnd = LineFrontEnd(normalization: n)
        XCTAssertEqual(try JSONDecoder().decode(LineFrontEnd.self, from: Data(try frontEnd.json().utf8)), frontEnd)
        XCTAssertNoThrow(try frontEnd.validate())
        n.dewarp = true
        n.dewarpRange = 5
        let dewarped = LineFrontEnd(normalization: n)
        XCTAssertEqual(try JSONDecoder().decode(LineFrontEnd.self, from: Data(try dewarped.json().utf8)), dewarped)
        n.dewarpRange = 0.5
        XCTAssertThrowsError(try LineFrontEnd(normalization: n).validate())
        n.dewarpRange = 4
        n.height = 4
        XCTAssertThrowsError(try LineFrontEnd(normalization: n).validate())
    }

    /// Model files written before `sparseInk` existed (the shipped poilus model's metadata,
    /// verbatim) keep the black point they were trained with and encode as before; new
    /// configurations use it.
    func testModelsWithoutSparseInkKeepTheirContrast() throws {
        let old = #"{"normalization":{"contrast":true,"crop":true,"deskew":true,"detectInversion":true,"height":48,"margin":4,"maxSkewDegrees":5,"maxSlantDegrees":30,"slant":false},"type":"image"}"#
        let decoded = try JSONDecoder().decode(LineFrontEnd.self, from: Data(old.utf8))
        XCTAssertFalse(decoded.normalization.sparseInk)
        XCTAssertFalse(decoded.normalization.dewarp, "files before dewarping read lines as they were trained")
        XCTAssertEqual(decoded.normalization.height, 48)
        XCTAssertEqual(try decoded.json(), old, "written back unchanged, so older checkpoints' fingerprints still match")
        XCTAssertTrue(LineNormalization().sparseInk)
        var n = LineNormalization()
        n.sparseInk = false
        XCTAssertEqual(try JSONDecoder().decode(LineFrontEnd.self, from: Data(try LineFrontEnd(normalization: n).json().utf8)), LineFrontEnd(normalization: n))
    }

    func testSourceXFollowsCropAndScale() {
        var report = NormalizationReport()
        report.inkBox = Box(x0: 10, y0: 5, x1: 110, y1: 45)     // 40 px high, scaled to 16
        XCTAssertEqual(LineFrontEnd.sourceX(column: 8, report: report, imageWidth: 200, imageHeight: 50, height: 16), 30)
        XCTAssertEqual(LineFrontEnd.sourceX(column: -100, report: report, imageWidth: 200, imageHeight: 50, height: 16), 0)
        // Boxes after a margin trim are within the kept region.
        report.trimmed = Box(x0: 60, y0: 20, x1: 190, y1: 80)
        XCTAssertEqual(LineFrontEnd.sourceX(column: 8, report: report, imageWidth: 200, imageHeight: 100, height: 16), 90)
        report.inkBox = nil
        XCTAssertEqual(LineFrontEnd.sourceX(column: 16, report: report, imageWidth: 200, imageHeight: 100, height: 16), 120)
    }
}
