import Foundation

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
    /// Baseline points left to right, when the file or the segmenter gives them.
    public var baseline: [(x: Int, y: Int)]?

    public static func == (a: LayoutLine, b: LayoutLine) -> Bool {
        a.id == b.id && a.box == b.box && a.text == b.text && a.polygon.elementsEqual(b.polygon) { $0 == $1 }
            && (a.baseline ?? []).elementsEqual(b.baseline ?? []) { $0 == $1 }
    }

    /// A line whose polygon is the box's four corner pixels (polygon points are pixel
    /// positions, inclusive; the box is half-open, so the two convert both ways unchanged).
    public init(id: String, box: Box, text: String? = nil) {
        self.id = id
        self.box = box
        self.text = text
        polygon = LayoutLine.corners(box)
    }

    /// The corner pixels of `box`, clockwise from the top left.
    public static func corners(_ box: Box) -> [(x: Int, y: Int)] {
        let (x1, y1) = (max(box.x0, box.x1 - 1), max(box.y0, box.y1 - 1))
        return [(box.x0, box.y0), (x1, box.y0), (x1, y1), (box.x0, y1)]
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
    /// Reads the lines of the ALTO or PAGE file at `path`.
    public static func read(_ path: String) throws -> [LayoutLine] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LayoutError.unreadable(path: path, reason: "it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayoutError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        return try parse(data, path: path)
    }

    /// Reads the lines of ALTO or PAGE XML bytes; `path` names them in errors.
    public static func parse(_ data: Data, path: String = "<layout>") throws -> [LayoutLine] {
        guard !data.isEmpty else { throw LayoutError.unreadable(path: path, reason: "the file is empty") }
        var collector = LineCollector()
        do { try XMLReader.parse(data) { collector.take($0) } } catch let error as XMLSyntaxError {
            throw LayoutError.unreadable(path: path, reason: "XML syntax error at \(error)")
        }
        if collector.lines.isEmpty { throw LayoutError.noLines(path: path) }
        return collector.lines
    }

    /// Parses `"x y x y"` (ALTO) or `"x,y x,y"` (PAGE) point lists; a number that is not a
    /// finite coordinate within ±10⁹ px ends the list there.
    static func points(_ text: String) -> [(x: Int, y: Int)] {
        var numbers: [Int] = []
        for field in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            guard let n = coordinate(field) else { break }
            numbers.append(n)
        }
        return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
    }

    /// A pixel coordinate from text: finite and within ±10⁹, rounded; nil otherwise.
    static func coordinate<S: StringProtocol>(_ text: S) -> Int? {
        guard let v = Double(text), v.isFinite, abs(v) <= 1e9 else { return nil }
        return Int(v.rounded())
    }
}

/// Gathers `TextLine`s from the reader's events: ALTO's polygon or box and `String`
/// contents, PAGE's `Coords` and the line's own `TextEquiv/Unicode`.
private struct LineCollector {
    var lines: [LayoutLine] = []
    private var current: (id: String, polygon: [(x: Int, y: Int)], box: Box?, baseline: [(x: Int, y: Int)], words: [String], unicode: String?)?
    private var inUnicode = false
    private var unicodeText = ""

    static func local(_ name: String) -> Substring { name.split(separator: ":").last ?? Substring(name) }

    mutating func take(_ event: XMLReader.Event) {
        switch event {
        case let .start(name, attributes): start(Self.local(name), attributes)
        case let .text(text): if inUnicode { unicodeText += text }
        case let .end(name): end(Self.local(name))
        }
    }

    private mutating func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "TextLine":
            var box: Box?
            if let h = attributes["HPOS"].flatMap(LayoutXML.coordinate), let v = attributes["VPOS"].flatMap(LayoutXML.coordinate),
               let w = attributes["WIDTH"].flatMap(LayoutXML.coordinate), let hh = attributes["HEIGHT"].flatMap(LayoutXML.coordinate),
               w >= 0, hh >= 0 {
                box = Box(x0: h, y0: v, x1: h + w, y1: v + hh)
            }
            // ALTO 4.2+ writes BASELINE as points; older files give one y for the whole line.
            var baseline = LayoutXML.points(attributes["BASELINE"] ?? "")
            if baseline.count < 2, let y = attributes["BASELINE"].flatMap(LayoutXML.coordinate), let box {
                baseline = [(box.x0, y), (box.x1, y)]
            }
            current = (attributes["ID"] ?? attributes["id"] ?? "line_\(lines.count)", [], box, baseline, [], nil)
        case "Polygon" where current != nil && current!.polygon.isEmpty:
            current!.polygon = LayoutXML.points(attributes["POINTS"] ?? "")
        case "Coords" where current != nil && current!.polygon.isEmpty:
            current!.polygon = LayoutXML.points(attributes["points"] ?? "")
        case "Baseline" where current != nil && current!.baseline.isEmpty:
            current!.baseline = LayoutXML.points(attributes["points"] ?? "")
        case "String" where current != nil:
            if let content = attributes["CONTENT"] { current!.words.append(content) }
        case "Unicode" where current != nil:
            inUnicode = true
            unicodeText = ""
        default: break
        }
    }

    private mutating func end(_ name: Substring) {
        if name == "Unicode", inUnicode {
            inUnicode = false
            // A line's own TextEquiv comes after its words' ones in PAGE; keep the last.
            current?.unicode = unicodeText
        }
        guard name == "TextLine", let line = current else { return }
        let text = line.unicode ?? (line.words.isEmpty ? nil : line.words.joined(separator: " "))
        var found: LayoutLine?
        if line.polygon.count >= 3 {
            found = LayoutLine(id: line.id, polygon: line.polygon, text: text)
        } else if let box = line.box {
            found = LayoutLine(id: line.id, box: box, text: text)
        }
        if var found {
            if line.baseline.count >= 2 { found.baseline = line.baseline }
            lines.append(found)
        }
        current = nil
    }
}
