import Foundation
@testable import ScribeImage
import ScribeCore
import XCTest

final class MarginTrimTests: XCTestCase {
    /// Text 40 px high (rows 0..<40 of the text block) at (`left`, `top`) on paper that
    /// brightens by 0.15 across the strip, with grain; the last stroke is thin and pale, like
    /// a lone 1 written lightly.
    func line(left: Int, top: Int, right: Int, bottom: Int, seed: UInt64 = 1) -> GrayImage {
        var g = SeededGenerator(seed: seed)
        let (w, h) = (left + 200 + right, top + 40 + bottom)
        var image = GrayImage(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w { image[x, y] = 0.75 + 0.15 * Float(x) / Float(w) + 0.03 * Float(g.nextGaussian()) }
        }
        for stroke in stride(from: 0, to: 180, by: 20) {
            for y in 0..<40 { for dx in 0..<4 { image[left + stroke + dx, top + y] = 0.15 } }
        }
        for y in 10..<40 { for dx in 198..<200 { image[left + dx, top + y] = 0.45 } }
        return image
    }

    func testWideMarginsAreCutToAFifthOfTheTextHeight() throws {
        let image = line(left: 150, top: 90, right: 120, bottom: 70)
        let region = try XCTUnwrap(MarginTrim().region(of: image))
        // The text spans x 150..<350 and y 90..<130 (the 3×3 blur widens it by a pixel on
        // each side); each margin keeps 0.2 × 40 = 8 px.
        XCTAssertEqual(Double(region.x0), 150 - 8, accuracy: 2.5)
        XCTAssertEqual(Double(region.x1), 350 + 8, accuracy: 2.5)
        XCTAssertEqual(Double(region.y0), 90 - 8, accuracy: 2.5)
        XCTAssertEqual(Double(region.y1), 130 + 8, accuracy: 2.5)
        XCTAssertGreaterThanOrEqual(region.x1, 350, "the faint last stroke is kept")
    }

    func testOnlyTheWideSidesAreCut() throws {
        let image = line(left: 6, top: 5, right: 120, bottom: 4)
        let region = try XCTUnwrap(MarginTrim().region(of: image))
        XCTAssertEqual(region.x0, 0)
        XCTAssertEqual(region.y0, 0)
        XCTAssertEqual(region.y1, image.height)
        XCTAssertEqual(Double(region.x1), 206 + 8, accuracy: 2.5)
    }

    func testTightLinesAndBlankPaperAreLeftWhole() {
        XCTAssertNil(MarginTrim().region(of: line(left: 12, top: 10, right: 15, bottom: 8)), "margins under half the text height stay")
        var g = SeededGenerator(seed: 2)
        var blank = GrayImage(width: 300, height: 80)
        for i in blank.pixels.indices { blank.pixels[i] = 0.8 + 0.03 * Float(g.nextGaussian()) }
        XCTAssertNil(MarginTrim().region(of: blank), "grain alone is not text")
        XCTAssertNil(MarginTrim().region(of: GrayImage(width: 2, height: 2, fill: 0.5)))
    }

    func testNormalizedLooseLineMatchesTheTightOne() {
        var settings = LineNormalization()
        settings.height = 32
        let tight = line(left: 8, top: 6, right: 8, bottom: 6, seed: 4)
        let loose = line(left: 300, top: 200, right: 300, bottom: 200, seed: 4)   // ink on 0.5% of it
        let plain = LineNormalizer(settings)
        let widthTight = plain.normalize(tight).image.width
        XCTAssertLessThan(Double(plain.normalize(loose).image.width), 0.8 * Double(widthTight),
                          "without the trim the loose line's paper shrinks the text (the failure the trim is for)")
        settings.trimMargins = MarginTrim()
        let (out, report) = LineNormalizer(settings).normalize(loose)
        XCTAssertEqual(Double(out.width), Double(widthTight), accuracy: 0.05 * Double(widthTight))
        XCTAssertEqual(Double(report.trimmed?.x0 ?? 0), 300 - 8, accuracy: 2.5)
        XCTAssertNil(LineNormalizer(settings).normalize(tight).report.trimmed)
    }

    func testParsingAndStorage() throws {
        XCTAssertEqual(MarginTrim("0.5,0.2"), MarginTrim(above: 0.5, to: 0.2))
        XCTAssertEqual(MarginTrim(" 1 , 0 "), MarginTrim(above: 1, to: 0))
        for bad in ["0.2,0.5", "1", "a,b", "1,-0.1", "200,1", ""] { XCTAssertNil(MarginTrim(bad), bad) }
        XCTAssertEqual(MarginTrim().description, "0.5,0.2")
        XCTAssertEqual(MarginTrim.setting("off"), .some(nil))
        XCTAssertEqual(MarginTrim.setting("0.5,0.2"), .some(MarginTrim()))
        XCTAssertNil(MarginTrim.setting("on"))
        XCTAssertTrue(MarginTrim.invalid("on").contains("\"on\"") && MarginTrim.invalid("on").contains("ABOVE,TO"))
        let old = try JSONEncoder().encode(LineNormalization())
        XCTAssertFalse(String(decoding: old, as: UTF8.self).contains("trimMargins"), "settings without the trim encode as before it existed")
        XCTAssertNil(try JSONDecoder().decode(LineNormalization.self, from: old).trimMargins)
        var n = LineNormalization()
        n.trimMargins = MarginTrim(above: 0.6, to: 0.25)
        XCTAssertEqual(try JSONDecoder().decode(LineNormalization.self, from: JSONEncoder().encode(n)), n)
    }

    func testPaperPlaneFitsAGradient() throws {
        let (w, h) = (40, 10)
        let values = (0..<(w * h)).map { Float(0.5 + 0.01 * Double($0 % w) - 0.02 * Double($0 / w)) }
        let plane = try XCTUnwrap(PaperPlane(fitting: values, width: w, where: [Bool](repeating: true, count: w * h)))
        XCTAssertEqual(plane.a, 0.5, accuracy: 1e-6)
        XCTAssertEqual(plane.b, 0.01, accuracy: 1e-6)
        XCTAssertEqual(plane.c, -0.02, accuracy: 1e-6)
        XCTAssertNil(PaperPlane(fitting: values, width: w, where: [Bool](repeating: false, count: w * h)))
    }
}
