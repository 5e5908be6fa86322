import Foundation

/// Paths written inside a file (a manifest, a training configuration) that are relative to
/// that file's folder.
public enum RelativePath {
    /// `path` resolved against the folder of `file`; absolute paths are returned unchanged.
    ///
    /// The folder is made absolute (against the working directory) before `..` components
    /// are folded: Foundation drops a leading `..` when it standardizes a URL whose base is
    /// the relative path of a file, so `../other/x.tsv` named in `train.yaml` would lose its
    /// `..` and point inside the configuration's own folder.
    public static func resolve(_ path: String, againstFolderOf file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = URL(fileURLWithPath: file).absoluteURL.deletingLastPathComponent()
        return folder.appendingPathComponent(path).standardizedFileURL.path
    }
}
