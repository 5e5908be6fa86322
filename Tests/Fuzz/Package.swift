// swift-tools-version:5.10
// Scribe's fuzz targets: one libFuzzer entry per input format Scribe reads from outside,
// each calling the public reader the command line uses. A package of its own so that the
// normal build and the test suite do not pay for them. Build and run with `scripts/fuzz`:
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
import PackageDescription

let package = Package(
    name: "ScribeFuzz",
    dependencies: [.package(name: "Scribe", path: "../..")],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver, which the fuzzer runtime provides.
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "ScribeFuzz", dependencies: [
            "CFuzzDriver",
            .product(name: "ScribeCore", package: "Scribe"),
            .product(name: "ScribeAudio", package: "Scribe"),
            .product(name: "ScribeImage", package: "Scribe"),
            .product(name: "ScribeNN", package: "Scribe"),
            .product(name: "ScribeHTR", package: "Scribe"),
            .product(name: "ScribeDecode", package: "Scribe"),
            .product(name: "ScribeEval", package: "Scribe"),
            .product(name: "ScribeRecognition", package: "Scribe"),
            .product(name: "ScribeTrain", package: "Scribe"),
        ]),
    ]
)
