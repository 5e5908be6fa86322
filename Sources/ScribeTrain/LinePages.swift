import Foundation
import ScribeCore
import ScribeImage
import ScribeRecognition

/// One annotated page for training the line finder, at the working scale, ink high.
struct LinePage {
    /// File name, for messages.
    let name: String
    /// The page as the line finder prepares it (`LineFinder.prepare`).
    let image: GrayImage
    /// Reference lines in working pixels.
    let lines: [Line]
    /// Reference boxes in the original page's pixels, for recall and precision.
    let referenceBoxes: [Box]
    /// The original page (kept for validation pages only, which run the whole finder).
    let original: GrayImage?

    struct Line {
        var polygon: [(x: Float, y: Float)]
        /// In reading order (first point where the line starts).
        var baseline: [(x: Float, y: Float)]
        /// Height of the core band above the baseline (about the x-height), working pixels.
        var coreHeight: Float
    }

    /// Reads a page scan and its ALTO or PAGE file; lines without a polygon of three
    /// points or a baseline of two are skipped (they cannot be drawn as targets).
    static func load(image path: String, layout: String, workingSide: Int, keepOriginal: Bool) throws -> LinePage {
        let scan = GrayImage(try PNGReader().read(path))
        let reference = try LayoutXML.read(layout)
        let (work, scale) = LineFinder.prepare(scan, workingSide: workingSide)
        let k = 1 / scale
        var lines: [Line] = []
        for line in reference where line.polygon.count >= 3 {
            let polygon = line.polygon.map { (Float($0.x) * k, Float($0.y) * k) }
            guard let base = line.baseline, base.count >= 2 else { continue }
            let baseline = base.map { (Float($0.x) * k, Float($0.y) * k) }
            guard baseline.first! != baseline.last! else { continue }
            lines.append(Line(polygon: polygon, baseline: baseline, coreHeight: Self.uprightCoreHeight(polygon: polygon, baseline: baseline)))
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return LinePage(name: name, image: work, lines: lines, referenceBoxes: reference.map(\.box), original: keepOriginal ? scan : nil)
    }

    /// The core height measured with the line turned upright (its baseline running left to
    /// right), so that sideways and slanted lines get theirs too.
    static func uprightCoreHeight(polygon: [(x: Float, y: Float)], baseline: [(x: Float, y: Float)]) -> Float {
        let a = atan2(baseline.last!.y - baseline.first!.y, baseline.last!.x - baseline.first!.x)
        let (c, s) = (cos(a), sin(a))
        func upright(_ p: (x: Float, y: Float)) -> (x: Float, y: Float) { (p.x * c + p.y * s, -p.x * s + p.y * c) }
        return coreHeight(polygon: polygon.map(upright), baseline: baseline.map(upright).sorted { $0.x < $1.x })
    }

    /// 45% of the median height of the polygon above the baseline, sampled at ten places:
    /// roughly the x-height, whatever ascenders and flourishes do to the top.
    static func coreHeight(polygon: [(x: Float, y: Float)], baseline: [(x: Float, y: Float)]) -> Float {
        let x0 = baseline.first!.x, x1 = baseline.last!.x
        var above: [Float] = []
        for i in 0..<10 {
            let x = x0 + (x1 - x0) * (Float(i) + 0.5) / 10
            let yb = interpolate(baseline, at: x)
            var top = Float.infinity
            var j = polygon.count - 1
            for k in polygon.indices {
                let (a, b) = (polygon[k], polygon[j])
                if (a.x > x) != (b.x > x) { top = min(top, a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)) }
                j = k
            }
            if top.isFinite && yb > top { above.append(yb - top) }
        }
        guard !above.isEmpty else { return 4 }
        return max(2, 0.45 * above.sorted()[above.count / 2])
    }

    /// The polyline's y at x (clamped to its ends); points sorted by x.
    static func interpolate(_ line: [(x: Float, y: Float)], at x: Float) -> Float {
        if x <= line.first!.x { return line.first!.y }
        for (a, b) in zip(line, line.dropFirst()) where x <= b.x {
            return b.x > a.x ? a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) : b.y
        }
        return line.last!.y
    }
}

/// How training crops are varied (seeded): scale (simulating other resolutions and
/// handwriting sizes), rotation, contrast, paper level and noise.
public struct PageAugmentation: Equatable, Sendable {
    public var enabled = true
    /// Scale range (log-uniform).
    public var scale: ClosedRange<Double> = 0.7...1.4
    /// Largest rotation, degrees.
    public var rotation: Double = 2
    /// Largest relative change of ink contrast.
    public var contrast: Double = 0.35
    /// Largest standard deviation of added pixel noise.
    public var noise: Double = 0.06
    /// Probability of a quarter turn (either way): sideways notes become upright lines and
    /// the page's upright lines sideways ones, which are not lines for the network (it
    /// finds upright lines only; sideways ones are found on the turned page).
    public var sideways: Double = 0.3
    public init() {}
}

/// Square training crops of annotated pages with their target maps.
struct LineCropper {
    let side: Int
    let augmentation: PageAugmentation

