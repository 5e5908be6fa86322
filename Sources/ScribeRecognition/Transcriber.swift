import Foundation
import ScribeAudio
import ScribeCore
import ScribeDecode

/// The transcript of one recording.
public struct Transcript: Sendable {
    public var text: String
    public var words: [TimedWord]
    /// Audio duration in seconds.
    public var duration: Double
    /// Seconds spent (decoding, features, network, search).
    public var processingSeconds: Double
    /// Real-time factor: processing time over duration.
    public var realTimeFactor: Double { duration > 0 ? processingSeconds / duration : 0 }
}

/// Transcribes audio files of any length with one thread's recognizer and decoder.
///
/// Recordings are streamed: samples accumulate up to `maxChunkSeconds`, and each chunk is
/// cut at the quietest 10 ms frame (energy-based voice activity detection, smoothed over
/// 100 ms) in its last half, so words are rarely split and memory does not grow with the
/// file's length. Word times stay absolute. Up to `chunksPerBatch` chunks go through the
/// network together as one padded batch: at batch 1 every recurrent step reads the whole
/// recurrent weight matrix for one frame, so batching chunks of a long file divides that
/// cost.
public final class Transcriber {
    public let recognizer: SpeechRecognizer
    public let decoder: CTCDecoder
    /// Longest chunk sent to the network at once.
    public var maxChunkSeconds = 30.0
    /// Chunks of one file recognized together (memory holds this many chunks).
    public var chunksPerBatch = 8

    public init(recognizer: SpeechRecognizer, decoder: CTCDecoder) {
        self.recognizer = recognizer
        self.decoder = decoder
    }

    /// Transcribes the file at `path`; `progress` gets (seconds done, total seconds).
    public func transcribe(file path: String, progress: ((Double, Double) -> Void)? = nil) throws -> Transcript {
        let start = Date()
        let rate = recognizer.frontEnd.features.sampleRate
        let reader = try AudioReader(path: path)
        let resampler = reader.info.sampleRate == rate ? nil : try Resampler(from: reader.info.sampleRate, to: rate)
        let maxChunk = Int(maxChunkSeconds * Double(rate))
        var pending: [Float] = [], block: [Float] = [], converted: [Float] = []
        pending.reserveCapacity(maxChunk + 16_384)
        var offset = 0 // samples before `pending`
        var words: [TimedWord] = [], texts: [String] = []
        var waiting: [(samples: [Float], offset: Int)] = []
        func recognizeWaiting() throws {
            guard !waiting.isEmpty else { return }
            for (text, chunkWords) in try recognize(waiting.map(\.samples), offsetsSeconds: waiting.map { Double($0.offset) / Double(rate) }, path: path) {
                if !text.isEmpty { texts.append(text) }
                words += chunkWords
            }
            waiting.removeAll()
        }
        func flush(_ count: Int) throws {
            waiting.append((Array(pending[0..<count]), offset))
            pending.removeFirst(count)
            offset += count
            if waiting.count >= max(1, chunksPerBatch) { try recognizeWaiting() }
        }
        while try reader.read(into: &block) {
            if let resampler {
                converted.removeAll(keepingCapacity: true)
                try resampler.process(block, into: &converted)
                pending += converted
            } else {
                pending += block
            }
            while pending.count >= maxChunk { try flush(Self.cutPoint(pending, limit: maxChunk, sampleRate: rate)) }
            progress?(Double(offset + pending.count) / Double(rate), reader.info.duration)
        }
        if let resampler {
            converted.removeAll(keepingCapacity: true)
            try resampler.finish(into: &converted)
            pending += converted
        }
        if offset + pending.count == 0 { throw AudioError.empty(path: path) }
        if !pending.isEmpty { try flush(pending.count) }
        try recognizeWaiting()
        let duration = Double(offset) / Double(rate)
        return Transcript(text: texts.joined(separator: " "), words: words, duration: duration,
                          processingSeconds: Date().timeIntervalSince(start))
    }

    /// Transcribes mono samples at the model's rate (one chunk).
    public func transcribe(samples: [Float]) throws -> Transcript {
        let start = Date()
        let (text, words) = try recognize([samples], offsetsSeconds: [0], path: "<samples>")[0]
        let rate = Double(recognizer.frontEnd.features.sampleRate)
        return Transcript(text: text, words: words, duration: Double(samples.count) / rate,
                          processingSeconds: Date().timeIntervalSince(start))
    }

    /// Text and absolute word times of each chunk, the chunks run as one batch.
    func recognize(_ chunks: [[Float]], offsetsSeconds: [Double], path: String) throws -> [(String, [TimedWord])] {
        let inputs = try chunks.map { try recognizer.frontEnd.networkInput(samples: $0, extractor: recognizer.extractor) }
        let step = recognizer.model.frameSeconds
        return try zip(recognizer.logProbabilities(inputs: inputs), offsetsSeconds).map { logProbs, offset in
            let best = try decoder.decode(logProbs, path: path)[0]
            let words = best.words.map {
                TimedWord(text: $0.text, start: offset + Double($0.startFrame) * step,
                          end: offset + Double($0.endFrame) * step, confidence: $0.confidence)
            }
            return (best.text.trimmingCharacters(in: .whitespaces), words)
        }
    }

    /// Where to cut `samples` before `limit`: the quietest 10 ms frame, energy smoothed over
    /// 100 ms, in the second half of the window.
    static func cutPoint(_ samples: [Float], limit: Int, sampleRate: Int) -> Int {
        let frame = max(1, sampleRate / 100)
        let frames = limit / frame
        guard frames >= 4 else { return limit }
        var energy = [Double](repeating: 0, count: frames)
        samples.withUnsafeBufferPointer { s in
            for f in 0..<frames {
                var e = 0.0
                for i in (f * frame)..<((f + 1) * frame) { e += Double(s[i]) * Double(s[i]) }
                energy[f] = e
            }
        }
        var best = frames - 1, bestValue = Double.infinity
        for f in (frames / 2)..<frames {
            let lo = max(0, f - 5), hi = min(frames, f + 5)
            let smoothed = energy[lo..<hi].reduce(0, +)
            if smoothed < bestValue { bestValue = smoothed; best = f }
        }
        return max(frame, best * frame)
    }
}
