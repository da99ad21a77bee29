import KafkaProtocol
import NIOCore

/// The mirror of one source partition onto one destination partition, as a state
/// machine: events in, actions out, no I/O (STYLE rule 3). The engine performs the
/// actions (fetch, produce, ListOffsets, DeleteRecords) and reports their outcomes.
///
/// The invariant it keeps is DESIGN.md's: the destination log end equals the source
/// offset of the next batch to send, so every batch lands at its source offset and the
/// destination log end *is* the checkpoint.
///
/// How the engine drives it:
/// 1. Read the destination log end (ListOffsets latest) and the source log start and
///    high watermark (ListOffsets earliest/latest); call `started(...)`.
/// 2. Perform every returned action; report each outcome with the matching event and
///    perform what that returns. Actions of one call are independent.
/// 3. `pause()`, `resume()`, `stop()` on the operator's word. After `stop()`, or once
///    the state is failed or diverged, drop the mirror: every event returns nothing.
///
/// Offsets it tracks (`destinationLogEnd` <= planned <= `fetchPosition`):
/// - `destinationLogEnd`: acknowledged by the destination; the checkpoint.
/// - `entries`: plans fetched but not acknowledged, contiguous from `destinationLogEnd`;
///   queued, in flight, or failed.
/// - `openSpan`: a transaction span still waiting for a marker, right after `entries`.
/// - `fetchPosition`: the next source offset needed, the end of all of the above.
///
/// Produce errors: a batch without a producer id has no duplicate protection, so after
/// any retriable failure (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, a lost connection)
/// the mirror waits for every Produce in flight to finish, asks for the destination log
/// end, counts as written the batches the log end covers, and resends only the rest.
public struct PartitionMirror: Sendable {
    public let configuration: Configuration
    public let classifier: MirrorBatchClassifier

    /// The destination log end as acknowledged: the checkpoint.
    public private(set) var destinationLogEnd: Int64 = 0
    /// The source high watermark as last reported.
    public private(set) var sourceHighWatermark: Int64 = 0
    /// The source log start as last reported.
    public private(set) var sourceLogStart: Int64 = 0
    /// The worst fidelity of what has been written so far.
    public private(set) var fidelity: Fidelity = .exact
    public private(set) var counters = MirrorCounters()

