/// Plumbing: layers applied one after another; backward runs them in reverse.
/// Parameter names are prefixed with the child's index (`0.weight`, `1.0.weight_ih`, ...).
public final class Series: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) {
        precondition(!layers.isEmpty, "Series: at least one layer")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(a.outputSize == b.inputSize,
                         "Series: \(a.spec) outputs \(a.outputSize) channels but \(b.spec) takes \(b.inputSize)")
        }
        self.layers = layers
    }

    public var inputSize: Int { layers[0].inputSize }
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    public var spec: String { "[" + layers.map(\.spec).joined(separator: " ") + "]" }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, l in l.namedParameters().map { ("\(i).\($0.name)", $0.parameter) } }
    }

    public func outputLength(inputLength: Int) -> Int {
        layers.reduce(inputLength) { $1.outputLength(inputLength: $0) }
    }

    public func releaseCaches() { layers.forEach { $0.releaseCaches() } }

    public func forward(_ x: SequenceBatch, training: Bool) -> SequenceBatch {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    public func backward(_ dy: SequenceBatch) -> SequenceBatch {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }
}
