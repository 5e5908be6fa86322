import ScribeCore

/// Weight initialisation, always from a `SeededGenerator` so a seed fixes every value.
public enum Initializer {
    /// Glorot (Xavier) uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), for a
    /// (rows, columns) = (fanOut, fanIn) weight.
    public static func glorotUniform(rows: Int, columns: Int, generator: inout SeededGenerator) -> Tensor {
        let a = (6.0 / Double(rows + columns)).squareRoot()
        return uniform(shape: [rows, columns], bound: a, generator: &generator)
    }

    /// U(-bound, bound) values of `shape`.
    public static func uniform(shape: [Int], bound: Double, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, generator: &generator) { g in Float((2 * g.nextUniform() - 1) * bound) }
    }

    /// A random (n, n) orthogonal matrix: Gram–Schmidt (applied twice for accuracy) on
    /// the rows of a Gaussian matrix.
    public static func orthogonal(_ n: Int, generator: inout SeededGenerator) -> Tensor {
        var q = [Double](repeating: 0, count: n * n)
        for i in q.indices { q[i] = generator.nextGaussian() }
        for r in 0..<n {
            for _ in 0..<2 {
                for p in 0..<r {
                    var dot = 0.0
                    for j in 0..<n { dot += q[r * n + j] * q[p * n + j] }
                    for j in 0..<n { q[r * n + j] -= dot * q[p * n + j] }
                }
            }
            var norm = 0.0
            for j in 0..<n { norm += q[r * n + j] * q[r * n + j] }
            norm = norm.squareRoot()
            for j in 0..<n { q[r * n + j] /= norm }
        }
        return Tensor(shape: [n, n], values: q.map(Float.init))
    }

    /// A (gates · n, n) recurrent weight made of `gates` stacked orthogonal (n, n) blocks.
    public static func stackedOrthogonal(gates: Int, _ n: Int, generator: inout SeededGenerator) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(gates * n * n)
        for _ in 0..<gates { values += orthogonal(n, generator: &generator).values }
        return Tensor(shape: [gates * n, n], values: values)
    }
}
