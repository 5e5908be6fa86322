import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeTrain

extension Scribe {
    /// `scribe train CONFIG`: train a recognizer as a YAML configuration describes.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a BiLSTM + CTC recognizer from a YAML configuration (manifests, front end, model, schedule, augmentation).",
            discussion: """
            Every manifest entry is checked before the first step (readable file, non-empty text, \
            characters in the alphabet, long enough for its transcript); --skip-bad leaves bad \
            entries out and lists them in OUTPUT/skipped.tsv. After each epoch the validation set \
            is decoded greedily and its CER and WER logged; the model with the best validation CER \
            is kept as OUTPUT/model.safetensors (with training.average_best: N, the mean of the N \
            best epochs' weights when it validates better; with training.keep: last, the last \
            epoch of a fixed schedule). Checkpoints (OUTPUT/checkpoint.safetensors) are \
            written atomically every training.checkpoint_every steps and after each epoch; a run \
            killed at any moment continues with --resume. OUTPUT/metrics.jsonl and OUTPUT/curve.png \
            follow the run. Every configuration field is documented in the README ("Training").

            Example:
              scribe train corpora/digits/train.yaml
              scribe train corpora/digits/train.yaml --resume
              scribe train corpora/poilus/train-final.yaml --seed 2 --output corpora/poilus/run-final-seed2
              scribe train corpora/poilus/train-final-synth.yaml --seed 2 \\
                  --init corpora/poilus/run-synth-pre-s2/model.safetensors --output corpora/poilus/run-final-synth-s2
              scribe train corpora/digits/train.yaml --layers "Lbx256 Lbx256 Lbx256" --output corpora/digits/run-3x256
              scribe train corpora/poilus/train.yaml --set front_end.dewarp=true --output corpora/poilus/run-dewarp
              scribe train corpora/poilus/train.yaml --preview augmented.png
            """)

        @Argument(help: "Training configuration (YAML).")
        var config: String
        @Flag(help: "Continue from the checkpoint in the configuration's output folder.")
        var resume = false
        @Option(help: "Threads for the network's kernels. (default: all cores)")
        var threads: Int?
        @Flag(help: "Leave out manifest entries that cannot be used (listed in OUTPUT/skipped.tsv) instead of stopping.")
        var skipBad = false
        @Flag(help: "Draw the progress bar even when standard error is not a terminal (for a log file).")
        var progress = false
        @Option(help: "Override the configuration's output folder.")
        var output: String?
        @Option(help: "Override the configuration's number of epochs.")
        var epochs: Int?
        @Option(help: "Override the configuration's model and data seeds (model.seed, training.seed): train another member of an ensemble from the same recipe.")
        var seed: Int?
        @Option(name: .customLong("init"), help: ArgumentHelp("Override the configuration's model.init: start from this model file's weights (same layers; with another alphabet, symbols both write keep their output weights and new ones start fresh), e.g. a network pre-trained with another seed.",
                                   valueName: "model"))
        var initialModel: String?
        @Option(help: ArgumentHelp("Override the configuration's model.layers (the network before its output layer), e.g. a wider or deeper variant of a recipe's network; --resume checks it against the checkpoint.",
                                   valueName: "spec"))
        var layers: String?
        @Option(name: .customLong("set"), help: ArgumentHelp("Set one field of the configuration, as a dotted path and a YAML value (repeatable), e.g. --set front_end.dewarp=true --set training.epochs=40; the named options above win over it.",
                                   valueName: "field=value"))
        var settings: [String] = []
        @Option(help: ArgumentHelp("Draw six training inputs, each plain and then three times augmented, to this PNG and stop without training.",
                                   valueName: "png"))
        var preview: String?

        func validate() throws {
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
            if let epochs, !(1...100_000).contains(epochs) { throw ValidationError("--epochs must be between 1 and 100000 (got \(epochs))") }
            if let seed, !(0...Int(Int32.max)).contains(seed) { throw ValidationError("--seed must be between 0 and \(Int32.max) (got \(seed))") }
        }

        func run() throws {
            BLASWarning.check()
            Allocator.keepLargeBlocks()
            if LineFinderConfig.isLineFinderConfig(config) {
                if preview != nil { throw ValidationError("--preview draws recognizer inputs; \(config) trains a line finder") }
                if initialModel != nil { throw ValidationError("--init starts a recognizer from saved weights; \(config) trains a line finder") }
                if !settings.isEmpty { throw ValidationError("--set changes a recognizer's configuration; \(config) trains a line finder") }
                if layers != nil { throw ValidationError("--layers sets a recognizer's network; \(config) trains a line finder") }
                return try trainLineFinder()
            }
            var cfg = try TrainConfig.load(path: config, overrides: settings.map(ConfigOverride.init(parsing:)))
            if let output { cfg.output = output }
            if let epochs { cfg.epochs = epochs }
            if let seed { (cfg.modelSeed, cfg.seed) = (UInt64(seed), UInt64(seed)) }
            if let layers { cfg.layers = layers }
            if let initialModel { cfg.initialModel = URL(fileURLWithPath: initialModel).standardizedFileURL.path }
            if let preview {
                try PNGWriter.write(try AugmentationPreview.sheet(config: cfg), to: preview)
                print("wrote \(preview): six training inputs, each plain and then three augmented draws")
                return
            }
            var options = TrainOptions()
            options.resume = resume
            options.threads = threads ?? Workers.availableCores
            options.skipBad = skipBad
            options.forceProgress = progress
            let summary = try Trainer(config: cfg, options: options).run()
            let chosen = summary.averagedEpochs.isEmpty ? "at epoch \(summary.bestEpoch)"
                : "averaging epochs " + summary.averagedEpochs.sorted().map(String.init).joined(separator: ", ")
            let which = cfg.keep == .last ? "last epoch's validation CER" : "best validation CER"
            print(String(format: "trained %d epochs (%d steps) in %@; %@ %.2f%% %@; peak memory %.0f MB; model: %@",
                         summary.epochs, summary.steps, ProgressBar.clock(summary.seconds), which, summary.bestCER * 100,
                         chosen, summary.peakMemoryMB, summary.modelPath))
        }

        /// A `task: lines` configuration trains a line finder instead of a recognizer.
        func trainLineFinder() throws {
            var cfg = try LineFinderConfig.load(path: config)
            if let output { cfg.output = output }
            if let epochs { cfg.steps = epochs * cfg.validateEvery }
            if let seed { (cfg.modelSeed, cfg.seed) = (UInt64(seed), UInt64(seed)) }
            ComputeThreads.set(threads ?? Workers.availableCores)
            let trainer = LineFinderTrainer(config: cfg)
            trainer.resume = resume
            trainer.forceProgress = progress
            let s = try trainer.run()
            print(String(format: "trained %d steps in %@; best validation recall %.1f%%, precision %.1f%% at step %d; peak memory %.0f MB; model: %@",
                         s.steps, ProgressBar.clock(s.seconds), s.bestRecall * 100, s.bestPrecision * 100, s.bestStep, s.peakMemoryMB, s.modelPath))
        }
    }
}
