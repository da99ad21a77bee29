import KafkaClient
import KafkaProtocol
import Logging
import NIOCore

/// Writes a source transaction span onto the destination partition inside transactions
/// of Causeway's own, so that every offset, record and commit/abort outcome matches
/// the source (DESIGN.md, "Transactions need care").
///
/// Each transaction open at once in the span gets a slot; slot k is served by one
/// destination transactional id per partition (`transactionalID(slot:)`), kept across
/// spans and restarts. The walk is strictly sequential: a plan is written only when the
/// one before it is acknowledged, and a marker is placed by ending the destination
/// transaction exactly when the destination log end is at the marker's offset, then
/// waiting until the coordinator's marker occupies it (markers are written after EndTxn
/// answers, KAFKA-RULES "Transactions").
///
/// The journal is written before the first batch of a span, so a crash in the middle
/// is resumed by the next run: it rebuilds the same span from the source, skips what
/// the destination already holds and continues the same destination transactions.
struct TransactionReplayer: Sendable {
    let partition: TopicPartitionID
    let destinationName: String
    let destination: KafkaClient
    let journal: any ReplayJournal
    let transactionalIDPrefix: String
    let transactionTimeout: Duration
    /// Sends a plan that is not transactional (fillers, other producers' batches) the way
    /// the worker sends every other plan.
    let produce: @Sendable (BatchPlan) async -> Result<ProduceResult, KafkaClientError>
    let settledLogEnd: @Sendable () async throws -> Int64
    let logger: Logger

    enum Outcome: Sendable {
        /// The span is written; the destination log end after it.
        case replayed(destinationLogEnd: Int64, producerIDs: Set<Int64>)
        case diverged(Divergence)
        /// `retriable`: the destination was unreachable or busy; the same span can be
        /// resumed later from the destination's log end.
        case failed(String, retriable: Bool)
    }

    /// The destination transactional id of `slot` on this partition.
    func transactionalID(slot: Int) -> String {
        "\(transactionalIDPrefix)-\(partition.topic)-\(partition.partition)-\(slot)"
    }

    /// Replays `span`. `writtenUpTo` is the destination log end when a crashed replay of
    /// the same span is resumed (offsets below it are already there), else the span's base.
    func replay(_ span: TransactionReplay, writtenUpTo: Int64) async -> Outcome {
        do {
            var walk = try await prepare(span, writtenUpTo: writtenUpTo)
            for plan in span.plans {
                if let outcome = try await write(plan, walk: &walk) { return outcome }
            }
            var finished = walk.checkpoint
            finished.openSpanBase = nil
            for (slot, state) in walk.slots { finished.slots[slot] = .init(producer: state.producer, nextSequence: state.nextSequence) }
            try journal.save(finished, destination: destinationName, partition: partition)
            return .replayed(destinationLogEnd: span.nextOffset, producerIDs: Set(walk.slots.values.map(\.producer.producerID)))
        } catch let error as ReplayStop {
            return error.outcome
        } catch let error as KafkaClientError {
            return .failed("transaction replay at offset \(span.baseOffset): \(error)", retriable: error.isRetriable)
        } catch {
            return .failed("transaction replay at offset \(span.baseOffset): \(error)", retriable: false)
        }
    }

    // MARK: Preparing

    /// What the walk knows about one destination producer.
    private struct SlotState {
        var producer: TransactionalProducer
        var nextSequence: Int32
        /// A destination transaction of this slot is open (partition added).
        var inTransaction = false
    }

    private struct Walk {
        var checkpoint: ReplayCheckpoint
        var slots: [Int: SlotState] = [:]
        /// Which slot each open source transaction (by source producer id) uses.
        var slotOfSource: [Int64: Int] = [:]
        /// Offsets below this are on the destination already (a resumed replay).
        var writtenUpTo: Int64
    }

    private struct ReplayStop: Error {
        var outcome: Outcome
    }

