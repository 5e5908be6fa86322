import Foundation

/// The steps that turn a cropped text-line scan into the fixed-height image the recognizer
/// reads. Stored in the model's configuration so training and recognition agree; every
/// step can be switched off.
public struct LineNormalization: Codable, Equatable, Sendable {
    /// Output height in pixels; the width follows the aspect ratio.
    public var height: Int = 48
    /// Invert white-on-dark lines (detected from the median brightness).
    public var detectInversion = true
    /// Stretch the 5th percentile to black and the 90th to white (ocropy's choice).
    public var contrast = true
    /// When ink covers under 5% of the line, take the black point from the darkest 0.5%
    /// instead (see `Contrast.normalize`). Model files written before this setting existed
    /// decode it as false, so they keep reading lines as they were trained.
    public var sparseInk = true
    /// Optional binarization after contrast normalization.
    public var binarization: Binarization? = nil
    /// Rotate by the angle, within ±`maxSkewDegrees`, that makes the ink rows sharpest.
    public var deskew = true
    /// Largest skew searched, in degrees.
    public var maxSkewDegrees: Double = 5
    /// Shear so strokes stand upright, searched within ±`maxSlantDegrees`.
    public var slant = false
    /// Largest slant searched, in degrees.
    public var maxSlantDegrees: Double = 30
    /// Straighten the line along its ink's centre curve and scale by the ink's spread around
    /// it instead of by its bounding box (`CenterLine`). Off in model files written before it.
    public var dewarp = false
    /// With `dewarp`, the band kept around the centre curve, in mean absolute deviations of
    /// the ink from it (ocropy's 4).
    public var dewarpRange: Double = 4
    /// Crop to the ink, keeping this margin in source pixels.
    public var crop = true
    /// Margin kept around the ink when cropping.
    public var margin = 4
    /// Cut margins much wider than the training lines' before anything else (after
    /// inversion); nil leaves the line whole. Off in model files written before it.
    public var trimMargins: MarginTrim? = nil

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case height, detectInversion, contrast, sparseInk, binarization, deskew, maxSkewDegrees, slant, maxSlantDegrees, dewarp, dewarpRange, crop, margin,
             trimMargins
    }

    /// A model file without `sparseInk` predates it: it decodes as off.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        height = try c.decode(Int.self, forKey: .height)
        detectInversion = try c.decode(Bool.self, forKey: .detectInversion)
        contrast = try c.decode(Bool.self, forKey: .contrast)
        sparseInk = try c.decodeIfPresent(Bool.self, forKey: .sparseInk) ?? false
        binarization = try c.decodeIfPresent(Binarization.self, forKey: .binarization)
        deskew = try c.decode(Bool.self, forKey: .deskew)
        maxSkewDegrees = try c.decode(Double.self, forKey: .maxSkewDegrees)
        slant = try c.decode(Bool.self, forKey: .slant)
        maxSlantDegrees = try c.decode(Double.self, forKey: .maxSlantDegrees)
        dewarp = try c.decodeIfPresent(Bool.self, forKey: .dewarp) ?? false
        dewarpRange = try c.decodeIfPresent(Double.self, forKey: .dewarpRange) ?? 4
        crop = try c.decode(Bool.self, forKey: .crop)
        margin = try c.decode(Int.self, forKey: .margin)
        trimMargins = try c.decodeIfPresent(MarginTrim.self, forKey: .trimMargins)
    }

    /// `sparseInk`, `dewarp` and `trimMargins` are written only when on, so a configuration without them
    /// encodes exactly as before the settings existed and checkpoints of such runs still resume.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(height, forKey: .height)
        try c.encode(detectInversion, forKey: .detectInversion)
        try c.encode(contrast, forKey: .contrast)
        if sparseInk { try c.encode(true, forKey: .sparseInk) }
        try c.encodeIfPresent(binarization, forKey: .binarization)
        try c.encode(deskew, forKey: .deskew)
        try c.encode(maxSkewDegrees, forKey: .maxSkewDegrees)
        try c.encode(slant, forKey: .slant)
        try c.encode(maxSlantDegrees, forKey: .maxSlantDegrees)
        if dewarp {
            try c.encode(true, forKey: .dewarp)
            try c.encode(dewarpRange, forKey: .dewarpRange)
        }
        try c.encode(crop, forKey: .crop)
        try c.encode(margin, forKey: .margin)
        try c.encodeIfPresent(trimMargins, forKey: .trimMargins)
    }
}

/// What normalization did to one line, for reports and pictures.
public struct NormalizationReport: Equatable, Sendable {
    /// Whether the line was inverted.
    public var inverted = false
    /// The region the margin trim kept, in the input's pixels (nil: nothing was cut). The
    /// other boxes are within it.
    public var trimmed: Box?
    /// Rotation applied, in degrees (counter-clockwise positive).
    public var skewDegrees: Double = 0
    /// Shear applied, in degrees.
    public var slantDegrees: Double = 0
    /// The ink box in the deskewed source, before scaling (with dewarping, the kept columns
    /// and the band's rows: its height is what was scaled to the output height).
    public var inkBox: Box?
    /// With dewarping, the band's half height in source rows (nil for a line without ink).
    public var bandHalfHeight: Int?

