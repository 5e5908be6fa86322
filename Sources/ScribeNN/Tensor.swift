import ScribeCore

/// A dense Float32 tensor: a shape and its values stored contiguously, row-major
/// (the last dimension varies fastest), like a C-contiguous NumPy array or PyTorch tensor.
///
/// Kernels reach the storage only through `withUnsafeValues`/`withUnsafeMutableValues`,
/// so every unsafe pointer lives inside a closure whose bounds are checked at the boundary.
public struct Tensor: Equatable, Sendable, CustomStringConvertible {
    /// Dimensions, outermost first.
    public private(set) var shape: [Int]
    /// Row-major values; `values.count == shape.reduce(1, *)`.
    public var values: [Float]

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.values = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of `shape` whose values are not set: for a layer's output that its kernel
    /// writes in full before anyone reads it. Zero-filling such a tensor on the calling thread
    /// took a tenth of a convolutional training step, which the kernels then overwrote.
    init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.values = Self.unset(count: shape.reduce(1, *))
    }

    /// `count` values a kernel is about to overwrite: left as they are in release builds,
    /// NaN in debug builds (the tests), so a value read before it is written shows up there.
    static func unset(count n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { buffer, count in
            #if DEBUG
            buffer.initialize(repeating: .nan)
            #endif
            count = n
        }
    }

    /// Wraps `values` (row-major) as a tensor of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(values.count == shape.reduce(1, *),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A tensor with values drawn from `draw`, in row-major order.
    public init(shape: [Int], generator: inout SeededGenerator, _ draw: (inout SeededGenerator) -> Float) {
        self.init(shape: shape)
        for i in values.indices { values[i] = draw(&generator) }
    }

    /// Number of values.
    public var count: Int { values.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The same values viewed with another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: values)
    }

    /// Changes the shape in place, reusing the storage when the size is unchanged
    /// (workspaces call this once per batch, never per time step).
    public mutating func resize(to newShape: [Int]) {
        let n = newShape.reduce(1, *)
        shape = newShape
        if values.count != n { values = [Float](repeating: 0, count: n) }
    }

    /// `resize(to:)` for a workspace its kernel overwrites in full: new storage is not zeroed.
    mutating func resizeForOverwrite(to newShape: [Int]) {
        let n = newShape.reduce(1, *)
        shape = newShape
        if values.count != n { values = Self.unset(count: n) }
    }

    /// Sets every value to zero, keeping the storage.
    public mutating func zero() {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// The value at a multi-dimensional index (slow; for tests and tools).
    public subscript(_ index: Int...) -> Float {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "Tensor: index \(index) out of bounds for shape \(shape)")
            o = o * d + i
        }
        return o
    }

    /// Runs `body` with read access to the storage.
    @inlinable
    public func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer(body)
    }

    /// Runs `body` with write access to the storage.
    @inlinable
    public mutating func withUnsafeMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Largest absolute difference to `other` (same shape required).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "maxAbsDifference: shapes \(shape) and \(other.shape)")
        var m: Float = 0
        for i in values.indices { m = max(m, abs(values[i] - other.values[i])) }
        return m
    }

    /// `self += other`, elementwise.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shapes \(shape) and \(other.shape)")
        values.withUnsafeMutableBufferPointer { d in
            other.values.withUnsafeBufferPointer { s in
                for i in 0..<d.count { d[i] += s[i] }
            }
        }
    }

    public var description: String { "Tensor\(shape)" }
}

/// A batch of variable-length sequences stored padded, time-major: `values` is (T, B, C),
/// sequence `b` occupies frames `0..<lengths[b]`, and every layer keeps the padded frames
/// at zero in its outputs and ignores them in its gradients.
public struct SequenceBatch: Equatable, Sendable {
    /// values is (T, B, C).
    public var values: Tensor
    /// Valid frames per sequence, each in `0...T`.
    public var lengths: [Int]

    public init(values: Tensor, lengths: [Int]) {
        precondition(values.rank == 3, "SequenceBatch: values must be (T, B, C), got \(values.shape)")
        precondition(lengths.count == values.shape[1],
                     "SequenceBatch: \(lengths.count) lengths for batch size \(values.shape[1])")
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= values.shape[0] },
                     "SequenceBatch: lengths \(lengths) outside 0...\(values.shape[0])")
        self.values = values
        self.lengths = lengths
    }

    /// A batch where every sequence has all `T` frames.
    public init(values: Tensor) {
        self.init(values: values, lengths: [Int](repeating: values.shape[0], count: values.shape[1]))
    }

    /// Frames (padded length T).
    public var frames: Int { values.shape[0] }
    /// Sequences in the batch (B).
    public var batchSize: Int { values.shape[1] }
    /// Channels per frame (C).
    public var channels: Int { values.shape[2] }

    /// Sets the padded frames (t >= lengths[b]) to zero.
    public mutating func zeroPadding() {
        Self.zeroPadding(&values, lengths: lengths)
    }

    /// Sets the padded frames of `values` (T, B, C) to zero; does not touch (or copy) the
    /// storage when nothing is padded.
    static func zeroPadding(_ values: inout Tensor, lengths: [Int]) {
        let (t, b, c) = (values.shape[0], values.shape[1], values.shape[2])
        guard lengths.contains(where: { $0 < t }) else { return }
        values.withUnsafeMutableValues { v in
            for s in 0..<b where lengths[s] < t {
                for f in lengths[s]..<t {
                    (v.baseAddress! + (f * b + s) * c).update(repeating: 0, count: c)
                }
            }
        }
    }
}
