import Foundation

/// The process's peak resident memory (Linux `VmHWM`), for training logs and benchmarks.
public enum ProcessMemory {
    /// Peak resident set size in MB (MiB) since the process started; 0 where /proc does
    /// not say.
    public static func peakMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
