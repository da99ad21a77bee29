import CausewayStore
import Foundation
import KafkaClient
import Logging
import Synchronization

/// Runs one link: finds the source topics it selects (and new ones as they appear),
/// shapes their mirrors on every destination, and runs a `PartitionWorker` per
/// partition and destination, fed by one fetch stream per source broker.
///
/// The destination log end of each partition is its checkpoint, so the engine keeps
/// no state of its own across restarts: a restarted engine reads where each
/// destination partition ends and carries on from there.
public final class LinkEngine: Sendable {
    public let configuration: LinkConfiguration
    private let logger: Logger
    private let statusPath: String?
    private let replayJournal: any ReplayJournal
    private let board = StatusBoard()
    private let started = Mutex<Set<String>>([])
    private let counters = LinkCounters()
    private let offsetSync = Mutex<ConsumerOffsetSync?>(nil)
    private let store: (any CheckpointStore)?
    private let control = MirrorControl()

    /// - Parameters:
    ///   - statusPath: where to write the link's status (JSON, every second) for
    ///     `causeway status`; nil writes none.
    ///   - replayJournal: where transaction replays keep their destination producers, so
    ///     that a restart continues an interrupted replay; the store when nil, else memory.
    ///   - store: the link's checkpoint store: the engine beats there, follows the pause and
    ///     failover controls the CLI writes, and records partition marks; nil runs without.
    public init(
        configuration: LinkConfiguration, statusPath: String? = nil, replayJournal: (any ReplayJournal)? = nil,
        store: (any CheckpointStore)? = nil,
        logger: Logger = Logger(label: "causeway.link")
    ) {
        self.configuration = configuration
        self.statusPath = statusPath
        self.replayJournal = replayJournal ?? store.map { StoreReplayJournal(store: $0) } ?? InMemoryReplayJournal()
        self.store = store
        var logger = logger
        logger[metadataKey: "link"] = "\(configuration.name)"
        self.logger = logger
    }

    /// The status of every partition on every destination, now.
    public var status: [PartitionStatus] { board.snapshot }

    /// Record bytes fetched from the source so far. With several destinations each
    /// source batch is fetched once, so this stays close to the source's size.
    public var fetchedBytes: Int64 { counters.fetchedBytes.load(ordering: .relaxed) }

    /// The latest round of consumer-offset sync, nil before the first or when the link
    /// selects no groups.
    public var lastOffsetSync: OffsetSyncReport? { offsetSync.withLock { $0 }?.lastReport }

    /// Mirrors until the task is cancelled.
    public func run() async {
        let source = KafkaClient(configuration: configuration.source.clientConfiguration, logger: logger)
        let destinations = configuration.destinations.map { destination in
            (destination.name, KafkaClient(configuration: destination.cluster.clientConfiguration, logger: logger))
        }
        let coalescers = Dictionary(uniqueKeysWithValues: zip(configuration.destinations, destinations).map { config, entry in
            (entry.0, ProduceCoalescer(client: entry.1, timeout: config.cluster.requestTimeout))
        })
        // Half of produce.bufferBytes for batches waiting in the mirrors, half for the
        // fan-out cache that keeps fetched chunks for destinations out of step.
        let buffers = Dictionary(uniqueKeysWithValues: destinations.map { name, _ in
            (name, DestinationBuffer(capacity: configuration.produce.bufferBytes / 2))
        })
        let fetches = FetchCoordinator(
            source: source, tuning: configuration.fetch, destinations: destinations.count,
            fanOutCacheBytes: configuration.produce.bufferBytes / 2, counters: counters, logger: logger)
        logger.info("link starting: \(configuration.source.bootstrap.map(\.description).joined(separator: ",")) -> \(configuration.destinations.map(\.name).joined(separator: ", "))")
        await withDiscardingTaskGroup { group in
            group.addTask { await fetches.run() }
            for coalescer in coalescers.values {
                group.addTask { await coalescer.run() }
            }

            if let statusPath {
                group.addTask { await self.writeStatus(to: statusPath) }
            }
            if !configuration.groups.include.isEmpty {
                let sync = ConsumerOffsetSync(configuration: configuration, source: source, destinations: destinations, logger: logger)
                offsetSync.withLock { $0 = sync }
                group.addTask { await sync.run() }
            }
            if let store {
                let controller = StoreController(store: store, control: control, board: board, interval: .seconds(1), logger: logger)
                group.addTask { await controller.run() }
            }
            await discover(
                source: source, destinations: destinations, fetches: fetches, coalescers: coalescers, buffers: buffers,
                group: &group)
            fetches.shutdown()
            for coalescer in coalescers.values { coalescer.shutdown() }
            group.cancelAll()
        }
        await source.shutdown()
        for (_, client) in destinations { await client.shutdown() }
        if let statusPath { writeStatusOnce(to: statusPath) }
        logger.info("link stopped")
    }

