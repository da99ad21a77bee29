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
    let status: StatusBoard
    let startPosition: StartPosition
    let mirrorConfiguration: PartitionMirror.Configuration
    let logger: Logger

    private enum Event: Sendable {
        case fetched(FetchCoordinator.Delivery)
        case sourceBoundsRead(from: Int64, logStart: Int64, highWatermark: Int64)
        case produced(expected: Int64, Result<ProduceResult, KafkaClientError>)
        case logEndRead(Result<Int64, KafkaClientError>)
        case recordsDeleted(Result<Int64, KafkaClientError>)
        case transactionReplayFailed(String)
    }

    func run() async {
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
            return
        case nil: return
        }
        var mirror = PartitionMirror(configuration: mirrorConfiguration)
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        var incoming = events.makeAsyncIterator()
        var tracker = LagTracker()
        await withDiscardingTaskGroup { group in
            var failures = 0
            var actions = mirror.started(
                destinationLogEnd: start.destinationLogEnd, sourceLogStart: start.sourceLogStart,
                sourceHighWatermark: start.sourceHighWatermark, startPosition: start.position,
                resumingBootstrap: start.resumingBootstrap)
            publish(mirror, &tracker)
            while true {
                for action in actions {
                    perform(action, failures: failures, group: &group, sink: sink, logger: logger)
                }
                if mirror.state.isFinal { break }
                guard let event = await incoming.next() else { break }
                if Task.isCancelled { break }
                (actions, failures) = handle(event, mirror: &mirror, failures: failures, group: &group, sink: sink)
                publish(mirror, &tracker)
            }
            fetches.cancel(partition, for: destinationName)
            group.cancelAll()
        }
    }

    // MARK: Start

    private struct StartingPoint {
        var destinationLogEnd: Int64
        var sourceLogStart: Int64
        var sourceHighWatermark: Int64
        var position: PartitionMirror.StartPosition
        var resumingBootstrap: Bool
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
                return .mirror(StartingPoint(
                    destinationLogEnd: destinationEnd, sourceLogStart: sourceStart, sourceHighWatermark: sourceEnd, position: position,
                    resumingBootstrap: bootstrap == .fillersIncomplete))
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
        case .transactionReplayFailed(let reason):
            return (mirror.transactionReplayFailed(reason: reason), failures)
        }
    }

    // MARK: Actions

    private func perform(
        _ action: PartitionMirror.Action, failures: Int, group: inout DiscardingTaskGroup,
        sink: AsyncStream<Event>.Continuation, logger: Logger
    ) {
        let delay = failures == 0 ? Duration.zero : RetryBackoff(base: .milliseconds(100), maximum: .seconds(5)).delay(attempt: failures)
        switch action {
        case .fetch(let offset), .waitForHighWatermark(let offset):
            let caughtUp = if case .waitForHighWatermark = action { true } else { false }
            group.addTask {
                if delay > .zero { try? await Task.sleep(for: delay) }
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
        case .replayTransaction(let replay):
            // Source transactions are replayed in a transaction of Causeway's own
            // (DESIGN.md); until that lands, the partition stops here, saying why.
            sink.yield(.transactionReplayFailed(
                "the source partition holds transactional data (\(replay)); replaying source transactions is not implemented yet"))
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

    private func publish(_ mirror: PartitionMirror, _ tracker: inout LagTracker) {
        let lag = mirror.lag
        let seconds = tracker.update(lagRecords: lag.records)
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
