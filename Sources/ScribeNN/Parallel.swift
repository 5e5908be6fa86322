import Foundation

/// Plumbing: every branch sees the same input; outputs are concatenated along channels
/// (branch 0 first) and input gradients are summed. With two or more compute threads the
/// branches run concurrently, each with a single-threaded BLAS, so a bidirectional LSTM
/// uses one core per direction. The arithmetic per branch is the same either way.
public final class Parallel: Layer {
    public let branches: [Layer]
    /// output is (T, B, ΣC_i) and parts[i] is (T, B, C_i): workspaces reused across batches.
    private var output = Tensor(shape: [0])
    private var parts: [Tensor] = []
    /// inputGradient is (T, B, inputSize): the summed branch gradients.
    private var inputGradient = Tensor(shape: [0])

    public init(_ branches: [Layer]) {
        precondition(!branches.isEmpty, "Parallel: at least one branch")
        precondition(branches.allSatisfy { $0.inputSize == branches[0].inputSize },
                     "Parallel: branches take different input sizes: \(branches.map(\.inputSize))")
        self.branches = branches
    }

    public var inputSize: Int { branches[0].inputSize }
    public var outputSize: Int { branches.reduce(0) { $0 + $1.outputSize } }
    public var spec: String {
        // A forward LSTM next to a reversed copy prints as tesseract's bidirectional `Lbx`.
        if branches.count == 2, let f = branches[0] as? LSTM, let r = branches[1] as? Reversed,
           let g = r.inner as? LSTM, f.hiddenSize == g.hiddenSize, f.inputSize == g.inputSize {
            return "Lbx\(f.hiddenSize)"
        }
        if branches.count == 2, let f = branches[0] as? GRU, let r = branches[1] as? Reversed,
           let g = r.inner as? GRU, f.hiddenSize == g.hiddenSize, f.inputSize == g.inputSize {
            return "Gbx\(f.hiddenSize)"
        }
        return "(" + branches.map(\.spec).joined(separator: " ") + ")"
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        branches.enumerated().flatMap { i, l in l.namedParameters().map { ("\(i).\($0.name)", $0.parameter) } }
    }

    /// Runs `body(i)` for every branch, concurrently when threads allow.
    private func eachBranch(_ body: (Int) -> Void) {
        let threads = ComputeThreads.count
        if threads >= 2 && branches.count >= 2 {
            ComputeThreads.withProductThreads(max(1, threads / branches.count)) {
                DispatchQueue.concurrentPerform(iterations: branches.count, execute: body)
            }
        } else {
            for i in branches.indices { body(i) }
        }
    }

    public func releaseCaches() {
        branches.forEach { $0.releaseCaches() }
        output = Tensor(shape: [0]); parts = []; inputGradient = Tensor(shape: [0])
    }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        var outputs = [SequenceBatch?](repeating: nil, count: branches.count)
        outputs.withUnsafeMutableBufferPointer { out in
            eachBranch { i in out[i] = branches[i].forward(x, training: training) }
        }
        let ys = outputs.map { $0! }
        let (T, B, C) = (x.frames, x.batchSize, outputSize)
        // output is (T, B, ΣC_i); every value is overwritten below.
        output.resize(to: [T, B, C])
        output.withUnsafeMutableValues { py in
            var offset = 0
            for part in ys {
                let c = part.channels
                part.values.withUnsafeValues { pp in
                    for r in 0..<(T * B) {
                        (py.baseAddress! + r * C + offset).update(from: pp.baseAddress! + r * c, count: c)
                    }
                }
                offset += c
            }
        }
        return SequenceBatch(values: output, lengths: x.lengths)
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        requireChannels( dy, channels: outputSize, "Parallel.backward")
        let (T, B, C) = (dy.frames, dy.batchSize, outputSize)
        // parts[i] is (T, B, C_i): branch i's slice of dy.
        if self.parts.count != branches.count { self.parts = branches.map { _ in Tensor(shape: [0]) } }
        var offset = 0
        dy.values.withUnsafeValues { pdy in
            for (i, l) in branches.enumerated() {
                let c = l.outputSize
                self.parts[i].resize(to: [T, B, c])
                self.parts[i].withUnsafeMutableValues { pp in
                    for r in 0..<(T * B) {
                        (pp.baseAddress! + r * c).update(from: pdy.baseAddress! + r * C + offset, count: c)
                    }
                }
                offset += c
            }
        }
        let parts = self.parts.map { SequenceBatch(values: $0, lengths: dy.lengths) }
        var grads = [SequenceBatch?](repeating: nil, count: branches.count)
        grads.withUnsafeMutableBufferPointer { out in
            eachBranch { i in out[i] = branches[i].backward(parts[i]) }
        }
        inputGradient.resize(to: grads[0]!.values.shape)
        inputGradient.withUnsafeMutableValues { d in
            grads[0]!.values.withUnsafeValues { d.baseAddress!.update(from: $0.baseAddress!, count: d.count) }
        }
        for g in grads.dropFirst() { inputGradient.add(g!.values) }
        return SequenceBatch(values: inputGradient, lengths: dy.lengths)
    }
}
