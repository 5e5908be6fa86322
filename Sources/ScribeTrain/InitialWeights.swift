import Foundation
import ScribeDecode
import ScribeNN

/// How `model.init` matched the starting model's alphabet to this run's: symbols both
/// write keep their output weights, new symbols start from the fresh initialization, and
/// symbols only the starting model wrote are dropped (kraken's `--resize union` and `new`
/// in one rule: the run's alphabet is what its training data writes).
public struct AlphabetChange: Equatable, Sendable, CustomStringConvertible {
    /// Symbols of this run that the starting model also writes (their rows are copied).
    public var kept: Int
    /// Symbols of this run the starting model does not write.
    public var added: [String]
    /// Symbols of the starting model this run does not write.
    public var dropped: [String]

    public var description: String {
        func list(_ s: [String]) -> String { s.isEmpty ? "none" : s.map { $0 == " " ? "␣" : $0 }.joined(separator: " ") }
        return "alphabet adapted: \(kept) symbols keep their output weights, \(added.count) new start fresh (\(list(added))), "
            + "\(dropped.count) dropped (\(list(dropped)))"
    }
}

extension Trainer {
    /// Copies the weights of the trained model at `path` into `network`, which must have the
    /// same layers and input. The output layer may differ in size when the alphabets differ
    /// (fine-tuning on a corpus that writes other symbols): its rows follow the symbols, see
    /// `AlphabetChange`. Returns the change, or nil when the alphabets are the same.
    @discardableResult
    static func initialize(_ network: Layer, spec: String, alphabet: Alphabet, from path: String) throws -> AlphabetChange? {
        let loaded = try ModelFile.load(path: path)
        guard Self.withoutOutput(loaded.model.architecture) == Self.withoutOutput(spec), loaded.model.inputSize == network.inputSize else {
            throw TrainError.checkpoint(path: path, reason: "model.init is \(loaded.model.architecture) over \(loaded.model.inputSize) inputs, this configuration builds \(spec) over \(network.inputSize); only the output layer may differ (with the alphabet)")
        }
        let old = loaded.model
        let values = Dictionary(uniqueKeysWithValues: loaded.network.namedParameters().map { ($0.name, $0.parameter.value) })
        let target = ["<blank>"] + alphabet.symbols
        if old.alphabet == target && old.blank == 0 {
            for (name, p) in network.namedParameters() { p.value = values[name]! }
            return nil
        }
        // Class i of this run comes from class rows[i] of the starting model, or nowhere.
        let oldSymbols = old.alphabet.enumerated().filter { $0.offset != old.blank }.map(\.element)
        let rows: [Int?] = [old.blank] + alphabet.symbols.map { s in oldSymbols.firstIndex(of: s).map { $0 < old.blank ? $0 : $0 + 1 } }
        let named = network.namedParameters()
        let outputLayer = named.last.map { String($0.name.prefix { $0 != "." }) } ?? ""
        for (name, p) in named {
            guard let source = values[name] else { continue }
            if name.prefix(while: { $0 != "." }) == outputLayer {
                p.value = Self.remapRows(source, rows: rows, fresh: p.value)
            } else {
                p.value = source
            }
        }
        return AlphabetChange(kept: rows.dropFirst().compactMap { $0 }.count,
                              added: alphabet.symbols.filter { !oldSymbols.contains($0) },
                              dropped: oldSymbols.filter { !alphabet.symbols.contains($0) })
    }

    /// `fresh` (classes × rest) with row i replaced by row `rows[i]` of `source` where there is one.
    static func remapRows(_ source: Tensor, rows: [Int?], fresh: Tensor) -> Tensor {
        precondition(fresh.shape[0] == rows.count, "output layer rows \(fresh.shape[0]) for \(rows.count) classes")
        let width = fresh.count / rows.count
        var out = fresh
        for (i, r) in rows.enumerated() {
            guard let r else { continue }
            for k in 0..<width { out.values[i * width + k] = source.values[r * width + k] }
        }
        return out
    }

    /// A spec without its final output layer (`[... Fl99]` → `[...]`).
    static func withoutOutput(_ spec: String) -> String {
        var parts = spec.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: " ")
        if let last = parts.last, last.hasPrefix("Fl") { parts.removeLast() }
        return parts.joined(separator: " ")
    }
}
