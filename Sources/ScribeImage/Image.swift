/// An 8-bit image, row-major, top row first, with 1 (gray) or 3 (RGB) channels per pixel.
public struct Image8: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 1 for gray, 3 for RGB.
    public let channels: Int
    /// `height * width * channels` bytes.
    public var pixels: [UInt8]

    /// Creates an image filled with `value` in every channel.
    public init(width: Int, height: Int, channels: Int, fill value: UInt8 = 0) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3), "invalid image shape")
        self.width = width
        self.height = height
        self.channels = channels
        pixels = [UInt8](repeating: value, count: width * height * channels)
    }

    /// Sets the pixel at (`x`, `y`) to `rgb` (gray images take the first component).
    public mutating func set(x: Int, y: Int, _ rgb: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * channels
        if channels == 1 { pixels[i] = rgb.r } else { pixels[i] = rgb.r; pixels[i + 1] = rgb.g; pixels[i + 2] = rgb.b }
    }

    /// The pixel at (`x`, `y`).
    public func get(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * channels
        return channels == 1 ? RGB(pixels[i], pixels[i], pixels[i]) : RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Fills the rectangle `x0..<x1`, `y0..<y1` (clipped to the image).
    public mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ rgb: RGB) {
        let cx0 = max(0, x0), cx1 = min(width, x1), cy0 = max(0, y0), cy1 = min(height, y1)
        guard cx0 < cx1, cy0 < cy1 else { return }
        for y in cy0..<cy1 {
            for x in cx0..<cx1 { set(x: x, y: y, rgb) }
        }
    }
}

/// An 8-bit RGB colour.
public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}
