import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import Synchronization

/// One fetch stream per source broker, shared by every partition mirror of a link.
///
/// Partition workers register demand (a partition, their destination, the offset they
/// need); a loop per source broker fetches the partitions that broker leads, in one
/// incremental fetch session (KIP-227), and hands each worker the batches from its
/// offset on. When several destinations mirror the same partition and are at the same
/// offset, one fetch serves them all; a destination that falls behind re-registers
/// at its own offset and the partition is fetched from the lower one, the faster
/// destination skipping what it already has, so a slow destination costs the fast one
/// some re-reading but never blocks it.
final class FetchCoordinator: Sendable {
    /// What a worker receives.
    enum Delivery: Sendable {
        case records(from: Int64, ByteBuffer, highWatermark: Int64, logStart: Int64)
        case failed(from: Int64, KafkaErrorCode)
    }

    struct Demand: Sendable {
        var offset: Int64
        /// The worker is caught up and waits for new data (a long poll suffices).
        var caughtUp: Bool
        var deliver: @Sendable (Delivery) -> Void
    }

    private struct State {
        /// partition → destination → demand
        var demand: [TopicPartitionID: [String: Demand]] = [:]
        /// Which source node each demanded partition was routed to.
        var routes: [TopicPartitionID: Int32] = [:]
        var signals: [Int32: AsyncStream<Void>.Continuation] = [:]
        var loops: Set<Int32> = []
        var cache: FanOutCache
    }

    private let source: KafkaClient
    private let tuning: FetchTuning
    private let counters: LinkCounters
    private let logger: Logger
    private let state: Mutex<State>
    /// New node loops to start, consumed by `run`.
    private let newLoops: AsyncStream<Int32>
    private let newLoopsContinuation: AsyncStream<Int32>.Continuation

    /// - Parameters:
    ///   - destinations: how many destinations the link writes to; with more than one,
    ///     fetched chunks are kept (up to `fanOutCacheBytes`) for the others.
    init(
        source: KafkaClient, tuning: FetchTuning, destinations: Int, fanOutCacheBytes: Int, counters: LinkCounters,
        logger: Logger
    ) {
        self.source = source
        self.counters = counters
        self.state = Mutex(State(cache: FanOutCache(destinations: destinations, capacity: fanOutCacheBytes)))
        self.tuning = tuning
        self.logger = logger
        (newLoops, newLoopsContinuation) = AsyncStream.makeStream(of: Int32.self)
    }

    /// Asks for `partition` from `offset` on behalf of `destination`. The answer comes
    /// once, through `deliver`; ask again for more.
    func request(
        _ partition: TopicPartitionID, for destination: String, from offset: Int64, caughtUp: Bool,
        deliver: @escaping @Sendable (Delivery) -> Void
    ) async {
        let node: Int32
        do {
            node = try await source.leader(of: partition)
        } catch let error as KafkaClientError {
            if case .broker(let code) = error.kind {
                deliver(.failed(from: offset, code))
            } else {
                deliver(.failed(from: offset, .networkException))
            }
            return
        } catch {
            deliver(.failed(from: offset, .unknownServerError))
            return
        }
        enum Next { case served(Delivery), signal(AsyncStream<Void>.Continuation?) }
        let next: Next = state.withLock { state in
            if let cached = state.cache.lookup(partition, destination: destination, offset: offset) {
                return .served(.records(from: offset, cached.0, highWatermark: cached.highWatermark, logStart: cached.logStart))
            }
            state.demand[partition, default: [:]][destination] = Demand(offset: offset, caughtUp: caughtUp, deliver: deliver)
            state.routes[partition] = node
            if !state.loops.contains(node) {
                state.loops.insert(node)
                newLoopsContinuation.yield(node)
                return .signal(nil)
            }
            return .signal(state.signals[node])
        }
        switch next {
        case .served(let delivery): deliver(delivery)
        case .signal(let signal): signal?.yield()
        }
    }

    /// Withdraws a destination's demand (the worker stopped).
    func cancel(_ partition: TopicPartitionID, for destination: String) {
        state.withLock { state in
            state.cache.forget(partition, destination: destination)
            state.demand[partition]?[destination] = nil
            if state.demand[partition]?.isEmpty == true {
                state.demand[partition] = nil
                state.routes[partition] = nil
            }
        }
    }

