import CausewayStore
import Foundation
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore

/// Mirrors one source partition onto one destination partition: drives a
/// `PartitionMirror` (the rules) and performs what it asks (the I/O).
///
/// Everything the worker does is started from its event loop below: the mirror's
/// actions run as child tasks that report back as events, so the mirror sees one event
/// at a time and never needs a lock. A worker that fails or diverges stops and leaves
/// its status behind; the link's other partitions carry on.
struct PartitionWorker: Sendable {
    let partition: TopicPartitionID
    let destinationName: String
    let source: KafkaClient
    let destination: KafkaClient
    let fetches: FetchCoordinator
    let produces: ProduceCoalescer
    /// The destination's share of `produce.bufferBytes`, shared with its other partitions.
    let buffer: DestinationBuffer
    let status: StatusBoard
    let startPosition: StartPosition
    let mirrorConfiguration: PartitionMirror.Configuration
    let transactions: TransactionSettings
    /// Pause and failover requests from the CLI (through the store); nil: none.
    var control: MirrorControl? = nil
    let logger: Logger

    /// How source transactions are replayed on this destination.
    struct TransactionSettings: Sendable {
        var journal: any ReplayJournal
        /// Destination transactional ids are this prefix, the partition and a slot number.
        var transactionalIDPrefix: String
        var transactionTimeout: Duration
    }

    private enum Event: Sendable {
        case fetched(FetchCoordinator.Delivery)
        case sourceBoundsRead(from: Int64, logStart: Int64, highWatermark: Int64)
        case produced(expected: Int64, Result<ProduceResult, KafkaClientError>)
        case logEndRead(Result<Int64, KafkaClientError>)
        case recordsDeleted(Result<Int64, KafkaClientError>)
        case transactionReplayed(TransactionReplay, TransactionReplayer.Outcome)
        /// `causeway pause` or `causeway failover` covers this partition: stop writing.
        case halted(TopicControl.State)
    }

    /// Mirrors until the partition fails, diverges, is halted by a control (returned) or
    /// the task is cancelled.
    @discardableResult
    func run() async -> TopicControl.State? {
        var logger = self.logger
        logger[metadataKey: "partition"] = "\(partition)"
        logger[metadataKey: "destination"] = "\(destinationName)"
        let start: StartingPoint
        switch await startingPoint(logger: logger) {
        case .mirror(let point): start = point
        case .diverged(let difference):
            logger.error("DIVERGED before mirroring resumed: \(difference)")
            status.update(destination: destinationName, partition: partition) { line in
                line.state = "DIVERGED"
                line.reason = "found at start-up: \(difference)"
            }
            return nil
        case nil: return nil
        }
        var mirror = PartitionMirror(configuration: mirrorConfiguration)
        // A replay a crash interrupted resumes once, with the destination as it was found.
        var replayResumeOffset = start.replayResumeOffset
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        var incoming = events.makeAsyncIterator()
        let controlKey = MirrorControl.WorkerKey(destination: destinationName, partition: partition)
        if let halt = control?.register(controlKey, halt: { sink.yield(.halted($0)) }) {
            reportHalted(halt)
            return halt
        }
        defer { control?.unregister(controlKey) }
        var tracker = LagTracker()
        var halted: TopicControl.State?
        await withDiscardingTaskGroup { group in
            var failures = 0
            mirror.reserveProducerIDs(start.replayProducerIDs)
            var actions = mirror.started(
                destinationLogEnd: start.replaySpanBase ?? start.destinationLogEnd, sourceLogStart: start.sourceLogStart,
                sourceHighWatermark: start.sourceHighWatermark, startPosition: start.position,
                resumingBootstrap: start.resumingBootstrap)
            publish(mirror, &tracker)
            while true {
                for action in actions {
                    perform(
                        action, failures: failures, holdingTransaction: mirror.isHoldingTransaction,
                        replayResumeOffset: &replayResumeOffset, group: &group, sink: sink, logger: logger)
                }
                if mirror.state.isFinal { break }
                guard let event = await incoming.next() else { break }
                if Task.isCancelled { break }
                if case .halted(let halt) = event {
                    // Produces already handed to the coalescer cannot be cancelled: the task
                    // group waits for their answers (a retry woken from its backoff may send
                    // once more, and is answered too). So when `run` returns and the worker
                    // unregisters, which is what the daemon's acknowledgement waits for,
                    // nothing of this mirror is in flight any more.
                    logger.info("mirror halted: \(halt.rawValue)")
                    reportHalted(halt)
                    halted = halt
                    break
                }
                (actions, failures) = handle(event, mirror: &mirror, failures: failures, group: &group, sink: sink)
                publish(mirror, &tracker)
            }
            fetches.cancel(partition, for: destinationName)
            buffer.update(partition, holds: 0)
            group.cancelAll()
        }
        return halted
    }

