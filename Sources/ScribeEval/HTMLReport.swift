import Foundation

/// A self-contained HTML page (inline CSS, no scripts or external files) listing every
/// utterance with its alignment, worst first, after the totals. `inputs` maps utterance ids
/// to their input files (audio or images): each row then links to its file, with a player
/// for audio, and a line image is shown above its alignment.
public enum HTMLReport {
    public static func render(_ report: ScoreReport, title: String = "Scribe evaluation", inputs: [String: String] = [:]) -> String {
        var body = "<h1>\(escape(title))</h1>\n<p>References: <code>\(escape(report.referencePath))</code><br>Hypotheses: <code>\(escape(report.hypothesisPath))</code></p>\n"
        for section in report.sections {
            let s = section.score, name = s.unit.rateName
            body += "<h2>\(name) \(ScoreReport.percent(s.errorRate))</h2>\n<table class=totals>"
            body += "<tr><th>95% CI</th><td>\(ScoreReport.percent(section.interval.lower)) – \(ScoreReport.percent(section.interval.upper))</td></tr>"
            body += "<tr><th>Errors / reference \(s.unit.unitName)</th><td>\(s.errors) / \(s.referenceUnits)</td></tr>"
            body += "<tr><th>Correct · Sub · Del · Ins</th><td>\(s.hits) · \(s.substitutions) · \(s.deletions) · \(s.insertions)</td></tr>"
            body += "<tr><th>Sentence error rate</th><td>\(ScoreReport.percent(s.sentenceErrorRate)) (\(s.utterancesWithErrors) of \(s.utterances.count))</td></tr></table>\n"
            let confusions = s.confusions(limit: 15)
            if !confusions.isEmpty {
                body += "<details><summary>Most frequent substitutions</summary><table>"
                for c in confusions { body += "<tr><td>\(c.count)</td><td>\(escape(c.reference)) → \(escape(c.hypothesis))</td></tr>" }
                body += "</table></details>\n"
            }
            body += "<table class=utts><tr><th>id</th><th>\(name)</th><th>S</th><th>D</th><th>I</th><th>alignment</th></tr>\n"
            for i in s.worstFirst() {
                let u = s.utterances[i]
                body += "<tr><td>\(escape(u.id))\(inputs[u.id].map(inputLink) ?? "")</td><td>\(ScoreReport.percent(u.rate))</td><td>\(u.alignment.substitutions)</td><td>\(u.alignment.deletions)</td><td>\(u.alignment.insertions)</td><td>\(inputs[u.id].map(lineImage) ?? "")\(alignmentHTML(u, unit: s.unit))</td></tr>\n"
            }
            body += "</table>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
        .utts td:last-child{font-family:ui-monospace,monospace}
        .S{background:#fde2a7}.D{background:#f7b6b6;text-decoration:line-through}.I{background:#b9e4c9}
        .pair{display:inline-block;margin-right:.4em}.pair span{display:block}
        img.line{max-width:100%;max-height:6em;margin-bottom:.3em}
        </style></head><body>
        \(body)<p>Legend: <span class=S>substitution</span> <span class=D>deletion</span> <span class=I>insertion</span>; each column shows the reference over the hypothesis.</p>
        </body></html>

        """
    }

    /// A link to an input file, with an audio player for sound files.
    static func inputLink(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).absoluteString
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let player = ["wav", "flac", "ogg", "mp3", "opus"].contains(ext)
            ? "<br><audio controls preload=none src=\"\(escape(url))\"></audio>" : ""
        return "<br><a href=\"\(escape(url))\">\(escape(URL(fileURLWithPath: path).lastPathComponent))</a>\(player)"
    }

    /// For an image input (a text line), the picture shown above its alignment.
    static func lineImage(_ path: String) -> String {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard ["png", "jpg", "jpeg", "tif", "tiff"].contains(ext) else { return "" }
        return "<img class=line loading=lazy alt=\"\" src=\"\(escape(URL(fileURLWithPath: path).absoluteString))\"><br>"
    }

    /// The alignment as reference-over-hypothesis columns, coloured by operation.
    static func alignmentHTML(_ u: UtteranceScore, unit: ScoringUnit) -> String {
        var out = ""
        for step in u.alignment.steps {
            let r = step.refIndex >= 0 ? u.reference[step.refIndex] : "∅"
            let h = step.hypIndex >= 0 ? u.hypothesis[step.hypIndex] : "∅"
            let cls = step.operation == .hit ? "" : " class=\(step.operation.marker)"
            let show = { (x: String) in unit == .char && x == " " ? "␣" : x }
            out += "<span class=pair><span\(cls)>\(escape(show(r)))</span><span\(cls)>\(escape(show(h)))</span></span>"
        }
        return out
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
