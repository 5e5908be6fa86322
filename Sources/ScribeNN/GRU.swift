import ScribeCore
#if canImport(Glibc)
import Glibc
#endif

/// A unidirectional GRU over a padded batch, with PyTorch's equations and layout:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 - z) ⊙ n + z ⊙ h
///
/// weight_ih is (3H, I), weight_hh is (3H, H), bias_ih and bias_hh are (3H), gates in the
/// order r, z, n. Padding and truncation behave as in `LSTM`.
public final class GRU: Layer {
    public let inputSize: Int
    public let hiddenSize: Int
    public var outputSize: Int { hiddenSize }
    /// When set, gradients do not flow across chunks of this many frames.
    public var truncation: Int?
    /// When false, backward skips the input-gradient product and returns zeros (for the
    /// first layer of a network, whose input needs no gradient; see `skipInputGradient`).
    public var computesInputGradient = true

    /// weight_ih is (3H, I).
    public let weightIH: Parameter
    /// weight_hh is (3H, H).
    public let weightHH: Parameter
    /// bias_ih is (3H).
    public let biasIH: Parameter
    /// bias_hh is (3H).
    public let biasHH: Parameter

    /// x is (T, B, I).
    private var x = Tensor(shape: [0, 0, 0])
    private var lengths: [Int] = []
    /// gates is (T, B, 3H): activated r, z, n.
    private var gates = Tensor(shape: [0])
    /// recurrent is (T, B, 3H): W_hh h_{t-1} + b_hh (its n part is needed by backward).
    private var recurrent = Tensor(shape: [0])
    /// hidden is (T, B, H): h_t, the output.
    private var hidden = Tensor(shape: [0])
    /// dInput is (T, B, 3H): gradient w.r.t. the input-side pre-activations.
    private var dInput = Tensor(shape: [0])
    /// dRecurrent is (T, B, 3H): gradient w.r.t. W_hh h_{t-1} + b_hh.
    private var dRecurrent = Tensor(shape: [0])
    /// W_hhᵀ (H, 3H) and W_hh (3H, H) packed for the per-frame products.
    private var recurrentForward = PackedMatrix()
    private var recurrentBackward = PackedMatrix()
    /// dh is (B, H): gradient flowing into h_{t-1}.
    private var dh = Tensor(shape: [0])

    /// A GRU with Glorot-uniform input weights, orthogonal recurrent blocks and zero biases.
    /// `randomRecurrent` false leaves the recurrent weights at zero (see `LSTM`).
    public init(inputSize: Int, hiddenSize: Int, randomRecurrent: Bool = true, generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0, "GRU: sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        weightIH = Parameter(Initializer.glorotUniform(rows: 3 * hiddenSize, columns: inputSize, generator: &generator))
        weightHH = Parameter(randomRecurrent ? Initializer.stackedOrthogonal(gates: 3, hiddenSize, generator: &generator)
                                             : Tensor(shape: [3 * hiddenSize, hiddenSize]))
        biasIH = Parameter(Tensor(shape: [3 * hiddenSize]))
        biasHH = Parameter(Tensor(shape: [3 * hiddenSize]))
    }

    public var spec: String { "Gfx\(hiddenSize)" }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( input, channels: inputSize, "GRU")
        let masked = input.maskedCopy()
        x = masked.values
        lengths = masked.lengths
        let (T, B, I, H) = (masked.frames, masked.batchSize, inputSize, hiddenSize)
        let G = 3 * H
        gates.resize(to: [T, B, G])
        recurrent.resize(to: [T, B, G])
        hidden.resize(to: [T, B, H])
        let lengths = self.lengths
        // zeros is (H): h_{-1}.
        let zeros = [Float](repeating: 0, count: H)
        weightHH.value.withUnsafeValues { w in
            recurrentForward.update(k: H, n: G) { BLAS.transpose(w.baseAddress!, rows: G, columns: H, into: $0) }
        }
        let recurrentW = recurrentForward

