/// Crops a line out of a page by its polygon, with everything outside the polygon set to
/// the background (white), as kraken does before recognition.
public enum PolygonCrop {
    /// Whether (`x`, `y`) (a pixel centre) lies inside `polygon` (even–odd rule).
    public static func contains(_ polygon: [(x: Int, y: Int)], x: Float, y: Float) -> Bool {
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let (xi, yi) = (Float(polygon[i].x), Float(polygon[i].y))
            let (xj, yj) = (Float(polygon[j].x), Float(polygon[j].y))
            if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Where `crop`'s top-left pixel stands on the page (the padded box clamped to it).
    public static func origin(of line: LayoutLine, padding: Int, in page: GrayImage) -> (x: Int, y: Int) {
        (max(0, min(line.box.x0 - padding, page.width - 1)), max(0, min(line.box.y0 - padding, page.height - 1)))
    }

    /// The line's bounding box (plus `padding`), with pixels outside the polygon masked to `background`.
    public static func crop(_ page: GrayImage, line: LayoutLine, padding: Int = 0, background: Float = 1) -> GrayImage {
        let b = line.box
        var out = page.cropped(x0: b.x0 - padding, y0: b.y0 - padding, x1: b.x1 + padding, y1: b.y1 + padding)
        guard line.polygon.count >= 3 else { return out }
        let (ox, oy) = origin(of: line, padding: padding, in: page)
        for y in 0..<out.height {
            // Crossings of this scanline with the polygon's edges, sorted: inside between pairs.
            let cy = Float(y + oy) + 0.5
            var xs: [Float] = []
            var j = line.polygon.count - 1
            for i in line.polygon.indices {
                let (xi, yi) = (Float(line.polygon[i].x), Float(line.polygon[i].y))
                let (xj, yj) = (Float(line.polygon[j].x), Float(line.polygon[j].y))
                if (yi > cy) != (yj > cy) { xs.append((xj - xi) * (cy - yi) / (yj - yi) + xi) }
                j = i
            }
            xs.sort()
            var k = 0
            for x in 0..<out.width {
                let cx = Float(x + ox) + 0.5
                while k < xs.count && xs[k] <= cx { k += 1 }
                if k % 2 == 0 { out[x, y] = background }
            }
        }
        return out
    }
}
