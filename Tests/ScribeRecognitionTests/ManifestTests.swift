import Foundation
import XCTest
@testable import ScribeRecognition

final class ManifestTests: XCTestCase {
    func assertThrows(_ text: String, path: String = "/sets/m.tsv", split: String? = nil, _ fragment: String,
                      line: UInt = #line) {
        XCTAssertThrowsError(try Manifest.parse(text, path: path, split: split), line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
        }
    }

    func testHeaderedTSVWithAliasesAndIgnoredColumns() throws {
        // cathy's transcripts.tsv: audio, text, prompt (ignored); id defaults to the path.
        let m = try Manifest.parse("audio\ttext\tprompt\naudio/a.flac\tHello, there.\tarctic_a0001\n", path: "/d/cathy/transcripts.tsv")
        XCTAssertEqual(m, [ManifestEntry(id: "audio/a.flac", path: "/d/cathy/audio/a.flac", transcript: "Hello, there.", line: 2)])
        // poilus' lines.tsv: image, text, writer, split, filtered by split.
        let text = "image\ttext\twriter\tsplit\nl/1.png\tCeci est\tw1\ttrain\nl/2.png\tmon testament\tw2\tvalid\n"
        let valid = try Manifest.parse(text, path: "/p/lines.tsv", split: "valid")
        XCTAssertEqual(valid.map(\.transcript), ["mon testament"])
        XCTAssertEqual(valid[0].speaker, "w2")
        assertThrows(text, split: "test", "no entry has split \"test\"; the splits are: train, valid")
        assertThrows("path\ttext\na.wav\thi\n", split: "train", "has no split column")
        // id, duration, speaker columns in any order.
        let d = try Manifest.parse("duration\tid\ttext\tpath\tspeaker\n1.5\tu1\tone two\tw/u1.wav\ttheo\n", path: "/c/train.tsv")
        XCTAssertEqual(d[0], ManifestEntry(id: "u1", path: "/c/w/u1.wav", transcript: "one two", duration: 1.5, speaker: "theo", line: 2))
    }

    /// A 100 MB manifest on one line (no newline anywhere) is read in one pass: one entry
    /// with a 100 MB transcript, or an error; never a hang or a crash.
    func testHundredMegabyteSingleLine() throws {
        let x100MB = String(decoding: [UInt8](repeating: UInt8(ascii: "x"), count: 100_000_000), as: UTF8.self)
        let huge = "id\tpath\ttext\tu1\ta.wav\t" + x100MB
        XCTAssertThrowsError(try Manifest.parse(huge, path: "/x/one-line.tsv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/x/one-line.tsv"), "\(error)".prefix(300) + "")
            XCTAssertLessThan("\(error)".count, 2000, "the message quotes the whole line")
        }
        let entries = try Manifest.parse("id\tpath\ttext\nu1\ta.wav\t" + x100MB, path: "/x/big.tsv")
        XCTAssertEqual(entries.map(\.transcript.utf8.count), [100_000_000])
    }

    func testCRLFBOMAndMissingFinalNewlineAreNormal() throws {
        let lf = try Manifest.parse("id\tpath\ttext\nu1\ta.wav\tone\nu2\tb.wav\ttwo\n", path: "/x/m.tsv")
        let crlf = try Manifest.parse("\u{FEFF}id\tpath\ttext\r\nu1\ta.wav\tone\r\nu2\tb.wav\ttwo", path: "/x/m.tsv")
        XCTAssertEqual(lf, crlf)
        XCTAssertEqual(crlf[1].transcript, "two")
    }

    func testHeaderlessThreeColumnsStillRead() throws {
        let m = try Manifest.parse("# comment\nu1\taudio/a.wav\thello there\nu2\t/abs/b.wav\t\n\n", path: "/sets/test.tsv")
        XCTAssertEqual(m, [ManifestEntry(id: "u1", path: "/sets/audio/a.wav", transcript: "hello there", line: 2),
                           ManifestEntry(id: "u2", path: "/abs/b.wav", transcript: "", line: 3)])
    }

    func testNeverSilentlyMisread() {
        assertThrows("a.wav\thello\n", "m.tsv:1: expected a header row naming the columns")
        assertThrows("u1 a.wav hello\n", "found 1 tab-separated field and no header")
        assertThrows("id\tfile\ttext\nu1\ta.wav\thi\n", "no path column (one of: path, audio, image, audio_filepath)")
        assertThrows("id\tpath\tsentence\nu1\ta.wav\thi\n", "no text column")
        assertThrows("path\ttext\na.wav\thi\tthere\n", "m.tsv:2: 3 tab-separated fields but the header names 2 columns")
        assertThrows("path\ttext\tduration\na.wav\thi\tlong\n", "duration \"long\"")
        assertThrows("id\tpath\ttext\nu1\ta\tx\nu1\tb\ty\n", "m.tsv:3: id \"u1\" was already used on line 2")
        assertThrows("path\ttext\n", "lists no utterances")
        assertThrows("", "lists no utterances")
    }

    func testJSONLines() throws {
        let text = """
        {"audio_filepath": "a.wav", "text": "one two", "duration": 1.25}
        {"audio_filepath": "/abs/b.wav", "text": "three", "id": "b"}
        """
        let m = try Manifest.parse(text, path: "/n/manifest.jsonl")
        XCTAssertEqual(m, [ManifestEntry(id: "a.wav", path: "/n/a.wav", transcript: "one two", duration: 1.25, line: 1),
                           ManifestEntry(id: "b", path: "/abs/b.wav", transcript: "three", line: 2)])
        assertThrows("{\"text\": \"x\"}\n", path: "m.jsonl", "m.jsonl:1: missing \"audio_filepath\"")
        assertThrows("{\"audio_filepath\": \"a.wav\"}\n", path: "m.jsonl", "missing \"text\"")
        assertThrows("not json\n", path: "m.json", "m.json:1: not a JSON object")
        assertThrows("{\"audio_filepath\": \"a.wav\", \"text\": \"x\", \"duration\": \"long\"}", path: "m.jsonl", "\"duration\" must be a number")
    }

    func testReadNamesMissingFile() {
        XCTAssertThrowsError(try Manifest.read("/no/such/manifest.tsv")) { XCTAssertTrue("\($0)".contains("no such manifest file"), "\($0)") }
    }
}
