// swift-tools-version:5.10
// Scribe: speech and handwriting recognition with bidirectional LSTMs and CTC.
//
// Modules are split by what they depend on, so a reader knows where things live:
//   C*            thin system-library targets over Debian -dev packages (pkg-config)
//   ScribeCore    plain Swift: feature matrices, .npy files, progress, threading
//   ScribeAudio   audio front end: libsndfile decoding, libsamplerate, FFTW STFT, mel, MFCC
//   ScribeImage   images: libpng reading and writing, line normalization, page segmentation, pictures
//   ScribeNN      the learning core: tensors, BLAS layers with backward passes, LSTM/GRU,
//                 CTC loss, optimizers, safetensors model files
//   ScribeHTR     the handwriting front end's network: a convnet window sliding along each line
//   ScribeDecode  CTC decoders (greedy, prefix beam search), ARPA n-gram LMs, forced alignment
//   ScribeEval    Levenshtein alignment, CER/WER, score reports, bootstrap confidence intervals
//   ScribeRecognition  one recognition pipeline: manifests, model files with their front end
//                 and decoding defaults, per-thread recognizers, CTC decoder wiring, evaluation
//   ScribeTrain   the trainer: configuration, bucketed batches with a prefetch thread,
//                 augmentation, the training step, atomic checkpoints, metrics and curves
//   scribe        the command-line tool (swift-argument-parser)
import PackageDescription

let package = Package(
    name: "Scribe",
    products: [
        .executable(name: "scribe", targets: ["scribe"]),
        .library(name: "ScribeAudio", targets: ["ScribeAudio"]),
        .library(name: "ScribeImage", targets: ["ScribeImage"]),
        .library(name: "ScribeCore", targets: ["ScribeCore"]),
        .library(name: "ScribeNN", targets: ["ScribeNN"]),
        .library(name: "ScribeHTR", targets: ["ScribeHTR"]),
        .library(name: "ScribeDecode", targets: ["ScribeDecode"]),
        .library(name: "ScribeEval", targets: ["ScribeEval"]),
        .library(name: "ScribeRecognition", targets: ["ScribeRecognition"]),
        .library(name: "ScribeTrain", targets: ["ScribeTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: Native libraries (Debian packages named in `providers`)
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSamplerate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // MARK: Libraries
        .target(name: "ScribeCore"),
        .target(name: "ScribeAudio", dependencies: ["ScribeCore", "CSndfile", "CFFTW", "CSamplerate", "COpenBLAS"]),
        .target(name: "ScribeImage", dependencies: ["ScribeCore", "CPNG"]),
        .target(name: "CScribeKernels"), // hand-written AVX2 kernels used inside ScribeNN
        .target(name: "ScribeNN", dependencies: ["ScribeCore", "COpenBLAS", "CScribeKernels"], exclude: ["README.md"]),
        .target(name: "ScribeHTR", dependencies: ["ScribeCore", "ScribeImage", "ScribeNN"]),

        .target(name: "ScribeDecode", dependencies: ["ScribeCore"]),
        .target(name: "ScribeEval", dependencies: ["ScribeCore"]),
        .target(name: "ScribeRecognition", dependencies: ["ScribeCore", "ScribeAudio", "ScribeImage", "ScribeHTR", "ScribeNN", "ScribeDecode", "ScribeEval"]),
        .target(name: "ScribeTrain", dependencies: ["ScribeCore", "ScribeAudio", "ScribeImage", "ScribeHTR", "ScribeNN", "ScribeDecode",
                                                    "ScribeEval", "ScribeRecognition", .product(name: "Yams", package: "Yams")]),

        // MARK: Command line
        .executableTarget(name: "scribe", dependencies: [
            "ScribeCore", "ScribeAudio", "ScribeImage", "ScribeNN", "ScribeHTR", "ScribeDecode", "ScribeEval",
            "ScribeRecognition", "ScribeTrain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(name: "ScribeCoreTests", dependencies: ["ScribeCore"]),
        .testTarget(name: "ScribeAudioTests", dependencies: ["ScribeAudio", "ScribeCore", "CSndfile", "_ScribeTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ScribeImageTests", dependencies: ["ScribeImage", "ScribeCore", "CPNG"], exclude: ["Fixtures"]),
        .testTarget(name: "ScribeNNTests", dependencies: ["ScribeNN", "ScribeCore", "_ScribeTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ScribeHTRTests", dependencies: ["ScribeHTR", "ScribeNN", "ScribeImage", "ScribeCore"]),
        .testTarget(name: "ScribeCLITests", dependencies: ["scribe", "ScribeCore", "ScribeImage", "ScribeNN", "ScribeRecognition", "_ScribeTestSupport"]),
        .testTarget(name: "ScribeDecodeTests", dependencies: ["ScribeDecode", "ScribeCore"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ScribeEvalTests", dependencies: ["ScribeEval", "ScribeDecode", "ScribeCore"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ScribeRecognitionTests", dependencies: ["ScribeRecognition", "ScribeEval", "ScribeDecode", "ScribeCore"]),
        .testTarget(name: "ScribeTrainTests", dependencies: ["ScribeTrain", "ScribeRecognition", "ScribeAudio", "ScribeNN",
                                                              "ScribeDecode", "ScribeEval", "ScribeCore", "_ScribeTestSupport"]),
        .target(name: "_ScribeTestSupport", dependencies: ["ScribeTrain", "ScribeAudio", "ScribeImage", "ScribeCore"], path: "Tests/ScribeTestSupport"),
    ]
)
