import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition

/// A picture of what the network is trained on, to judge a configuration's augmentation by
/// eye before spending hours on it: a few training entries, each as the network sees it
/// plainly and then as several augmented draws, stacked top to bottom.
///
/// Line images are drawn as they enter the network (normalized height, dark ink on light
/// paper); audio features are drawn as a spectrogram (one frame per 2 px to the right,
/// the first feature at the bottom, high values dark), scaled to the 1st-99th percentile
/// of all draws together.
public enum AugmentationPreview {
    /// Pixels of white between two draws, and between two entries.
    static let gap = 2, entryGap = 10

    /// The sheet for `entries` training entries picked by `seed` from the configuration's
    /// training manifests, each plain and then `draws` times augmented with the configured
    /// augmentation (with `augment.enabled: false` the draws equal the plain input).
    public static func sheet(config: TrainConfig, entries count: Int = 6, draws: Int = 3, seed: UInt64 = 1) throws -> Image8 {
        precondition(count > 0 && draws >= 0, "AugmentationPreview: at least one entry, no negative draws")
        var all: [ManifestEntry] = []
        for manifest in config.trainManifests { all += try Manifest.read(manifest, split: config.trainSplit) }
        guard !all.isEmpty else { throw TrainError.empty("\(config.trainManifests.joined(separator: ", ")): no training entries to preview") }
        var g = SeededGenerator(seed: seed)
        let picked = Array(all.shuffled(using: &g).prefix(count))
        let spec = config.spec(classes: 2)
        let network = try NetworkSpec.build(spec, inputSize: config.inputSize, seed: config.modelSeed, forLoading: true)
        let source = try config.dataSource(frames: FrameCounter(network: network))
        var groups: [[FeatureMatrix]] = []
        for (i, entry) in picked.enumerated() {
            var group = [try source.example(entry, augment: false, generator: &g)]
            for d in 0..<draws {
                var draw = SeededGenerator(seed: seed &* 1_000_003 &+ UInt64(i * (draws + 1) + d))
                group.append(try source.example(entry, augment: true, generator: &draw))
            }
            groups.append(group)
        }
        if config.lineFrontEnd != nil { return render(groups, lines: true) }
        // Audio steps hold `stack` frames end to end: unstacked, each frame is a column.
        let stack = config.frontEnd.stack
        return render(groups.map { $0.map { unstacked($0, stack) } }, lines: false, zoom: 2)
    }

    /// The frames of a stacked feature matrix, one per row (rows of a stacked matrix are
    /// consecutive frames laid end to end; see `FeatureTransforms.stackFrames`).
    static func unstacked(_ m: FeatureMatrix, _ k: Int) -> FeatureMatrix {
        guard k > 1, m.columns % k == 0 else { return m }
        return FeatureMatrix(rows: m.rows * k, columns: m.columns / k, values: m.values)
    }

    /// Stacks the feature matrices (rows = time, columns = channels) as images, each time
    /// step `zoom` pixels wide.
    static func render(_ groups: [[FeatureMatrix]], lines: Bool, zoom: Int = 1) -> Image8 {
        let items = groups.flatMap { $0 }
        let width = max(1, (items.map(\.rows).max() ?? 1) * zoom)
        let height = groups.map { g in g.map(\.columns).reduce(0, +) + gap * max(g.count - 1, 0) }.reduce(0, +)
            + entryGap * max(groups.count - 1, 0)
        var (low, high): (Float, Float) = (0, 1)
        if !lines {
            // The 1st to 99th percentile of all draws, so a few extreme values do not wash out the rest.
            let values = items.flatMap(\.values).filter(\.isFinite).sorted()
            if !values.isEmpty { (low, high) = (values[values.count / 100], values[values.count * 99 / 100]) }
        }
        let range = max(high - low, 1e-6)
        var sheet = Image8(width: width, height: max(height, 1), channels: 1, fill: 255)
        var top = 0
        for group in groups {
            for (k, m) in group.enumerated() {
                let c = m.columns
                m.values.withUnsafeBufferPointer { v in
                    for t in 0..<m.rows {
                        for y in 0..<c {
                            // Lines: channel 0 is the top row, 1 is ink. Audio: channel 0 at the bottom.
                            let value = lines ? v[t * c + y] : v[t * c + (c - 1 - y)]
                            let dark = min(max((value - low) / range, 0), 1)
                            let pixel = UInt8((255 * (1 - dark)).rounded())
                            for z in 0..<zoom { sheet.pixels[(top + y) * width + t * zoom + z] = pixel }
                        }
                    }
                }
                top += c + (k + 1 < group.count ? gap : 0)
            }
            top += entryGap
        }
        return sheet
    }
}
