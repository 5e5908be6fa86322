/// Errors reading transcripts and manifests for scoring. Messages name the file, what was
/// expected and what to do.
public enum EvalError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// A line does not have the expected shape; `line` is 1-based.
    case malformed(path: String, line: Int, reason: String)
    /// Reference and hypothesis files do not pair up.
    case mismatch(reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): \(reason)"
        case let .malformed(path, line, reason):
            return "\(path):\(line): \(reason)"
        case let .mismatch(reason):
            return reason
        }
    }
}