    private var phase: Phase = .idle
    private var entries: [Entry] = []  // a handful: bounded by maxBufferedBytes
    private var openSpan: TransactionReplay?
    private var fetchPosition: Int64 = 0
    /// The offset of the fetch in flight, if any: responses for another offset are stale.
    private var fetchInFlight: Int64?
    /// Offsets missing at the front of the next fetch and why: set by the bootstrap (a
    /// start position above the destination log end) and by source retention loss. While
    /// set, the mirror fetches from `until` rather than from `fetchPosition`.
    private var frontGap: FrontGap?
    /// DeleteRecords still to do (bootstrap), and whether it is in flight.
    private var deleteRecordsBefore: Int64?
    private var deleteRecordsInFlight = false
    /// A Produce failed: resend only after every one in flight is answered and the
    /// destination log end has been read.
    private var recovery: Recovery = .none
    /// Producers whose sequences the destination refused: their batches are sent without
    /// producer fields from then on (`MirrorBatchClassifier.strippingProducer`).
    private var strippedProducers: Set<ProducerKey> = []
    private var reservedProducerIDs: Set<Int64> = []
    /// The last sequenced batch the destination acknowledged: pipelining follows on from it.
    private var lastAcknowledgedSequence: (producer: ProducerKey, lastSequence: Int32)?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.classifier = MirrorBatchClassifier(maxDecompressedSize: configuration.maxDecompressedBatchSize)
    }

    // MARK: Observed state

    public var state: State {
        switch phase {
        case .idle: .idle
        case .running: deleteRecordsBefore.map { .bootstrapping(logStart: $0) } ?? .mirroring
        case .paused: .paused
        case .failed(let failure): .failed(failure)
        case .diverged(let divergence): .diverged(divergence)
        case .stopped: .stopped
        }
    }

    /// Producer ids Causeway's own replay producers use on this destination partition:
    /// a source batch under one of them is sent without producer fields, or the
    /// destination would take it for a batch of ours (see `TransactionReplayer`).
    public mutating func reserveProducerIDs(_ ids: Set<Int64>) {
        reservedProducerIDs.formUnion(ids)
        applyStrippedProducers()
    }

    /// Whether a source transaction is being gathered (its marker not fetched yet).
    public var isHoldingTransaction: Bool { openSpan != nil }

    /// Records and bytes the destination is behind the source.
    public var lag: MirrorLag {
        MirrorLag(records: max(0, sourceHighWatermark - destinationLogEnd), bytes: bufferedBytes)
    }

    /// The next source offset the mirror will fetch.
    public var nextFetchOffset: Int64 { frontGap?.until ?? fetchPosition }

    // MARK: Events

    /// Mirroring begins (or resumes after a restart).
    ///
    /// - Parameters:
    ///   - destinationLogEnd: ListOffsets latest on the destination: the checkpoint.
    ///   - sourceLogStart: ListOffsets earliest on the source.
    ///   - sourceHighWatermark: ListOffsets latest on the source.
    ///   - startPosition: where to begin when the destination is empty (log end 0).
    ///   - resumingBootstrap: the destination holds only the bootstrap fillers of an
    ///     earlier run that stopped before reaching the start position: carry the
    ///     bootstrap on from its log end (more fillers, then DeleteRecords).
    public mutating func started(
        destinationLogEnd: Int64, sourceLogStart: Int64, sourceHighWatermark: Int64,
        startPosition: StartPosition = .earliest, resumingBootstrap: Bool = false
    ) -> [Action] {
        guard case .idle = phase else { return [] }
        phase = .running
        self.destinationLogEnd = destinationLogEnd
        self.sourceLogStart = sourceLogStart
        self.sourceHighWatermark = sourceHighWatermark
        fetchPosition = destinationLogEnd

        if destinationLogEnd > sourceHighWatermark {
            return diverge(
                Divergence(
                    offset: sourceHighWatermark,
                    reason: .destinationAheadOfSource(
                        destinationLogEnd: destinationLogEnd, sourceHighWatermark: sourceHighWatermark)))
        }
        if destinationLogEnd == 0 || resumingBootstrap {
            let start: Int64 =
                switch startPosition {
                case .earliest: sourceLogStart
                case .latest: sourceHighWatermark
                case .offset(let offset): min(max(offset, sourceLogStart), sourceHighWatermark)
                }
            if start > destinationLogEnd {
                // Bootstrap: fillers below `start`, then DeleteRecords(start).
                deleteRecordsBefore = start
                frontGap = FrontGap(until: start, reason: .bootstrap)
                if start >= sourceHighWatermark {
                    // Nothing to fetch that would tell where the first batch starts.
                    var actions: [Action] = []
                    closeFrontGap(at: start, actions: &actions)
                    return actions + pump()
                }
            }
        } else if destinationLogEnd < sourceLogStart {
            // Resumed after the source deleted offsets not yet copied.
            if let failure = retentionLoss(from: destinationLogEnd, to: sourceLogStart) { return failure }
        }
        return pump()
    }

    /// A Fetch response for the partition.
    ///
    /// - Parameters:
    ///   - offset: the offset the fetch asked for (from the `.fetch` action).
    ///   - records: the partition's records field, as received (not copied).
    public mutating func fetched(
        from offset: Int64, records: ByteBuffer, sourceHighWatermark: Int64, sourceLogStart: Int64
    ) -> [Action] {
        guard phase.isActive, fetchInFlight == offset else { return [] }
        fetchInFlight = nil
        self.sourceHighWatermark = sourceHighWatermark
        self.sourceLogStart = sourceLogStart

        let batches: [RecordBatch]
        let truncatedBytes: Int
        do {
            (batches, truncatedBytes) = try RecordBatchSequence(records).split()
        } catch {
            return fail(MirrorFailure(.corruptSourceBatch, offset: offset, message: "unreadable Fetch records: \(error)"))
        }
        if batches.isEmpty && truncatedBytes > 0 {
            return fail(
                MirrorFailure(
                    .partialBatchOnly, offset: offset,
                    message:
                        "the Fetch response held only \(truncatedBytes) bytes of a batch; raise the fetch max bytes above the source's max.message.bytes"
                ))
        }

        var actions: [Action] = []
        for batch in batches where batch.nextOffset > fetchPosition {
            if let gap = frontGap {
                // The first batch at or after the gap's end says where real data starts.
                guard batch.nextOffset > gap.until else { continue }
                closeFrontGap(at: batch.baseOffset, actions: &actions)
            }
            if batch.baseOffset > fetchPosition {
                // Whole batches removed by compaction.
                guard enqueueFillers(from: fetchPosition, to: batch.baseOffset, reason: .gap, actions: &actions) else {
                    return actions
                }
            }
            do {
                enqueue(try classifier.plan(batch, from: fetchPosition))
            } catch {
                return actions + fail(MirrorFailure(.corruptSourceBatch, offset: batch.baseOffset, message: "\(error)"))
            }
        }
        if let gap = frontGap, batches.isEmpty, sourceHighWatermark <= gap.until {
            // Nothing at or after the gap's end yet: fill up to it now.
            closeFrontGap(at: gap.until, actions: &actions)
        }
        guard phase.isActive else { return actions }
        return actions + pump()
    }

    /// The source answered a fetch with OFFSET_OUT_OF_RANGE: the position is below its
    /// log start (data deleted before it was copied) or above its high watermark (the
    /// source lost data the destination already has).
    public mutating func sourceOffsetOutOfRange(
        from offset: Int64, sourceLogStart: Int64, sourceHighWatermark: Int64
    ) -> [Action] {
        guard phase.isActive, fetchInFlight == offset else { return [] }
        fetchInFlight = nil
        self.sourceLogStart = sourceLogStart
        self.sourceHighWatermark = sourceHighWatermark
        if offset > sourceHighWatermark {
            return diverge(
                Divergence(offset: sourceHighWatermark, reason: .sourceTruncated(sourceHighWatermark: sourceHighWatermark)))
        }
        if offset < sourceLogStart {
            if frontGap?.reason == .bootstrap {
                // Retention moved the log start during the bootstrap: start from the new one.
                frontGap?.until = sourceLogStart
                deleteRecordsBefore = sourceLogStart
            } else if let failure = retentionLoss(from: fetchPosition, to: sourceLogStart) {
                return failure
            }
        }
        return pump()
    }

    /// The source answered a fetch with another error. Retriable errors fetch again (the
    /// engine backs off first); others fail the partition.
    public mutating func fetchFailed(from offset: Int64, error: KafkaErrorCode) -> [Action] {
        guard phase.isActive, fetchInFlight == offset else { return [] }
        fetchInFlight = nil
        guard error.isRetriable || error == .networkException || error == .requestTimedOut else {
            return fail(
                MirrorFailure(.fetchRejected(error), offset: offset, message: "the source refused the fetch: \(error)"))
        }
        return pump()
    }

    /// The destination acknowledged the Produce of the plan with `expectedBaseOffset`
    /// (its `baseOffset`) and assigned `assignedBaseOffset`.
    public mutating func produceAcknowledged(expectedBaseOffset: Int64, assignedBaseOffset: Int64) -> [Action] {
        guard phase.isActive, let index = inFlightBatchIndex(expectedBaseOffset) else { return [] }
        guard assignedBaseOffset == expectedBaseOffset else {
            return diverge(
                Divergence(
                    offset: min(expectedBaseOffset, assignedBaseOffset),
                    reason: .unexpectedBaseOffset(expected: expectedBaseOffset, assigned: assignedBaseOffset)))
        }
        entries[index].status = .acknowledged
        if case .batch(let plan) = entries[index].payload, let producer = plan.sequencedProducer {
            lastAcknowledgedSequence = (producer, Self.lastSequence(of: plan.batch))
        }
        advanceAcknowledged()
        return pump()
    }

    /// The Produce of the plan with `expectedBaseOffset` failed. `.networkException`
    /// stands for a lost connection, `.requestTimedOut` for a client-side timeout: in both
    /// the batch may or may not have been written.
    ///
    /// Before performing the `.readDestinationLogEnd` this leads to, the engine should
    /// wait out the Produce timeout it sent (plus the destination's replica.lag.time.max.ms
    /// when a leader may still hold the batch unreplicated): ListOffsets reports the high
    /// watermark, and a batch that becomes visible after the read would be resent. The
    /// offset check catches that case (the resent batch lands one batch late: DIVERGED),
    /// but cannot undo it for batches without a producer id.
    public mutating func produceFailed(expectedBaseOffset: Int64, error: KafkaErrorCode) -> [Action] {
        guard phase.isActive, let index = inFlightBatchIndex(expectedBaseOffset) else { return [] }
        counters.produceFailures += 1
        entries[index].status = .failed
        let isHead = entries.indices.first { entries[$0].status != .acknowledged } == index
        switch Self.handling(of: error) {
        case .stripProducerAndResend:
            // Refused sequence (or epoch) of the producer's own batch: the destination's
            // state for that producer differs from the source's, e.g. a batch of it was
            // removed whole by compaction. When the batch is not the first outstanding
            // one, the refusal is the consequence of an earlier failure instead.
            if isHead, case .batch(let plan) = entries[index].payload, let producer = plan.sequencedProducer {
                strippedProducers.insert(producer)
            }
            recovery = .waitingForInFlight
        case .resendAfterLogEndCheck:
            recovery = .waitingForInFlight
        case .fatal(let hint):
            return fail(
                MirrorFailure(
                    .produceRejected(error), offset: expectedBaseOffset,
                    message: "the destination refused the batch: \(error). \(hint)"))
        }
        return pump()
    }

    /// The destination log end, read because `.readDestinationLogEnd` was asked.
    public mutating func destinationLogEndRead(_ logEnd: Int64) -> [Action] {
        guard phase.isActive, recovery == .readingLogEnd else { return [] }
        recovery = .none
        let acknowledged = destinationLogEnd
        guard logEnd >= acknowledged else {
            return diverge(
                Divergence(offset: logEnd, reason: .unexpectedLogEnd(acknowledged: acknowledged, found: logEnd)))
        }
        // The batches the log end covers were written by the failed attempts (or by
        // pipelined ones acknowledged after a failure): they count as acknowledged.
        // The log end must fall on a batch boundary, or someone else wrote.
        var boundary = acknowledged
        for index in entries.indices {
            guard boundary < logEnd else { break }
            boundary = entries[index].nextOffset
            if entries[index].status != .acknowledged { counters.batchesFoundWrittenAfterFailure += 1 }
            entries[index].status = .acknowledged
        }
        guard boundary == logEnd else {
            // Inside a batch of ours: that batch is where the logs part. Past all of them:
            // the end of ours.
            let offset = logEnd < boundary ? (entries.last { $0.baseOffset < logEnd }?.baseOffset ?? acknowledged) : boundary
            return diverge(
                Divergence(offset: offset, reason: .unexpectedLogEnd(acknowledged: acknowledged, found: logEnd)))
        }
        for index in entries.indices where entries[index].status != .acknowledged {
            entries[index].status = .queued
        }
        advanceAcknowledged()
        applyStrippedProducers()
        return pump()
    }

    /// The engine replayed the transaction span it was given; `destinationLogEnd` is the
    /// destination log end after the last marker.
    public mutating func transactionReplayed(destinationLogEnd logEnd: Int64) -> [Action] {
        guard phase.isActive,
            let index = entries.indices.first(where: { entries[$0].status == .inFlight && entries[$0].isTransaction })
        else { return [] }
        let expected = entries[index].nextOffset
        guard logEnd == expected else {
            return diverge(
                Divergence(
                    offset: min(logEnd, entries[index].baseOffset),
                    reason: .transactionReplay(expected: expected, found: logEnd)))
        }
        entries[index].status = .acknowledged
        advanceAcknowledged()
        return pump()
    }

    /// The engine found the destination differing from the source while replaying the span.
    public mutating func transactionReplayDiverged(_ divergence: Divergence) -> [Action] {
        guard phase.isActive, entries.contains(where: { $0.status == .inFlight && $0.isTransaction }) else { return [] }
        return diverge(divergence)
    }

    /// The engine could not replay the span (the transaction-replay work decides which
    /// failures it can resume; until then every one fails the partition).
    public mutating func transactionReplayFailed(reason: String) -> [Action] {
        guard phase.isActive,
            let entry = entries.first(where: { $0.status == .inFlight && $0.isTransaction })
        else { return [] }
        return fail(MirrorFailure(.transactionReplayFailed, offset: entry.baseOffset, message: reason))
    }

    /// DeleteRecords answered; `lowWatermark` is the destination's new log start.
    public mutating func deleteRecordsCompleted(lowWatermark: Int64) -> [Action] {
        guard phase.isActive, deleteRecordsInFlight else { return [] }
        deleteRecordsInFlight = false
        if let target = deleteRecordsBefore, lowWatermark >= target {
            deleteRecordsBefore = nil
        }
        return pump()
    }

    /// DeleteRecords failed. POLICY_VIOLATION means the topic's cleanup.policy lacks
    /// `delete`; OFFSET_OUT_OF_RANGE that the high watermark has not reached the offset
    /// yet (retried, as retriable errors are, after the engine's backoff).
    public mutating func deleteRecordsFailed(error: KafkaErrorCode) -> [Action] {
        guard phase.isActive, deleteRecordsInFlight else { return [] }
        deleteRecordsInFlight = false
        guard error.isRetriable || error == .offsetOutOfRange || error == .networkException else {
            let hint =
                error == .policyViolation
                ? "set cleanup.policy=compact,delete on the destination topic for the bootstrap, then restore it"
                : "the filler offsets below \(deleteRecordsBefore ?? 0) stay visible until DeleteRecords succeeds"
            return fail(
                MirrorFailure(
                    .deleteRecordsRejected(error), offset: deleteRecordsBefore,
                    message: "DeleteRecords refused: \(error); \(hint)"))
        }
        return pump()
    }

    /// Stop issuing fetches and produces; answers to those in flight are still handled.
    public mutating func pause() -> [Action] {
        guard case .running = phase else { return [] }
        phase = .paused
        return []
    }

    /// Continue after `pause()`.
    public mutating func resume() -> [Action] {
        guard case .paused = phase else { return [] }
        phase = .running
        return pump()
    }

    /// Stop for good. Requests in flight may still land: the destination log end, read
    /// at the next start, accounts for them.
    public mutating func stop() -> [Action] {
        switch phase {
        case .idle, .running, .paused:
            phase = .stopped
        case .failed, .diverged, .stopped:
            break
        }
        return []
    }
}

