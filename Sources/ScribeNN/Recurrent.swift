import ScribeCore

/// The skeleton LSTM and GRU share: PyTorch's four parameters with G = gates·H rows, the
/// cached input, truncation and input-gradient switches, and the large products before and
/// after the time loop, in one place so the two cells cannot drift apart. A cell layer
/// subclasses it and adds only its own pointwise kernels and time loop.
///
/// Forward: `begin` caches the masked input (T, B, I) and packs W_hhᵀ (again only after the
/// weights change); `projectInputs` computes every frame's x · W_ihᵀ + bias in one GEMM;
/// `addRecurrent` adds h_{t-1} · W_hhᵀ for one frame (the small-batch AVX2 kernel, or
/// sgemm, chosen by `PackedMatrix`).
/// Backward: `beginBackward` checks the gradient and packs W_hh; `propagateRecurrent` sends
/// one frame's recurrent-side gradient to h_{t-1}; `finishBackward` does the weight, bias and
/// input gradients as large GEMMs into buffers reused across batches.
public class RecurrentLayer {
    /// I, channels per input frame.
    public let inputSize: Int
    /// H, the hidden (and output) size.
    public let hiddenSize: Int
    public var outputSize: Int { hiddenSize }
    /// G = gates · H, the rows of the stacked weights.
    let gateRows: Int
    /// When set, backpropagation through time is truncated: gradients do not flow across
    /// the boundaries of consecutive chunks of this many frames.
    public var truncation: Int?
    /// When false, backward skips the input-gradient product and returns zeros (for the
    /// first layer of a network, whose input needs no gradient; see `skipInputGradient`).
    public var computesInputGradient = true

    /// weight_ih is (G, I), gates stacked as in PyTorch.
    public let weightIH: Parameter
    /// weight_hh is (G, H).
    public let weightHH: Parameter
    /// bias_ih is (G).
    public let biasIH: Parameter
    /// bias_hh is (G).
    public let biasHH: Parameter

    /// x is (T, B, I): the last forward's input, padded frames zero.
    private(set) var x = Tensor(shape: [0, 0, 0])
    private(set) var lengths: [Int] = []
    /// W_hhᵀ (H, G) for forward, W_hh (G, H) for backward.
    private var packedForward = PackedMatrix(), packedBackward = PackedMatrix()
    /// `weightHH.version` when packedForward was filled: forward repacks only after the
    /// weights change (every step in training, never while reading lines).
    private var packedForwardVersion: Int?
    /// dx is (T, B, I): the input gradient, reused across batches.
    private var dx = Tensor(shape: [0])

