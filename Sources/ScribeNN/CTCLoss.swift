import ScribeCore
#if canImport(Glibc)
import Glibc
#endif

/// How per-sequence CTC losses are combined, as in PyTorch's `ctc_loss`.
public enum CTCReduction: String, Sendable, CaseIterable {
    /// One loss per sequence.
    case none
    /// The sum over the batch.
    case sum
    /// Each loss divided by its target length (at least 1), then averaged over the batch.
    case mean
}

/// Errors from `CTCLoss`.
public enum CTCError: Error, CustomStringConvertible, Equatable {
    /// A sequence is too short to emit its labels (it needs one frame per label plus one
    /// blank between each pair of equal neighbours).
    case impossibleAlignment(sequence: Int, inputLength: Int, targetLength: Int, framesNeeded: Int)
    /// A label is the blank or outside 0..<classes.
    case invalidLabel(sequence: Int, label: Int, classes: Int, blank: Int)
    /// Lengths or shapes disagree.
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .impossibleAlignment(s, n, l, need):
            return "CTC loss: sequence \(s) has \(n) frames but its \(l) labels need at least \(need); " +
                "use fewer downsampling steps, drop the utterance, or set zeroInfinity to ignore it"
        case let .invalidLabel(s, label, classes, blank):
            return "CTC loss: sequence \(s) contains label \(label), but labels must be in 0..<\(classes) and differ from the blank \(blank)"
        case let .invalidInput(why):
            return "CTC loss: \(why)"
        }
    }
}

/// Connectionist temporal classification loss (Graves et al. 2006): the negative log of
/// the total probability of all frame alignments that collapse to the target, computed by
/// the forward-backward recursion in log space over the blank-extended target
/// (blank, l1, blank, l2, ..., lL, blank), batched over sequences of different lengths.
///
/// The gradient is returned with respect to the logits that produced the log-probabilities
/// through a log-softmax: softmax(x)[t, c] minus the posterior probability that frame t
/// emits c. It sums to zero over classes, so passing it through `LogSoftmax.backward`
/// leaves it unchanged (this is also what PyTorch's `ctc_loss` backward returns).
///
/// Decoding lives elsewhere; this file only scores.
public struct CTCLoss: Sendable {
    /// Index of the blank class.
    public var blank: Int
    /// How per-sequence losses are combined.
    public var reduction: CTCReduction
    /// When true, sequences with no valid alignment get loss 0 and gradient 0 instead of
    /// raising `CTCError.impossibleAlignment`.
    public var zeroInfinity: Bool

    public init(blank: Int = 0, reduction: CTCReduction = .mean, zeroInfinity: Bool = false) {
        self.blank = blank
        self.reduction = reduction
        self.zeroInfinity = zeroInfinity
    }

    /// The loss and its gradient for one batch.
    public struct Result: Sendable {
        /// The reduced loss (for `.none`, the sum of `losses`).
        public var loss: Float
        /// Negative log-likelihood of each sequence (0 for ignored impossible ones).
        public var losses: [Float]
        /// gradient is (T, B, C): d(reduced loss)/d(logits), zero at padded frames.
        /// For `.none` it is the gradient of the sum of the losses.
        public var gradient: Tensor
    }

    /// Frames a target needs: one per label plus one per pair of equal neighbours.
    public static func framesNeeded(_ target: [Int]) -> Int {
        target.count + zip(target, target.dropFirst()).filter { $0 == $1 }.count
    }

