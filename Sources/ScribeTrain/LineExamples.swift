import Foundation
import ScribeCore
import ScribeHTR
import ScribeImage
import ScribeRecognition

/// Line images through a line front end, with image augmentation. Normalizing a line
/// (contrast, deskew search, crop, scaling) costs more than augmenting it, so each line is
/// normalized once, when it is first measured, and kept in memory as 8-bit gray; every
/// epoch augments the normalized line afresh.
public final class LineDataSource: TrainingDataSource, @unchecked Sendable {
    public var tooFewStepsAdvice: String {
        "the normalized line is too narrow for its text: check that the transcript belongs to this image, "
            + "or raise front_end.height (with dewarp, lower front_end.dewarp_range)"
    }
    public let frontEnd: LineFrontEnd
    public let augmentation: LineAugmentation
    /// Network output frames for a line of so many pixel columns.
    let frames: @Sendable (Int) -> Int
    let reader = PNGReader()
    private var cache: [String: Image8] = [:]
    private let lock = NSLock()

    /// `frames` maps a normalized line's width to the network's output frames (the
    /// network's `outputLength`), for the CTC length check and batching.
    public init(frontEnd: LineFrontEnd, augmentation: LineAugmentation, frames: @escaping @Sendable (Int) -> Int) throws {
        try frontEnd.validate()
        self.frontEnd = frontEnd
        self.augmentation = augmentation
        self.frames = frames
    }

    public var inputSize: Int { frontEnd.inputSize }

    /// The normalized line of `entry` (read and normalized on first use).
    public func normalizedLine(_ entry: ManifestEntry) throws -> GrayImage {
        lock.lock()
        let cached = cache[entry.path]
        lock.unlock()
        if let cached { return GrayImage(cached) }
        let line = frontEnd.normalize(GrayImage(try reader.read(entry.path))).image8
        lock.lock()
        cache[entry.path] = line
        lock.unlock()
        return GrayImage(line)   // as stored, so the first use equals every later one
    }

    /// Steps are output frames (what CTC sees); lines have no duration.
    public func measure(_ entry: ManifestEntry) throws -> (steps: Int, seconds: Double) {
        (frames(try normalizedLine(entry).width), 0)
    }

    public func example(_ entry: ManifestEntry, augment: Bool, generator: inout SeededGenerator) throws -> FeatureMatrix {
        var line = try normalizedLine(entry)
        if augment { line = augmentation.apply(line, generator: &generator) }
        return frontEnd.columns(line)
    }
}