    // MARK: Start

    private struct StartingPoint {
        var destinationLogEnd: Int64
        var sourceLogStart: Int64
        var sourceHighWatermark: Int64
        var position: PartitionMirror.StartPosition
        var resumingBootstrap: Bool
        /// The base of a transaction span whose replay a crash interrupted: the mirror
        /// restarts there, and the replay skips what the destination already holds
        /// (up to `replayResumeOffset`, the destination log end).
        var replaySpanBase: Int64? = nil
        var replayResumeOffset: Int64? = nil
        /// The destination producer ids earlier replays used here (from the journal).
        var replayProducerIDs: Set<Int64> = []
    }

    private enum Start {
        case mirror(StartingPoint)
        /// The destination holds something the source does not: never write over it.
        case diverged(PartitionComparison.Difference)
    }

    /// The destination log end (the checkpoint, once settled) and the source's bounds,
    /// after finishing an interrupted bootstrap and checking the destination's tail
    /// against the source; retried until both clusters answer or the worker is cancelled.
    private func startingPoint(logger: Logger) async -> Start? {
        var attempt = 0
        let backoff = RetryBackoff(base: .milliseconds(200), maximum: .seconds(5))
        let checks = StartupChecks(partition: partition, source: source, destination: destination, logger: logger)
        while !Task.isCancelled {
            do {
                let destinationEnd = try await checks.settledLogEnd()
                let sourceStart = try await source.listOffsets([partition: .earliest])[partition]!.get().offset
                let sourceEnd = try await source.listOffsets([partition: .latest])[partition]!.get().offset
                let bootstrap = try await checks.finishInterruptedBootstrap(
                    destinationLogEnd: destinationEnd, sourceLogStart: sourceStart)
                if case .none(let destinationStart) = bootstrap, destinationEnd <= sourceEnd,
                    let difference = try await checks.tailDivergence(destinationLogStart: destinationStart, destinationLogEnd: destinationEnd)
                {
                    return .diverged(difference)
                }
                var position = PartitionMirror.StartPosition.earliest
                switch startPosition {
                case .earliest: position = .earliest
                case .latest: position = .latest
                case .timestamp(let milliseconds):
                    let found = try await source.listOffsets([partition: .timestamp(milliseconds)])[partition]!.get().offset
                    position = .offset(found < 0 ? sourceEnd : found)
                }
                var point = StartingPoint(
                    destinationLogEnd: destinationEnd, sourceLogStart: sourceStart, sourceHighWatermark: sourceEnd, position: position,
                    resumingBootstrap: bootstrap == .fillersIncomplete)
                let replay = try transactions.journal.checkpoint(destination: destinationName, partition: partition)
                point.replayProducerIDs = Set(replay?.slots.values.map(\.producer.producerID) ?? [])
                if let spanBase = replay?.openSpanBase, spanBase < destinationEnd {
                    logger.notice("a transaction replay from offset \(spanBase) was interrupted; resuming it (destination log end \(destinationEnd))")
                    point.replaySpanBase = spanBase
                    point.replayResumeOffset = destinationEnd
                }
                return .mirror(point)
            } catch {
                attempt += 1
                if attempt == 1 || attempt % 10 == 0 { logger.warning("cannot read partition offsets yet: \(error)") }
                status.update(destination: destinationName, partition: partition) { $0.reason = "waiting for the clusters: \(error)" }
                source.invalidateMetadata()
                destination.invalidateMetadata()
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
            }
        }
        return nil
    }

