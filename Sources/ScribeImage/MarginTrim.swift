import Foundation

/// Cuts margins of paper wider than the ones a line model was trained with.
///
/// A line cropped loosely (a scan cut by hand, a strip with room around the text) carries
/// much more paper than the tight crops of a training corpus. Normalization estimates its
/// black point from the darkest 5% of the pixels; with the ink under 5% of a wide strip that
/// quantile is paper, stretching it to black turns the paper's grain into speckle, and the
/// crop to the ink then keeps the whole strip, shrinking the text. On 300 validation digit
/// lines given 40 px more of their own paper (level, gradient and grain) on every side, the
/// five shipped digit networks went from 0.49% to 53% CER (100 px: 92%).
///
/// The trim finds the text (see `textBox`) and cuts each side whose margin is wider than
/// `above` times the text's height to `to` times it, before anything else. The defaults,
/// 0.5 and 0.2, were chosen on those lines (CER 0.82% at 40 px, 1.26% at 100 px) and on
/// the validation split as it is (the five: 30 errors with the trim, 31 without).
/// `scripts/digit-strings-analysis margins` measures it.
public struct MarginTrim: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Margins wider than this many text heights are cut.
    public var above: Double
    /// What a cut margin keeps, in text heights.
    public var to: Double

    public init(above: Double = 0.5, to: Double = 0.2) {
        self.above = above
        self.to = to
    }

    /// Parses text of the form `ABOVE,TO` (e.g. `0.5,0.2`), as options and configurations write it.
    public init?(_ text: String) {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let above = parts[0], let to = parts[1], to >= 0, above >= to, above <= 100 else { return nil }
        self.init(above: above, to: to)
    }

    public var description: String { String(format: "%g,%g", above, to) }

    /// What an option or setting written `ABOVE,TO` or `off` asks for: `.some(nil)` for off,
    /// nil when the text is neither.
    public static func setting(_ text: String) -> MarginTrim?? {
        text == "off" ? .some(nil) : MarginTrim(text).map { .some($0) }
    }

    /// Why `text` is not a margin trim, for error messages.
    public static func invalid(_ text: String) -> String {
        "\"\(text)\" is not ABOVE,TO in text heights with 0 ≤ TO ≤ ABOVE ≤ 100 (e.g. 0.5,0.2), nor off"
    }

    /// The region of `image` (dark ink on light paper) to keep, or nil when nothing is cut
    /// (margins within `above`, or no ink found).
    public func region(of image: GrayImage) -> Box? {
        guard let text = Self.textBox(image) else { return nil }
        let h = Double(text.height)
        func kept(_ room: Int) -> Int { Double(room) > above * h ? Int((to * h).rounded(.up)) : room }
        let box = Box(x0: text.x0 - kept(text.x0), y0: text.y0 - kept(text.y0),
                      x1: text.x1 + kept(image.width - text.x1), y1: text.y1 + kept(image.height - text.y1))
        return box == Box(x0: 0, y0: 0, x1: image.width, y1: image.height) ? nil : box
    }

    /// The box of the text in `image`. The paper is modelled as a plane of brightness (even
    /// lighting, or a gradient across the strip) fitted to a 3×3 box blur of the image by
    /// least squares: first over its brighter half, then three times over the pixels no
    /// darker than 2.5 deviations of the grain below the last fit (the ink drops out; the
    /// grain's deviation is measured above the plane, where no ink is). Pure white stays in:
    /// paper bright enough to clip is paper, and a polygon mask's white surround at worst
    /// makes the paper inside it count as text, which keeps the crop whole. Text is where
    /// the blur lies under the plane by more than 30% of the ink's depth (the 99.9% quantile
    /// of how far pixels lie below it). Not half: the blur pales thin, light strokes (a lone
    /// 1 at the end of a digit line), and at half 2 of 1,000 validation digit lines lost such
    /// a digit to the trim. Nil when the ink lies less than 0.1 below the paper.
    static func textBox(_ image: GrayImage) -> Box? {
        let (w, h) = (image.width, image.height)
        guard w >= 3, h >= 3 else { return nil }
        let blurred = boxBlur3(image)
        // The brighter half is paper on any line with less ink than paper: the first fit.
        let median = Contrast.quantiles(blurred, [0.5])[0]
        var plane = PaperPlane(fitting: blurred, width: w, where: blurred.map { $0 >= median })
        for _ in 0..<3 {
            guard let fit = plane else { return nil }
            let residual = fit.residuals(blurred, width: w)
            // Ink lies only below the paper: the grain's deviation comes from the pixels above.
            let spread = max(1.4826 * Contrast.quantiles(residual.filter { $0 > 0 }, [0.5])[0], 0.002)
            plane = PaperPlane(fitting: blurred, width: w, where: residual.map { $0 > -2.5 * spread })
        }
        guard let fit = plane else { return nil }
        let depth = fit.residuals(blurred, width: w).map { max(0, -$0) }
        let ink = Contrast.quantiles(depth, [0.999])[0]
        guard ink >= 0.1 else { return nil }
        var (x0, y0, x1, y1) = (w, h, 0, 0)
        for y in 0..<h {
            for x in 0..<w where depth[y * w + x] > 0.3 * ink {
                (x0, y0, x1, y1) = (min(x0, x), min(y0, y), max(x1, x + 1), max(y1, y + 1))
            }
        }
        return x1 > x0 ? Box(x0: x0, y0: y0, x1: x1, y1: y1) : nil
    }

    /// The mean of each pixel's 3×3 neighbourhood, edges repeated; row-major like `pixels`.
    static func boxBlur3(_ image: GrayImage) -> [Float] {
        let (w, h) = (image.width, image.height)
        var rows = [Float](repeating: 0, count: w * h)   // horizontal sums of three
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let r = y * w
                for x in 0..<w { rows[r + x] = p[r + max(x - 1, 0)] + p[r + x] + p[r + min(x + 1, w - 1)] }
            }
        }
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let (up, down) = (max(y - 1, 0) * w, min(y + 1, h - 1) * w)
            for x in 0..<w { out[y * w + x] = (rows[up + x] + rows[y * w + x] + rows[down + x]) / 9 }
        }
        return out
    }
}

