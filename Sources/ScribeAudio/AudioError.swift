/// Everything that can go wrong between an audio file on disk and its features.
///
/// Each message names the file, says what was expected, and suggests what to do.
public enum AudioError: Error, CustomStringConvertible, Equatable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// libsndfile could not open or decode the file (not audio, truncated header, unknown codec).
    case unreadable(path: String, reason: String)
    /// The file decodes but holds no samples.
    case empty(path: String)
    /// The path is a directory or an empty file, not something to decode.
    case notAFile(path: String, reason: String)
    /// The header's sample rate is zero, negative or implausible.
    case invalidSampleRate(path: String, rate: Int)
    /// The file declares no channels or more than Scribe handles.
    case invalidChannelCount(path: String, channels: Int)
    /// A float file holds NaN or infinite samples.
    case nonFiniteSample(path: String, frame: Int, channel: Int)
    /// A decoding error part way through the data.
    case readFailed(path: String, frame: Int, reason: String)
    /// An output audio file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A front-end setting is out of range (for example `hop-length` 0).
    case invalidConfiguration(String)
    /// libsamplerate refused a conversion.
    case resamplingFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such file. Check the path; Scribe reads WAV, FLAC, OGG/Vorbis and the other formats libsndfile supports."
        case let .unreadable(path, reason):
            return "\(path): cannot be read as audio (\(reason)). Expected a WAV, FLAC, OGG/Vorbis or other libsndfile-readable file; convert it with sox or ffmpeg if it is in another format."
        case let .notAFile(path, reason):
            return "\(path): \(reason); give an audio file (WAV, FLAC, OGG/Vorbis or another format libsndfile reads)."
        case let .empty(path):
            return "\(path): the file holds no audio samples (zero frames). Record or export it again."
        case let .invalidSampleRate(path, rate):
            return "\(path): the header declares a sample rate of \(rate) Hz, which is not a usable rate (expected \(AudioLimits.minSampleRate) Hz to \(AudioLimits.maxSampleRate) Hz). The header is probably corrupt."
        case let .invalidChannelCount(path, channels):
            return "\(path): the header declares \(channels) channels (expected 1 to \(AudioLimits.maxChannels)). The header is probably corrupt."
        case let .nonFiniteSample(path, frame, channel):
            let seconds = "frame \(frame), channel \(channel)"
            return "\(path): sample at \(seconds) is NaN or infinite. Float audio must hold finite values; re-export the file or clean it (for example numpy.nan_to_num)."
        case let .readFailed(path, frame, reason):
            return "\(path): decoding failed near frame \(frame) (\(reason)). The file is probably truncated or corrupt."
        case let .cannotWrite(path, reason):
            return "\(path): cannot write audio (\(reason)). Check that the folder exists and is writable."
        case let .invalidConfiguration(message):
            return "invalid front-end setting: \(message)"
        case let .resamplingFailed(path, reason):
            return "\(path): resampling failed (\(reason))."
        }
    }
}

/// Limits applied to audio headers before trusting them.
public enum AudioLimits {
    /// The lowest sample rate accepted from a file header (1 kHz). Below it a file holds no
    /// usable speech band, and resampling to the front end's rate would turn a few kilobytes
    /// declared at 1-64 Hz into minutes of audio (16,000 samples per byte at 1 Hz): work
    /// decided by a header field rather than by the file's size.
    public static let minSampleRate = 1_000
    /// The highest sample rate accepted from a file header (768 kHz, the highest rate DACs ship with).
    public static let maxSampleRate = 768_000
    /// The most channels accepted from a file header.
    public static let maxChannels = 256
}
