import Foundation
import ScribeImage
import XCTest

/// The layout reader's own XML parser: what it reads, and hostile files it must refuse
/// with an error instead of crashing, exploding or recursing (entity bombs, deep nesting,
/// the malformed namespace prefixes that crashed Foundation's XMLParser under fuzzing).
final class XMLReaderTests: XCTestCase {
    func events(_ xml: String) throws -> [XMLReader.Event] {
        var out: [XMLReader.Event] = []
        try XMLReader.parse(Data(xml.utf8)) { out.append($0) }
        return out
    }

    func assertSyntaxError(_ xml: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try events(xml), file: file, line: line) { error in
            XCTAssertTrue(error is XMLSyntaxError, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)", file: file, line: line)
        }
    }

    func testElementsAttributesTextEntitiesAndCDATA() throws {
        let xml = "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE a [<!ENTITY x \"y>\">]>\n<a k='1 &amp; 2' n:m=\"&#x41;&#66;\">t&lt;u<b/><![CDATA[<raw>&amp;]]></a>\n"
        XCTAssertEqual(try events(xml), [
            .start(name: "a", attributes: ["k": "1 & 2", "n:m": "AB"]),
            .text("t<u"),
            .start(name: "b", attributes: [:]), .end(name: "b"),
            .text("<raw>&amp;"),
            .end(name: "a"),
        ])
    }

    func testMalformedFilesAreSyntaxErrorsWithLines() {
        assertSyntaxError("<a>\n<b></a>", "line 2: closing tag </a> does not match <b>")
        assertSyntaxError("<a><b>", "ends inside <b>")
        assertSyntaxError("<a x=\"1\" x=\"2\"/>", "attribute x appears twice")
        assertSyntaxError("<a x=1/>", "needs a quoted value")
        assertSyntaxError("<a/><b/>", "a second root element")
        assertSyntaxError("hello", "text outside the root element")
        assertSyntaxError("", "no root element")
        assertSyntaxError("<a>&#0;</a>", "not a valid character reference")
        assertSyntaxError("<a>AT&T</a>", "write &amp;")
        assertSyntaxError("<a><!-- open</a>", "unterminated comment")
        XCTAssertEqual(try? events("<a>é</a>"), [.start(name: "a", attributes: [:]), .text("é"), .end(name: "a")])
        XCTAssertThrowsError(try XMLReader.parse(Data([0x3C, 0x61, 0x3E, 0xFF, 0x3C, 0x2F, 0x61, 0x3E])) { _ in }) {
            XCTAssertTrue("\($0)".contains("not valid UTF-8"), "\($0)")
        }
    }

    func testBillionLaughsIsAnUnknownEntityNotAnExplosion() {
        var doctype = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        for i in 1...9 { doctype += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">" }
        let xml = doctype + "]><alto><TextLine ID=\"&lol9;\"/></alto>"
        assertSyntaxError(xml, "unknown entity &lol9;")
        XCTAssertThrowsError(try LayoutXML.parse(Data(xml.utf8), path: "bomb.xml")) {
            XCTAssertTrue("\($0)".hasPrefix("bomb.xml: not a readable ALTO or PAGE XML file"), "\($0)")
        }
    }

    func testDeepNestingIsRefusedWithoutRecursion() {
        let depth = 100_000
        let xml = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        assertSyntaxError(xml, "nest deeper than \(XMLReader.defaultMaxDepth) levels")
    }

    /// Found by `scripts/fuzz layout`: crashed inside Foundation's XMLParser (libxml2's SAX
    /// callbacks) before Scribe had its own reader.
    func testFuzzFindingMalformedPrefixes() {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <String<Pid=" xmlns="http://schema.primaresearch.org/PAGE/gts/p<Stringent/2019-07-15"><Page imageFilename="p.png">
        <TextRegion id="r1"><Coords points="0,0 63,0 63,47 0,47"+/><TextLine id="t1"><Coords M-points="2,3 52,7 52,15 2,15"/>
        </TextLine></TextRegion></Page></PcGts>
        """
        XCTAssertThrowsError(try LayoutXML.parse(Data(xml.utf8), path: "f.xml")) {
            XCTAssertEqual($0 as? LayoutError, .unreadable(path: "f.xml", reason: "XML syntax error at line 2: expected a name, found \"<\""))
        }
    }

    func testHostileCoordinatesAreDroppedNotTrapped() throws {
        let xml = """
        <alto><TextLine ID="a" HPOS="1e300" VPOS="0" WIDTH="5" HEIGHT="5"/>
        <TextLine ID="b" HPOS="nan" VPOS="0" WIDTH="5" HEIGHT="5"/>
        <TextLine ID="c" HPOS="10" VPOS="-3" WIDTH="-5" HEIGHT="5"/>
        <TextLine ID="d"><Shape><Polygon POINTS="0 0 9e99 0 5 5 1 inf"/></Shape></TextLine>
        <TextLine ID="e" HPOS="2" VPOS="3" WIDTH="4.6" HEIGHT="5"><String CONTENT="ok"/></TextLine></alto>
        """
        let lines = try LayoutXML.parse(Data(xml.utf8))
        XCTAssertEqual(lines, [LayoutLine(id: "e", box: Box(x0: 2, y0: 3, x1: 7, y1: 8), text: "ok")])
    }

    func testFarAwayPolygonsDrawAndCropInBoundedTime() {
        // A line a billion pixels long would take minutes to walk point by point.
        let polygon = [(x: -1_000_000_000, y: 5), (x: 1_000_000_000, y: 5), (x: 1_000_000_000, y: 1_000_000_000), (x: -1_000_000_000, y: 1_000_000_000)]
        var image = Image8(width: 40, height: 30, channels: 3, fill: 255)
        Drawing.polygon(polygon, on: &image, color: RGB(255, 0, 0), thickness: 3)
        XCTAssertEqual(image.pixels[3 * (5 * 40 + 20)], 255)
        XCTAssertEqual(image.pixels[3 * (5 * 40 + 20) + 1], 0, "the visible part of the edge is drawn")
        let crop = PolygonCrop.crop(GrayImage(width: 40, height: 30, fill: 0.5), line: LayoutLine(id: "x", polygon: polygon))
        XCTAssertEqual([crop.width, crop.height], [40, 25])
    }
}