    /// Gives every slot the span needs a producer (reusing the journal's, or a new one
    /// from InitProducerId) and records the span as open before anything is written.
    private func prepare(_ span: TransactionReplay, writtenUpTo: Int64) async throws -> Walk {
        var checkpoint = try journal.checkpoint(destination: destinationName, partition: partition) ?? ReplayCheckpoint()
        let resuming = checkpoint.openSpanBase == span.baseOffset && writtenUpTo > span.baseOffset
        if !resuming && writtenUpTo != span.baseOffset {
            throw ReplayStop(outcome: .diverged(Divergence(
                offset: min(writtenUpTo, span.baseOffset),
                reason: .transactionReplay(expected: span.baseOffset, found: writtenUpTo))))
        }
        for slot in 0..<Self.slotsNeeded(by: span) where checkpoint.slots[slot] == nil {
            if resuming {
                // The span was begun with fewer producers than it needs: the journal
                // does not belong to this span.
                throw ReplayStop(outcome: .failed("the replay checkpoint of \(partition) has no producer for slot \(slot)", retriable: false))
            }
            let producer = try await destination.initTransactionalProducer(
                transactionalID: transactionalID(slot: slot), transactionTimeout: transactionTimeout)
            checkpoint.slots[slot] = .init(producer: producer, nextSequence: 0)
        }
        if !resuming { try await avoidForeignProducerIDs(&checkpoint) }
        checkpoint.openSpanBase = span.baseOffset
        try journal.save(checkpoint, destination: destinationName, partition: partition)
        logger.debug(
            "replaying the transaction span [\(span.baseOffset), \(span.nextOffset)) with \(checkpoint.slots.count) destination producer(s)\(resuming ? ", resuming at \(writtenUpTo)" : "")")
        var walk = Walk(checkpoint: checkpoint, writtenUpTo: resuming ? writtenUpTo : span.baseOffset)
        for (slot, saved) in checkpoint.slots {
            walk.slots[slot] = SlotState(producer: saved.producer, nextSequence: saved.nextSequence)
        }
        if resuming {
            logger.notice("resuming the replay of the transaction span at \(span.baseOffset): the destination holds up to \(writtenUpTo)")
            try await checkResumable(span, walk: walk)
        }
        return walk
    }

    /// Replaces any slot producer whose id the destination partition already knows from
    /// someone else.
    ///
    /// The source's idempotent batches pass through with their producer ids, and the
    /// destination's coordinator hands out ids from its own counter, so the two can meet:
    /// a replay producer whose id the partition holds state for (with the source's
    /// epoch and sequences) would have its batches refused, or worse, taken for
    /// duplicates. Such a producer is registered again under a new transactional id,
    /// which gets a new producer id. (The opposite order, a source producer id that
    /// equals a replay producer's, is handled by the mirror stripping that source
    /// producer's batches: `PartitionMirror.reserveProducerIDs`.)
    private func avoidForeignProducerIDs(_ checkpoint: inout ReplayCheckpoint) async throws {
        let known: [ActiveProducer]
        do {
            known = try await destination.activeProducers(of: partition)
        } catch let error as KafkaClientError {
            if case .unsupportedVersion = error.kind { return }  // before Kafka 2.8: cannot tell
            throw error
        }
        for slot in checkpoint.slots.keys.sorted() {
            var attempts = 0
            while let saved = checkpoint.slots[slot], let entry = known.first(where: { $0.producerID == saved.producer.producerID }),
                !Self.isOurs(entry, saved)
            {
                attempts += 1
                guard attempts <= 5 else {
                    throw ReplayStop(outcome: .failed(
                        "the destination keeps handing out producer ids \(partition) already holds state for", retriable: false))
                }
                let transactionalID = "\(transactionalID(slot: slot))-\(saved.producer.producerID)"
                logger.notice(
                    "destination producer id \(saved.producer.producerID) is in use on \(partition) by a mirrored producer; replaying with \(transactionalID) instead")
                let producer = try await destination.initTransactionalProducer(
                    transactionalID: transactionalID, transactionTimeout: transactionTimeout)
                checkpoint.slots[slot] = .init(producer: producer, nextSequence: 0)
            }
        }
    }

    /// Whether the partition's state for a producer id is what our own replays left.
    static func isOurs(_ entry: ActiveProducer, _ slot: ReplayCheckpoint.Slot) -> Bool {
        guard slot.nextSequence > 0, entry.epoch == Int32(slot.producer.epoch) else { return false }
        return entry.lastSequence == MirrorBatchClassifier.sequence(slot.nextSequence, plus: -1)
    }

    /// The most transactions the span has open at once: the number of slots it needs.
    static func slotsNeeded(by span: TransactionReplay) -> Int {
        var open: Set<Int64> = []
        var most = 0
        for plan in span.plans {
            switch plan.kind {
            case .transactionalData(let data):
                open.insert(data.producer.producerId)
                most = max(most, open.count)
            case .transactionMarker(let marker):
                open.remove(marker.producer.producerId)
            case .passthrough, .rewritten, .fillers:
                break
            }
        }
        return most
    }

