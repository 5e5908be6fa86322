import Foundation
import ScribeCore

/// The output symbols of a CTC model: the non-blank symbols in class order plus the blank.
///
/// Class indices run over `0..<classCount`; the blank sits at `blank` and the symbols fill
/// the other indices in order, so with `blank == 0` symbol `i` is class `i + 1`.
public struct Alphabet: Equatable, Sendable {
    /// Non-blank symbols in class order (blank excluded).
    public let symbols: [String]
    /// Class index of the CTC blank.
    public let blank: Int
    /// Class index of the space symbol `" "`, if the alphabet has one.
    public let spaceClass: Int?

    /// Number of classes including the blank.
    public var classCount: Int { symbols.count + 1 }

    /// Creates an alphabet; `blank` must lie in `0...symbols.count`.
    public init(symbols: [String], blank: Int = 0) {
        precondition(blank >= 0 && blank <= symbols.count, "blank index \(blank) outside 0...\(symbols.count)")
        self.symbols = symbols
        self.blank = blank
        var space: Int?
        for (i, s) in symbols.enumerated() where s == " " { space = i < blank ? i : i + 1 }
        self.spaceClass = space
    }

    /// The symbol of a non-blank class.
    @inline(__always)
    public func symbol(ofClass c: Int) -> String {
        precondition(c != blank && c >= 0 && c < classCount, "class \(c) is the blank or out of range")
        return symbols[c < blank ? c : c - 1]
    }

    /// The class of `symbol`, if it is in the alphabet.
    public func classIndex(of symbol: String) -> Int? {
        guard let i = symbols.firstIndex(of: symbol) else { return nil }
        return i < blank ? i : i + 1
    }

    /// The text spelled by a label sequence (no blanks expected).
    public func text(of labels: [Int]) -> String {
        var out = ""
        for c in labels where c != blank { out += symbol(ofClass: c) }
        return out
    }

    /// The class sequence spelling `text`, matching the longest symbol at each position.
    /// Throws naming the first character that no symbol covers.
    public func labels(for text: String) throws -> [Int] {
        let maxLength = symbols.map(\.count).max() ?? 1
        let chars = Array(text)
        var out: [Int] = []
        var i = 0
        while i < chars.count {
            var matched = false
            for n in stride(from: min(maxLength, chars.count - i), through: 1, by: -1) {
                if let c = classIndex(of: String(chars[i..<(i + n)])) {
                    out.append(c); i += n; matched = true; break
                }
            }
            guard matched else {
                throw DecodeError.alignment(reason: "the transcript \"\(text)\" holds \"\(chars[i])\" at position \(i), which is not in the alphabet; add it to the alphabet file or normalize the transcript")
            }
        }
        return out
    }

    /// Reads an alphabet file: one symbol per line, UTF-8, in class order; a line holding a
    /// single space is the space symbol. A trailing newline is allowed; empty lines are not.
    public static func read(_ path: String, blank: Int = 0) throws -> Alphabet {
        guard let data = StandardStreams.contents(of: path) else {
            throw DecodeError.alphabet(path: path, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DecodeError.alphabet(path: path, reason: "the file is not valid UTF-8")
        }
        return try parse(text, path: path, blank: blank)
    }

    /// Parses alphabet text; `path` only names the source in errors.
    public static func parse(_ text: String, path: String = "<alphabet>", blank: Int = 0) throws -> Alphabet {
        let lines = TextLines.split(text).map(String.init)
        guard !lines.isEmpty else { throw DecodeError.alphabet(path: path, reason: "the file lists no symbols") }
        var seen: [String: Int] = [:]
        for (i, line) in lines.enumerated() {
            guard !line.isEmpty else {
                throw DecodeError.alphabet(path: path, reason: "line \(i + 1) is empty; write a single space for the space symbol, or delete the line")
            }
            if let first = seen[line] {
                throw DecodeError.alphabet(path: path, reason: "symbol \"\(line)\" appears on lines \(first) and \(i + 1); each class needs its own symbol")
            }
            seen[line] = i + 1
        }
        guard blank >= 0 && blank <= lines.count else {
            throw DecodeError.alphabet(path: path, reason: "blank index \(blank) is outside 0...\(lines.count) for \(lines.count) symbols")
        }
        return Alphabet(symbols: lines, blank: blank)
    }
}
