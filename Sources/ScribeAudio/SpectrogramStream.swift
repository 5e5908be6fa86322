import Foundation
import ScribeCore

/// Turns a stream of samples into spectrogram rows (power, magnitude, mel power or log-mel), frame by
/// frame, without keeping more than one block of samples beyond the output.
///
/// Samples arrive through `feed` in any block sizes; frames are computed in blocks of
/// `blockFrames`, split across `threads` workers that each own an FFT workspace, and
/// written straight into the output matrix. Zero padding at both ends follows
/// `FrontEndConfig.center`.
final class SpectrogramStream {
    private let config: FrontEndConfig
    private let threads: Int
    private let window: [Float]          // (nFFT)
    private let filterbank: MelFilterbank?
    private let workers: [RealFFT]
    private let scratch: [UnsafeMutablePointer<Float>]   // per worker, (bins)
    private let power: Float
    /// Floor of the natural log applied to each row in the worker threads (log-mel, MFCC), or nil.
    private let logFloor: Float?
    private let blockFrames = 1024

    /// Samples not yet consumed, in padded-signal coordinates starting at `base`.
    private var signal: [Float] = []
    private var base = 0
    /// Index of the next frame to compute.
    private var nextFrame = 0
    /// Output rows so far, `(frames, columns)`.
    private(set) var output: FeatureMatrix
    // Pre-emphasis and dither state carried across blocks.
    private var previousSample: Float = 0
    private var rng: SeededGenerator

    init(config: FrontEndConfig, threads: Int) {
        self.config = config
        self.threads = max(1, threads)
        window = config.window.coefficients(length: config.winLength, nFFT: config.nFFT)
        let mel = [.melpower, .logmel, .mfcc].contains(config.kind)
        filterbank = mel ? MelFilterbank(sampleRate: config.sampleRate, nFFT: config.nFFT, nMels: config.nMels,
                                         fMin: config.fMin, fMax: config.effectiveFMax, scale: config.melScale) : nil
        power = config.kind == .magnitude ? 1 : 2
        logFloor = [.logmel, .mfcc].contains(config.kind) ? config.logFloor : nil
        workers = (0..<self.threads).map { _ in RealFFT(size: config.nFFT) }
        scratch = (0..<self.threads).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: config.nFFT / 2 + 1)
            p.initialize(repeating: 0, count: config.nFFT / 2 + 1)
            return p
        }
        output = FeatureMatrix(rows: 0, columns: mel ? config.nMels : config.nFFT / 2 + 1)
        rng = SeededGenerator(seed: config.ditherSeed)
        if config.center { signal = [Float](repeating: 0, count: config.nFFT / 2) }
    }

    deinit { scratch.forEach { $0.deallocate() } }

    /// Samples currently held (for tests of the streaming memory bound).
    var bufferedSamples: Int { signal.count }

    /// Reserves output rows for a signal of `samples` samples, when the length is known.
    func reserve(samples: Int) { output.reserveRows(config.frameCount(samples: samples)) }

    /// Appends samples and computes every full block of frames they complete.
    func feed(_ samples: [Float]) {
        let start = signal.count
        signal.append(contentsOf: samples)
        conditionSamples(from: start)
        computeReadyFrames(flush: false)
    }

    /// Pads the end, computes the remaining frames and returns all rows.
    func finish() -> FeatureMatrix {
        if config.center { signal.append(contentsOf: repeatElement(0, count: config.nFFT / 2)) }
        computeReadyFrames(flush: true)
        return output
    }

    /// Applies dither and pre-emphasis in place to `signal[start...]`.
    private func conditionSamples(from start: Int) {
        guard config.dither > 0 || config.preEmphasis > 0 else { return }
        let d = config.dither, c = config.preEmphasis
        for i in start..<signal.count {
            var x = signal[i]
            if d > 0 { x += d * Float(rng.nextGaussian()) }
            let y = x - c * previousSample
            previousSample = x
            signal[i] = y
        }
    }

    /// Computes frames whose samples are all present: whole blocks, or everything on `flush`.
    private func computeReadyFrames(flush: Bool) {
        let available = base + signal.count
        let ready = available < config.nFFT ? 0 : 1 + (available - config.nFFT) / config.hopLength - nextFrame
        var remaining = max(0, ready)
        while remaining >= blockFrames || (flush && remaining > 0) {
            let count = min(remaining, blockFrames)
            computeBlock(count)
            remaining -= count
        }
        dropConsumedSamples()
    }

    /// Computes `count` frames starting at `nextFrame` into new output rows.
    private func computeBlock(_ count: Int) {
        let columns = output.columns, bins = config.nFFT / 2 + 1
        let firstRow = output.rows
        output.appendZeroRows(count)
        let hop = config.hopLength, first = nextFrame, offset = base
        signal.withUnsafeBufferPointer { sig in
            window.withUnsafeBufferPointer { win in
                output.withUnsafeMutableValues { out in
                    let outBase = out.baseAddress! + firstRow * columns
                    Workers.forEachChunk(count: count, threads: threads) { range, worker in
                        let fft = workers[worker], spec = scratch[worker]
                        for t in range {
                            let frame = sig.baseAddress! + (first + t) * hop - offset
                            let row = outBase + t * columns
                            if let bank = filterbank {
                                fft.spectrum(frame: frame, window: win.baseAddress!, out: spec, power: power)
                                bank.apply(spec, row)
                                if let floor = logFloor {
                                    for m in 0..<columns { row[m] = log(max(row[m], floor)) }
                                }
                            } else {
                                precondition(columns == bins)
                                fft.spectrum(frame: frame, window: win.baseAddress!, out: row, power: power)
                            }
                        }
                    }
                }
            }
        }
        nextFrame += count
    }

    /// Forgets samples before the next frame's start once they are a large share of the buffer.
    private func dropConsumedSamples() {
        let consumed = nextFrame * config.hopLength - base
        if consumed > 0 && consumed >= signal.count / 2 {
            let n = min(consumed, signal.count)
            signal.removeFirst(n)
            base += n
        }
    }
}
