import ScribeCore

/// A convolutional network slid along a text line, as a sequence layer: the line comes in as
/// a sequence of pixel columns (T = width, B, C = height, ink 1 and paper 0), the image
/// layers (convolutions padded vertically but not horizontally, ReLU, max pooling) run once
/// over each whole line, and output frame t is the feature-map patch under a window
/// `window` pixels wide starting at column `t·stride` of the line padded by `window / 2`
/// blank columns on each side, flattened to C'·H'·w' values.
///
/// Because the convolutions are horizontally valid and the stride is a multiple of the
/// pooling factor, each patch equals the image layers applied to that window alone
/// (`referenceFrame` computes it that way and tests compare the two). Backward scatters the
/// patches' gradients onto the feature map, summing where windows overlap. The input
/// gradient is not computed (lines are data): backward returns zeros.
///
/// Spec: the image layers then the window, e.g. `Cr3x3,16 Mp2x2 Cr3x3,32 Mp2x2 W24s4`.
public final class ConvWindow: Layer {
    /// Line height in pixels (channels per input column).
    public let height: Int
    /// Conv, ReLU and pooling layers, input to output.
    public let layers: [ImageLayer]
    /// Window width and step in pixels.
    public let window: Int, stride: Int
    /// Horizontal downsampling of the layers.
    public let poolFactor: Int
    /// Feature map of one window: channels, height and width.
    public let patch: (channels: Int, height: Int, width: Int)
    /// fusedReLU[i]: layer i is a batch normalization run together with the ReLU after it
    /// (layer i + 1, then skipped).
    private let fusedReLU: [Bool]

    /// Shapes of the last forward: feature map (B, C', H', W') and frames per line.
    private var mapShape: [Int] = []
    private var frameCounts: [Int] = []
    private var inputShape: [Int] = []
    private var inputLengths: [Int] = []

    /// Errors in the geometry.
    public struct GeometryError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(height: Int, layers: [ImageLayer], window: Int, stride: Int) throws {
        func fail(_ m: String) -> GeometryError { GeometryError(description: "sliding window \(window)/\(stride) over \(height) px lines: \(m)") }
        guard height > 0, window > 0, stride > 0 else { throw fail("sizes must be positive") }
        var (channels, h, w, factor) = (1, height, window, 1)
        for layer in layers {
            switch layer {
            case let c as Conv2D:
                guard c.inChannels == channels, c.stride == (1, 1), c.padding.height == c.kernel.height / 2, c.padding.width == 0 else {
                    throw fail("convolutions must take the previous channel count, step 1, pad vertically only")
                }
                (channels, w) = (c.outChannels, w - c.kernel.width + 1)
            case let p as MaxPool2D:
                guard p.stride == p.kernel else { throw fail("pooling windows must not overlap") }
                (h, w, factor) = (h / p.kernel.height, w / p.kernel.width, factor * p.kernel.width)
            case let n as BatchNorm2D:
                guard n.channels == channels else { throw fail("batch normalization must take the previous channel count") }
            case is ImageReLU, is ImageDropout: break
            default: throw fail("\(layer.spec) cannot be used in a sliding window")
            }
            guard h >= 1 && w >= 1 else { throw fail("a \(height) × \(window) window is too small for the layers up to \(layer.spec)") }
        }
        guard stride % factor == 0 else {
            throw fail("the stride (\(stride)) must be a multiple of the horizontal pooling factor (\(factor))")
        }
        self.height = height
        self.layers = layers
        self.window = window
        self.stride = stride
        poolFactor = factor
        patch = (channels, h, w)
        fusedReLU = layers.indices.map { i in layers[i] is BatchNorm2D && i + 1 < layers.count && layers[i + 1] is ImageReLU }
    }

    public var inputSize: Int { height }
    public var outputSize: Int { patch.channels * patch.height * patch.width }

