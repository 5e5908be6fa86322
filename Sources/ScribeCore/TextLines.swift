/// Splits text files into lines the way every Scribe reader does: LF and CRLF line ends,
/// an optional UTF-8 byte-order mark, and a missing final newline are all normal.
///
/// Swift treats "\r\n" as one `Character`, so splitting a `String` on the character "\n"
/// leaves CRLF files as one line; this splits on Unicode scalars instead.
public enum TextLines {
    /// The lines of `text`, without line ends; a final empty line (after the last newline) is dropped.
    public static func split(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.unicodeScalars.first == "\u{FEFF}" { body = Substring(body.unicodeScalars.dropFirst()) }
        var lines = body.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> Substring in
            raw.last == "\r" ? Substring(raw.dropLast()) : Substring(raw)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
