import Foundation
import ScribeCore

/// Reads back-off n-gram models in the ARPA text format (KenLM, SRILM, `scribe lm build`).
///
/// ```
/// \data\
/// ngram 1=3
/// ngram 2=2
///
/// \1-grams:
/// -0.5  <s>  -0.3
/// ...
/// \2-grams:
/// -0.2  <s> a
/// \end\
/// ```
/// Each n-gram line is a base-10 log-probability, the n words, and for orders below the
/// highest an optional base-10 log back-off weight. Every n-gram's prefix must itself be
/// listed, as all of these tools guarantee.
public enum ARPAReader {
    /// Reads an ARPA file.
    public static func read(_ path: String) throws -> NGramModel {
        guard let data = StandardStreams.contents(of: path) else {
            throw DecodeError.arpa(path: path, line: 0, reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DecodeError.arpa(path: path, line: 0, reason: "the file is not valid UTF-8 (a gzip-compressed .arpa.gz must be decompressed first)")
        }
        return try parse(text, path: path)
    }

    /// Parses ARPA text; `path` only names the source in errors.
    public static func parse(_ text: String, path: String = "<arpa>") throws -> NGramModel {
        var parser = Parser(path: path, lines: TextLines.split(text))
        return try parser.run()
    }

    private struct Parser {
        let path: String
        let lines: [Substring]
        var index = 0
        var declared: [Int] = []
        var vocabulary: [String] = []
        var wordIndex = ByteWordIndex()
        var log10Prob: [Float] = []
        var log10Backoff: [Float] = []
        var ngramOrder: [UInt8] = []
        var suffix: [Int32] = [] // per n-gram: its longest listed proper suffix, -1 if none
        var table: [Int64: Int32] = [:]

        init(path: String, lines: [Substring]) {
            self.path = path
            self.lines = lines
        }

        func fail(_ reason: String, line: Int? = nil) -> DecodeError {
            .arpa(path: path, line: line ?? index + 1, reason: reason)
        }

        func trimmed(_ i: Int) -> Substring {
            lines[i].trimmingCharacters(in: .whitespaces)[...]
        }

        mutating func skipBlank() {
            while index < lines.count && trimmed(index).isEmpty { index += 1 }
        }

        mutating func run() throws -> NGramModel {
            skipBlank()
            guard index < lines.count, trimmed(index) == "\\data\\" else {
                throw fail("missing the \\data\\ header before any n-grams", line: min(index + 1, lines.count))
            }
            index += 1
            try readCounts()
            for n in 1...declared.count { try readSection(order: n) }
            skipBlank()
            guard index < lines.count, trimmed(index) == "\\end\\" else {
                throw fail("missing the \\end\\ marker after the \\\(declared.count)-grams: section", line: min(index + 1, lines.count))
            }
            return finish()
        }

        mutating func readCounts() throws {
            while index < lines.count {
                let line = trimmed(index)
                if line.isEmpty { index += 1; continue }
                guard line.hasPrefix("ngram ") || line.hasPrefix("ngram\t") else { break }
                let body = line.dropFirst(6).split(separator: "=", omittingEmptySubsequences: false)
                guard body.count == 2,
                      let n = Int(body[0].trimmingCharacters(in: .whitespaces)),
                      let count = Int(body[1].trimmingCharacters(in: .whitespaces)), count >= 0 else {
                    throw fail("bad count line \"\(line)\"; expected \"ngram N=COUNT\" with whole numbers")
                }
                guard n == declared.count + 1 else {
                    throw fail("count line for order \(n) where order \(declared.count + 1) was expected; orders must be listed 1, 2, ... in turn")
                }
                declared.append(count)
                index += 1
            }
            guard !declared.isEmpty else { throw fail("the \\data\\ section declares no \"ngram N=COUNT\" lines") }
            guard declared[0] > 0 else { throw fail("the model declares no unigrams (ngram 1=0)") }
            guard declared.count <= 255 else { throw fail("order \(declared.count) is too high") }
            // Room for every declared n-gram, but never more than the file has lines.
            let total = declared.reduce(0) { min($0 + min($1, lines.count), lines.count) }
            table.reserveCapacity(total - min(declared[0], total))
            log10Prob.reserveCapacity(total); log10Backoff.reserveCapacity(total)
            ngramOrder.reserveCapacity(total); suffix.reserveCapacity(total)
        }

        mutating func readSection(order n: Int) throws {
            skipBlank()
            guard index < lines.count, trimmed(index) == "\\\(n)-grams:" else {
                let found = index < lines.count ? "\"\(trimmed(index))\"" : "the end of the file"
                throw fail("missing the \\\(n)-grams: section (found \(found)); the header declares \(declared.count) orders")
            }
            index += 1
            let highest = n == declared.count
            var seen = 0
            var fields: [Range<Int>] = []
            fields.reserveCapacity(n + 3)
            var ids = [Int32](repeating: 0, count: n)
            while index < lines.count {
                var line = lines[index]
                // Fields are cut on the UTF-8 bytes: a space, tab or CR byte never occurs
                // inside a multi-byte character, and Character-wise splitting (grapheme
                // breaking) made up most of a large LM's loading time.
                let atNextSection = try line.withUTF8 { bytes -> Bool in
                    splitFields(bytes, into: &fields)
                    if fields.isEmpty { return false }
                    if bytes[fields[0].lowerBound] == UInt8(ascii: "\\") { return true }
                    guard fields.count == n + 1 || (!highest && fields.count == n + 2) else {
                        throw fail("a \(n)-gram line needs a log-probability, \(n) word\(n == 1 ? "" : "s")\(highest ? "" : " and an optional back-off weight"), found \(fields.count) fields")
                    }
                    guard let prob = Self.float(bytes, fields[0]) else {
                        throw fail("log-probability \"\(Self.text(bytes, fields[0]))\" is not a number")
                    }
                    var backoff: Float = 0
                    if fields.count == n + 2 {
                        guard let b = Self.float(bytes, fields[n + 1]) else {
                            throw fail("back-off weight \"\(Self.text(bytes, fields[n + 1]))\" is not a number")
                        }
                        backoff = b
                    }
                    try add(bytes, words: fields[1...n], ids: &ids, prob: prob, backoff: backoff, order: n)
                    seen += 1
                    return false
                }
                if atNextSection { break }
                index += 1
            }
            guard seen == declared[n - 1] else {
                throw fail("the \\data\\ header declares ngram \(n)=\(declared[n - 1]) but the section lists \(seen); fix the count or the section (was the file truncated?)", line: index)
            }
        }

        /// Byte ranges of the fields of `bytes`, separated by runs of spaces, tabs and CRs.
        func splitFields(_ bytes: UnsafeBufferPointer<UInt8>, into fields: inout [Range<Int>]) {
            fields.removeAll(keepingCapacity: true)
            var i = 0
            while i < bytes.count {
                while i < bytes.count && Self.isSeparator(bytes[i]) { i += 1 }
                guard i < bytes.count else { break }
                let start = i
                while i < bytes.count && !Self.isSeparator(bytes[i]) { i += 1 }
                fields.append(start..<i)
            }
        }

        static func isSeparator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

        static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        /// The number spelled by `bytes[range]` as `Float(String)` reads it, or nil.
        static func float(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Float? {
            guard range.count < 64 else { return Float(text(bytes, range)) }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Float? in
                for (k, i) in range.enumerated() { buffer[k] = CChar(bitPattern: bytes[i]) }
                buffer[range.count] = 0
                var end: UnsafeMutablePointer<CChar>?
                let value = strtof(buffer.baseAddress!, &end)
                // The whole field must be the number (strtof stops at the first stray byte),
                // without the leading white space (\v, \f, \n) that strtof skips and Float rejects.
                guard let end, end - buffer.baseAddress! == range.count, let first = range.first,
                      !(0x09...0x0D).contains(bytes[first]), bytes[first] != 0x20 else { return nil }
                return value
            }
        }

        mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, words: ArraySlice<Range<Int>>, ids: inout [Int32],
                          prob: Float, backoff: Float, order n: Int) throws {
            let id = Int32(log10Prob.count)
            var suffixId: Int32 = -1
            if n == 1 {
                let range = words.first!
                guard wordId(bytes, range) == nil else { throw fail("unigram \"\(Self.text(bytes, range))\" is listed twice") }
                wordIndex.insert(UnsafeBufferPointer(rebasing: bytes[range]), id: id)
                vocabulary.append(Self.text(bytes, range))
            } else {
                for (k, range) in words.enumerated() {
                    guard let w = wordId(bytes, range) else {
                        throw fail("word \"\(Self.text(bytes, range))\" of a \(n)-gram is not among the unigrams")
                    }
                    ids[k] = w
                }
                guard let prefix = chainLookup(ids[0..<(n - 1)]) else {
                    throw fail("the \(n)-gram \"\(words.map { Self.text(bytes, $0) }.joined(separator: " "))\" has no listed \(n - 1)-gram prefix")
                }
                let key = (Int64(prefix) + 1) * Int64(declared[0]) + Int64(ids[n - 1])
                guard table[key] == nil else {
                    throw fail("the \(n)-gram \"\(words.map { Self.text(bytes, $0) }.joined(separator: " "))\" is listed twice")
                }
                table[key] = id
                // The longest listed proper suffix: every lower order is already read.
                for start in 1..<n {
                    if let s = chainLookup(ids[start..<n]) { suffixId = s; break }
                }
            }
            log10Prob.append(prob)
            log10Backoff.append(backoff)
            ngramOrder.append(UInt8(n))
            suffix.append(suffixId)
        }

        /// The unigram id of the word spelled by `bytes[range]`, if it is listed.
        func wordId(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int32? {
            wordIndex.find(UnsafeBufferPointer(rebasing: bytes[range]))
        }

        func chainLookup(_ ids: ArraySlice<Int32>) -> Int32? {
            var history: Int32 = -1
            for w in ids {
                if history < 0 { history = w; continue }
                guard let next = table[(Int64(history) + 1) * Int64(declared[0]) + Int64(w)] else { return nil }
                history = next
            }
            return history
        }

        func finish() -> NGramModel {
            NGramModel(order: declared.count, vocabulary: vocabulary, counts: declared,
                       log10Prob: log10Prob, log10Backoff: log10Backoff, ngramOrder: ngramOrder,
                       suffix: suffix, table: table)
        }
    }
}
