import ScribeCore
#if canImport(Glibc)
import Glibc
#endif

/// A unidirectional LSTM over a padded batch, with PyTorch's equations and layout:
///
///     i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
///     g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
///     c' = f ⊙ c + i ⊙ g                         h' = o ⊙ tanh(c')
///
/// weight_ih is (4H, I), weight_hh is (4H, H), bias_ih and bias_hh are (4H), gates stacked
/// in the order i, f, g, o (so PyTorch's `weight_ih_l0` loads unchanged). The initial state
/// is zero. Sequence b runs over frames 0..<lengths[b]; its padded frames produce zeros and
/// receive no gradient. For the reverse direction wrap the layer in `Reversed`.
///
/// Forward does one large GEMM for all input projections, then one (B, H)·(H, 4H) GEMM and
/// a pointwise pass per time step; backward mirrors it and finishes with large GEMMs for
/// the weight gradients. All buffers are sized once per batch.
public final class LSTM: Layer {
    public let inputSize: Int
    /// H, the hidden (and output) size.
    public let hiddenSize: Int
    public var outputSize: Int { hiddenSize }
    /// When set, backpropagation through time is truncated: gradients do not flow across
    /// the boundaries of consecutive chunks of this many frames.
    public var truncation: Int?
    /// When false, backward skips the input-gradient product and returns zeros (for the
    /// first layer of a network, whose input needs no gradient; see `skipInputGradient`).
    public var computesInputGradient = true

    /// weight_ih is (4H, I).
    public let weightIH: Parameter
    /// weight_hh is (4H, H).
    public let weightHH: Parameter
    /// bias_ih is (4H).
    public let biasIH: Parameter
    /// bias_hh is (4H).
    public let biasHH: Parameter

    // MARK: Cache of the last forward call
    /// x is (T, B, I), padded frames zero.
    private var x = Tensor(shape: [0, 0, 0])
    private var lengths: [Int] = []
    /// gates is (T, B, 4H): activated i, f, g, o.
    private var gates = Tensor(shape: [0])
    /// cells is (T, B, H): c_t.
    private var cells = Tensor(shape: [0])
    /// tanhCells is (T, B, H): tanh(c_t).
    private var tanhCells = Tensor(shape: [0])
    /// hidden is (T, B, H): h_t, zero at padded frames; also the layer's output.
    private var hidden = Tensor(shape: [0])

    /// W_hhᵀ (H, 4H) packed at each forward for the per-frame products h · W_hhᵀ.
    private var recurrentForward = PackedMatrix()
    /// W_hh (4H, H) packed at each backward for the per-frame products dGates · W_hh.
    private var recurrentBackward = PackedMatrix()

    // MARK: Backward workspaces
    /// dGates is (T, B, 4H): gradient w.r.t. the gate pre-activations.
    private var dGates = Tensor(shape: [0])
    /// dh is (B, H): gradient flowing into h_{t-1} from step t.
    private var dh = Tensor(shape: [0])
    /// dc is (B, H): gradient flowing into c_{t-1} from step t.
    private var dc = Tensor(shape: [0])
    /// dx is (T, B, I): the input gradient, reused across batches.
    private var dx = Tensor(shape: [0])

    /// An LSTM with Glorot-uniform input weights, orthogonal recurrent blocks, zero biases
    /// except the forget gate's `bias_ih` slice, set to `forgetBias`.
    /// With `randomRecurrent` false the recurrent weights start at zero instead: for a
    /// network whose weights are about to be loaded, where the O(H³) orthogonalization would
    /// be wasted (it was a fifth of a 10-minute transcription's time).
    public init(inputSize: Int, hiddenSize: Int, forgetBias: Float = 1, randomRecurrent: Bool = true,
                generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0, "LSTM: sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let h = hiddenSize
        weightIH = Parameter(Initializer.glorotUniform(rows: 4 * h, columns: inputSize, generator: &generator))
        weightHH = Parameter(randomRecurrent ? Initializer.stackedOrthogonal(gates: 4, h, generator: &generator)
                                             : Tensor(shape: [4 * h, h]))
        var b = Tensor(shape: [4 * h])
        for j in h..<(2 * h) { b.values[j] = forgetBias }
        biasIH = Parameter(b)
        biasHH = Parameter(Tensor(shape: [4 * h]))
    }

