/// Robust black and white points, as ocropy's `nlbin` chooses them.
public enum Contrast {
    /// The black point of lines with sparse ink: the darkest 0.5% of the pixels.
    public static let sparseInkQuantile: Float = 0.005

    /// The `q`-quantile (0...1) of `values`, from a 1024-bin histogram of [0, 1].
    public static func percentile(_ values: [Float], _ q: Float) -> Float {
        quantiles(values, [q])[0]
    }

    /// Stretches values so the `lo` quantile maps to 0 (ink) and the `hi` quantile to 1
    /// (paper), clipping outside. Leaves a flat image unchanged.
    ///
    /// With `skipMaskedWhite`, pure white pixels are left out of the quantiles when they are
    /// not the majority: line crops masked by their polygon (kraken, eScriptorium, this
    /// corpus's own crops) carry a white surround that is not paper, and would otherwise
    /// keep the real paper gray.
    ///
    /// Where ink covers less than `lo` of the pixels (a few thin digits on a wide strip),
    /// the `lo` quantile is paper, and stretching it to black turns the paper's noise and
    /// shading into dark speckle that also defeats cropping to the ink. So when that quantile
    /// lies nearer the white point than the darkest `sparseInkQuantile` does, and `sparseInk`
    /// is on, the black point is taken from that darkest quantile instead.
    public static func normalize(_ image: GrayImage, lo: Float = 0.05, hi: Float = 0.9, sparseInk: Bool = true,
                                 skipMaskedWhite: Bool = false) -> GrayImage {
        let unmasked = skipMaskedWhite ? image.pixels.filter { $0 < 0.999 } : []
        let sample = unmasked.count * 2 > image.pixels.count ? unmasked : image.pixels
        let q = quantiles(sample, [sparseInkQuantile, lo, hi])
        let (darkest, white) = (q[0], q[2])
        let black = sparseInk && q[1] > (darkest + white) / 2 ? darkest : q[1]
        guard white - black > 1e-3 else { return image }
        let scale = 1 / (white - black)
        return GrayImage(width: image.width, height: image.height,
                         pixels: image.pixels.map { min(max(($0 - black) * scale, 0), 1) })
    }

    /// The quantiles `qs` (each in 0...1) of `values` from one 1024-bin histogram of [0, 1].
    static func quantiles(_ values: [Float], _ qs: [Float]) -> [Float] {
        var histogram = [Int](repeating: 0, count: 1024)
        for v in values { histogram[Int(min(max(v, 0), 1) * 1023)] += 1 }
        return qs.map { q in
            let target = Int(Float(values.count - 1) * min(max(q, 0), 1))
            var seen = 0
            for (i, n) in histogram.enumerated() {
                seen += n
                if seen > target { return Float(i) / 1023 }
            }
            return 1
        }
    }
}
