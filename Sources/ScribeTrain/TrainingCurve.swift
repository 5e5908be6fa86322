import Foundation
import ScribeCore
import ScribeImage

/// One line of the metrics log (`metrics.jsonl`), written at the end of every epoch.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public var trainLoss: Double
    public var validCER: Double
    public var validWER: Double
    public var learningRate: Double
    public var skippedBatches: Int
    public var framesPerSecond: Double
    public var elapsedSeconds: Double
    public var peakMemoryMB: Double

    enum CodingKeys: String, CodingKey {
        case epoch, step, trainLoss = "train_loss", validCER = "valid_cer", validWER = "valid_wer",
             learningRate = "learning_rate", skippedBatches = "skipped_batches",
             framesPerSecond = "frames_per_second", elapsedSeconds = "elapsed_seconds", peakMemoryMB = "peak_memory_mb"
    }

    /// The metrics log's lines, in order (a missing file is an empty log).
    public static func readLog(_ path: String) throws -> [EpochMetrics] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8))
        }
    }

    /// Rewrites the log atomically with `metrics`.
    public static func writeLog(_ metrics: [EpochMetrics], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try metrics.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }
        try AtomicFile.write(lines.joined(), to: path)
    }
}

/// The training curve as a picture: training loss (blue, left axis, log scale) and
/// validation CER and WER (red and orange, right axis, percent) by epoch.
public enum TrainingCurve {
    /// `labels` name the two rate series (`validCER`, `validWER`) and `xLabel` the x axis,
    /// for runs whose rates are not CER and WER (the line finder plots missed and extra lines).
    public static func render(_ metrics: [EpochMetrics], title: String, labels: (String, String) = ("valid CER", "valid WER"),
                              xLabel: String = "epoch") -> Image8 {
        let (w, h) = (900, 430)
        let (left, right, top, bottom) = (70, 70, 50, 50)
        var img = Image8(width: w, height: h, channels: 3, fill: 255)
        let plotW = w - left - right, plotH = h - top - bottom
        let grid = RGB(225, 225, 225), axis = RGB(80, 80, 80)
        for i in 0...5 {
            let y = top + plotH * i / 5
            Drawing.line(from: (left, y), to: (left + plotW, y), on: &img, color: grid)
        }
        Drawing.line(from: (left, top), to: (left, top + plotH), on: &img, color: axis)
        Drawing.line(from: (left, top + plotH), to: (left + plotW, top + plotH), on: &img, color: axis)
        Drawing.line(from: (left + plotW, top), to: (left + plotW, top + plotH), on: &img, color: axis)
        for (i, line) in titleLines(title, columns: (w - 16) / ((TinyFont.glyphWidth + 1) * 2)).enumerated() {
            text(line, x: 8, y: 4 + 13 * i, on: &img, color: .black)
        }
        text(xLabel, x: left + plotW / 2 - 15, y: h - 18, on: &img, color: axis)
        guard !metrics.isEmpty else { return img }
        let maxEpoch = max(metrics.map(\.epoch).max()!, 1)
        func x(_ epoch: Int) -> Int { left + plotW * epoch / maxEpoch }
        for e in stride(from: 0, through: maxEpoch, by: max(1, maxEpoch / 10)) {
            text("\(e)", x: x(e) - 4, y: top + plotH + 8, on: &img, color: axis)
        }
        // Loss on a log scale between its extremes.
        let losses = metrics.map { max($0.trainLoss, 1e-4) }
        let lo = log10(losses.min()!), hi = max(log10(losses.max()!), lo + 0.5)
        func yLoss(_ v: Double) -> Int { top + Int(Double(plotH) * (hi - log10(max(v, 1e-4))) / (hi - lo)) }
        for i in 0...5 {
            let v = pow(10, hi - (hi - lo) * Double(i) / 5)
            text(String(format: v >= 10 ? "%.0f" : "%.2f", v), x: 8, y: top + plotH * i / 5 - 3, on: &img, color: RGB(0, 90, 200))
        }
        text("loss", x: 8, y: top - 16, on: &img, color: RGB(0, 90, 200))
        // Error rates in percent, 0 to the largest seen (at least 10%).
        let maxRate = max(10, (metrics.flatMap { [$0.validCER, $0.validWER] }.filter(\.isFinite).max() ?? 0) * 100)
        func yRate(_ v: Double) -> Int { top + plotH - Int(Double(plotH) * min(v * 100, maxRate) / maxRate) }
        for i in 0...5 {
            text(String(format: "%.0f%%", maxRate * Double(5 - i) / 5), x: left + plotW + 8, y: top + plotH * i / 5 - 3, on: &img, color: RGB(200, 0, 0))
        }
        let series: [(KeyPath<EpochMetrics, Double>, RGB, (Double) -> Int)] = [
            (\.trainLoss, RGB(0, 90, 200), yLoss), (\.validWER, RGB(245, 130, 48), yRate), (\.validCER, RGB(200, 0, 0), yRate),
        ]
        for (key, color, y) in series {
            let points = metrics.filter { $0[keyPath: key].isFinite }.map { (x($0.epoch), y($0[keyPath: key])) }
            for (a, b) in zip(points, points.dropFirst()) { Drawing.line(from: a, to: b, on: &img, color: color, thickness: 2) }
            for p in points { img.fill(x0: p.0 - 2, y0: p.1 - 2, x1: p.0 + 3, y1: p.1 + 3, color) }
        }
        text("train loss", x: left + plotW - 250, y: top + 8, on: &img, color: RGB(0, 90, 200))
        text(labels.0, x: left + plotW - 160, y: top + 8, on: &img, color: RGB(200, 0, 0))
        text(labels.1, x: left + plotW - 80, y: top + 8, on: &img, color: RGB(245, 130, 48))
        return img
    }

    /// `title` in at most two lines of `columns` characters, broken at spaces (a long spec
    /// string does not fit on one); what does not fit in two ends in "..".
    static func titleLines(_ title: String, columns: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in title.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty && current.count + 1 + word.count > columns {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        lines.append(current)
        guard lines.count > 2 || lines.contains(where: { $0.count > columns }) else { return lines }
        let second = lines.dropFirst().joined(separator: " ")
        let cut = { (s: String) in s.count > columns ? String(s.prefix(columns - 2)) + ".." : s }
        return [cut(lines[0]), cut(second)]
    }

    static func text(_ s: String, x: Int, y: Int, on img: inout Image8, color: RGB) {
        TinyFont.draw(s, x: x, y: y, scale: 2, color: color, on: &img)
    }
}