    public var spec: String { "Lfx\(hiddenSize)" }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( input, channels: inputSize, "LSTM")
        let masked = input.maskedCopy()
        x = masked.values
        lengths = masked.lengths
        let (T, B, I, H) = (masked.frames, masked.batchSize, inputSize, hiddenSize)
        let G = 4 * H
        gates.resize(to: [T, B, G])
        cells.resize(to: [T, B, H])
        tanhCells.resize(to: [T, B, H])
        hidden.resize(to: [T, B, H])
        // bias is (4H): b_ih + b_hh, added once to the input projections.
        var bias = biasIH.value.values
        for j in 0..<G { bias[j] += biasHH.value.values[j] }
        let lengths = self.lengths
        // Per-frame products use W_hh packed once here (sgemm on W_hh itself when the
        // small-m kernel does not apply: no AVX2, or a large batch).
        let packed = BLAS.usesSmallMKernel(m: B)
        if packed {
            weightHH.value.withUnsafeValues { w in
                recurrentForward.update(k: H, n: G) { BLAS.transpose(w.baseAddress!, rows: G, columns: H, into: $0) }
            }
        }
        let recurrent = recurrentForward
        // zeros is (H): c_{-1}, the initial cell state.
        let zeros = [Float](repeating: 0, count: H)

