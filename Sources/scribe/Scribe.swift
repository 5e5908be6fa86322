import ArgumentParser
import Foundation

/// The `scribe` command: speech and handwriting recognition with BiLSTM + CTC.
@main
struct Scribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speech and handwriting recognition: audio, line images and page scans in, text out.",
        discussion: """
        Transcribe speech (scribe transcribe) and read handwritten lines or whole pages \
        (scribe recognize) with a shipped or trained model, train your own (scribe train), \
        and measure error rates (scribe evaluate, scribe score). Audio is decoded with \
        libsndfile (WAV, FLAC, OGG/Vorbis, ...), resampled with libsamplerate and analysed \
        with FFTW, with features that follow librosa's conventions; line and page scans are \
        PNG files read with libpng. Shipped models: digits and english (speech), poilus \
        (French handwriting), digit-strings (handwritten digits) and poilus-lines (the page \
        line finder); scribe model info NAME describes one.
        """,
        version: "0.3.0",
        subcommands: [Transcribe.self, Recognize.self, Train.self, Evaluate.self, Score.self,
                      Info.self, Features.self, Spectrogram.self, Lines.self, Normalize.self,
                      Decode.self, Align.self, LM.self, Model.self, Bench.self])

    /// Runs the command line; a first word that is no subcommand gets the nearest one
    /// suggested (argument-parser would otherwise complain about the options after it).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help" {
            let names = configuration.subcommands.map { $0._commandName }
            if !names.contains(first) {
                let nearest = names.min { editDistance($0, first) < editDistance($1, first) }!
                let hint = editDistance(nearest, first) <= max(2, first.count / 3) ? " Did you mean '\(nearest)'?" : ""
                exit(withError: ValidationError("unknown command '\(first)'.\(hint) Commands: \(names.joined(separator: ", ")) (scribe --help describes them)."))
            }
        }
        var command: ParsableCommand
        do { command = try parseAsRoot(arguments) } catch { exit(withError: error) }
        do { try command.run() } catch let error as ValidationError {
            // A usage mistake found while running names the subcommand's usage, not the root's.
            let name = commandPath(to: type(of: command)) ?? "scribe"
            let usage = usageString(for: type(of: command))
            FileHandle.standardError.write(Data("Error: \(error.message)\nUsage: \(usage)\n  See '\(name) --help' for more information.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// "scribe bench score" for `BenchScore`: the names from the root down to `target`.
    static func commandPath(to target: ParsableCommand.Type, from node: ParsableCommand.Type = Scribe.self) -> String? {
        if node == target { return node._commandName }
        for child in node.configuration.subcommands {
            if let rest = commandPath(to: target, from: child) { return node._commandName + " " + rest }
        }
        return nil
    }

    /// Levenshtein distance between two command names.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
}