    /// The discovery loop: every `topics.discoveryInterval`, new topics and partitions get
    /// mirrors; every `configSync.interval`, destination configs follow the source.
    private func discover(
        source: KafkaClient, destinations: [(String, KafkaClient)], fetches: FetchCoordinator,
        coalescers: [String: ProduceCoalescer], buffers: [String: DestinationBuffer], group: inout DiscardingTaskGroup
    ) async {
        var nextConfigSync = ContinuousClock.now
        var mirrored: Set<String> = []
        while !Task.isCancelled {
            do {
                let topics = try await TopicSynchronizer.selectedTopics(on: source, selection: configuration.topics)
                let syncConfigs = ContinuousClock.now >= nextConfigSync
                if syncConfigs { nextConfigSync = ContinuousClock.now.advanced(by: configuration.configSync.interval) }
                for (name, client) in destinations {
                    let synchronizer = TopicSynchronizer(
                        configSync: configuration.configSync, source: source, destination: client, destinationName: name,
                        logger: logger)
                    // Paused and failed-over topics are left alone, configs included: after
                    // failover the destination topic is the primary, and a promote's fence
                    // on the source (max.message.bytes) must not be copied over.
                    for topic in topics where control.control(for: topic.name) == nil {
                        do {
                            let destinationPartitions = try await synchronizer.ensureTopic(topic)
                            if syncConfigs && mirrored.contains(topic.name) {
                                try await synchronizer.syncConfigs(topic.name)
                            }
                            for partition in 0..<min(topic.partitions, destinationPartitions) {
                                startWorker(
                                    TopicPartitionID(topic.name, Int32(partition)), destination: name, client: client,
                                    source: source, fetches: fetches, produces: coalescers[name]!, buffer: buffers[name]!,
                                    group: &group)
                            }
                        } catch {
                            logger.warning("cannot prepare \(name):\(topic.name) yet: \(error)")
                        }
                    }
                }
                mirrored.formUnion(topics.map(\.name))
            } catch {
                logger.warning("topic discovery on the source failed: \(error)")
            }
            try? await Task.sleep(for: configuration.topics.discoveryInterval)
        }
    }

    private func startWorker(
        _ partition: TopicPartitionID, destination: String, client: KafkaClient, source: KafkaClient,
        fetches: FetchCoordinator, produces: ProduceCoalescer, buffer: DestinationBuffer, group: inout DiscardingTaskGroup
    ) {
        let key = "\(destination)/\(partition)"
        // Paused and failed-over topics get no worker; a paused one gets it back on resume.
        guard control.control(for: partition.topic) == nil else { return }
        let isNew = started.withLock { $0.insert(key).inserted }
        guard isNew else { return }
        var mirrorConfiguration = PartitionMirror.Configuration()
        mirrorConfiguration.maxInFlight = configuration.produce.maxInFlightPerPartition
        let worker = PartitionWorker(
            partition: partition, destinationName: destination, source: source, destination: client, fetches: fetches,
            produces: produces, buffer: buffer, status: board, startPosition: configuration.startPosition,
            mirrorConfiguration: mirrorConfiguration,
            transactions: .init(
                journal: replayJournal, transactionalIDPrefix: "causeway-\(configuration.name)-\(destination)",
                transactionTimeout: configuration.produce.transactionTimeout),
            control: control, logger: logger)
        board.update(destination: destination, partition: partition) { _ in }
        group.addTask {
            // A paused worker is started again by discovery after `causeway resume`; a
            // failed, diverged or failed-over one stays stopped.
            if await worker.run() == .paused {
                _ = self.started.withLock { $0.remove(key) }
            }
        }
    }

    // MARK: Status file

    private func writeStatus(to path: String) async {
        while !Task.isCancelled {
            writeStatusOnce(to: path)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func writeStatusOnce(to path: String) {
        var snapshot = LinkStatus(link: configuration.name, updatedAt: Date(), processID: getpid(), partitions: board.snapshot)
        snapshot.offsetSync = lastOffsetSync
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let data = try encoder.encode(snapshot)
            let temporary = path + ".tmp"
            try data.write(to: URL(fileURLWithPath: temporary))
            _ = rename(temporary, path)
        } catch {
            logger.warning("cannot write the status file \(path): \(error)")
        }
    }
}