    /// Glorot-uniform input weights, orthogonal recurrent blocks, zero `bias_hh`; with
    /// `randomWeights` false both weight matrices start at zero, for weights about to be loaded.
    init(gates: Int, inputSize: Int, hiddenSize: Int, biasIH: Tensor, randomWeights: Bool, generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0, "recurrent layer: sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        gateRows = gates * hiddenSize
        weightIH = Parameter(randomWeights ? Initializer.glorotUniform(rows: gateRows, columns: inputSize, generator: &generator)
                                           : Tensor(shape: [gateRows, inputSize]))
        weightHH = Parameter(randomWeights ? Initializer.stackedOrthogonal(gates: gates, hiddenSize, generator: &generator)
                                             : Tensor(shape: [gateRows, hiddenSize]))
        self.biasIH = Parameter(biasIH)
        biasHH = Parameter(Tensor(shape: [gateRows]))
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    /// Frees the cached input and the input gradient (see `Layer.releaseCaches`); the packed
    /// recurrent weights stay, since they change only with the weights.
    public func releaseCaches() {
        x = Tensor(shape: [0, 0, 0]); lengths = []; dx = Tensor(shape: [0])
    }

    // MARK: Forward

    /// Caches `input` (padded frames zeroed) and packs W_hhᵀ if it changed; returns (T, B).
    func begin(_ input: SequenceBatch, layer: String) -> (T: Int, B: Int) {
        requireChannels(input, channels: inputSize, layer)
        let masked = input.maskedCopy()
        x = masked.values
        lengths = masked.lengths
        let (G, H) = (gateRows, hiddenSize)
        if packedForwardVersion != weightHH.version {
            weightHH.value.withUnsafeValues { w in
                packedForward.update(k: H, n: G) { BLAS.transpose(w.baseAddress!, rows: G, columns: H, into: $0) }
            }
            packedForwardVersion = weightHH.version
        }
        return (masked.frames, masked.batchSize)
    }

    /// pre (T·B, G) = x (T·B, I) · W_ihᵀ + bias (G).
    func projectInputs(into pre: UnsafeMutablePointer<Float>, bias: [Float]) {
        let rows = x.shape[0] * x.shape[1]
        x.withUnsafeValues { px in
            weightIH.value.withUnsafeValues { w in
                BLAS.gemm(transA: false, transB: true, m: rows, n: gateRows, k: inputSize, alpha: 1,
                          a: px.baseAddress!, lda: inputSize, b: w.baseAddress!, ldb: inputSize, beta: 0, c: pre, ldc: gateRows)
            }
        }
        bias.withUnsafeBufferPointer { Kernels.addRowVector(pre, rows: rows, n: gateRows, $0.baseAddress!) }
    }

    /// out (B, G) += h (B, H) · W_hhᵀ, for one frame.
    func addRecurrent(from h: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, batch: Int) {
        packedForward.multiply(m: batch, a: h, lda: hiddenSize, beta: 1, c: out, ldc: gateRows)
    }

    // MARK: Backward

    /// Checks that `gradient` (T, B, H) belongs to the last forward and packs W_hh; returns (T, B).
    func beginBackward(_ gradient: SequenceBatch, layer: String) -> (T: Int, B: Int) {
        requireChannels(gradient, channels: hiddenSize, layer + ".backward")
        precondition(gradient.lengths == lengths && gradient.frames == x.shape[0],
                     "\(layer).backward: gradient does not match the last forward")
        let (G, H) = (gateRows, hiddenSize)
        weightHH.value.withUnsafeValues { w in
            packedBackward.update(k: G, n: H) { $0.update(from: w.baseAddress!, count: G * H) }
        }
        return (x.shape[0], x.shape[1])
    }

    /// dh (B, H) = beta·dh + d (B, G) · W_hh (G, H), for one frame; beta is 0 or 1.
    func propagateRecurrent(from d: UnsafePointer<Float>, into dh: UnsafeMutablePointer<Float>, batch: Int, beta: Float) {
        packedBackward.multiply(m: batch, a: d, lda: gateRows, beta: beta, c: dh, ldc: hiddenSize)
    }

    /// Accumulates the parameter gradients from the pre-activation gradients of the input
    /// side, dInput (T, B, G), and of the recurrent side, dRecurrent (T, B, G) (the same
    /// buffer for an LSTM), with `hidden` (T, B, H) the forward's outputs; returns dx
    /// (zeros when `computesInputGradient` is false) and releases the cached input.
    func finishBackward(dInput di: UnsafePointer<Float>, dRecurrent dr: UnsafePointer<Float>, hidden: Tensor) -> SequenceBatch {
        let (T, B, I, H, G) = (x.shape[0], x.shape[1], inputSize, hiddenSize, gateRows)
        do {
            x.withUnsafeValues { px in
                weightIH.grad.withUnsafeMutableValues { dw in
                    // dW_ih (G, I) += dInputᵀ (G, T·B) · x (T·B, I)
                    BLAS.gemm(transA: true, transB: false, m: G, n: I, k: T * B, alpha: 1,
                              a: di, lda: G, b: px.baseAddress!, ldb: I, beta: 1, c: dw.baseAddress!, ldc: I)
                }
            }
            biasIH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(di, rows: T * B, n: G, into: $0.baseAddress!) }
            dx.resize(to: [T, B, I])
            if computesInputGradient {
                weightIH.value.withUnsafeValues { w in
                    dx.withUnsafeMutableValues { pdx in
                        // dx (T·B, I) = dInput (T·B, G) · W_ih (G, I)
                        BLAS.gemm(transA: false, transB: false, m: T * B, n: I, k: G, alpha: 1,
                                  a: di, lda: G, b: w.baseAddress!, ldb: I, beta: 0, c: pdx.baseAddress!, ldc: I)
                    }
                }
            } else {
                dx.zero()
            }
        }
        do {
            if T > 1 {
                hidden.withUnsafeValues { ph in
                    weightHH.grad.withUnsafeMutableValues { dw in
                        // dW_hh (G, H) += dRecurrent[1...]ᵀ (G, (T-1)·B) · h[..<T-1] ((T-1)·B, H)
                        BLAS.gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                                  a: dr + B * G, lda: G, b: ph.baseAddress!, ldb: H, beta: 1, c: dw.baseAddress!, ldc: H)
                    }
                }
            }
            biasHH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(dr, rows: T * B, n: G, into: $0.baseAddress!) }
        }
        // Dropping the cached input lets the layer that produced it reuse its buffer for the
        // next batch instead of copying it.
        x = Tensor(shape: [0, 0, 0])
        return SequenceBatch(values: dx, lengths: lengths)
    }
}
