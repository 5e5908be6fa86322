import Foundation
import ScribeCore
import ScribeImage
import ScribeNN

/// Finds the text lines of a page with a trained `LineFinderNetwork`: the page is scaled
/// to the model's working size (longest side), its ink normalized, and the network labels
/// line cores and line regions; each connected core (word fragments of one line joined) is
/// a line, its baseline the core's lower edge, and its polygon follows the region around
/// the core up and down, column by column, stopping at a neighbouring line's core.
public struct LineFinder {
    public let network: LineFinderNetwork
    /// Longest page side, in pixels, the network works at.
    public var workingSide: Int
    /// Probability above which a cell is core or region.
    public var threshold: Float = 0.5
    /// Also look for sideways lines (notes written up or down the margin) on the page turned
    /// a quarter each way; the network itself finds upright lines only.
    public var sideways = true
    /// Model file metadata (`scribe.info.*` included), empty for an untrained network.
    public var metadata: [String: String] = [:]

    public init(network: LineFinderNetwork, workingSide: Int = 1000) {
        self.network = network
        self.workingSide = workingSide
    }

    // MARK: - model files

    /// Metadata value marking a line-finder model file (`scribe.kind`).
    public static let kind = "line-finder"

    /// Loads a line-finder model: a path, or a shipped model's name (`poilus-lines`).
    public static func load(_ nameOrPath: String) throws -> LineFinder {
        let path = try ModelLocator.locate(nameOrPath)
        let file: SafeTensors
        do { file = try SafeTensors.load(path: path) } catch {
            throw RecognitionError.badModel(path: path, reason: "\(error)")
        }
        return try decode(file, source: path)
    }