        zeros.withUnsafeBufferPointer { pz in
        let zp = pz.baseAddress!
        x.withUnsafeValues { px in
        weightIH.value.withUnsafeValues { wih in
        weightHH.value.withUnsafeValues { whh in
        biasIH.value.withUnsafeValues { bih in
        biasHH.value.withUnsafeValues { bhh in
        gates.withUnsafeMutableValues { pg in
        recurrent.withUnsafeMutableValues { pr in
        hidden.withUnsafeMutableValues { ph in
            let gp = pg.baseAddress!, rp = pr.baseAddress!, hp = ph.baseAddress!
            // gates (T·B, 3H) = x · W_ihᵀ + b_ih  (input-side pre-activations)
            BLAS.gemm(transA: false, transB: true, m: T * B, n: G, k: I, alpha: 1,
                      a: px.baseAddress!, lda: I, b: wih.baseAddress!, ldb: I, beta: 0, c: gp, ldc: G)
            Kernels.addRowVector(gp, rows: T * B, n: G, bih.baseAddress!)
            for r in 0..<(T * B) { (rp + r * G).update(from: bhh.baseAddress!, count: G) }
            for t in 0..<T {
                let gt = gp + t * B * G, rt = rp + t * B * G
                if t > 0 {
                    // recurrent_t (B, 3H) += h_{t-1} (B, H) · W_hhᵀ
                    recurrentW.multiply(m: B, a: hp + (t - 1) * B * H, lda: H, beta: 1, c: rt, ldc: G)
                }
                for b in 0..<B {
                    let g = gt + b * G, rc = rt + b * G, h = hp + (t * B + b) * H
                    if t >= lengths[b] {
                        g.update(repeating: 0, count: G); rc.update(repeating: 0, count: G)
                        h.update(repeating: 0, count: H)
                        continue
                    }
                    let hPrev = t > 0 ? UnsafePointer(hp + ((t - 1) * B + b) * H) : zp
                    Self.cellForward(g, recurrent: rc, hPrev: hPrev, h: h, H: H)
                }
            }
        }}}}}}}}}
        return SequenceBatch(values: hidden, lengths: lengths)
    }

    public func backward(_ gradient: SequenceBatch) -> SequenceBatch {
        requireChannels( gradient, channels: hiddenSize, "GRU.backward")
        precondition(gradient.lengths == lengths && gradient.frames == x.shape[0],
                     "GRU.backward: gradient does not match the last forward")
        let (T, B, I, H) = (x.shape[0], x.shape[1], inputSize, hiddenSize)
        let G = 3 * H
        dInput.resize(to: [T, B, G])
        dRecurrent.resize(to: [T, B, G])
        dh.resize(to: [B, H]); dh.zero()
        // dx is (T, B, I)
        var dx = Tensor(shape: [T, B, I])
        let lengths = self.lengths
        let chunk = truncation ?? Int.max
        weightHH.value.withUnsafeValues { w in
            recurrentBackward.update(k: G, n: H) { $0.update(from: w.baseAddress!, count: G * H) }
        }
        let recurrentW = recurrentBackward

        gradient.values.withUnsafeValues { pdy in
        gates.withUnsafeValues { pg in
        recurrent.withUnsafeValues { pr in
        hidden.withUnsafeValues { ph in
        weightHH.value.withUnsafeValues { whh in
        dInput.withUnsafeMutableValues { pdi in
        dRecurrent.withUnsafeMutableValues { pdr in
        dh.withUnsafeMutableValues { pdh in
            let dhp = pdh.baseAddress!
            for t in stride(from: T - 1, through: 0, by: -1) {
                if (t + 1) % chunk == 0 { dhp.update(repeating: 0, count: B * H) }
                for b in 0..<B {
                    let row = t * B + b
                    let di = pdi.baseAddress! + row * G, dr = pdr.baseAddress! + row * G
                    let dhb = dhp + b * H
                    if t >= lengths[b] {
                        di.update(repeating: 0, count: G); dr.update(repeating: 0, count: G)
                        dhb.update(repeating: 0, count: H)
                        continue
                    }
                    let g = pg.baseAddress! + row * G, rc = pr.baseAddress! + row * G
                    let dy = pdy.baseAddress! + row * H
                    let hPrev: UnsafePointer<Float>? = t > 0 ? ph.baseAddress! + ((t - 1) * B + b) * H : nil
                    for j in 0..<H {
                        let rg = g[j], zg = g[H + j], ng = g[2 * H + j]
                        let hp = hPrev?[j] ?? 0
                        let dhv = dy[j] + dhb[j]
                        let dn = dhv * (1 - zg) * (1 - ng * ng)
                        let dz = dhv * (hp - ng) * zg * (1 - zg)
                        let drg = dn * rc[2 * H + j] * rg * (1 - rg)
                        di[j] = drg; di[H + j] = dz; di[2 * H + j] = dn
                        dr[j] = drg; dr[H + j] = dz; dr[2 * H + j] = dn * rg
                        dhb[j] = dhv * zg // direct path; the recurrent GEMM adds the rest
                    }
                }
                if t > 0 {
                    // dh (B, H) += dRecurrent_t (B, 3H) · W_hh (3H, H)
                    recurrentW.multiply(m: B, a: pdr.baseAddress! + t * B * G, lda: G, beta: 1, c: dhp, ldc: H)
                }
            }
        }}}}}}}}

        dInput.withUnsafeValues { pdi in
            let dip = pdi.baseAddress!
            x.withUnsafeValues { px in
                weightIH.grad.withUnsafeMutableValues { dw in
                    // dW_ih (3H, I) += dInputᵀ · x
                    BLAS.gemm(transA: true, transB: false, m: G, n: I, k: T * B, alpha: 1,
                              a: dip, lda: G, b: px.baseAddress!, ldb: I, beta: 1, c: dw.baseAddress!, ldc: I)
                }
            }
            biasIH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(dip, rows: T * B, n: G, into: $0.baseAddress!) }
            if computesInputGradient { weightIH.value.withUnsafeValues { wih in
                dx.withUnsafeMutableValues { pdx in
                    // dx (T·B, I) = dInput · W_ih
                    BLAS.gemm(transA: false, transB: false, m: T * B, n: I, k: G, alpha: 1,
                              a: dip, lda: G, b: wih.baseAddress!, ldb: I, beta: 0, c: pdx.baseAddress!, ldc: I)
                }
            }}
        }
        dRecurrent.withUnsafeValues { pdr in
            let drp = pdr.baseAddress!
            if T > 1 {
                hidden.withUnsafeValues { ph in
                    weightHH.grad.withUnsafeMutableValues { dw in
                        // dW_hh (3H, H) += dRecurrent[1...]ᵀ · h[..<T-1]
                        BLAS.gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                                  a: drp + B * G, lda: G, b: ph.baseAddress!, ldb: H, beta: 1,
                                  c: dw.baseAddress!, ldc: H)
                    }
                }
            }
            biasHH.grad.withUnsafeMutableValues { Kernels.accumulateColumnSums(drp, rows: T * B, n: G, into: $0.baseAddress!) }
        }
        return SequenceBatch(values: dx, lengths: lengths)
    }

    /// Replaces the input-side pre-activations g (3H) with the gates r, z, n and writes
    /// h = (1 - z) ⊙ n + z ⊙ hPrev, given recurrent = W_hh hPrev + b_hh (3H).
    @inline(__always)
    static func cellForward(_ g: UnsafeMutablePointer<Float>, recurrent rc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                            h: UnsafeMutablePointer<Float>, H: Int) {
        var j = 0
        while j + 8 <= H {
            let rg = FastMath.sigmoid(FastMath.load(g + j) + FastMath.load(rc + j))
            let zg = FastMath.sigmoid(FastMath.load(g + H + j) + FastMath.load(rc + H + j))
            let ng = FastMath.tanh(FastMath.load(g + 2 * H + j) + rg * FastMath.load(rc + 2 * H + j))
            FastMath.store(rg, g + j); FastMath.store(zg, g + H + j); FastMath.store(ng, g + 2 * H + j)
            FastMath.store((1 - zg) * ng + zg * FastMath.load(hPrev + j), h + j)
            j += 8
        }
        while j < H {
            let rg = FastMath.sigmoid(g[j] + rc[j])
            let zg = FastMath.sigmoid(g[H + j] + rc[H + j])
            let ng = FastMath.tanh(g[2 * H + j] + rg * rc[2 * H + j])
            g[j] = rg; g[H + j] = zg; g[2 * H + j] = ng
            h[j] = (1 - zg) * ng + zg * hPrev[j]
            j += 1
        }
    }
}
