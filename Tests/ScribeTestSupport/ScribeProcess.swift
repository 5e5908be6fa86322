import Foundation

/// Runs the `scribe` binary that SwiftPM builds next to the test bundle, as a user would.
/// One way to find it for every CLI test; a missing binary is an error, never a skip.
public enum ScribeProcess {
    /// The built `scribe` executable.
    public static var binary: URL {
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }
        return (bundle?.bundleURL.deletingLastPathComponent() ?? Bundle.main.bundleURL).appendingPathComponent("scribe")
    }

    public struct MissingBinary: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "the scribe binary was not found at \(path); build it with swift build --build-tests" }
    }

    /// Starts scribe with `arguments` (in `directory` when given); the caller reads the pipes.
    public static func start(_ arguments: [String], in directory: URL? = nil) throws -> (process: Process, out: Pipe, err: Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw MissingBinary(path: binary.path) }
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs scribe to the end; returns exit status, standard output and standard error.
    public static func run(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
        let (p, out, err) = try start(arguments, in: directory)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