// MARK: - Internals

extension PartitionMirror {
    enum Phase: Hashable, Sendable {
        case idle, running, paused, stopped
        case failed(MirrorFailure)
        case diverged(Divergence)

        /// Whether answers to requests are still handled.
        var isActive: Bool {
            switch self {
            case .running, .paused: true
            case .idle, .stopped, .failed, .diverged: false
            }
        }
    }

    enum Recovery: Hashable, Sendable {
        case none
        /// A Produce failed: wait until none is in flight, then read the log end.
        case waitingForInFlight
        /// `.readDestinationLogEnd` asked.
        case readingLogEnd
    }

    struct FrontGap: Hashable, Sendable {
        var until: Int64
        var reason: BatchPlan.FillerReason
    }

    /// A plan or a transaction span awaiting acknowledgement.
    struct Entry: Hashable, Sendable {
        enum Payload: Hashable, Sendable {
            case batch(BatchPlan)
            case transaction(TransactionReplay)
        }

        enum Status: Hashable, Sendable {
            case queued, inFlight, failed, acknowledged
        }

        var payload: Payload
        var status: Status = .queued

        var baseOffset: Int64 {
            switch payload {
            case .batch(let plan): plan.baseOffset
            case .transaction(let span): span.baseOffset
            }
        }

        var nextOffset: Int64 {
            switch payload {
            case .batch(let plan): plan.nextOffset
            case .transaction(let span): span.nextOffset
            }
        }

