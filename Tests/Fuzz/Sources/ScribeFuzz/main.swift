import CFuzzDriver
import Foundation

// ScribeFuzz TARGET [libFuzzer flags and corpus folders]   run one target under libFuzzer
// ScribeFuzz list                                          name and summary of every target
// ScribeFuzz seeds DIR                                     write seed inputs to DIR/<target>/
// ScribeFuzz check DIR                                     run each target once on its seeds; all must be accepted

/// The target libFuzzer's callback runs (a C callback cannot capture it).
nonisolated(unsafe) var selected: FuzzTarget!
/// The file each input is written to before the target reads it.
nonisolated(unsafe) var inputPath = ""

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: ScribeFuzz TARGET [libFuzzer flags] [CORPUS...] | list | seeds DIR | check DIR\ntargets: \(targets.map(\.name).joined(separator: " "))\n".utf8))
    exit(64)
}

/// Writes `size` bytes at `data` to `path`, replacing it.
func writeInput(_ data: UnsafePointer<UInt8>?, _ size: Int, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write the fuzz input file \(path)")
    var done = 0
    while done < size, let data {
        let n = write(fd, data + done, size - done)
        precondition(n > 0, "cannot write the fuzz input file \(path)")
        done += n
    }
    close(fd)
}

var arguments = CommandLine.arguments
guard arguments.count >= 2 else { usage() }
switch arguments[1] {
case "list":
    for t in targets { print("\(t.name)\t\(t.summary)") }
    exit(0)
case "seeds":
    guard arguments.count == 3 else { usage() }
    do { try writeSeeds(to: arguments[2]) } catch {
        FileHandle.standardError.write(Data("ScribeFuzz: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
case "check":
    guard arguments.count == 3 else { usage() }
    exit(checkSeeds(in: arguments[2]) ? 0 : 1)
default:
    guard let target = targets.first(where: { $0.name == arguments[1] }) else { usage() }
    selected = target
}

// Inputs go to a private folder in memory-backed storage when there is one.
let scratch = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
let folder = "\(scratch)/scribe-fuzz-\(getpid())"
try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
inputPath = "\(folder)/input.\(selected.fileExtension)"
atexit { try? FileManager.default.removeItem(atPath: folder) }

// libFuzzer sees the program name followed by its own flags and corpus folders.
arguments.remove(at: 1)
var argc = Int32(arguments.count)
var cStrings = arguments.map { strdup($0) } + [nil]
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        writeInput(data, size, to: inputPath)
        do { try selected.run(inputPath) } catch {}
        return 0
    }
}
exit(status)
