import Foundation
import ScribeCore
import ScribeImage
import ScribeRecognition
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

    func testTrainPreviewDrawsInputsAndDoesNotTrain() throws {
        let config = try TinyLines.writeConfig(folder: folder, output: "run", epochs: 1, augment: true)
        let r = try scribe(["train", config, "--preview", folder + "/preview.png"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("preview.png"), r.out)
        let sheet = try PNGReader().read(folder + "/preview.png")
        XCTAssertEqual(sheet.height, 6 * (4 * 16 + 3 * 2) + 5 * 10)   // six lines, plain + three draws, 16 px high
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/run/checkpoint.safetensors"))
    }

    func testTrainRecognizeEvaluate() throws {
        let config = try TinyLines.writeConfig(folder: folder, output: "run", epochs: 30)
        let trained = try scribe(["train", config, "--threads", "1"])
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.err.contains("per pixel column"), trained.err)
        let model = folder + "/run/model.safetensors"

        // Several images in parallel; a missing file, a non-image and a huge PNG fail alone.
        try "not a picture".write(toFile: folder + "/bad.png", atomically: false, encoding: .utf8)
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

        try checkPages(model: model)

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
        try checkEnsemble(model: model, line: files[0], truth: truth)
        try checkViews(model: model, line: files[0], truth: truth)
        try checkMarginTrim(model: model, line: files[0], truth: truth)
    }

    /// A loosely cropped line (the same line with margins of its paper, 80 px at the sides
    /// and 12 px above and below: still a strip, not a page) is read with --trim-margins or
    /// with the trim stored in the model; a bad value is refused.
    func checkMarginTrim(model: String, line: String, truth: String) throws {
        let tight = try PNGReader().read(line)
        var g = SeededGenerator(seed: 11)
        var loose = Image8(width: tight.width + 160, height: tight.height + 24, channels: 1, fill: 235)
        for i in loose.pixels.indices { loose.pixels[i] = UInt8(min(255, max(0, 235 + 8 * g.nextGaussian()))) }
        for y in 0..<tight.height {
            for x in 0..<tight.width { loose.pixels[(y + 12) * loose.width + x + 80] = tight.pixels[y * tight.width + x] }
        }
        let path = folder + "/loose.png"
        try PNGWriter.write(loose, to: path)
        let given = try scribe(["recognize", "--model", model, path, "--trim-margins", "0.5,0.2", "--format", "json"])
        XCTAssertEqual(given.status, 0, given.err)
        let record = try JSONSerialization.jsonObject(with: Data(given.out.utf8)) as! [String: Any]
        XCTAssertEqual(record["text"] as? String, truth)
        let x0 = (record["characters"] as! [[String: Any]]).map { $0["x0"] as! Double }.min() ?? 0
        XCTAssertGreaterThan(x0, 75, "positions are in the loose image's pixels")
        let bad = try scribe(["recognize", "--model", model, path, "--trim-margins", "0.2,0.5"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.err.contains("--trim-margins") && bad.err.contains("0.2,0.5"), bad.err)
        let speech = try scribe(["evaluate", "--model", "digits", "--manifest", folder + "/valid.tsv", "--trim-margins", "0.5,0.2"])
        XCTAssertEqual(speech.status, 64)
        XCTAssertTrue(speech.err.contains("speech model"), speech.err)
        XCTAssertEqual(try scribe(["model", "defaults", model, "--trim-margins", "0.5,0.2"]).status, 0)
        XCTAssertTrue(try scribe(["model", "info", model]).out.contains("\"trimMargins\":{\"above\":0.5,\"to\":0.2}"))
        XCTAssertEqual(try scribe(["recognize", "--model", model, path]).out, truth + "\n")
        // Cut with room above and below too, the line is no longer twice as wide as high:
        // --line reads it as a line rather than a page.
        var tall = Image8(width: loose.width, height: loose.width / 2 + 10, channels: 1, fill: 235)
        for i in tall.pixels.indices { tall.pixels[i] = UInt8(min(255, max(0, 235 + 8 * g.nextGaussian()))) }
        let top = (tall.height - loose.height) / 2
        for y in 0..<loose.height { for x in 0..<loose.width { tall.pixels[(y + top) * tall.width + x] = loose.pixels[y * loose.width + x] } }
        try PNGWriter.write(tall, to: folder + "/tall.png")
        XCTAssertTrue(PageReader.looksLikePage(width: tall.width, height: tall.height))
        XCTAssertEqual(try scribe(["recognize", "--model", model, folder + "/tall.png", "--line"]).out, truth + "\n")
        XCTAssertEqual(try scribe(["recognize", "--model", model, folder + "/tall.png", "--line", "--page"]).status, 64)
        XCTAssertEqual(try scribe(["model", "defaults", model, "--trim-margins", "off"]).status, 0)
        XCTAssertFalse(try scribe(["model", "info", model]).out.contains("trimMargins"))
    }

    /// Views (test-time augmentation): given on the command line or stored with the model,
    /// read by recognize, evaluate and bench, cleared with --no-views; a bad spec is refused.
    func checkViews(model: String, line: String, truth: String) throws {
        let given = try scribe(["recognize", "--model", model, line, "--view", "x1.05", "--view", "s5", "--format", "json"])
        XCTAssertEqual(given.status, 0, given.err)
        let record = try JSONSerialization.jsonObject(with: Data(given.out.utf8)) as! [String: Any]
        XCTAssertEqual(record["text"] as? String, truth)
        XCTAssertEqual((record["characters"] as! [[String: Any]]).map { $0["char"] as! String }.joined(), truth)
        let bad = try scribe(["recognize", "--model", model, line, "--view", "q1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--view") && bad.err.contains("\"q1\"") && bad.err.contains("not one of"), bad.err)
        let stored = try scribe(["model", "defaults", model, "--view", "x0.95", "--view", "s5"])
        XCTAssertEqual(stored.status, 0, stored.err)
        XCTAssertTrue(try scribe(["model", "info", model]).out.contains("\"views\":[\"x0.95\",\"s5\"]"))
        let bench = try scribe(["bench", "recognize", "--model", model, line, "--threads", "1", "--repeats", "1"])
        XCTAssertEqual(bench.status, 0, bench.err)
        XCTAssertTrue(bench.out.contains("with 2 views"), bench.out)
        for extra in [[], ["--no-views"]] {
            let e = try scribe(["evaluate", "--model", model, "--manifest", folder + "/valid.tsv", "--format", "json"] + extra)
            XCTAssertEqual(e.status, 0, e.err)
        }
        XCTAssertEqual(try scribe(["recognize", "--model", model, line]).out, truth + "\n")
        let cleared = try scribe(["model", "defaults", model, "--no-views"])
        XCTAssertEqual(cleared.status, 0, cleared.err)
        XCTAssertFalse(try scribe(["model", "info", model]).out.contains("views"))
    }

    /// A model that ships with an ensemble member: stored beside it, read by recognize and
    /// evaluate, left out with --no-ensemble, replaced (with a note) by --ensemble; a member of
    /// another alphabet is refused by name.
    func checkEnsemble(model: String, line: String, truth: String) throws {
        let member = folder + "/run/member.safetensors"
        try FileManager.default.copyItem(atPath: model, toPath: member)
        let stored = try scribe(["model", "defaults", model, "--decoder", "beam", "--beam", "8", "--ensemble", member, "--proposals", "4"])
        XCTAssertEqual(stored.status, 0, stored.err)
        let info = try scribe(["model", "info", model])
        XCTAssertTrue(info.out.contains("\"ensemble\":[\"member.safetensors\"]") && info.out.contains("\"proposals\":4"), info.out)
        let json = try scribe(["recognize", "--model", model, line, "--format", "json"])
        XCTAssertEqual(json.status, 0, json.err)
        let record = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        XCTAssertEqual(record["text"] as? String, truth)
        XCTAssertEqual((record["characters"] as! [[String: Any]]).map { $0["char"] as! String }.joined(), truth)
        for extra in [[], ["--no-ensemble"]] {
            let e = try scribe(["evaluate", "--model", model, "--manifest", folder + "/valid.tsv", "--format", "json"] + extra)
            XCTAssertEqual(e.status, 0, e.err)
        }
        let bench = try scribe(["bench", "recognize", "--model", model, line, "--threads", "1", "--repeats", "1"])
        XCTAssertEqual(bench.status, 0, bench.err)
        XCTAssertTrue(bench.out.contains("ensemble of 2"), bench.out)
        XCTAssertNotNil(bench.out.range(of: #"lines/s, peak memory [1-9][0-9]* MB"#, options: .regularExpression), bench.out)
        try FileManager.default.moveItem(atPath: member, toPath: member + ".away")
        let lost = try scribe(["recognize", "--model", model, line])
        XCTAssertEqual(lost.status, 1)
        XCTAssertTrue(lost.err.contains("member.safetensors") && lost.err.contains("--no-ensemble"), lost.err)
        XCTAssertEqual(try scribe(["recognize", "--model", model, line, "--no-ensemble"]).out, truth + "\n")
        try FileManager.default.moveItem(atPath: member + ".away", toPath: member)
        let foreign = try scribe(["recognize", "--model", model, line, "--ensemble", "digit-strings"])
        XCTAssertNotEqual(foreign.status, 0)
        XCTAssertTrue(foreign.err.contains("digit-strings") && foreign.err.contains("alphabet") && foreign.err.contains("lacks"), foreign.err)
        let replaced = try scribe(["recognize", "--model", model, line, "--ensemble", member])
        XCTAssertEqual(replaced.status, 0, replaced.err)
        XCTAssertTrue(replaced.err.contains("--ensemble replaces the 1 other model") && replaced.err.contains("model info"), replaced.err)
        let plain = try scribe(["recognize", "--model", model, line])
        XCTAssertFalse(plain.err.contains("replaces"), plain.err)
        let cleared = try scribe(["model", "defaults", model, "--no-ensemble"])
        XCTAssertEqual(cleared.status, 0, cleared.err)
        XCTAssertFalse(try scribe(["model", "info", model]).out.contains("ensemble"))
    }

    /// A page: lines from a layout file or the segmenter, out as text, JSON, ALTO, PAGE and an overlay.
    func checkPages(model: String) throws {
        var g = SeededGenerator(seed: 9)
        let truth = ["147 71", "4 714", "77 1 4"]
        let (image, boxes) = TinyLines.page(truth, generator: &g)
        let page = folder + "/page.png"
        try PNGWriter.write(image, to: page)
        let layout = folder + "/layout.xml"
        let altoLines = boxes.enumerated().map { i, b in
            "<TextLine ID=\"t\(i)\" HPOS=\"\(b.x0)\" VPOS=\"\(b.y0)\" WIDTH=\"\(b.width)\" HEIGHT=\"\(b.height)\"><String CONTENT=\"x\"/></TextLine>"
        }
        try "<alto><Layout><Page><PrintSpace><TextBlock>\(altoLines.joined())</TextBlock></PrintSpace></Page></Layout></alto>"
            .write(toFile: layout, atomically: false, encoding: .utf8)

        // Plain text: one line per text line, in the layout's order, close to the truth.
        let text = try scribe(["recognize", "--model", model, page, "--layout", layout, "--threads", "2"])
        XCTAssertEqual(text.status, 0, text.err)
        let read = text.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(read.count, 3, text.out)
        let same = zip(read.joined(separator: "|"), truth.joined(separator: "|")).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(Double(same), 0.8 * Double(truth.joined(separator: "|").count), "\(read) against \(truth)")

        // ALTO and PAGE XML read back as the same lines and texts, with polygons and baselines.
        for format in ["alto", "page"] {
            let xml = try scribe(["recognize", "--model", model, page, "--layout", layout, "--format", format])
            XCTAssertEqual(xml.status, 0, xml.err)
            let lines = try LayoutXML.parse(Data(xml.out.utf8), path: format)
            XCTAssertEqual(lines.map { $0.text ?? "" }, read, xml.out)
            XCTAssertEqual(lines.map(\.box), boxes, format)
            XCTAssertTrue(lines.allSatisfy { ($0.baseline ?? []).count == 2 }, format)
        }
        let alto = try scribe(["recognize", "--model", model, page, "--layout", layout, "--format", "alto"]).out
        XCTAssertTrue(alto.contains("<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\""), alto)
        XCTAssertTrue(alto.contains("WIDTH=\"\(image.width)\" HEIGHT=\"\(image.height)\""), alto)

        // JSON: per line polygon, baseline, words and characters in page pixels.
        let json = try scribe(["recognize", "--model", model, page, "--layout", layout, "--format", "json", "--overlay", folder + "/overlay.png"])
        XCTAssertEqual(json.status, 0, json.err)
        let record = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        let lines = record["lines"] as! [[String: Any]]
        XCTAssertEqual(lines.count, 3)
        for (line, box) in zip(lines, boxes) {
            for c in line["characters"] as! [[String: Any]] {
                let (x0, x1) = (c["x0"] as! Double, c["x1"] as! Double)
                XCTAssertTrue(Double(box.x0 - 8) <= x0 && x0 < x1 && x1 <= Double(box.x1 + 8), "\(c) outside \(box)")
            }
            XCTAssertEqual((line["words"] as! [[String: Any]]).map { $0["text"] as! String }.joined(separator: " "), line["text"] as? String)
        }
        XCTAssertEqual(try PNGReader().read(folder + "/overlay.png", rgb: true).width, image.width)
        XCTAssertTrue(json.err.contains("3 lines drawn"), json.err)

        // Without a layout the line finder finds the lines; a page is detected by its shape.
        let found = try scribe(["recognize", "--model", model, page, "--format", "json"])
        XCTAssertEqual(found.status, 0, found.err)
        XCTAssertNotNil((try JSONSerialization.jsonObject(with: Data(found.out.utf8)) as! [String: Any])["lines"])
        // Page CER: the layout's transcribed lines against the page read with its own lines
        // (--finder layout) and with the classical segmenter's.
        let truthLines = boxes.enumerated().map { i, b in
            "<TextLine ID=\"t\(i)\" HPOS=\"\(b.x0)\" VPOS=\"\(b.y0)\" WIDTH=\"\(b.width)\" HEIGHT=\"\(b.height)\">"
                + truth[i].split(separator: " ").map { "<String CONTENT=\"\($0)\"/>" }.joined(separator: "<SP/>") + "</TextLine>"
        }
        try "<alto><Layout><Page><PrintSpace><TextBlock>\(truthLines.joined())</TextBlock></PrintSpace></Page></Layout></alto>"
            .write(toFile: folder + "/page.xml", atomically: false, encoding: .utf8)
        try "image\tlayout\npage.png\tpage.xml\n".write(toFile: folder + "/pages.tsv", atomically: false, encoding: .utf8)
        let scored = try scribe(["evaluate", "--model", model, "--pages", folder + "/pages.tsv", "--finder", "layout", "--format", "json"])
        XCTAssertEqual(scored.status, 0, scored.err)
        let total = (try JSONSerialization.jsonObject(with: Data(scored.out.utf8)) as! [String: Any])["total"] as! [String: Any]
        XCTAssertEqual(total["reference_characters"] as? Int, truth.joined().count)
        XCTAssertEqual(total["paired_lines"] as? Int, 3)
        XCTAssertLessThanOrEqual(total["cer"] as! Double, 0.25, scored.out)
        let classical = try scribe(["evaluate", "--model", model, "--pages", folder + "/pages.tsv", "--finder", "classical"])
        XCTAssertEqual(classical.status, 0, classical.err)
        XCTAssertTrue(classical.out.contains("all 1 pages"), classical.out)
        let neither = try scribe(["evaluate", "--model", model])
        XCTAssertEqual(neither.status, 64)
        XCTAssertTrue(neither.err.contains("--manifest") && neither.err.contains("--pages"), neither.err)

        let several = try scribe(["recognize", "--model", model, page, page, "--format", "alto"])
        XCTAssertEqual(several.status, 64)
        XCTAssertTrue(several.err.contains("needs --output-dir"), several.err)
    }
}