    /// Computes the loss of `logProbs` (T, B, C), log-softmax outputs, for `targets`,
    /// using frames 0..<inputLengths[b] of sequence b.
    public func callAsFunction(logProbs: Tensor, inputLengths: [Int], targets: [[Int]]) throws -> Result {
        guard logProbs.rank == 3 else { throw CTCError.invalidInput("log-probabilities must be (T, B, C), got \(logProbs.shape)") }
        let (T, B, C) = (logProbs.shape[0], logProbs.shape[1], logProbs.shape[2])
        guard inputLengths.count == B, targets.count == B else {
            throw CTCError.invalidInput("\(inputLengths.count) input lengths and \(targets.count) targets for a batch of \(B)")
        }
        guard blank >= 0 && blank < C else { throw CTCError.invalidInput("blank \(blank) outside 0..<\(C)") }
        for b in 0..<B {
            guard inputLengths[b] >= 0 && inputLengths[b] <= T else {
                throw CTCError.invalidInput("input length \(inputLengths[b]) of sequence \(b) outside 0...\(T)")
            }
            if let bad = targets[b].first(where: { $0 < 0 || $0 >= C || $0 == blank }) {
                throw CTCError.invalidLabel(sequence: b, label: bad, classes: C, blank: blank)
            }
            let need = Self.framesNeeded(targets[b])
            if inputLengths[b] < need && !zeroInfinity {
                throw CTCError.impossibleAlignment(sequence: b, inputLength: inputLengths[b],
                                                   targetLength: targets[b].count, framesNeeded: need)
            }
        }

        var losses = [Float](repeating: 0, count: B)
        // gradient is (T, B, C)
        var gradient = Tensor(shape: [T, B, C])
        let scale: [Double] = (0..<B).map { b in
            reduction == .mean ? 1 / (Double(max(targets[b].count, 1)) * Double(B)) : 1
        }
        logProbs.withUnsafeValues { lp in
            gradient.withUnsafeMutableValues { g in
                losses.withUnsafeMutableBufferPointer { out in
                    let lpBase = lp.baseAddress!, gBase = g.baseAddress!, outBase = out.baseAddress!
                    Workers.forEachChunk(count: B, threads: ComputeThreads.count) { range, _ in
                        var work = Workspace()
                        for b in range {
                            let nll = sequenceLoss(lpBase, gBase, T: T, B: B, C: C, b: b,
                                                   length: inputLengths[b], target: targets[b],
                                                   gradientScale: scale[b], work: &work)
                            outBase[b] = Float(nll)
                        }
                    }
                }
            }
        }
        let total: Double
        switch reduction {
        case .none, .sum: total = losses.reduce(0) { $0 + Double($1) }
        case .mean: total = (0..<B).reduce(0.0) { $0 + Double(losses[$1]) * scale[$1] }
        }
        return Result(loss: Float(total), losses: losses, gradient: gradient)
    }

    /// Applies a log-softmax to `logits` (T, B, C) and computes the loss; the gradient is
    /// with respect to `logits`.
    public func callAsFunction(logits: SequenceBatch, targets: [[Int]]) throws -> Result {
        var lp = logits.values
        logits.values.withUnsafeValues { s in
            lp.withUnsafeMutableValues { d in
                LogSpace.logSoftmaxRows(s.baseAddress!, d.baseAddress!, rows: logits.frames * logits.batchSize, columns: logits.channels)
            }
        }
        return try self(logProbs: lp, inputLengths: logits.lengths, targets: targets)
    }

    /// Per-thread scratch, grown as needed and reused across sequences.
    struct Workspace {
        /// alpha is (T, S): log forward variables.
        var alpha: [Double] = []
        /// beta is (T, S): log backward variables (including the emission at t).
        var beta: [Double] = []
        /// occupancy is (C): log posterior mass per class at one frame.
        var occupancy: [Double] = []
    }

