import ScribeCore

/// Errors parsing a network spec string.
public struct NetworkSpecError: Error, CustomStringConvertible, Equatable {
    public let spec: String
    public let position: Int
    public let reason: String
    public var description: String {
        "network spec \"\(spec)\": \(reason) at character \(position). " +
            "Example of a valid spec: \"[Lbx256 Lbx256 Fl29]\" (see NetworkSpec)"
    }
}

/// Tesseract-style network descriptions, the string every layer prints as its `spec`:
///
///     [a b c]    Series          (a b)    Parallel (outputs concatenated)
///     Lfx256     LSTM, 256 units          Lrx256   reversed LSTM       Lbx256  bidirectional LSTM
///     Gfx/Grx/Gbx  the same with a GRU    Rx<layer>  any layer reversed in time
///     Res<layer> residual connection      Fl29     linear layer with 29 outputs
///     Ar / At / As   ReLU, tanh, sigmoid  Om       log-softmax         Do10  dropout 10%
///
/// Text lines come in as sequences of pixel columns (input size = line height); image
/// layers then a sliding window turn them into frames (see `ConvWindow`):
///
///     Cr3x3,16   3×3 convolution (padded vertically), 16 channels, ReLU   C3x3,16  without ReLU
///     Cb3x3,16   the same convolution, batch normalization, then ReLU
///     Mp2x2      2×2 max pooling      Do20  dropout 20% of the feature map      W24s4    window 24 px, step 4 px
///
/// so a whole handwriting model reads `[Cr3x3,16 Mp2x2 Cr3x3,32 Mp2x2 W24s4 Fl128 Lbx256 Fl80]`.
///
/// `build` turns a spec into layers with freshly initialised weights drawn from a seed.
public enum NetworkSpec {
    /// The most parameters a spec may ask for (400 MB of weights): a spec comes from files
    /// strangers send (model files, training configurations) and must not decide an
    /// allocation unchecked.
    public static let maxParameters = 100_000_000
    /// The largest number a spec may hold (units, channels, kernel and window sizes).
    public static let maxNumber = 1_000_000
    /// The deepest nesting of `[...]`, `(...)`, `Res` and `Rx`.
    public static let maxDepth = 64

    /// Builds the network described by `spec` for frames of `inputSize` channels. With
    /// `forLoading` every weight matrix starts at zero (no orthogonalization, no random
    /// draws), for a network whose parameters are loaded right after.
    public static func build(_ spec: String, inputSize: Int, seed: UInt64, forLoading: Bool = false) throws -> Layer {
        var parser = Parser(text: Array(spec.unicodeScalars), spec: spec, generator: SeededGenerator(seed: seed), dropoutSeed: seed &+ 1)
        parser.randomWeights = !forLoading
        parser.skipSpaces()
        let layer = try parser.layer(inputSize: inputSize)
        parser.skipSpaces()
        guard parser.position == parser.text.count else { throw parser.error("unexpected text after the network") }
        return layer
    }

    private struct Parser {
        let text: [Unicode.Scalar]
        let spec: String
        var generator: SeededGenerator
        var dropoutSeed: UInt64
        var randomWeights = true
        var position = 0
        var parameters = 0
        var depth = 0

        func error(_ reason: String) -> NetworkSpecError { NetworkSpecError(spec: spec, position: position, reason: reason) }

        mutating func skipSpaces() { while position < text.count && text[position] == " " { position += 1 } }

        mutating func accept(_ word: String) -> Bool {
            let w = Array(word.unicodeScalars)
            guard position + w.count <= text.count, Array(text[position..<(position + w.count)]) == w else { return false }
            position += w.count
            return true
        }

        mutating func number() throws -> Int {
            let start = position
            while position < text.count, ("0"..."9").contains(text[position]) { position += 1 }
            guard position > start else { throw error("expected a positive number") }
            guard position - start <= 7, let n = Int(String(String.UnicodeScalarView(text[start..<position]))), n <= NetworkSpec.maxNumber else {
                throw error("numbers in a spec are at most \(NetworkSpec.maxNumber)")
            }
            guard n > 0 else { throw error("expected a positive number") }
            return n
        }

        /// Counts `count` more parameters against the budget, before they are allocated.
        mutating func allocate(_ count: Int, for what: String) throws {
            parameters += count
            guard parameters <= NetworkSpec.maxParameters else {
                throw error("\(what) brings the network to \(parameters) parameters, over the limit of \(NetworkSpec.maxParameters)")
            }
        }