    // MARK: Events

    private func handle(
        _ event: Event, mirror: inout PartitionMirror, failures: Int, group: inout DiscardingTaskGroup,
        sink: AsyncStream<Event>.Continuation
    ) -> ([PartitionMirror.Action], Int) {
        switch event {
        case .fetched(.records(let from, let records, let highWatermark, let logStart)):
            return (mirror.fetched(from: from, records: records, sourceHighWatermark: highWatermark, sourceLogStart: logStart), 0)
        case .fetched(.failed(let from, .offsetOutOfRange)):
            // The source deleted what we were about to copy: ask for its bounds now.
            group.addTask {
                let bounds = try? await (
                    source.listOffsets([partition: .earliest])[partition]!.get().offset,
                    source.listOffsets([partition: .latest])[partition]!.get().offset)
                if let bounds {
                    sink.yield(.sourceBoundsRead(from: from, logStart: bounds.0, highWatermark: bounds.1))
                } else {
                    sink.yield(.fetched(.failed(from: from, .networkException)))
                }
            }
            return ([], failures)
        case .fetched(.failed(let from, let error)):
            return (mirror.fetchFailed(from: from, error: error), failures + 1)
        case .sourceBoundsRead(let from, let logStart, let highWatermark):
            return (mirror.sourceOffsetOutOfRange(from: from, sourceLogStart: logStart, sourceHighWatermark: highWatermark), failures)
        case .produced(let expected, .success(let result)):
            if result.error == .none {
                return (mirror.produceAcknowledged(expectedBaseOffset: expected, assignedBaseOffset: result.baseOffset), 0)
            }
            return (mirror.produceFailed(expectedBaseOffset: expected, error: result.error), failures + 1)
        case .produced(let expected, .failure(let error)):
            return (mirror.produceFailed(expectedBaseOffset: expected, error: Self.code(of: error)), failures + 1)
        case .logEndRead(.success(let logEnd)):
            return (mirror.destinationLogEndRead(logEnd), failures)
        case .logEndRead(.failure):
            // Ask again after a pause: the mirror cannot go on without knowing.
            return ([.readDestinationLogEnd], failures + 1)
        case .recordsDeleted(.success(let lowWatermark)):
            return (mirror.deleteRecordsCompleted(lowWatermark: lowWatermark), failures)
        case .recordsDeleted(.failure(let error)):
            return (mirror.deleteRecordsFailed(error: Self.code(of: error)), failures + 1)
        case .transactionReplayed(_, .replayed(let logEnd, let producerIDs)):
            mirror.reserveProducerIDs(producerIDs)
            return (mirror.transactionReplayed(destinationLogEnd: logEnd), 0)
        case .transactionReplayed(_, .diverged(let divergence)):
            return (mirror.transactionReplayDiverged(divergence), failures)
        case .transactionReplayed(_, .failed(let reason, retriable: false)):
            return (mirror.transactionReplayFailed(reason: reason), failures)
        case .transactionReplayed(let span, .failed(let reason, retriable: true)):
            // Resume the same span after a pause, from wherever the destination got to.
            status.update(destination: destinationName, partition: partition) { $0.reason = "retrying a transaction replay: \(reason)" }
            let delay = RetryBackoff(base: .milliseconds(200), maximum: .seconds(5)).delay(attempt: failures + 1)
            group.addTask {
                try? await Task.sleep(for: delay)
                let checks = StartupChecks(partition: partition, source: source, destination: destination, logger: logger)
                guard let logEnd = try? await checks.settledLogEnd() else {
                    sink.yield(.transactionReplayed(span, .failed(reason, retriable: true)))
                    return
                }
                sink.yield(.transactionReplayed(span, await replayer.replay(span, writtenUpTo: logEnd)))
            }
            return ([], failures + 1)
        case .halted:
            return ([], failures)  // handled by the event loop, which stops
        }
    }

