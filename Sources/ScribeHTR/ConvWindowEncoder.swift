import ScribeCore
import ScribeImage
import ScribeNN

/// Turns normalized text lines into frame sequences with a convolutional network applied
/// to a window sliding along each line (see `ConvWindowConfig`).
///
/// The blocks run once over each whole line, and each frame's patch is a slice of the
/// line's feature map: because the blocks are horizontally valid and the window stride is
/// a multiple of the pooling factor, the slice equals the blocks applied to that window
/// alone (`referenceFrame` computes it that way, and tests compare the two). Backward
/// scatters the patches' gradients back onto the feature map, summing where windows overlap.
public final class ConvWindowEncoder {
    public let config: ConvWindowConfig
    /// Conv, ReLU and pooling layers, input to output.
    let layers: [ImageLayer]
    /// The projection of each flattened patch to `outputSize` features.
    let projection: Linear

    /// Shapes of the last forward: feature map (B, C, H', W') and frames per line.
    private var mapShape: [Int] = []
    private var frameCounts: [Int] = []

    public init(config: ConvWindowConfig, generator: inout SeededGenerator) throws {
        try config.validate()
        self.config = config
        var layers: [ImageLayer] = []
        var channels = 1
        for b in config.blocks {
            layers.append(Conv2D(inChannels: channels, outChannels: b.channels, kernel: (b.kernel, b.kernel),
                                 padding: (b.kernel / 2, 0), generator: &generator))
            layers.append(ImageReLU())
            if b.pool > 1 { layers.append(MaxPool2D(kernel: (b.pool, b.pool))) }
            channels = b.channels
        }
        self.layers = layers
        projection = Linear(inputSize: config.patchSize, outputSize: config.outputSize, generator: &generator)
    }

    /// Parameters named `blocks.N.weight` (N counts layers) and `projection.weight`.
    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(String, Parameter)] = []
        for (i, layer) in layers.enumerated() {
            out += layer.namedParameters().map { ("blocks.\(i).\($0.name)", $0.parameter) }
        }
        return out + projection.namedParameters().map { ("projection.\($0.name)", $0.parameter) }
    }

    /// A spec string such as `[Ct3x3,16 Mp2x2 Ct3x3,32 Mp2x2] W24s4 Fl128`.
    public var spec: String {
        "[" + layers.filter { !($0 is ImageReLU) }.map(\.spec).joined(separator: " ") + "] W\(config.window.width)s\(config.window.stride) \(projection.spec)"
    }

    /// Frames for a normalized line `width` pixels wide.
    public func frameCount(width: Int) -> Int { config.window.frameCount(lineWidth: width) }

    /// The network input for `lines` (each `config.normalization.height` rows): ink is 1 and
    /// paper 0, each line padded by `window.width / 2` blank columns on both sides, and
    /// shorter lines padded on the right to the batch's widest. x is (B, 1, H, W).
    func input(_ lines: [GrayImage]) -> Tensor {
        let h = config.normalization.height, pad = config.window.width / 2
        let width = (lines.map(\.width).max() ?? 0) + 2 * pad
        var x = Tensor(shape: [lines.count, 1, h, width])
        x.withUnsafeMutableValues { v in
            for (b, line) in lines.enumerated() {
                precondition(line.height == h, "ConvWindowEncoder: line \(b) is \(line.height) px high, the encoder expects \(h) (normalize it first)")
                for y in 0..<h {
                    let row = v.baseAddress! + (b * h + y) * width + pad
                    for i in 0..<line.width { row[i] = 1 - line.pixels[y * line.width + i] }
                }
            }
        }
        return x
    }

    /// Frames for a batch of normalized lines: (T, B, outputSize) with T the longest line's
    /// frame count and each line's own count as its length.
    public func forward(_ lines: [GrayImage], training: Bool = false) -> SequenceBatch {
        var map = input(lines)
        for layer in layers { map = layer.forward(map) }
        mapShape = map.shape
        frameCounts = lines.map { frameCount(width: $0.width) }
        let patches = gather(map, frames: frameCounts)
        return projection.forward(patches, training: training)
    }

    /// Given the gradient of the loss with respect to the last forward's frames, accumulates
    /// the parameter gradients (the input gradient is not needed: lines are data).
    public func backward(_ dFrames: SequenceBatch) {
        let dPatches = projection.backward(dFrames)
        var dMap = scatter(dPatches, shape: mapShape)
        for layer in layers.reversed() { dMap = layer.backward(dMap) }
    }

    /// The patch of every frame: values (T, B, C·H'·w'), frame t of line b reading feature-map
    /// columns `t·stride/poolFactor ..< + w'`.
    func gather(_ map: Tensor, frames: [Int]) -> SequenceBatch {
        let (B, C, H, W) = (map.shape[0], map.shape[1], map.shape[2], map.shape[3])
        let step = config.window.stride / config.poolFactor
        let w = config.featureMapSize(height: config.normalization.height, width: config.window.width).width
        let T = frames.max() ?? 0
        var patches = Tensor(shape: [T, B, C * H * w])
        map.withUnsafeValues { m in
            patches.withUnsafeMutableValues { p in
                for b in 0..<B {
                    for t in 0..<frames[b] {
                        var out = p.baseAddress! + (t * B + b) * C * H * w
                        for c in 0..<C {
                            for y in 0..<H {
                                let src = m.baseAddress! + ((b * C + c) * H + y) * W + t * step
                                assert(t * step + w <= W)
                                out.update(from: src, count: w)
                                out += w
                            }
                        }
                    }
                }
            }
        }
        return SequenceBatch(values: patches, lengths: frames)
    }

    /// The transpose of `gather`: adds each frame's patch gradient onto the feature map.
    func scatter(_ dPatches: SequenceBatch, shape: [Int]) -> Tensor {
        let (B, C, H, W) = (shape[0], shape[1], shape[2], shape[3])
        let step = config.window.stride / config.poolFactor
        let w = config.featureMapSize(height: config.normalization.height, width: config.window.width).width
        var dMap = Tensor(shape: shape)
        dPatches.values.withUnsafeValues { p in
            dMap.withUnsafeMutableValues { m in
                for b in 0..<B {
                    for t in 0..<dPatches.lengths[b] {
                        var src = p.baseAddress! + (t * B + b) * C * H * w
                        for c in 0..<C {
                            for y in 0..<H {
                                let dst = m.baseAddress! + ((b * C + c) * H + y) * W + t * step
                                for j in 0..<w { dst[j] += src[j] }
                                src += w
                            }
                        }
                    }
                }
            }
        }
        return dMap
    }

    /// Frame `t` of `line` computed the slow way: cut the window out of the padded line and
    /// run the blocks and the projection on it alone. The oracle for `forward`.
    public func referenceFrame(_ line: GrayImage, frame t: Int) -> [Float] {
        let padded = input([line])
        let (h, width) = (padded.shape[2], padded.shape[3])
        let w = config.window.width, start = t * config.window.stride
        var window = Tensor(shape: [1, 1, h, w])
        for y in 0..<h {
            for x in 0..<w where start + x < width {
                window.values[y * w + x] = padded.values[y * width + start + x]
            }
        }
        var map = window
        for layer in layers { map = layer.forward(map) }
        let patch = SequenceBatch(values: map.reshaped([1, 1, map.count]))
        return projection.forward(patch, training: false).values.values
    }
}