        mutating func layer(inputSize: Int) throws -> Layer {
            depth += 1
            defer { depth -= 1 }
            guard depth <= NetworkSpec.maxDepth else { throw error("layers nest deeper than \(NetworkSpec.maxDepth) levels") }
            if accept("[") {
                var layers: [Layer] = []
                var size = inputSize
                skipSpaces()
                while !accept("]") {
                    guard position < text.count else { throw error("missing ]") }
                    let l = try layer(inputSize: size)
                    layers.append(l)
                    size = l.outputSize
                    skipSpaces()
                }
                guard !layers.isEmpty else { throw error("empty series") }
                return Series(layers)
            }
            if accept("(") {
                var branches: [Layer] = []
                skipSpaces()
                while !accept(")") {
                    guard position < text.count else { throw error("missing )") }
                    branches.append(try layer(inputSize: inputSize))
                    skipSpaces()
                }
                guard !branches.isEmpty else { throw error("empty parallel") }
                return Parallel(branches)
            }
            if accept("Res") {
                let inner = try layer(inputSize: inputSize)
                guard inner.outputSize == inputSize else {
                    throw error("a residual layer must keep the size (\(inputSize) in, \(inner.outputSize) out)")
                }
                return Residual(inner)
            }
            if accept("Rx") { return Reversed(try layer(inputSize: inputSize)) }
            if startsImageLayer {
                guard text[..<position].allSatisfy({ $0 == "[" || $0 == " " }), text.first == "[" else {
                    throw error("image layers must open the network, as in [Cr3x3,16 Mp2x2 W24s4 Lbx128 Fl80]")
                }
                return try convWindow(height: inputSize)
            }
            for kind in ["L", "G"] {
                for dir in ["f", "r", "b"] where accept(kind + dir + "x") {
                    let n = try number()
                    let gates = kind == "L" ? 4 : 3
                    try allocate((dir == "b" ? 2 : 1) * gates * n * (inputSize + n + 2), for: kind + dir + "x\(n)")
                    func make() -> Layer {
                        kind == "L" ? LSTM(inputSize: inputSize, hiddenSize: n, randomWeights: randomWeights, generator: &generator)
                            : GRU(inputSize: inputSize, hiddenSize: n, randomWeights: randomWeights, generator: &generator)
                    }
                    switch dir {
                    case "f": return make()
                    case "r": return Reversed(make())
                    default:
                        let forward = make()
                        return Parallel([forward, Reversed(make())])
                    }
                }
            }
            if accept("Fl") {
                let n = try number()
                try allocate(n * (inputSize + 1), for: "Fl\(n)")
                return Linear(inputSize: inputSize, outputSize: n, randomWeights: randomWeights, generator: &generator)
            }
            if accept("Ar") { return ReLU(size: inputSize) }
            if accept("At") { return Tanh(size: inputSize) }
            if accept("As") { return Sigmoid(size: inputSize) }
            if accept("Om") { return LogSoftmax(size: inputSize) }
            if accept("Do") { return Dropout(size: inputSize, rate: try dropoutRate(), seed: nextDropoutSeed()) }
            throw error("unknown layer")
        }

        var startsImageLayer: Bool {
            guard position + 1 < text.count else { return false }
            let (a, b) = (text[position], text[position + 1])
            return (a == "C" && (b == "r" || b == "b" || ("1"..."9").contains(b))) || (a == "M" && b == "p")
        }

        /// `Cr3x3,16`, `Cb3x3,16`, `C3x3,16` and `Mp2x2` layers up to a `W<width>s<stride>` window.
        mutating func convWindow(height: Int) throws -> Layer {
            var layers: [ImageLayer] = []
            var channels = 1
            while true {
                skipSpaces()
                let start = position
                if accept("W") {
                    let window = try number()
                    guard accept("s") else { throw error("expected s<stride> after the window width") }
                    let stride = try number()
                    do { return try ConvWindow(height: height, layers: layers, window: window, stride: stride) } catch {
                        position = start
                        throw self.error("\(error)")
                    }
                } else if accept("Mp") {
                    let (h, w) = try pair()
                    layers.append(MaxPool2D(kernel: (h, w)))
                } else if accept("C") {
                    let normalized = accept("b")
                    let relu = normalized || accept("r")
                    let (h, w) = try pair()
                    guard h % 2 == 1 else { throw error("convolution kernels need an odd height (they are padded vertically)") }
                    guard accept(",") else { throw error("expected ,<channels> after the kernel size") }
                    let out = try number()
                    try allocate(out * (channels * h * w + 1 + (normalized ? 4 : 0)), for: "C\(h)x\(w),\(out)")
                    layers.append(Conv2D(inChannels: channels, outChannels: out, kernel: (h, w), padding: (h / 2, 0),
                                         randomWeights: randomWeights, generator: &generator))
                    if normalized { layers.append(BatchNorm2D(channels: out)) }
                    if relu { layers.append(ImageReLU()) }
                    channels = out
                } else if accept("Do") {
                    layers.append(ImageDropout(rate: try dropoutRate(), seed: nextDropoutSeed()))
                } else {
                    throw error("expected an image layer (Cr3x3,16, Cb3x3,16, Mp2x2, Do20) or the window (W24s4) that ends them")
                }
            }
        }

        /// `<percent>` after `Do`, as a rate in [0, 1).
        mutating func dropoutRate() throws -> Float {
            let percent = try number()
            guard percent < 100 else { throw error("dropout percentage must be below 100") }
            return Float(percent) / 100
        }

        mutating func nextDropoutSeed() -> UInt64 {
            dropoutSeed &+= 1
            return dropoutSeed
        }

        /// `<a>x<b>`.
        mutating func pair() throws -> (Int, Int) {
            let a = try number()
            guard accept("x") else { throw error("expected <height>x<width>") }
            return (a, try number())
        }
    }
}
