import Foundation
import ScribeCore
import ScribeImage

/// Reads whole pages: finds their text lines (or takes them from an ALTO/PAGE layout),
/// crops each line by its polygon, recognizes it with a line model and assembles the page
/// in reading order, with word boxes and confidences in page pixels.
public struct PageReader {
    /// Line finder for pages without a layout file.
    public var finder: LineFinding

    /// Pixels of page kept around each line's box when it is cropped (ascenders and
    /// descenders that stick out of the polygon stay masked to white).
    public var padding = 4

    public init(finder: LineFinding = .classical(PageSegmenter())) { self.finder = finder }

    /// Whether an image of this size is a page rather than one text line: a line is a
    /// strip at least twice as wide as high.
    public static func looksLikePage(width: Int, height: Int) -> Bool { width < 2 * height }

    /// Recognizes `page` (read from `path`) with one `LineReader` per worker, `readers`
    /// of them in parallel; `layout` gives the lines instead of the segmenter. Returns the
    /// page with its lines in reading order (the layout's order when given).
    public func read(_ page: GrayImage, path: String, layout: [LayoutLine]? = nil, readers: [LineReader]) throws -> RecognizedPage {
        precondition(!readers.isEmpty, "PageReader: give at least one LineReader")
        let lines = layout ?? finder.lines(in: page)
        var results = [Result<RecognizedLine, Error>?](repeating: nil, count: lines.count)
        let lock = NSLock()
        Workers.forEachChunk(count: lines.count, threads: min(readers.count, max(lines.count, 1))) { range, worker in
            for i in range {
                let r = Result { try recognize(lines[i], on: page, path: path, reader: readers[worker]) }
                lock.lock(); results[i] = r; lock.unlock()
            }
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return RecognizedPage(imageFile: name, width: page.width, height: page.height, lines: try results.map { try $0!.get() })
    }

    /// One line: cropped with its polygon, read, and its characters put back on the page.
    func recognize(_ line: LayoutLine, on page: GrayImage, path: String, reader: LineReader) throws -> RecognizedLine {
        let crop = PolygonCrop.crop(page, line: line, padding: padding)
        let origin = PolygonCrop.origin(of: line, padding: padding, in: page)
        if let upward = Self.sideways(line) {
            // Turned upright: a note written bottom to top turns clockwise. Its words span
            // the line's width and the page rows their characters came from; characters
            // keep no page positions.
            let t = try reader.read(crop.quarterTurned(clockwise: upward), path: "\(path) (\(line.id))")
            let along = Self.words(t.characters, offset: 0, top: line.box.x0, bottom: line.box.x1)
            let words = along.map { w -> LayoutWord in
                let (a, b) = (w.box.x0, w.box.x1)
                let y0 = upward ? origin.y + crop.height - b : origin.y + a, y1 = upward ? origin.y + crop.height - a : origin.y + b
                return LayoutWord(text: w.text, box: Box(x0: line.box.x0, y0: y0, x1: line.box.x1, y1: y1), confidence: w.confidence)
            }
            return RecognizedLine(line: line, text: t.text, confidence: t.confidence, words: words, characters: [])
        }
        let t = try reader.read(crop, path: "\(path) (\(line.id))")
        let words = Self.words(t.characters, offset: Double(origin.x), top: line.box.y0, bottom: line.box.y1)
        let characters = t.characters.map { (symbol: $0.symbol, x0: $0.x0 + Double(origin.x), x1: $0.x1 + Double(origin.x), confidence: $0.confidence) }
        return RecognizedLine(line: line, text: t.text, confidence: t.confidence, words: words, characters: characters)
    }

    /// For a line written up or down the page (its baseline closer to vertical than to
    /// horizontal): whether it reads upwards. Nil for upright lines and lines without a
    /// baseline.
    static func sideways(_ line: LayoutLine) -> Bool? {
        guard let b = line.baseline, let first = b.first, let last = b.last else { return nil }
        let (dx, dy) = (last.x - first.x, last.y - first.y)
        return abs(dy) > abs(dx) ? dy < 0 : nil
    }

    /// Characters grouped into words at spaces, their boxes spanning the characters' x
    /// ranges (shifted by `offset`) and the line's height.
    static func words(_ characters: [RecognizedCharacter], offset: Double, top: Int, bottom: Int) -> [LayoutWord] {
        var words: [LayoutWord] = []
        var current: [RecognizedCharacter] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            let x0 = Int((first.x0 + offset).rounded(.down)), x1 = max(x0 + 1, Int((last.x1 + offset).rounded(.up)))
            let confidence = current.map(\.confidence).reduce(0, +) / Double(current.count)
            words.append(LayoutWord(text: current.map(\.symbol).joined(), box: Box(x0: x0, y0: top, x1: x1, y1: bottom), confidence: confidence))
            current = []
        }
        for c in characters {
            if c.symbol.allSatisfy(\.isWhitespace) { flush() } else { current.append(c) }
        }
        flush()
        return words
    }
}
