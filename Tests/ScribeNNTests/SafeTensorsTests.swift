import Foundation
import ScribeCore
import XCTest
@testable import ScribeNN

final class SafeTensorsTests: XCTestCase {
    func testRoundTrip() throws {
        var g = SeededGenerator(seed: 1)
        let file = SafeTensors(tensors: ["a": randomTensor([2, 3], &g), "b.c": randomTensor([4], &g), "empty": Tensor(shape: [0, 2])],
                               metadata: ["k": "v \"quoted\" ü"])
        let data = file.encode()
        XCTAssertEqual((Int(data[0]) | Int(data[1]) << 8 + 8) % 8, 0, "data section starts 8-byte aligned")
        XCTAssertEqual(try SafeTensors.decode(data), file)
    }

    func testReadsFileWrittenByPython() throws {
        let f = try loadFixture("lstm.safetensors")
        XCTAssertEqual(f.tensors["weight_ih_l0"]?.shape, [16, 5])
        XCTAssertNotNil(f.metadata["torch"])
    }

    /// Builds a file from a raw header text and `dataBytes` zero bytes.
    func file(_ header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> Data {
        let h = Data(header.utf8)
        var d = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(h)
        d.append(Data(count: dataBytes))
        return d
    }

    func assertRejected(_ data: Data, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(data, source: "hostile.safetensors"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(fragment) && text.contains("hostile.safetensors"), "message: \(text)", file: file, line: line)
        }
    }

