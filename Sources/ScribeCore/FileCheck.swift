import Foundation

/// Plain-language reasons a path cannot be an input file, checked before a parser would
/// report a misleading "corrupt" or "unreadable": a directory, an empty file, a missing one.
public enum FileCheck {
    /// Why `path` cannot be read as a file, or nil if it is a non-empty regular file.
    public static func problem(_ path: String) -> String? {
        if StandardStreams.isStream(path) { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a file" }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            return "is empty (0 bytes)"
        }
        return nil
    }

    /// Checks, before any work, that a file can be written at `path`: its folder exists and
    /// is writable, and `path` itself is not a folder. Throws `AtomicWriteError` naming the
    /// path and what to do.
    public static func writable(_ path: String) throws {
        if StandardStreams.isStream(path) { return }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw AtomicWriteError(path: path, reason: "it is a folder", hint: "give a file name")
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AtomicWriteError(path: path, reason: "the folder \(folder) does not exist", hint: "create it first or write elsewhere")
        }
        guard access(folder, W_OK) == 0 else { throw AtomicWriteError(path: path, reason: "the folder \(folder) is not writable", hint: "write elsewhere") }
    }

    /// `writable` for each path given.
    public static func writable(_ paths: String?...) throws {
        for case let path? in paths { try writable(path) }
    }
}
