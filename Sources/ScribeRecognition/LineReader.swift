import Foundation
import ScribeCore
import ScribeDecode
import ScribeHTR
import ScribeImage
import ScribeNN

/// One recognized character of a line: its symbol, where it stands in the original image
/// (x range in pixels, from the CTC alignment: the frames that emitted it, widened by half
/// a window step on each side) and the decoder's confidence.
public struct RecognizedCharacter: Equatable, Sendable {
    public var symbol: String
    public var x0: Double
    public var x1: Double
    public var confidence: Double
}

/// The text of one line image.
public struct LineTranscript: Sendable {
    public var text: String
    public var characters: [RecognizedCharacter]
    /// Mean character confidence (1 for an empty line).
    public var confidence: Double
    /// Image size.
    public var width: Int, height: Int
}

/// Reads text lines: image → normalization → network → CTC decoding, for one thread. With
/// several recognizers (a `ModelEnsemble`), each reads the line with its own normalization
/// and an `EnsembleDecoder` combines them; positions come from the first.
public final class LineReader {
    /// The first (primary) recognizer.
    public var recognizer: LineRecognizer { recognizers[0] }
    /// Every member's recognizer, the primary first.
    public let recognizers: [LineRecognizer]
    public let decoder: CTCDecoder
    let ensemble: EnsembleDecoder?
    let reader: PNGReader
    /// Pixels of the normalized line per output frame (the window step).
    public let columnsPerFrame: Int

    public convenience init(recognizer: LineRecognizer, decoder: CTCDecoder, maxPixels: Int = 100_000_000) {
        self.init(recognizers: [recognizer], decoder: decoder, maxPixels: maxPixels)
    }

    /// `decoder` decodes the primary's output, or proposes transcripts per member when there
    /// are several recognizers (give it `DecodingSettings.proposals` as its n-best).
    public init(recognizers: [LineRecognizer], decoder: CTCDecoder, maxPixels: Int = 100_000_000) {
        precondition(!recognizers.isEmpty, "LineReader: give at least one recognizer")
        self.recognizers = recognizers
        self.decoder = decoder
        ensemble = recognizers.count > 1 ? EnsembleDecoder(proposer: decoder) : nil
        reader = PNGReader(maxPixels: maxPixels)
        var layer: Layer? = recognizers[0].network
        while let s = layer as? Series { layer = s.layers.first }
        columnsPerFrame = (layer as? ConvWindow)?.stride ?? 1
    }

    /// Recognizes the line image at `path` (PNG).
    public func read(file path: String) throws -> LineTranscript {
        try read(GrayImage(reader.read(path)), path: path)
    }

    /// Recognizes a line image; `path` names it in errors.
    public func read(_ image: GrayImage, path: String) throws -> LineTranscript {
        let frontEnd = recognizer.frontEnd
        let (line, report) = LineNormalizer(frontEnd.normalization).normalize(image)
        let columns = frontEnd.columns(line)
        let logProbs = try recognizer.logProbabilities(inputs: [columns])[0]
        let hypothesis: Hypothesis?
        if let ensemble {
            // A member that normalizes lines as the primary does reads the same columns.
            let others = try recognizers.dropFirst().map {
                $0.frontEnd == frontEnd ? try $0.logProbabilities(inputs: [columns])[0] : try $0.logProbabilities(image: image)
            }
            hypothesis = try ensemble.decode([logProbs] + others, path: path)
        } else {
            hypothesis = try decoder.decode(logProbs, path: path).first
        }
        guard let best = hypothesis else {
            return LineTranscript(text: "", characters: [], confidence: 1, width: image.width, height: image.height)
        }
        let step = Double(columnsPerFrame)
        let characters = best.tokens.map { token in
            func x(_ column: Double) -> Double {
                LineFrontEnd.sourceX(column: column, report: report, imageWidth: image.width, imageHeight: image.height,
                                     height: frontEnd.normalization.height)
            }
            return RecognizedCharacter(symbol: token.symbol, x0: x(Double(token.startFrame) * step - step / 2),
                                       x1: x(Double(token.endFrame - 1) * step + step / 2), confidence: token.confidence)
        }
        let confidence = characters.isEmpty ? 1 : characters.map(\.confidence).reduce(0, +) / Double(characters.count)
        return LineTranscript(text: best.text, characters: characters, confidence: confidence, width: image.width, height: image.height)
    }
}
