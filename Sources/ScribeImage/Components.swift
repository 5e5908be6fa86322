/// An axis-aligned box in pixel coordinates: `x0..<x1`, `y0..<y1`.
public struct Box: Equatable, Codable, Sendable {
    public var x0: Int, y0: Int, x1: Int, y1: Int
    public init(x0: Int, y0: Int, x1: Int, y1: Int) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }

    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
    public var area: Int { max(0, width) * max(0, height) }

    /// The smallest box holding both.
    public func union(_ other: Box) -> Box {
        Box(x0: min(x0, other.x0), y0: min(y0, other.y0), x1: max(x1, other.x1), y1: max(y1, other.y1))
    }

    /// Intersection over union of the two boxes (0 when they do not overlap).
    public func iou(_ other: Box) -> Double {
        let ix = max(0, min(x1, other.x1) - max(x0, other.x0))
        let iy = max(0, min(y1, other.y1) - max(y0, other.y0))
        let inter = Double(ix * iy)
        let union = Double(area + other.area) - inter
        return union > 0 ? inter / union : 0
    }
}

/// One connected component of ink.
public struct Component: Equatable, Sendable {
    /// Bounding box.
    public var box: Box
    /// Number of ink pixels.
    public var pixels: Int
}

/// Connected components (8-connectivity) of a boolean mask, by iterative flood fill.
public enum ConnectedComponents {
    /// Components of `mask` (`width × height`, row-major, `true` = foreground), with a label
    /// image (`-1` for background, else the index into the returned array).
    public static func label(_ mask: [Bool], width: Int, height: Int) -> (components: [Component], labels: [Int32]) {
        var labels = [Int32](repeating: -1, count: mask.count)
        var components: [Component] = []
        var stack: [Int] = []
        for start in mask.indices where mask[start] && labels[start] < 0 {
            let id = Int32(components.count)
            var box = Box(x0: start % width, y0: start / width, x1: start % width + 1, y1: start / width + 1)
            var count = 0
            labels[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                count += 1
                let x = p % width, y = p / width
                box.x0 = min(box.x0, x); box.x1 = max(box.x1, x + 1)
                box.y0 = min(box.y0, y); box.y1 = max(box.y1, y + 1)
                for dy in -1...1 {
                    let yy = y + dy
                    if yy < 0 || yy >= height { continue }
                    for dx in -1...1 {
                        let xx = x + dx
                        if xx < 0 || xx >= width { continue }
                        let q = yy * width + xx
                        if mask[q] && labels[q] < 0 { labels[q] = id; stack.append(q) }
                    }
                }
            }
            components.append(Component(box: box, pixels: count))
        }
        return (components, labels)
    }
}
