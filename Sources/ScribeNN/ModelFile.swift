import Foundation

/// A Scribe model on disk: a safetensors file whose tensors are the network's parameters,
/// named as `Layer.namedParameters()` names them, and whose `__metadata__` describes how
/// to rebuild and use the network:
///
///     scribe.format         "1"
///     scribe.architecture   network spec, e.g. "[Lbx256 Lbx256 Fl29]" (see NetworkSpec)
///     scribe.input_size     channels per input frame, e.g. "80"
///     scribe.alphabet       JSON array of output symbols, index 0 first (the CTC blank included)
///     scribe.front_end      JSON object describing the feature extraction
///
/// Parameter names for `[Lbx256 Lbx256 Fl29]` are `0.0.weight_ih` (layer 0 forward,
/// PyTorch `weight_ih_l0`), `0.1.weight_ih` (layer 0 backward, `weight_ih_l0_reverse`),
/// ..., `2.weight`, `2.bias`; shapes follow PyTorch. Python can read the file with
/// `safetensors.torch.load_file`.
public struct ModelFile {
    public var architecture: String
    public var inputSize: Int
    public var alphabet: [String]
    /// Front-end configuration as JSON text ("{}" when none).
    public var frontEnd: String

    public init(architecture: String, inputSize: Int, alphabet: [String], frontEnd: String = "{}") {
        self.architecture = architecture
        self.inputSize = inputSize
        self.alphabet = alphabet
        self.frontEnd = frontEnd
    }

    /// Writes `network`'s parameters and this description to `path`.
    public func save(_ network: Layer, to path: String) throws {
        var file = SafeTensors()
        for (name, p) in network.namedParameters() { file.tensors[name] = p.value }
        let alphabetJSON = String(decoding: try JSONSerialization.data(withJSONObject: alphabet), as: UTF8.self)
        file.metadata = ["scribe.format": "1", "scribe.architecture": architecture,
                         "scribe.input_size": String(inputSize), "scribe.alphabet": alphabetJSON,
                         "scribe.front_end": frontEnd]
        try file.write(to: path)
    }

    /// Reads `path`, rebuilds the network its metadata describes and loads its weights,
    /// checking every name, shape and count.
    public static func load(path: String) throws -> (model: ModelFile, network: Layer) {
        let file = try SafeTensors.load(path: path)
        func bad(_ why: String) -> SafeTensorsError { .mismatch(source: path, reason: why) }
        let m = file.metadata
        guard m["scribe.format"] == "1" else {
            throw bad("__metadata__ has scribe.format \(m["scribe.format"].map { "\"\($0)\"" } ?? "missing"); expected \"1\" (is this a Scribe model?)")
        }
        guard let arch = m["scribe.architecture"] else { throw bad("__metadata__ lacks scribe.architecture") }
        guard let sizeText = m["scribe.input_size"], let size = Int(sizeText), size > 0 else {
            throw bad("__metadata__ scribe.input_size must be a positive integer")
        }
        guard let alphaText = m["scribe.alphabet"],
              let alphabet = try? JSONSerialization.jsonObject(with: Data(alphaText.utf8)) as? [String] else {
            throw bad("__metadata__ scribe.alphabet must be a JSON array of strings")
        }
        let network: Layer
        do { network = try NetworkSpec.build(arch, inputSize: size, seed: 0) } catch {
            throw bad("architecture cannot be built: \(error)")
        }
        guard network.outputSize == alphabet.count else {
            throw bad("the network outputs \(network.outputSize) classes but the alphabet has \(alphabet.count) symbols")
        }
        try loadParameters(network, from: file.tensors, source: path)
        return (ModelFile(architecture: arch, inputSize: size, alphabet: alphabet, frontEnd: m["scribe.front_end"] ?? "{}"), network)
    }

    /// Copies `tensors` into `network`'s parameters. `rename` maps Scribe names to the
    /// names in `tensors` (e.g. PyTorch's `weight_ih_l0_reverse`). Every parameter must be
    /// present with its exact shape, and no tensor may be left over.
    public static func loadParameters(_ network: Layer, from tensors: [String: Tensor], source: String,
                                      rename: (String) -> String = { $0 }) throws {
        var unused = Set(tensors.keys)
        for (name, p) in network.namedParameters() {
            let key = rename(name)
            guard let t = tensors[key] else {
                throw SafeTensorsError.mismatch(source: source, reason: "missing tensor \"\(key)\" of shape \(p.value.shape) for \(network.spec)")
            }
            guard t.shape == p.value.shape else {
                throw SafeTensorsError.mismatch(source: source, reason: "tensor \"\(key)\" has shape \(t.shape) but \(network.spec) needs \(p.value.shape)")
            }
            p.value = t
            unused.remove(key)
        }
        guard unused.isEmpty else {
            throw SafeTensorsError.mismatch(source: source, reason: "tensors not used by \(network.spec): \(unused.sorted().joined(separator: ", "))")
        }
    }

    /// Maps Scribe names of a stack of bidirectional recurrent layers (`Lbx`/`Gbx` in a
    /// Series) to PyTorch's `nn.LSTM`/`nn.GRU` names: `k.0.weight_ih` → `weight_ih_lk`,
    /// `k.1.weight_ih` → `weight_ih_lk_reverse`; names not of that form pass through.
    public static func pytorchRecurrentName(_ name: String) -> String {
        let parts = name.split(separator: ".")
        guard parts.count == 3, let layer = Int(parts[0]), let dir = Int(parts[1]), dir == 0 || dir == 1 else { return name }
        return "\(parts[2])_l\(layer)" + (dir == 1 ? "_reverse" : "")
    }
}