    func testHostileFilesRejected() throws {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertNoThrow(try SafeTensors.decode(file(ok, dataBytes: 8)))
        let valid = file(ok, dataBytes: 8)
        assertRejected(valid.prefix(valid.count - 1), "outside")                  // truncated data
        assertRejected(valid.prefix(5), "fewer than the 8-byte")                   // truncated length
        assertRejected(valid.prefix(20), "past the end")                           // truncated header
        assertRejected(file(ok, dataBytes: 8, declaredLength: 1 << 62), "exceeds the limit")
        assertRejected(file(ok, dataBytes: 8, declaredLength: 4000), "past the end")
        assertRejected(file(ok, dataBytes: 12), "extra bytes")                     // oversized data section
        assertRejected(file("[1,2,3]", dataBytes: 0), "start with '{'")
        assertRejected(file("{not json}", dataBytes: 0), "not a JSON object")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12), "overlaps")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8), "unused bytes")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8), "needs 12 bytes")
        assertRejected(file(#"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8), "dtype I64")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, dataBytes: 8), "larger than the file")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, dataBytes: 8), "non-negative")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, dataBytes: 8), "outside")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataBytes: 8), "outside")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, dataBytes: 8), "non-negative integers")
        assertRejected(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, dataBytes: 8), "unknown fields")
        assertRejected(file(#"{"__metadata__":{"k":3},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8), "not a string")
        assertRejected(file(#"{"a":[1]}"#, dataBytes: 0), "not an object")
    }

    func testModelFileRoundTripAndValidation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-nn-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        let spec = "[Lbx4 Fl3]"
        let net = try NetworkSpec.build(spec, inputSize: 2, seed: 77)
        let model = ModelFile(architecture: spec, inputSize: 2, alphabet: ["_", "a", "b"], frontEnd: #"{"kind":"logmel"}"#)
        try model.save(net, to: path)
        let (loadedModel, loaded, _, _) = try ModelFile.load(path: path)
        XCTAssertEqual(loadedModel.alphabet, ["_", "a", "b"])
        XCTAssertEqual(loadedModel.frontEnd, #"{"kind":"logmel"}"#)
        XCTAssertEqual(loaded.spec, spec)
        var g = SeededGenerator(seed: 1)
        let x = SequenceBatch(values: randomTensor([5, 2, 2], &g), lengths: [5, 3])
        XCTAssertEqual(loaded.forward(x, training: false), net.forward(x, training: false))
        // A network built to be loaded draws no random weights (a sixth of reading one line
        // with a four-network ensemble went to the recurrent ones, 6% of loading ten networks
        // to the linear and convolution ones): every weight matrix starts at zero.
        for (layers, count) in [(spec, 5), ("[Cb3x3,4 Mp2x2 Cr3x3,6 W12s4 Fl5 Lbx3 Fl3]", 8)] {
            let blank = try NetworkSpec.build(layers, inputSize: 16, seed: 77, forLoading: true).namedParameters()
            let weights = blank.filter { $0.parameter.value.rank >= 2 }   // not the batch norms' scales (ones)
            XCTAssertEqual(weights.count, count, layers)
            for (name, p) in weights { XCTAssertTrue(p.value.values.allSatisfy { $0 == 0 }, "\(layers) \(name)") }
        }

        // A tensor with the wrong shape, a missing one, an extra one, a bad alphabet.
        var file = try SafeTensors.load(path: path)
        func rejects(_ f: SafeTensors, _ fragment: String, line: UInt = #line) throws {
            try f.write(to: path)
            XCTAssertThrowsError(try ModelFile.load(path: path), line: line) { XCTAssertTrue("\($0)".contains(fragment), "\($0)", line: line) }
        }
        let original = file
        file.tensors["1.weight"] = Tensor(shape: [3, 7])
        try rejects(file, "has shape [3, 7]")
        file = original; file.tensors["1.bias"] = nil
        try rejects(file, "missing tensor \"1.bias\"")
        file = original; file.tensors["stray"] = Tensor(shape: [1])
        try rejects(file, "not used")
        file = original; file.metadata["scribe.alphabet"] = #"["_","a"]"#
        try rejects(file, "alphabet has 2")
        file = original; file.metadata["scribe.format"] = nil
        try rejects(file, "scribe.format")
        file = original; file.metadata["scribe.blank"] = "3"
        try rejects(file, "scribe.blank")
    }

    /// Batch normalization's running statistics are not trained but are part of the model:
    /// the file keeps them, and a loaded network reads a line as the saved one did.
    func testModelFileKeepsRunningStatistics() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-nn-bn-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = "[Cb3x3,3 Mp2x2 W8s4 Lbx4 Fl3]"
        let net = try NetworkSpec.build(spec, inputSize: 8, seed: 3)
        var g = SeededGenerator(seed: 2)
        let x = SequenceBatch(values: randomTensor([12, 2, 8], &g), lengths: [12, 9])
        for _ in 0..<3 { _ = net.forward(x, training: true) }   // moves the running statistics
        try ModelFile(architecture: spec, inputSize: 8, alphabet: ["_", "a", "b"]).save(net, to: path)
        let file = try SafeTensors.load(path: path)
        XCTAssertNotEqual(file.tensors["0.1.running_var"], Tensor(shape: [3], repeating: 1))
        let loaded = try ModelFile.load(path: path).network
        XCTAssertEqual(loaded.spec, spec)
        XCTAssertEqual(loaded.forward(x, training: false), net.forward(x, training: false))
    }

    /// Other components (an encoder, an optimizer's moments) live in the same file under a
    /// declared part prefix; load hands them back, and undeclared extras stay an error.
    func testModelFileCarriesParts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-nn-parts-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        let net = try NetworkSpec.build("[Lbx3 Fl3]", inputSize: 2, seed: 5)
        let model = ModelFile(architecture: "[Lbx3 Fl3]", inputSize: 2, alphabet: ["a", "_", "b"], blank: 1,
                              decoding: #"{"beam":8}"#, info: ["data": "toy"])
        let extra = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        try model.save(net, to: path, parts: ["encoder.conv.weight": extra])
        let loaded = try ModelFile.load(path: path)
        XCTAssertEqual(loaded.parts["encoder.conv.weight"], extra)
        XCTAssertEqual(loaded.model.blank, 1)
        XCTAssertEqual(loaded.model.decoding, #"{"beam":8}"#)
        XCTAssertEqual(loaded.model.info["data"], "toy")
        XCTAssertThrowsError(try model.save(net, to: path, parts: ["0.weight": extra])) // collides with layer 0
        var file = try SafeTensors.load(path: path)
        file.metadata["scribe.parts"] = nil
        try file.write(to: path)
        XCTAssertThrowsError(try ModelFile.load(path: path)) { XCTAssertTrue("\($0)".contains("not used"), "\($0)") }
    }

    /// Specs come from files strangers send: sizes are checked before anything is allocated
    /// (`scripts/fuzz spec` found `Lrx55555555` allocating 40 GB), nesting is bounded.
    func testHostileSpecsAreRefusedBeforeAllocating() {
        let cases: [(String, String)] = [
            ("[Lrx555555 Fl5]", "over the limit of 100000000"),
            ("[Fl99999 Fl99999]", "Fl99999 brings the network to"),
            ("[Cr3x3,9999 Mp2x2 Cr3x3,9999 W8s2 Fl5]", "over the limit"),
            ("[Lbx55555555555555555555]", "at most 1000000"),
            (String(repeating: "[", count: 100_000) + "Fl5", "nest deeper than 64 levels"),
            (String(repeating: "Rx", count: 1000) + "Fl5", "nest deeper than 64 levels"),
        ]
        for (spec, fragment) in cases {
            XCTAssertThrowsError(try NetworkSpec.build(spec, inputSize: 48, seed: 1), spec) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0) lacks \(fragment)")
            }
        }
    }

    func testSpecParsingErrors() {
        XCTAssertThrowsError(try NetworkSpec.build("[Lbx4 Fl3", inputSize: 2, seed: 1)) { XCTAssertTrue("\($0)".contains("missing ]")) }
        XCTAssertThrowsError(try NetworkSpec.build("[Lbx4 Q3]", inputSize: 2, seed: 1)) { XCTAssertTrue("\($0)".contains("unknown layer")) }
        XCTAssertThrowsError(try NetworkSpec.build("ResFl3", inputSize: 2, seed: 1))
        XCTAssertEqual(try NetworkSpec.build("[Lfx3 Lrx3 (Fl2 Fl1) Ar Do10 As At Om RxGfx2]", inputSize: 2, seed: 1).spec,
                       "[Lfx3 Lrx3 (Fl2 Fl1) Ar Do10 As At Om Grx2]")
    }

    /// A model exported from PyTorch under the documented names (scripts/make_nn_fixtures.py)
    /// loads as a Scribe model and gives PyTorch's logits (tolerance 1e-5 absolute).
    func testLoadsModelExportedFromPyTorch() throws {
        let (model, network, _, _) = try ModelFile.load(path: fixtureFolder.appendingPathComponent("torch_model.safetensors").path)
        XCTAssertEqual(model.alphabet, ["_", "a", "b", "c", "d"])
        XCTAssertEqual(network.spec, "[Lbx4 Lbx4 Fl5]")
        let io = try loadFixture("torch_model_io.safetensors").tensors
        let x = SequenceBatch(values: io["x"]!, lengths: io["lengths"]!.values.map { Int($0) })
        assertClose(network.forward(x, training: false).values, io["logits"]!, abs: 1e-5, "logits of the PyTorch-exported model")
    }
}