    /// One crop: input (side × side, ink high) and targets (2, side/4, side/4): core band, region.
    func crop(_ page: LinePage, generator g: inout SeededGenerator) -> (input: [Float], targets: [Float]) {
        let a = augmentation
        let s = a.enabled ? Float(exp(log(a.scale.lowerBound) + g.nextUniform() * (log(a.scale.upperBound) - log(a.scale.lowerBound)))) : 1
        var angle = a.enabled ? Float((g.nextUniform() * 2 - 1) * a.rotation * .pi / 180) : 0
        if a.enabled && g.nextUniform() < a.sideways { angle += (g.nextUniform() < 0.5 ? 1 : -1) * .pi / 2 }
        // Crop centre on the page: anywhere, but mostly on the writing.
        var cx = Float(g.nextUniform()) * Float(page.image.width), cy = Float(g.nextUniform()) * Float(page.image.height)
        if !page.lines.isEmpty && g.nextUniform() < 0.7 {
            let line = page.lines[Int(g.next() % UInt64(page.lines.count))]
            let p = line.baseline[Int(g.next() % UInt64(line.baseline.count))]
            cx = p.x + Float(g.nextGaussian()) * 60; cy = p.y + Float(g.nextGaussian()) * 60
        }
        let (cosA, sinA) = (cos(angle), sin(angle))
        let half = Float(side) / 2
        // crop = s·R·(page − c) + half; page = Rᵀ·(crop − half)/s + c
        func toCrop(_ p: (x: Float, y: Float)) -> (x: Float, y: Float) {
            let (dx, dy) = (p.x - cx, p.y - cy)
            return (s * (cosA * dx - sinA * dy) + half, s * (sinA * dx + cosA * dy) + half)
        }
        var input = [Float](repeating: 0, count: side * side)
        let gain = a.enabled ? Float(1 + (g.nextUniform() * 2 - 1) * a.contrast) : 1
        let sigma = a.enabled ? Float(g.nextUniform() * a.noise) : 0
        for v in 0..<side {
            for u in 0..<side {
                let (du, dv) = ((Float(u) + 0.5 - half) / s, (Float(v) + 0.5 - half) / s)
                let px = cosA * du + sinA * dv + cx, py = -sinA * du + cosA * dv + cy
                var value = page.image.sample(x: px - 0.5, y: py - 0.5, outside: 0) * gain
                if sigma > 0 { value += sigma * Float(g.nextGaussian()) }
                input[v * side + u] = value
            }
        }
        let cells = side / LineFinderNetwork.stride, unit = Float(LineFinderNetwork.stride)
        var targets = [Float](repeating: 0, count: 2 * cells * cells)
        for line in page.lines {
            // Only lines that read left to right in the crop (within 45°) are targets.
            let (first, last) = (toCrop(line.baseline.first!), toCrop(line.baseline.last!))
            guard last.x - first.x > abs(last.y - first.y) else { continue }
            let polygon = line.polygon.map { p -> (x: Float, y: Float) in let q = toCrop(p); return (q.x / unit, q.y / unit) }
            Self.fill(polygon, into: &targets, offset: cells * cells, cells: cells)
            let baseline = line.baseline.map { p -> (x: Float, y: Float) in let q = toCrop(p); return (q.x / unit, q.y / unit) }
            Self.band(baseline, thickness: max(0.75, line.coreHeight * s / unit), into: &targets, cells: cells)
        }
        return (input, targets)
    }

    /// Sets cells whose centre is inside `polygon` (cell units) to 1 in the plane at `offset`.
    static func fill(_ polygon: [(x: Float, y: Float)], into t: inout [Float], offset: Int, cells: Int) {
        let ys = polygon.map(\.y)
        let y0 = max(0, Int(ys.min()!)), y1 = min(cells - 1, Int(ys.max()!) + 1)
        guard y0 <= y1 else { return }
        for y in y0...y1 {
            let cy = Float(y) + 0.5
            var xs: [Float] = []
            var j = polygon.count - 1
            for i in polygon.indices {
                let (a, b) = (polygon[i], polygon[j])
                if (a.y > cy) != (b.y > cy) { xs.append(a.x + (b.x - a.x) * (cy - a.y) / (b.y - a.y)) }
                j = i
            }
            xs.sort()
            var k = 0
            while k + 1 < xs.count {
                let from = max(0, Int((xs[k] - 0.5).rounded(.up))), to = min(cells - 1, Int((xs[k + 1] - 0.5).rounded(.down)))
                if from <= to { for x in from...to { t[offset + y * cells + x] = 1 } }
                k += 2
            }
        }
    }

    /// Sets the cells between the baseline and `thickness` above it (the core band) to 1
    /// in the first plane; every column the baseline crosses gets at least one cell.
    static func band(_ baseline: [(x: Float, y: Float)], thickness: Float, into t: inout [Float], cells: Int) {
        let sorted = baseline.sorted { $0.x < $1.x }
        let x0 = max(0, Int(sorted.first!.x.rounded())), x1 = min(cells - 1, Int(sorted.last!.x.rounded()) - 1)
        guard x0 <= x1 else { return }
        for x in x0...x1 {
            let yb = LinePage.interpolate(sorted, at: Float(x) + 0.5)
            let top = max(0, Int((yb - thickness).rounded())), bottom = min(cells - 1, max(Int((yb - thickness).rounded()), Int(yb.rounded()) - 1))
            guard top <= bottom else { continue }
            for y in top...bottom { t[y * cells + x] = 1 }
        }
    }
}
