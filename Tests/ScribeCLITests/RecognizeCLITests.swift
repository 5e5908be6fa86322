import Foundation
import XCTest
import _ScribeTestSupport

/// `scribe train` on line images, then `recognize` and `evaluate` with the model it wrote.
final class RecognizeCLITests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.temporaryFolder("cli-\(name.filter(\.isLetter))")
        try TinyLines.write("train", count: 96, seed: 1, in: folder)
        try TinyLines.write("valid", count: 12, seed: 2, in: folder)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func scribe(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) { try ScribeProcess.run(arguments) }

    func testTrainRecognizeEvaluate() throws {
        let config = try TinyLines.writeConfig(folder: folder, output: "run", epochs: 30)
        let trained = try scribe(["train", config, "--threads", "1"])
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.err.contains("per pixel column"), trained.err)
        let model = folder + "/run/model.safetensors"

        // Several images in parallel; a missing file, a non-image and a huge PNG fail alone.
        try "not a picture".write(toFile: folder + "/bad.png", atomically: true, encoding: .utf8)
        let files = [folder + "/png/valid-0.png", folder + "/missing.png", folder + "/png/valid-1.png", folder + "/bad.png"]
        let r = try scribe(["recognize", "--model", model, "--format", "json"] + files)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("missing.png"), r.err)
        XCTAssertTrue(r.err.contains("bad.png"), r.err)
        XCTAssertTrue(r.err.contains("2 of 4 images could not be recognized"), r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["file"] as? String, files[0])
        XCTAssertEqual(first["model"] as? String, "run")
        let valid = try String(contentsOfFile: folder + "/valid.tsv", encoding: .utf8).split(separator: "\n")
        let truth = String(valid[1].split(separator: "\t")[2])
        XCTAssertEqual(first["text"] as? String, truth)
        let characters = first["characters"] as! [[String: Any]]
        XCTAssertEqual(characters.map { $0["char"] as! String }.joined(), truth)
        let width = Double(first["width"] as! Int)
        XCTAssertTrue(characters.allSatisfy { c in
            let (x0, x1, p) = (c["x0"] as! Double, c["x1"] as! Double, c["confidence"] as! Double)
            return 0 <= x0 && x0 < x1 && x1 <= width && p > 0 && p <= 1
        }, "\(characters)")

        let text = try scribe(["recognize", "--model", model, files[0], files[2], "--decoder", "beam", "--beam", "8"])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.hasPrefix(files[0] + ": " + truth + "\n"), text.out)
        let budget = try scribe(["recognize", "--model", model, files[0], "--max-pixels", "100"])
        XCTAssertEqual(budget.status, 1)
        XCTAssertTrue(budget.err.contains("valid-0.png"), budget.err)

        // A speech command refuses a handwriting model, and the other way round.
        let wrong = try scribe(["transcribe", "--model", model, files[0]])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("handwriting model"), wrong.err)

        let e = try scribe(["evaluate", "--model", model, "--manifest", folder + "/valid.tsv", "--html", folder + "/report.html"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("CER"), e.out)
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<img class=line"), "the report shows each line image")
        let info = try scribe(["model", "info", model])
        XCTAssertEqual(info.status, 0, info.err)
        XCTAssertTrue(info.out.contains("Cr3x3,6 Mp2x2 W8s2"), info.out)
    }
}
