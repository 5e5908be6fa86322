import Foundation
import ScribeCore

/// Renders a `ScoreReport` as text, JSON or CSV; all three carry the same numbers.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, csv
}

extension ScoreReport {
    /// The report in `format`; `worst` and `confusions` bound the lists in text and JSON.
    public func render(_ format: ReportFormat, worst: Int = 10, confusions: Int = 10) -> String {
        switch format {
        case .text: return textReport(worst: worst, confusions: confusions)
        case .json: return jsonReport(worst: worst, confusions: confusions)
        case .csv: return csvReport()
        }
    }

    static func percent(_ x: Double) -> String {
        x.isFinite ? String(format: "%.2f%%", 100 * x) : "inf"
    }

    // MARK: Text

    func textReport(worst: Int, confusions: Int) -> String {
        var out = "REF: \(StandardStreams.inputName(referencePath))\nHYP: \(StandardStreams.inputName(hypothesisPath))\n"
        if let comparisonPath { out += "HYP2: \(comparisonPath)\n" }
        for section in sections {
            let s = section.score, name = s.unit.rateName
            out += "\n\(name) \(Self.percent(s.errorRate))  95% CI [\(Self.percent(section.interval.lower)), \(Self.percent(section.interval.upper))]"
            out += "  (\(s.errors) errors / \(s.referenceUnits) reference \(s.unit.unitName))\n"
            out += "  C \(s.hits)  S \(s.substitutions)  D \(s.deletions)  I \(s.insertions)  hypothesis \(s.unit.unitName) \(s.hypothesisUnits)\n"
            out += "  SER \(Self.percent(s.sentenceErrorRate))  (\(s.utterancesWithErrors) of \(s.utterances.count) utterances with errors)\n"
            if let (other, paired) = section.comparison {
                out += "  HYP2 \(name) \(Self.percent(other.errorRate)); difference HYP2 − HYP \(Self.percent(paired.difference))"
                out += "  95% CI [\(Self.percent(paired.differenceInterval.lower)), \(Self.percent(paired.differenceInterval.upper))]"
                out += String(format: "  P(HYP2 better) %.3f  p = %.4f (paired bootstrap)\n", paired.probabilityBBetter, paired.pValue)
            }
            let order = s.worstFirst().prefix(worst).filter { s.utterances[$0].errors > 0 }
            if !order.isEmpty { out += "\n  Worst utterances (\(name)):\n" }
            for i in order {
                let u = s.utterances[i], a = u.alignment
                out += "  id: \(u.id)  \(name) \(Self.percent(u.rate))  (S \(a.substitutions) D \(a.deletions) I \(a.insertions))\n"
                let lines = AlignmentLines(u, unit: s.unit)
                out += "    REF:  \(lines.reference)\n    HYP:  \(lines.hypothesis)\n    EVAL: \(lines.markers)\n"
            }
            let pairs = s.confusions(limit: confusions)
            if !pairs.isEmpty {
                out += "\n  Most frequent substitutions (\(s.unit.unitName)):\n"
                for p in pairs { out += String(format: "  %6d  ", p.count) + "\(p.reference) → \(p.hypothesis)\n" }
            }
        }
        return out
    }

    // MARK: JSON

    func jsonObject(worst: Int, confusions: Int) -> [String: Any] {
        var root: [String: Any] = ["reference": referencePath, "hypothesis": hypothesisPath]
        if let comparisonPath { root["hypothesis2"] = comparisonPath }
        for section in sections {
            let s = section.score
            var entry = Self.totals(s)
            entry["ci95"] = [section.interval.lower, section.interval.upper]
            entry["worst"] = s.worstFirst().prefix(worst).filter { s.utterances[$0].errors > 0 }.map { i -> [String: Any] in
                let u = s.utterances[i]
                let lines = AlignmentLines(u, unit: s.unit)
                return ["id": u.id, "rate": u.rate, "errors": u.errors, "substitutions": u.alignment.substitutions,
                        "deletions": u.alignment.deletions, "insertions": u.alignment.insertions,
                        "ref": lines.reference, "hyp": lines.hypothesis, "eval": lines.markers]
            }
            entry["confusions"] = s.confusions(limit: confusions).map { ["ref": $0.reference, "hyp": $0.hypothesis, "count": $0.count] }
            if let (other, paired) = section.comparison {
                var second = Self.totals(other)
                second["difference"] = paired.difference
                second["difference_ci95"] = [paired.differenceInterval.lower, paired.differenceInterval.upper]
                second["probability_better"] = paired.probabilityBBetter
                second["p_value"] = paired.pValue
                entry["hypothesis2"] = second
            }
            root[s.unit.rateName.lowercased()] = entry
        }
        return root
    }

    static func totals(_ s: CorpusScore) -> [String: Any] {
        ["rate": s.errorRate.isFinite ? s.errorRate : -1, "errors": s.errors, "hits": s.hits,
         "substitutions": s.substitutions, "deletions": s.deletions, "insertions": s.insertions,
         "reference_units": s.referenceUnits, "hypothesis_units": s.hypothesisUnits,
         "utterances": s.utterances.count, "utterances_with_errors": s.utterancesWithErrors,
         "sentence_error_rate": s.sentenceErrorRate]
    }

    func jsonReport(worst: Int, confusions: Int) -> String {
        let data = try! JSONSerialization.data(withJSONObject: jsonObject(worst: worst, confusions: confusions),
                                               options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: CSV

    /// One row per system and unit with the totals, interval and comparison columns.
    func csvReport() -> String {
        var rows = ["system,file,unit,rate,ci95_low,ci95_high,errors,hits,substitutions,deletions,insertions,reference_units,hypothesis_units,utterances,utterances_with_errors,sentence_error_rate,difference,difference_ci95_low,difference_ci95_high,p_value"]
        func row(_ system: String, _ file: String, _ s: CorpusScore, _ ci: ConfidenceInterval?, _ p: PairedComparison?) -> String {
            let fields: [String] = [system, Self.csvField(file), s.unit.rawValue, "\(s.errorRate)",
                                    ci.map { "\($0.lower)" } ?? "", ci.map { "\($0.upper)" } ?? "",
                                    "\(s.errors)", "\(s.hits)", "\(s.substitutions)", "\(s.deletions)", "\(s.insertions)",
                                    "\(s.referenceUnits)", "\(s.hypothesisUnits)", "\(s.utterances.count)",
                                    "\(s.utterancesWithErrors)", "\(s.sentenceErrorRate)",
                                    p.map { "\($0.difference)" } ?? "", p.map { "\($0.differenceInterval.lower)" } ?? "",
                                    p.map { "\($0.differenceInterval.upper)" } ?? "", p.map { "\($0.pValue)" } ?? ""]
            return fields.joined(separator: ",")
        }
        for section in sections {
            rows.append(row("hyp", hypothesisPath, section.score, section.interval, nil))
            if let (other, paired) = section.comparison {
                rows.append(row("hyp2", comparisonPath ?? "", other, nil, paired))
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
