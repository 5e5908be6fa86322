import Foundation
import ScribeCore
import ScribeNN

/// Storing a line encoder in a model's safetensors file: its tensors are named
/// `encoder.<parameter>` and `__metadata__["scribe.line_encoder"]` holds its
/// `ConvWindowConfig` as JSON, so window width, stride, the convnet's shape and the
/// line normalization travel with the weights.
extension ConvWindowEncoder {
    /// Metadata key of the encoder configuration.
    public static let metadataKey = "scribe.line_encoder"

    /// Adds this encoder's tensors and configuration to `file`.
    public func store(in file: inout SafeTensors) throws {
        for (name, p) in namedParameters() { file.tensors["encoder." + name] = p.value }
        file.metadata[Self.metadataKey] = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
    }

    /// Rebuilds the encoder stored in `file`, checking every tensor's name and shape.
    public static func restore(from file: SafeTensors, source: String) throws -> ConvWindowEncoder {
        func bad(_ why: String) -> SafeTensorsError { .mismatch(source: source, reason: why) }
        guard let json = file.metadata[metadataKey] else {
            throw bad("__metadata__ lacks \(metadataKey): this model has no handwriting line encoder")
        }
        let config: ConvWindowConfig
        do { config = try JSONDecoder().decode(ConvWindowConfig.self, from: Data(json.utf8)) } catch {
            throw bad("\(metadataKey) is not a valid line encoder configuration (\(error))")
        }
        var rng = ScribeCore.SeededGenerator(seed: 0)
        let encoder: ConvWindowEncoder
        do { encoder = try ConvWindowEncoder(config: config, generator: &rng) } catch { throw bad("\(error)") }
        for (name, p) in encoder.namedParameters() {
            guard let t = file.tensors["encoder." + name] else {
                throw bad("missing tensor \"encoder.\(name)\" of shape \(p.value.shape) for \(encoder.spec)")
            }
            guard t.shape == p.value.shape else {
                throw bad("tensor \"encoder.\(name)\" has shape \(t.shape) but \(encoder.spec) needs \(p.value.shape)")
            }
            p.value = t
        }
        return encoder
    }
}
