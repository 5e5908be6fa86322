/// A grayscale image of `Float` values, row-major, top row first: 0 is black ink, 1 white paper.
///
/// Line normalization and page segmentation work on this type.
public struct GrayImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `height * width` values in [0, 1].
    public var pixels: [Float]

    /// An image filled with `value` (white by default).
    public init(width: Int, height: Int, fill value: Float = 1) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        self.width = width
        self.height = height
        pixels = [Float](repeating: value, count: width * height)
    }

    /// Wraps existing row-major values.
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Converts an 8-bit image (RGB is averaged with Rec. 601 luma weights).
    public init(_ image: Image8) {
        width = image.width
        height = image.height
        if image.channels == 1 {
            pixels = image.pixels.map { Float($0) / 255 }
        } else {
            pixels = (0..<(image.width * image.height)).map { i in
                let p = image.pixels
                return (0.299 * Float(p[3 * i]) + 0.587 * Float(p[3 * i + 1]) + 0.114 * Float(p[3 * i + 2])) / 255
            }
        }
    }

    /// The value at (`x`, `y`).
    @inline(__always)
    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Bilinear sample at a fractional position; outside the image reads `outside`.
    @inline(__always)
    public func sample(x: Float, y: Float, outside: Float = 1) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        func at(_ xx: Int, _ yy: Int) -> Float {
            xx >= 0 && yy >= 0 && xx < width && yy < height ? pixels[yy * width + xx] : outside
        }
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// The 8-bit gray version (values clamped to [0, 1]).
    public var image8: Image8 {
        var out = Image8(width: width, height: height, channels: 1)
        for i in pixels.indices { out.pixels[i] = UInt8((min(max(pixels[i], 0), 1) * 255).rounded()) }
        return out
    }

    /// The rectangle `x0..<x1`, `y0..<y1`, clipped to the image (at least 1 × 1).
    public func cropped(x0: Int, y0: Int, x1: Int, y1: Int) -> GrayImage {
        let cx0 = min(max(x0, 0), width - 1), cy0 = min(max(y0, 0), height - 1)
        let cx1 = max(min(x1, width), cx0 + 1), cy1 = max(min(y1, height), cy0 + 1)
        var out = GrayImage(width: cx1 - cx0, height: cy1 - cy0)
        for y in cy0..<cy1 {
            for x in cx0..<cx1 { out[x - cx0, y - cy0] = self[x, y] }
        }
        return out
    }

    /// Resized to `newWidth × newHeight`: area averaging when shrinking, bilinear when enlarging.
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        var out = GrayImage(width: newWidth, height: newHeight)
        let sx = Float(width) / Float(newWidth), sy = Float(height) / Float(newHeight)
        for y in 0..<newHeight {
            for x in 0..<newWidth {
                if sx > 1 || sy > 1 {
                    // Average the source pixels whose centres fall in this pixel's footprint.
                    let xa = Int(Float(x) * sx), xb = max(xa + 1, Int(Float(x + 1) * sx))
                    let ya = Int(Float(y) * sy), yb = max(ya + 1, Int(Float(y + 1) * sy))
                    var sum: Float = 0
                    for yy in ya..<min(yb, height) { for xx in xa..<min(xb, width) { sum += self[xx, yy] } }
                    out[x, y] = sum / Float((min(yb, height) - ya) * (min(xb, width) - xa))
                } else {
                    out[x, y] = sample(x: (Float(x) + 0.5) * sx - 0.5, y: (Float(y) + 0.5) * sy - 0.5, outside: self[min(max(x, 0), width - 1), min(max(y, 0), height - 1)])
                }
            }
        }
        return out
    }
}

extension GrayImage {
    /// The image turned a quarter: clockwise (the top row becomes the right column) or
    /// counterclockwise. A point (x, y) of the turned image (continuous coordinates, pixel k
    /// spanning [k, k + 1)) is (y, height − x) of this one when clockwise, (width − y, x)
    /// when not.
    public func quarterTurned(clockwise: Bool) -> GrayImage {
        var out = GrayImage(width: height, height: width)
        for y in 0..<out.height {
            for x in 0..<out.width {
                out.pixels[y * out.width + x] = clockwise ? pixels[(height - 1 - x) * width + y] : pixels[x * width + (width - 1 - y)]
            }
        }
        return out
    }
}
