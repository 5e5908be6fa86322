import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `-` as a file name, the Unix custom: standard input where a command reads a file,
/// standard output where it writes one. Every reader and writer goes through here, so the
/// spelling means the same in every command (`scribe score --hyp - ...`,
/// `scribe features a.wav -o - | python ...`).
public enum StandardStreams {
    /// The name that stands for a stream.
    public static let dash = "-"

    /// Whether `path` names standard input or output.
    public static func isStream(_ path: String) -> Bool { path == dash }

    /// The bytes of the file at `path`, or all of standard input for `-`; nil when the file
    /// cannot be read.
    public static func contents(of path: String) -> Data? {
        guard isStream(path) else { return FileManager.default.contents(atPath: path) }
        return (try? FileHandle.standardInput.readToEnd()) ?? Data()
    }

    /// A name for an input `path` in messages: "standard input" for `-`.
    public static func inputName(_ path: String) -> String { isStream(path) ? "standard input" : path }

    /// A name for an output `path` in messages: "standard output" for `-`.
    public static func outputName(_ path: String) -> String { isStream(path) ? "standard output" : path }

    /// Writes `data` to standard output, all of it.
    public static func writeToStandardOutput(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicWriteError(path: "standard output", reason: String(cString: strerror(errno)), hint: "check the pipe's reader")
                }
                offset += n
            }
        }
    }
}
