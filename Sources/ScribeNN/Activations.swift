// Pointwise activations share one kernel shape: y = f(x) frame by frame, and
// dx = dy ⊙ f'(y) written in terms of the cached output y.
// ReLU, Tanh and Sigmoid each live in their own file and call these helpers.

/// Applies `f` to every value, keeping padded frames at zero.
func pointwiseForward(_ x: SequenceBatch, _ f: (Float) -> Float) -> SequenceBatch {
    var y = x
    y.values.withUnsafeMutableValues { v in
        for i in 0..<v.count { v[i] = f(v[i]) }
    }
    y.zeroPadding()
    return y
}

/// dx = dy ⊙ derivative(y), zero at padded frames.
func pointwiseBackward(_ dy: SequenceBatch, output y: SequenceBatch, _ derivative: (Float) -> Float) -> SequenceBatch {
    precondition(dy.values.shape == y.values.shape, "activation backward: gradient \(dy.values.shape) does not match output \(y.values.shape)")
    var dx = dy
    dx.values.withUnsafeMutableValues { d in
        y.values.withUnsafeValues { yv in
            for i in 0..<d.count { d[i] *= derivative(yv[i]) }
        }
    }
    dx.lengths = y.lengths
    dx.zeroPadding()
    return dx
}