    /// Runs the per-broker fetch loops until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await node in newLoops {
                group.addTask { await self.fetchLoop(node: node) }
            }
        }
    }

    func shutdown() {
        newLoopsContinuation.finish()
        state.withLock { state in
            for signal in state.signals.values { signal.finish() }
        }
    }

    private func fetchLoop(node: Int32) async {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.signals[node] = continuation }
        var iterator = signals.makeAsyncIterator()
        var session = FetchSessionState()
        var failures = 0
        let backoff = RetryBackoff(base: source.configuration.retryBackoff, maximum: source.configuration.retryBackoffMax)
        while !Task.isCancelled {
            let wanted = state.withLock { state in
                state.routes.filter { $0.value == node }.keys.compactMap { partition -> (TopicPartitionID, [String: Demand])? in
                    guard let demands = state.demand[partition], !demands.isEmpty else { return nil }
                    return (partition, demands)
                }
            }
            if wanted.isEmpty {
                // Nothing to fetch: wait for demand.
                guard await iterator.next() != nil else { return }
                continue
            }
            let targets = Dictionary(uniqueKeysWithValues: wanted.map { partition, demands in
                (partition, FetchSessionState.Target(
                    offset: demands.values.map(\.offset).min()!, maxBytes: Int32(clamping: tuning.partitionMaxBytes)))
            })
            let allCaughtUp = wanted.allSatisfy { $0.1.values.allSatisfy(\.caughtUp) }
            do {
                let (sessionError, results) = try await source.fetch(
                    targets, from: node, session: &session, maxWait: allCaughtUp ? tuning.maxWait : .zero,
                    minBytes: Int32(clamping: tuning.minBytes), maxBytes: Int32(clamping: tuning.maxBytes))
                failures = 0
                if let sessionError {
                    logger.debug("fetch session with node \(node) reset: \(sessionError)")
                    continue
                }
                deliver(results, targets: targets)
            } catch {
                failures += 1
                logger.warning("fetch from source node \(node) failed: \(error)")
                source.invalidateMetadata()
                failAll(on: node, error: .networkException)
                try? await Task.sleep(for: backoff.delay(attempt: failures))
            }
        }
    }

    /// Hands each waiting destination its part of the response and clears its demand.
    /// Partitions an incremental response left out had nothing new: their demand stays.
    private func deliver(
        _ results: [TopicPartitionID: FetchSessionState.PartitionResult], targets: [TopicPartitionID: FetchSessionState.Target]
    ) {
        var deliveries: [(@Sendable (Delivery) -> Void, Delivery)] = []
        let received = results.values.reduce(0) { $0 + $1.records.readableBytes }
        counters.fetchedBytes.add(Int64(received), ordering: .relaxed)
        state.withLock { state in
            for (partition, result) in results {
                guard let demands = state.demand[partition], let fetchedFrom = targets[partition]?.offset else { continue }
                if result.error != .none {
                    for demand in demands.values { deliveries.append((demand.deliver, .failed(from: demand.offset, result.error))) }
                    state.demand[partition] = nil
                    continue
                }
                // A caught-up worker with no new data keeps waiting.
                if result.records.readableBytes == 0, demands.values.allSatisfy(\.caughtUp), result.highWatermark <= fetchedFrom {
                    continue
                }
                state.cache.store(
                    partition, from: fetchedFrom, records: result.records, highWatermark: result.highWatermark,
                    logStart: result.logStartOffset)
                for (destination, demand) in demands {
                    let records = demand.offset == fetchedFrom ? result.records : Self.skip(result.records, before: demand.offset)
                    deliveries.append((demand.deliver, .records(from: demand.offset, records, highWatermark: result.highWatermark, logStart: result.logStartOffset)))
                    state.demand[partition]?[destination] = nil
                }
                if state.demand[partition]?.isEmpty == true { state.demand[partition] = nil }
            }
        }
        for (deliver, delivery) in deliveries {
            deliver(delivery)
        }
        let errors = Set(results.filter { $0.value.error != .none }.map(\.value.error))
        if errors.contains(.notLeaderOrFollower) || errors.contains(.unknownTopicOrPartition) || errors.contains(.fencedLeaderEpoch) {
            source.invalidateMetadata()
        }
    }

    private func failAll(on node: Int32, error: KafkaErrorCode) {
        var deliveries: [(@Sendable (Delivery) -> Void, Delivery)] = []
        state.withLock { state in
            for (partition, route) in state.routes where route == node {
                for demand in state.demand[partition]?.values ?? [:].values {
                    deliveries.append((demand.deliver, .failed(from: demand.offset, error)))
                }
                state.demand[partition] = nil
            }
        }
        for (deliver, delivery) in deliveries { deliver(delivery) }
    }

    /// The records from the batch holding `offset` on: a slice, no copy.
    static func skip(_ records: ByteBuffer, before offset: Int64) -> ByteBuffer {
        var iterator = RecordBatchSequence(records).makeIterator()
        var start = records.readerIndex
        while let batch = try? iterator.next() {
            if batch.nextOffset > offset { break }
            start = iterator.position
        }
        return records.getSlice(at: start, length: records.writerIndex - start) ?? ByteBuffer()
    }
}
