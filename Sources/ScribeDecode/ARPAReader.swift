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
        var wordIds: [String: Int32] = [:]
        var log10Prob: [Float] = []
        var log10Backoff: [Float] = []
        var ngramOrder: [UInt8] = []
        var words: [[Int32]] = [] // per n-gram id, kept until suffixes are known
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
                guard line.hasPrefix("ngram ") else { break }
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
            while index < lines.count {
                let line = lines[index]
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                if fields.isEmpty { index += 1; continue }
                if fields[0].hasPrefix("\\") { break }
                guard fields.count == n + 1 || (!highest && fields.count == n + 2) else {
                    throw fail("a \(n)-gram line needs a log-probability, \(n) word\(n == 1 ? "" : "s")\(highest ? "" : " and an optional back-off weight"), found \(fields.count) fields")
                }
                guard let prob = Float(fields[0]) else {
                    throw fail("log-probability \"\(fields[0])\" is not a number")
                }
                var backoff: Float = 0
                if fields.count == n + 2 {
                    guard let b = Float(fields[n + 1]) else { throw fail("back-off weight \"\(fields[n + 1])\" is not a number") }
                    backoff = b
                }
                try add(words: fields[1...n], prob: prob, backoff: backoff, order: n)
                seen += 1
                index += 1
            }
            guard seen == declared[n - 1] else {
                throw fail("the \\data\\ header declares ngram \(n)=\(declared[n - 1]) but the section lists \(seen); fix the count or the section (was the file truncated?)", line: index)
            }
        }

        mutating func add(words text: ArraySlice<Substring>, prob: Float, backoff: Float, order n: Int) throws {
            let id = Int32(log10Prob.count)
            if n == 1 {
                let w = String(text.first!)
                guard wordIds[w] == nil else { throw fail("unigram \"\(w)\" is listed twice") }
                wordIds[w] = id
                vocabulary.append(w)
                words.append([id])
            } else {
                var ids: [Int32] = []
                ids.reserveCapacity(n)
                for t in text {
                    guard let w = wordIds[String(t)] else {
                        throw fail("word \"\(t)\" of a \(n)-gram is not among the unigrams")
                    }
                    ids.append(w)
                }
                guard let prefix = chainLookup(ids.dropLast()) else {
                    throw fail("the \(n)-gram \"\(text.joined(separator: " "))\" has no listed \(n - 1)-gram prefix")
                }
                let key = (Int64(prefix) + 1) * Int64(declared[0]) + Int64(ids.last!)
                guard table[key] == nil else { throw fail("the \(n)-gram \"\(text.joined(separator: " "))\" is listed twice") }
                table[key] = id
                words.append(ids)
            }
            log10Prob.append(prob)
            log10Backoff.append(backoff)
            ngramOrder.append(UInt8(n))
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
            var suffix = [Int32](repeating: -1, count: log10Prob.count)
            for id in 0..<words.count where words[id].count > 1 {
                let ws = words[id]
                for start in 1..<ws.count {
                    if let s = chainLookup(ws[start...]) { suffix[id] = s; break }
                }
            }
            return NGramModel(order: declared.count, vocabulary: vocabulary, counts: declared,
                              log10Prob: log10Prob, log10Backoff: log10Backoff, ngramOrder: ngramOrder,
                              suffix: suffix, table: table)
        }
    }
}
