import Foundation
import Yams

/// Errors in a training configuration: the file, the field's dotted path, and what was expected.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let field: String
    public let reason: String
    public var description: String {
        field.isEmpty ? "\(path): \(reason)" : "\(path): \(field): \(reason). Every field is documented in the README's \"Training\" section."
    }
}

/// One field of a configuration set from the command line (`scribe train --set
/// front_end.dewarp=true`): a dotted path of keys and a value read as YAML (`true`, `5`,
/// `[0.8, 1.2]`, text), checked afterwards like the file's own fields.
public struct ConfigOverride: Equatable, Sendable {
    public let keys: [String]
    public let value: String

    /// Reads `section.field=value`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let keys = parts[0].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, keys.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            throw ConfigError(path: "--set", field: "", reason: "\"\(text)\" is not FIELD=VALUE with a dotted field such as front_end.dewarp=true")
        }
        (self.keys, self.value) = (keys, String(parts[1]))
    }

    /// `document` (a parsed configuration) with this field set.
    func apply(to document: Any?, file: String) throws -> [String: Any] {
        let parsed = try YAMLDocument.load(value, file: "--set \(keys.joined(separator: "."))") ?? NSNull()
        func set(_ node: Any?, _ depth: Int) throws -> [String: Any] {
            var dict: [String: Any]
            if node == nil || node is NSNull { dict = [:] } else if let d = node as? [String: Any] { dict = d } else {
                throw ConfigError(path: file, field: keys[..<depth].joined(separator: "."),
                                  reason: "--set \(keys.joined(separator: ".")) needs a mapping of fields here")
            }
            dict[keys[depth]] = depth + 1 == keys.count ? parsed : try set(dict[keys[depth]], depth + 1)
            return dict
        }
        return try set(document, 0)
    }
}

/// Typed access to one mapping of a parsed YAML document that refuses unknown keys, so a
/// misspelt field is an error instead of a silently ignored setting.
struct ConfigSection {
    let file: String
    let prefix: String
    let values: [String: Any]

    init(file: String, prefix: String, value: Any?, allowed: [String]) throws {
        self.file = file
        self.prefix = prefix
        if value == nil || value is NSNull { values = [:]; return }
        guard let dict = value as? [String: Any] else {
            throw ConfigError(path: file, field: prefix, reason: "expected a mapping of fields")
        }
        let unknown = dict.keys.filter { !allowed.contains($0) }.sorted()
        if let first = unknown.first {
            throw ConfigError(path: file, field: prefix.isEmpty ? first : prefix + "." + first, reason: "unknown field; the fields of \(prefix.isEmpty ? "the top level" : prefix) are: \(allowed.joined(separator: ", "))")
        }
        values = dict
    }

