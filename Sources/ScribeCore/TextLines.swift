#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Splits text files into lines the way every Scribe reader does: LF and CRLF line ends,
/// an optional UTF-8 byte-order mark, and a missing final newline are all normal.
///
/// Swift treats "\r\n" as one `Character`, so splitting a `String` on the character "\n"
/// leaves CRLF files as one line; this splits on the UTF-8 bytes instead (a newline or a
/// tab byte never occurs inside a multi-byte character), in one `memchr` pass, so even a
/// 100 MB line costs little.
public enum TextLines {
    /// The lines of `text`, without line ends; a final empty line (after the last newline) is dropped.
    public static func split(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.utf8.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst() }
        var lines = fields(body, separator: 0x0A).map { raw in raw.utf8.last == 0x0D ? raw.dropLast() : raw }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// `text` cut at every `separator` byte (an ASCII character), empty pieces kept.
    public static func fields(_ text: Substring, separator: UInt8) -> [Substring] {
        precondition(separator < 0x80, "TextLines.fields splits on ASCII bytes only")
        var text = text
        text.makeContiguousUTF8()
        var bounds: [(Int, Int)] = []
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { bounds = [(0, 0)]; return }
            var start = 0
            while true {
                guard let hit = memchr(base + start, Int32(separator), bytes.count - start) else {
                    bounds.append((start, bytes.count))
                    return
                }
                let end = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                bounds.append((start, end))
                start = end + 1
            }
        }
        let u = text.utf8
        return bounds.map { text[u.index(u.startIndex, offsetBy: $0.0)..<u.index(u.startIndex, offsetBy: $0.1)] }
    }
}