    // MARK: Actions

    private func perform(
        _ action: PartitionMirror.Action, failures: Int, holdingTransaction: Bool, replayResumeOffset: inout Int64?,
        group: inout DiscardingTaskGroup,
        sink: AsyncStream<Event>.Continuation, logger: Logger
    ) {
        let delay = failures == 0 ? Duration.zero : RetryBackoff(base: .milliseconds(100), maximum: .seconds(5)).delay(attempt: failures)
        switch action {
        case .fetch(let offset), .waitForHighWatermark(let offset):
            let caughtUp = if case .waitForHighWatermark = action { true } else { false }
            group.addTask {
                if delay > .zero { try? await Task.sleep(for: delay) }
                if !caughtUp { await buffer.admit(holdingTransaction: holdingTransaction) }
                await fetches.request(partition, for: destinationName, from: offset, caughtUp: caughtUp) { delivery in
                    sink.yield(.fetched(delivery))
                }
            }
        case .produce(let plan):
            group.addTask {
                if delay > .zero { try? await Task.sleep(for: delay) }
                sink.yield(.produced(expected: plan.baseOffset, await produce(plan)))
            }
        case .readDestinationLogEnd:
            group.addTask {
                if delay > .zero { try? await Task.sleep(for: delay) }
                do {
                    // After a failed Produce the request may still land: wait for the log
                    // end to settle before the mirror decides what to resend.
                    let checks = StartupChecks(partition: partition, source: source, destination: destination, logger: logger)
                    let logEnd = try await checks.settledLogEnd()
                    sink.yield(.logEndRead(.success(logEnd)))
                } catch let error as KafkaClientError {
                    sink.yield(.logEndRead(.failure(error)))
                } catch {
                    sink.yield(.logEndRead(.failure(KafkaClientError(.connectionFailed("\(error)")))))
                }
            }
        case .deleteRecords(let offset):
            group.addTask {
                if delay > .zero { try? await Task.sleep(for: delay) }
                do {
                    let low = try await destination.deleteRecords(before: [partition: offset])[partition]!.get()
                    sink.yield(.recordsDeleted(.success(low)))
                } catch let error as KafkaClientError {
                    sink.yield(.recordsDeleted(.failure(error)))
                } catch {
                    sink.yield(.recordsDeleted(.failure(KafkaClientError(.connectionFailed("\(error)")))))
                }
            }
        case .replayTransaction(let span):
            let writtenUpTo = replayResumeOffset ?? span.baseOffset
            replayResumeOffset = nil
            group.addTask {
                sink.yield(.transactionReplayed(span, await replayer.replay(span, writtenUpTo: writtenUpTo)))
            }
        case .reportDiverged(let divergence):
            logger.error("DIVERGED: \(divergence)")
            status.update(destination: destinationName, partition: partition) { $0.reason = "\(divergence)" }
        case .reportFailed(let failure):
            logger.error("FAILED: \(failure)")
            status.update(destination: destinationName, partition: partition) { $0.reason = "\(failure)" }
        case .reportSourceDataLoss(let from, let to):
            logger.error("source deleted offsets \(from)..<\(to) before they were copied; they are filled on the destination")
        }
    }

