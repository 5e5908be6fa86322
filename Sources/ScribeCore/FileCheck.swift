import Foundation

/// Plain-language reasons a path cannot be an input file, checked before a parser would
/// report a misleading "corrupt" or "unreadable": a directory, an empty file, a missing one.
public enum FileCheck {
    /// Why `path` cannot be read as a file, or nil if it is a non-empty regular file.
    public static func problem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a file" }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue == 0 {
            return "is empty (0 bytes)"
        }
        return nil
    }
}
