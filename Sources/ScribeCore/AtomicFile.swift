import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors writing a file atomically.
public struct AtomicWriteError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    /// What to do about it.
    public var hint = "check that the folder exists, is writable and has free space"
    public init(path: String, reason: String, hint: String? = nil) {
        self.path = path
        self.reason = reason
        if let hint { self.hint = hint }
    }
    public var description: String { "cannot write \(path): \(reason); \(hint)" }
}

/// Writes files so that a reader (or a restart after `kill -9` or a power cut) sees either
/// the old file or the complete new one, never a mix: the bytes go to a temporary file in
/// the same folder, which is flushed to disk (`fsync`), renamed over the target, and the
/// folder itself is flushed so the rename survives a crash.
public enum AtomicFile {
    /// `-` writes to standard output instead.
    public static func write(_ data: Data, to path: String) throws {
        if StandardStreams.isStream(path) { return try StandardStreams.writeToStandardOutput(data) }
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicWriteError(path: path, reason: String(cString: strerror(errno))) }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        let reason = ok ? "" : String(cString: strerror(errno))
        let synced = fsync(fd) == 0
        close(fd)
        guard ok, synced else {
            unlink(temporary)
            throw AtomicWriteError(path: path, reason: ok ? "fsync failed" : reason)
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicWriteError(path: path, reason: why)
        }
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
