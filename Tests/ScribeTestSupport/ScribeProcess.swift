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

    /// Starts scribe with `arguments` (in `directory` when given, with `input` on its
    /// standard input when given); the caller reads the pipes.
    public static func start(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> (process: Process, out: Pipe, err: Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw MissingBinary(path: binary.path) }
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        p.standardOutput = out
        p.standardError = err
        if input != nil { p.standardInput = stdin }
        try p.run()
        if let input {
            try stdin.fileHandleForWriting.write(contentsOf: input)
            try stdin.fileHandleForWriting.close()
        }
        return (p, out, err)
    }

    /// Runs scribe to the end; returns exit status, standard output (bytes) and standard error.
    public static func runRaw(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> (status: Int32, out: Data, err: String) {
        let (p, out, err) = try start(arguments, in: directory, input: input)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, o, String(decoding: e, as: UTF8.self))
    }

    /// Runs scribe to the end; returns exit status, standard output and standard error.
    public static func run(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
        let r = try runRaw(arguments, in: directory, input: input)
        return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
    }
}