    /// `Cr3x3,16` for a convolution followed by ReLU, `Cb3x3,16` by batch normalization and
    /// ReLU, `C3x3,16` alone, `Mp2x2`, then `W24s4`.
    public var spec: String {
        var parts: [String] = []
        var i = 0
        while i < layers.count {
            let layer = layers[i]
            func next(_ k: Int) -> ImageLayer? { i + k < layers.count ? layers[i + k] : nil }
            if layer is Conv2D && next(1) is BatchNorm2D && next(2) is ImageReLU {
                parts.append("Cb" + layer.spec.dropFirst()); i += 3
            } else if layer is Conv2D && next(1) is ImageReLU {
                parts.append("Cr" + layer.spec.dropFirst()); i += 2
            } else {
                parts.append(layer.spec); i += 1
            }
        }
        return (parts + ["W\(window)s\(stride)"]).joined(separator: " ")
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(String, Parameter)] = []
        for (i, layer) in layers.enumerated() {
            out += layer.namedParameters().map { ("\(i).\($0.name)", $0.parameter) }
        }
        return out
    }

    public func outputLength(inputLength: Int) -> Int { frameCount(width: inputLength) }

    /// Frames for a line `width` pixels wide (as `WindowGeometry.frameCount`).
    public func frameCount(width: Int) -> Int {
        let padded = width + 2 * (window / 2)
        return padded < window ? 0 : 1 + (padded - window) / stride
    }

    /// The image batch (B, 1, H, W + 2·pad) for columns x (T, B, H): line b's first
    /// `lengths[b]` columns, transposed, between `window / 2` blank columns on each side.
    func image(_ x: SequenceBatch) -> Tensor {
        let (T, B, H) = (x.frames, x.batchSize, height)
        let pad = window / 2, W = T + 2 * pad
        var image = Tensor(shape: [B, 1, H, W])
        x.values.withUnsafeValues { src in
            image.withUnsafeMutableValues { dst in
                for b in 0..<B {
                    for t in 0..<x.lengths[b] {
                        let column = src.baseAddress! + (t * B + b) * H
                        let out = dst.baseAddress! + b * H * W + pad + t
                        for y in 0..<H { out[y * W] = column[y] }
                    }
                }
            }
        }
        return image
    }

    public func releaseCaches() { layers.forEach { $0.releaseCaches() } }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels(x, channels: height, "ConvWindow")
        inputShape = x.values.shape
        inputLengths = x.lengths
        var map = image(x)
        var i = 0
        while i < layers.count {
            if fusedReLU[i], let norm = layers[i] as? BatchNorm2D {
                map = norm.forward(map, training: training, relu: true)
                i += 2
            } else {
                map = layers[i].forward(map, training: training)
                i += 1
            }
        }
        mapShape = map.shape
        frameCounts = x.lengths.map(frameCount(width:))
        return gather(map, frames: frameCounts)
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        var dMap = scatter(dy, shape: mapShape)
        for (i, layer) in layers.enumerated().reversed() {
            if i > 0 && fusedReLU[i - 1] { continue }   // the batch normalization before it applies its mask
            // The line is data: the first convolution needs its weight gradients only.
            if i == 0, let conv = layer as? Conv2D { _ = conv.backward(dMap, inputGradient: false) } else { dMap = layer.backward(dMap) }
        }
        return SequenceBatch(values: Tensor(shape: inputShape), lengths: inputLengths)
    }

    /// The patch of every frame: values (T', B, C'·H'·w'), frame t of line b reading
    /// feature-map columns `t·stride/poolFactor ..< + w'`.
    func gather(_ map: Tensor, frames: [Int]) -> SequenceBatch {
        let (B, C, H, W) = (map.shape[0], map.shape[1], map.shape[2], map.shape[3])
        let step = stride / poolFactor, w = patch.width
        let T = frames.max() ?? 0
        var patches = Tensor(shape: [T, B, C * H * w])
        map.withUnsafeValues { m in
            patches.withUnsafeMutableValues { p in
                for b in 0..<B {
                    for t in 0..<frames[b] {
                        var out = p.baseAddress! + (t * B + b) * C * H * w
                        for c in 0..<C {
                            for y in 0..<H {
                                precondition(t * step + w <= W)
                                out.update(from: m.baseAddress! + ((b * C + c) * H + y) * W + t * step, count: w)
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
        let step = stride / poolFactor, w = patch.width
        var dMap = Tensor(shape: shape)
        dPatches.values.withUnsafeValues { p in
            dMap.withUnsafeMutableValues { m in
                for b in 0..<B {
                    for t in 0..<min(dPatches.lengths[b], frameCounts[b]) {
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

    /// Frame `t` of a line given as columns (width × height, ink 1) computed the slow way:
    /// cut the window out of the padded line and run the image layers on it alone. The
    /// oracle for `forward`.
    public func referenceFrame(columns: [[Float]], frame t: Int) -> [Float] {
        let pad = window / 2, start = t * stride
        var image = Tensor(shape: [1, 1, height, window])
        for x in 0..<window {
            let column = start + x - pad
            guard column >= 0 && column < columns.count else { continue }
            for y in 0..<height { image.values[y * window + x] = columns[column][y] }
        }
        var map = image
        for layer in layers { map = layer.forward(map) }
        return map.values
    }
}
