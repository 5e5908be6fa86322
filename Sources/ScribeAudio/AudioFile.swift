import CSndfile
import Foundation
import ScribeCore

/// What `scribe info` reports about an audio file.
public struct AudioInfo: Equatable, Sendable {
    /// The path the information was read from.
    public let path: String
    /// Container format name as libsndfile reports it (for example "WAV (Microsoft)").
    public let format: String
    /// Sample encoding (for example "Signed 16 bit PCM").
    public let encoding: String
    /// Samples per second.
    public let sampleRate: Int
    /// Number of channels.
    public let channels: Int
    /// Number of frames (samples per channel).
    public let frames: Int

    /// Duration in seconds.
    public var duration: Double { Double(frames) / Double(sampleRate) }
}

/// A streaming reader over an audio file that yields mono samples in blocks.
///
/// The file is decoded by libsndfile block by block, so memory does not grow with the
/// file's length. Multi-channel audio is down-mixed by averaging channels (as
/// `librosa.to_mono` does); float files are checked for NaN and infinity.
public final class AudioReader {
    /// Header information for the open file.
    public let info: AudioInfo
    private let handle: OpaquePointer
    private var interleaved: [Float]
    private var framesRead = 0
    /// Frames decoded per block.
    public let blockFrames: Int

    /// Opens `path`, validating its header.
    public init(path: String, blockFrames: Int = 16_384) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw AudioError.fileNotFound(path: path) }
        if let problem = FileCheck.problem(path) {
            throw AudioError.notAFile(path: path, reason: problem)
        }
        var sfInfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            let reason = String(cString: sf_strerror(nil))
            throw AudioError.unreadable(path: path, reason: reason)
        }
        guard (AudioLimits.minSampleRate...AudioLimits.maxSampleRate).contains(Int(sfInfo.samplerate)) else {
            sf_close(handle)
            throw AudioError.invalidSampleRate(path: path, rate: Int(sfInfo.samplerate))
        }
        guard sfInfo.channels > 0, Int(sfInfo.channels) <= AudioLimits.maxChannels else {
            sf_close(handle)
            throw AudioError.invalidChannelCount(path: path, channels: Int(sfInfo.channels))
        }
        guard sfInfo.frames > 0 else {
            sf_close(handle)
            throw AudioError.empty(path: path)
        }
        self.handle = handle
        self.blockFrames = blockFrames
        self.interleaved = [Float](repeating: 0, count: blockFrames * Int(sfInfo.channels))
        self.info = AudioInfo(
            path: path,
            format: Self.formatName(Int32(sfInfo.format) & Int32(SF_FORMAT_TYPEMASK)),
            encoding: Self.formatName(Int32(sfInfo.format) & Int32(SF_FORMAT_SUBMASK)),
            sampleRate: Int(sfInfo.samplerate),
            channels: Int(sfInfo.channels),
            frames: Int(sfInfo.frames))
        isFloat = [SF_FORMAT_FLOAT, SF_FORMAT_DOUBLE].map { Int32($0) }
            .contains(Int32(sfInfo.format) & Int32(SF_FORMAT_SUBMASK))
    }

    private let isFloat: Bool

    /// The header's frame count, capped at what the file's size can plausibly hold (8
    /// frames a byte, beyond any codec's usual ratio): a size to reserve memory for. The
    /// header is the file's word, not a fact; a forged one must not decide an allocation.
    public var plausibleFrames: Int {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: info.path)[.size] as? Int) ?? 0
        return min(info.frames, max(bytes, 0).multipliedReportingOverflow(by: 8).partialValue)
    }

    deinit { sf_close(handle) }

    /// Decodes the next block into `mono` (replacing its contents). Returns `false` at the end.
    public func read(into mono: inout [Float]) throws -> Bool {
        let channels = info.channels
        let got = interleaved.withUnsafeMutableBufferPointer { buf in
            Int(sf_readf_float(handle, buf.baseAddress, sf_count_t(blockFrames)))
        }
        if got <= 0 {
            let code = sf_error(handle)
            if code != 0 {
                throw AudioError.readFailed(path: info.path, frame: framesRead, reason: String(cString: sf_strerror(handle)))
            }
            return false
        }
        mono.removeAll(keepingCapacity: true)
        mono.reserveCapacity(got)
        try interleaved.withUnsafeBufferPointer { src in
            if isFloat {
                for i in 0..<(got * channels) where !src[i].isFinite {
                    throw AudioError.nonFiniteSample(path: info.path, frame: framesRead + i / channels, channel: i % channels)
                }
            }
            if channels == 1 {
                mono.append(contentsOf: src[0..<got])
            } else {
                let scale = 1 / Float(channels)
                for f in 0..<got {
                    var sum: Float = 0
                    for c in 0..<channels { sum += src[f * channels + c] }
                    mono.append(sum * scale)
                }
            }
        }
        framesRead += got
        return true
    }

    /// Looks up libsndfile's name for a major format or subtype code.
    static func formatName(_ code: Int32) -> String {
        var formatInfo = SF_FORMAT_INFO()
        formatInfo.format = code
        let status = sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &formatInfo, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard status == 0, let name = formatInfo.name else { return String(format: "0x%06x", code) }
        return String(cString: name)
    }
}

/// Convenience entry points for whole files.
public enum AudioFile {
    /// Reads the header of `path`.
    public static func info(_ path: String) throws -> AudioInfo {
        try AudioReader(path: path).info
    }

    /// Decodes `path` to mono samples at its own rate. Returns the samples and the rate.
    public static func readMono(_ path: String) throws -> (samples: [Float], sampleRate: Int) {
        let reader = try AudioReader(path: path)
        var all: [Float] = []
        all.reserveCapacity(reader.plausibleFrames)
        var block: [Float] = []
        while try reader.read(into: &block) { all.append(contentsOf: block) }
        if all.isEmpty { throw AudioError.empty(path: path) }
        return (all, reader.info.sampleRate)
    }
}
