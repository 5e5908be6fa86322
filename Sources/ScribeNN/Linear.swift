/// A fully connected layer applied to every frame: y = x · Wᵀ + b.
/// weight is (outputSize, inputSize) and bias is (outputSize), as in PyTorch's nn.Linear.
public final class Linear: Layer {
    public let inputSize: Int
    public let outputSize: Int
    /// weight is (out, in).
    public let weight: Parameter
    /// bias is (out).
    public let bias: Parameter
    /// When false, backward skips the input-gradient product and returns zeros.
    public var computesInputGradient = true

    /// y is (T, B, out) and dx is (T, B, in): workspaces reused across batches.
    private var y = Tensor(shape: [0]), dx = Tensor(shape: [0])
    /// x is (T, B, in): the last forward input, kept for the weight gradient.
    private var x = SequenceBatch(values: Tensor(shape: [0, 0, 0]))

    /// A layer initialised with `Initializer.glorotUniform` weights and zero bias; with
    /// `randomWeights` false the weights start at zero, for weights about to be loaded.
    public init(inputSize: Int, outputSize: Int, randomWeights: Bool = true, generator: inout ScribeCore.SeededGenerator) {
        precondition(inputSize > 0 && outputSize > 0, "Linear: sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(randomWeights ? Initializer.glorotUniform(rows: outputSize, columns: inputSize, generator: &generator)
                                         : Tensor(shape: [outputSize, inputSize]))
        bias = Parameter(Tensor(shape: [outputSize]))
    }

    public var spec: String { "Fl\(outputSize)" }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias)]
    }

    public func releaseCaches() { y = Tensor(shape: [0]); dx = Tensor(shape: [0]); x = SequenceBatch(values: Tensor(shape: [0, 0, 0])) }

    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        requireChannels( input, channels: inputSize, "Linear")
        x = input.maskedCopy()
        let rows = x.frames * x.batchSize
        let (i, o) = (inputSize, outputSize)
        // y is (T, B, out); overwritten by the product below.
        y.resize(to: [x.frames, x.batchSize, o])
        x.values.withUnsafeValues { px in
            weight.value.withUnsafeValues { pw in
                bias.value.withUnsafeValues { pb in
                    y.withUnsafeMutableValues { py in
                        BLAS.gemm(transA: false, transB: true, m: rows, n: o, k: i, alpha: 1,
                                  a: px.baseAddress!, lda: i, b: pw.baseAddress!, ldb: i,
                                  beta: 0, c: py.baseAddress!, ldc: o)
                        Kernels.addRowVector(py.baseAddress!, rows: rows, n: o, pb.baseAddress!)
                    }
                }
            }
        }
        SequenceBatch.zeroPadding(&y, lengths: x.lengths)
        return SequenceBatch(values: y, lengths: x.lengths)
    }

    public func backward(_ gradient: SequenceBatch) -> SequenceBatch {
        requireChannels( gradient, channels: outputSize, "Linear.backward")
        precondition(gradient.values.shape[0...1] == x.values.shape[0...1], "Linear.backward: gradient does not match the last forward")
        // g is (T, B, out), zero at padded frames
        let g = gradient.maskedCopy()
        let rows = x.frames * x.batchSize
        let (i, o) = (inputSize, outputSize)
        // dx is (T, B, in): overwritten by the product below, or zero when it is skipped.
        dx.resize(to: [x.frames, x.batchSize, i])
        if !computesInputGradient { dx.zero() }
        g.values.withUnsafeValues { pg in
            x.values.withUnsafeValues { px in
                weight.value.withUnsafeValues { pw in
                    weight.grad.withUnsafeMutableValues { pdw in
                        // dW (out, in) += gᵀ (out, rows) · x (rows, in)
                        BLAS.gemm(transA: true, transB: false, m: o, n: i, k: rows, alpha: 1,
                                  a: pg.baseAddress!, lda: o, b: px.baseAddress!, ldb: i,
                                  beta: 1, c: pdw.baseAddress!, ldc: i)
                    }
                    if computesInputGradient { dx.withUnsafeMutableValues { pdx in
                        // dx (rows, in) = g (rows, out) · W (out, in)
                        BLAS.gemm(transA: false, transB: false, m: rows, n: i, k: o, alpha: 1,
                                  a: pg.baseAddress!, lda: o, b: pw.baseAddress!, ldb: i,
                                  beta: 0, c: pdx.baseAddress!, ldc: i)
                    }}
                }
            }
            bias.grad.withUnsafeMutableValues { pdb in
                Kernels.accumulateColumnSums(pg.baseAddress!, rows: rows, n: o, into: pdb.baseAddress!)
            }
        }
        let lengths = x.lengths
        x = SequenceBatch(values: Tensor(shape: [0, 0, 0])) // no longer needed; frees the producer's buffer
        return SequenceBatch(values: dx, lengths: lengths)
    }
}

import ScribeCore
