import Foundation
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeHTR
import ScribeImage
import ScribeNN
import ScribeRecognition

/// Writes small valid inputs of every format into `root/<target>/`, made with Scribe's own
/// writers (never files from a corpus): libFuzzer mutates from these.
func writeSeeds(to root: String) throws {
    func folder(_ target: String) throws -> String {
        let path = "\(root)/\(target)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
    func text(_ target: String, _ name: String, _ content: String) throws {
        try Data(content.utf8).write(to: URL(fileURLWithPath: "\(try folder(target))/\(name)"))
    }

    // Audio: a 0.1 s chirp in every encoding Scribe writes, at two rates, mono and stereo.
    let chirp = (0..<800).map { i in Float(0.5 * sin(Double(i) * Double(i) * 0.0005)) }
    for encoding in AudioEncoding.allCases {
        try AudioWriter.write(chirp, sampleRate: 8000, encoding: encoding, to: "\(try folder("audio"))/chirp-\(encoding.rawValue).audio")
    }
    let stereo = chirp.flatMap { [$0, -$0] }
    try AudioWriter.write(stereo, sampleRate: 22_050, channels: 2, encoding: .wavPCM16, to: "\(try folder("audio"))/stereo.wav")

    // Images: a TinyFont line dark on light, gray and RGB, and a small page.
    var line = Image8(width: 60, height: 16, channels: 1, fill: 235)
    TinyFont.draw("71 44", x: 3, y: 3, scale: 2, color: RGB(20, 20, 20), on: &line)
    var rgb = Image8(width: 24, height: 12, channels: 3)
    for i in rgb.pixels.indices { rgb.pixels[i] = UInt8(truncatingIfNeeded: i * 7) }
    for target in ["png", "line"] {
        try PNGWriter.write(line, to: "\(try folder(target))/line.png")
        try PNGWriter.write(rgb, to: "\(try folder(target))/rgb.png")
    }

    // Layouts: ALTO v4 with polygons and a box-only line, PAGE 2019 with text.
    try text("layout", "alto.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page WIDTH="64" HEIGHT="48"><PrintSpace>
        <TextBlock ID="b1"><TextLine ID="l1" HPOS="2" VPOS="3" WIDTH="50" HEIGHT="12" BASELINE="2 13 52 13">
        <Shape><Polygon POINTS="2 3 52 3 52 15 2 15"/></Shape><String CONTENT="Ceci" HPOS="2" VPOS="3" WIDTH="20" HEIGHT="12"/>
        <SP/><String CONTENT="est"/></TextLine>
        <TextLine ID="l2" HPOS="4" VPOS="20" WIDTH="40" HEIGHT="10"><String CONTENT="mon"/></TextLine></TextBlock>
        </PrintSpace></Page></Layout></alto>
        """)
    try text("layout", "page.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Page imageFilename="p.png" imageWidth="64" imageHeight="48">
        <TextRegion id="r1"><Coords points="0,0 63,0 63,47 0,47"/><TextLine id="t1"><Coords points="2,3 52,3 52,15 2,15"/>
        <Baseline points="2,13 52,13"/><Word id="w1"><Coords points="2,3 20,3 20,15 2,15"/><TextEquiv><Unicode>Ceci</Unicode></TextEquiv></Word>
        <TextEquiv conf="0.9"><Unicode>Ceci est</Unicode></TextEquiv></TextLine></TextRegion></Page></PcGts>
        """)

    // Posteriors: probabilities and log-probabilities over 4 classes, float32 and float64.
    let probabilities: [Float] = [0.7, 0.1, 0.1, 0.1, 0.1, 0.8, 0.05, 0.05, 0.6, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7]
    try Data(Npy.encode(values: probabilities, shape: [4, 4])).write(to: URL(fileURLWithPath: "\(try folder("npy"))/probs.npy"))
    try Data(Npy.encode(values: probabilities.map { log($0) }, shape: [4, 4])).write(to: URL(fileURLWithPath: "\(try folder("npy"))/logprobs.npy"))

    // Language models: a word trigram and a character 4-gram estimated here.
    let sentences = ["the cat sat", "a cat ate the rat", "the rat sat"].map { $0.split(separator: " ").map(String.init) }
    try text("arpa", "words.arpa", KneserNey.estimateARPA(sentences: sentences, order: 3))
    let characters = ["the cat", "a rat"].map { $0.map { $0 == " " ? CharacterLMScorer.spaceToken : String($0) } }
    try text("arpa", "chars.arpa", KneserNey.estimateARPA(sentences: characters, order: 4))

    // Model files: a tiny speech model and a tiny line model, with their front ends.
    let letters = ["<blank>"] + "abc ".map(String.init)
    let speech = SpeechFrontEnd(features: .speech(sampleRate: 8000), stack: 1)
    try saveModel("[Lbx4 Fl5]", input: .audio(speech), alphabet: letters, to: "\(try folder("model"))/speech.safetensors")
    var normalization = LineNormalization()
    normalization.height = 16
    let lineFrontEnd = LineFrontEnd(normalization: normalization)
    try saveModel("[Cr3x3,4 Mp2x2 W4s2 Lbx4 Fl5]", input: .line(lineFrontEnd), alphabet: letters, to: "\(try folder("model"))/line.safetensors")
    try saveModel("[Cb3x3,4 Mp2x2 W4s2 Lbx4 Fl5]", input: .line(lineFrontEnd), alphabet: letters, to: "\(try folder("model"))/line-bn.safetensors")

    try LineFinder(network: LineFinderNetwork(widths: [2, 2, 4, 4]), workingSide: 128).encoded(info: ["name": "tiny"])
        .write(to: "\(try folder("model"))/finder.safetensors")

    // Network specs.
    for (i, spec) in ["[Lbx4 Fl5]", "[Cr3x3,4 Mp2x2 C3x3,8 W8s2 Do20 Fl16 Lbx8 Lbx8 Fl5]", "[Cb3x3,4 Mp2x2 Cb3x3,8 W12s2 Fl5]", "[Lfx8 Lrx8 Gbx4 Rx(Fl3 Fl2) Res[Fl5] Ar At As Om]"].enumerated() {
        try text("spec", "spec\(i).txt", spec)
    }

    // Manifests: TSV with a header and JSON lines.
    try text("manifest", "audio.tsv", "id\tpath\ttext\tduration\tspeaker\nu1\ta.wav\tthe cat\t1.5\ts1\nu2\tb.flac\ta rat\t0.7\ts2\n")
    try text("manifest", "pages.tsv", "image\tlayout\npage1.png\tpage1.xml\n/abs/page2.png\tpage2.xml\n")
    try text("manifest", "lines.jsonl", "{\"id\":\"l1\",\"path\":\"l1.png\",\"text\":\"Ceci est\",\"split\":\"test\"}\n{\"path\":\"l2.png\",\"text\":\"mon\"}\n")

    // Training configurations.
    try text("config", "speech.yaml", """
        name: tiny
        output: run
        data:
          train: train.tsv
          valid: valid.tsv
          max_duration: 20
        front_end:
          sample_rate: 8000
          n_mels: 40
          stack: 3
        model:
          layers: Lbx16
          seed: 1
        training:
          epochs: 2
          batch_seconds: 60
          learning_rate: 0.002
        augment:
          speed: [0.9, 1.1]
          time_masks: 2
        decoding:
          decoder: beam
          beam: 8
        """)
    try text("config", "lines.yaml", """
        name: lines
        data: {train: train.tsv, valid: valid.tsv}
        front_end: {type: image, height: 32, deskew: true}
        model: {layers: "Cr3x3,8 Mp2x2 W8s2 Lbx16"}
        training: {epochs: 1, batch_frames: 400}
        augment: {enabled: true, rotation: 1.5}
        """)

    try text("config", "finder.yaml", """
        task: lines
        name: finder
        data: {train: pages-train.tsv, valid: pages-valid.tsv}
        model: {widths: [4, 4, 8, 8], working_side: 256}
        training: {steps: 10, batch: 2, crop: 64, validate_every: 5}
        augment: {scale: [0.8, 1.2], sideways: 0.3}
        """)

    // Alphabets, lexicons, transcripts.
    try text("alphabet", "letters.txt", "a\nb\nc\n \n'\né\n")
    try text("lexicon", "words.txt", "the\ncat\nsat\nrat's\n")
    try text("transcript", "plain.txt", "the cat sat\na rat\n")
    try text("transcript", "keyed.tsv", "id\ttext\nu1\tthe cat sat\nu2\ta rat\n")
}

/// Saves a freshly initialized network with its description.
private func saveModel(_ spec: String, input: ModelInput, alphabet: [String], to path: String) throws {
    let network = try NetworkSpec.build(spec, inputSize: input.inputSize, seed: 1)
    let file = ModelFile(architecture: spec, inputSize: input.inputSize, alphabet: alphabet,
                         frontEnd: try input.json(), decoding: try DecodingSettings().json())
    try file.save(network, to: path)
}

/// Runs every target on each of its seeds in `root/<target>/`: a seed its reader rejects
/// teaches the fuzzer only the error path, so each must be accepted. Prints one line per
/// seed; false when any is rejected or a target has none.
func checkSeeds(in root: String) -> Bool {
    var ok = true
    for target in targets {
        let folder = "\(root)/\(target.name)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        if names.isEmpty { print("\(target.name): no seeds in \(folder)"); ok = false }
        for name in names {
            do {
                try target.run("\(folder)/\(name)")
                print("\(target.name)/\(name): accepted")
            } catch {
                print("\(target.name)/\(name): REJECTED: \(error)")
                ok = false
            }
        }
    }
    return ok
}