        var sourceBytes: Int {
            switch payload {
            case .batch(let plan): plan.sourceBytes
            case .transaction(let span): span.sourceBytes
            }
        }

        var isTransaction: Bool {
            if case .transaction = payload { return true }
            return false
        }
    }

    enum ProduceErrorHandling: Hashable {
        case resendAfterLogEndCheck
        case stripProducerAndResend
        case fatal(hint: String)
    }

    /// How the mirror treats a Produce error code.
    static func handling(of error: KafkaErrorCode) -> ProduceErrorHandling {
        switch error {
        case .outOfOrderSequenceNumber, .invalidProducerEpoch:
            return .stripProducerAndResend
        case .corruptMessage:
            // Retriable for a producer (the bytes may have been damaged on the way), but a
            // mirror would resend the same source bytes forever.
            return .fatal(hint: "the source batch fails its CRC on the destination; verify it on the source")
        case .messageTooLarge, .recordListTooLarge:
            return .fatal(hint: "raise max.message.bytes on the destination topic to the source topic's value")
        case .invalidTimestamp:
            return .fatal(
                hint:
                    "the destination topic's message.timestamp.before.max.ms / after.max.ms reject the source timestamps; align them with the source"
            )
        case .invalidRecord:
            return .fatal(hint: "the destination rejects the batch's shape; this is a Causeway bug, please report it")
        case .networkException, .requestTimedOut:
            return .resendAfterLogEndCheck
        default:
            return error.isRetriable ? .resendAfterLogEndCheck : .fatal(hint: error.message)
        }
    }

