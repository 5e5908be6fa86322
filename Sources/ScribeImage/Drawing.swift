/// Drawing primitives for overlays.
public enum Drawing {
    /// Distinct, saturated colours for consecutive lines.
    public static let palette = [RGB(230, 25, 75), RGB(0, 130, 200), RGB(245, 130, 48), RGB(145, 30, 180),
                                 RGB(70, 170, 200), RGB(240, 50, 230), RGB(128, 128, 0), RGB(0, 128, 128)]

    /// A straight segment of the given thickness.
    /// The part outside the image is not drawn (nor walked: far-away end points cost nothing).
    public static func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int), on image: inout Image8, color: RGB, thickness: Int = 1) {
        let r = thickness / 2
        guard let (a, b) = clip(a, b, x0: -thickness - 1, y0: -thickness - 1,
                                x1: image.width + thickness, y1: image.height + thickness) else { return }
        let steps = max(abs(b.x - a.x), abs(b.y - a.y), 1)
        for s in 0...steps {
            let x = a.x + (b.x - a.x) * s / steps, y = a.y + (b.y - a.y) * s / steps
            image.fill(x0: x - r, y0: y - r, x1: x - r + thickness, y1: y - r + thickness, color)
        }
    }

    /// The segment a-b clipped to the rectangle [x0, x1] × [y0, y1] (Liang-Barsky), or nil
    /// when it misses it.
    static func clip(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int), x0: Int, y0: Int, x1: Int, y1: Int) -> ((x: Int, y: Int), (x: Int, y: Int))? {
        let (ax, ay) = (Double(a.x), Double(a.y))
        let (dx, dy) = (Double(b.x) - ax, Double(b.y) - ay)
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, ax - Double(x0)), (dx, Double(x1) - ax), (-dy, ay - Double(y0)), (dy, Double(y1) - ay)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let t = q / p
                if p < 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
                if t0 > t1 { return nil }
            }
        }
        return ((Int((ax + t0 * dx).rounded()), Int((ay + t0 * dy).rounded())), (Int((ax + t1 * dx).rounded()), Int((ay + t1 * dy).rounded())))
    }

    /// A closed polygon outline.
    public static func polygon(_ points: [(x: Int, y: Int)], on image: inout Image8, color: RGB, thickness: Int = 1) {
        guard points.count >= 2 else { return }
        for i in points.indices { line(from: points[i], to: points[(i + 1) % points.count], on: &image, color: color, thickness: thickness) }
    }

    /// A label in the small bitmap font on a white patch, right-aligned at `x`.
    public static func label(_ text: String, x: Int, y: Int, on image: inout Image8, scale: Int = 3) {
        let w = TinyFont.width(text, scale: scale), h = TinyFont.glyphHeight * scale
        image.fill(x0: x - w - 2, y0: y, x1: x + 1, y1: y + h + 2, .white)
        TinyFont.draw(text, x: x - w, y: y + 1, scale: scale, color: RGB(200, 0, 0), on: &image)
    }
}

/// Matching found line boxes with reference ones.
public enum LineMatching {
    /// How many reference boxes have a found box with IoU ≥ `iou` (each found box used once, greedily by IoU).
    public static func recall(found: [Box], reference: [Box], iou threshold: Double) -> Int {
        var pairs: [(Double, Int, Int)] = []
        for (i, r) in reference.enumerated() {
            for (j, f) in found.enumerated() {
                let v = r.iou(f)
                if v >= threshold { pairs.append((v, i, j)) }
            }
        }
        pairs.sort { $0.0 > $1.0 }
        var usedR = Set<Int>(), usedF = Set<Int>()
        for (_, i, j) in pairs where !usedR.contains(i) && !usedF.contains(j) {
            usedR.insert(i); usedF.insert(j)
        }
        return usedR.count
    }
}
