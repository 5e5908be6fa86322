import Foundation

/// Centre-line normalization, after ocropy's `CenterNormalizer`: the line's ink is followed
/// by a smooth centre curve, each column is shifted so that curve becomes straight, and a
/// band of ± `range` mean absolute deviations of the ink around it is kept. Wavy baselines
/// become straight, and the spread of the writing around its centre (not its tallest
/// ascender or a stray stroke) sets the band's height, so after scaling to a fixed height
/// lines' letters come out at about the same size.
public enum CenterLine {
    /// The centre row of the ink in each column (fractional, smooth along the line) and the
    /// band's half height in rows, or nil for a line without ink.
    public static func estimate(_ image: GrayImage, range: Double) -> (center: [Float], halfHeight: Int)? {
        let (w, h) = (image.width, image.height)
        guard let box = Geometry.inkBox(image, margin: 0) else { return nil }
        // Smoothing scales with the ink's height s, not the image's, so padding around a
        // line changes nothing: σ = s along the line (ocropy's h) and s/8 across it (ocropy's
        // h/2 with zero outside drew the maximum to the middle row of loosely cropped lines).
        let s = Double(box.height)
        var smoothed = image.pixels.map { 1 - $0 }                     // [h][w], ink 1
        BoxBlur.gaussian(&smoothed, width: w, height: h, sigma: s, alongRows: true)
        BoxBlur.gaussian(&smoothed, width: w, height: h, sigma: s / 8, alongRows: false)
        // Columns without ink nearby follow the whole line's profile (ocropy adds a
        // small share of a line-wide average so that their maximum is not an arbitrary row).
        var profile = [Float](repeating: 0, count: h)                  // [h]
        for y in 0..<h { for x in 0..<w { profile[y] += smoothed[y * w + x] } }
        // The best row of each column, scanned row by row (ties keep the upper row).
        var bestRow = [Int](repeating: 0, count: w)                    // [w]
        var bestValue = [Float](repeating: -.infinity, count: w)       // [w]
        for y in 0..<h {
            let bias = 1e-3 * profile[y] / Float(w)
            for x in 0..<w {
                let v = smoothed[y * w + x] + bias
                if v > bestValue[x] { (bestRow[x], bestValue[x]) = (y, v) }
            }
        }
        var center = bestRow.map(Float.init)                           // [w]
        BoxBlur.gaussian(&center, sigma: 0.3 * s, edges: .clamp)
        // Mean absolute deviation of the ink rows from the centre, each pixel weighted by how
        // far it is darker than mid-gray: faint rulings and paper texture barely count.
        var (sum, count) = (0.0, 0.0)
        for y in 0..<h {
            for x in 0..<w where 1 - image.pixels[y * w + x] > 0.5 {
                let weight = Double(1 - image.pixels[y * w + x] - 0.5)
                sum += weight * Double(abs(Float(y) - center[x])); count += weight
            }
        }
        // At most twice the image's height (more would only add paper), which also bounds
        // the dewarped image's memory whatever the range.
        let halfHeight = min(Int(1 + range * sum / count), 2 * h)
        return (center, halfHeight)
    }

    /// The line with its centre curve straightened: `2 × halfHeight` rows, the curve on the
    /// middle row, white outside the source; the width is unchanged, so columns keep their x.
    public static func dewarped(_ image: GrayImage, center: [Float], halfHeight: Int) -> GrayImage {
        precondition(center.count == image.width, "CenterLine: one centre per column")
        var out = GrayImage(width: image.width, height: 2 * halfHeight)
        for x in 0..<image.width {
            let top = center[x] - Float(halfHeight)
            for y in 0..<out.height { out[x, y] = image.sample(x: Float(x), y: top + Float(y)) }
        }
        return out
    }
}

/// Gaussian smoothing approximated by three passes of a running-sum box filter: linear in
/// the number of pixels whatever σ, where a sampled kernel of a whole line's height per
/// pixel would not be.
enum BoxBlur {
    enum Edges { case zero, clamp }

    /// Width of each of the three boxes whose repeated blur has variance σ².
    static func boxWidth(sigma: Double) -> Int {
        let w = Int((4 * sigma * sigma + 1).squareRoot().rounded())
        return w % 2 == 1 ? w : w + 1
    }

    /// Blurs `values` in place (three passes).
    static func gaussian(_ values: inout [Float], sigma: Double, edges: Edges) {
        guard values.count > 1 else { return }
        let radius = boxWidth(sigma: sigma) / 2
        guard radius > 0 else { return }
        var scratch = [Float](repeating: 0, count: values.count)
        gaussian(&values, radius: radius, edges: edges, scratch: &scratch)
    }

    /// The three passes, with a buffer as long as `values` for the passes to swap with.
    static func gaussian(_ values: inout [Float], radius: Int, edges: Edges, scratch: inout [Float]) {
        for _ in 0..<3 { box(&values, radius: radius, edges: edges, scratch: &scratch) }
    }

    /// One box pass of half width `radius`: each value becomes the mean of its neighbourhood,
    /// zero or the nearest end value outside.
    static func box(_ values: inout [Float], radius: Int, edges: Edges, scratch: inout [Float]) {
        let n = values.count
        func at(_ i: Int) -> Double {
            if i >= 0 && i < n { return Double(values[i]) }
            return edges == .zero ? 0 : Double(values[i < 0 ? 0 : n - 1])
        }
        var sum = 0.0
        for i in -radius...radius { sum += at(i) }
        let scale = 1 / Double(2 * radius + 1)
        for i in 0..<n {
            scratch[i] = Float(sum * scale)
            sum += at(i + radius + 1) - at(i - radius)
        }
        swap(&values, &scratch)
    }

    /// Blurs every row (`alongRows`) or every column of a row-major `width × height` image,
    /// zero outside.
    static func gaussian(_ pixels: inout [Float], width: Int, height: Int, sigma: Double, alongRows: Bool) {
        let (lines, length) = alongRows ? (height, width) : (width, height)
        let (lineStep, step) = alongRows ? (width, 1) : (1, width)
        let radius = boxWidth(sigma: sigma) / 2
        guard length > 1, radius > 0 else { return }
        // One line buffer and one scratch buffer for the whole image, not one per line.
        var line = [Float](repeating: 0, count: length)
        var scratch = [Float](repeating: 0, count: length)
        for l in 0..<lines {
            for i in 0..<length { line[i] = pixels[l * lineStep + i * step] }
            gaussian(&line, radius: radius, edges: .zero, scratch: &scratch)
            for i in 0..<length { pixels[l * lineStep + i * step] = line[i] }
        }
    }
}
