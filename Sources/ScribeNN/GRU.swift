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
public final class GRU: RecurrentLayer, Layer {
    /// acts is the last forward's activations in one buffer: gates (T, B, 3H) activated
    /// r, z, n | recurrent (T, B, 3H) = W_hh h_{t-1} + b_hh (its n part is needed by
    /// backward) | zeros (H), the initial state.
    private var acts = Tensor(shape: [0])
    /// hidden is (T, B, H): h_t, the output.
    private var hidden = Tensor(shape: [0])
    /// work is backward's workspace: dInput (T, B, 3H), the gradient w.r.t. the input-side
    /// pre-activations | dRecurrent (T, B, 3H), w.r.t. W_hh h_{t-1} + b_hh | dh (B, H)
    /// flowing into h_{t-1}.
    private var work = Tensor(shape: [0])

    /// A GRU with Glorot-uniform input weights, orthogonal recurrent blocks and zero biases.
    /// `randomWeights` false leaves the weights at zero (see `LSTM`).
    public init(inputSize: Int, hiddenSize: Int, randomWeights: Bool = true, generator: inout SeededGenerator) {
        super.init(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, biasIH: Tensor(shape: [3 * max(hiddenSize, 0)]),
                                randomWeights: randomWeights, generator: &generator)
    }

    public var spec: String { "Gfx\(hiddenSize)" }

    public override func releaseCaches() {
        acts = Tensor(shape: [0]); hidden = Tensor(shape: [0]); work = Tensor(shape: [0])
        super.releaseCaches()
    }

    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        let (T, B) = begin(input, layer: "GRU")
        let (H, G, lengths) = (hiddenSize, 3 * hiddenSize, lengths)
        acts.resize(to: [2 * T * B * G + H])
        hidden.resize(to: [T, B, H])
        let recurrentBias = biasHH.value.values
        acts.withUnsafeMutableValues { pa in
        hidden.withUnsafeMutableValues { ph in
            let gp = pa.baseAddress!, rp = gp + T * B * G, zp = rp + T * B * G
            let hp = ph.baseAddress!
            zp.update(repeating: 0, count: H)
            // gates (T·B, 3H) = x · W_ihᵀ + b_ih  (input-side pre-activations)
            projectInputs(into: gp, bias: biasIH.value.values)
            recurrentBias.withUnsafeBufferPointer { bhh in
                for r in 0..<(T * B) { (rp + r * G).update(from: bhh.baseAddress!, count: G) }
            }
            for t in 0..<T {
                let gt = gp + t * B * G, rt = rp + t * B * G
                // recurrent_t (B, 3H) += h_{t-1} (B, H) · W_hhᵀ
                if t > 0 { addRecurrent(from: hp + (t - 1) * B * H, into: rt, batch: B) }
                for b in 0..<B {
                    let g = gt + b * G, rc = rt + b * G, h = hp + (t * B + b) * H
                    if t >= lengths[b] {
                        g.update(repeating: 0, count: G); rc.update(repeating: 0, count: G)
                        h.update(repeating: 0, count: H)
                        continue
                    }
                    Self.cellForward(g, recurrent: rc, hPrev: t > 0 ? h - B * H : zp, h: h, H: H)
                }
            }
        }}
        return SequenceBatch(values: hidden, lengths: lengths)
    }

    public func backward(_ gradient: SequenceBatch) -> SequenceBatch {
        let (T, B) = beginBackward(gradient, layer: "GRU")
        let (H, G, lengths) = (hiddenSize, 3 * hiddenSize, lengths)
        let chunk = truncation ?? Int.max
        work.resize(to: [2 * T * B * G + B * H])
        var dx: SequenceBatch!
        gradient.values.withUnsafeValues { pdy in
        acts.withUnsafeValues { pa in
        hidden.withUnsafeValues { ph in
        work.withUnsafeMutableValues { pw in
            let gp = pa.baseAddress!, rp = gp + T * B * G, zp = rp + T * B * G
            let dip = pw.baseAddress!, drp = dip + T * B * G, dhp = drp + T * B * G
            dhp.update(repeating: 0, count: B * H)
            for t in stride(from: T - 1, through: 0, by: -1) {
                if (t + 1) % chunk == 0 { dhp.update(repeating: 0, count: B * H) }
                for b in 0..<B {
                    let row = t * B + b
                    let di = dip + row * G, dr = drp + row * G, dhb = dhp + b * H
                    if t >= lengths[b] {
                        di.update(repeating: 0, count: G); dr.update(repeating: 0, count: G)
                        dhb.update(repeating: 0, count: H)
                        continue
                    }
                    Self.cellBackward(gates: gp + row * G, recurrent: rp + row * G, hPrev: t > 0 ? ph.baseAddress! + (row - B) * H : zp,
                                      dy: pdy.baseAddress! + row * H, dh: dhb, dInput: di, dRecurrent: dr, H: H)
                }
                // dh (B, H) += dRecurrent_t (B, 3H) · W_hh (3H, H)
                if t > 0 { propagateRecurrent(from: drp + t * B * G, into: dhp, batch: B, beta: 1) }
            }
            dx = finishBackward(dInput: dip, dRecurrent: drp, hidden: hidden)
        }}}}
        return dx
    }

    /// Given dy and the recurrent dh (each H) flowing into this frame, writes the gradients
    /// w.r.t. the input-side pre-activations dInput (3H) and w.r.t. W_hh hPrev + b_hh,
    /// dRecurrent (3H), and replaces dh with the direct path to hPrev (z ⊙ dh; the
    /// recurrent product adds the rest).
    @inline(__always)
    static func cellBackward(gates g: UnsafePointer<Float>, recurrent rc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                             dy: UnsafePointer<Float>, dh: UnsafeMutablePointer<Float>,
                             dInput di: UnsafeMutablePointer<Float>, dRecurrent dr: UnsafeMutablePointer<Float>, H: Int) {
        for j in 0..<H {
            let rg = g[j], zg = g[H + j], ng = g[2 * H + j]
            let dhv = dy[j] + dh[j]
            let dn = dhv * (1 - zg) * (1 - ng * ng)
            let dz = dhv * (hPrev[j] - ng) * zg * (1 - zg)
            let drg = dn * rc[2 * H + j] * rg * (1 - rg)
            di[j] = drg; di[H + j] = dz; di[2 * H + j] = dn
            dr[j] = drg; dr[H + j] = dz; dr[2 * H + j] = dn * rg
            dh[j] = dhv * zg
        }
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