    /// A resumed span is only resumable while the destination still has our
    /// transaction open: if its coordinator aborted it (the outage outlasted the
    /// transaction timeout), the destination holds aborted records and an ABORT marker
    /// where the source has other data, and no write can repair that.
    private func checkResumable(_ span: TransactionReplay, walk: Walk) async throws {
        // The crash may have come after the last marker and before the journal said so:
        // then everything is there and the walk only catches up with it.
        guard walk.writtenUpTo == span.nextOffset || span.plans.contains(where: { $0.baseOffset == walk.writtenUpTo }) else {
            throw ReplayStop(outcome: .diverged(Divergence(
                offset: walk.writtenUpTo, reason: .transactionReplay(expected: span.nextOffset, found: walk.writtenUpTo))))
        }
        let openSince = Self.firstOpenOffset(in: span, below: walk.writtenUpTo)
        guard let openSince else { return }
        let lastStable = try await destination.listOffsets([partition: .latest], readCommitted: true)[partition]!.get().offset
        if lastStable > openSince {
            throw ReplayStop(outcome: .diverged(Divergence(offset: openSince, reason: .replayTransactionAborted)))
        }
    }

    /// The first offset of a transaction that has data below `offset` and no marker below it.
    static func firstOpenOffset(in span: TransactionReplay, below offset: Int64) -> Int64? {
        var firstData: [Int64: Int64] = [:]
        for plan in span.plans where plan.nextOffset <= offset {
            switch plan.kind {
            case .transactionalData(let data):
                if firstData[data.producer.producerId] == nil { firstData[data.producer.producerId] = plan.baseOffset }
            case .transactionMarker(let marker):
                firstData[marker.producer.producerId] = nil
            case .passthrough, .rewritten, .fillers:
                break
            }
        }
        return firstData.values.min()
    }

    // MARK: Writing

    /// Writes (or, below `writtenUpTo`, accounts for) one plan; a non-nil outcome ends the replay.
    private func write(_ plan: BatchPlan, walk: inout Walk) async throws -> Outcome? {
        let alreadyWritten = plan.nextOffset <= walk.writtenUpTo
        switch plan.kind {
        case .transactionalData(let data):
            let slot = walk.slotOfSource[data.producer.producerId] ?? Self.freeSlot(walk)
            walk.slotOfSource[data.producer.producerId] = slot
            guard var state = walk.slots[slot] else {
                return .failed("no destination producer for slot \(slot) at offset \(plan.baseOffset)", retriable: false)
            }
            if !state.inTransaction {
                if !alreadyWritten { try await beginTransaction(&state, slot: slot, walk: &walk) }
                state.inTransaction = true
            }
            if !alreadyWritten {
                var batch = plan.batch
                batch.setHeader(
                    producerId: state.producer.producerID, producerEpoch: state.producer.epoch, baseSequence: state.nextSequence)
                batch.setBaseOffset(0)
                let (bytes, producer) = (batch.bytes, state.producer)
                let outcome = try await send(plan) {
                    await Self.result { try await destination.produceTransactional(bytes, to: partition, producer: producer) }
                }
                if let outcome { return outcome }
            }
            state.nextSequence = MirrorBatchClassifier.sequence(state.nextSequence, plus: plan.offsetCount)
            walk.slots[slot] = state
        case .transactionMarker(let marker):
            guard let slot = walk.slotOfSource.removeValue(forKey: marker.producer.producerId), var state = walk.slots[slot] else {
                return .failed("a marker at offset \(plan.baseOffset) ends no transaction of the span", retriable: false)
            }
            if !alreadyWritten {
                try await destination.endTransaction(state.producer, commit: marker.type == .commit)
                if let outcome = try await waitForMarker(at: plan.baseOffset) { return outcome }
            }
            state.inTransaction = false
            walk.slots[slot] = state
        case .passthrough, .rewritten, .fillers:
            // A source producer whose id one of our replay producers holds here must not
            // write under it: its batch goes without producer fields.
            let ours = Set(walk.slots.values.map(\.producer.producerID))
            let plan = plan.sequencedProducer.map { ours.contains($0.producerId) } == true
                ? MirrorBatchClassifier().strippingProducer(plan) : plan
            if !alreadyWritten, let outcome = try await send(plan, { await produce(plan) }) { return outcome }
        }
        return nil
    }

