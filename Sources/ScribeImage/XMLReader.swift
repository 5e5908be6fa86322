import Foundation

/// An error in an XML file: the line it was found on and what was wrong.
public struct XMLSyntaxError: Error, CustomStringConvertible, Equatable {
    /// 1-based line of the input.
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// A small, non-validating XML reader for the layout files Scribe reads (ALTO, PAGE).
///
/// It reports elements, attributes and text in document order to a handler. It knows the
/// five predefined entities and numeric character references, skips comments, processing
/// instructions and the DOCTYPE, and reads CDATA sections as text. Entities a DOCTYPE
/// declares are never expanded, so an entity bomb ("billion laughs") is an unknown-entity
/// error, not an explosion; element nesting is limited, and the reader keeps its own stack
/// (no recursion), so a deeply nested file is an error, not a stack overflow. Every failure
/// is an `XMLSyntaxError` naming the line.
public enum XMLReader {
    /// What the reader reports, in document order.
    public enum Event: Equatable {
        /// An opening tag (also for `<a/>`, which is followed by its `.end`).
        case start(name: String, attributes: [String: String])
        /// A closing tag.
        case end(name: String)
        /// Character data between tags (entities resolved; may come in several pieces).
        case text(String)
    }

    /// The default limit on element nesting; layout files nest about 8 deep.
    public static let defaultMaxDepth = 512

    /// Reads `data` (UTF-8, an optional byte-order mark) and calls `handler` for each event.
    public static func parse(_ data: Data, maxDepth: Int = defaultMaxDepth, handler: (Event) throws -> Void) throws {
        var scanner = Scanner(bytes: [UInt8](data))
        try scanner.run(maxDepth: maxDepth, handler: handler)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        var line = 1

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        func fail(_ reason: String) -> XMLSyntaxError { XMLSyntaxError(line: line, reason: reason) }

        mutating func run(maxDepth: Int, handler: (Event) throws -> Void) throws {
            var open: [String] = []
            var rootSeen = false
            while i < bytes.count {
                if bytes[i] != UInt8(ascii: "<") {
                    let text = try characterData()
                    if open.isEmpty {
                        guard text.allSatisfy({ $0.isWhitespace }) else { throw fail("text outside the root element") }
                    } else {
                        try handler(.text(text))
                    }
                } else if starts("<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if starts("<!--") {
                    try skip(past: "-->", what: "comment")
                } else if starts("<![CDATA[") {
                    guard !open.isEmpty else { throw fail("CDATA outside the root element") }
                    i += 9
                    let begin = i
                    try skip(past: "]]>", what: "CDATA section")
                    try handler(.text(try string(begin..<(i - 3))))
                } else if starts("<!DOCTYPE") {
                    guard !rootSeen else { throw fail("DOCTYPE after the root element") }
                    try skipDoctype()
                } else if starts("</") {
                    i += 2
                    let name = try self.name()
                    skipSpaces()
                    guard consume(">") else { throw fail("expected > after </\(name)") }
                    guard let top = open.popLast() else { throw fail("closing tag </\(name)> without an opening tag") }
                    guard top == name else { throw fail("closing tag </\(name)> does not match <\(top)>") }
                    try handler(.end(name: name))
                } else {
                    i += 1
                    let name = try self.name()
                    guard open.isEmpty ? !rootSeen : true else { throw fail("a second root element <\(name)>") }
                    rootSeen = true
                    let attributes = try self.attributes(of: name)
                    let empty = consume("/")
                    guard consume(">") else { throw fail("expected > to close <\(name)") }
                    guard open.count < maxDepth else { throw fail("elements nest deeper than \(maxDepth) levels") }
                    try handler(.start(name: name, attributes: attributes))
                    if empty { try handler(.end(name: name)) } else { open.append(name) }
                }
            }
            if let top = open.last { throw fail("the file ends inside <\(top)> (truncated?)") }
            guard rootSeen else { throw fail("no root element") }
        }

        // MARK: Pieces

        func starts(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let p = literal.utf8Start
            for k in 0..<n where bytes[i + k] != p[k] { return false }
            return true
        }

        mutating func consume(_ literal: StaticString) -> Bool {
            guard starts(literal) else { return false }
            i += literal.utf8CodeUnitCount
            return true
        }

        mutating func advance() {
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            i += 1
        }

        mutating func skipSpaces() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { advance() }
        }

