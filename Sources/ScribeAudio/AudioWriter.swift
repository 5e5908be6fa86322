import CSndfile
import Foundation

/// Container and sample encoding for files Scribe writes (test inputs, demo audio).
public enum AudioEncoding: String, CaseIterable, Sendable {
    case wavPCM8, wavPCM16, wavPCM24, wavPCM32, wavFloat, flac16, oggVorbis

    var sndfileFormat: Int32 {
        switch self {
        case .wavPCM8: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_U8)
        case .wavPCM16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavPCM24: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
        case .wavPCM32: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32)
        case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac16: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        }
    }
}

/// Writes interleaved samples to an audio file with libsndfile.
public enum AudioWriter {
    /// Writes `samples` (interleaved when `channels > 1`) to `path`.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int = 1,
                             encoding: AudioEncoding = .wavPCM16, to path: String) throws {
        precondition(channels > 0 && samples.count % channels == 0, "AudioWriter: ragged interleaved samples")
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = encoding.sndfileFormat
        guard sf_format_check(&info) != 0 else {
            throw AudioError.cannotWrite(path: path, reason: "libsndfile cannot write \(encoding) at \(sampleRate) Hz with \(channels) channels")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioError.cannotWrite(path: path, reason: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(handle) }
        // Integer encodings clip instead of wrapping around on out-of-range floats.
        _ = sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { buf in
            Int(sf_writef_float(handle, buf.baseAddress, sf_count_t(frames)))
        }
        guard written == frames else {
            throw AudioError.cannotWrite(path: path, reason: String(cString: sf_strerror(handle)))
        }
    }
}
