import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode
import ScribeEval
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe bench decode`: decoder speed on synthetic peaked posteriors.
    struct BenchDecode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decode",
            abstract: "Time greedy and beam-search decoding of synthetic peaked posteriors (see scripts/bench-decode for the comparison with pyctcdecode and torchaudio).",
            discussion: """
            With --write DIR the matrices (utt000.npy ...), the alphabet, the LM corpus, the \
            4-gram word LM (lm4.arpa) and Scribe's transcripts are written there so other \
            decoders can be timed on the same inputs.
            """)

        @Option(help: "Utterances.")
        var utterances: Int = 20
        @Option(help: "Frames per utterance.")
        var frames: Int = 400
        @Option(help: "Comma-separated beam widths.")
        var beams: String = "16,64"
        @Option(help: "LM weight α for the word-LM rows.")
        var alpha: Double = 0.5
        @Option(help: "Insertion bonus β for the word-LM rows.")
        var beta: Double = 1.0
        @Option(help: "Timed repetitions (the median is reported).")
        var repeats: Int = 3
        @Option(help: "Comma-separated pruning settings: matched (pyctcdecode's defaults token_min_logp −5 and beam_prune_logp −10, plus skipping frames with blank ≥ 0.999), fast (the decoders' default preset) and/or none.")
        var pruning: String = "matched,none"
        @Option(help: "Write inputs, LM and transcripts to this folder.")
        var write: String?
        @Option(help: "Time on a trained model's real posteriors instead of synthetic ones: the model (name or file) ...")
        var model: String?
        @Option(help: "... the manifest whose audio it recognizes (the first --utterances entries) ...")
        var manifest: String?
        @Option(help: "... and the text the word 4-gram LM is estimated on (keep it apart from the manifest's transcripts).")
        var lmText: String?
        @OptionGroup var output: TableFormatOption

        func run() throws {
            let widths = try BenchList.positive(beams, option: "beams")
            let corpus: [[String]], inputs: [(FeatureMatrix, String)], alphabet: Alphabet
            if let modelName = self.model {
                guard let manifest, let lmText else { throw ValidationError("--model needs --manifest and --lm-text") }
                let trained = try RecognitionModel(path: ModelLocator.locate(modelName))
                alphabet = trained.alphabet
                corpus = try LMText.read([lmText], unit: .word)
                let entries = Array(try Manifest.read(manifest).prefix(utterances))
                ComputeThreads.set(1)
                let recognizer = try trained.makeRecognizer()
                inputs = try entries.map { (try recognizer.logProbabilities(forFile: $0.path), $0.transcript) }
            } else {
                var data = BenchData(seed: 7)
                corpus = (0..<3000).map { _ in data.sentence(words: 4 + Int(data.rng.next() % 10)) }
                inputs = (0..<utterances).map { _ in data.posteriors(frames: frames) }
                alphabet = Alphabet(symbols: BenchData.symbols)
            }
            guard alphabet.blank == 0 else { throw ValidationError("the benchmark's peers expect the blank at class 0") }
            let arpa = KneserNey.estimateARPA(sentences: corpus, order: 4)
            let model = try ARPAReader.parse(arpa, path: "lm4.arpa")
            if let write { try writeInputs(write, inputs: inputs, symbols: alphabet.symbols, corpus: corpus, arpa: arpa) }

            var rows: [[String: Any]] = []
            var texts: [String: [String]] = [:]
            let greedy = GreedyDecoder(alphabet: alphabet)
            var out: [String] = []
            let g = Stopwatch.median(repeats: repeats) { out = inputs.map { greedy.decode($0.0).text } }
            texts["greedy"] = out
            rows.append(["system": "scribe", "decoder": "greedy", "beam": 1, "lm": false, "ms_per_utt": 1000 * g / Double(utterances)])
            let scorer = WordLMScorer(model: model, alphabet: alphabet)
            let prunings = try BenchList.choices(pruning, option: "pruning", allowed: ["matched", "fast", "none"])
            for prune in prunings {
            for width in widths {
                for useLM in [false, true] {
                    var options = prune == "fast" ? BeamSearchOptions.fast(beamWidth: width) : .exact(beamWidth: width)
                    if prune == "matched" {
                        options.minClassLogProb = -5
                        options.scoreMargin = 10
                        options.blankSkipProbability = 0.999
                    }
                    options.alpha = alpha; options.beta = beta
                    options.wordTimings = false // text only, as pyctcdecode's decode() returns
                    let decoder = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: useLM ? scorer : nil)
                    let s = Stopwatch.median(repeats: repeats) { out = inputs.map { decoder.decode($0.0)[0].text } }
                    let name = "beam\(width)\(useLM ? "_lm" : "")\(prune == "none" ? "_exact" : prune == "fast" ? "_fast" : "")"
                    texts[name] = out
                    let cer = Scoring.score(zip(inputs, out).enumerated().map {
                        UtterancePair(id: "\($0.offset)", reference: $0.element.0.1, hypothesis: $0.element.1)
                    }, unit: .char, threads: 1).errorRate
                    rows.append(["system": "scribe", "decoder": "beam", "beam": width, "lm": useLM, "pruning": prune,
                                 "ms_per_utt": 1000 * s / Double(utterances), "cer_vs_spelled": cer])
                }
            }
            }
            if let write {
                for (name, lines) in texts {
                    try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: write + "/scribe_\(name).txt")
                }
            }
            if output.isJSON { try printJSON(rows); return }
            print("\(inputs.count) utterances × \(inputs.map(\.0.rows).reduce(0, +) / max(inputs.count, 1)) frames (mean) × \(alphabet.classCount) classes, one thread")
            print("decoder   beam  LM      pruning   ms/utt")
            for r in rows {
                print(String(format: "%-8@ %5d  %-6@  %-8@ %7.3f", r["decoder"] as! String, r["beam"] as! Int,
                             (r["lm"] as! Bool) ? "4-gram" : "none", (r["pruning"] as? String) ?? "-", r["ms_per_utt"] as! Double))
            }
        }

        func writeInputs(_ dir: String, inputs: [(FeatureMatrix, String)], symbols: [String], corpus: [[String]], arpa: String) throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (i, input) in inputs.enumerated() { try Npy.write(input.0, to: dir + String(format: "/utt%03d.npy", i)) }
            try AtomicFile.write(symbols.joined(separator: "\n") + "\n", to: dir + "/alphabet.txt")
            try AtomicFile.write(inputs.map(\.1).joined(separator: "\n") + "\n", to: dir + "/spelled.txt")
            try AtomicFile.write(corpus.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n", to: dir + "/corpus.txt")
            try AtomicFile.write(arpa, to: dir + "/lm4.arpa")
        }
    }

    /// `scribe bench score`: WER/CER scoring speed on synthetic sentence pairs.
    struct BenchScore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Time WER and CER scoring of synthetic sentence pairs (scripts/bench-decode compares with jiwer).")

        @Option(help: "Sentence pairs.")
        var pairs: Int = 10_000
        @Option(help: "Comma-separated thread counts.")
        var threads: String = "1,2"
        @Option(help: "Timed repetitions (the median is reported).")
        var repeats: Int = 3
        @Option(help: "Write ref.txt and hyp.txt to this folder.")
        var write: String?
        @OptionGroup var output: TableFormatOption

        func run() throws {
            var data = BenchData(seed: 11)
            var refs: [String] = [], hyps: [String] = []
            for _ in 0..<pairs {
                let r = data.sentence(words: 3 + Int(data.rng.next() % 20))
                refs.append(r.joined(separator: " "))
                hyps.append(data.corrupt(r, rate: 0.2).joined(separator: " "))
            }
            if let write {
                try FileManager.default.createDirectory(atPath: write, withIntermediateDirectories: true)
                try AtomicFile.write(refs.joined(separator: "\n") + "\n", to: write + "/ref.txt")
                try AtomicFile.write(hyps.joined(separator: "\n") + "\n", to: write + "/hyp.txt")
            }
            let list = zip(refs, hyps).enumerated().map { UtterancePair(id: "\($0.offset)", reference: $0.element.0, hypothesis: $0.element.1) }
            var rows: [[String: Any]] = []
            for n in try BenchList.positive(threads, option: "threads") {
                for unit in [ScoringUnit.word, .char] {
                    var rate = 0.0
                    let s = Stopwatch.median(repeats: repeats) { rate = Scoring.score(list, unit: unit, threads: n).errorRate }
                    rows.append(["system": "scribe", "unit": unit.rawValue, "threads": n, "ms_total": 1000 * s, "rate": rate])
                }
            }
            if output.isJSON { try printJSON(rows); return }
            print("\(pairs) sentence pairs")
            for r in rows {
                print(String(format: "%@ threads %d: %8.2f ms  rate %.4f", (r["unit"] as! String) == "word" ? "WER" : "CER",
                             r["threads"] as! Int, r["ms_total"] as! Double, r["rate"] as! Double))
            }
        }
    }
}
