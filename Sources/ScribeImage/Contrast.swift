/// Robust black and white points, as ocropy's `nlbin` chooses them.
public enum Contrast {
    /// The `q`-quantile (0...1) of `values`, from a 1024-bin histogram of [0, 1].
    public static func percentile(_ values: [Float], _ q: Float) -> Float {
        var histogram = [Int](repeating: 0, count: 1024)
        for v in values { histogram[Int(min(max(v, 0), 1) * 1023)] += 1 }
        let target = Int(Float(values.count - 1) * min(max(q, 0), 1))
        var seen = 0
        for (i, n) in histogram.enumerated() {
            seen += n
            if seen > target { return Float(i) / 1023 }
        }
        return 1
    }

    /// Stretches values so the `lo` quantile maps to 0 (ink) and the `hi` quantile to 1
    /// (paper), clipping outside. Leaves a flat image unchanged.
    ///
    /// With `skipMaskedWhite`, pure white pixels are left out of the quantiles when they are
    /// not the majority: line crops masked by their polygon (kraken, eScriptorium, this
    /// corpus's own crops) carry a white surround that is not paper, and would otherwise
    /// keep the real paper gray.
    public static func normalize(_ image: GrayImage, lo: Float = 0.05, hi: Float = 0.9,
                                 skipMaskedWhite: Bool = false) -> GrayImage {
        let unmasked = skipMaskedWhite ? image.pixels.filter { $0 < 0.999 } : []
        let sample = unmasked.count * 2 > image.pixels.count ? unmasked : image.pixels
        let black = percentile(sample, lo), white = percentile(sample, hi)
        guard white - black > 1e-3 else { return image }
        let scale = 1 / (white - black)
        return GrayImage(width: image.width, height: image.height,
                         pixels: image.pixels.map { min(max(($0 - black) * scale, 0), 1) })
    }
}
