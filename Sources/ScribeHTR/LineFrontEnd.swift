import Foundation
import ScribeCore
import ScribeImage

/// The input side of a handwriting model, stored as the model file's `scribe.front_end`:
/// how a line image is normalized (`LineNormalization`) before the network reads it as a
/// sequence of pixel columns, one network step per column, `normalization.height` values
/// each with ink 1 and paper 0. The network's first layers (a `ConvWindow`) then slide
/// their window along those columns.
public struct LineFrontEnd: Codable, Equatable, Sendable {
    /// Always "image"; speech models carry "audio".
    public var type: String = "image"
    /// How lines are normalized.
    public var normalization: LineNormalization

    public init(normalization: LineNormalization = LineNormalization()) {
        self.normalization = normalization
    }

    /// Values per network step: the normalized height.
    public var inputSize: Int { normalization.height }

    /// Checks the settings.
    public func validate() throws {
        guard type == "image" else { throw LineFrontEndError(description: "front end type \"\(type)\" is not \"image\"") }
        guard (8...512).contains(normalization.height) else {
            throw LineFrontEndError(description: "line height \(normalization.height) is outside 8...512")
        }
        guard (0...45).contains(normalization.maxSkewDegrees), (0...60).contains(normalization.maxSlantDegrees),
              (0...1000).contains(normalization.margin) else {
            throw LineFrontEndError(description: "skew must be within 0...45°, slant within 0...60°, margin within 0...1000 px")
        }
        guard (1...20).contains(normalization.dewarpRange) else {
            throw LineFrontEndError(description: "dewarp range \(normalization.dewarpRange) is outside 1...20 mean deviations")
        }
    }

    /// The normalized line (0 = ink, 1 = paper, `normalization.height` rows).
    public func normalize(_ image: GrayImage) -> GrayImage {
        LineNormalizer(normalization).normalize(image).image
    }

    /// Maps a column of the normalized line back to an x position in the image it came
    /// from (through the margin trim, the crop and the scaling; the deskew rotation, at most
    /// a few degrees, is not undone).
    public static func sourceX(column: Double, report: NormalizationReport, imageWidth: Int, imageHeight: Int, height: Int) -> Double {
        let kept = report.trimmed ?? Box(x0: 0, y0: 0, x1: imageWidth, y1: imageHeight)
        let box = report.inkBox ?? Box(x0: 0, y0: 0, x1: kept.width, y1: kept.height)
        let x = Double(kept.x0 + box.x0) + column * Double(box.height) / Double(height)
        return min(max(x, 0), Double(imageWidth))
    }

    /// Network input for a normalized line: one row per pixel column, ink 1 and paper 0.
    public func columns(_ line: GrayImage) -> FeatureMatrix {
        precondition(line.height == normalization.height, "LineFrontEnd: line is \(line.height) px high, expected \(normalization.height)")
        var m = FeatureMatrix(rows: line.width, columns: line.height)
        m.withUnsafeMutableValues { v in
            for y in 0..<line.height {
                for x in 0..<line.width { v[x * line.height + y] = 1 - line.pixels[y * line.width + x] }
            }
        }
        return m
    }

    /// Network input for a line image as read from its file.
    public func networkInput(image: GrayImage) -> FeatureMatrix { columns(normalize(image)) }

    /// JSON text for the model file.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// An invalid line front end.
public struct LineFrontEndError: Error, CustomStringConvertible, Equatable {
    public let description: String
}