    /// The sequence of the batch's last offset (Kafka: baseSequence + lastOffsetDelta).
    static func lastSequence(of batch: RecordBatch) -> Int32 {
        MirrorBatchClassifier.sequence(batch.baseSequence, plus: Int64(batch.lastOffsetDelta))
    }

    private var bufferedBytes: Int {
        entries.reduce(0) { $0 + ($1.status == .acknowledged ? 0 : $1.sourceBytes) } + (openSpan?.sourceBytes ?? 0)
    }

    private var inFlightCount: Int {
        entries.reduce(0) { $0 + ($1.status == .inFlight ? 1 : 0) }
    }

    private func inFlightBatchIndex(_ baseOffset: Int64) -> Int? {
        entries.indices.first { entries[$0].status == .inFlight && !entries[$0].isTransaction && entries[$0].baseOffset == baseOffset }
    }

    /// Adds a plan after the others: into the open transaction span, or opening one, or
    /// into the queue. A marker without an open transaction of its producer becomes a filler.
    private mutating func enqueue(_ plan: BatchPlan) {
        var plan = plan
        fetchPosition = plan.nextOffset
        if case .transactionMarker(let marker) = plan.kind, !(openSpan?.isOpen(marker.producer.producerId) ?? false) {
            // Offsets of one control batch: a single filler batch, never empty.
            if var filler = try? FillerBatches.make(
                from: plan.baseOffset, to: plan.nextOffset, reason: .orphanMarker,
                maxRecordsPerBatch: Int(plan.offsetCount), codec: .none
            ).first {
                filler.sourceBytes = plan.sourceBytes
                plan = filler
            }
        }
        if mustStrip(plan) {
            plan = classifier.strippingProducer(plan)
        }
        if case .transactionalData = plan.kind, openSpan == nil {
            openSpan = TransactionReplay()
        }
        guard var span = openSpan else {
            entries.append(Entry(payload: .batch(plan)))
            return
        }
        span.append(plan)
        if span.isComplete {
            entries.append(Entry(payload: .transaction(span)))
            openSpan = nil
        } else {
            openSpan = span
        }
    }