    public init() {}
}

/// Applies a `LineNormalization` to line images. Deterministic: the same input gives the same output.
public struct LineNormalizer: Sendable {
    public let settings: LineNormalization

    public init(_ settings: LineNormalization = LineNormalization()) { self.settings = settings }

    /// The normalized line (0 = ink, 1 = paper, `settings.height` rows) and what was done.
    public func normalize(_ input: GrayImage) -> (image: GrayImage, report: NormalizationReport) {
        var image = input
        var report = NormalizationReport()
        if settings.detectInversion, Contrast.percentile(image.pixels, 0.5) < 0.5 {
            image.pixels = image.pixels.map { 1 - $0 }
            report.inverted = true
        }
        if let trim = settings.trimMargins, let region = trim.region(of: image) {
            report.trimmed = region
            image = image.cropped(x0: region.x0, y0: region.y0, x1: region.x1, y1: region.y1)
        }
        if settings.contrast { image = Contrast.normalize(image, sparseInk: settings.sparseInk, skipMaskedWhite: true) }
        if let method = settings.binarization { image = method.apply(image) }
        if settings.deskew {
            report.skewDegrees = Geometry.bestSkew(image, maxDegrees: settings.maxSkewDegrees)
            if report.skewDegrees != 0 { image = Geometry.rotated(image, degrees: report.skewDegrees) }
        }
        if settings.slant {
            report.slantDegrees = Geometry.bestSlant(image, maxDegrees: settings.maxSlantDegrees)
            if report.slantDegrees != 0 { image = Geometry.sheared(image, degrees: report.slantDegrees) }
        }
        if settings.dewarp, let (center, halfHeight) = CenterLine.estimate(image, range: settings.dewarpRange) {
            report.bandHalfHeight = halfHeight
            image = CenterLine.dewarped(image, center: center, halfHeight: halfHeight)
            var box = Box(x0: 0, y0: 0, x1: image.width, y1: image.height)
            if settings.crop, let ink = Geometry.inkBox(image, margin: settings.margin) {
                // Only the columns: the band already sets the rows.
                box = Box(x0: ink.x0, y0: 0, x1: ink.x1, y1: image.height)
                image = image.cropped(x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1)
            }
            report.inkBox = box
        } else if settings.crop, let box = Geometry.inkBox(image, margin: settings.margin) {
            report.inkBox = box
            image = image.cropped(x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1)
        }
        let width = max(1, Int((Double(image.width) * Double(settings.height) / Double(image.height)).rounded()))
        return (image.resized(width: width, height: settings.height), report)
    }
}

/// Skew, slant and ink-box estimation on gray images (0 = ink).
public enum Geometry {
    /// Ink pixels (darker than 0.5) as (x, y, weight) relative to the centre, subsampled to at most ~20,000.
    static func inkPoints(_ image: GrayImage) -> [(x: Float, y: Float, w: Float)] {
        let stride = inkSamplingStride(image)
        let cx = Float(image.width) / 2, cy = Float(image.height) / 2
        var points: [(Float, Float, Float)] = []
        for y in Swift.stride(from: 0, to: image.height, by: stride) {
            for x in Swift.stride(from: 0, to: image.width, by: stride) where image[x, y] < 0.5 {
                points.append((Float(x) - cx, Float(y) - cy, 1 - image[x, y]))
            }
        }
        return points
    }

    /// The step in pixels, along both axes, at which `inkPoints` samples `image`.
    static func inkSamplingStride(_ image: GrayImage) -> Int {
        max(1, Int((Double(image.width * image.height) / 20_000).squareRoot()))
    }

    /// Sum of squared bin totals: high when the projection is concentrated (sharp rows or columns).
    static func sharpness(_ coordinates: [(Float, Float)], bins: Int, offset: Float) -> Double {
        var histogram = [Double](repeating: 0, count: bins)
        for (c, w) in coordinates {
            let i = Int(c + offset)
            if i >= 0 && i < bins { histogram[i] += Double(w) }
        }
        return histogram.reduce(0) { $0 + $1 * $1 }
    }

    /// The rotation (degrees, steps of 0.25) within ±`maxDegrees` that makes the rows of ink sharpest.
    /// It keeps the one-pixel bins that `bestSlant` gave up (see there): the shipped line
    /// models were trained on lines deskewed this way, and a new estimate would change what
    /// they are given.
    public static func bestSkew(_ image: GrayImage, maxDegrees: Double) -> Double {
        bestAngle(image, maxDegrees: maxDegrees, step: 0.25) { points, degrees in
            let a = Float(degrees * .pi / 180), (s, c) = (sin(a), cos(a))
            // Row of each point after rotating the image by `a` counter-clockwise.
            return points.map { (-$0.x * s + $0.y * c, $0.w) }
        }
    }

