/// Opens the segments of a partition directory, recovering what a crash may have left
/// behind (Kafka's `LogLoader`).
///
/// - After a clean close (marker file present) every segment is trusted: indexes come
///   from their files and only the bytes after each segment's last index entry are read.
/// - Otherwise segments wholly below the checkpointed recovery point are trusted the same
///   way (they were fsynced before the checkpoint was written), and every later segment is
///   scanned and checked batch by batch. A torn or corrupt tail is cut at the last good
///   batch, and, as in Kafka, any segment after a truncated one is deleted so the log stays
///   one contiguous run of offsets. Under the crash model storage is built for (unflushed
///   writes may be lost, fsynced ones are not), only the last segment can have a bad tail:
///   a segment is fsynced when it is rolled.
/// - A trusted segment whose index files are missing or do not match is rebuilt by a scan.
///
/// Leftovers are cleaned up: temporary files of atomic writes, index files without a log
/// file (a segment deletion interrupted), segments wholly below the log start offset.
/// Nothing ever needs manual repair.
struct LogLoader {
    struct Loaded {
        var segments: [LogSegment]
        var logStartOffset: Int64
        var report: LogLoadReport
    }

    var directory: String
    var config: LogConfig
    var fileSystem: any LogFileSystem
    var nowMilliseconds: Int64

    func load() throws -> Loaded {
        try fileSystem.createDirectory(at: directory)
        var report = LogLoadReport()

        var checkpoint: PartitionCheckpoint?
        do {
            checkpoint = try PartitionCheckpoint.read(directory: directory, fileSystem: fileSystem)
        } catch let error as StorageError {
            // Written atomically, so this takes outside interference; recovering every
            // segment and starting the log at its first segment is the safe answer.
            report.notes.append("ignored unreadable checkpoint (\(error)); recovering every segment")
        }
        let markerPath = directory + "/" + LogFileNames.cleanShutdownMarker
        report.cleanShutdown = fileSystem.fileExists(at: markerPath)

        let baseOffsets = try cleanUpAndListSegments()
        let recoveryPoint = checkpoint?.recoveryPoint ?? 0
        var segments: [LogSegment] = []
        for (position, baseOffset) in baseOffsets.enumerated() {
            let segment = try LogSegment.open(baseOffset: baseOffset, directory: directory, fileSystem: fileSystem,
                                              config: config, now: nowMilliseconds)
            let nextBaseOffset = position + 1 < baseOffsets.count ? baseOffsets[position + 1] : nil
            let trusted = report.cleanShutdown || nextBaseOffset.map { $0 <= recoveryPoint } == true
            if trusted, try segment.loadTrustingIndexes(config: config) {
                segments.append(segment)
                continue
            }
            if trusted { report.rebuiltIndexes += 1 } else { report.recoveredSegments += 1 }
            let outcome = try segment.recover(config: config)
            report.scannedBytes += outcome.scannedBytes
            segments.append(segment)
            if outcome.truncatedBytes > 0 {
                report.truncatedBytes += outcome.truncatedBytes
                report.notes.append("segment \(baseOffset): cut \(outcome.truncatedBytes) bytes (\(outcome.reason ?? "?"))")
                for later in baseOffsets[(position + 1)...] {
                    try deleteSegmentFiles(later)
                    report.deletedSegments += 1
                    report.notes.append("segment \(later): deleted, it followed a truncated segment")
                }
                break
            }
        }

        var logStartOffset = checkpoint?.logStartOffset ?? segments.first?.baseOffset ?? 0
        if let last = segments.last, logStartOffset > last.nextOffset {
            // The log start offset was checkpointed (fsynced) but data below it was not,
            // and a crash lost that data: start over empty at the log start offset.
            report.notes.append("log start offset \(logStartOffset) is past the data (ends at \(last.nextOffset)); emptied the log")
            for segment in segments { try segment.delete() }
            report.deletedSegments += segments.count
            segments.removeAll()
        }
        if segments.isEmpty {
            segments.append(try LogSegment.create(baseOffset: logStartOffset, directory: directory,
                                                  fileSystem: fileSystem, config: config, now: nowMilliseconds))
        }
        // Segments wholly below the log start offset: retention was interrupted.
        while segments.count > 1, segments[1].baseOffset <= logStartOffset {
            try segments.removeFirst().delete()
            report.deletedSegments += 1
        }
        logStartOffset = max(logStartOffset, segments[0].baseOffset)

        // From here on a crash must count as unclean, so the marker goes before the log
        // accepts a write; the directory fsync makes its removal durable.
        try fileSystem.removeFile(at: markerPath)
        try fileSystem.synchronizeDirectory(at: directory)
        return Loaded(segments: segments, logStartOffset: logStartOffset, report: report)
    }

    /// Removes leftovers and returns the base offsets of the segments, ascending.
    private func cleanUpAndListSegments() throws -> [Int64] {
        let names = try fileSystem.contentsOfDirectory(at: directory)
        var logs: Set<Int64> = []
        for name in names {
            if name.hasSuffix(LogFileNames.temporarySuffix) {
                try fileSystem.removeFile(at: directory + "/" + name)
            } else if let baseOffset = LogFileNames.baseOffset(ofFile: name, suffix: LogFileNames.logSuffix) {
                logs.insert(baseOffset)
            }
        }
        for name in names {
            let indexBase = LogFileNames.baseOffset(ofFile: name, suffix: LogFileNames.offsetIndexSuffix)
                ?? LogFileNames.baseOffset(ofFile: name, suffix: LogFileNames.timeIndexSuffix)
            if let indexBase, !logs.contains(indexBase) {
                try fileSystem.removeFile(at: directory + "/" + name)
            }
        }
        return logs.sorted()
    }

    private func deleteSegmentFiles(_ baseOffset: Int64) throws {
        try fileSystem.removeFile(at: directory + "/" + LogFileNames.logFile(baseOffset))
        try fileSystem.removeFile(at: directory + "/" + LogFileNames.offsetIndexFile(baseOffset))
        try fileSystem.removeFile(at: directory + "/" + LogFileNames.timeIndexFile(baseOffset))
    }
}
