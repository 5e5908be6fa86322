/// Where the sliding window stands along a normalized line: frame `t` covers columns
/// `t·stride ..< t·stride + width`, with the line padded by `width / 2` white columns on
/// each side so that frame `t` is centred on column `t·stride` (the same convention as the
/// audio front end's centred frames).
public struct WindowGeometry: Codable, Equatable, Sendable {
    /// Window width in pixels.
    public var width: Int
    /// Step between windows in pixels.
    public var stride: Int

    public init(width: Int = 16, stride: Int = 4) {
        precondition(width >= 1 && stride >= 1, "window width and stride must be positive")
        self.width = width
        self.stride = stride
    }

    /// Number of frames for a line `lineWidth` pixels wide: `1 + lineWidth / stride`... as for
    /// centred audio frames, `1 + (lineWidth + 2·(width/2) − width) / stride`.
    public func frameCount(lineWidth: Int) -> Int {
        let padded = lineWidth + 2 * (width / 2)
        return padded < width ? 0 : 1 + (padded - width) / stride
    }

    /// Columns of frame `t` in line coordinates (may extend past the line's edges into the padding).
    public func columns(ofFrame t: Int) -> Range<Int> {
        let start = t * stride - width / 2
        return start..<(start + width)
    }
}