/// Brightness a + b·x + c·y, fitted by least squares.
struct PaperPlane {
    let a: Double, b: Double, c: Double

    /// The fit to `values` (row-major, `width` wide) where `include` is true; nil for fewer
    /// than ten such pixels or a degenerate system.
    init?(fitting values: [Float], width: Int, where include: [Bool]) {
        // Normal equations of [1 x y]; x and y in units of the image's width for conditioning.
        var (n, sx, sy, sxx, sxy, syy, sv, sxv, syv) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        let unit = Double(max(width, 1))
        for i in values.indices where include[i] {
            let (x, y, v) = (Double(i % width) / unit, Double(i / width) / unit, Double(values[i]))
            n += 1; sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y
            sv += v; sxv += x * v; syv += y * v
        }
        guard n >= 10, let s = Self.solve3([n, sx, sy, sx, sxx, sxy, sy, sxy, syy], [sv, sxv, syv]) else { return nil }
        (a, b, c) = (s[0], s[1] / unit, s[2] / unit)
    }

    func at(_ x: Int, _ y: Int) -> Float { Float(a + b * Double(x) + c * Double(y)) }

    /// `values` (row-major, `width` wide) minus the plane, pixel by pixel.
    func residuals(_ values: [Float], width: Int) -> [Float] {
        values.indices.map { values[$0] - at($0 % width, $0 / width) }
    }

    /// x with m·x = r (m row-major 3×3), by Cramer's rule; nil when m is singular.
    static func solve3(_ m: [Double], _ r: [Double]) -> [Double]? {
        func det(_ q: [Double]) -> Double {
            q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6]) + q[2] * (q[3] * q[7] - q[4] * q[6])
        }
        let d = det(m)
        guard abs(d) > 1e-12 * max(1, m.map(abs).max()!) else { return nil }
        return (0..<3).map { col in
            var q = m
            for row in 0..<3 { q[row * 3 + col] = r[row] }
            return det(q) / d
        }
    }
}
