import Foundation

/// A recognized word of a page: its text, box in page pixels and confidence (0...1).
public struct LayoutWord: Sendable {
    public var text: String
    public var box: Box
    public var confidence: Double
    public init(text: String, box: Box, confidence: Double) {
        self.text = text
        self.box = box
        self.confidence = confidence
    }
}

/// A recognized text line of a page: where it is, its text, words and confidence.
public struct RecognizedLine: Sendable {
    /// Polygon, box and baseline in page pixels.
    public var line: LayoutLine
    public var text: String
    public var confidence: Double
    public var words: [LayoutWord]
    /// Characters with their x range in page pixels and confidence.
    public var characters: [(symbol: String, x0: Double, x1: Double, confidence: Double)]
    public init(line: LayoutLine, text: String, confidence: Double, words: [LayoutWord],
                characters: [(symbol: String, x0: Double, x1: Double, confidence: Double)] = []) {
        self.line = line
        self.text = text
        self.confidence = confidence
        self.words = words
        self.characters = characters
    }
}

/// A recognized page: the image it came from, its size, and its lines in reading order.
public struct RecognizedPage: Sendable {
    /// File name of the page image, as archives record it.
    public var imageFile: String
    public var width: Int, height: Int
    public var lines: [RecognizedLine]
    public init(imageFile: String, width: Int, height: Int, lines: [RecognizedLine]) {
        self.imageFile = imageFile
        self.width = width
        self.height = height
        self.lines = lines
    }
}

/// Writes recognized pages as ALTO v4 (kraken, eScriptorium, libraries' digitization
/// workflows) and PAGE 2019 XML (Transkribus, OCR-D): page size, one text block holding
/// the lines in reading order, each with its polygon, baseline, text and confidence.
public enum LayoutWriter {
    /// ALTO 4.4 XML for `page`; `software` names the producer.
    public static func alto(_ page: RecognizedPage, software: String, version: String) -> String {
        var x = """
        <?xml version="1.0" encoding="UTF-8"?>
        <alto xmlns="http://www.loc.gov/standards/alto/ns-v4#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
        xsi:schemaLocation="http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/standards/alto/v4/alto-4-4.xsd">
          <Description>
            <MeasurementUnit>pixel</MeasurementUnit>
            <sourceImageInformation><fileName>\(escape(page.imageFile))</fileName></sourceImageInformation>
            <OCRProcessing ID="ocr_0"><ocrProcessingStep><processingSoftware><softwareName>\(escape(software))</softwareName><softwareVersion>\(escape(version))</softwareVersion></processingSoftware></ocrProcessingStep></OCRProcessing>
          </Description>
          <Layout>
            <Page ID="page_1" PHYSICAL_IMG_NR="1" WIDTH="\(page.width)" HEIGHT="\(page.height)">
              <PrintSpace HPOS="0" VPOS="0" WIDTH="\(page.width)" HEIGHT="\(page.height)">

        """
        if !page.lines.isEmpty {
            let block = union(page.lines.map(\.line.box))
            x += "        <TextBlock ID=\"block_1\" \(altoBox(block))>\n"
            for (i, r) in page.lines.enumerated() {
                let b = r.line.box
                x += "          <TextLine ID=\"line_\(i + 1)\" \(altoBox(b)) BASELINE=\"\(points(baseline(of: r.line), separator: " "))\">\n"
                x += "            <Shape><Polygon POINTS=\"\(points(r.line.polygon, separator: " "))\"/></Shape>\n"
                let words = r.words.isEmpty ? [LayoutWord(text: "", box: b, confidence: r.confidence)] : r.words
                for (k, w) in words.enumerated() {
                    if k > 0 { x += "            <SP/>\n" }
                    x += "            <String ID=\"line_\(i + 1)_\(k + 1)\" CONTENT=\"\(escape(w.text))\" \(altoBox(w.box)) WC=\"\(confidence(w.confidence))\"/>\n"
                }
                x += "          </TextLine>\n"
            }
            x += "        </TextBlock>\n"
        }
        x += """
              </PrintSpace>
            </Page>
          </Layout>
        </alto>

        """
        return x
    }

    /// PAGE 2019-07-15 XML for `page`; `created` is the ISO 8601 time stamped in its metadata.
    public static func page(_ page: RecognizedPage, software: String, version: String, created: Date = Date()) -> String {
        let stamp = ISO8601DateFormatter().string(from: created)
        var x = """
        <?xml version="1.0" encoding="UTF-8"?>
        <PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
        xsi:schemaLocation="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15 http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd">
          <Metadata>
            <Creator>\(escape(software)) \(escape(version))</Creator>
            <Created>\(stamp)</Created>
            <LastChange>\(stamp)</LastChange>
          </Metadata>
          <Page imageFilename="\(escape(page.imageFile))" imageWidth="\(page.width)" imageHeight="\(page.height)">

        """
        if !page.lines.isEmpty {
            let block = union(page.lines.map(\.line.box))
            x += "    <ReadingOrder><OrderedGroup id=\"ro_1\"><RegionRefIndexed index=\"0\" regionRef=\"region_1\"/></OrderedGroup></ReadingOrder>\n"
            x += "    <TextRegion id=\"region_1\"><Coords points=\"\(points(LayoutLine.corners(block), separator: ","))\"/>\n"
            for (i, r) in page.lines.enumerated() {
                x += "      <TextLine id=\"line_\(i + 1)\"><Coords points=\"\(points(r.line.polygon, separator: ","))\"/>"
                x += "<Baseline points=\"\(points(baseline(of: r.line), separator: ","))\"/>\n"
                for (k, w) in r.words.enumerated() {
                    x += "        <Word id=\"line_\(i + 1)_\(k + 1)\"><Coords points=\"\(points(LayoutLine.corners(w.box), separator: ","))\"/>"
                    x += "<TextEquiv conf=\"\(confidence(w.confidence))\"><Unicode>\(escape(w.text))</Unicode></TextEquiv></Word>\n"
                }
                x += "        <TextEquiv conf=\"\(confidence(r.confidence))\"><Unicode>\(escape(r.text))</Unicode></TextEquiv>\n"
                x += "      </TextLine>\n"
            }
            x += "    </TextRegion>\n"
        }
        x += """
          </Page>
        </PcGts>

        """
        return x
    }

    // MARK: Pieces

    /// `&`, `<`, `>`, quotes escaped; control characters XML 1.0 cannot hold dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    static func altoBox(_ b: Box) -> String { "HPOS=\"\(b.x0)\" VPOS=\"\(b.y0)\" WIDTH=\"\(b.width)\" HEIGHT=\"\(b.height)\"" }

    static func points(_ p: [(x: Int, y: Int)], separator: String) -> String {
        p.map { "\($0.x)\(separator)\($0.y)" }.joined(separator: " ")
    }

    static func union(_ boxes: [Box]) -> Box {
        Box(x0: boxes.map(\.x0).min()!, y0: boxes.map(\.y0).min()!, x1: boxes.map(\.x1).max()!, y1: boxes.map(\.y1).max()!)
    }

    static func confidence(_ c: Double) -> String { String(format: "%.4f", c.isFinite ? min(max(c, 0), 1) : 0) }

    /// The line's baseline, or a straight one at four fifths of its box (where the
    /// baseline of handwriting sits when descenders take the bottom fifth).
    public static func baseline(of line: LayoutLine) -> [(x: Int, y: Int)] {
        if let b = line.baseline, b.count >= 2 { return b }
        let y = line.box.y0 + line.box.height * 4 / 5
        return [(line.box.x0, y), (line.box.x1, y)]
    }
}