        mutating func skip(past end: StaticString, what: String) throws {
            let start = line
            while i < bytes.count {
                if consume(end) { return }
                advance()
            }
            throw XMLSyntaxError(line: start, reason: "unterminated \(what)")
        }

        /// Skips `<!DOCTYPE ... [ internal subset ] >`, quoted strings included.
        mutating func skipDoctype() throws {
            let start = line
            var bracket = false
            var quote: UInt8?
            while i < bytes.count {
                let b = bytes[i]
                advance()
                if let q = quote { if b == q { quote = nil }; continue }
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = b
                case UInt8(ascii: "["): bracket = true
                case UInt8(ascii: "]"): bracket = false
                case UInt8(ascii: ">") where !bracket: return
                default: break
                }
            }
            throw XMLSyntaxError(line: start, reason: "unterminated DOCTYPE")
        }

        func isNameByte(_ b: UInt8) -> Bool {
            b >= 0x80 || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
        }

        mutating func name() throws -> String {
            let begin = i
            while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
            guard i > begin else { throw fail(i < bytes.count ? "expected a name, found \"\(Character(Unicode.Scalar(bytes[i])))\"" : "the file ends inside a tag") }
            return try string(begin..<i)
        }

        mutating func attributes(of element: String) throws -> [String: String] {
            var result: [String: String] = [:]
            while true {
                skipSpaces()
                guard i < bytes.count else { throw fail("the file ends inside <\(element)") }
                if bytes[i] == UInt8(ascii: ">") || bytes[i] == UInt8(ascii: "/") { return result }
                let key = try name()
                skipSpaces()
                guard consume("=") else { throw fail("expected = after attribute \(key) of <\(element)>") }
                skipSpaces()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                    throw fail("attribute \(key) of <\(element)> needs a quoted value")
                }
                let quote = bytes[i]
                i += 1
                let begin = i
                while i < bytes.count, bytes[i] != quote {
                    guard bytes[i] != UInt8(ascii: "<") else { throw fail("< inside the value of attribute \(key)") }
                    advance()
                }
                guard i < bytes.count else { throw fail("unterminated value of attribute \(key)") }
                let value = try resolveEntities(begin..<i)
                i += 1
                guard result.updateValue(value, forKey: key) == nil else { throw fail("attribute \(key) appears twice in <\(element)>") }
            }
        }

        mutating func characterData() throws -> String {
            let begin = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "<") { advance() }
            return try resolveEntities(begin..<i)
        }

        func string(_ range: Range<Int>) throws -> String {
            guard let s = String(bytes: bytes[range], encoding: .utf8) else { throw fail("the text is not valid UTF-8") }
            return s
        }

        /// Decodes `range` as UTF-8 with `&lt;`-style and `&#NN;` references replaced.
        func resolveEntities(_ range: Range<Int>) throws -> String {
            guard bytes[range].contains(UInt8(ascii: "&")) else { return try string(range) }
            var out = ""
            var k = range.lowerBound, runStart = k
            while k < range.upperBound {
                guard bytes[k] == UInt8(ascii: "&") else { k += 1; continue }
                out += try string(runStart..<k)
                guard let semicolon = bytes[k..<min(range.upperBound, k + 12)].firstIndex(of: UInt8(ascii: ";")) else {
                    throw fail("& is not followed by an entity name and ; (write &amp; for a literal &)")
                }
                let entity = try string((k + 1)..<semicolon)
                out.unicodeScalars.append(try Self.scalar(entity, line: line))
                k = semicolon + 1
                runStart = k
            }
            return out + (try string(runStart..<range.upperBound))
        }

        static func scalar(_ entity: String, line: Int) throws -> Unicode.Scalar {
            switch entity {
            case "lt": return "<"
            case "gt": return ">"
            case "amp": return "&"
            case "quot": return "\""
            case "apos": return "'"
            default:
                var digits = Substring(entity), radix = 10
                guard digits.hasPrefix("#") else {
                    throw XMLSyntaxError(line: line, reason: "unknown entity &\(entity); (only the five XML entities and &#NN; are read; DTD entities are not expanded)")
                }
                digits = digits.dropFirst()
                if digits.hasPrefix("x") { digits = digits.dropFirst(); radix = 16 }
                guard let code = UInt32(digits, radix: radix), code != 0, let scalar = Unicode.Scalar(code) else {
                    throw XMLSyntaxError(line: line, reason: "&\(entity); is not a valid character reference")
                }
                return scalar
            }
        }
    }
}
