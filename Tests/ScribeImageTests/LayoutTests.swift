import Foundation
import ScribeImage
import XCTest

/// Synthetic handwriting: words of letter-like strokes on paper.
enum Synthetic {
    /// Draws a line of `words` words with its baseline at `baseline`, starting at `x`,
    /// rising `slope` pixels per pixel; letters are 5 px wide strokes `letterHeight` tall.
    static func line(on image: inout GrayImage, x: Int, baseline: Int, words: Int, letterHeight: Int = 20,
                     slope: Double = 0, ink: Float = 0.1) {
        var cx = x
        for w in 0..<words {
            for letter in 0..<(3 + (w * 7) % 4) {
                // Alternate short and tall letters so rows have a realistic profile.
                let tall = letter % 3 == 0 ? letterHeight * 3 / 2 : letterHeight
                let y1 = baseline - Int(Double(cx - x) * slope)
                for yy in (y1 - tall)..<y1 {
                    for xx in cx..<(cx + 5) where xx >= 0 && yy >= 0 && xx < image.width && yy < image.height {
                        image[xx, yy] = ink
                    }
                }
                cx += 9
            }
            cx += 25
        }
    }

    /// A page with `lines` lines of text, 60 px apart, and a ruled line under each.
    static func page(lines: Int, width: Int = 900, ruled: Bool = false) -> (GrayImage, [Int]) {
        var page = GrayImage(width: width, height: 120 + 60 * lines, fill: 0.93)
        var baselines: [Int] = []
        for i in 0..<lines {
            let baseline = 90 + 60 * i
            baselines.append(baseline)
            line(on: &page, x: 60 + (i % 3) * 20, baseline: baseline, words: 6 + i % 3)
            if ruled { for x in 20..<(width - 20) { page[x, baseline + 2] = 0.3 } }
        }
        return (page, baselines)
    }
}

final class PageSegmenterTests: XCTestCase {
    func testFindsEveryLineInReadingOrder() {
        for ruled in [false, true] {
            let (page, baselines) = Synthetic.page(lines: 8, ruled: ruled)
            let lines = PageSegmenter().lines(in: page)
            XCTAssertEqual(lines.count, baselines.count, "ruled \(ruled): \(lines.map(\.box))")
            for (line, baseline) in zip(lines, baselines) {
                // Each box spans the line's letters: from the tall letters' tops to the baseline.
                XCTAssertEqual(Double(line.box.y1), Double(baseline), accuracy: 4, "ruled \(ruled)")
                XCTAssertEqual(Double(line.box.y0), Double(baseline - 30), accuracy: 4, "ruled \(ruled)")
                XCTAssertGreaterThan(line.box.width, 300)
            }
        }
    }

    func testToleratesSlightSkew() {
        var page = GrayImage(width: 900, height: 400, fill: 0.95)
        for (i, baseline) in [100, 170, 240, 310].enumerated() {
            Synthetic.line(on: &page, x: 50, baseline: baseline, words: 8, slope: i % 2 == 0 ? 0.02 : -0.02)
        }
        XCTAssertEqual(PageSegmenter().lines(in: page).count, 4)
    }

    func testRecallCountsOneToOneMatches() {
        let ref = [Box(x0: 0, y0: 0, x1: 100, y1: 20), Box(x0: 0, y0: 30, x1: 100, y1: 50)]
        XCTAssertEqual(LineMatching.recall(found: [Box(x0: 0, y0: 0, x1: 100, y1: 50)], reference: ref, iou: 0.3), 1)
        XCTAssertEqual(LineMatching.recall(found: ref, reference: ref, iou: 0.5), 2)
        XCTAssertEqual(Box(x0: 0, y0: 0, x1: 10, y1: 10).iou(Box(x0: 5, y0: 0, x1: 15, y1: 10)), 1.0 / 3, accuracy: 1e-12)
    }
}

final class LayoutXMLTests: XCTestCase {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString).xml").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testReadsALTOPolygonsBoxesAndText() throws {
        let path = try write("""
        <?xml version="1.0" encoding="UTF-8"?>
        <alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page><PrintSpace><TextBlock>
          <TextLine ID="l1" HPOS="10" VPOS="20" WIDTH="100" HEIGHT="30">
            <Shape><Polygon POINTS="10 20 110 22 110 50 10 48"/></Shape>
            <String CONTENT="Je"/><String CONTENT="soussigné"/>
          </TextLine>
          <TextLine ID="l2" HPOS="10" VPOS="60" WIDTH="50" HEIGHT="25"><String CONTENT="Paris"/></TextLine>
        </TextBlock></PrintSpace></Page></Layout></alto>
        """)
        let lines = try LayoutXML.read(path)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].id, "l1")
        XCTAssertEqual(lines[0].polygon.count, 4)
        XCTAssertEqual(lines[0].box, Box(x0: 10, y0: 20, x1: 111, y1: 51))
        XCTAssertEqual(lines[0].text, "Je soussigné")
        XCTAssertEqual(lines[1].box, Box(x0: 10, y0: 60, x1: 60, y1: 85))
        XCTAssertEqual(lines[1].text, "Paris")
    }

    func testReadsPAGECoordsAndUnicode() throws {
        let path = try write("""
        <PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Page><TextRegion id="r1">
          <TextLine id="tl1"><Coords points="5,5 95,5 95,25 5,25"/><TextEquiv><Unicode>hello world</Unicode></TextEquiv></TextLine>
        </TextRegion></Page></PcGts>
        """)
        let lines = try LayoutXML.read(path)
        XCTAssertEqual(lines.map(\.id), ["tl1"])
        XCTAssertEqual(lines[0].box, Box(x0: 5, y0: 5, x1: 96, y1: 26))
        XCTAssertEqual(lines[0].text, "hello world")
    }

    func testBadLayoutFilesAreNamed() throws {
        for text in ["<alto><TextLine", "<alto></alto>"] {
            let path = try write(text)
            XCTAssertThrowsError(try LayoutXML.read(path)) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        }
    }

    func testPolygonCropMasksOutsideToWhite() {
        let page = GrayImage(width: 20, height: 20, fill: 0)
        // A triangle: the crop keeps black inside it and paints white outside.
        let line = LayoutLine(id: "t", polygon: [(0, 0), (19, 0), (0, 19)])
        let crop = PolygonCrop.crop(page, line: line)
        XCTAssertEqual(crop.width, 20)
        XCTAssertEqual(crop[1, 1], 0, "inside")
        XCTAssertEqual(crop[18, 18], 1, "outside")
        XCTAssertTrue(PolygonCrop.contains(line.polygon, x: 2, y: 2))
        XCTAssertFalse(PolygonCrop.contains(line.polygon, x: 15, y: 15))
    }
}
