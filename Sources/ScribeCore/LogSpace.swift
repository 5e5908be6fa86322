import Foundation

/// Log-space arithmetic shared by CTC training (ScribeNN) and the decoders (ScribeDecode).
public enum LogSpace {
    /// The log of zero probability. Kept finite-safe: `logAdd(zero, x) == x`.
    public static let zero = -Double.infinity

    /// `log(exp(a) + exp(b))` without overflow or underflow; exact when either side is `zero`.
    @inline(__always)
    public static func logAdd(_ a: Double, _ b: Double) -> Double {
        if a == zero { return b }
        if b == zero { return a }
        return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
    }

    /// Natural log of 10: ARPA files store base-10 logs, the decoders use natural logs.
    public static let ln10 = 2.302585092994046

    /// Log-softmax of each row of a (rows, columns) matrix, computed stably (the row's
    /// maximum subtracted first). `src` and `dst` may be the same buffer.
    public static func logSoftmaxRows(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let s = src + r * columns, d = dst + r * columns
            var peak = -Float.infinity
            for j in 0..<columns { peak = max(peak, s[j]) }
            var sum: Float = 0
            for j in 0..<columns { sum += expf(s[j] - peak) }
            let shift = peak + logf(sum)
            for j in 0..<columns { d[j] = s[j] - shift }
        }
    }
}
