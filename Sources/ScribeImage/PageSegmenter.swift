import Foundation
/// Finds the text lines of a single-column page scan and returns them in reading order.
///
/// The method is the classic one for handwriting (smearing, as in Wong, Casey and Wahl's
/// run-length smoothing): flatten the paper (`Flatten`), normalize contrast and threshold; measure the typical
/// character height from connected components; drop what is not writing (page borders,
/// ruled lines, stamps, specks); join the ink of each line by filling horizontal gaps
/// shorter than a few character heights; take the connected blobs as lines, and split
/// blobs taller than about two lines at the valleys of their horizontal projection.
/// Smearing is local, so slightly skewed and wavy lines stay whole.
public struct PageSegmenter: Sendable {
    /// Background window in pixels; `nil` picks about a twentieth of the page width.
    public var window: Int? = nil
    /// Pixels darker than this after flattening and contrast normalization are ink.
    public var threshold: Float = 0.5
    /// Horizontal gaps shorter than this many character heights are filled.
    public var smear: Float = 4

    public init() {}

    /// Line boxes in page pixels, top to bottom.
    public func lines(in page: GrayImage) -> [LayoutLine] {
        let w = page.width, h = page.height
        let win = window ?? max(15, (w / 40) | 1)
        let norm = Contrast.normalize(Flatten.apply(page, window: 2 * win), lo: 0.02, hi: 0.9)
        var ink = [Bool](repeating: false, count: w * h)
        for i in ink.indices { ink[i] = norm.pixels[i] < threshold }

        let charHeight = Self.typicalHeight(ConnectedComponents.label(ink, width: w, height: h).components, pageHeight: h)
        Self.removeRules(&ink, width: w, height: h, charHeight: charHeight)
        let (components, labels) = ConnectedComponents.label(ink, width: w, height: h)
        let keep = components.map { Self.isWriting($0, charHeight: charHeight, width: w, height: h) }
        var kept = [Bool](repeating: false, count: w * h)
        for i in kept.indices where labels[i] >= 0 && keep[Int(labels[i])] { kept[i] = true }

        let smeared = Self.smearRows(kept, width: w, height: h, gap: Int(smear * Float(charHeight)))
        let (blobs, _) = ConnectedComponents.label(smeared, width: w, height: h)
        let candidates = blobs.filter { $0.box.width >= 2 * charHeight && $0.pixels >= charHeight * charHeight }
        let lineHeight = Self.linePitch(kept, width: w, height: h, charHeight: charHeight)
        var boxes: [Box] = []
        for blob in candidates {
            boxes += Self.split(blob.box, ink: kept, width: w, lineHeight: lineHeight)
        }
        return Self.readingOrder(boxes).enumerated().map { LayoutLine(id: "line_\($0.offset)", box: $0.element) }
    }

    /// Median height of components that look like letters (not specks, not page furniture).
    static func typicalHeight(_ components: [Component], pageHeight: Int) -> Int {
        let heights = components.filter { $0.pixels >= 20 && $0.box.height >= 5 && $0.box.height <= pageHeight / 10 }
            .map { $0.box.height }
        return max(median(heights) ?? 20, 5)
    }

    /// Whether a component is writing: not a speck, not a border, rule or stamp.
    static func isWriting(_ c: Component, charHeight: Int, width: Int, height: Int) -> Bool {
        let b = c.box
        if c.pixels < max(6, charHeight * charHeight / 40) { return false }        // specks and dust
        if b.height > 5 * charHeight { return false }                               // borders, stamps, folds
        if b.width > 10 * charHeight && b.height < charHeight / 2 { return false }  // ruled lines
        if b.width >= charHeight && b.height <= max(3, charHeight / 4) { return false } // dashes of dotted rules
        let touchesEdge = b.x0 <= 1 || b.y0 <= 1 || b.x1 >= width - 1 || b.y1 >= height - 1
        if touchesEdge && (b.height > 2 * charHeight || b.width > 10 * charHeight) { return false }
        return true
    }

    /// Erases ruled lines: pixels of horizontal ink runs longer than three character heights
    /// whose vertical extent at that column is thin. Letters crossing a rule keep their strokes.
    static func removeRules(_ ink: inout [Bool], width: Int, height: Int, charHeight: Int) {
        let minRun = 3 * charHeight, thin = max(3, charHeight / 4)
        var erase: [Int] = []
        for y in 0..<height {
            var x = 0
            while x < width {
                guard ink[y * width + x] else { x += 1; continue }
                let start = x
                while x < width && ink[y * width + x] { x += 1 }
                guard x - start >= minRun else { continue }
                for xx in start..<x {
                    var up = y, down = y
                    while up > 0 && ink[(up - 1) * width + xx] && y - up <= thin { up -= 1 }
                    while down < height - 1 && ink[(down + 1) * width + xx] && down - y <= thin { down += 1 }
                    if down - up + 1 <= thin { erase.append(y * width + xx) }
                }
            }
        }
        for i in erase { ink[i] = false }
    }