    /// Replays transaction spans through the same produce path as every other plan.
    private var replayer: TransactionReplayer {
        TransactionReplayer(
            partition: partition, destinationName: destinationName, destination: destination, journal: transactions.journal,
            transactionalIDPrefix: transactions.transactionalIDPrefix, transactionTimeout: transactions.transactionTimeout,
            produce: { plan in await produce(plan) },
            settledLogEnd: {
                try await StartupChecks(partition: partition, source: source, destination: destination, logger: logger).settledLogEnd()
            },
            logger: logger)
    }

    /// Sends one planned batch with its base offset zeroed (KAFKA-RULES 2), through the
    /// destination's coalescer (several partitions per request under load). Zeroing
    /// touches bytes 0..7 only, outside the CRC.
    private func produce(_ plan: BatchPlan) async -> Result<ProduceResult, KafkaClientError> {
        var bytes = plan.batch.bytes
        bytes.setRecordBatchBaseOffset(0, at: bytes.readerIndex)
        do {
            let leader = try await destination.leader(of: partition)
            return await produces.produce(bytes, to: partition, on: leader)
        } catch let error as KafkaClientError {
            return .failure(error)
        } catch {
            return .failure(KafkaClientError(.connectionFailed("\(error)")))
        }
    }

    private static func code(of error: KafkaClientError) -> KafkaErrorCode {
        switch error.kind {
        case .broker(let code): return code
        case .timedOut: return .requestTimedOut
        // TLS and SASL failures are retried like a lost connection: credentials get fixed.
        case .connectionFailed, .noBrokerAvailable, .closed, .securityFailed: return .networkException
        case .unsupportedVersion: return .unsupportedVersion
        case .protocolViolation: return .unknownServerError
        }
    }

    // MARK: Status

    private func reportHalted(_ halt: TopicControl.State) {
        status.update(destination: destinationName, partition: partition) { line in
            switch halt {
            case .paused:
                line.state = "PAUSED"
                line.reason = "paused by `causeway pause`"
            case .failedOver:
                line.state = "STOPPED"
                line.reason = "failed over: the destination is the primary"
            }
        }
    }

    private func publish(_ mirror: PartitionMirror, _ tracker: inout LagTracker) {
        let lag = mirror.lag
        let seconds = tracker.update(lagRecords: lag.records)
        buffer.update(partition, holds: lag.bytes)
        status.update(destination: destinationName, partition: partition) { line in
            line.state = mirror.state.statusName
            switch mirror.state {
            case .failed, .diverged: break  // the reason was set when it was reported
            default: line.reason = nil
            }
            line.fidelity = "\(mirror.fidelity)"
            line.sourceHighWatermark = mirror.sourceHighWatermark
            line.destinationLogEnd = mirror.destinationLogEnd
            line.lagRecords = lag.records
            line.lagBytes = lag.bytes
            line.lagSeconds = seconds
            line.offsetsWritten = mirror.counters.offsetsWritten
            line.fillerRecords = mirror.counters.fillerRecords
        }
    }
}

/// How long a partition has been behind: seconds since it last had no lag.
struct LagTracker {
    private var caughtUpAt = ContinuousClock.now

    mutating func update(lagRecords: Int64) -> Double {
        let now = ContinuousClock.now
        if lagRecords <= 0 {
            caughtUpAt = now
            return 0
        }
        let (seconds, attoseconds) = caughtUpAt.duration(to: now).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension PartitionMirror.State {
    /// The name `causeway status` prints.
    var statusName: String {
        switch self {
        case .idle: "STARTING"
        case .bootstrapping: "BOOTSTRAPPING"
        case .mirroring: "MIRRORING"
        case .paused: "PAUSED"
        case .failed: "FAILED"
        case .diverged: "DIVERGED"
        case .stopped: "STOPPED"
        }
    }

    /// The mirror will do nothing more.
    var isFinal: Bool {
        switch self {
        case .failed, .diverged, .stopped: true
        case .idle, .bootstrapping, .mirroring, .paused: false
        }
    }
}
