/// Owns every partition log under one data directory (Kafka's `LogManager`).
///
/// Each partition lives in `<dataDirectory>/<topic>-<partition>/`. The manager holds the
/// storage configuration of each topic, opens all logs at startup, creates and deletes
/// them, and runs retention and `flush.ms` flushes when the broker asks (it starts no
/// timers: the broker's service loop calls ``applyRetention()`` and ``flushDueLogs()`` on
/// its schedule).
///
/// Topic configurations are not persisted here: the broker's metadata is their source of
/// truth and it sets them (``setTopicConfig(_:forTopic:)``) before ``loadAll()``.
///
/// Concurrency: like ``PartitionLog``, a non-`Sendable` class whose owner (the broker's
/// storage actor) serializes all calls. One partition's failure is reported per
/// partition and never stops the others.
public final class LogManager {
    public let dataDirectory: String
    /// The configuration of topics with no configuration of their own.
    public private(set) var defaultConfig: LogConfig
    private var topicConfigs: [String: LogConfig] = [:]
    private var logs: [TopicPartition: PartitionLog] = [:]
    private let fileSystem: any LogFileSystem
    private let clock: any LogClock

    public init(dataDirectory: String, defaultConfig: LogConfig = LogConfig(),
                fileSystem: any LogFileSystem = PosixLogFileSystem(), clock: any LogClock = SystemLogClock()) throws {
        self.dataDirectory = dataDirectory
        self.defaultConfig = try defaultConfig.validated()
        self.fileSystem = fileSystem
        self.clock = clock
        try fileSystem.createDirectory(at: dataDirectory)
    }

    /// What ``loadAll()`` did, per partition.
    public struct LoadOutcome {
        public var loaded: [TopicPartition: LogLoadReport] = [:]
        /// Partitions whose log could not be opened; the rest are open.
        public var failed: [TopicPartition: any Error] = [:]
    }

    /// Opens every partition directory under the data directory, and finishes deleting
    /// any directory a crash left half-deleted.
    public func loadAll() throws -> LoadOutcome {
        var outcome = LoadOutcome()
        for name in try fileSystem.contentsOfDirectory(at: dataDirectory).sorted() {
            let path = dataDirectory + "/" + name
            guard fileSystem.isDirectory(at: path) else { continue }
            if name.hasSuffix(LogFileNames.deletedDirectorySuffix) {
                try? fileSystem.removeDirectoryRecursively(at: path)
                continue
            }
            guard let partition = TopicPartition(directoryName: name), logs[partition] == nil else { continue }
            do {
                let log = try PartitionLog.open(directory: path, topicPartition: partition,
                                                config: config(forTopic: partition.topic),
                                                fileSystem: fileSystem, clock: clock)
                logs[partition] = log
                outcome.loaded[partition] = log.loadReport
            } catch {
                outcome.failed[partition] = error
            }
        }
        return outcome
    }

    // MARK: Configuration

    /// The storage configuration of `topic`.
    public func config(forTopic topic: String) -> LogConfig {
        topicConfigs[topic] ?? defaultConfig
    }

    /// Sets (or with nil, resets to the default) a topic's configuration, and applies it
    /// to the topic's open logs unless `applyToOpenLogs` is false (the broker passes
    /// false and updates each log through its `Partition`, under the partition's lock).
    public func setTopicConfig(_ config: LogConfig?, forTopic topic: String, applyToOpenLogs: Bool = true) throws {
        let validated = try config?.validated()
        topicConfigs[topic] = validated
        guard applyToOpenLogs else { return }
        for (partition, log) in logs where partition.topic == topic {
            try log.updateConfig(validated ?? defaultConfig)
        }
    }

    // MARK: Logs

    /// The open log of a partition, if any.
    public func log(for partition: TopicPartition) -> PartitionLog? {
        logs[partition]
    }

    /// Every partition with an open log.
    public var partitions: [TopicPartition] { Array(logs.keys) }

    /// The log of a partition, created (empty, at offset 0) when it does not exist yet.
    @discardableResult
    public func createLog(for partition: TopicPartition) throws -> PartitionLog {
        if let log = logs[partition] { return log }
        let log = try PartitionLog.open(directory: directory(of: partition), topicPartition: partition,
                                        config: config(forTopic: partition.topic), fileSystem: fileSystem, clock: clock)
        try fileSystem.synchronizeDirectory(at: dataDirectory)
        logs[partition] = log
        return log
    }

    /// Deletes a partition's log and its directory. The directory is first renamed to
    /// `…-delete` (durably), so a crash midway leaves something ``loadAll()`` finishes
    /// deleting rather than a damaged log.
    public func deleteLog(for partition: TopicPartition) throws {
        guard let log = logs.removeValue(forKey: partition) else {
            throw StorageError(.logNotFound, topicPartition: partition)
        }
        log.closeWithoutFlushing()
        let doomed = directory(of: partition) + "." + String(clock.nowMilliseconds) + LogFileNames.deletedDirectorySuffix
        try fileSystem.rename(from: log.directory, to: doomed)
        try fileSystem.synchronizeDirectory(at: dataDirectory)
        try fileSystem.removeDirectoryRecursively(at: doomed)
    }

    // MARK: Background work, driven by the broker

    /// Runs retention on every log; returns what each deleted, and the errors of the logs
    /// that failed.
    public func applyRetention() -> [TopicPartition: Result<RetentionOutcome, any Error>] {
        var results: [TopicPartition: Result<RetentionOutcome, any Error>] = [:]
        for (partition, log) in logs {
            results[partition] = Result { try log.applyRetention() }
        }
        return results
    }

    /// Flushes the logs whose `flush.ms` or `flush.messages` is due; returns the errors.
    public func flushDueLogs() -> [TopicPartition: any Error] {
        var errors: [TopicPartition: any Error] = [:]
        for (partition, log) in logs {
            do { try log.flushIfDue() } catch { errors[partition] = error }
        }
        return errors
    }

    /// Closes every log cleanly; returns the errors of those that failed to close.
    public func closeAll() -> [TopicPartition: any Error] {
        var errors: [TopicPartition: any Error] = [:]
        for (partition, log) in logs {
            do { try log.close() } catch { errors[partition] = error }
        }
        logs.removeAll()
        return errors
    }

    private func directory(of partition: TopicPartition) -> String {
        dataDirectory + "/" + partition.directoryName
    }
}