    func name(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    func fail(_ key: String, _ reason: String) -> ConfigError { ConfigError(path: file, field: name(key), reason: reason) }

    func isSet(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func string(_ key: String) throws -> String? {
        guard isSet(key) else { return nil }
        guard let s = values[key] as? String else { throw fail(key, "expected text") }
        return s
    }

    func string(_ key: String, default d: String) throws -> String { try string(key) ?? d }

    func int(_ key: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard isSet(key) else { return d }
        guard let v = values[key] as? Int, !(values[key] is Bool) else { throw fail(key, "expected a whole number in \(range)") }
        guard range.contains(v) else { throw fail(key, "\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func double(_ key: String, default d: Double, range: ClosedRange<Double>) throws -> Double {
        guard isSet(key) else { return d }
        let v: Double
        if let x = values[key] as? Double { v = x } else if let x = values[key] as? Int, !(values[key] is Bool) { v = Double(x) } else {
            throw fail(key, "expected a number in \(range.lowerBound)...\(range.upperBound)")
        }
        guard v.isFinite, range.contains(v) else { throw fail(key, "\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func optionalDouble(_ key: String, range: ClosedRange<Double>) throws -> Double? {
        isSet(key) ? try double(key, default: 0, range: range) : nil
    }

    func bool(_ key: String, default d: Bool) throws -> Bool {
        guard isSet(key) else { return d }
        guard let v = values[key] as? Bool else { throw fail(key, "expected true or false") }
        return v
    }

    /// A `[low, high]` pair with low ≤ high inside `range`; `[]` or absent gives `d`.
    func interval(_ key: String, default d: ClosedRange<Double>?, range: ClosedRange<Double>) throws -> ClosedRange<Double>? {
        guard isSet(key) else { return d }
        guard let list = values[key] as? [Any] else { throw fail(key, "expected [low, high]") }
        if list.isEmpty { return nil }
        let numbers = list.compactMap { ($0 as? Double) ?? ($0 as? Int).map(Double.init) }
        guard numbers.count == 2, numbers[0] <= numbers[1], range.contains(numbers[0]), range.contains(numbers[1]) else {
            throw fail(key, "expected [low, high] with low ≤ high, both in \(range.lowerBound)...\(range.upperBound)")
        }
        return numbers[0]...numbers[1]
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default d: T) throws -> T where T.RawValue == String {
        guard let s = try string(key) else { return d }
        guard let v = T(rawValue: s) else {
            throw fail(key, "\"\(s)\" is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}

/// A YAML document as plain values (`[String: Any]`, `[Any]`, scalars), built from Yams'
/// node tree here rather than by `Yams.load`, which traps on a duplicated key. Duplicated
/// keys, keys that are not text, and documents of more than `maxNodes` nodes once aliases
/// are expanded (a "billion laughs" of anchors) are errors that name the problem. Yams
/// builds its tree recursively, so nesting is bounded on the text first (`maxDepth`): a
/// few hundred `{` used to overflow the stack (found by `scripts/fuzz config`).
enum YAMLDocument {
    /// Far more nodes than any training configuration has (about 60).
    static let maxNodes = 100_000
    /// Far deeper than any training configuration nests (three levels).
    static let maxDepth = 64

    static func load(_ text: String, file: String) throws -> Any? {
        if let line = deeplyNestedLine(text) {
            throw ConfigError(path: file, field: "", reason: "line \(line) nests deeper than \(maxDepth) levels; a training configuration needs three")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigError(path: file, field: "", reason: "not valid YAML (\(error))")
        }
        guard let root else { return nil }
        var budget = maxNodes
        return try plain(root, at: "", budget: &budget, file: file)
    }

    /// The first line (1-based) at which the nesting may exceed `maxDepth`, or nil. An
    /// over-estimate: indentation levels open, plus `- ` and `? ` indicators leading the
    /// line, plus every `[` and `{` so far (quoted or not) less the `]` and `}` that stand
    /// outside quotes and comments.
    static func deeplyNestedLine(_ text: String) -> Int? {
        var indents: [Int] = [], flow = 0, lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line)
            var i = 0
            while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            if flow == 0 && i < bytes.count && bytes[i] != UInt8(ascii: "#") && bytes[i] != 0x0D {
                while let last = indents.last, last >= i { indents.removeLast() }
                indents.append(i)
            }
            var indicators = 0
            while i + 1 < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "?"), bytes[i + 1] == 0x20 {
                indicators += 1
                i += 2
                while i < bytes.count && bytes[i] == 0x20 { i += 1 }
            }
            var quote: UInt8? = nil, k = i
            scan: while k < bytes.count {
                let c = bytes[k]
                switch c {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flow += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if quote == nil { flow = max(0, flow - 1) }
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    if quote == nil { quote = c } else if quote == c { quote = nil }
                case UInt8(ascii: "\\"):
                    if quote == UInt8(ascii: "\"") { k += 1 }   // an escaped character never ends the quote
                case UInt8(ascii: "#"):
                    if quote == nil && (k == 0 || bytes[k - 1] == 0x20) { break scan }
                default:
                    break
                }
                if indents.count + indicators + flow > maxDepth { return lineNumber }
                k += 1
            }
            if indents.count + indicators + flow > maxDepth { return lineNumber }
        }
        return nil
    }

    /// A scalar's value, resolved here rather than by Yams' constructors (which trap on an
    /// overflowing YAML 1.1 base-60 integer such as `279079079000000000:8`, found by
    /// `scripts/fuzz config`): quoted and block scalars are text; plain ones are null, a
    /// boolean, an integer (`Int(text)`, nil on overflow), a number, or else text.
    static func value(of scalar: Node.Scalar) -> Any {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return text }
        switch text {
        case "", "~", "null", "Null", "NULL": return NSNull()
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        case ".nan", ".NaN", ".NAN": return Double.nan
        case ".inf", "+.inf", ".Inf", "+.Inf", ".INF", "+.INF": return Double.infinity
        case "-.inf", "-.Inf", "-.INF": return -Double.infinity
        default: break
        }
        if let i = Int(text) { return i }
        if text.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }), text.utf8.contains(where: { (48...57).contains($0) }),
           let d = Double(text) {
            return d
        }
        return text
    }

    private static func plain(_ node: Node, at field: String, budget: inout Int, file: String) throws -> Any {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigError(path: file, field: "", reason: "the document expands to more than \(maxNodes) values (anchors and aliases repeated over and over?)")
        }
        switch node {
        case .scalar(let scalar):
            return value(of: scalar)
        case .sequence(let items):
            return try items.enumerated().map { try plain($0.element, at: "\(field)[\($0.offset)]", budget: &budget, file: file) }
        case .mapping(let pairs):
            var out: [String: Any] = [:]
            for (key, value) in pairs {
                guard case .scalar(let scalar) = key else {
                    throw ConfigError(path: file, field: field, reason: "a key is not plain text")
                }
                let name = scalar.string
                let path = field.isEmpty ? name : field + "." + name
                guard out[name] == nil else { throw ConfigError(path: file, field: path, reason: "the field is given twice") }
                out[name] = try plain(value, at: path, budget: &budget, file: file)
            }
            return out
        }
    }
}
