import Foundation

/// The slow CTC oracle: sums the probability of every path of T symbols over C classes
/// (C^T of them) that collapses to the target. Only for tiny cases in tests.
public enum CTCReference {
    /// Collapses a path: merges repeats, then removes blanks.
    public static func collapse(_ path: [Int], blank: Int) -> [Int] {
        var out: [Int] = []
        var previous = -1
        for c in path {
            if c != previous && c != blank { out.append(c) }
            previous = c
        }
        return out
    }

    /// Loss and gradient w.r.t. the logits for one sequence; logProbs is (T, C).
    /// Returns loss = +infinity when no path collapses to the target.
    public static func bruteForce(logProbs: Tensor, target: [Int], blank: Int) -> (loss: Double, gradient: Tensor) {
        precondition(logProbs.rank == 2, "bruteForce: logProbs must be (T, C)")
        let (T, C) = (logProbs.shape[0], logProbs.shape[1])
        precondition(pow(Double(C), Double(T)) <= 2_000_000, "bruteForce: C^T too large")
        var total = 0.0
        // posterior is (T, C): summed probability of matching paths emitting c at t.
        var posterior = [Double](repeating: 0, count: T * C)
        var path = [Int](repeating: 0, count: T)
        let count = Int(pow(Double(C), Double(T)).rounded())
        for code in 0..<count {
            var rest = code
            for t in 0..<T { path[t] = rest % C; rest /= C }
            guard collapse(path, blank: blank) == target else { continue }
            var logP = 0.0
            for t in 0..<T { logP += Double(logProbs.values[t * C + path[t]]) }
            let p = exp(logP)
            total += p
            for t in 0..<T { posterior[t * C + path[t]] += p }
        }
        var gradient = Tensor(shape: [T, C])
        for i in 0..<(T * C) {
            gradient.values[i] = Float(exp(Double(logProbs.values[i])) - (total > 0 ? posterior[i] / total : 0))
        }
        return (-log(total), gradient)
    }
}
