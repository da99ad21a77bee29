/// Finishes or undoes a segment swap of the log cleaner that a crash interrupted; runs
/// when a log is opened, before ``LogLoader`` reads the segments (Kafka's `LogLoader`
/// handling of `.cleaned` and `.swap` files).
///
/// - `.cleaned` files: the swap never committed. They are deleted; the old segments,
///   untouched, stay.
/// - A `<base>.log.swap`: the swap committed (see
///   ``PartitionLog/replaceSegments(_:with:afterCommit:)``). Every live segment it
///   replaces is deleted, then it takes the live name. Which segments those are comes
///   from the cleaner checkpoint's pending swap range; without one (an older file), from
///   Kafka's rule: base offsets from the swap's base up to its last offset.
/// - The swap's index files are dropped, so the loader rebuilds the indexes from the
///   log file (cheap, and never trusts an index that may belong to the old segment).
struct CleanerRecovery {
    var directory: String
    var fileSystem: any LogFileSystem

    /// What was done, one line each, for the load report.
    func run() throws -> [String] {
        guard fileSystem.fileExists(at: directory) else { return [] }
        var notes: [String] = []
        let names = try fileSystem.contentsOfDirectory(at: directory)
        for name in names where name.hasSuffix(CleanerFileNames.cleanedSuffix) {
            try fileSystem.removeFile(at: path(name))
            notes.append("\(name): removed, a cleaning pass did not finish")
        }

        let swapSuffix = LogFileNames.logSuffix + CleanerFileNames.swapSuffix
        let swapBases = names.compactMap { name -> Int64? in
            guard name.hasSuffix(swapSuffix) else { return nil }
            return LogFileNames.baseOffset(ofFile: String(name.dropLast(CleanerFileNames.swapSuffix.count)),
                                           suffix: LogFileNames.logSuffix)
        }.sorted()
        let checkpoint = try? CleanerCheckpoint.read(directory: directory, fileSystem: fileSystem)
        let liveBases = Set(names.compactMap { LogFileNames.baseOffset(ofFile: $0, suffix: LogFileNames.logSuffix) })

        for base in swapBases {
            let end: Int64
            if let pending = checkpoint?.pendingSwap, pending.baseOffset == base {
                end = pending.endOffset
            } else {
                end = try nextOffset(ofSwapAt: base)
            }
            for replaced in liveBases where replaced > base && replaced < end {
                try removeSegmentFiles(replaced)
            }
            try removeSegmentFiles(base)
            try fileSystem.removeFile(at: path(LogFileNames.offsetIndexFile(base) + CleanerFileNames.swapSuffix))
            try fileSystem.removeFile(at: path(LogFileNames.timeIndexFile(base) + CleanerFileNames.swapSuffix))
            try fileSystem.rename(from: path(LogFileNames.logFile(base) + CleanerFileNames.swapSuffix),
                                  to: path(LogFileNames.logFile(base)))
            notes.append("segment \(base): finished swapping in the cleaned segment for offsets [\(base), \(end))")
        }
        // Index files renamed to .swap before the crash, without their log file: not committed.
        for name in try fileSystem.contentsOfDirectory(at: directory) where name.hasSuffix(CleanerFileNames.swapSuffix) {
            try fileSystem.removeFile(at: path(name))
        }
        if !notes.isEmpty { try fileSystem.synchronizeDirectory(at: directory) }
        if var checkpoint, checkpoint.pendingSwap != nil {
            checkpoint.pendingSwap = nil
            try checkpoint.write(directory: directory, fileSystem: fileSystem)
        }
        return notes
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func removeSegmentFiles(_ base: Int64) throws {
        try fileSystem.removeFile(at: path(LogFileNames.logFile(base)))
        try fileSystem.removeFile(at: path(LogFileNames.offsetIndexFile(base)))
        try fileSystem.removeFile(at: path(LogFileNames.timeIndexFile(base)))
    }

    /// One past the last offset of the swap file's batches (its base when it has none).
    private func nextOffset(ofSwapAt base: Int64) throws -> Int64 {
        let file = try fileSystem.openFile(at: path(LogFileNames.logFile(base) + CleanerFileNames.swapSuffix),
                                           createIfMissing: false)
        defer { try? file.close() }
        var scanner = SegmentBatchScanner(file: file, from: 0, end: Int(try file.size()))
        var next = base
        while case .batch(let header, _, _) = try scanner.next(verifyingChecksum: false) {
            next = header.nextOffset
        }
        return next
    }
}
