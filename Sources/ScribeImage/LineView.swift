import Foundation

/// A fixed distortion of a normalized line, read beside the line itself at recognition time
/// (test-time augmentation): the network reads the line once as normalized and once per
/// view, and an ensemble decoder combines the readings. Each view is a deterministic
/// counterpart of a training augmentation, so the network has seen such lines.
///
/// Written as a spec of letter-number parts in any order, e.g. `x0.9`, `s-8`, `x1.1b1`:
/// - `x<factor>`: width scaled by the factor (0.5...2), height kept;
/// - `y<factor>`: the writing scaled vertically about the middle row (0.5...1.5), height kept;
/// - `s<degrees>`: sheared so that a stroke leaning by `degrees` (−45...45) stands upright
///   (positive: a right lean is straightened; the line widens to fit);
/// - `b<n>`: strokes made bolder by `n` 3×3 minimum filters (1...2), or thinner by −n 3×3
///   maximum filters (−2...−1), each skipped where it would erase strokes (as the training
///   augmentation's thinning is).
public struct LineView: Equatable, Sendable, CustomStringConvertible {
    /// Width factor.
    public var widthScale: Double = 1
    /// Vertical factor of the writing.
    public var heightScale: Double = 1
    /// Shear in degrees.
    public var shearDegrees: Double = 0
    /// Stroke change: positive bolder, negative thinner (3×3 filters applied).
    public var stroke: Int = 0

    public init() {}

    /// Parses a view spec (see the type's documentation).
    public init(spec: String) throws {
        let text = spec.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw LineViewError(spec: spec, reason: "it is empty") }
        var seen = Set<Character>()
        var rest = Substring(text)
        while let letter = rest.first {
            rest = rest.dropFirst()
            let number = rest.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }
            rest = rest.dropFirst(number.count)
            guard let value = Double(number) else {
                throw LineViewError(spec: spec, reason: "'\(letter)' must be followed by a number")
            }
            guard seen.insert(letter).inserted else { throw LineViewError(spec: spec, reason: "'\(letter)' is given twice") }
            switch letter {
            case "x":
                guard (0.5...2).contains(value) else { throw LineViewError(spec: spec, reason: "the width factor must be within 0.5...2") }
                widthScale = value
            case "y":
                guard (0.5...1.5).contains(value) else { throw LineViewError(spec: spec, reason: "the height factor must be within 0.5...1.5") }
                heightScale = value
            case "s":
                guard (-45...45).contains(value) else { throw LineViewError(spec: spec, reason: "the shear must be within −45...45 degrees") }
                shearDegrees = value
            case "b":
                guard value == value.rounded(), (-2...2).contains(value), value != 0 else {
                    throw LineViewError(spec: spec, reason: "the stroke change must be −2, −1, 1 or 2")
                }
                stroke = Int(value)
            default:
                throw LineViewError(spec: spec, reason: "'\(letter)' is not one of x (width), y (height), s (shear) or b (stroke)")
            }
        }
    }

    /// The spec this view parses from.
    public var description: String {
        var parts: [String] = []
        func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
        if widthScale != 1 { parts.append("x" + number(widthScale)) }
        if heightScale != 1 { parts.append("y" + number(heightScale)) }
        if shearDegrees != 0 { parts.append("s" + number(shearDegrees)) }
        if stroke != 0 { parts.append("b\(stroke)") }
        return parts.isEmpty ? "x1" : parts.joined()
    }

    /// The distorted line (same height; 0 = ink, 1 = paper).
    public func apply(_ line: GrayImage) -> GrayImage {
        var image = line
        if shearDegrees != 0 { image = Geometry.sheared(image, degrees: shearDegrees) }
        if heightScale != 1 { image = Self.scaledVertically(image, by: heightScale) }
        if widthScale != 1 {
            image = image.resized(width: max(1, Int((Double(image.width) * widthScale).rounded())), height: image.height)
        }
        for _ in 0..<abs(stroke) {
            image = stroke > 0 ? LineAugmentation.filter3x3(image, pick: min) : LineAugmentation.thinned(image, keep: LineAugmentation().thinKeep)
        }
        return image
    }

    /// `image` with its rows scaled by `factor` about the middle row, paper where nothing lands.
    static func scaledVertically(_ image: GrayImage, by factor: Double) -> GrayImage {
        var out = GrayImage(width: image.width, height: image.height)
        let cy = Float(image.height) / 2, f = Float(factor)
        for y in 0..<image.height {
            let source = (Float(y) + 0.5 - cy) / f + cy - 0.5
            for x in 0..<image.width { out[x, y] = image.sample(x: Float(x), y: source, outside: 1) }
        }
        return out
    }
}

/// A view spec that does not parse.
public struct LineViewError: Error, CustomStringConvertible, Equatable {
    public let spec: String
    public let reason: String
    public var description: String {
        "view \"\(spec)\" is not valid: \(reason). A view is letter-number parts such as x0.9 (width), y0.9 (height), s5 (shear, degrees) or b1 (bolder strokes; b-1 thinner)."
    }
}
