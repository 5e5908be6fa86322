/// Removes uneven illumination and paper tone, as ocropy's `nlbin` does: estimate the
/// paper brightness with a local maximum over a large window (ink is darker than paper),
/// then subtract it, so paper becomes 1 everywhere and ink keeps its contrast.
public enum Flatten {
    /// The flattened image `clamp(image − background + 1)` where `background` is a local
    /// maximum over about `window` pixels, computed on a 4× smaller copy and smoothed.
    public static func apply(_ image: GrayImage, window: Int) -> GrayImage {
        let factor = 4
        let sw = max(1, image.width / factor), sh = max(1, image.height / factor)
        let small = image.resized(width: sw, height: sh)
        let radius = max(1, window / factor / 2)
        var bg = maxFilter(small, radius: radius)
        bg = boxBlur(bg, radius: radius)
        var out = image
        let sx = Float(sw) / Float(image.width), sy = Float(sh) / Float(image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let b = bg.sample(x: (Float(x) + 0.5) * sx - 0.5, y: (Float(y) + 0.5) * sy - 0.5,
                                  outside: bg[min(x / factor, sw - 1), min(y / factor, sh - 1)])
                out[x, y] = min(max(image[x, y] - b + 1, 0), 1)
            }
        }
        return out
    }

    /// Separable maximum filter over a `(2r+1)²` square.
    static func maxFilter(_ image: GrayImage, radius r: Int) -> GrayImage {
        separable(image, radius: r) { window in window.max() ?? 0 }
    }

    /// Separable mean filter over a `(2r+1)²` square.
    static func boxBlur(_ image: GrayImage, radius r: Int) -> GrayImage {
        separable(image, radius: r) { window in window.reduce(0, +) / Float(window.count) }
    }

    private static func separable(_ image: GrayImage, radius r: Int, _ reduce: (ArraySlice<Float>) -> Float) -> GrayImage {
        let w = image.width, h = image.height
        var tmp = image
        for y in 0..<h {
            let row = image.pixels[(y * w)..<((y + 1) * w)]
            for x in 0..<w { tmp.pixels[y * w + x] = reduce(row[(y * w + max(0, x - r))...(y * w + min(w - 1, x + r))]) }
        }
        var out = tmp
        var column = [Float](repeating: 0, count: h)
        for x in 0..<w {
            for y in 0..<h { column[y] = tmp.pixels[y * w + x] }
            for y in 0..<h { out.pixels[y * w + x] = reduce(column[max(0, y - r)...min(h - 1, y + r)]) }
        }
        return out
    }
}
