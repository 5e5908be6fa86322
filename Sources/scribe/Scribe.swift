import ArgumentParser

/// The `scribe` command: speech and handwriting recognition with BiLSTM + CTC.
@main
struct Scribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speech and handwriting recognition: audio and line images in, text out.",
        discussion: """
        Audio is decoded with libsndfile (WAV, FLAC, OGG/Vorbis, ...), resampled with \
        libsamplerate and analysed with FFTW; features follow librosa's conventions.
        """,
        subcommands: [Info.self, Features.self, Spectrogram.self, Lines.self, Normalize.self,
                      Decode.self, Score.self, Align.self, LM.self, Transcribe.self, Train.self, Evaluate.self, Bench.self])
}