    /// Adds the partition to a new destination transaction of the slot's producer. A
    /// producer kept from an earlier run may have been fenced or forgotten by the
    /// coordinator since (transaction timeout, transactional.id.expiration.ms): with no
    /// transaction of ours open there is nothing to lose, so it is registered again.
    private func beginTransaction(_ state: inout SlotState, slot: Int, walk: inout Walk) async throws {
        do {
            try await destination.addPartitionsToTransaction([partition], producer: state.producer)
        } catch let error as KafkaClientError where Self.isStaleProducer(error) {
            logger.notice("destination producer \(state.producer.transactionalID) is no longer valid (\(error)); registering it again")
            state.producer = try await destination.initTransactionalProducer(
                transactionalID: state.producer.transactionalID, transactionTimeout: transactionTimeout)
            state.nextSequence = 0
            // Every other slot keeps its span-start sequence: only this one restarts.
            walk.checkpoint.slots[slot] = .init(producer: state.producer, nextSequence: 0)
            try journal.save(walk.checkpoint, destination: destinationName, partition: partition)
            try await destination.addPartitionsToTransaction([partition], producer: state.producer)
        }
    }

    static func isStaleProducer(_ error: KafkaClientError) -> Bool {
        guard case .broker(let code) = error.kind else { return false }
        return code == .producerFenced || code == .invalidProducerEpoch || code == .invalidProducerIdMapping
    }

    /// The lowest slot no open source transaction uses.
    private static func freeSlot(_ walk: Walk) -> Int {
        let used = Set(walk.slotOfSource.values)
        return (0...).first { !used.contains($0) }!
    }

    /// Sends a plan until it is acknowledged at its offset. After a failed attempt the
    /// settled log end tells whether it landed (it may have, with the answer lost): the
    /// batch is resent only while the log end is still at the plan's base offset.
    private func send(
        _ plan: BatchPlan, _ attempt: @Sendable () async -> Result<ProduceResult, KafkaClientError>
    ) async throws -> Outcome? {
        let backoff = RetryBackoff(base: .milliseconds(100), maximum: .seconds(5))
        var failures = 0
        while !Task.isCancelled {
            let failure: String
            switch await attempt() {
            case .success(let result) where result.error == .none:
                logger.trace("replayed offset \(plan.baseOffset) (\(plan.kind)): assigned \(result.baseOffset)")
                if result.baseOffset == plan.baseOffset { return nil }
                return .diverged(Divergence(
                    offset: min(plan.baseOffset, result.baseOffset),
                    reason: .unexpectedBaseOffset(expected: plan.baseOffset, assigned: result.baseOffset)))
            case .success(let result):
                guard result.error.isRetriable else {
                    return .failed("Produce of offset \(plan.baseOffset) in a replayed transaction: \(result.error)", retriable: false)
                }
                failure = "\(result.error)"
            case .failure(let error):
                guard error.isRetriable else {
                    return .failed("Produce of offset \(plan.baseOffset) in a replayed transaction: \(error)", retriable: false)
                }
                failure = "\(error)"
            }
            failures += 1
            if failures == 1 || failures % 10 == 0 {
                logger.warning("replayed batch at offset \(plan.baseOffset) not acknowledged (\(failure)); checking the destination")
            }
            try await Task.sleep(for: backoff.delay(attempt: failures))
            let logEnd = try await settledLogEnd()
            if logEnd == plan.nextOffset { return nil }
            if logEnd != plan.baseOffset {
                return .diverged(Divergence(
                    offset: min(plan.baseOffset, logEnd), reason: .unexpectedLogEnd(acknowledged: plan.baseOffset, found: logEnd)))
            }
        }
        throw CancellationError()
    }

    /// How long a marker may take to appear after EndTxn answered.
    static let markerDeadline: Duration = .seconds(60)

    /// Polls the destination log end until the coordinator's marker sits at `offset`.
    private func waitForMarker(at offset: Int64) async throws -> Outcome? {
        let deadline = ContinuousClock.now.advanced(by: Self.markerDeadline)
        var pause: Duration = .milliseconds(1)
        while ContinuousClock.now < deadline {
            let logEnd = try await destination.retrying {
                try await destination.listOffsets([partition: .latest])[partition]!.get().offset
            }
            if logEnd == offset + 1 { return nil }
            if logEnd > offset + 1 || logEnd < offset {
                return .diverged(Divergence(offset: offset, reason: .transactionReplay(expected: offset + 1, found: logEnd)))
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
        return .failed("the destination's coordinator did not write the marker at offset \(offset) within \(Self.markerDeadline)", retriable: true)
    }

    private static func result(
        _ call: () async throws -> ProduceResult
    ) async -> Result<ProduceResult, KafkaClientError> {
        do {
            return .success(try await call())
        } catch let error as KafkaClientError {
            return .failure(error)
        } catch {
            return .failure(KafkaClientError(.connectionFailed("\(error)")))
        }
    }
}
