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
public final class LSTM: RecurrentLayer, Layer {
    /// acts is the last forward's activations in one buffer, llm.c style:
    /// gates (T, B, 4H) activated i, f, g, o | cells c_t (T, B, H) | tanh(c_t) (T, B, H) |
    /// zeros (H), the initial cell state.
    private var acts = Tensor(shape: [0])
    /// hidden is (T, B, H): h_t, zero at padded frames; also the layer's output.
    private var hidden = Tensor(shape: [0])
    /// work is backward's workspace: dGates (T, B, 4H), the gradient w.r.t. the gate
    /// pre-activations | dh (B, H) flowing into h_{t-1} | dc (B, H) flowing into c_{t-1}.
    private var work = Tensor(shape: [0])

    /// An LSTM with Glorot-uniform input weights, orthogonal recurrent blocks, zero biases
    /// except the forget gate's `bias_ih` slice, set to `forgetBias`.
    /// With `randomWeights` false the weights start at zero instead: for a network whose
    /// weights are about to be loaded, where the O(H³) orthogonalization (a fifth of a
    /// 10-minute transcription's time) and the input weights' random draws (a sixth of
    /// reading one line with a four-network ensemble) would be wasted.
    public init(inputSize: Int, hiddenSize: Int, forgetBias: Float = 1, randomWeights: Bool = true,
                generator: inout SeededGenerator) {
        let h = hiddenSize
        var b = Tensor(shape: [4 * max(h, 0)])
        if h > 0 { for j in h..<(2 * h) { b.values[j] = forgetBias } }
        super.init(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, biasIH: b,
                                randomWeights: randomWeights, generator: &generator)
    }

    public var spec: String { "Lfx\(hiddenSize)" }

    public override func releaseCaches() {
        acts = Tensor(shape: [0]); hidden = Tensor(shape: [0]); work = Tensor(shape: [0])
        super.releaseCaches()
    }

    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        let (T, B) = begin(input, layer: "LSTM")
        let (H, G, lengths) = (hiddenSize, 4 * hiddenSize, lengths)
        acts.resize(to: [T * B * (G + 2 * H) + H])
        hidden.resize(to: [T, B, H])
        // bias is (4H): b_ih + b_hh, added once to the input projections.
        var bias = biasIH.value.values
        for j in 0..<G { bias[j] += biasHH.value.values[j] }
        acts.withUnsafeMutableValues { pa in
        hidden.withUnsafeMutableValues { ph in
            let gp = pa.baseAddress!, cp = gp + T * B * G, tcp = cp + T * B * H, zp = tcp + T * B * H
            let hp = ph.baseAddress!
            zp.update(repeating: 0, count: H)
            // gates (T·B, 4H) = x (T·B, I) · W_ihᵀ + bias
            projectInputs(into: gp, bias: bias)
            for t in 0..<T {
                let gt = gp + t * B * G
                // gates_t (B, 4H) += h_{t-1} (B, H) · W_hhᵀ (H, 4H)
                if t > 0 { addRecurrent(from: hp + (t - 1) * B * H, into: gt, batch: B) }
                for b in 0..<B {
                    let row = t * B + b
                    let g = gt + b * G, c = cp + row * H, tc = tcp + row * H, h = hp + row * H
                    if t >= lengths[b] {
                        g.update(repeating: 0, count: G)
                        c.update(repeating: 0, count: H); tc.update(repeating: 0, count: H)
                        h.update(repeating: 0, count: H)
                        continue
                    }
                    Self.cellForward(g, cPrev: t > 0 ? c - B * H : zp, c: c, tanhC: tc, h: h, H: H)
                }
            }
        }}
        return SequenceBatch(values: hidden, lengths: lengths)
    }

    public func backward(_ gradient: SequenceBatch) -> SequenceBatch {
        let (T, B) = beginBackward(gradient, layer: "LSTM")
        let (H, G, lengths) = (hiddenSize, 4 * hiddenSize, lengths)
        let chunk = truncation ?? Int.max
        work.resize(to: [T * B * G + 2 * B * H])
        var dx: SequenceBatch!
        gradient.values.withUnsafeValues { pdy in
        acts.withUnsafeValues { pa in
        work.withUnsafeMutableValues { pw in
            let gp = pa.baseAddress!, cp = gp + T * B * G, tcp = cp + T * B * H, zp = tcp + T * B * H
            let dgp = pw.baseAddress!, dhp = dgp + T * B * G, dcp = dhp + B * H
            dhp.update(repeating: 0, count: 2 * B * H)
            for t in stride(from: T - 1, through: 0, by: -1) {
                // Truncated BPTT: nothing flows back from the next chunk.
                if (t + 1) % chunk == 0 { dhp.update(repeating: 0, count: 2 * B * H) }
                for b in 0..<B {
                    let row = t * B + b
                    let dg = dgp + row * G, dhb = dhp + b * H, dcb = dcp + b * H
                    if t >= lengths[b] {
                        dg.update(repeating: 0, count: G)
                        dcb.update(repeating: 0, count: H)
                        continue
                    }
                    Self.cellBackward(gates: gp + row * G, tanhC: tcp + row * H, cPrev: t > 0 ? cp + (row - B) * H : zp,
                                      dy: pdy.baseAddress! + row * H, dh: dhb, dc: dcb, dGates: dg, H: H)
                }
                // dh (B, H) = dGates_t (B, 4H) · W_hh (4H, H)
                if t > 0 { propagateRecurrent(from: dgp + t * B * G, into: dhp, batch: B, beta: 0) }
            }
            dx = finishBackward(dInput: dgp, dRecurrent: dgp, hidden: hidden)
        }}}
        return dx
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
