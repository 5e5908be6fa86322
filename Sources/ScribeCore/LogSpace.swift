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
}
