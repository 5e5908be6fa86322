import ArgumentParser

/// The `scribe` command: speech and handwriting recognition with BiLSTM + CTC.
@main
struct Scribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speech and handwriting recognition: audio and line images in, text out.",
        discussion: """
        Transcribe speech with a shipped or trained model (scribe transcribe), train your own \
        (scribe train), and measure error rates (scribe evaluate, scribe score). Audio is \
        decoded with libsndfile (WAV, FLAC, OGG/Vorbis, ...), resampled with libsamplerate \
        and analysed with FFTW; features follow librosa's conventions.
        """,
        version: "0.3.0",
        subcommands: [Transcribe.self, Recognize.self, Train.self, Evaluate.self, Score.self,
                      Info.self, Features.self, Spectrogram.self, Lines.self, Normalize.self,
                      Decode.self, Align.self, LM.self, Model.self, Bench.self])
}
