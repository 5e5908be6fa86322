import ArgumentParser
import Foundation

/// What every `scribe bench` command shares: reading comma lists from the command line and
/// timing a piece of work. One way each, so a mistyped list is an error in every command
/// (never silently shortened) and every figure is measured the same way.
enum BenchList {
    /// Positive whole numbers from `"1,2"`; any other entry is an error naming `option`.
    static func positive(_ text: String, option: String) throws -> [Int] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = entries.map { Int($0) ?? 0 }
        guard !entries.isEmpty, values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--\(option) takes positive whole numbers separated by commas, like 1,2 (got \"\(text)\")")
        }
        return values
    }

    /// Names from `"fast,none"`, each one of `allowed`.
    static func choices(_ text: String, option: String, allowed: [String]) throws -> [String] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !entries.isEmpty, entries.allSatisfy(allowed.contains) else {
            throw ValidationError("--\(option) takes a comma-separated list of \(allowed.joined(separator: ", ")) (got \"\(text)\")")
        }
        return entries
    }
}

/// Wall-clock timing of benchmark work (a monotonic clock, in seconds).
enum Stopwatch {
    /// Seconds one run of `body` takes.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Median seconds of `repeats` runs of `body` after `warmUp` untimed ones.
    static func median(repeats: Int, warmUp: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        let times = try (0..<max(1, repeats)).map { _ in try seconds(body) }.sorted()
        return times[times.count / 2]
    }

    /// The fastest of `runs` runs of `body` (for short kernels whose noise only adds time).
    static func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
        try (0..<max(1, runs)).map { _ in try seconds(body) }.min()!
    }

    /// Runs `body` for at least `seconds` untimed (FFTW plans, page faults, OpenBLAS's
    /// worker threads that spin for a moment after the library loads).
    static func warmUp(seconds: Double, _ body: () throws -> Void) rethrows {
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        repeat { try body() } while DispatchTime.now().uptimeNanoseconds < end
    }
}

/// Prints `object` as one line of JSON (sorted keys, slashes unescaped).
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