    /// A line finder from a decoded safetensors file; `source` names it in errors.
    public static func decode(_ file: SafeTensors, source: String) throws -> LineFinder {
        let meta = file.metadata
        guard meta["scribe.kind"] == kind else {
            throw RecognitionError.badModel(path: source, reason: "not a line-finder model (scribe.kind is \(meta["scribe.kind"].map { "\"\($0)\"" } ?? "missing"); train one with a `task: lines` configuration)")
        }
        let widths = (meta["scribe.line_finder.widths"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard widths.count == 4, widths.allSatisfy({ (1...1024).contains($0) }),
              let side = meta["scribe.line_finder.working_side"].flatMap({ Int($0) }), (64...20_000).contains(side) else {
            throw RecognitionError.badModel(path: source, reason: "scribe.line_finder.widths (four numbers) or working_side missing or out of range")
        }
        // The file must hold every value of the network its widths describe before the
        // network is built (widths alone could ask for gigabytes).
        let values = file.tensors.filter { !$0.key.hasPrefix("adam.") }.values.reduce(0) { $0 + $1.count }
        let expected = LineFinderNetwork.parameterCount(widths: widths)
        guard values == expected else {
            throw RecognitionError.badModel(path: source, reason: "the file holds \(values) network values; widths \(widths) need \(expected)")
        }
        let network = LineFinderNetwork(widths: widths)
        for (name, p) in network.namedParameters() {
            guard let t = file.tensors[name] else { throw RecognitionError.badModel(path: source, reason: "tensor \(name) is missing") }
            guard t.shape == p.value.shape else {
                throw RecognitionError.badModel(path: source, reason: "tensor \(name) has shape \(t.shape), expected \(p.value.shape)")
            }
            guard t.values.allSatisfy({ $0.isFinite }) else { throw RecognitionError.badModel(path: source, reason: "tensor \(name) holds NaN or infinite values") }
            p.value = t
        }
        var finder = LineFinder(network: network, workingSide: side)
        if let t = meta["scribe.line_finder.threshold"].flatMap({ Float($0) }), t > 0, t < 1 { finder.threshold = t }
        finder.sideways = meta["scribe.line_finder.sideways"] != "false"
        finder.metadata = meta
        return finder
    }

    /// The model file: parameters plus metadata describing the network and its use.
    public func encoded(info: [String: String] = [:], extra: [String: String] = [:]) -> SafeTensors {
        var file = SafeTensors()
        for (name, p) in network.namedParameters() { file.tensors[name] = p.value }
        file.metadata = extra
        for (k, v) in info { file.metadata["scribe.info." + k] = v }
        file.metadata["scribe.format"] = "1"
        file.metadata["scribe.kind"] = Self.kind
        file.metadata["scribe.line_finder.widths"] = network.widths.map(String.init).joined(separator: ",")
        file.metadata["scribe.line_finder.working_side"] = String(workingSide)
        file.metadata["scribe.line_finder.threshold"] = String(threshold)
        file.metadata["scribe.line_finder.sideways"] = String(sideways)
        return file
    }

    // MARK: - finding lines

    /// Line polygons and baselines in page pixels: upright lines in reading order, then
    /// sideways lines (with `sideways`) from left to right. A sideways line's baseline runs
    /// in its reading direction (up the page for a note written bottom to top).
    public func lines(in page: GrayImage) -> [LayoutLine] {
        let (work, scale) = Self.prepare(page, workingSide: workingSide)
        typealias Point = (x: Float, y: Float)
        var found: [(polygon: [Point], baseline: [Point])] = upright(work).map { ($0.polygon, $0.baseline) }
        if sideways {
            var boxes = found.map { Self.bounds($0.polygon) }
            var turned: [(polygon: [Point], baseline: [Point], left: Int)] = []
            for clockwise in [true, false] {
                // Back from the turned image to the page (see GrayImage.quarterTurned).
                let (w, h) = (Float(work.width), Float(work.height))
                let back: (Point) -> Point = clockwise ? { (x: $0.y, y: h - $0.x) } : { (x: w - $0.y, y: $0.x) }
                for line in upright(work.quarterTurned(clockwise: clockwise)) {
                    let polygon = line.polygon.map(back), box = Self.bounds(polygon)
                    // Sideways lines are taller than wide, and not where an upright line is.
                    guard box.height > box.width, !boxes.contains(where: { Self.overlap($0, box) > 0.3 }) else { continue }
                    boxes.append(box)
                    turned.append((polygon, line.baseline.map(back), box.x0))
                }
            }
            found += turned.sorted { $0.left < $1.left }.map { ($0.polygon, $0.baseline) }
        }
        return found.enumerated().map { i, line in
            var out = LayoutLine(id: "line_\(i)", polygon: line.polygon.map { Self.point($0, scale, page) })
            out.baseline = line.baseline.map { Self.point($0, scale, page) }
            return out
        }
    }

    /// Upright lines of a prepared page, in working pixels, in reading order.
    func upright(_ work: GrayImage) -> [(polygon: [(x: Float, y: Float)], baseline: [(x: Float, y: Float)])] {
        let unit = Float(LineFinderNetwork.stride)
        return LinePostprocessor(maps: probabilities(work), threshold: threshold).lines().map { line in
            (line.polygon.map { ($0.x * unit, $0.y * unit) }, line.baseline.map { ($0.x * unit, $0.y * unit) })
        }
    }

    static func bounds(_ points: [(x: Float, y: Float)]) -> Box {
        Box(x0: Int(points.map(\.x).min() ?? 0), y0: Int(points.map(\.y).min() ?? 0),
            x1: Int((points.map(\.x).max() ?? 0).rounded(.up)), y1: Int((points.map(\.y).max() ?? 0).rounded(.up)))
    }

    /// Intersection over the smaller box's area.
    static func overlap(_ a: Box, _ b: Box) -> Double {
        let w = min(a.x1, b.x1) - max(a.x0, b.x0), h = min(a.y1, b.y1) - max(a.y0, b.y0)
        guard w > 0, h > 0 else { return 0 }
        return Double(w * h) / Double(max(1, min(a.area, b.area)))
    }

    static func point(_ p: (x: Float, y: Float), _ factor: Float, _ page: GrayImage) -> (x: Int, y: Int) {
        (min(max(Int((p.x * factor).rounded()), 0), page.width - 1), min(max(Int((p.y * factor).rounded()), 0), page.height - 1))
    }

    /// Core and region probabilities, each (H/4) × (W/4) row-major, for a prepared page.
    public func probabilities(_ work: GrayImage) -> LineMaps {
        let g = LineFinderNetwork.granularity
        let H = (work.height + g - 1) / g * g, W = (work.width + g - 1) / g * g
        // x is (1, 1, H, W), zero (paper) beyond the page
        var x = Tensor(shape: [1, 1, H, W])
        x.withUnsafeMutableValues { px in
            for y in 0..<work.height { for c in 0..<work.width { px[y * W + c] = work.pixels[y * work.width + c] } }
        }
        let logits = network.forward(x, keepingCaches: false)
        let s = LineFinderNetwork.stride
        let (h, w) = (H / s, W / s)
        var maps = LineMaps(width: (work.width + s - 1) / s, height: (work.height + s - 1) / s)
        logits.withUnsafeValues { p in
            for y in 0..<maps.height {
                for c in 0..<maps.width {
                    maps.core[y * maps.width + c] = 1 / (1 + exp(-p[y * w + c]))
                    maps.region[y * maps.width + c] = 1 / (1 + exp(-p[h * w + y * w + c]))
                }
            }
        }
        return maps
    }

    /// The page scaled so that its longest side is `workingSide` (area averaging; never
    /// enlarged past 2×), with ink high: 0 is paper, 1 is the page's dark ink level (the
    /// 1st percentile), measured from the median (paper). Returns the image and the factor
    /// from working to page pixels.
    public static func prepare(_ page: GrayImage, workingSide: Int) -> (image: GrayImage, scale: Float) {
        let longest = max(page.width, page.height)
        let factor = min(Float(workingSide) / Float(max(longest, 1)), 2)
        let w = max(1, Int((Float(page.width) * factor).rounded())), h = max(1, Int((Float(page.height) * factor).rounded()))
        var image = (w == page.width && h == page.height) ? page : page.resized(width: w, height: h)
        var histogram = [Int](repeating: 0, count: 256)
        for v in image.pixels { histogram[min(max(Int(v * 255), 0), 255)] += 1 }
        func percentile(_ q: Double) -> Float {
            let target = Int(Double(image.pixels.count) * q)
            var sum = 0
            for (i, n) in histogram.enumerated() { sum += n; if sum > target { return Float(i) / 255 } }
            return 1
        }
        let paper = percentile(0.5), ink = percentile(0.01)
        let range = max(paper - ink, 0.1)
        for i in image.pixels.indices { image.pixels[i] = min(max((paper - image.pixels[i]) / range, 0), 1.5) }
        return (image, Float(page.width) / Float(w))
    }
}

/// The network's two output maps for one page, on the 4 × 4 cell grid.
public struct LineMaps: Sendable {
    public let width: Int, height: Int
    /// Probability that a cell lies on a line's core (between baseline and x-height).
    public var core: [Float]
    /// Probability that a cell lies inside a line's polygon.
    public var region: [Float]

    public init(width: Int, height: Int) {
        self.width = width; self.height = height
        core = [Float](repeating: 0, count: width * height)
        region = core
    }
}
