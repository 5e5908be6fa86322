import Foundation

/// Fresh temporary folders for tests, each with a unique name.
public enum TemporaryFolder {
    /// Creates an empty folder `scribe-<label>-<UUID>` in the system's temporary directory.
    /// The caller removes it (the XCTest targets do so in a teardown block or `tearDown`).
    public static func make(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