    /// Filler plans for `[start, end)`; false (after failing the partition) if they
    /// cannot be built.
    private mutating func enqueueFillers(
        from start: Int64, to end: Int64, reason: BatchPlan.FillerReason, actions: inout [Action]
    ) -> Bool {
        guard start < end else { return true }
        do {
            for plan in try FillerBatches.make(
                from: start, to: end, reason: reason, maxRecordsPerBatch: configuration.fillerRecordsPerBatch,
                codec: configuration.fillerCodec)
            {
                enqueue(plan)
            }
            return true
        } catch {
            actions += fail(MirrorFailure(.corruptSourceBatch, offset: start, message: "cannot build fillers: \(error)"))
            return false
        }
    }

    /// Ends the front gap where real data starts (`dataStart`): fillers for its reason
    /// below its end, plain gap fillers between its end and `dataStart`.
    private mutating func closeFrontGap(at dataStart: Int64, actions: inout [Action]) {
        guard let gap = frontGap else { return }
        frontGap = nil
        let reasonEnd = min(dataStart, gap.until)
        if gap.reason == .sourceRetention, reasonEnd > fetchPosition {
            counters.offsetsLostToSourceRetention += reasonEnd - fetchPosition
            actions.append(.reportSourceDataLoss(from: fetchPosition, to: reasonEnd))
        }
        guard enqueueFillers(from: fetchPosition, to: reasonEnd, reason: gap.reason, actions: &actions) else { return }
        _ = enqueueFillers(from: fetchPosition, to: dataStart, reason: .gap, actions: &actions)
    }

