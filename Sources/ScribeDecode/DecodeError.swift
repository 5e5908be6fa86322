/// Errors raised while reading decoder inputs (alphabets, posteriors, language models,
/// lexicons) or aligning transcripts. Every message names the file, what was expected and
/// what to try.
public enum DecodeError: Error, CustomStringConvertible, Equatable {
    /// The alphabet file is unreadable or malformed.
    case alphabet(path: String, reason: String)
    /// A posterior matrix does not fit the alphabet or is not in a known domain.
    case posteriors(path: String, reason: String)
    /// An ARPA language model is malformed; `line` is 1-based (0 when not tied to a line).
    case arpa(path: String, line: Int, reason: String)
    /// A lexicon file is unreadable or malformed.
    case lexicon(path: String, reason: String)
    /// Text for language-model estimation or perplexity could not be used.
    case text(path: String, reason: String)
    /// A transcript cannot be aligned to a posterior matrix.
    case alignment(reason: String)
    /// A decoding option is out of range or conflicts with another.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .alphabet(path, reason):
            return "\(path): \(reason). An alphabet file lists the non-blank symbols in class order, one per line (UTF-8); a line holding a single space is the space symbol."
        case let .posteriors(path, reason):
            return "\(path): \(reason)"
        case let .arpa(path, line, reason):
            let at = line > 0 ? "\(path):\(line)" : path
            return "\(at): not a usable ARPA language model: \(reason). Expected the ARPA format written by KenLM, SRILM or `scribe lm build` (\\data\\ with ngram N=count lines, then \\N-grams: sections, then \\end\\)."
        case let .lexicon(path, reason):
            return "\(path): \(reason). A lexicon lists one allowed word per line (further tab- or space-separated fields are ignored)."
        case let .text(path, reason):
            return "\(path): \(reason)"
        case let .invalidOption(message):
            return message
        case let .alignment(reason):
            return "cannot align: \(reason)"
        }
    }
}
