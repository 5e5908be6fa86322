/// A dense row-major matrix of `Float32` values: `rows × columns`.
///
/// Scribe's front ends produce one row per frame and one column per feature bin,
/// which is also the layout of the `.npy` files `scribe features` writes.
public struct FeatureMatrix: Equatable, Sendable {
    /// Number of rows (frames).
    public private(set) var rows: Int
    /// Number of columns (bins).
    public let columns: Int
    /// Row-major storage, `rows * columns` values.
    public internal(set) var values: [Float]

    /// Creates a matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// Wraps existing row-major values; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        precondition(values.count == rows * columns,
                     "FeatureMatrix: \(values.count) values for shape \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The value at `row`, `column`.
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row as an array.
    public func row(_ r: Int) -> ArraySlice<Float> {
        values[(r * columns)..<((r + 1) * columns)]
    }

    /// Appends `count` rows of zeros.
    public mutating func appendZeroRows(_ count: Int) {
        values.append(contentsOf: repeatElement(Float(0), count: count * columns))
        rows += count
    }

    /// Reserves storage for `rows` rows in total.
    public mutating func reserveRows(_ count: Int) {
        values.reserveCapacity(count * columns)
    }

    /// The matrix with rows and columns exchanged.
    public func transposed() -> FeatureMatrix {
        var out = FeatureMatrix(rows: columns, columns: rows)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    for c in 0..<columns { dst[c * rows + r] = src[r * columns + c] }
                }
            }
        }
        return out
    }

    /// Applies `transform` to every value in place.
    public mutating func apply(_ transform: (Float) -> Float) {
        values.withUnsafeMutableBufferPointer { buf in
            for i in buf.indices { buf[i] = transform(buf[i]) }
        }
    }

    /// Runs `body` with mutable access to the row-major storage.
    public mutating func withUnsafeMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer { try body($0) }
    }
}