    /// Source offsets `[from, to)` were deleted before they were copied.
    private mutating func retentionLoss(from start: Int64, to end: Int64) -> [Action]? {
        switch configuration.onSourceRetentionLoss {
        case .fail:
            return fail(
                MirrorFailure(
                    .sourceRetentionLoss(from: start, to: end), offset: start,
                    message:
                        "the source deleted offsets \(start)..<\(end) before they were copied; raise the source topic's retention or choose fillAndContinue"
                ))
        case .fillAndContinue:
            frontGap = FrontGap(until: end, reason: .sourceRetention)
            return nil
        }
    }

    /// Drops the acknowledged entries at the front, moving the checkpoint.
    private mutating func advanceAcknowledged() {
        while let first = entries.first, first.status == .acknowledged {
            entries.removeFirst()
            destinationLogEnd = first.nextOffset
            counters.offsetsWritten += first.nextOffset - first.baseOffset
            switch first.payload {
            case .batch(let plan):
                record(plan)
            case .transaction(let span):
                counters.transactionSpans += 1
                span.plans.forEach { record($0) }
            }
        }
    }

    private mutating func record(_ plan: BatchPlan) {
        fidelity = max(fidelity, plan.fidelity)
        switch plan.kind {
        case .passthrough: counters.passthroughBatches += 1
        case .rewritten: counters.rewrittenBatches += 1
        case .fillers(.bootstrap): counters.bootstrapFillerRecords += plan.offsetCount
        case .fillers: break
        case .transactionalData, .transactionMarker: break
        }
        if plan.kind != .fillers(.bootstrap) {
            counters.fillerRecords += plan.fillerCount
        }
    }

    /// Strips the producer fields of queued batches of producers the destination
    /// refused, or whose ids our replay producers hold.
    private mutating func applyStrippedProducers() {
        guard !strippedProducers.isEmpty || !reservedProducerIDs.isEmpty else { return }
        for index in entries.indices where entries[index].status == .queued {
            if case .batch(let plan) = entries[index].payload, mustStrip(plan) {
                entries[index].payload = .batch(classifier.strippingProducer(plan))
            }
        }
    }

