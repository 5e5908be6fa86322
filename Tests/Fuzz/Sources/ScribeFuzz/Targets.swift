import Foundation
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeEval
import ScribeHTR
import ScribeImage
import ScribeNN
import ScribeRecognition
import ScribeTrain

/// One fuzz target: an input format and the public reader the command line calls on it.
///
/// `run` gets the path of a file holding the fuzzer's bytes (the readers take paths, as the
/// CLI does, so file reading and text decoding are fuzzed too). A thrown error is a correct
/// answer to bad input; a trap, a hang or an allocation over the budget is a finding.
struct FuzzTarget {
    /// Name on the command line (`scripts/fuzz NAME`).
    let name: String
    /// Extension of the input file (some readers look at it).
    let fileExtension: String
    /// What it covers, for `ScribeFuzz list`.
    let summary: String
    /// Reads the file the way the CLI does.
    let run: (String) throws -> Void
}

/// The alphabet the decoding and lexicon targets use: lower-case letters, apostrophe, space.
let fuzzAlphabet = Alphabet(symbols: (Array("abcdefghijklmnopqrstuvwxyz' ").map(String.init)))

let targets: [FuzzTarget] = [
    FuzzTarget(name: "audio", fileExtension: "wav",
               summary: "WAV/FLAC/OGG through libsndfile, resampling to 16 kHz, STFT and log-mel features (scribe features)") { path in
        _ = try AudioFile.info(path)
        _ = try AudioFile.readMono(path)
        _ = try FeatureExtractor(config: .speech(), threads: 1).features(ofFile: path)
    },
    FuzzTarget(name: "png", fileExtension: "png",
               summary: "PNG decoding with the default pixel budget (every command that reads images)") { path in
        _ = try PNGReader().read(path)
        _ = try PNGReader().read(path, rgb: true)
    },
    FuzzTarget(name: "line", fileExtension: "png",
               summary: "a line image decoded, normalized and cut into network columns (scribe normalize, recognize)") { path in
        let image = GrayImage(try PNGReader(maxPixels: 1 << 22).read(path))
        let frontEnd = LineFrontEnd(normalization: LineNormalization())
        _ = frontEnd.columns(frontEnd.normalize(image))
    },
    FuzzTarget(name: "layout", fileExtension: "xml",
               summary: "ALTO and PAGE XML layouts, their lines cropped and drawn on a page (scribe lines --layout)") { path in
        let lines = try LayoutXML.read(path)
        let page = GrayImage(width: 64, height: 48, fill: 1)
        var overlay = Image8(width: 64, height: 48, channels: 3)
        for line in lines.prefix(64) {
            _ = PolygonCrop.crop(page, line: line, padding: 2)
            Drawing.polygon(line.polygon, on: &overlay, color: RGB(200, 0, 0), thickness: 2)
        }
        _ = LineMatching.recall(found: lines.map(\.box), reference: lines.map(\.box), iou: 0.5)
    },
    FuzzTarget(name: "npy", fileExtension: "npy",
               summary: ".npy posteriors read and decoded, greedy and beam (scribe decode, align)") { path in
        let matrix = try Npy.read(path)
        guard matrix.columns >= 2, matrix.columns <= 64 else { return }
        let alphabet = Alphabet(symbols: (1..<matrix.columns).map { "s\($0)" })
        for decoder in [DecoderKind.greedy, .beam] {
            var settings = DecodingSettings()
            settings.decoder = decoder
            settings.beam = 4
            _ = try CTCDecoder(alphabet: alphabet, settings: settings, domain: .auto).decode(matrix, path: path)
        }
    },
    FuzzTarget(name: "arpa", fileExtension: "arpa",
               summary: "ARPA n-gram models (character and word) read, scored and used by the beam search (scribe lm, decode --lm)") { path in
        let model = try ARPAReader.read(path)
        _ = model.sentenceLogProb(["the", "cat", "<unk>", "a"])
        var settings = DecodingSettings()
        settings.beam = 4
        let decoder = try CTCDecoder(alphabet: fuzzAlphabet, settings: settings, lm: path, domain: .logprob)
        _ = try decoder.decode(fixedPosteriors, path: "<fixed>")
    },
    FuzzTarget(name: "model", fileExtension: "safetensors",
               summary: "safetensors model files: header, metadata JSON, architecture, front end and decoding settings (--model), line finders (--finder)") { path in
        // A line-finder model file, or a recognition model.
        if let file = try? SafeTensors.load(path: path), let finder = try? LineFinder.decode(file, source: path) {
            _ = finder.lines(in: GrayImage(width: 40, height: 24, fill: 0.9))
            return
        }
        let model = try RecognitionModel(path: path)
        try model.decoding.validate()
    },
    FuzzTarget(name: "spec", fileExtension: "txt",
               summary: "network spec strings, as model files and training configurations carry them") { path in
        let spec = try String(contentsOfFile: path, encoding: .utf8)
        _ = try NetworkSpec.build(spec, inputSize: 48, seed: 1, forLoading: true)
    },
    FuzzTarget(name: "manifest", fileExtension: "tsv",
               summary: "manifests: TSV with a header, or JSON lines (train, evaluate, transcribe --manifest), page manifests (evaluate --pages)") { path in
        if (try? PageManifest.read(path)) != nil { return }
        _ = try Manifest.read(path)
        _ = try? Manifest.read(path, split: "test")
    },
    FuzzTarget(name: "config", fileExtension: "yaml",
               summary: "training configuration files (YAML, scribe train; task: lines for line finders)") { path in
        if LineFinderConfig.isLineFinderConfig(path) { _ = try LineFinderConfig.load(path: path); return }
        _ = try TrainConfig.load(path: path)
    },
    FuzzTarget(name: "alphabet", fileExtension: "txt",
               summary: "alphabet files (decode, align, train)") { path in
        _ = try Alphabet.read(path)
        _ = try Alphabet.read(path, blank: 1)
    },
    FuzzTarget(name: "lexicon", fileExtension: "txt",
               summary: "lexicon word lists (decode --lexicon)") { path in
        _ = try LexiconTrie.read(path, alphabet: fuzzAlphabet)
    },
    FuzzTarget(name: "transcript", fileExtension: "txt",
               summary: "reference and hypothesis transcripts (scribe score): plain lines, TSV with ids, headers") { path in
        let transcript = try Transcript.read(path)
        let pairs = try Transcript.pair(reference: transcript, hypothesis: transcript)
        _ = Scoring.score(pairs, unit: .char, threads: 1)
        _ = Scoring.score(pairs, unit: .word, threads: 1)
    },
]

/// A fixed 6-frame posterior matrix over `fuzzAlphabet` for the LM target.
let fixedPosteriors: FeatureMatrix = {
    let classes = fuzzAlphabet.classCount
    var m = FeatureMatrix(rows: 6, columns: classes)
    for t in 0..<6 {
        for c in 0..<classes { m[t, c] = log((c == (t * 7) % classes ? 0.6 : 0.4 / Float(classes - 1))) }
    }
    return m
}()
