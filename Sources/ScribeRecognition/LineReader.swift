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

    /// Distortions of the normalized line each recognizer reads besides the line itself.
    public let views: [LineView]

    public convenience init(recognizer: LineRecognizer, decoder: CTCDecoder, maxPixels: Int = 100_000_000) {
        self.init(recognizers: [recognizer], decoder: decoder, maxPixels: maxPixels)
    }

    /// `decoder` decodes the primary's output, or proposes transcripts per reading when
    /// there are several recognizers or `views` (give it `DecodingSettings.proposals` as its
    /// n-best): each recognizer reads the normalized line and each of its `views`.
    public init(recognizers: [LineRecognizer], views: [LineView] = [], decoder: CTCDecoder, maxPixels: Int = 100_000_000) {
        precondition(!recognizers.isEmpty, "LineReader: give at least one recognizer")
        self.recognizers = recognizers
        self.views = views
        self.decoder = decoder
        ensemble = recognizers.count > 1 || !views.isEmpty ? EnsembleDecoder(proposer: decoder) : nil
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
        let hypothesis: Hypothesis?
        if let ensemble {
            hypothesis = try ensemble.decode(readings(image, primaryLine: line), path: path)
        } else {
            hypothesis = try decoder.decode(recognizer.logProbabilities(inputs: [frontEnd.columns(line)])[0], path: path).first
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

    /// Every recognizer's log-probabilities for the line and for each view of it, the
    /// primary's reading of the undistorted line first. Members that normalize lines alike
    /// share the normalized line and its views; each member reads its views as one batch.
    func readings(_ image: GrayImage, primaryLine: GrayImage) throws -> [FeatureMatrix] {
        var inputs: [(frontEnd: LineFrontEnd, columns: [FeatureMatrix])] = []
        var out: [FeatureMatrix] = []
        for r in recognizers {
            let columns: [FeatureMatrix]
            if let shared = inputs.first(where: { $0.frontEnd == r.frontEnd }) {
                columns = shared.columns
            } else {
                let line = inputs.isEmpty ? primaryLine : r.frontEnd.normalize(image)
                columns = ([line] + views.map { $0.apply(line) }).map(r.frontEnd.columns)
                inputs.append((r.frontEnd, columns))
            }
            out += try r.logProbabilities(inputs: columns)
        }
        return out
    }
}
