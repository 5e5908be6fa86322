/// Threshold methods that turn a gray image into ink (0) and paper (1).
public enum Binarization: String, CaseIterable, Codable, Sendable {
    /// One global threshold chosen by Otsu's method (maximum between-class variance).
    case otsu
    /// A local threshold per pixel, Sauvola and Pietikäinen (2000):
    /// `T = m · (1 + k · (s / R − 1))` over a square window, with `R = 0.5` for values in [0, 1].
    case sauvola

    /// The binarized image: 0 where a pixel is ink, 1 where it is paper.
    public func apply(_ image: GrayImage, window: Int = 31, k: Float = 0.2) -> GrayImage {
        switch self {
        case .otsu:
            let t = Binarize.otsuThreshold(image.pixels)
            return GrayImage(width: image.width, height: image.height, pixels: image.pixels.map { $0 <= t ? 0 : 1 })
        case .sauvola:
            return Binarize.sauvola(image, window: window, k: k)
        }
    }
}

/// Binarization kernels.
public enum Binarize {
    /// Otsu's threshold over a 256-bin histogram of values in [0, 1]: pixels `≤` it are ink.
    public static func otsuThreshold(_ values: [Float]) -> Float {
        var histogram = [Double](repeating: 0, count: 256)
        for v in values { histogram[Int(min(max(v, 0), 1) * 255)] += 1 }
        let total = Double(values.count)
        let sumAll = (0..<256).reduce(0.0) { $0 + Double($1) * histogram[$1] }
        var weightBelow = 0.0, sumBelow = 0.0, best = -1.0, threshold = 127
        for t in 0..<256 {
            weightBelow += histogram[t]
            if weightBelow == 0 { continue }
            let weightAbove = total - weightBelow
            if weightAbove == 0 { break }
            sumBelow += Double(t) * histogram[t]
            let meanBelow = sumBelow / weightBelow, meanAbove = (sumAll - sumBelow) / weightAbove
            let between = weightBelow * weightAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if between > best { best = between; threshold = t }
        }
        return (Float(threshold) + 0.5) / 255
    }

    /// Sauvola thresholding with window sums from integral images (O(1) per pixel).
    public static func sauvola(_ image: GrayImage, window: Int, k: Float) -> GrayImage {
        let w = image.width, h = image.height, r = max(1, window / 2)
        // Integral images of values and squares, (h + 1) × (w + 1), in Double for exact sums.
        var sum = [Double](repeating: 0, count: (w + 1) * (h + 1))
        var sq = [Double](repeating: 0, count: (w + 1) * (h + 1))
        for y in 0..<h {
            var rowSum = 0.0, rowSq = 0.0
            for x in 0..<w {
                let v = Double(image.pixels[y * w + x])
                rowSum += v; rowSq += v * v
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + rowSum
                sq[(y + 1) * (w + 1) + x + 1] = sq[y * (w + 1) + x + 1] + rowSq
            }
        }
        var out = GrayImage(width: w, height: h)
        let dynamicRange = 0.5
        for y in 0..<h {
            let y0 = max(0, y - r), y1 = min(h, y + r + 1)
            for x in 0..<w {
                let x0 = max(0, x - r), x1 = min(w, x + r + 1)
                let n = Double((y1 - y0) * (x1 - x0))
                func box(_ a: [Double]) -> Double {
                    a[y1 * (w + 1) + x1] - a[y0 * (w + 1) + x1] - a[y1 * (w + 1) + x0] + a[y0 * (w + 1) + x0]
                }
                let mean = box(sum) / n
                let std = max(0, box(sq) / n - mean * mean).squareRoot()
                let t = mean * (1 + Double(k) * (std / dynamicRange - 1))
                out.pixels[y * w + x] = Double(image.pixels[y * w + x]) <= t ? 0 : 1
            }
        }
        return out
    }
}
