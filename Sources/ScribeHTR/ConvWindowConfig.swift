import ScribeImage

/// One convolutional block of the line encoder: a `kernel × kernel` convolution (padded
/// vertically, not horizontally), ReLU, then `pool × pool` max pooling.
public struct ConvBlock: Codable, Equatable, Sendable {
    /// Output channels.
    public var channels: Int
    /// Square kernel size (odd).
    public var kernel: Int
    /// Square pooling size and stride (1: no pooling).
    public var pool: Int

    public init(channels: Int, kernel: Int = 3, pool: Int = 2) {
        self.channels = channels
        self.kernel = kernel
        self.pool = pool
    }
}

/// Errors in an encoder configuration.
public struct ConvWindowConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The handwriting front end's network shape, stored in the model's metadata with the
/// line normalization so that training and recognition slice lines identically.
///
/// A window `window.width` pixels wide slides along the normalized line (height
/// `normalization.height`) in steps of `window.stride`; the convolutional blocks turn each
/// window into a `channels × height' × width'` patch, which one linear projection maps to
/// `outputSize` features: one frame for the recurrent layers.
public struct ConvWindowConfig: Codable, Equatable, Sendable {
    /// How lines are normalized before the network sees them.
    public var normalization: LineNormalization
    /// Window width and stride in pixels.
    public var window: WindowGeometry
    /// Convolutional blocks, input to output.
    public var blocks: [ConvBlock]
    /// Features per frame.
    public var outputSize: Int

    /// A small default: 48 px lines, 24 px windows every 4 px, 16 and 32 channels, 128 features.
    public init(normalization: LineNormalization = LineNormalization(), window: WindowGeometry = WindowGeometry(width: 24, stride: 4),
                blocks: [ConvBlock] = [ConvBlock(channels: 16), ConvBlock(channels: 32)], outputSize: Int = 128) {
        self.normalization = normalization
        self.window = window
        self.blocks = blocks
        self.outputSize = outputSize
    }

    /// Total horizontal downsampling of the blocks.
    public var poolFactor: Int { blocks.reduce(1) { $0 * $1.pool } }

    /// Height and width of the feature map the blocks make of an input `height × width`.
    public func featureMapSize(height: Int, width: Int) -> (height: Int, width: Int) {
        var (h, w) = (height, width)
        for b in blocks {
            w = w - b.kernel + 1            // valid horizontally, same vertically
            (h, w) = (h / b.pool, w / b.pool)
        }
        return (h, w)
    }

    /// Values per window patch: channels × height × width of one window's feature map.
    public var patchSize: Int {
        let (h, w) = featureMapSize(height: normalization.height, width: window.width)
        return (blocks.last?.channels ?? 1) * h * w
    }

    /// Checks that windows align with the pooling grid (so slicing the whole line's feature
    /// map equals running each window alone) and that every window yields a patch.
    public func validate() throws {
        func fail(_ m: String) throws -> Never { throw ConvWindowConfigError(description: "invalid line encoder: \(m)") }
        if blocks.contains(where: { $0.channels < 1 || $0.kernel < 1 || $0.kernel % 2 == 0 || $0.pool < 1 }) {
            try fail("every block needs channels ≥ 1, an odd kernel and pool ≥ 1")
        }
        if window.stride % poolFactor != 0 {
            try fail("the window stride (\(window.stride)) must be a multiple of the pooling factor (\(poolFactor))")
        }
        let (h, w) = featureMapSize(height: normalization.height, width: window.width)
        if h < 1 || w < 1 { try fail("a \(normalization.height) × \(window.width) window is too small for the blocks") }
        if outputSize < 1 { try fail("outputSize must be positive") }
    }
}