    private func mustStrip(_ plan: BatchPlan) -> Bool {
        guard let producer = plan.sequencedProducer else { return false }
        return strippedProducers.contains(producer) || reservedProducerIDs.contains(producer.producerId)
    }

    /// Whether `plan` may be sent while other batches are in flight: see
    /// `Configuration.maxInFlight`.
    private func canPipeline(_ plan: BatchPlan, inFlight: [BatchPlan]) -> Bool {
        guard inFlight.count < configuration.maxInFlight, let producer = plan.sequencedProducer,
            let acknowledged = lastAcknowledgedSequence, acknowledged.producer == producer
        else { return false }
        var last = acknowledged.lastSequence
        for sent in inFlight + [plan] {
            guard sent.sequencedProducer == producer,
                sent.batch.baseSequence == MirrorBatchClassifier.sequence(last, plus: 1)
            else { return false }
            last = Self.lastSequence(of: sent.batch)
        }
        return true
    }

    /// The actions the current state calls for: sends, the recovery read, DeleteRecords,
    /// the next fetch.
    private mutating func pump() -> [Action] {
        guard case .running = phase else { return [] }
        var actions: [Action] = []

        switch recovery {
        case .waitingForInFlight:
            if inFlightCount == 0 {
                recovery = .readingLogEnd
                actions.append(.readDestinationLogEnd)
            }
        case .readingLogEnd:
            break
        case .none:
            // Send queued entries in order while the in-flight rules allow; stop at the
            // first that must wait, since later entries must not overtake it.
            var inFlight: [BatchPlan] = []
            var transactionInFlight = false
            scan: for index in entries.indices {
                switch (entries[index].status, entries[index].payload) {
                case (.acknowledged, _):
                    continue scan
                case (.inFlight, .batch(let plan)), (.failed, .batch(let plan)):
                    inFlight.append(plan)
                case (.inFlight, .transaction), (.failed, .transaction):
                    transactionInFlight = true
                case (.queued, .transaction(let span)):
                    // A span is replayed alone: nothing before it in flight, nothing after it sent.
                    guard inFlight.isEmpty, !transactionInFlight else { break scan }
                    entries[index].status = .inFlight
                    actions.append(.replayTransaction(span))
                    break scan
                case (.queued, .batch(let plan)):
                    guard !transactionInFlight, inFlight.isEmpty || canPipeline(plan, inFlight: inFlight) else {
                        break scan
                    }
                    entries[index].status = .inFlight
                    actions.append(.produce(plan))
                    inFlight.append(plan)
                }
            }
        }

        if let target = deleteRecordsBefore, !deleteRecordsInFlight, destinationLogEnd >= target {
            deleteRecordsInFlight = true
            actions.append(.deleteRecords(before: target))
        }

        if openSpan != nil, bufferedBytes >= configuration.maxTransactionBytes {
            return actions
                + fail(
                    MirrorFailure(
                        .transactionTooLarge(bytes: bufferedBytes), offset: openSpan?.baseOffset,
                        message:
                            "a source transaction spans more than maxTransactionBytes (\(configuration.maxTransactionBytes)); raise it"
                    ))
        }
        let bufferLimit = openSpan == nil ? configuration.maxBufferedBytes : configuration.maxTransactionBytes
        if fetchInFlight == nil, bufferedBytes < bufferLimit {
            let offset = nextFetchOffset
            fetchInFlight = offset
            actions.append(offset < sourceHighWatermark ? .fetch(from: offset) : .waitForHighWatermark(from: offset))
        }
        return actions
    }

    private mutating func diverge(_ divergence: Divergence) -> [Action] {
        phase = .diverged(divergence)
        return [.reportDiverged(divergence)]
    }

    private mutating func fail(_ failure: MirrorFailure) -> [Action] {
        phase = .failed(failure)
        return [.reportFailed(failure)]
    }
}
