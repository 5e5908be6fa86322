import ArgumentParser
import Foundation
import ScribeCore
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe model info|defaults`: look inside a model file and set its decoding defaults.
    struct Model: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a model file holds, or store the decoding defaults it is used with.",
            subcommands: [ModelInfo.self, ModelDefaults.self])
    }

    struct ModelInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Print a model's architecture, alphabet, front end, decoding defaults and training description.")

        @Argument(help: "Model: a shipped name or a .safetensors file.")
        var model: String

        func run() throws {
            let path = try ModelLocator.locate(model)
            if let finder = try? LineFinder.load(path) { return describe(finder, path: path) }
            let m = try RecognitionModel(path: path)
            let network = try m.makeNetwork()
            print("file:          \(m.path)")
            print("architecture:  \(m.file.architecture), \(network.parameterCount) parameters")
            if case .line = m.input {
                print("input:         line images normalized to \(m.file.inputSize) px, one step per pixel column; \(network.outputLength(inputLength: 1000)) frames per 1000 columns")
            } else {
                print("input:         \(m.file.inputSize) values per step, one step every \(Int((m.frameSeconds * 1000).rounded())) ms")
            }
            print("front end:     \(m.file.frontEnd)")
            print("alphabet:      \(m.alphabet.symbols.map { $0 == " " ? "␣" : $0 }.joined()) (+ blank at \(m.alphabet.blank))")
            print("decoding:      \(m.file.decoding)")
            for (k, v) in m.file.info.sorted(by: { $0.key < $1.key }) { print("\((k + ":").padding(toLength: max(14, k.count + 1), withPad: " ", startingAt: 0)) \(v)") }
        }

        /// A line-finder model (`task: lines`).
        func describe(_ finder: LineFinder, path: String) {
            let w = finder.network.widths
            print("file:          \(path)")
            print("architecture:  line finder U-Net, widths \(w.map(String.init).joined(separator: ", ")), \(finder.network.parameterCount) parameters")
            print("input:         pages scaled to a longest side of \(finder.workingSide) px; core and region probabilities per 4 × 4 block")
            print("finding:       threshold \(finder.threshold), sideways lines \(finder.sideways ? "on" : "off")")
            for (k, v) in finder.metadata.filter({ $0.key.hasPrefix("scribe.info.") }).sorted(by: { $0.key < $1.key }) {
                print("\((String(k.dropFirst(12)) + ":").padding(toLength: max(14, k.count - 10), withPad: " ", startingAt: 0)) \(v)")
            }
        }
    }

    struct ModelDefaults: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "defaults",
            abstract: "Store decoding defaults in a model file (rewritten atomically); options not given keep their stored value.",
            discussion: """
            The language model, lexicon and ensemble members are stored as paths relative to \
            the model file's folder, so ship them side by side.

            Example:
              scribe model defaults corpora/english/model.safetensors --decoder beam --beam 16 \\
                  --lm corpora/english/lm-char5.arpa --alpha 0.8 --beta 1
              scribe model defaults corpora/poilus/model.safetensors \
                  --ensemble corpora/poilus/model-b.safetensors --proposals 8
            """)

        @Argument(help: "Model file (.safetensors).")
        var model: String
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var models: EnsembleOptions

        func run() throws {
            let m = try RecognitionModel(path: ModelLocator.locate(model))
            var settings = decoding.settings(over: m.decoding)
            if let proposals = models.proposals { settings.proposals = proposals }
            if decoding.noLM { settings.lm = nil; settings.lexicon = nil }
            // Stored relative to the model's folder when they live there, so the files move together.
            let folder = URL(fileURLWithPath: m.path).deletingLastPathComponent().standardizedFileURL.path
            func relative(_ p: String) -> String {
                let full = URL(fileURLWithPath: p).standardizedFileURL.path
                return full.hasPrefix(folder + "/") ? String(full.dropFirst(folder.count + 1)) : full
            }
            if let lm = decoding.lm { settings.lm = relative(lm); settings.lexicon = nil }
            if let lexicon = decoding.lexicon { settings.lexicon = relative(lexicon) }
            if models.noEnsemble { settings.ensemble = nil }
            // A speech model refuses views when the ensemble is checked below.
            if let views = try models.chosenViews() { settings.views = views.isEmpty ? nil : views.map(\.description) }
            if !models.ensemble.isEmpty {
                guard case .line = m.input else {
                    throw ValidationError("--ensemble: only handwriting models keep an ensemble (scribe transcribe reads one model); give --ensemble to scribe evaluate instead")
                }
                settings.ensemble = try models.ensemble.map { relative(try ModelLocator.locate($0)) }
            }
            // The members load and match the model before they are stored.
            _ = try ModelEnsemble(primary: m, others: (settings.ensemble ?? []).compactMap { m.resolve($0) }, views: settings.lineViews(path: m.path))
            // The decoder checks that the settings, LM and lexicon work with this model before they are stored.
            _ = try CTCDecoder(alphabet: m.alphabet, settings: settings, lm: m.resolve(settings.lm),
                               lexicon: m.resolve(settings.lexicon), domain: .logprob, wordTimings: false)
            var file = try SafeTensors.load(path: m.path)
            file.metadata["scribe.decoding"] = try settings.json()
            if let trim = try models.chosenTrim() {
                try EnsembleOptions.requireLines(m)
                var frontEnd = try m.lineFrontEnd()
                frontEnd.normalization.trimMargins = trim
                file.metadata["scribe.front_end"] = try frontEnd.json()
                print("\(m.path): margin trim \(trim.map(\.description) ?? "off") (line normalization)")
                if let members = settings.ensemble, !members.isEmpty {
                    printError("note: each model normalizes its own lines; give --trim-margins to its ensemble members too (\(members.joined(separator: ", ")))")
                }
            }
            try file.write(to: m.path)
            print("\(m.path): decoding defaults \(try settings.json())")
        }
    }
}