    /// The shear (degrees, steps of 1) within ±`maxDegrees` that makes the columns of ink sharpest.
    /// Columns are bins as wide as the sampling step of the ink points, each point shared
    /// between its two nearest bins: with one-pixel bins, points sampled every other pixel
    /// filled only every other bin when unsheared, so on lines large enough to be subsampled
    /// 0° (or an angle whose shear moves rows by whole bins) won whatever the strokes did.
    public static func bestSlant(_ image: GrayImage, maxDegrees: Double) -> Double {
        let width = Float(inkSamplingStride(image))
        return bestAngle(image, maxDegrees: maxDegrees, step: 1, sharpness: { coordinates, bins, offset in
            spreadSharpness(coordinates, bins: bins, offset: offset, width: width)
        }) { points, degrees in
            let t = Float(tan(degrees * .pi / 180))
            return points.map { ($0.x + $0.y * t, $0.w) }
        }
    }

    /// Like `sharpness`, with bins `width` wide and each weight split linearly between the
    /// two bins nearest its coordinate.
    static func spreadSharpness(_ coordinates: [(Float, Float)], bins: Int, offset: Float, width: Float) -> Double {
        let n = Int(Float(bins) / width) + 2
        var histogram = [Double](repeating: 0, count: n)
        for (c, w) in coordinates {
            let u = (c + offset) / width
            let i = Int(u.rounded(.down))
            guard i >= 0 && i + 1 < n else { continue }
            let f = Double(u - Float(i))
            histogram[i] += Double(w) * (1 - f)
            histogram[i + 1] += Double(w) * f
        }
        return histogram.reduce(0) { $0 + $1 * $1 }
    }

    /// The angle whose projection (`project` maps ink points to weighted coordinates) is
    /// sharpest; ties go to the angle nearest zero, so a straight line stays untouched.
    static func bestAngle(_ image: GrayImage, maxDegrees: Double, step: Double,
                          sharpness: ([(Float, Float)], Int, Float) -> Double = { sharpness($0, bins: $1, offset: $2) },
                          project: ([(x: Float, y: Float, w: Float)], Double) -> [(Float, Float)]) -> Double {
        let points = inkPoints(image)
        guard points.count > 10 else { return 0 }
        let extent = Float(image.width + image.height)
        var best = (angle: 0.0, score: -1.0)
        for degrees in stride(from: -maxDegrees, through: maxDegrees, by: step) {
            let score = sharpness(project(points, degrees), Int(2 * extent), extent)
            if score > best.score + 1e-9 * score || (abs(score - best.score) <= 1e-9 * score && abs(degrees) < abs(best.angle)) {
                best = (degrees, score)
            }
        }
        return best.angle
    }

    /// `image` rotated counter-clockwise by `degrees` about its centre, same size, white outside.
    public static func rotated(_ image: GrayImage, degrees: Double) -> GrayImage {
        let a = Float(degrees * .pi / 180), (s, c) = (sin(a), cos(a))
        let cx = Float(image.width) / 2, cy = Float(image.height) / 2
        var out = GrayImage(width: image.width, height: image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                // Inverse map: the source point that lands on (x, y).
                let dx = Float(x) - cx, dy = Float(y) - cy
                out[x, y] = image.sample(x: c * dx - s * dy + cx, y: s * dx + c * dy + cy)
            }
        }
        return out
    }

    /// `image` sheared horizontally so that a stroke leaning by `degrees` stands upright; widened to fit.
    public static func sheared(_ image: GrayImage, degrees: Double) -> GrayImage {
        let t = Float(tan(degrees * .pi / 180))
        let extra = Int((abs(t) * Float(image.height)).rounded(.up))
        var out = GrayImage(width: image.width + extra, height: image.height)
        let cy = Float(image.height) / 2
        let shift = Float(extra) / 2
        for y in 0..<image.height {
            for x in 0..<out.width {
                out[x, y] = image.sample(x: Float(x) - shift - (Float(y) - cy) * t, y: Float(y))
            }
        }
        return out
    }

    /// The box of pixels darker than 0.5, widened by `margin`, or nil for an empty line.
    public static func inkBox(_ image: GrayImage, margin: Int) -> Box? {
        var box: Box?
        for y in 0..<image.height {
            for x in 0..<image.width where image[x, y] < 0.5 {
                let b = Box(x0: x, y0: y, x1: x + 1, y1: y + 1)
                box = box.map { $0.union(b) } ?? b
            }
        }
        return box.map { Box(x0: max(0, $0.x0 - margin), y0: max(0, $0.y0 - margin),
                             x1: min(image.width, $0.x1 + margin), y1: min(image.height, $0.y1 + margin)) }
    }
}