    /// Fills runs of background shorter than `gap` between two foreground pixels on each row.
    static func smearRows(_ mask: [Bool], width: Int, height: Int, gap: Int) -> [Bool] {
        var out = mask
        for y in 0..<height {
            var last = -1
            for x in 0..<width where mask[y * width + x] {
                if last >= 0 && x - last - 1 <= gap && x - last > 1 {
                    for xx in (last + 1)..<x { out[y * width + xx] = true }
                }
                last = x
            }
        }
        return out
    }

    /// The distance between consecutive lines: the lag, between 1.5 and 8 character heights,
    /// at which the page's horizontal ink profile best correlates with itself.
    static func linePitch(_ ink: [Bool], width: Int, height: Int, charHeight: Int) -> Int {
        var profile = [Double](repeating: 0, count: height)
        for y in 0..<height { for x in 0..<width where ink[y * width + x] { profile[y] += 1 } }
        let mean = profile.reduce(0, +) / Double(height)
        for i in profile.indices { profile[i] -= mean }
        let lo = max(2, charHeight * 3 / 2), hi = min(height / 2, charHeight * 8)
        guard lo < hi else { return 3 * charHeight }
        let scores = ((lo - 1)...(hi + 1)).map { lag -> Double in
            var score = 0.0
            for y in 0..<(height - lag) { score += profile[y] * profile[y + lag] }
            return score / Double(height - lag)
        }
        // The strongest local maximum: the correlation falls from lag 0, so the range's
        // edge is not a period.
        var best = (lag: 3 * charHeight, score: -Double.infinity)
        for i in 1..<(scores.count - 1) where scores[i] > scores[i - 1] && scores[i] >= scores[i + 1] && scores[i] > best.score {
            best = (lo - 1 + i, scores[i])
        }
        return best.lag
    }

    /// Splits a blob taller than ~1.7 lines at the emptiest rows near the expected line breaks.
    static func split(_ box: Box, ink: [Bool], width: Int, lineHeight: Int) -> [Box] {
        let parts = Int((Double(box.height) / Double(lineHeight)).rounded())
        guard box.height > lineHeight * 17 / 10, parts >= 2 else { return [tighten(box, ink: ink, width: width)] }
        var profile = [Int](repeating: 0, count: box.height)
        for y in box.y0..<box.y1 {
            for x in box.x0..<box.x1 where ink[y * width + x] { profile[y - box.y0] += 1 }
        }
        var cuts = [0]
        for k in 1..<parts {
            let expected = box.height * k / parts
            let lo = max(cuts.last! + lineHeight / 3, expected - lineHeight / 3)
            let hi = min(box.height - 1, expected + lineHeight / 3)
            guard lo < hi else { continue }
            let cut = (lo...hi).min { profile[$0] < profile[$1] }!
            cuts.append(cut)
        }
        cuts.append(box.height)
        return zip(cuts, cuts.dropFirst()).compactMap { a, b in
            let part = tighten(Box(x0: box.x0, y0: box.y0 + a, x1: box.x1, y1: box.y0 + b), ink: ink, width: width)
            return part.area > 0 ? part : nil
        }
    }

    /// The bounding box of the ink inside `box`.
    static func tighten(_ box: Box, ink: [Bool], width: Int) -> Box {
        var out = Box(x0: box.x1, y0: box.y1, x1: box.x0, y1: box.y0)
        for y in box.y0..<box.y1 {
            for x in box.x0..<box.x1 where ink[y * width + x] {
                out.x0 = min(out.x0, x); out.x1 = max(out.x1, x + 1)
                out.y0 = min(out.y0, y); out.y1 = max(out.y1, y + 1)
            }
        }
        return out.x1 > out.x0 ? out : Box(x0: box.x0, y0: box.y0, x1: box.x0, y1: box.y0)
    }

    /// Top to bottom; lines that share most of their height are read left to right.
    static func readingOrder(_ boxes: [Box]) -> [Box] {
        readingOrderIndices(boxes).map { boxes[$0] }
    }

    /// Indices of `boxes` in reading order: top to bottom; lines that share most of their
    /// height left to right. Shared with the trained line finder.
    public static func readingOrderIndices(_ boxes: [Box]) -> [Int] {
        boxes.indices.sorted { i, j in
            let a = boxes[i], b = boxes[j]
            let overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
            if Double(overlap) > 0.5 * Double(min(a.height, b.height)) { return a.x0 < b.x0 }
            return a.y0 + a.y1 < b.y0 + b.y1
        }
    }

    static func median(_ values: [Int]) -> Int? {
        values.isEmpty ? nil : values.sorted()[values.count / 2]
    }
}