    /// Forward-backward for sequence `b`; writes its gradient column and returns its loss.
    private func sequenceLoss(_ lp: UnsafePointer<Float>, _ grad: UnsafeMutablePointer<Float>,
                              T: Int, B: Int, C: Int, b: Int, length n: Int, target: [Int],
                              gradientScale: Double, work: inout Workspace) -> Double {
        let L = target.count
        let S = 2 * L + 1
        if n < Self.framesNeeded(target) { return 0 } // only reached with zeroInfinity: loss 0, gradient 0
        if n == 0 { return 0 } // empty input, empty target: probability 1
        @inline(__always) func label(_ s: Int) -> Int { s % 2 == 0 ? blank : target[s / 2] }
        @inline(__always) func logp(_ t: Int, _ c: Int) -> Double { Double(lp[(t * B + b) * C + c]) }
        // A state may be entered from two states back when it is a label differing from the
        // label two positions earlier (otherwise the blank between them is mandatory).
        @inline(__always) func canSkip(_ s: Int) -> Bool { s >= 2 && s % 2 == 1 && target[s / 2] != target[s / 2 - 1] }

        if work.alpha.count < n * S { work.alpha = [Double](repeating: 0, count: n * S); work.beta = work.alpha }
        if work.occupancy.count < C { work.occupancy = [Double](repeating: 0, count: C) }
        return work.alpha.withUnsafeMutableBufferPointer { alphaBuf in
        work.beta.withUnsafeMutableBufferPointer { betaBuf in
        work.occupancy.withUnsafeMutableBufferPointer { occBuf in
            let alpha = alphaBuf.baseAddress!, beta = betaBuf.baseAddress!, occ = occBuf.baseAddress!
            // Forward: alpha[t, s] = log P(prefix of the extended target up to s, frames 0...t).
            for s in 0..<S { alpha[s] = LogSpace.zero }
            alpha[0] = logp(0, blank)
            if S > 1 { alpha[1] = logp(0, label(1)) }
            for t in 1..<max(n, 1) {
                let prev = alpha + (t - 1) * S, cur = alpha + t * S
                for s in 0..<S {
                    var a = prev[s]
                    if s >= 1 { a = LogSpace.logAdd(a, prev[s - 1]) }
                    if canSkip(s) { a = LogSpace.logAdd(a, prev[s - 2]) }
                    cur[s] = a == LogSpace.zero ? LogSpace.zero : a + logp(t, label(s))
                }
            }
            let last = alpha + (n - 1) * S
            let logLikelihood = S > 1 ? LogSpace.logAdd(last[S - 1], last[S - 2]) : last[0]
            if logLikelihood == LogSpace.zero {
                // Underflow of every path (not a length problem): report infinity unless ignored.
                return zeroInfinity ? 0 : Double.infinity
            }

            // Backward: beta[t, s] = log P(suffix from s, frames t..<n), emission at t included.
            let endRow = beta + (n - 1) * S
            for s in 0..<S { endRow[s] = LogSpace.zero }
            endRow[S - 1] = logp(n - 1, label(S - 1))
            if S > 1 { endRow[S - 2] = logp(n - 1, label(S - 2)) }
            for t in stride(from: n - 2, through: 0, by: -1) {
                let next = beta + (t + 1) * S, cur = beta + t * S
                for s in 0..<S {
                    var a = next[s]
                    if s + 1 < S { a = LogSpace.logAdd(a, next[s + 1]) }
                    if s + 2 < S && canSkip(s + 2) { a = LogSpace.logAdd(a, next[s + 2]) }
                    cur[s] = a == LogSpace.zero ? LogSpace.zero : a + logp(t, label(s))
                }
            }

            // Gradient w.r.t. logits: softmax minus posterior occupancy of each class.
            for t in 0..<n {
                for c in 0..<C { occ[c] = LogSpace.zero }
                let a = alpha + t * S, be = beta + t * S
                for s in 0..<S {
                    let c = label(s)
                    occ[c] = LogSpace.logAdd(occ[c], a[s] + be[s])
                }
                let g = grad + (t * B + b) * C
                for c in 0..<C {
                    let lpc = logp(t, c)
                    // alpha·beta counts the emission at t twice; divide it out once.
                    let posterior = occ[c] == LogSpace.zero ? 0 : exp(occ[c] - lpc - logLikelihood)
                    g[c] = Float((exp(lpc) - posterior) * gradientScale)
                }
            }
            return -logLikelihood
        }}}
    }
}
