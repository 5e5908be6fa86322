import Foundation

/// A Scribe model on disk: a safetensors file whose tensors are the network's parameters,
/// named as `Layer.namedParameters()` names them, and whose `__metadata__` describes how
/// to rebuild and use the network:
///
///     scribe.format         "1"
///     scribe.architecture   network spec, e.g. "[Lbx256 Lbx256 Fl29]" (see NetworkSpec)
///     scribe.input_size     channels per input frame, e.g. "80"
///     scribe.alphabet       JSON array of output symbols in class order (the CTC blank included)
///     scribe.blank          class index of the blank in that array ("0" when absent)
///     scribe.front_end      JSON object describing the input side (features, frame stacking)
///     scribe.decoding       JSON object of decoding defaults (decoder, beam width, LM weights)
///     scribe.parts          comma-separated prefixes of tensors that belong to other components
///     scribe.info.*         descriptive text: training data, recipe, measured error rates
///
/// Parameter names for `[Lbx256 Lbx256 Fl29]` are `0.0.weight_ih` (layer 0 forward,
/// PyTorch `weight_ih_l0`), `0.1.weight_ih` (layer 0 backward, `weight_ih_l0_reverse`),
/// ..., `2.weight`, `2.bias`; shapes follow PyTorch. Python can read the file with
/// `safetensors.torch.load_file`.
public struct ModelFile {
    public var architecture: String
    public var inputSize: Int
    /// Output symbols in class order, the CTC blank included (at `blank`).
    public var alphabet: [String]
    /// Class index of the CTC blank in `alphabet`.
    public var blank: Int
    /// Front-end configuration as JSON text ("{}" when none).
    public var frontEnd: String
    /// Decoding defaults as JSON text ("{}" when none).
    public var decoding: String
    /// Free-form descriptive metadata (`scribe.info.*` keys: training data, recipe, metrics).
    public var info: [String: String]

    public init(architecture: String, inputSize: Int, alphabet: [String], blank: Int = 0,
                frontEnd: String = "{}", decoding: String = "{}", info: [String: String] = [:]) {
        self.architecture = architecture
        self.inputSize = inputSize
        self.alphabet = alphabet
        self.blank = blank
        self.frontEnd = frontEnd
        self.decoding = decoding
        self.info = info
    }

    /// Writes `network`'s parameters and this description to `path` (atomically).
    ///
    /// `parts` adds tensors of other components stored in the same file, such as the
    /// handwriting encoder (`encoder.*`) or an optimizer's state in a checkpoint: every name
    /// must be `<part>.<rest>` with a part name that is not a network parameter's first
    /// component; the part names are listed in `scribe.parts` so that `load` knows them.
    public func save(_ network: Layer, to path: String, parts: [String: Tensor] = [:],
                     extraMetadata: [String: String] = [:]) throws {
        try encoded(network, parts: parts, extraMetadata: extraMetadata).write(to: path)
    }

    /// The safetensors content `save` writes.
    public func encoded(_ network: Layer, parts: [String: Tensor] = [:],
                        extraMetadata: [String: String] = [:]) throws -> SafeTensors {
        var file = SafeTensors()
        let named = network.namedParameters()
        for (name, p) in named { file.tensors[name] = p.value }
        let partNames = Set(parts.keys.map { String($0.prefix { $0 != "." }) })
        let networkRoots = Set(named.map { String($0.name.prefix { $0 != "." }) })
        for name in parts.keys {
            let part = String(name.prefix { $0 != "." })
            guard part.count < name.count, !networkRoots.contains(part) else {
                throw SafeTensorsError.mismatch(source: "model", reason: "part tensor \"\(name)\" must be named <part>.<name> with a part name that is not a layer index")
            }
            file.tensors[name] = parts[name]
        }
        let alphabetJSON = String(decoding: try JSONSerialization.data(withJSONObject: alphabet), as: UTF8.self)
        file.metadata = extraMetadata
        for (k, v) in info { file.metadata["scribe.info." + k] = v }
        file.metadata.merge(["scribe.format": "1", "scribe.architecture": architecture,
                             "scribe.input_size": String(inputSize), "scribe.alphabet": alphabetJSON,
                             "scribe.blank": String(blank), "scribe.front_end": frontEnd,
                             "scribe.decoding": decoding]) { $1 }
        if !partNames.isEmpty { file.metadata["scribe.parts"] = partNames.sorted().joined(separator: ",") }
        return file
    }

    /// Reads `path`, rebuilds the network its metadata describes and loads its weights,
    /// checking every name, shape and count. Tensors of declared parts (`scribe.parts`) are
    /// returned for their owners to claim; any other unused tensor is an error.
    public static func load(path: String) throws -> (model: ModelFile, network: Layer, parts: [String: Tensor], metadata: [String: String]) {
        let file = try SafeTensors.load(path: path)
        return try decode(file, source: path)
    }

    /// `load` on an already decoded file; `source` names it in errors.
    public static func decode(_ file: SafeTensors, source path: String) throws -> (model: ModelFile, network: Layer, parts: [String: Tensor], metadata: [String: String]) {
        func bad(_ why: String) -> SafeTensorsError { .mismatch(source: path, reason: why) }
        let m = file.metadata
        guard m["scribe.format"] == "1" else {
            throw bad("__metadata__ has scribe.format \(m["scribe.format"].map { "\"\($0)\"" } ?? "missing"); expected \"1\" (is this a Scribe model?)")
        }
        guard let arch = m["scribe.architecture"] else { throw bad("__metadata__ lacks scribe.architecture") }
        guard let sizeText = m["scribe.input_size"], let size = Int(sizeText), size > 0, size <= 1 << 20 else {
            throw bad("__metadata__ scribe.input_size must be a positive integer")
        }
        guard let alphaText = m["scribe.alphabet"],
              let alphabet = try? JSONSerialization.jsonObject(with: Data(alphaText.utf8)) as? [String] else {
            throw bad("__metadata__ scribe.alphabet must be a JSON array of strings")
        }
        let blank = Int(m["scribe.blank"] ?? "0") ?? -1
        guard blank >= 0 && blank < alphabet.count else {
            throw bad("__metadata__ scribe.blank must be a class index in 0..<\(alphabet.count)")
        }
        guard Set(alphabet).count == alphabet.count else { throw bad("__metadata__ scribe.alphabet lists a symbol twice") }
        let network: Layer
        do { network = try NetworkSpec.build(arch, inputSize: size, seed: 0, forLoading: true) } catch {
            throw bad("architecture cannot be built: \(error)")
        }
        guard network.outputSize == alphabet.count else {
            throw bad("the network outputs \(network.outputSize) classes but the alphabet has \(alphabet.count) symbols")
        }
        let partNames = Set((m["scribe.parts"] ?? "").split(separator: ",").map(String.init))
        var networkTensors: [String: Tensor] = [:], parts: [String: Tensor] = [:]
        for (name, t) in file.tensors {
            if partNames.contains(String(name.prefix { $0 != "." })) { parts[name] = t } else { networkTensors[name] = t }
        }
        try loadParameters(network, from: networkTensors, source: path)
        var info: [String: String] = [:]
        for (k, v) in m where k.hasPrefix("scribe.info.") { info[String(k.dropFirst("scribe.info.".count))] = v }
        let model = ModelFile(architecture: arch, inputSize: size, alphabet: alphabet, blank: blank,
                              frontEnd: m["scribe.front_end"] ?? "{}", decoding: m["scribe.decoding"] ?? "{}", info: info)
        return (model, network, parts, m)
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