        zeros.withUnsafeBufferPointer { pz in
        let zp = pz.baseAddress!
        x.withUnsafeValues { px in
        weightIH.value.withUnsafeValues { wih in
        weightHH.value.withUnsafeValues { whh in
        gates.withUnsafeMutableValues { pg in
        cells.withUnsafeMutableValues { pc in
        tanhCells.withUnsafeMutableValues { ptc in
        hidden.withUnsafeMutableValues { ph in
            let gp = pg.baseAddress!, cp = pc.baseAddress!, tcp = ptc.baseAddress!, hp = ph.baseAddress!
            // gates (T·B, 4H) = x (T·B, I) · W_ihᵀ + bias
            BLAS.gemm(transA: false, transB: true, m: T * B, n: G, k: I, alpha: 1,
                      a: px.baseAddress!, lda: I, b: wih.baseAddress!, ldb: I, beta: 0, c: gp, ldc: G)
            bias.withUnsafeBufferPointer { Kernels.addRowVector(gp, rows: T * B, n: G, $0.baseAddress!) }
            for t in 0..<T {
                let gt = gp + t * B * G
                if t > 0 {
                    // gates_t (B, 4H) += h_{t-1} (B, H) · W_hhᵀ (H, 4H)
                    if packed {
                        recurrent.multiply(m: B, a: hp + (t - 1) * B * H, lda: H, beta: 1, c: gt, ldc: G)
                    } else {
                        BLAS.gemm(transA: false, transB: true, m: B, n: G, k: H, alpha: 1, a: hp + (t - 1) * B * H, lda: H,
                                  b: whh.baseAddress!, ldb: H, beta: 1, c: gt, ldc: G)
                    }
                }
                for b in 0..<B {
                    let g = gt + b * G
                    let c = cp + (t * B + b) * H, tc = tcp + (t * B + b) * H, h = hp + (t * B + b) * H
                    if t >= lengths[b] {
                        g.update(repeating: 0, count: G)
                        c.update(repeating: 0, count: H); tc.update(repeating: 0, count: H)
                        h.update(repeating: 0, count: H)
                        continue
                    }
                    let cPrev = t > 0 ? UnsafePointer(cp + ((t - 1) * B + b) * H) : zp
                    Self.cellForward(g, cPrev: cPrev, c: c, tanhC: tc, h: h, H: H)
                }
            }
        }}}}}}}}
        return SequenceBatch(values: hidden, lengths: lengths)
    }

    public func backward(_ gradient: SequenceBatch) -> SequenceBatch {
        requireChannels( gradient, channels: hiddenSize, "LSTM.backward")
        precondition(gradient.lengths == lengths && gradient.frames == x.shape[0],
                     "LSTM.backward: gradient does not match the last forward")
        let (T, B, I, H) = (x.shape[0], x.shape[1], inputSize, hiddenSize)
        let G = 4 * H
        dGates.resize(to: [T, B, G])
        dh.resize(to: [B, H]); dh.zero()
        dc.resize(to: [B, H]); dc.zero()
        // dx is (T, B, I): overwritten by the product below, or zero when it is skipped.
        dx.resize(to: [T, B, I])
        if !computesInputGradient { dx.zero() }
        let lengths = self.lengths
        let chunk = truncation ?? Int.max
        // zeros is (H): c_{-1}.
        let zeros = [Float](repeating: 0, count: H)
        let packed = BLAS.usesSmallMKernel(m: B)
        if packed {
            weightHH.value.withUnsafeValues { w in
                recurrentBackward.update(k: G, n: H) { $0.update(from: w.baseAddress!, count: G * H) }
            }
        }
        let recurrent = recurrentBackward

        zeros.withUnsafeBufferPointer { pz in
        let zp = pz.baseAddress!
        gradient.values.withUnsafeValues { pdy in
        weightHH.value.withUnsafeValues { whh in
        gates.withUnsafeValues { pg in
        cells.withUnsafeValues { pc in
        tanhCells.withUnsafeValues { ptc in
        dGates.withUnsafeMutableValues { pdg in
        dh.withUnsafeMutableValues { pdh in
        dc.withUnsafeMutableValues { pdc in
            let dgp = pdg.baseAddress!, dhp = pdh.baseAddress!, dcp = pdc.baseAddress!
            for t in stride(from: T - 1, through: 0, by: -1) {
                if (t + 1) % chunk == 0 {
                    // Truncated BPTT: nothing flows back from the next chunk.
                    dhp.update(repeating: 0, count: B * H)
                    dcp.update(repeating: 0, count: B * H)
                }
                for b in 0..<B {
                    let dg = dgp + (t * B + b) * G
                    let dhb = dhp + b * H, dcb = dcp + b * H
                    if t >= lengths[b] {
                        dg.update(repeating: 0, count: G)
                        dcb.update(repeating: 0, count: H)
                        continue
                    }
                    let row = t * B + b
                    let cPrev = t > 0 ? pc.baseAddress! + (row - B) * H : zp
                    Self.cellBackward(gates: pg.baseAddress! + row * G, tanhC: ptc.baseAddress! + row * H, cPrev: cPrev,
                                      dy: pdy.baseAddress! + row * H, dh: dhb, dc: dcb, dGates: dg, H: H)
                }
                if t > 0 {
                    // dh (B, H) = dGates_t (B, 4H) · W_hh (4H, H)
                    if packed {
                        recurrent.multiply(m: B, a: dgp + t * B * G, lda: G, beta: 0, c: dhp, ldc: H)
                    } else {
                        BLAS.gemm(transA: false, transB: false, m: B, n: H, k: G, alpha: 1, a: dgp + t * B * G, lda: G,
                                  b: whh.baseAddress!, ldb: H, beta: 0, c: dhp, ldc: H)
                    }
                }
            }
        }}}}}}}}}

        dGates.withUnsafeValues { pdg in
            let dgp = pdg.baseAddress!
            x.withUnsafeValues { px in
                weightIH.grad.withUnsafeMutableValues { dw in
                    // dW_ih (4H, I) += dGatesᵀ (4H, T·B) · x (T·B, I)
                    BLAS.gemm(transA: true, transB: false, m: G, n: I, k: T * B, alpha: 1,
                              a: dgp, lda: G, b: px.baseAddress!, ldb: I, beta: 1, c: dw.baseAddress!, ldc: I)
                }
            }
            if T > 1 {
                hidden.withUnsafeValues { ph in
                    weightHH.grad.withUnsafeMutableValues { dw in
                        // dW_hh (4H, H) += dGates[1...]ᵀ (4H, (T-1)·B) · h[..<T-1] ((T-1)·B, H)
                        BLAS.gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                                  a: dgp + B * G, lda: G, b: ph.baseAddress!, ldb: H, beta: 1,
                                  c: dw.baseAddress!, ldc: H)
                    }
                }
            }
            biasIH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(dgp, rows: T * B, n: G, into: $0.baseAddress!) }
            biasHH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(dgp, rows: T * B, n: G, into: $0.baseAddress!) }
            if computesInputGradient { weightIH.value.withUnsafeValues { wih in
                dx.withUnsafeMutableValues { pdx in
                    // dx (T·B, I) = dGates (T·B, 4H) · W_ih (4H, I)
                    BLAS.gemm(transA: false, transB: false, m: T * B, n: I, k: G, alpha: 1,
                              a: dgp, lda: G, b: wih.baseAddress!, ldb: I, beta: 0, c: pdx.baseAddress!, ldc: I)
                }
            }}
        }
        // The cached input is no longer needed; dropping it lets the layer that produced it
        // reuse its buffer for the next batch instead of copying it.
        x = Tensor(shape: [0, 0, 0])
        return SequenceBatch(values: dx, lengths: lengths)
    }

    // MARK: Cell kernels (one sequence, one frame; eight hidden units per SIMD step)

    /// Activates the pre-activations g (4H) in place (i, f, g, o) and computes
    /// c = f ⊙ cPrev + i ⊙ g, tanhC = tanh(c), h = o ⊙ tanhC (each H).
    @inline(__always)
    static func cellForward(_ g: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                            tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>, H: Int) {
        var j = 0
        while j + 8 <= H {
            let ig = FastMath.sigmoid(FastMath.load(g + j))
            let fg = FastMath.sigmoid(FastMath.load(g + H + j))
            let gg = FastMath.tanh(FastMath.load(g + 2 * H + j))
            let og = FastMath.sigmoid(FastMath.load(g + 3 * H + j))
            FastMath.store(ig, g + j); FastMath.store(fg, g + H + j)
            FastMath.store(gg, g + 2 * H + j); FastMath.store(og, g + 3 * H + j)
            let cv = fg * FastMath.load(cPrev + j) + ig * gg
            let tcv = FastMath.tanh(cv)
            FastMath.store(cv, c + j); FastMath.store(tcv, tanhC + j); FastMath.store(og * tcv, h + j)
            j += 8
        }
        while j < H {
            let ig = FastMath.sigmoid(g[j]), fg = FastMath.sigmoid(g[H + j])
            let gg = FastMath.tanh(g[2 * H + j]), og = FastMath.sigmoid(g[3 * H + j])
            g[j] = ig; g[H + j] = fg; g[2 * H + j] = gg; g[3 * H + j] = og
            let cv = fg * cPrev[j] + ig * gg
            let tcv = FastMath.tanh(cv)
            c[j] = cv; tanhC[j] = tcv; h[j] = og * tcv
            j += 1
        }
    }

    /// Given dy and the recurrent dh, dc (each H) flowing into this frame, writes the
    /// pre-activation gradients dGates (4H) and replaces dc with the gradient for cPrev.
    @inline(__always)
    static func cellBackward(gates g: UnsafePointer<Float>, tanhC: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                             dy: UnsafePointer<Float>, dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
                             dGates dg: UnsafeMutablePointer<Float>, H: Int) {
        var j = 0
        while j + 8 <= H {
            let ig = FastMath.load(g + j), fg = FastMath.load(g + H + j)
            let gg = FastMath.load(g + 2 * H + j), og = FastMath.load(g + 3 * H + j)
            let tcv = FastMath.load(tanhC + j)
            let dhv = FastMath.load(dy + j) + FastMath.load(dh + j)
            let dcv = FastMath.load(dc + j) + dhv * og * (1 - tcv * tcv)
            FastMath.store(dcv * gg * ig * (1 - ig), dg + j)
            FastMath.store(dcv * FastMath.load(cPrev + j) * fg * (1 - fg), dg + H + j)
            FastMath.store(dcv * ig * (1 - gg * gg), dg + 2 * H + j)
            FastMath.store(dhv * tcv * og * (1 - og), dg + 3 * H + j)
            FastMath.store(dcv * fg, dc + j)
            j += 8
        }
        while j < H {
            let ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j]
            let tcv = tanhC[j]
            let dhv = dy[j] + dh[j]
            let dcv = dc[j] + dhv * og * (1 - tcv * tcv)
            dg[j] = dcv * gg * ig * (1 - ig)
            dg[H + j] = dcv * cPrev[j] * fg * (1 - fg)
            dg[2 * H + j] = dcv * ig * (1 - gg * gg)
            dg[3 * H + j] = dhv * tcv * og * (1 - og)
            dc[j] = dcv * fg
            j += 1
        }
    }
}
