import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A text line from a layout file or the segmenter: its polygon, box and optional text.
public struct LayoutLine: Equatable, Sendable {
    /// Identifier from the file (or `line_N`).
    public var id: String
    /// Outline in page pixels, clockwise or not; at least three points for a real polygon.
    public var polygon: [(x: Int, y: Int)]
    /// Bounding box in page pixels.
    public var box: Box
    /// Transcription, when the file carries one.
    public var text: String?

    public static func == (a: LayoutLine, b: LayoutLine) -> Bool {
        a.id == b.id && a.box == b.box && a.text == b.text && a.polygon.elementsEqual(b.polygon) { $0 == $1 }
    }

    /// A line whose polygon is the box's four corners.
    public init(id: String, box: Box, text: String? = nil) {
        self.id = id
        self.box = box
        self.text = text
        polygon = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    }

    /// A line from a polygon; the box is its bounding box.
    public init(id: String, polygon: [(x: Int, y: Int)], text: String? = nil) {
        self.id = id
        self.polygon = polygon
        self.text = text
        let xs = polygon.map(\.x), ys = polygon.map(\.y)
        box = Box(x0: xs.min() ?? 0, y0: ys.min() ?? 0, x1: (xs.max() ?? 0) + 1, y1: (ys.max() ?? 0) + 1)
    }
}

/// Errors reading ALTO or PAGE XML.
public enum LayoutError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case noLines(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): not a readable ALTO or PAGE XML file (\(reason)). Export the layout from kraken, eScriptorium or Transkribus as ALTO v4 or PAGE XML."
        case let .noLines(path):
            return "\(path): the layout file holds no TextLine with a polygon or box."
        }
    }
}

/// Reads the text lines of ALTO (kraken, eScriptorium) and PAGE XML (Transkribus) files.
///
/// ALTO: `TextLine` with `Shape/Polygon@POINTS="x y x y ..."` or, failing that, the
/// `HPOS VPOS WIDTH HEIGHT` box; text from its `String@CONTENT`s. PAGE: `TextLine/Coords@points="x,y x,y ..."`,
/// text from `TextEquiv/Unicode`.
public enum LayoutXML {
    public static func read(_ path: String) throws -> [LayoutLine] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayoutError.unreadable(path: path, reason: "cannot read the file")
        }
        let delegate = LayoutParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw LayoutError.unreadable(path: path, reason: parser.parserError.map { "\($0.localizedDescription)" } ?? "XML syntax error")
        }
        if delegate.lines.isEmpty { throw LayoutError.noLines(path: path) }
        return delegate.lines
    }

    /// Parses `"x y x y"` (ALTO) or `"x,y x,y"` (PAGE) point lists.
    static func points(_ text: String) -> [(x: Int, y: Int)] {
        let numbers = text.split { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" }.compactMap { Double($0) }
        return stride(from: 0, to: numbers.count - 1, by: 2).map { (Int(numbers[$0].rounded()), Int(numbers[$0 + 1].rounded())) }
    }
}

private final class LayoutParser: NSObject, XMLParserDelegate {
    var lines: [LayoutLine] = []
    private var current: (id: String, polygon: [(x: Int, y: Int)], box: Box?, words: [String], unicode: String?)?
    private var inUnicode = false
    private var unicodeText = ""
    private var depthInLineEquiv = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let local = name.split(separator: ":").last.map(String.init) ?? name
        switch local {
        case "TextLine":
            var box: Box?
            if let h = attributes["HPOS"].flatMap(Double.init), let v = attributes["VPOS"].flatMap(Double.init),
               let w = attributes["WIDTH"].flatMap(Double.init), let hh = attributes["HEIGHT"].flatMap(Double.init) {
                box = Box(x0: Int(h), y0: Int(v), x1: Int(h + w), y1: Int(v + hh))
            }
            current = (attributes["ID"] ?? attributes["id"] ?? "line_\(lines.count)", [], box, [], nil)
        case "Polygon" where current != nil && current!.polygon.isEmpty:
            current!.polygon = LayoutXML.points(attributes["POINTS"] ?? "")
        case "Coords" where current != nil && current!.polygon.isEmpty:
            current!.polygon = LayoutXML.points(attributes["points"] ?? "")
        case "String" where current != nil:
            if let content = attributes["CONTENT"] { current!.words.append(content) }
        case "Unicode" where current != nil:
            inUnicode = true
            unicodeText = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inUnicode { unicodeText += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let local = name.split(separator: ":").last.map(String.init) ?? name
        if local == "Unicode", inUnicode {
            inUnicode = false
            // A line's own TextEquiv comes after its words' ones in PAGE; keep the last.
            current?.unicode = unicodeText
        }
        guard local == "TextLine", let line = current else { return }
        let text = line.unicode ?? (line.words.isEmpty ? nil : line.words.joined(separator: " "))
        if line.polygon.count >= 3 {
            lines.append(LayoutLine(id: line.id, polygon: line.polygon, text: text))
        } else if let box = line.box {
            lines.append(LayoutLine(id: line.id, box: box, text: text))
        }
        current = nil
    }
}
