import Foundation

/// A one-line progress bar with rate and ETA, written to standard error.
///
/// It redraws at most ten times a second and only when standard error is a terminal
/// (or when `force` is set), so logs and CI output stay clean.
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var done = 0
    private let lock = NSLock()

    /// Creates a bar for `total` units of work described by `label`.
    public init(total: Int, label: String, force: Bool = false) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = force || isatty(STDERR_FILENO) != 0
    }

    private var detail = ""

    /// Records `count` more units done, with an optional status shown after the ETA
    /// (for example the loss and learning rate of a training step).
    public func advance(by count: Int = 1) { advance(by: count, detail: nil) }

    /// Sets the units done so far (for work measured in, say, seconds of audio).
    public func update(done newDone: Int) {
        lock.lock(); let delta = newDone - done; lock.unlock()
        if delta > 0 { advance(by: delta, detail: nil) }
    }

    /// Records `count` more units done and replaces the status text.
    public func advance(by count: Int, detail newDetail: String?) {
        lock.lock(); defer { lock.unlock() }
        done += count
        if let newDetail { detail = newDetail }
        let now = Date()
        if enabled, now.timeIntervalSince(lastDraw) > 0.1 || done >= total {
            lastDraw = now
            draw(now: now)
        }
    }

    /// Ends the line.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled { draw(now: Date()); FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(now: Date) {
        let fraction = min(Double(done) / Double(total), 1)
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %3.0f%%  %@ elapsed, ETA %@ %@\u{1B}[K",
                          label, bar, fraction * 100, Self.clock(elapsed), Self.clock(eta), detail)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Formats seconds as `m:ss` or `h:mm:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
