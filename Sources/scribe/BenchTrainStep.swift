import ArgumentParser
import Foundation
import ScribeCore
import ScribeNN

extension Scribe {
    /// `scribe bench train-step`: one full BiLSTM + CTC training step, timed.
    struct BenchTrainStep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-step",
            abstract: "Time one training step (forward, CTC loss, backward, Adam update) of a stacked BiLSTM or of any network spec.",
            discussion: """
            The model is [Lbx<hidden> x <layers>, Fl<classes>] over <input>-channel frames, or \
            [<spec> Fl<classes>] with --spec (e.g. the poilus line model over 48-pixel columns); every \
            sequence in the batch has <frames> frames (pixel columns for a line model) and a random \
            target of <target-length> labels. Also times inference (forward + log-softmax) of one \
            <inference-frames>-frame input. scripts/bench-train-step runs the same step in PyTorch \
            and prints the ratio.
            """)

        @Option(help: "The layers before the output layer, as a spec (default: --layers BiLSTMs of --hidden units).")
        var spec: String?
        @Option(help: "Channels per input frame (pixels per column for a line model).")
        var input: Int = 80
        @Option(help: "LSTM units per direction.")
        var hidden: Int = 256
        @Option(help: "Bidirectional LSTM layers.")
        var layers: Int = 2
        @Option(help: "Output classes, blank (index 0) included.")
        var classes: Int = 29
        @Option(help: "Comma-separated batch sizes to measure.")
        var batch: String = "16"
        @Option(help: "Frames per sequence.")
        var frames: Int = 400
        @Option(help: "Labels per target.")
        var targetLength: Int = 60
        @Option(help: "Comma-separated thread counts to measure.")
        var threads: String = "1"
        @Option(help: "Timed steps per row (the median is reported).")
        var steps: Int = 5
        @Option(help: "Untimed warm-up steps per row.")
        var warmup: Int = 1
        @Option(help: "Frames of the utterance timed for inference (0 to skip).")
        var inferenceFrames: Int = 1000
        @OptionGroup var output: TableFormatOption

        func validate() throws {
            _ = try BenchList.positive(threads, option: "threads")
            _ = try BenchList.positive(batch, option: "batch")
            guard input > 0, hidden > 0, layers > 0, classes > 1, frames > 0, targetLength >= 0, steps > 0, warmup >= 0 else {
                throw ValidationError("sizes must be positive (classes at least 2)")
            }
            let outputFrames: Int
            do { outputFrames = try network().outputLength(inputLength: frames) } catch {
                throw ValidationError("--spec \(networkSpec): \(error)")
            }
            guard outputFrames >= 2 * targetLength else {
                throw ValidationError("--frames \(frames) gives \(outputFrames) output frames, too few for --target-length \(targetLength) (need at least twice as many)")
            }
        }

        var networkSpec: String {
            "[" + (spec ?? Array(repeating: "Lbx\(hidden)", count: layers).joined(separator: " ")) + " Fl\(classes)]"
        }

        func network() throws -> Layer { try NetworkSpec.build(networkSpec, inputSize: input, seed: 1) }

        /// Multiply-adds ×2 of the GEMMs in one training step of the stacked BiLSTM: each
        /// forward product has two backward products, except the first layer's input gradient,
        /// which is skipped.
        func stepFlops(batch: Int) -> Double {
            let (T, B, H) = (Double(frames), Double(batch), Double(hidden))
            var f = 0.0, inSize = Double(input)
            for _ in 0..<layers {
                f += 2 * 2 * T * B * 4 * H * (inSize + H) // two directions
                inSize = 2 * H
            }
            f += 2 * T * B * inSize * Double(classes)
            return 3 * f - 2 * 2 * T * B * 4 * H * Double(input)
        }

        /// Measured sgemm rate (FLOP/s): the best of 5 products of 1536 × 1536 matrices with
        /// the current thread count.
        static func sgemmPeak() -> Double {
            let n = 1536
            var g = SeededGenerator(seed: 1)
            let a = Tensor(shape: [n, n], generator: &g) { Float($0.nextUniform()) }
            _ = matmul(a, a)
            let t = Stopwatch.best(of: 5) { _ = matmul(a, a) }
            return 2 * Double(n * n * n) / t
        }

        func run() throws {
            BLASWarning.check()
            let threadCounts = try BenchList.positive(threads, option: "threads")
            let batches = try BenchList.positive(batch, option: "batch")
            var rows: [[String: Any]] = []
            for n in threadCounts {
                ComputeThreads.set(n)
                let peak = Self.sgemmPeak()
                for b in batches {
                    let net = try network()
                    net.skipInputGradient() // as PyTorch, whose input tensor does not require grad
                    let adam = Adam(net.parameters, learningRate: 1e-3)
                    let ctc = CTCLoss(blank: 0, reduction: .mean)
                    var g = SeededGenerator(seed: 2)
                    let x = SequenceBatch(values: Tensor(shape: [frames, b, input], generator: &g) { Float($0.nextGaussian()) })
                    let targets = (0..<b).map { _ in (0..<targetLength).map { _ in 1 + Int(g.next() % UInt64(classes - 1)) } }
                    func step() throws {
                        net.zeroGradients()
                        let logits = net.forward(x, training: true)
                        let loss = try ctc(logits: logits, targets: targets)
                        _ = net.backward(SequenceBatch(values: loss.gradient, lengths: logits.lengths))
                        adam.step()
                    }
                    for _ in 0..<warmup { try step() }
                    let times = try (0..<steps).map { _ in try Stopwatch.seconds(step) }.sorted()
                    let median = times[times.count / 2]
                    var row: [String: Any] = ["system": "scribe", "threads": n, "batch": b, "ms_per_step": median * 1000,
                                              "frames_per_s": Double(b * frames) / median, "sgemm_peak_gflops": peak / 1e9,
                                              "blas_kernels": BLASKernels.coreName]
                    if spec == nil { row["gflops"] = stepFlops(batch: b) / median / 1e9 }
                    if inferenceFrames > 0 && b == batches[0] {
                        let u = SequenceBatch(values: Tensor(shape: [inferenceFrames, 1, input], generator: &g) { Float($0.nextGaussian()) })
                        let softmax = LogSoftmax(size: classes)
                        let t = Stopwatch.median(repeats: 7) { _ = softmax.forward(net.forward(u, training: false), training: false) }
                        row["inference_ms"] = t * 1000
                        row["inference_rtf"] = t / (Double(inferenceFrames) * 0.01)
                    }
                    rows.append(row)
                }
            }
            if output.isJSON {
                for row in rows {
                    print(String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self))
                }
                return
            }
            print("train step of \(networkSpec) on \(input)-channel input, \(frames) frames, \(targetLength)-label targets, CTC + Adam (OpenBLAS kernels: \(BLASKernels.coreName))")
            print("threads  batch    ms/step      frames/s   GFLOP/s (sgemm peak)   inference \(inferenceFrames) frames")
            for r in rows {
                let inference = (r["inference_ms"] as? Double).map { String(format: "%8.1f ms (RTF %.4f)", $0, r["inference_rtf"] as! Double) } ?? ""
                let gflops = (r["gflops"] as? Double).map { String(format: "%7.1f", $0) } ?? "      -"
                print(String(format: "%7d  %5d  %9.1f  %12.0f   %@ (%6.1f)        ", r["threads"] as! Int, r["batch"] as! Int,
                             r["ms_per_step"] as! Double, r["frames_per_s"] as! Double, gflops,
                             r["sgemm_peak_gflops"] as! Double) + inference)
            }
        }
    }
}
