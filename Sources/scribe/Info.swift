import ArgumentParser
import Foundation
import ScribeAudio

extension Scribe {
    /// `scribe info FILE...`: what is inside audio files.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show container format, encoding, sample rate, channels, frames and duration of audio files.")

        @Argument(help: "Audio files.")
        var files: [String]

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() throws {
            var failures = 0
            var records: [[String: Any]] = []
            for file in files {
                do {
                    let info = try AudioFile.info(file)
                    if format == .text {
                        print("\(file)\n  format:      \(info.format)\n  encoding:    \(info.encoding)\n  sample rate: \(info.sampleRate) Hz\n  channels:    \(info.channels)\n  frames:      \(info.frames)\n  duration:    \(String(format: "%.3f", info.duration)) s")
                    } else {
                        records.append(["path": file, "format": info.format, "encoding": info.encoding,
                                        "sample_rate": info.sampleRate, "channels": info.channels,
                                        "frames": info.frames, "duration": info.duration])
                    }
                } catch {
                    failures += 1
                    printError("Error: \(error)")
                    if format == .json { records.append(["path": file, "error": "\(error)"]) }
                }
            }
            if format == .json {
                let data = try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

/// Text or JSON output.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
