import CScribeKernels

/// Allocator settings for training and recognition runs.
///
/// glibc serves large blocks with `mmap` and gives them back to the system when they are
/// freed (above a threshold it raises by itself as blocks are freed, up to 32 MiB), so a
/// training step, which allocates its activations afresh, page-faults its way through new
/// memory every time. `keepLargeBlocks` keeps blocks up to 32 MiB in the heap and freed
/// memory in the process: about 4% less wall time for `scribe train` on the poilus recipe
/// (whole runs of 300 lines, median of four, AMD EPYC, two threads), peak memory within
/// 2%. The reading commands (`recognize`, `transcribe`, `evaluate`, `bench recognize`) set
/// it too: each line's activations reuse the last line's memory. A no-op where the C
/// library is not glibc.
public enum Allocator {
    /// Returns whether the C library took the settings.
    @discardableResult
    public static func keepLargeBlocks() -> Bool { scribe_keep_large_blocks(32 << 20, 1 << 30) == 1 }

    /// Bytes allocated and not yet freed, heap and mapped blocks together (glibc's
    /// `mallinfo2`); nil where the C library does not say.
    public static var bytesInUse: Int? {
        let n = scribe_heap_bytes_in_use()
        return n >= 0 ? Int(n) : nil
    }
}
